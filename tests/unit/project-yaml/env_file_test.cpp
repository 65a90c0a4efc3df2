// env_file_test.cpp — the `--env` file format, the looser project `envfile:`
// format (quirks included), environment lists, and the file reader's refusals.
// SPDX-License-Identifier: Apache-2.0
#include "common/env_file.h"

#include "test_support.h"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

using namespace maelstrom::common;
using namespace maelstrom::testing;
using Env = std::map<std::string, std::string>;

class EnvFileTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EnvFileTest);
    CPPUNIT_TEST(testEnvFileFormat);
    CPPUNIT_TEST(testProjectEnvFileQuirks);
    CPPUNIT_TEST(testEnvList);
    CPPUNIT_TEST(testReadEnvFile);
    CPPUNIT_TEST(testRefusals);
    CPPUNIT_TEST(testProcessEnvironment);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEnvFileFormat() {
        const Env vars =
            parseEnvFileText("A=1\n  B = two words  \r\n#C=3\n=4\nnoequals\n D=x=y\nE=\n  # F=6\nA=override");
        const Env expected = {{"A", "override"}, {"B", "two words"}, {"D", "x=y"}, {"E", ""}};
        CPPUNIT_ASSERT(vars == expected);
        CPPUNIT_ASSERT(parseEnvFileText("").empty());
        CPPUNIT_ASSERT(parseEnvFileText("Q=\"quoted\"\nexport X=1") ==
                       (Env{{"Q", "\"quoted\""}, {"export X", "1"}})); // no quote or export handling
    }

    void testProjectEnvFileQuirks() {
        const Env vars = parseProjectEnvFile("A=1\r\n#B=2\n C = 3\n=empty\nnoequals\nD=a=b");
        const Env expected = {{"A", "1\r"}, {"#B", "2"}, {" C ", " 3"}, {"", "empty"}, {"D", "a=b"}};
        CPPUNIT_ASSERT(vars == expected);
    }

    void testEnvList() {
        Env env = {{"A", "base"}, {"KEEP", "k"}};
        mergeEnvList({"A=1", "B=2=3", "NOEQUALS", "C=", "A=last"}, env);
        const Env expected = {{"A", "last"}, {"B", "2=3"}, {"C", ""}, {"KEEP", "k"}};
        CPPUNIT_ASSERT(env == expected);
    }

    void testReadEnvFile() {
        TempDir dir;
        const auto path = dir.write("vars.env", "# settings\nMAEL_X=1\nY = 2\n");
        CPPUNIT_ASSERT(readEnvFile(path.string()) == (Env{{"MAEL_X", "1"}, {"Y", "2"}}));
    }

    void testRefusals() {
        TempDir dir;
        try {
            readEnvFile((dir.path() / "missing.env").string());
            CPPUNIT_FAIL("expected EnvFileError");
        } catch (const EnvFileError& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("missing.env: No such file or directory") != std::string::npos);
        }
        try {
            readEnvFile(dir.path().string());
            CPPUNIT_FAIL("expected EnvFileError for a directory");
        } catch (const EnvFileError& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("not a regular file") != std::string::npos);
        }
        // A FIFO must fail at once, not block.
        const auto fifo = dir.path() / "fifo";
        CPPUNIT_ASSERT_EQUAL(0, ::mkfifo(fifo.c_str(), 0600));
        CPPUNIT_ASSERT_THROW(readEnvFile(fifo.string()), EnvFileError);
        // Too large.
        const auto big = dir.write("big.env", std::string(2000, 'x'));
        try {
            readEnvFile(big.string(), 1000);
            CPPUNIT_FAIL("expected EnvFileError for a large file");
        } catch (const EnvFileError& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("larger than 1000 bytes") != std::string::npos);
        }
        CPPUNIT_ASSERT_THROW(readEnvFile("/dev/zero"), EnvFileError);
    }

    void testProcessEnvironment() {
        ::setenv("MAELSTROM_PROJECT_YAML_TEST", "a=b", 1);
        const Env env = processEnvironment();
        CPPUNIT_ASSERT_EQUAL(std::string("a=b"), env.at("MAELSTROM_PROJECT_YAML_TEST"));
        ::unsetenv("MAELSTROM_PROJECT_YAML_TEST");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EnvFileTest);
