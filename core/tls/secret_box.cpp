// secret_box.cpp — see secret_box.h.
// SPDX-License-Identifier: Apache-2.0
#include "tls/secret_box.h"

#include <maelstrom/sdk/text.h>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>
#include <sstream>

namespace maelstrom::core::tls {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::string_view kPrefix = "v1:";
constexpr std::size_t kMinPassphrase = 16;

const char* const kOpenFailed = "wrong MAEL_TLS_STORAGE_KEY or damaged record";

struct CipherFree {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherFree>;

std::string base64(std::string_view bytes) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0); // one line: the value lives inside a JSON string
    encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    encoder.close();
    return out.str();
}

/// Strict standard base64 (padding required); false on anything else.
bool unbase64(std::string_view text, std::string& bytes) {
    if (text.empty() || text.size() % 4 != 0 || !std::all_of(text.begin(), text.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
                   c == '=';
        })) {
        return false;
    }
    try {
        std::istringstream in{std::string(text)};
        Poco::Base64Decoder decoder(in);
        bytes.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
        return true;
    } catch (...) {
        return false;
    }
}

bool hexDigit(char c, unsigned char& value) {
    if (c >= '0' && c <= '9') {
        value = static_cast<unsigned char>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
        value = static_cast<unsigned char>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
        value = static_cast<unsigned char>(c - 'A' + 10);
    } else {
        return false;
    }
    return true;
}

bool fromHex(std::string_view text, std::array<unsigned char, 32>& key) {
    if (text.size() != 64) {
        return false;
    }
    for (std::size_t i = 0; i < key.size(); ++i) {
        unsigned char hi = 0;
        unsigned char lo = 0;
        if (!hexDigit(text[2 * i], hi) || !hexDigit(text[2 * i + 1], lo)) {
            return false;
        }
        key[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return true;
}

} // namespace

SecretBox SecretBox::fromSetting(const std::string& setting) {
    const std::string text(sdk::trimSpace(setting));
    if (text.empty()) {
        throw TlsError("tls_storage_key (MAEL_TLS_STORAGE_KEY) is empty: give 64 hex characters, base64 of 32 bytes "
                       "or a passphrase of at least 16 characters (e.g. `openssl rand -hex 32`)");
    }
    std::array<unsigned char, 32> key{};
    if (fromHex(text, key)) {
        return SecretBox(key);
    }
    std::string decoded;
    if (unbase64(text, decoded) && decoded.size() == key.size()) {
        std::copy(decoded.begin(), decoded.end(), key.begin());
        OPENSSL_cleanse(decoded.data(), decoded.size());
        return SecretBox(key);
    }
    if (text.size() < kMinPassphrase) {
        throw TlsError("tls_storage_key (MAEL_TLS_STORAGE_KEY) is too short (" + std::to_string(text.size()) +
                       " characters): give 64 hex characters, base64 of 32 bytes or a passphrase of at least 16 "
                       "characters");
    }
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), key.data(), &length, EVP_sha256(), nullptr) != 1 || length != key.size()) {
        throw TlsError("cannot hash tls_storage_key (OpenSSL SHA-256 failed)");
    }
    return SecretBox(key);
}

SecretBox::~SecretBox() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string SecretBox::seal(std::string_view plain) const {
    std::string out(kNonceBytes + plain.size() + kTagBytes, '\0');
    auto* bytes = reinterpret_cast<unsigned char*>(out.data());
    if (RAND_bytes(bytes, static_cast<int>(kNonceBytes)) != 1) {
        throw TlsError("cannot seal a key: no random bytes from OpenSSL");
    }
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    int tail = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes), nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), bytes) != 1 ||
        EVP_EncryptUpdate(ctx.get(), bytes + kNonceBytes, &n, reinterpret_cast<const unsigned char*>(plain.data()),
                          static_cast<int>(plain.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), bytes + kNonceBytes + n, &tail) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                            bytes + kNonceBytes + plain.size()) != 1) {
        throw TlsError("cannot seal a key: OpenSSL AES-256-GCM failed");
    }
    return std::string(kPrefix) + base64(out);
}

std::string SecretBox::open(std::string_view sealed) const {
    std::string raw;
    if (sealed.substr(0, kPrefix.size()) != kPrefix || !unbase64(sealed.substr(kPrefix.size()), raw) ||
        raw.size() < kNonceBytes + kTagBytes) {
        throw TlsError(kOpenFailed);
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    const std::size_t cipherBytes = raw.size() - kNonceBytes - kTagBytes;
    std::string plain(cipherBytes, '\0');
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    int tail = 0;
    // GCM checks the tag in DecryptFinal: a wrong key and a changed byte fail there alike.
    std::array<unsigned char, kTagBytes> tag{};
    std::copy(bytes + kNonceBytes + cipherBytes, bytes + raw.size(), tag.begin());
    const bool ok =
        ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes), nullptr) == 1 &&
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), bytes) == 1 &&
        EVP_DecryptUpdate(ctx.get(), out, &n, bytes + kNonceBytes, static_cast<int>(cipherBytes)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) == 1 &&
        EVP_DecryptFinal_ex(ctx.get(), out + n, &tail) == 1;
    if (!ok) {
        OPENSSL_cleanse(plain.data(), plain.size());
        throw TlsError(kOpenFailed);
    }
    return plain;
}

} // namespace maelstrom::core::tls
