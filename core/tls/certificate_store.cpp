// certificate_store.cpp — PEM parsing and the per-handshake lookup.
// SPDX-License-Identifier: Apache-2.0
#include "tls/certificate_store.h"

#include "tls/openssl_error.h"

#include <maelstrom/sdk/text.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <mutex>

namespace maelstrom::core::tls {

namespace {

std::string nameText(const X509_NAME* name) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) {
        return {};
    }
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(size > 0 ? size : 0));
    BIO_free(bio);
    return out;
}

std::int64_t unixTime(const ASN1_TIME* time) {
    std::tm tm{};
    if (!time || ASN1_TIME_to_tm(time, &tm) != 1) {
        return 0;
    }
    return static_cast<std::int64_t>(timegm(&tm));
}

std::vector<std::string> dnsNames(X509* leaf) {
    std::vector<std::string> out;
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
    if (!names) {
        return out;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
            const auto* text = ASN1_STRING_get0_data(name->d.dNSName);
            out.emplace_back(reinterpret_cast<const char*>(text),
                             static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

} // namespace

LoadedCertificate::~LoadedCertificate() {
    X509_free(leaf);
    EVP_PKEY_free(key);
    if (chain) {
        sk_X509_pop_free(chain, X509_free);
    }
}

std::shared_ptr<const LoadedCertificate> loadCertificate(const std::string& chainPem, const std::string& keyPem) {
    ERR_clear_error();
    auto loaded = std::make_shared<LoadedCertificate>();
    BIO* bio = BIO_new_mem_buf(chainPem.data(), static_cast<int>(chainPem.size()));
    if (!bio) {
        throw TlsError("out of memory reading the certificate");
    }
    loaded->leaf = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (!loaded->leaf) {
        BIO_free(bio);
        throw TlsError("no PEM certificate found (" + opensslError("unreadable") + ")");
    }
    loaded->chain = sk_X509_new_null();
    while (X509* next = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
        sk_X509_push(loaded->chain, next);
    }
    // The loop ends on "no start line" at the end of the text; anything else is a damaged certificate.
    const unsigned long last = ERR_peek_last_error();
    BIO_free(bio);
    if (last != 0 && ERR_GET_REASON(last) != PEM_R_NO_START_LINE) {
        throw TlsError("damaged certificate in the chain (" + opensslError("unreadable") + ")");
    }
    ERR_clear_error();

    bio = BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size()));
    if (!bio) {
        throw TlsError("out of memory reading the private key");
    }
    loaded->key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!loaded->key) {
        throw TlsError("no PEM private key found (" + opensslError("unreadable") + ")");
    }
    if (X509_check_private_key(loaded->leaf, loaded->key) != 1) {
        ERR_clear_error();
        throw TlsError("the private key does not belong to the certificate");
    }

    CertificateInfo& info = loaded->info;
    info.subject = nameText(X509_get_subject_name(loaded->leaf));
    info.issuer = nameText(X509_get_issuer_name(loaded->leaf));
    info.dnsNames = dnsNames(loaded->leaf);
    info.notBefore = unixTime(X509_get0_notBefore(loaded->leaf));
    info.notAfter = unixTime(X509_get0_notAfter(loaded->leaf));
    if (!info.dnsNames.empty()) {
        info.hostname = sdk::asciiLower(info.dnsNames.front());
    } else {
        // No subjectAltName: the subject's common name is the only name it has.
        std::array<char, 256> cn{};
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(loaded->leaf), NID_commonName, cn.data(),
                                      static_cast<int>(cn.size())) > 0) {
            info.hostname = sdk::asciiLower(cn.data());
        }
    }
    return loaded;
}

CertificateInfo inspectCertificate(const std::string& chainPem, const std::string& keyPem) {
    return loadCertificate(chainPem, keyPem)->info;
}

CertificateStore::CertificateStore() = default;
CertificateStore::~CertificateStore() = default;

void CertificateStore::put(const std::string& hostname, const std::string& chainPem, const std::string& keyPem) {
    auto loaded = loadCertificate(chainPem, keyPem);
    const std::string name = sdk::asciiLower(hostname);
    const_cast<LoadedCertificate&>(*loaded).info.hostname = name;
    std::unique_lock lock(mutex_);
    byName_[name] = std::move(loaded);
}

void CertificateStore::setDefault(const std::string& chainPem, const std::string& keyPem) {
    auto loaded = loadCertificate(chainPem, keyPem);
    const_cast<LoadedCertificate&>(*loaded).info.hostname.clear();
    std::unique_lock lock(mutex_);
    default_ = std::move(loaded);
}

bool CertificateStore::remove(const std::string& hostname) {
    std::unique_lock lock(mutex_);
    return byName_.erase(sdk::asciiLower(hostname)) > 0;
}

bool CertificateStore::has(const std::string& hostname) const {
    std::shared_lock lock(mutex_);
    return byName_.count(sdk::asciiLower(hostname)) > 0;
}

bool CertificateStore::hasDefault() const {
    std::shared_lock lock(mutex_);
    return default_ != nullptr;
}

std::vector<CertificateInfo> CertificateStore::list() const {
    std::vector<CertificateInfo> out;
    std::shared_lock lock(mutex_);
    if (default_) {
        out.push_back(default_->info);
    }
    std::vector<CertificateInfo> named;
    for (const auto& [name, loaded] : byName_) {
        named.push_back(loaded->info);
    }
    lock.unlock();
    std::sort(named.begin(), named.end(),
              [](const CertificateInfo& a, const CertificateInfo& b) { return a.hostname < b.hostname; });
    out.insert(out.end(), named.begin(), named.end());
    return out;
}

void CertificateStore::setUnknownNameHandler(std::function<void(const std::string&)> handler) {
    std::unique_lock lock(mutex_);
    unknownName_ = std::move(handler);
}

std::shared_ptr<const LoadedCertificate> CertificateStore::select(std::string_view serverName) const {
    std::string name = sdk::asciiLower(serverName);
    if (!name.empty() && name.back() == '.') {
        name.pop_back(); // a fully qualified name with its root dot names the same host
    }
    std::shared_lock lock(mutex_);
    if (!name.empty()) {
        if (const auto it = byName_.find(name); it != byName_.end()) {
            return it->second;
        }
        if (const auto dot = name.find('.'); dot != std::string::npos && dot > 0) {
            if (const auto it = byName_.find("*" + name.substr(dot)); it != byName_.end()) {
                return it->second;
            }
        }
    }
    auto fallback = default_;
    const auto handler = unknownName_;
    lock.unlock();
    if (!name.empty() && handler) {
        handler(name);
    }
    return fallback;
}

} // namespace maelstrom::core::tls
