// certificate_store.h — the certificates the HTTPS listener serves: one per hostname (ACME) plus an optional default
// (the static files), chosen per handshake from the client's SNI name.
// SPDX-License-Identifier: Apache-2.0
//
// Lookup: the lowercased SNI name exactly, then the one-label wildcard (`a.example.com` → `*.example.com`), then the
// default certificate. A name that matches nothing is reported to the unknown-name handler (the ACME manager may
// order a certificate for it); without a default certificate that handshake fails.
//
// Threads: every method is thread-safe. Lookups (one per handshake) take a shared lock and copy a shared_ptr; the
// parsed certificate objects are immutable once installed, so a replaced one lives on until its last handshake ends.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct stack_st_X509; // STACK_OF(X509) without <openssl/x509.h>

namespace maelstrom::core::tls {

class TlsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CertificateInfo {
    std::string hostname;              ///< the name it is installed under ("" for the default one)
    std::string subject;               ///< RFC 2253 text of the leaf's subject
    std::string issuer;                ///< RFC 2253 text of the leaf's issuer
    std::vector<std::string> dnsNames; ///< the leaf's subjectAltName DNS entries
    std::int64_t notBefore = 0;        ///< unix seconds
    std::int64_t notAfter = 0;         ///< unix seconds
};

/// Parses a PEM chain (leaf first, then intermediates) and a PEM private key.
/// @throws TlsError (one line) when either is unreadable or the key does not belong to the leaf.
CertificateInfo inspectCertificate(const std::string& chainPem, const std::string& keyPem);

/// A parsed certificate ready to be handed to a handshake: the OpenSSL objects (owned) and what they say.
struct LoadedCertificate {
    CertificateInfo info;
    X509* leaf = nullptr;
    EVP_PKEY* key = nullptr;
    ::stack_st_X509* chain = nullptr; ///< intermediates after the leaf (may be empty)
    LoadedCertificate() = default;
    ~LoadedCertificate();
    LoadedCertificate(const LoadedCertificate&) = delete;
    LoadedCertificate& operator=(const LoadedCertificate&) = delete;
};

/// Parses and checks a pair into the objects a handshake uses. @throws TlsError like inspectCertificate.
std::shared_ptr<const LoadedCertificate> loadCertificate(const std::string& chainPem, const std::string& keyPem);

class CertificateStore {
public:
    CertificateStore();
    ~CertificateStore();
    CertificateStore(const CertificateStore&) = delete;
    CertificateStore& operator=(const CertificateStore&) = delete;

    /// Installs (or replaces) the certificate of `hostname` (lowercased; may be a `*.` wildcard).
    /// @throws TlsError when the pair is invalid (the old one stays).
    void put(const std::string& hostname, const std::string& chainPem, const std::string& keyPem);
    /// Installs (or replaces) the default certificate. @throws TlsError when the pair is invalid (the old one stays).
    void setDefault(const std::string& chainPem, const std::string& keyPem);
    bool remove(const std::string& hostname);
    bool has(const std::string& hostname) const;
    bool hasDefault() const;
    /// Every installed certificate, the default one (if any) first with hostname "".
    std::vector<CertificateInfo> list() const;
    /// Called (on the handshake's thread; must not block) with the lowercased SNI name when no certificate matches
    /// it exactly or by wildcard. Set before the HTTPS listener starts.
    void setUnknownNameHandler(std::function<void(const std::string&)> handler);

    /// What a handshake for `serverName` (as sent, may be empty) serves: exact, wildcard, then default; null when
    /// nothing fits. Calls the unknown-name handler when neither exact nor wildcard matched a non-empty name.
    std::shared_ptr<const LoadedCertificate> select(std::string_view serverName) const;

private:
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<const LoadedCertificate>> byName_; ///< guarded by mutex_
    std::shared_ptr<const LoadedCertificate> default_;                                 ///< guarded by mutex_
    std::function<void(const std::string&)> unknownName_; ///< set before serving; read without the lock
};

} // namespace maelstrom::core::tls
