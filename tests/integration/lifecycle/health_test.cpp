// health_test.cpp — a running container that fails its periodic health check (the fixture's /health/fail) gets
// healthcheckfailedcommand run inside it (its output logged by maelstromd) and is replaced; a container killed
// with `docker kill` is noticed from the events stream and replaced, and requests sent meanwhile are served by
// the replacement.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle_env.h"

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;

class HealthTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HealthTest);
    CPPUNIT_TEST(testFailedHealthCheckRunsCommandAndReplaces);
    CPPUNIT_TEST(testKilledContainerIsReplaced);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFailedHealthCheckRunsCommandAndReplaces() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("hlth");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".health.test";
        const std::string component = project + "_web";
        const std::string marker = "HEALTH-MARKER-" + project;
        daemon.putProject(projectYaml(
            project,
            {componentYaml("web", host,
                           {"idletimeoutseconds: 120", "httphealthcheckseconds: 1", "httphealthcheckmaxfailures: 2",
                            "healthcheckfailedcommand: [\"/hello-http\", \"--exit\", \"0\", \"" + marker + "\"]"})}));

        Reply id = request(daemon.publicPort(), host, "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(id.error + id.body + "\n" + daemon.tail(), 200, id.status);
        const std::string first = trimmed(id.body);
        CPPUNIT_ASSERT(containsShortId(runningContainers(component), first));

        // From now on /health answers 500 in that container.
        CPPUNIT_ASSERT_EQUAL(200, request(daemon.publicPort(), host, "/health/fail").status);
        CPPUNIT_ASSERT_MESSAGE("no 'healthcheckfailedcommand output: " + marker + "' in the log\n" + daemon.tail(),
                               daemon.waitForLog("healthcheckfailedcommand output:", 30s) &&
                                   daemon.waitForLog(marker, 5s));
        const std::string log = daemon.log();
        const auto at = log.find("healthcheckfailedcommand output:");
        CPPUNIT_ASSERT_MESSAGE(log.substr(at, 300), log.find(marker, at) != std::string::npos);

        // The failing container goes and a healthy replacement serves.
        CPPUNIT_ASSERT_MESSAGE("the unhealthy container " + first + " still runs\n" + daemon.tail(),
                               waitUntil([&] { return !containsShortId(runningContainers(component), first); }, 30s));
        std::string second;
        CPPUNIT_ASSERT_MESSAGE("no replacement serves /id\n" + daemon.tail(),
                               waitUntil(
                                   [&] {
                                       id = request(daemon.publicPort(), host, "/id");
                                       second = trimmed(id.body);
                                       return id.status == 200 && second != first;
                                   },
                                   30s));
        CPPUNIT_ASSERT(containsShortId(runningContainers(component), second));
        CPPUNIT_ASSERT_EQUAL(200, request(daemon.publicPort(), host, "/health").status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    void testKilledContainerIsReplaced() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("kill");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".health.test";
        const std::string component = project + "_web";
        daemon.putProject(
            projectYaml(project, {componentYaml("web", host, {"idletimeoutseconds: 120", "maxconcurrency: 10"})}));

        Reply id = request(daemon.publicPort(), host, "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(id.error + id.body + "\n" + daemon.tail(), 200, id.status);
        const std::string first = trimmed(id.body);

        // Killed: the replacement starts without any request.
        CPPUNIT_ASSERT_EQUAL(0, docker::dockerCli({"kill", first}).exitCode);
        std::vector<std::string> running;
        CPPUNIT_ASSERT_MESSAGE("no replacement container after docker kill\n" + daemon.tail(),
                               waitUntil(
                                   [&] {
                                       running = runningContainers(component);
                                       return running.size() == 1 && !containsShortId(running, first);
                                   },
                                   30s));
        id = request(daemon.publicPort(), host, "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(id.error + id.body + "\n" + daemon.tail(), 200, id.status);
        CPPUNIT_ASSERT(containsShortId(running, id.body));
        const std::string second = trimmed(id.body);

        // Killed again, with requests arriving once docker reports it dead: they wait for the replacement.
        CPPUNIT_ASSERT_EQUAL(0, docker::dockerCli({"kill", second}).exitCode);
        CPPUNIT_ASSERT(waitUntil([&] { return !containerRunning(second); }, 20s));
        std::vector<Reply> replies(5);
        {
            std::vector<std::jthread> clients;
            for (std::size_t i = 0; i < replies.size(); ++i) {
                clients.emplace_back([&, i] { replies[i] = request(daemon.publicPort(), host, "/id"); });
            }
        }
        for (const auto& r : replies) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + r.body + "\n" + daemon.tail(), 200, r.status);
            CPPUNIT_ASSERT_MESSAGE("served by the killed container", trimmed(r.body) != second);
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), std::size_t(1), runningContainers(component).size());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HealthTest);
