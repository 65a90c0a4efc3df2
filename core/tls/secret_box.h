// secret_box.h — seals the private keys the nodes share through the database (the ACME account key, certificate
// keys) with one cluster-wide key: AES-256-GCM with a random 96-bit nonce per seal, so a record read from the
// database (a backup, a replica) reveals no key without tls_storage_key.
// SPDX-License-Identifier: Apache-2.0
//
// Sealed form: "v1:" + base64(nonce (12 bytes) | ciphertext | tag (16 bytes)). The version prefix leaves room for
// another algorithm later without guessing.
// Thread-safety: a SecretBox is immutable; seal() and open() may run on many threads at once.
#pragma once

#include "tls/certificate_store.h"

#include <array>
#include <string>
#include <string_view>

namespace maelstrom::core::tls {

class SecretBox {
public:
    /// The key from the tls_storage_key setting: 64 hex characters (32 bytes), base64 of 32 bytes, or any other
    /// text of at least 16 characters used as a passphrase (its SHA-256 is the key). Surrounding white space is
    /// ignored. @throws TlsError (one line) when the setting is empty or too short.
    static SecretBox fromSetting(const std::string& setting);

    SecretBox(const SecretBox&) = default;
    SecretBox& operator=(const SecretBox&) = default;
    ~SecretBox();

    /// Encrypts `plain` under a fresh random nonce. @throws TlsError when OpenSSL fails (no randomness).
    std::string seal(std::string_view plain) const;
    /// Decrypts what seal() made with the same key.
    /// @throws TlsError("wrong MAEL_TLS_STORAGE_KEY or damaged record") when the key differs or the text was changed.
    std::string open(std::string_view sealed) const;

private:
    explicit SecretBox(const std::array<unsigned char, 32>& key) : key_(key) {}
    std::array<unsigned char, 32> key_{};
};

} // namespace maelstrom::core::tls
