// utf8_test.cpp — the SDK's UTF-8 decoder against an oracle that shares no code with it (every code point
// encoded by hand, every 1..3-byte sequence and a random sample of 4-byte ones checked both ways), repair,
// and both JSON string styles.
// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <maelstrom/sdk/json_string.h>
#include <maelstrom/sdk/utf8.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace maelstrom::sdk;

namespace {

/// The oracle: RFC 3629's table, written out as the bytes each code point has.
std::string encodeByHand(std::uint32_t cp) {
    std::string out;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 + cp / 64);
        out += static_cast<char>(0x80 + cp % 64);
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 + cp / 4096);
        out += static_cast<char>(0x80 + cp / 64 % 64);
        out += static_cast<char>(0x80 + cp % 64);
    } else {
        out += static_cast<char>(0xF0 + cp / 262144);
        out += static_cast<char>(0x80 + cp / 4096 % 64);
        out += static_cast<char>(0x80 + cp / 64 % 64);
        out += static_cast<char>(0x80 + cp % 64);
    }
    return out;
}

constexpr std::uint32_t kNone = 0xFFFFFFFF;

bool isScalarValue(std::uint32_t cp) { return cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF); }

} // namespace

class Utf8Test : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(Utf8Test);
    CPPUNIT_TEST(everyScalarValueDecodesToItself);
    CPPUNIT_TEST(shortSequencesAreValidExactlyWhenTheyEncodeAScalarValue);
    CPPUNIT_TEST(randomFourByteSequences);
    CPPUNIT_TEST(firstInvalidAndRepair);
    CPPUNIT_TEST(appendCodePointReplacesWhatIsNotAScalarValue);
    CPPUNIT_TEST(jsonStringStyles);
    CPPUNIT_TEST_SUITE_END();

public:
    void everyScalarValueDecodesToItself() {
        for (std::uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
            if (!isScalarValue(cp)) {
                continue;
            }
            const std::string bytes = encodeByHand(cp);
            const auto seq = utf8::decode(bytes, 0);
            if (seq.length != bytes.size() || seq.codePoint != cp) {
                CPPUNIT_FAIL("U+" + std::to_string(cp) + " does not decode to itself");
            }
            std::string encoded;
            utf8::appendCodePoint(encoded, cp);
            CPPUNIT_ASSERT(encoded == bytes);
        }
    }

    void shortSequencesAreValidExactlyWhenTheyEncodeAScalarValue() {
        // Every sequence of one to three bytes is one sequence exactly when it is the hand encoding of a code
        // point: codePointOf[length][packed] is the oracle (packed: the bytes as a big-endian number).
        std::vector<std::vector<std::uint32_t>> codePointOf(4);
        codePointOf[1].assign(1u << 8, kNone);
        codePointOf[2].assign(1u << 16, kNone);
        codePointOf[3].assign(1u << 24, kNone);
        for (std::uint32_t cp = 0; cp < 0x10000; ++cp) {
            if (!isScalarValue(cp)) {
                continue;
            }
            const std::string bytes = encodeByHand(cp);
            std::uint32_t packed = 0;
            for (const char c : bytes) {
                packed = packed << 8 | static_cast<unsigned char>(c);
            }
            codePointOf[bytes.size()][packed] = cp;
        }
        for (std::size_t length = 1; length <= 3; ++length) {
            for (std::uint32_t packed = 0; packed < codePointOf[length].size(); ++packed) {
                char bytes[3];
                for (std::size_t k = 0; k < length; ++k) {
                    bytes[k] = static_cast<char>(packed >> (8 * (length - 1 - k)) & 0xFF);
                }
                const std::string_view s(bytes, length);
                const std::uint32_t expected = codePointOf[length][packed];
                // decode() reads one sequence: it spans all of `s` exactly when `s` is one encoded code point.
                const auto seq = utf8::decode(s, 0);
                if ((seq.length == length) != (expected != kNone) || (expected != kNone && seq.codePoint != expected)) {
                    CPPUNIT_FAIL("the " + std::to_string(length) + "-byte sequence " + std::to_string(packed));
                }
            }
        }
    }

    void randomFourByteSequences() {
        const std::uint64_t seed = maelstrom::testing::testSeed();
        std::mt19937_64 random(seed);
        for (int n = 0; n < 2'000'000; ++n) {
            const std::uint32_t bits = static_cast<std::uint32_t>(random());
            // Bias towards plausible lead and continuation bytes so that the valid case is common too.
            std::string s(4, '\0');
            s[0] = static_cast<char>(n % 2 == 0 ? 0xF0 + (bits & 0x0F) : bits & 0xFF);
            for (int k = 1; k < 4; ++k) {
                const std::uint32_t b = bits >> (8 * k) & 0xFF;
                s[k] = static_cast<char>(n % 3 == 0 ? b : 0x80 | (b & 0x3F));
            }
            const auto lead = static_cast<unsigned char>(s[0]);
            bool expected = false;
            if (lead >= 0xF0 && lead <= 0xF7) {
                std::uint32_t cp = lead & 0x07;
                bool continuations = true;
                for (int k = 1; k < 4; ++k) {
                    const auto c = static_cast<unsigned char>(s[k]);
                    continuations = continuations && (c & 0xC0) == 0x80;
                    cp = cp * 64 + (c & 0x3F);
                }
                expected = continuations && cp >= 0x10000 && cp <= 0x10FFFF;
            }
            const auto seq = utf8::decode(s, 0);
            if ((seq.length == 4) != expected) {
                CPPUNIT_FAIL("seed " + std::to_string(seed) + ": four-byte sequence #" + std::to_string(n));
            }
        }
    }

    void firstInvalidAndRepair() {
        CPPUNIT_ASSERT_EQUAL(std::string_view::npos, utf8::firstInvalid(""));
        CPPUNIT_ASSERT_EQUAL(std::string_view::npos, utf8::firstInvalid("plain ascii, longer than eight bytes"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(17), utf8::firstInvalid("ascii fast path: \x80"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), utf8::firstInvalid("\xC3\xA9\xC3")); // truncated at the end
        std::string repaired;
        // Lone continuation, truncated, overlong, surrogate, above U+10FFFF: one U+FFFD per byte, as Go.
        utf8::appendRepaired(repaired, "a\x80"
                                       "b\xC3"
                                       "c\xC0\xAF"
                                       "d\xED\xA0\x80"
                                       "e\xF0\x9F\x98\x80");
        const std::string r(utf8::kReplacement);
        CPPUNIT_ASSERT_EQUAL("a" + r + "b" + r + "c" + r + r + "d" + r + r + r + "e\xF0\x9F\x98\x80", repaired);
        CPPUNIT_ASSERT(utf8::isValid(repaired));
    }

    void appendCodePointReplacesWhatIsNotAScalarValue() {
        std::string out;
        utf8::appendCodePoint(out, 0xD800);
        utf8::appendCodePoint(out, 0x110000);
        CPPUNIT_ASSERT_EQUAL(std::string(utf8::kReplacement) + std::string(utf8::kReplacement), out);
    }

    void jsonStringStyles() {
        const std::string input = "a\"b\\c\b\f\n\r\t\x01<>& \xE2\x80\xA8\xFF";
        std::string compact;
        appendJsonString(compact, input);
        CPPUNIT_ASSERT_EQUAL(std::string("\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001<>& \xE2\x80\xA8\xEF\xBF\xBD\""), compact);
        std::string go;
        appendJsonString(go, input, JsonStringStyle::GoHtmlSafe);
        CPPUNIT_ASSERT_EQUAL(std::string(R"("a\"b\\c\u0008\u000c\n\r\t\u0001\u003c\u003e\u0026 \u2028\ufffd")"), go);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(Utf8Test);
