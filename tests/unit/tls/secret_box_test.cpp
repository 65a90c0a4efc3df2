// secret_box_test.cpp — tls::SecretBox: the three forms of tls_storage_key (hex, base64, passphrase) and the
// refusals, seal/open round trips (random nonce per seal), a vector sealed by another AES-GCM implementation
// (Python's cryptography), and the one-line error for a wrong key or any changed byte.
// SPDX-License-Identifier: Apache-2.0
#include "tls/secret_box.h"

#include "test_support.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <cctype>
#include <iostream>
#include <random>
#include <string>
#include <vector>

using maelstrom::core::tls::SecretBox;
using maelstrom::core::tls::TlsError;

namespace {

const std::string kHexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kBase64Key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
// AES-256-GCM of "-----BEGIN PRIVATE KEY-----\nabc\n" under the key bytes 0..31 and the nonce bytes 0..11.
const std::string kForeignSealed =
    "v1:AAECAwQFBgcICQoLai/7Nuinh1zED7fb46AuLNeTp3+1InJRFUrIj3wLY7hoyWdzb5u++EfZdIQuEmeb";
const std::string kForeignPlain = "-----BEGIN PRIVATE KEY-----\nabc\n";

std::string openError(const SecretBox& box, const std::string& sealed) {
    try {
        box.open(sealed);
    } catch (const TlsError& e) {
        return e.what();
    }
    return "<opened>";
}

std::string settingError(const std::string& setting) {
    try {
        SecretBox::fromSetting(setting);
    } catch (const TlsError& e) {
        return e.what();
    }
    return "<accepted>";
}

} // namespace

class SecretBoxTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SecretBoxTest);
    CPPUNIT_TEST(testRoundTrip);
    CPPUNIT_TEST(testForeignVector);
    CPPUNIT_TEST(testKeyForms);
    CPPUNIT_TEST(testRefusedSettings);
    CPPUNIT_TEST(testWrongKey);
    CPPUNIT_TEST(testTamperedRecords);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRoundTrip() {
        const auto box = SecretBox::fromSetting(kHexKey);
        const std::string pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"
                                "-----END PRIVATE KEY-----\n";
        const auto sealed = box.seal(pem);
        CPPUNIT_ASSERT_MESSAGE(sealed, sealed.rfind("v1:", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(sealed, sealed.find('\n') == std::string::npos);
        CPPUNIT_ASSERT(sealed.find("PRIVATE") == std::string::npos);
        CPPUNIT_ASSERT_EQUAL(pem, box.open(sealed));
        // a fresh nonce each time: the same plain text never seals the same way twice
        CPPUNIT_ASSERT(box.seal(pem) != sealed);
        CPPUNIT_ASSERT_EQUAL(std::string(), box.open(box.seal("")));
        std::string binary;
        for (int i = 0; i < 5000; ++i)
            binary.push_back(static_cast<char>(i * 7));
        CPPUNIT_ASSERT(binary == box.open(box.seal(binary)));
        // a copy seals and opens alike
        const SecretBox copy = box;
        CPPUNIT_ASSERT_EQUAL(pem, copy.open(sealed));
    }

    void testForeignVector() {
        CPPUNIT_ASSERT_EQUAL(kForeignPlain, SecretBox::fromSetting(kHexKey).open(kForeignSealed));
    }

    void testKeyForms() {
        const auto hex = SecretBox::fromSetting(kHexKey);
        const auto sealed = hex.seal("secret");
        // the same 32 bytes as upper-case hex, as base64, and with white space around (a key file's newline)
        std::string upper = kHexKey;
        for (char& c : upper)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        CPPUNIT_ASSERT_EQUAL(std::string("secret"), SecretBox::fromSetting(upper).open(sealed));
        CPPUNIT_ASSERT_EQUAL(std::string("secret"), SecretBox::fromSetting(kBase64Key).open(sealed));
        CPPUNIT_ASSERT_EQUAL(std::string("secret"), SecretBox::fromSetting("  " + kHexKey + "\n").open(sealed));
        // a passphrase: its SHA-256 is the key (printf 'correct horse battery staple' | sha256sum)
        const auto phrase = SecretBox::fromSetting("correct horse battery staple");
        const auto byHash = SecretBox::fromSetting("c4bbcb1fbec99d65bf59d85c8cb62ee2db963f0fe106f483d9afa73bd4e39a8a");
        CPPUNIT_ASSERT_EQUAL(std::string("x"), byHash.open(phrase.seal("x")));
        // 64 characters that are not hex, and base64 of another length, are passphrases
        const std::string notHex(64, 'g');
        CPPUNIT_ASSERT_EQUAL(std::string("y"),
                             SecretBox::fromSetting(notHex).open(SecretBox::fromSetting(notHex).seal("y")));
        CPPUNIT_ASSERT(openError(hex, SecretBox::fromSetting(notHex).seal("y")) != "<opened>");
        const std::string base64Of24 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYX";
        CPPUNIT_ASSERT_EQUAL(std::string("<accepted>"), settingError(base64Of24));
    }

    void testRefusedSettings() {
        for (const std::string setting : {"", "   ", "short", "fifteen-chars!!"}) {
            const auto error = settingError(setting);
            CPPUNIT_ASSERT_MESSAGE(setting + ": " + error, error.find("MAEL_TLS_STORAGE_KEY") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(error, error.find('\n') == std::string::npos);
        }
        CPPUNIT_ASSERT(settingError("").find("empty") != std::string::npos);
        CPPUNIT_ASSERT(settingError("fifteen-chars!!").find("too short") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("<accepted>"), settingError("sixteen-chars!!!"));
    }

    void testWrongKey() {
        const auto sealed = SecretBox::fromSetting(kHexKey).seal("the account key");
        std::string other = kHexKey;
        other.back() = '0';
        CPPUNIT_ASSERT_EQUAL(std::string("wrong MAEL_TLS_STORAGE_KEY or damaged record"),
                             openError(SecretBox::fromSetting(other), sealed));
        CPPUNIT_ASSERT_EQUAL(std::string("wrong MAEL_TLS_STORAGE_KEY or damaged record"),
                             openError(SecretBox::fromSetting("a passphrase of some length"), sealed));
    }

    void testTamperedRecords() {
        const auto box = SecretBox::fromSetting(kBase64Key);
        const std::string expected = "wrong MAEL_TLS_STORAGE_KEY or damaged record";
        // Not sealed text at all, or cut short
        for (const std::string& bad : std::vector<std::string>{
                 "", "v1:", "v1:!!!!", "v2:" + kForeignSealed.substr(3), kForeignSealed.substr(3),
                 "v1:AAECAwQFBgcICQoLai/7Nuin", kForeignSealed.substr(0, kForeignSealed.size() - 4), kForeignPlain}) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, expected, openError(box, bad));
        }
        // Every single changed base64 character (nonce, cipher text or tag) is refused; the seed picks the
        // replacement characters.
        const std::uint64_t seed = maelstrom::testing::testSeed();
        std::mt19937_64 rng(seed);
        const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::cout << "secret-box tamper seed " << seed << " (MAELSTROM_TEST_SEED replays it)" << std::endl;
        // 60 bytes: 80 base64 characters without padding, every bit of each one data
        for (std::size_t i = 3; i < kForeignSealed.size(); ++i) {
            std::string changed = kForeignSealed;
            do {
                changed[i] = alphabet[rng() % alphabet.size()];
            } while (changed[i] == kForeignSealed[i]);
            CPPUNIT_ASSERT_EQUAL_MESSAGE("seed " + std::to_string(seed) + ", position " + std::to_string(i) + ": " +
                                             changed,
                                         expected, openError(box, changed));
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SecretBoxTest);
