// json_text_test.cpp — the byte-level helpers of jsonrpc-http: barrister's batch detection, the nesting scan
// (strings and escapes skipped), and the reading of Go's `\UXXXXXXXX` escapes.
// SPDX-License-Identifier: Apache-2.0
#include "json_text.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace maelstrom::plugins::jsonrpc_http;

class JsonTextTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(JsonTextTest);
    CPPUNIT_TEST(testLooksLikeBatch);
    CPPUNIT_TEST(testNestingDepth);
    CPPUNIT_TEST(testRewriteGoEscapes);
    CPPUNIT_TEST_SUITE_END();

public:
    void testLooksLikeBatch() {
        CPPUNIT_ASSERT(looksLikeBatch("[]"));
        CPPUNIT_ASSERT(looksLikeBatch(" \n[{}]"));
        CPPUNIT_ASSERT(looksLikeBatch("\"[\"{"));
        CPPUNIT_ASSERT(!looksLikeBatch("{\"a\":[]}"));
        CPPUNIT_ASSERT(!looksLikeBatch(""));
        CPPUNIT_ASSERT(!looksLikeBatch("42"));
    }

    void testNestingDepth() {
        CPPUNIT_ASSERT_EQUAL(0, nestingDepth("42", 10));
        CPPUNIT_ASSERT_EQUAL(1, nestingDepth("{}", 10));
        CPPUNIT_ASSERT_EQUAL(3, nestingDepth(R"({"a":[{}],"b":[]})", 10));
        CPPUNIT_ASSERT_EQUAL(1, nestingDepth(R"({"a":"[[[{{{"})", 10));
        CPPUNIT_ASSERT_EQUAL(2, nestingDepth(R"({"a\"[[[":[]})", 10));
        CPPUNIT_ASSERT_EQUAL(1, nestingDepth(R"({"a\\":"x"})", 10)); // \\ then the string ends
        CPPUNIT_ASSERT_EQUAL(11, nestingDepth(std::string(1000, '['), 10));
        CPPUNIT_ASSERT_EQUAL(1, nestingDepth("]]]]{", 10));
        CPPUNIT_ASSERT_EQUAL(0, nestingDepth("\"\\", 10)); // ends inside an escape
    }

    void testRewriteGoEscapes() {
        std::string out = "untouched";
        CPPUNIT_ASSERT(!rewriteGoUnicodeEscapes(R"({"a":"\u00e9"})", out));
        CPPUNIT_ASSERT_EQUAL(std::string("untouched"), out);
        CPPUNIT_ASSERT(!rewriteGoUnicodeEscapes(R"({"a":"\\U0001f600"})", out)); // an escaped backslash
        CPPUNIT_ASSERT(!rewriteGoUnicodeEscapes(R"({"a":"\U0001f60"})", out));   // 7 digits
        CPPUNIT_ASSERT(!rewriteGoUnicodeEscapes(R"(\U0001f600)", out));          // not in a string
        CPPUNIT_ASSERT(rewriteGoUnicodeEscapes(R"({"a":"x\U0001F600y","b":"\U000065e5"})", out));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":\"x\xF0\x9F\x98\x80y\",\"b\":\"\xE6\x97\xA5\"}"), out);
        CPPUNIT_ASSERT(rewriteGoUnicodeEscapes(R"(["\"\U00000041"])", out));
        CPPUNIT_ASSERT_EQUAL(std::string(R"(["\"A"])"), out);
        // surrogates and values past U+10FFFF become U+FFFD
        CPPUNIT_ASSERT(rewriteGoUnicodeEscapes(R"(["\U0000d800\U00110000"])", out));
        CPPUNIT_ASSERT_EQUAL(std::string("[\"\xEF\xBF\xBD\xEF\xBF\xBD\"]"), out);
        // truncated at the end of the text
        CPPUNIT_ASSERT(!rewriteGoUnicodeEscapes("\"\\U0000", out));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonTextTest);
