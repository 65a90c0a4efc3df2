// scale_test.cpp — instance counts: mininstances are started when the component is put and when maelstromd
// boots, and kept (a killed one is replaced, idleness does not stop them); maxinstances and maxinstancespernode
// are never exceeded under a load that wants more (after scaling up to them); an idle instance is stopped no
// earlier than idletimeoutseconds after its last request and within 15 s after that; a request in flight keeps
// its instance alive past the idle timeout.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle_env.h"

#include <algorithm>
#include <cstdio>
#include <mutex>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

} // namespace

class ScaleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ScaleTest);
    CPPUNIT_TEST(testMinInstancesStartedAtPutAndKept);
    CPPUNIT_TEST(testMinInstancesStartedAtBoot);
    CPPUNIT_TEST(testMaxInstancesRespected);
    CPPUNIT_TEST(testMaxInstancesPerNodeRespected);
    CPPUNIT_TEST(testIdleInstanceStopped);
    CPPUNIT_TEST(testRequestInFlightKeepsInstance);
    CPPUNIT_TEST_SUITE_END();

public:
    void testMinInstancesStartedAtPutAndKept() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("min");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".scale.test";
        const std::string component = project + "_web";
        daemon.putProject(
            projectYaml(project, {componentYaml("web", host, {"mininstances: 2", "idletimeoutseconds: 2"})}));

        // Started without any request.
        std::vector<std::string> running;
        CPPUNIT_ASSERT_MESSAGE("mininstances 2 not started after the put\n" + daemon.tail(),
                               waitUntil(
                                   [&] {
                                       running = runningContainers(component);
                                       return running.size() == 2;
                                   },
                                   60s));
        // A killed one is replaced.
        CPPUNIT_ASSERT_EQUAL(0, docker::dockerCli({"kill", running[0]}).exitCode);
        CPPUNIT_ASSERT_MESSAGE("the killed min instance was not replaced\n" + daemon.tail(),
                               waitUntil(
                                   [&] {
                                       auto now = runningContainers(component);
                                       return now.size() == 2 && !containsShortId(now, running[0].substr(0, 12));
                                   },
                                   30s));
        // Idle far past idletimeoutseconds (2 s): still 2, never fewer.
        CPPUNIT_ASSERT_MESSAGE("a min instance stopped while idle\n" + daemon.tail(),
                               !waitUntil([&] { return runningContainers(component).size() < 2; }, 8s));
        CPPUNIT_ASSERT_EQUAL(200, request(daemon.publicPort(), host, "/").status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
        // A graceful stop removes them.
        CPPUNIT_ASSERT(waitUntil([&] { return allContainers(component).empty(); }, 30s));
    }

    void testMinInstancesStartedAtBoot() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("boot");
        ProjectCleanup cleanup(project);
        const std::string host = project + ".scale.test";
        const std::string component = project + "_web";
        {
            Daemon first(dir.path());
            first.putProject(projectYaml(project, {componentYaml("web", host, {"mininstances: 1"})}));
            CPPUNIT_ASSERT_MESSAGE(first.tail(),
                                   waitUntil([&] { return runningContainers(component).size() == 1; }, 60s));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(first.tail(), 0, first.stop());
            CPPUNIT_ASSERT_MESSAGE("containers left after a graceful stop", allContainers(component).empty());
        }
        // A new maelstromd on the same database starts it at boot, without a request or a put.
        Daemon second(dir.path());
        CPPUNIT_ASSERT_MESSAGE("mininstances not started at boot\n" + second.tail(),
                               waitUntil([&] { return runningContainers(component).size() == 1; }, 60s));
        CPPUNIT_ASSERT_EQUAL(200, request(second.publicPort(), host, "/").status);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), containersOnceStarted(component).size());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(second.tail(), 0, second.stop());
    }

    void testMaxInstancesRespected() { cappedUnderLoad("maxinstances: 2"); }
    void testMaxInstancesPerNodeRespected() { cappedUnderLoad("maxinstancespernode: 2"); }

    void testIdleInstanceStopped() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("idle");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".scale.test";
        const std::string component = project + "_web";
        constexpr double kIdle = 3;
        daemon.putProject(projectYaml(project, {componentYaml("web", host, {"idletimeoutseconds: 3"})}));

        Reply r = request(daemon.publicPort(), host, "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + "\n" + daemon.tail(), 200, r.status);
        r = request(daemon.publicPort(), host, "/");
        const auto lastRequest = Clock::now();
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), runningContainers(component).size());
        CPPUNIT_ASSERT_MESSAGE("the idle instance was not stopped within idletimeoutseconds + 15 s\n" + daemon.tail(),
                               waitUntil([&] { return runningContainers(component).empty(); }, 40s));
        const double idleFor = secondsSince(lastRequest);
        std::fprintf(stderr, "\n  idle stop: container gone %.2f s after the last request (idletimeoutseconds %.0f)\n",
                     idleFor, kIdle);
        CPPUNIT_ASSERT_MESSAGE("stopped before idletimeoutseconds: " + std::to_string(idleFor),
                               idleFor >= kIdle - 0.25);
        CPPUNIT_ASSERT_MESSAGE("stopped later than idletimeoutseconds + 15 s: " + std::to_string(idleFor),
                               idleFor <= kIdle + 15 + 1);
        // The container is removed, not just stopped; the next request cold-starts a new one.
        CPPUNIT_ASSERT(waitUntil([&] { return containersOnceStarted(component).empty(); }, 20s));
        r = request(daemon.publicPort(), host, "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + "\n" + daemon.tail(), 200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), runningContainers(component).size());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    void testRequestInFlightKeepsInstance() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("busy");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".scale.test";
        const std::string component = project + "_web";
        daemon.putProject(
            projectYaml(project, {componentYaml("web", host, {"idletimeoutseconds: 2", "maxdurationseconds: 60"})}));

        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, request(daemon.publicPort(), host, "/").status);
        const std::string id = runningContainers(component).at(0);
        // 8 s in flight, 4 times the idle timeout.
        Reply slow;
        std::jthread client([&] { slow = request(daemon.publicPort(), host, "/sleep?ms=8000", 60s); });
        const auto started = Clock::now();
        bool alive = true;
        while (secondsSince(started) < 7.5 && alive) {
            alive = containerRunning(id);
            std::this_thread::sleep_for(200ms);
        }
        client.join();
        CPPUNIT_ASSERT_MESSAGE("the instance was stopped with a request in flight\n" + daemon.tail(), alive);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(slow.error + slow.body + "\n" + daemon.tail(), 200, slow.status);
        CPPUNIT_ASSERT(slow.millis >= 7900);
        // Once it is done, idleness stops it.
        const auto done = Clock::now();
        CPPUNIT_ASSERT_MESSAGE("not stopped after the request ended\n" + daemon.tail(),
                               waitUntil([&] { return runningContainers(component).empty(); }, 30s));
        std::fprintf(stderr, "\n  stopped %.2f s after the long request ended\n", secondsSince(done));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

private:
    /// A component capped at 2 instances by `cap` under a load that wants 8: it scales up to 2, never beyond.
    static void cappedUnderLoad(const std::string& cap) {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("max");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".scale.test";
        const std::string component = project + "_web";
        daemon.putProject(
            projectYaml(project, {componentYaml("web", host, {cap, "maxconcurrency: 1", "idletimeoutseconds: 60"})}));

        // 6 clients in a loop of 200 ms requests, one slot per instance: the autoscaler, once a 20 s activity
        // window closes, wants ceil(6 / 0.75) = 8 instances; the cap keeps it at 2.
        std::atomic<bool> done{false};
        std::atomic<std::size_t> most{0};
        std::atomic<int> failures{0};
        std::string failure;
        std::mutex failureMutex;
        std::vector<std::jthread> threads;
        threads.emplace_back([&] {
            while (!done) {
                const std::size_t n = runningContainers(component).size();
                if (n > most)
                    most = n;
                std::this_thread::sleep_for(100ms);
            }
        });
        for (int i = 0; i < 6; ++i) {
            threads.emplace_back([&] {
                while (!done) {
                    const Reply r = request(daemon.publicPort(), host, "/sleep?ms=200", 120s);
                    if (r.status != 200) {
                        ++failures;
                        std::lock_guard lock(failureMutex);
                        failure = std::to_string(r.status) + " " + r.error + r.body;
                    }
                }
            });
        }
        const bool scaled = waitUntil([&] { return runningContainers(component).size() >= 2; }, 60s);
        // Load on: the autoscaler keeps wanting more; it must stay capped.
        std::this_thread::sleep_for(5s);
        done = true;
        threads.clear();
        std::fprintf(stderr, "\n  %s: scaled up %s; at most %zu running; %zu created in all\n", cap.c_str(),
                     scaled ? "yes" : "no", most.load(), allContainers(component).size());
        CPPUNIT_ASSERT_EQUAL_MESSAGE("requests failed under load: " + failure + "\n" + daemon.tail(), 0,
                                     failures.load());
        CPPUNIT_ASSERT_MESSAGE("the autoscaler did not scale up under a load wanting 8 instances\n" + daemon.tail(),
                               scaled);
        CPPUNIT_ASSERT_MESSAGE(cap + ": more running: " + std::to_string(most.load()), most <= 2);
        CPPUNIT_ASSERT(runningContainers(component).size() <= 2);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ScaleTest);
