// acme_jws.cpp — base64url, JWK, ES256 and CSRs on OpenSSL 3 (EVP interfaces only, nothing deprecated).
// SPDX-License-Identifier: Apache-2.0
#include "tls/acme_jws.h"

#include "tls/openssl_error.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace maelstrom::core::tls {

namespace {

[[noreturn]] void fail(const std::string& what) {
    throw AcmeCryptoError(what + ": " + opensslError("unknown OpenSSL error"));
}

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct BnFree {
    void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
struct SigFree {
    void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
using SigPtr = std::unique_ptr<ECDSA_SIG, SigFree>;
struct X509Free {
    void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
struct ReqFree {
    void operator()(X509_REQ* req) const { X509_REQ_free(req); }
};
using ReqPtr = std::unique_ptr<X509_REQ, ReqFree>;

BioPtr readBio(const std::string& text) {
    BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!bio) {
        fail("cannot allocate a BIO");
    }
    return bio;
}

std::string bioText(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

/// A big number as exactly `width` big-endian bytes.
std::string fixedWidth(const BIGNUM* bn, int width) {
    std::string out(static_cast<std::size_t>(width), '\0');
    if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), width) != width) {
        fail("number does not fit the P-256 width");
    }
    return out;
}

std::string jsonEscape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            std::array<char, 8> escaped{};
            std::snprintf(escaped.data(), escaped.size(), "\\u%04x", static_cast<unsigned>(c));
            out += escaped.data();
        } else {
            out += c;
        }
    }
    return out;
}

std::int64_t unixTime(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
        fail("unreadable certificate validity time");
    }
    return static_cast<std::int64_t>(timegm(&tm));
}

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

} // namespace

std::string base64Url(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const auto n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) {
            n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        }
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        if (rest == 2) {
            out += kAlphabet[(n >> 6) & 63];
        }
    }
    return out;
}

std::string base64UrlDecode(std::string_view text) {
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
    }
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const auto pos = kAlphabet.find(c);
        if (pos == std::string_view::npos) {
            throw AcmeCryptoError("invalid base64url character in '" + std::string(text.substr(0, 40)) + "'");
        }
        buffer = (buffer << 6) | static_cast<unsigned>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    return out;
}

std::string sha256(std::string_view bytes) {
    std::string out(32, '\0');
    unsigned int size = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(out.data()), &size, EVP_sha256(),
                   nullptr) != 1 ||
        size != 32) {
        fail("SHA-256 failed");
    }
    return out;
}

std::string jwkThumbprint(std::vector<std::pair<std::string, std::string>> requiredMembers) {
    std::sort(requiredMembers.begin(), requiredMembers.end());
    std::string json = "{";
    for (const auto& [name, value] : requiredMembers) {
        if (json.size() > 1) {
            json += ',';
        }
        json += '"' + jsonEscape(name) + "\":\"" + jsonEscape(value) + '"';
    }
    json += '}';
    return base64Url(sha256(json));
}

void EcKey::Free::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

EcKey::EcKey(EcKey&&) noexcept = default;
EcKey& EcKey::operator=(EcKey&&) noexcept = default;
EcKey::~EcKey() = default;

EcKey EcKey::generate() {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (key == nullptr) {
        fail("cannot generate an EC P-256 key");
    }
    return EcKey(key);
}

EcKey EcKey::fromPem(const std::string& pem) {
    const BioPtr bio = readBio(pem);
    EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (raw == nullptr) {
        fail("unreadable PEM private key");
    }
    EcKey key(raw);
    std::array<char, 64> group{};
    std::size_t length = 0;
    if (EVP_PKEY_get_base_id(raw) != EVP_PKEY_EC ||
        EVP_PKEY_get_group_name(raw, group.data(), group.size(), &length) != 1 ||
        std::string_view(group.data(), length) != "prime256v1") {
        ERR_clear_error();
        throw AcmeCryptoError("the private key is not an EC P-256 key");
    }
    return key;
}

std::string EcKey::pem() const {
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        fail("cannot write the private key as PEM");
    }
    return bioText(bio.get());
}

std::string EcKey::jwkJson() const {
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    const bool ok = EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
                    EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1;
    const BnPtr xOwned(x);
    const BnPtr yOwned(y);
    if (!ok) {
        fail("cannot read the EC public key");
    }
    return R"({"crv":"P-256","kty":"EC","x":")" + base64Url(fixedWidth(x, 32)) + R"(","y":")" +
           base64Url(fixedWidth(y, 32)) + R"("})";
}

std::string EcKey::thumbprint() const {
    // jwkJson() is already the RFC 7638 form: required members only, sorted, no whitespace.
    return base64Url(sha256(jwkJson()));
}

std::string EcKey::signEs256(std::string_view data) const {
    const MdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t size = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
            1) {
        fail("cannot start an ES256 signature");
    }
    std::string der(size, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &size,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
        fail("ES256 signing failed");
    }
    // OpenSSL writes the DER ECDSA-Sig-Value; JWS wants r and s as fixed-width big-endian numbers.
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    const SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(size)));
    if (!sig) {
        fail("unreadable ECDSA signature");
    }
    return fixedWidth(ECDSA_SIG_get0_r(sig.get()), 32) + fixedWidth(ECDSA_SIG_get0_s(sig.get()), 32);
}

bool verifyEs256(const EcKey& key, std::string_view data, std::string_view signature) {
    if (signature.size() != 64) {
        return false;
    }
    SigPtr sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()), 32, nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()) + 32, 32, nullptr);
    if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        fail("cannot build an ECDSA signature");
    }
    unsigned char* der = nullptr;
    const int derSize = i2d_ECDSA_SIG(sig.get(), &der);
    if (derSize <= 0) {
        fail("cannot encode an ECDSA signature");
    }
    const MdCtxPtr ctx(EVP_MD_CTX_new());
    const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
                    EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(derSize),
                                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

std::string jwsEs256(const EcKey& key, const std::string& protectedHeader, const std::string& payload) {
    const std::string protected64 = base64Url(protectedHeader);
    const std::string payload64 = base64Url(payload);
    const std::string signature = key.signEs256(protected64 + "." + payload64);
    return R"({"protected":")" + protected64 + R"(","payload":")" + payload64 + R"(","signature":")" +
           base64Url(signature) + R"("})";
}

std::string makeCsrDer(const EcKey& key, const std::vector<std::string>& hostnames) {
    if (hostnames.empty()) {
        throw AcmeCryptoError("a certificate request needs at least one hostname");
    }
    const ReqPtr req(X509_REQ_new());
    if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
        fail("cannot start a certificate request");
    }
    // The CN is optional for ACME (the SANs count); a name longer than the CN's 64 characters is left out of it.
    if (hostnames.front().size() <= 64) {
        X509_NAME* subject = X509_REQ_get_subject_name(req.get());
        if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(hostnames.front().data()),
                                       static_cast<int>(hostnames.front().size()), -1, 0) != 1) {
            fail("cannot set the request's CN");
        }
    }
    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    if (names == nullptr) {
        fail("cannot allocate subjectAltName");
    }
    for (const auto& hostname : hostnames) {
        GENERAL_NAME* name = GENERAL_NAME_new();
        ASN1_IA5STRING* text = ASN1_IA5STRING_new();
        if (name == nullptr || text == nullptr ||
            ASN1_STRING_set(text, hostname.data(), static_cast<int>(hostname.size())) != 1) {
            GENERAL_NAME_free(name);
            ASN1_IA5STRING_free(text);
            GENERAL_NAMES_free(names);
            fail("cannot add " + hostname + " to subjectAltName");
        }
        GENERAL_NAME_set0_value(name, GEN_DNS, text);
        sk_GENERAL_NAME_push(names, name);
    }
    X509_EXTENSION* san = X509V3_EXT_i2d(NID_subject_alt_name, 0, names);
    GENERAL_NAMES_free(names);
    STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
    const bool added = san != nullptr && extensions != nullptr && sk_X509_EXTENSION_push(extensions, san) > 0;
    if (!added) {
        X509_EXTENSION_free(san);
    }
    const bool ok = added && X509_REQ_add_extensions(req.get(), extensions) == 1;
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
    if (!ok) {
        fail("cannot add subjectAltName to the request");
    }
    if (X509_REQ_set_pubkey(req.get(), key.get()) != 1 || X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
        fail("cannot sign the certificate request");
    }
    unsigned char* der = nullptr;
    const int size = i2d_X509_REQ(req.get(), &der);
    if (size <= 0) {
        fail("cannot encode the certificate request");
    }
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
    OPENSSL_free(der);
    return out;
}

LeafInfo inspectLeaf(const std::string& chainPem, const EcKey* key) {
    const BioPtr bio = readBio(chainPem);
    const X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!leaf) {
        fail("the certificate chain has no readable PEM certificate");
    }
    LeafInfo info;
    const BioPtr issuer(BIO_new(BIO_s_mem()));
    if (!issuer || X509_NAME_print_ex(issuer.get(), X509_get_issuer_name(leaf.get()), 0, XN_FLAG_RFC2253) < 0) {
        fail("unreadable certificate issuer");
    }
    info.issuer = bioText(issuer.get());
    info.notBefore = unixTime(X509_get0_notBefore(leaf.get()));
    info.notAfter = unixTime(X509_get0_notAfter(leaf.get()));
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
            const ASN1_IA5STRING* dns = name->d.dNSName;
            info.dnsNames.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                       static_cast<std::size_t>(ASN1_STRING_length(dns)));
        }
    }
    GENERAL_NAMES_free(names);
    if (key != nullptr && X509_check_private_key(leaf.get(), key->get()) != 1) {
        fail("the issued certificate does not belong to the requested key");
    }
    ERR_clear_error();
    return info;
}

} // namespace maelstrom::core::tls
