// acme_jws.h — the cryptography the ACME client needs, on OpenSSL: base64url, the EC P-256 account key as a JWK
// and its RFC 7638 thumbprint, ES256 signatures in JWS form (raw r||s), flattened JWS objects, and certificate
// signing requests.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maelstrom::core::tls {

/// A key or CSR that cannot be made or read. The message is one line.
class AcmeCryptoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// base64url without padding (RFC 7515 §2).
std::string base64Url(std::string_view bytes);
/// Decodes base64url with or without padding; throws AcmeCryptoError on other characters.
std::string base64UrlDecode(std::string_view text);
/// SHA-256 of `bytes` (32 raw bytes).
std::string sha256(std::string_view bytes);

/// RFC 7638: the thumbprint of a JWK given its required members as (name, value) string pairs; sorts the members
/// by name and hashes their JSON without whitespace. Returned as base64url.
std::string jwkThumbprint(std::vector<std::pair<std::string, std::string>> requiredMembers);

/// An EC P-256 private key (the ACME account key, or a certificate's key).
class EcKey {
public:
    /// A fresh random key.
    static EcKey generate();
    /// Reads a PEM private key (PKCS#8 or SEC1). @throws AcmeCryptoError when unreadable or not P-256.
    static EcKey fromPem(const std::string& pem);

    EcKey(EcKey&&) noexcept;
    EcKey& operator=(EcKey&&) noexcept;
    ~EcKey();

    /// PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    std::string pem() const;
    /// The public key's JWK with members in RFC 7638 order: {"crv":"P-256","kty":"EC","x":"…","y":"…"}.
    std::string jwkJson() const;
    /// RFC 7638 thumbprint of jwkJson() (base64url of SHA-256).
    std::string thumbprint() const;
    /// ES256 over `data`: SHA-256, ECDSA, the JWS form r||s (64 bytes, each big-endian, zero-padded to 32).
    std::string signEs256(std::string_view data) const;
    EVP_PKEY* get() const { return key_.get(); }

private:
    struct Free {
        void operator()(EVP_PKEY* key) const;
    };
    explicit EcKey(EVP_PKEY* key) : key_(key) {}
    std::unique_ptr<EVP_PKEY, Free> key_;
};

/// A flattened JWS JSON object (RFC 7515 §7.2.2) signed with ES256: {"protected","payload","signature"}.
/// `protectedHeader` and `payload` are JSON text (payload "" for ACME's POST-as-GET).
std::string jwsEs256(const EcKey& key, const std::string& protectedHeader, const std::string& payload);

/// Checks an ES256 JWS signature (r||s) over `data` with the public half of `key` (tests, and a self-check).
bool verifyEs256(const EcKey& key, std::string_view data, std::string_view signature);

/// A DER certificate signing request for `hostnames` (subjectAltName DNS entries; the first is also the CN when it
/// fits in 64 characters), signed with `key` (SHA-256). @throws AcmeCryptoError
std::string makeCsrDer(const EcKey& key, const std::vector<std::string>& hostnames);

/// What the client reads from an issued chain's leaf.
struct LeafInfo {
    std::string issuer;                ///< RFC 2253 text of the leaf's issuer
    std::vector<std::string> dnsNames; ///< subjectAltName DNS entries
    std::int64_t notBefore = 0;        ///< unix seconds
    std::int64_t notAfter = 0;         ///< unix seconds
};
/// Parses the first certificate of a PEM chain; when `key` is given, also checks that it belongs to the leaf.
/// @throws AcmeCryptoError
LeafInfo inspectLeaf(const std::string& chainPem, const EcKey* key = nullptr);

} // namespace maelstrom::core::tls
