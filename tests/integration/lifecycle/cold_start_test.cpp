// cold_start_test.cpp — cold start end to end through maelstromd's public port: the first request for a
// component with nothing running starts exactly one container (also for 20 concurrent first requests), waits for
// its start health check and is proxied to it; a start health check that never passes removes the container and
// the waiting request gets 504 at its deadline (maxdurationseconds); a component whose memory reservation does
// not fit in MAEL_TOTAL_MEMORY is not started (the request gets 504, the log says why).
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle_env.h"

#include <cstdio>

#include <barrier>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;

class ColdStartTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ColdStartTest);
    CPPUNIT_TEST(testColdStartThroughPublicPort);
    CPPUNIT_TEST(testConcurrentFirstRequestsStartOneContainer);
    CPPUNIT_TEST(testStartHealthCheckTimeoutRemovesContainerAndAnswers504);
    CPPUNIT_TEST(testReservationLargerThanNodeMemoryIsNotStarted);
    CPPUNIT_TEST(testColdStartDisplacesIdleInstancesWhenMemoryIsShort);
    CPPUNIT_TEST_SUITE_END();

public:
    void testColdStartThroughPublicPort() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("cold");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".cold.test";
        const std::string component = project + "_web";
        daemon.putProject(projectYaml(project, {componentYaml("web", host, {"idletimeoutseconds: 120"})}));
        CPPUNIT_ASSERT_MESSAGE("a container before any request", allContainers(component).empty());

        const Reply first = request(daemon.publicPort(), host, "/");
        std::cerr << "\n  cold start: first request " << first.millis << " ms\n";
        CPPUNIT_ASSERT_EQUAL_MESSAGE(first.error + first.body + "\n" + daemon.tail(), 200, first.status);
        CPPUNIT_ASSERT_EQUAL(std::string("hello\n"), first.body);
        const auto running = runningContainers(component);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), std::size_t(1), running.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), containersOnceStarted(component).size());
        // The container carries the component's current version, and the request went to it.
        CPPUNIT_ASSERT_EQUAL(std::to_string(daemon.componentVersion(component)), containerVersionLabel(running[0]));
        const Reply id = request(daemon.publicPort(), host, "/id");
        CPPUNIT_ASSERT_EQUAL(200, id.status);
        CPPUNIT_ASSERT_MESSAGE(id.body + " not in the running containers", containsShortId(running, id.body));
        // The workload sees the variables maelstromd gives every container.
        const Reply env = request(daemon.publicPort(), host, "/env");
        CPPUNIT_ASSERT_MESSAGE(env.body,
                               env.body.find("MAELSTROM_COMPONENT_NAME=" + component + "\n") != std::string::npos);
        // Warm: no new container, fast.
        const Reply warm = request(daemon.publicPort(), host, "/");
        std::cerr << "  warm request " << warm.millis << " ms\n";
        CPPUNIT_ASSERT_EQUAL(200, warm.status);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), containersOnceStarted(component).size());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    void testConcurrentFirstRequestsStartOneContainer() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("conc");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".cold.test";
        const std::string component = project + "_web";
        daemon.putProject(projectYaml(
            project,
            {componentYaml("web", host, {"idletimeoutseconds: 120", "maxconcurrency: 20", "maxinstances: 5"})}));

        constexpr int kClients = 20;
        std::vector<Reply> replies(kClients);
        std::barrier go(kClients);
        {
            std::vector<std::jthread> clients;
            for (int i = 0; i < kClients; ++i) {
                clients.emplace_back([&, i] {
                    go.arrive_and_wait();
                    replies[static_cast<std::size_t>(i)] = request(daemon.publicPort(), host, "/sleep?ms=200");
                });
            }
        }
        for (const auto& r : replies) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + r.body + "\n" + daemon.tail(), 200, r.status);
        }
        const auto all = containersOnceStarted(component);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("20 concurrent first requests must share one container\n" + daemon.tail(),
                                     std::size_t(1), all.size());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    void testStartHealthCheckTimeoutRemovesContainerAndAnswers504() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("sick");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".cold.test";
        const std::string component = project + "_web";
        // /fail always answers 500: the start health check never passes.
        std::string yaml = componentYaml(
            "web", host, {"httpstarthealthcheckseconds: 2", "maxdurationseconds: 5", "idletimeoutseconds: 120"});
        yaml.replace(yaml.find("httphealthcheckpath: /health"), 28, "httphealthcheckpath: /fail");
        daemon.putProject(projectYaml(project, {yaml}));

        Reply reply;
        std::jthread client([&] { reply = request(daemon.publicPort(), host, "/", std::chrono::seconds(60)); });
        std::vector<std::string> seen;
        CPPUNIT_ASSERT_MESSAGE("no container was started\n" + daemon.tail(),
                               waitUntil([&] { return !(seen = containersOnceStarted(component)).empty(); }, 10s));
        client.join();
        std::cerr << "\n  start health check timeout: " << reply.status << " after " << reply.millis
                  << " ms: " << reply.body << "\n";
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.error + reply.body + "\n" + daemon.tail(), 504, reply.status);
        CPPUNIT_ASSERT_MESSAGE("504 before the 5 s deadline: " + std::to_string(reply.millis), reply.millis >= 4500);
        CPPUNIT_ASSERT_MESSAGE("504 long after the 5 s deadline: " + std::to_string(reply.millis),
                               reply.millis < 15000);
        // The container that never became healthy is removed.
        const std::string first = seen[0];
        CPPUNIT_ASSERT_MESSAGE("the unhealthy container " + first + " was not removed\n" + daemon.tail(),
                               waitUntil([&] { return !containsShortId(allContainers(component), first); }, 20s));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    void testReservationLargerThanNodeMemoryIsNotStarted() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("big");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path(), {{"MAEL_TOTAL_MEMORY", "200"}});
        const std::string host = project + ".cold.test";
        const std::string small = project + "_small";
        const std::string big = project + "_big";
        daemon.putProject(projectYaml(
            project, {componentYaml("small", "small." + host, {"reservememory: 150", "idletimeoutseconds: 120"}),
                      componentYaml("big", "big." + host, {"reservememory: 300", "maxdurationseconds: 3"})}));

        // 150 of 200 MiB fits; the 300 MiB component never does, whatever runs.
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, request(daemon.publicPort(), "small." + host, "/").status);
        const Reply reply = request(daemon.publicPort(), "big." + host, "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.body + "\n" + daemon.tail(), 504, reply.status);
        CPPUNIT_ASSERT(allContainers(big).empty());
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.waitForLog("reserves 300 MiB and fits on no node", 5s));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), runningContainers(small).size()); // untouched
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    // 500 + 400 of 1100 MiB reserved: a 1000 MiB cold start displaces both (least recently used first) and is
    // served, instead of waiting for its deadline.
    void testColdStartDisplacesIdleInstancesWhenMemoryIsShort() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("disp");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path(), {{"MAEL_TOTAL_MEMORY", "1100"}});
        const std::string host = project + ".cold.test";
        daemon.putProject(projectYaml(
            project, {componentYaml("five", "five." + host, {"reservememory: 500", "idletimeoutseconds: 600"}),
                      componentYaml("four", "four." + host, {"reservememory: 400", "idletimeoutseconds: 600"}),
                      componentYaml("big", "big." + host, {"reservememory: 1000", "maxdurationseconds: 30"})}));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, request(daemon.publicPort(), "five." + host, "/").status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, request(daemon.publicPort(), "four." + host, "/").status);
        const Reply reply = request(daemon.publicPort(), "big." + host, "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.body + "\n" + daemon.tail(), 200, reply.status);
        CPPUNIT_ASSERT_MESSAGE(reply.error, reply.millis < 20'000);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), runningContainers(project + "_big").size());
        CPPUNIT_ASSERT(runningContainers(project + "_five").empty());
        CPPUNIT_ASSERT(runningContainers(project + "_four").empty());
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.waitForLog("(displacing: ", 1s));
        std::printf("\ncold start with displacement of two instances: %.0f ms\n", reply.millis);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ColdStartTest);
