// logs_test.cpp — `maelctl logs` against a maelstromd whose component printed lines through the fixture's
// /log: its stdout and stderr lines appear as "[<component>]\t<line>" (maelctl's two
// streams are read together here), PING keep-alives are not printed, and --components filters out the lines
// of other components.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle_env.h"

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;

class LogsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LogsTest);
    CPPUNIT_TEST(testMaelctlLogsShowsFixtureLine);
    CPPUNIT_TEST_SUITE_END();

public:
    void testMaelctlLogsShowsFixtureLine() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("logs");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".logs.test";
        const std::string otherHost = project + ".other.test";
        const std::string component = project + "_web";
        daemon.putProject(projectYaml(project, {componentYaml("web", host, {"idletimeoutseconds: 120"}),
                                                componentYaml("other", otherHost, {"idletimeoutseconds: 120"})}));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, daemon.request(host, "/").status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, daemon.request(otherHost, "/").status);

        BackgroundProcess logs({(binDir() / "maelctl").string(), "logs", "--components=" + component, "--since=1m"},
                               {{"MAELSTROM_PRIVATE_URL", daemon.privateUrl()}});
        const std::string marker = "LOG-MARKER-" + project;
        const std::string otherMarker = "OTHER-MARKER-" + project;
        CPPUNIT_ASSERT_EQUAL(200, daemon.request(host, "/log?msg=" + marker).status);
        CPPUNIT_ASSERT_EQUAL(200, daemon.request(host, "/log?msg=" + marker + "-err&stream=stderr").status);
        CPPUNIT_ASSERT_EQUAL(200, daemon.request(otherHost, "/log?msg=" + otherMarker).status);
        // Each line is tagged with the component and the node that runs it: [<component>@<node id>]\t<line>.
        const auto printed = [&](const std::string& out, const std::string& line) {
            std::size_t at = 0;
            while ((at = out.find("[" + component + "@", at)) != std::string::npos) {
                const std::size_t end = out.find('\n', at);
                const std::string text = out.substr(at, end == std::string::npos ? std::string::npos : end - at);
                const std::string tail = "]\t" + line;
                if (end != std::string::npos && text.size() > tail.size() &&
                    text.compare(text.size() - tail.size(), tail.size(), tail) == 0) {
                    return true;
                }
                at += 1;
            }
            return false;
        };
        const bool seen = waitUntil(
            [&] {
                const auto out = logs.output();
                return printed(out, marker) && printed(out, marker + "-err");
            },
            30s);
        const std::string out = logs.output();
        logs.stop(SIGTERM, std::chrono::seconds(10));
        CPPUNIT_ASSERT_MESSAGE("maelctl logs did not print the fixture's lines; it printed:\n" + out +
                                   "\nmaelstromd:\n" + daemon.tail(),
                               seen);
        CPPUNIT_ASSERT_MESSAGE("--components did not filter:\n" + out, out.find(otherMarker) == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE("PING lines must be skipped:\n" + out, out.find("PING") == std::string::npos);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogsTest);
