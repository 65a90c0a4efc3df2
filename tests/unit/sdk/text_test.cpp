// text_test.cpp — sdk::trimSpace (ASCII whitespace off both ends) and sdk::asciiLower (A-Z only).
// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <maelstrom/sdk/text.h>

#include <string>

using namespace maelstrom::sdk;

class TextTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(TextTest);
    CPPUNIT_TEST(testTrimSpace);
    CPPUNIT_TEST(testAsciiLower);
    CPPUNIT_TEST_SUITE_END();

public:
    void testTrimSpace() {
        CPPUNIT_ASSERT_EQUAL(std::string("a b"), std::string(trimSpace(" \t\r\n\v\fa b\f\v\n\r\t ")));
        CPPUNIT_ASSERT_EQUAL(std::string("x"), std::string(trimSpace("x")));
        CPPUNIT_ASSERT(trimSpace("").empty());
        CPPUNIT_ASSERT(trimSpace(" \t\r\n").empty());
        // Not ASCII whitespace: a NUL byte and U+00A0 (NO-BREAK SPACE) stay.
        CPPUNIT_ASSERT_EQUAL(std::string("\xC2\xA0y\xC2\xA0"), std::string(trimSpace(" \xC2\xA0y\xC2\xA0 ")));
        CPPUNIT_ASSERT_EQUAL(std::string("z\0", 2), std::string(trimSpace(std::string_view("z\0 ", 3))));
        // A view into the argument, not a copy.
        const std::string text = "  inner  ";
        CPPUNIT_ASSERT(trimSpace(text).data() == text.data() + 2);
    }

    void testAsciiLower() {
        CPPUNIT_ASSERT_EQUAL(std::string("hello_web-2"), asciiLower("Hello_WEB-2"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), asciiLower(""));
        // Only A-Z: '@' and '[' (next to them in ASCII) and UTF-8 bytes stay as they were.
        CPPUNIT_ASSERT_EQUAL(std::string("@az["), asciiLower("@AZ["));
        CPPUNIT_ASSERT_EQUAL(std::string("ÃtÃ©"), asciiLower("ÃTÃ©"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TextTest);
