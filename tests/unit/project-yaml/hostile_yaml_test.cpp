// hostile_yaml_test.cpp — project files written to hurt: alias bombs (billion laughs, merge-key bombs),
// recursive aliases, deep nesting, oversized files and expansions, bytes YAML forbids. Each must fail fast
// with one clear line naming the file and line.
// SPDX-License-Identifier: Apache-2.0
#include "project_yaml.h"

#include <cppunit/extensions/HelperMacros.h>

#include <chrono>

using namespace maelstrom::cli;

namespace {

struct Outcome {
    std::string error; // "" when it parsed
    double seconds = 0;
};

Outcome run(const std::string& yaml, ProjectLoadOptions options = {}) {
    const auto start = std::chrono::steady_clock::now();
    Outcome outcome;
    try {
        parseProjectYaml(yaml, "evil.yml", options);
    } catch (const ProjectFileError& e) {
        outcome.error = e.what();
    }
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outcome;
}

std::string billionLaughs() {
    std::string yaml = "name: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
    const char* names = "abcdefghij";
    for (int level = 1; level < 10; ++level) {
        yaml += std::string(1, 'k') + names[level] + ": &" + names[level] + " [";
        for (int i = 0; i < 9; ++i)
            yaml += std::string(i ? "," : "") + "*" + names[level - 1];
        yaml += "]\n";
    }
    return yaml;
}

} // namespace

class HostileYamlTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HostileYamlTest);
    CPPUNIT_TEST(testBillionLaughs);
    CPPUNIT_TEST(testBillionLaughsInsideKnownKeys);
    CPPUNIT_TEST(testMergeKeyBomb);
    CPPUNIT_TEST(testRecursiveAlias);
    CPPUNIT_TEST(testManyNodesWithoutAliases);
    CPPUNIT_TEST(testDeepNesting);
    CPPUNIT_TEST(testFileSizeLimit);
    CPPUNIT_TEST(testInterpolationSizeLimit);
    CPPUNIT_TEST(testForbiddenBytes);
    CPPUNIT_TEST(testEscapedValuesInMessages);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBillionLaughs() {
        const Outcome o = run(billionLaughs());
        CPPUNIT_ASSERT_EQUAL(
            std::string("evil.yml:6: the document expands to more than 100000 nodes through aliases (an alias bomb?)"),
            o.error);
        CPPUNIT_ASSERT_MESSAGE("billion laughs took " + std::to_string(o.seconds) + " s", o.seconds < 1.0);
    }

    void testBillionLaughsInsideKnownKeys() {
        // The same bomb where the decoder would walk it: a component's command list.
        std::string yaml = "components:\n  c:\n    command: &a [x, x, x, x, x, x, x, x, x, x]\n    entrypoint: &b [*a, "
                           "*a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
        yaml += "    dns: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n    ports: &d [*c, *c, *c, *c, *c, *c, *c, *c, "
                "*c, *c]\n";
        yaml += "    capadd: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
        const Outcome o = run(yaml);
        CPPUNIT_ASSERT(o.error.starts_with("evil.yml:7: the document expands to more than 100000 nodes"));
        CPPUNIT_ASSERT(o.seconds < 1.0);
        // A lower limit, set by the caller.
        ProjectLoadOptions options;
        options.limits.maxNodes = 50;
        CPPUNIT_ASSERT(
            run("components: {a: {command: &a [1,2,3,4,5,6,7,8,9,10]}, b: {command: [*a, *a, *a, *a, *a]}}", options)
                .error.find("more than 50 nodes through aliases") != std::string::npos);
    }

    void testMergeKeyBomb() {
        std::string yaml = "a0: &a0 {k0: v, k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v, k8: v, k9: v}\n";
        for (int i = 1; i < 12; ++i) {
            yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " {";
            for (int j = 0; j < 10; ++j)
                yaml += (j ? ", " : "") + std::string("x") + std::to_string(j) + ": *a" + std::to_string(i - 1);
            yaml += ", <<: *a" + std::to_string(i - 1) + "}\n";
        }
        const Outcome o = run(yaml);
        CPPUNIT_ASSERT_MESSAGE(o.error,
                               o.error.find("the document expands to more than 100000 nodes") != std::string::npos);
        CPPUNIT_ASSERT(o.seconds < 1.0);
    }

    void testRecursiveAlias() {
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:1: alias refers to a node that is not finished (recursive alias)"),
                             run("name: &a [*a]\n").error);
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:2: alias refers to a node that is not finished (recursive alias)"),
                             run("components: &c\n  x: {<<: *c}\n").error);
        CPPUNIT_ASSERT(run("name: *undefined\n").error.starts_with("evil.yml:1: YAML syntax error: "));
    }

    void testManyNodesWithoutAliases() {
        std::string yaml = "components: {c: {ports: [";
        for (int i = 0; i < 100001; ++i)
            yaml += "1,";
        yaml += "]}}\n";
        const Outcome o = run(yaml);
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:1: the document has more than 100000 nodes"), o.error);
    }

    void testDeepNesting() {
        // Flow and block nesting both stop at 64 levels, long before yaml-cpp's own recursion gets deep.
        const Outcome flow = run("name: " + std::string(100000, '['));
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:1: nesting deeper than 64 levels"), flow.error);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(flow.seconds), flow.seconds < 5.0);
        std::string block;
        for (int i = 0; i < 100; ++i)
            block += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:65: nesting deeper than 64 levels"), run(block).error);
        std::string sequences;
        for (int i = 0; i < 100; ++i)
            sequences += std::string(static_cast<std::size_t>(i) * 2, ' ') + "-\n";
        CPPUNIT_ASSERT(run(sequences).error.find("nesting deeper than 64 levels") != std::string::npos);
        // 63 levels is fine as YAML (and then a type error, as no key takes that).
        CPPUNIT_ASSERT(
            run("name: " + std::string(63, '[') + std::string(63, ']')).error.find("name: expected a string") !=
            std::string::npos);
    }

    void testFileSizeLimit() {
        std::string yaml = "name: p\n# " + std::string((1 << 20) - 11, 'x') + "\n";
        CPPUNIT_ASSERT_EQUAL(std::size_t((1 << 20)), yaml.size());
        CPPUNIT_ASSERT_EQUAL(std::string(""), run(yaml).error);
        yaml += "\n";
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml: the file is larger than 1048576 bytes (1048577)"), run(yaml).error);
    }

    void testInterpolationSizeLimit() {
        ProjectLoadOptions options;
        options.environment = {{"BIG", std::string(600000, 'x')}};
        const Outcome o = run("name: ${BIG}\nenvironment: [\"A=${BIG}\"]\n", options);
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml: the file exceeds 1048576 bytes after ${...} substitution"),
                             o.error);
    }

    void testForbiddenBytes() {
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:2: the file is not valid UTF-8 (byte 0xff)"),
                             run("name: p\nx: \xff\n").error);
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:1: the file is not valid UTF-8 (byte 0xc0)"),
                             run("name: \xc0\xaf\n").error); // overlong
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:1: the file is not valid UTF-8 (byte 0xed)"),
                             run("name: \xed\xa0\x80\n").error); // surrogate
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:3: control character U+0000 is not allowed in YAML"),
                             run(std::string("name: p\n\ncomponents: {a: {image: \"x\0\"}}\n", 37)).error);
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:1: control character U+001B is not allowed in YAML"),
                             run("name: \x1b[31m\n").error);
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:1: control character U+007F is not allowed in YAML"),
                             run("name: \x7f\n").error);
        // Tabs, CR LF, a BOM and UTF-8 text are fine.
        CPPUNIT_ASSERT_EQUAL(std::string(""), run("\xEF\xBB\xBFname: caf\xC3\xA9\t# tab before the comment\r\n").error);
        // A substituted value is checked as well, and reported on the token's line.
        ProjectLoadOptions options;
        options.environment = {{"BAD", "\x01"}};
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:2: control character U+0001 is not allowed in YAML"),
                             run("name: p\ncomponents: {a: {image: \"${BAD}\"}}\n", options).error);
    }

    void testEscapedValuesInMessages() {
        // A double-quoted key can hold any character through escapes; messages stay one printable line.
        const std::string error = run("\"na\\nme\\x01\\t\": 1\n").error;
        CPPUNIT_ASSERT_EQUAL(
            std::string("evil.yml:1: unknown key 'na\\nme\\x01\\t' (known keys: name environment envfile components)"),
            error);
        // Keys in the dotted path and text inside scheduler messages are escaped as well.
        CPPUNIT_ASSERT_EQUAL(std::string("evil.yml:1: components.a\\nb: unknown key 'bogus' (not one of the 48 keys of "
                                         "this block, which are lowercase)"),
                             run("components: {\"a\\nb\": {bogus: 1}}\n").error);
        const std::string cron = run("components: {c: {eventsources: {e: {cron: {schedule: \"a\\nb\"}}}}}\n").error;
        CPPUNIT_ASSERT_MESSAGE(cron, cron.find('\n') == std::string::npos &&
                                         cron.find("found 2: a\\nb") != std::string::npos);
        const std::string longKey(500, 'k');
        const std::string longError = run(longKey + ": 1\n").error;
        CPPUNIT_ASSERT(longError.find(std::string(80, 'k') + "...'") != std::string::npos);
        CPPUNIT_ASSERT(longError.size() < 250);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HostileYamlTest);
