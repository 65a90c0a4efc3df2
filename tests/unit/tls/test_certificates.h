// test_certificates.h — keys and X.509 certificates made in memory for the TLS unit tests (EC P-256, SHA-256),
// self-signed or signed by another test certificate, returned as PEM and as OpenSSL objects.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

namespace maelstrom::test {

/// A key and its certificate in PEM, plus the OpenSSL objects (to sign others with).
struct TestCert {
    std::string certPem;
    std::string keyPem;
    std::shared_ptr<EVP_PKEY> key;
    std::shared_ptr<X509> cert;
};

/// The PEM of `key` (unencrypted PKCS#8) when non-null, otherwise of `cert`.
inline std::string pemOf(EVP_PKEY* key, X509* cert) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (key) {
        PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    } else {
        PEM_write_bio_X509(bio, cert);
    }
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
}

/// An EC P-256 certificate for `cn` with `dnsNames`, signed by `issuer` (self-signed when null), valid from a
/// minute ago for `days`; `ca` sets basic constraints CA:TRUE. Serial numbers count up from 1.
inline TestCert makeCert(const std::string& cn, const std::vector<std::string>& dnsNames,
                         const TestCert* issuer = nullptr, bool ca = false, long days = 30) {
    TestCert out;
    out.key.reset(EVP_EC_gen("P-256"), EVP_PKEY_free);
    out.cert.reset(X509_new(), X509_free);
    X509* x = out.cert.get();
    X509_set_version(x, 2);
    static long serial = 1;
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), days * 86400);
    X509_set_pubkey(x, out.key.get());
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert.get()) : name);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer->cert.get() : x, x, nullptr, nullptr, 0);
    std::string san;
    for (const auto& dns : dnsNames) {
        san += (san.empty() ? "DNS:" : ",DNS:") + dns;
    }
    if (!san.empty()) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, ca ? "CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, bc, -1);
    X509_EXTENSION_free(bc);
    X509_sign(x, issuer ? issuer->key.get() : out.key.get(), EVP_sha256());
    out.certPem = pemOf(nullptr, x);
    out.keyPem = pemOf(out.key.get(), nullptr);
    return out;
}

} // namespace maelstrom::test
