// duration_test.cpp — Go's duration syntax (sdk::parseGoDuration): units, fractions, signs, the int64 range.
// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <maelstrom/sdk/duration.h>

using namespace maelstrom::sdk;

class DurationTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DurationTest);
    CPPUNIT_TEST(testGoDurations);
    CPPUNIT_TEST(testOverflowIsToldApart);
    CPPUNIT_TEST_SUITE_END();

public:
    void testGoDurations() {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5400) * 1000000000, parseGoDuration("1h30m").value());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5400) * 1000000000, parseGoDuration("1.5h").value());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-1500000), parseGoDuration("-1.5ms").value());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), parseGoDuration("0").value());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), parseGoDuration("+0").value());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000), parseGoDuration("1\xCE\xBCs").value());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(9223372036854775807), parseGoDuration("9223372036854775807ns").value());
        CPPUNIT_ASSERT(!parseGoDuration("9223372036854775808ns"));
        CPPUNIT_ASSERT(!parseGoDuration("3000000h"));
        CPPUNIT_ASSERT(!parseGoDuration(""));
        CPPUNIT_ASSERT(!parseGoDuration("-"));
        CPPUNIT_ASSERT(!parseGoDuration(".s"));
        CPPUNIT_ASSERT(!parseGoDuration("1"));
        CPPUNIT_ASSERT(!parseGoDuration("1x"));
        CPPUNIT_ASSERT(!parseGoDuration("1h 2m"));
    }

    void testOverflowIsToldApart() {
        bool overflow = true;
        CPPUNIT_ASSERT(parseGoDuration("90s", &overflow) && !overflow);
        CPPUNIT_ASSERT(!parseGoDuration("3000000h", &overflow) && overflow);
        CPPUNIT_ASSERT(!parseGoDuration("9223372036854775808ns", &overflow) && overflow);
        CPPUNIT_ASSERT(!parseGoDuration("99999999999999999999s", &overflow) && overflow);
        CPPUNIT_ASSERT(!parseGoDuration("1x", &overflow) && !overflow);
        CPPUNIT_ASSERT(!parseGoDuration("", &overflow) && !overflow);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(INT64_MIN), parseGoDuration("-9223372036854775808ns", &overflow).value());
        CPPUNIT_ASSERT(!overflow);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DurationTest);
