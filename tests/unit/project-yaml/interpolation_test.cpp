// interpolation_test.cpp — the `${...}` grammar of the original (the original's own test cases
// first), line mapping through multi-line values, and the output size limit.
// SPDX-License-Identifier: Apache-2.0
#include "interpolation.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>

using maelstrom::cli::interpolate;

namespace {

const std::map<std::string, std::string> kVars = {{"A", "aval"}, {"B", "bval"},   {"b", "bvallower"},
                                                  {"E", ""},     {"A-b", "dash"}, {"ML", "one\ntwo\nthree"}};

std::string run(const std::string& input) { return interpolate(input, kVars).text; }

} // namespace

class InterpolationTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(InterpolationTest);
    CPPUNIT_TEST(testOriginalCases);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testEscapes);
    CPPUNIT_TEST(testUntouched);
    CPPUNIT_TEST(testKeyIsBeforeFirstColon);
    CPPUNIT_TEST(testTokenSpansLines);
    CPPUNIT_TEST(testLineOrigin);
    CPPUNIT_TEST(testOutputLimit);
    CPPUNIT_TEST(testLinearOnManyOpenings);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOriginalCases() {
        CPPUNIT_ASSERT_EQUAL(std::string(""), run(""));
        CPPUNIT_ASSERT_EQUAL(std::string("aval"), run("${A}"));
        CPPUNIT_ASSERT_EQUAL(std::string("${A}"), run("$${A}"));
        CPPUNIT_ASSERT_EQUAL(std::string(" hello ${A} "), run(" hello $${A} "));
        CPPUNIT_ASSERT_EQUAL(std::string("aval bval\n bvallower ${} ${"), run("${A} ${B}\n ${b} ${} ${"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), run("${E}"));
        CPPUNIT_ASSERT_EQUAL(std::string("defaultVal"), run("${E:-defaultVal}"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), run("${E-defaultVal}"));
        CPPUNIT_ASSERT_EQUAL(std::string("test defaultVal"), run("test ${D:-defaultVal}"));
        CPPUNIT_ASSERT_EQUAL(std::string("test defaultVal"), run("test ${D:defaultVal}"));
        CPPUNIT_ASSERT_EQUAL(std::string("test "), run("test ${D:}"));
    }

    void testDefaults() {
        CPPUNIT_ASSERT_EQUAL(std::string(""), run("${E:x}"));   // empty but set: kept
        CPPUNIT_ASSERT_EQUAL(std::string("x"), run("${E:-x}")); // empty: default
        CPPUNIT_ASSERT_EQUAL(std::string("aval"), run("${A:-x}"));
        CPPUNIT_ASSERT_EQUAL(std::string("aval"), run("${A:x}"));
        CPPUNIT_ASSERT_EQUAL(std::string("x"), run("${UNSET:x}"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), run("${UNSET}"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), run("${UNSET:-}"));
        CPPUNIT_ASSERT_EQUAL(std::string("a:b"), run("${UNSET:a:b}")); // default runs to the brace
        CPPUNIT_ASSERT_EQUAL(std::string("-x"), run("${UNSET:--x}"));  // only one '-' is the marker
        CPPUNIT_ASSERT_EQUAL(std::string("postgres://localhost/shop"), run("${DB_URL:-postgres://localhost/shop}"));
    }

    void testEscapes() {
        CPPUNIT_ASSERT_EQUAL(std::string("${A} aval"), run("$${A} ${A}"));
        CPPUNIT_ASSERT_EQUAL(std::string("$${A}"), run("$$${A}")); // the match starts at the second '$'
        CPPUNIT_ASSERT_EQUAL(std::string("${A:-x}"), run("$${A:-x}"));
        CPPUNIT_ASSERT_EQUAL(std::string("$$blah"), run("$$blah"));
    }

    void testUntouched() {
        CPPUNIT_ASSERT_EQUAL(std::string("$"), run("$"));
        CPPUNIT_ASSERT_EQUAL(std::string("$A {A}"), run("$A {A}"));
        CPPUNIT_ASSERT_EQUAL(std::string("${}"), run("${}"));
        CPPUNIT_ASSERT_EQUAL(std::string("$${}"), run("$${}"));
        CPPUNIT_ASSERT_EQUAL(std::string("${A"), run("${A"));
        CPPUNIT_ASSERT_EQUAL(std::string("x ${ y"), run("x ${ y"));
        CPPUNIT_ASSERT_EQUAL(std::string("$"), run("$"));
        CPPUNIT_ASSERT_EQUAL(std::string("price: 5$"), run("price: 5$"));
    }

    void testKeyIsBeforeFirstColon() {
        CPPUNIT_ASSERT_EQUAL(std::string("dash"), run("${A-b}"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), run("${ A}")); // the key " A" is not set
    }

    void testTokenSpansLines() {
        // `[^}]` matches newlines: this is one token whose key is "A\nx" (unset).
        CPPUNIT_ASSERT_EQUAL(std::string("[]"), run("[${A\nx}]"));
    }

    void testLineOrigin() {
        const auto out = interpolate("a: 1\nb: ${ML}\nc: 3\n${A\n}d: 4\n", kVars);
        CPPUNIT_ASSERT_EQUAL(std::string("a: 1\nb: one\ntwo\nthree\nc: 3\nd: 4\n"), out.text);
        // Output lines: 1 "a: 1", 2-4 the value of ML (all from input line 2), 5 "c: 3", 6 "d: 4", which
        // starts where the token "${A\n}" starts (input line 4); the line after it is input line 6.
        CPPUNIT_ASSERT_EQUAL(1, out.originalLine(1));
        CPPUNIT_ASSERT_EQUAL(2, out.originalLine(2));
        CPPUNIT_ASSERT_EQUAL(2, out.originalLine(3));
        CPPUNIT_ASSERT_EQUAL(2, out.originalLine(4));
        CPPUNIT_ASSERT_EQUAL(3, out.originalLine(5));
        CPPUNIT_ASSERT_EQUAL(4, out.originalLine(6));
        CPPUNIT_ASSERT_EQUAL(6, out.originalLine(7));
        CPPUNIT_ASSERT_EQUAL(6, out.originalLine(99)); // clamped
    }

    void testOutputLimit() {
        std::map<std::string, std::string> big = {{"X", std::string(1000, 'x')}};
        CPPUNIT_ASSERT_EQUAL(std::size_t(2000), interpolate("${X}${X}", big, 2000).text.size());
        CPPUNIT_ASSERT_THROW(interpolate("${X}${X}${X}", big, 2000), std::length_error);
        CPPUNIT_ASSERT_THROW(interpolate(std::string(2001, 'a'), big, 2000), std::length_error);
    }

    void testLinearOnManyOpenings() {
        // A megabyte of "${" with no closing brace: one pass, untouched.
        const std::string input(1 << 20, '$');
        std::string withBraces;
        for (int i = 0; i < (1 << 19); ++i)
            withBraces += "${";
        CPPUNIT_ASSERT(run(input) == input);
        CPPUNIT_ASSERT(run(withBraces) == withBraces);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(InterpolationTest);
