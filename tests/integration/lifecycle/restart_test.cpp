// restart_test.cpp — maelstromd and Docker restarts: with MAEL_SHUTDOWN_KEEP_CONTAINERS=true maelstromd exits
// leaving its containers running and the next maelstromd adopts those of current component versions (the same
// container keeps serving, no cold start) and removes stale ones; a plain SIGTERM drains the requests in flight
// (all complete), stops the containers and exits 0; a Docker daemon restarted under maelstromd
// (tests/services/restart-docker.sh) is recovered from: every component is served again. Two independent
// maelstromd on one Docker engine and one data directory, each with its own database, leave each other's containers
// alone: the second one's cold start is as fast as alone, the first one's container keeps running and serving.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle_env.h"

#include <cstdio>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;

class RestartTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RestartTest);
    CPPUNIT_TEST(testAdoptionAcrossRestart);
    CPPUNIT_TEST(testIndependentDaemonsOnOneEngine);
    CPPUNIT_TEST(testGracefulShutdownDrainsRequestsInFlight);
    CPPUNIT_TEST(testDockerDaemonRestart);
    CPPUNIT_TEST_SUITE_END();

public:
    void testAdoptionAcrossRestart() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("adopt");
        ProjectCleanup cleanup(project);
        const std::string host = project + ".restart.test";
        const std::string component = project + "_web";
        auto yaml = [&](int n) {
            return projectYaml(project, {componentYaml("web", host,
                                                       {"idletimeoutseconds: 120",
                                                        "environment: [\"N=" + std::to_string(n) + "\"]"})});
        };
        std::string first;
        std::string current;
        {
            Daemon a(dir.path(), {{"MAEL_SHUTDOWN_KEEP_CONTAINERS", "true"}});
            a.putProject(yaml(1));
            const std::string old = std::to_string(a.componentVersion(component));
            a.putProject(yaml(2));
            current = std::to_string(a.componentVersion(component));
            CPPUNIT_ASSERT(old != current);
            const Reply id = a.request(host, "/id");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(id.error + id.body + "\n" + a.tail(), 200, id.status);
            first = trimmed(id.body);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(a.tail(), 0, a.stop());
            CPPUNIT_ASSERT_MESSAGE("MAEL_SHUTDOWN_KEEP_CONTAINERS=true: the container was stopped\n" + a.tail(),
                                   containerRunning(first));
            // A stale container of the old version, as an older maelstromd would have left it.
            const auto stale = docker::dockerCli(
                {"run", "-d", "--label", "maelstrom=true", "--label", "maelstrom_component=" + component, "--label",
                 "maelstrom_version=" + old, "--label", "maelstrom_http_port=8080", lifecycleImage()});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(stale.err, 0, stale.exitCode);
        }
        std::vector<std::string> before = runningContainers(component);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), before.size());

        Daemon b(dir.path());
        // The stale one goes; the current one stays and serves at once.
        CPPUNIT_ASSERT_MESSAGE("the stale container was not removed\n" + b.tail(),
                               waitUntil(
                                   [&] {
                                       auto now = containersOnceStarted(component);
                                       return now.size() == 1 && containsShortId(now, first);
                                   },
                                   30s));
        const Reply id = b.request(host, "/id");
        std::fprintf(stderr, "\n  adopted container answered in %.1f ms\n", id.millis);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(id.error + id.body + "\n" + b.tail(), 200, id.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("not served by the adopted container\n" + b.tail(), first, trimmed(id.body));
        const auto all = containersOnceStarted(component);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("a cold start happened after the restart\n" + b.tail(), std::size_t(1),
                                     all.size());
        CPPUNIT_ASSERT_EQUAL(current, containerVersionLabel(all[0]));
        // Adopted instances are managed like any other: the graceful stop removes it.
        CPPUNIT_ASSERT_EQUAL_MESSAGE(b.tail(), 0, b.stop());
        CPPUNIT_ASSERT_MESSAGE("the adopted container survived a plain stop",
                               waitUntil([&] { return allContainers(component).empty(); }, 30s));
    }

    void testIndependentDaemonsOnOneEngine() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        TempDir other;
        const std::string project = uniqueProject("twin");
        ProjectCleanup cleanup(project);
        const std::string host = project + ".restart.test";
        const std::string component = project + "_web";
        const std::string yaml = projectYaml(project, {componentYaml("web", host, {"idletimeoutseconds: 120"})});
        Daemon a(dir.path());
        a.putProject(yaml);
        const Reply first = a.request(host, "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(first.error + first.body + "\n" + a.tail(), 200, first.status);
        const std::string mine = trimmed(first.body);
        // The same data directory and component names, but a database of its own: an unrelated maelstromd.
        Daemon b(dir.path(), {{"MAEL_SQL_DRIVER", "sqlite3"}, {"MAEL_SQL_DSN", (other.path() / "b.db").string()}});
        b.putProject(yaml);
        const Reply cold = b.request(host, "/id");
        std::fprintf(stderr, "\n  second maelstromd's cold start: %.1f ms\n", cold.millis);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(cold.error + cold.body + "\n" + b.tail(), 200, cold.status);
        CPPUNIT_ASSERT_MESSAGE("the second maelstromd's cold start was slow\n" + b.tail(), cold.millis < 5000);
        CPPUNIT_ASSERT_MESSAGE("the second maelstromd served from the first one's container\n" + b.tail(),
                               trimmed(cold.body) != mine);
        CPPUNIT_ASSERT_MESSAGE(b.tail(), b.log().find("removing stale container " + mine) == std::string::npos);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(b.tail(), 0, b.stop());
        // Untouched: the same container still runs and serves the first maelstromd, which saw no death.
        CPPUNIT_ASSERT_MESSAGE("the first maelstromd's container is gone\n" + b.tail(), containerRunning(mine));
        const Reply again = a.request(host, "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(again.error + again.body + "\n" + a.tail(), 200, again.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(a.tail(), mine, trimmed(again.body));
        CPPUNIT_ASSERT_MESSAGE(a.tail(), a.log().find("exited; replacing it") == std::string::npos);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(a.tail(), 0, a.stop());
    }

    void testGracefulShutdownDrainsRequestsInFlight() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("drain");
        ProjectCleanup cleanup(project);
        const std::string host = project + ".restart.test";
        const std::string component = project + "_web";
        Daemon daemon(dir.path(), {{"MAEL_SHUTDOWN_PAUSE_SECONDS", "1"}});
        daemon.putProject(
            projectYaml(project, {componentYaml("web", host, {"idletimeoutseconds: 120", "maxconcurrency: 10"})}));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, daemon.request(host, "/").status);

        // 5 requests of 5 s; SIGTERM 1 s in. After the 1 s pause the public port stops accepting (a new request at
        // 2 s is refused) while the 5 in flight run to their end at 4 s.
        std::vector<Reply> replies(5);
        std::vector<std::jthread> clients;
        for (std::size_t i = 0; i < replies.size(); ++i) {
            clients.emplace_back([&, i] { replies[i] = daemon.request(host, "/sleep?ms=5000"); });
        }
        std::this_thread::sleep_for(1s); // the requests are in flight
        const auto signalled = std::chrono::steady_clock::now();
        ::kill(daemon.pid(), SIGTERM);
        std::this_thread::sleep_until(signalled + 2s);
        const Reply late = daemon.request(host, "/", 10s);
        std::fprintf(stderr, "\n  a new request 2 s after SIGTERM: status %d %s\n", late.status, late.error.c_str());
        CPPUNIT_ASSERT_MESSAGE("a new request was served after SIGTERM and the pause", late.status != 200);
        for (auto& c : clients)
            c.join();
        const int code = daemon.stop(0, std::chrono::seconds(120)); // signal 0: only wait for the exit
        const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
        std::fprintf(stderr, "  exited %d, %.2f s after SIGTERM\n", code, took);
        for (const auto& r : replies) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(
                "a request in flight did not complete: " + r.error + r.body + "\n" + daemon.tail(), 200, r.status);
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, code);
        CPPUNIT_ASSERT_MESSAGE("containers left after a graceful stop\n" + daemon.tail(),
                               allContainers(component).empty());
    }

    void testDockerDaemonRestart() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("dockrs");
        ProjectCleanup cleanup(project);
        const std::string warmHost = project + ".warm.test";
        const std::string lazyHost = project + ".lazy.test";
        Daemon daemon(dir.path());
        daemon.putProject(projectYaml(project, {componentYaml("warm", warmHost, {"mininstances: 1"}),
                                                componentYaml("lazy", lazyHost, {"idletimeoutseconds: 120"})}));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, daemon.request(lazyHost, "/").status);
        CPPUNIT_ASSERT(waitUntil([&] { return runningContainers(project + "_warm").size() == 1; }, 60s));
        const std::string oldWarm = runningContainers(project + "_warm").at(0);

        const auto script = sourceDir() / "tests/services/restart-docker.sh";
        const auto r = runProcess({"bash", script.string()}, {}, std::chrono::seconds(180));
        std::cerr << r.out << r.err;
        MAELSTROM_REQUIRE_BACKEND(
            r.exitCode != 3,
            "a dockerd started by tests/services/start-docker.sh (restart-docker.sh refused: " + r.err + ")");
        CPPUNIT_ASSERT_EQUAL_MESSAGE("restart-docker.sh failed: " + r.err, 0, r.exitCode);
        CPPUNIT_ASSERT_MESSAGE("maelstromd died with the Docker daemon\n" + daemon.tail(), daemon.running());

        // mininstances comes back by itself; the other component is served again on request.
        CPPUNIT_ASSERT_MESSAGE("mininstances not restored after the Docker restart\n" + daemon.tail(),
                               waitUntil(
                                   [&] {
                                       auto now = runningContainers(project + "_warm");
                                       return now.size() == 1 && now[0] != oldWarm;
                                   },
                                   90s));
        Reply lazy;
        CPPUNIT_ASSERT_MESSAGE("not served after the Docker restart: " + std::to_string(lazy.status) + lazy.error +
                                   "\n" + daemon.tail(),
                               waitUntil(
                                   [&] {
                                       lazy = daemon.request(lazyHost, "/", 30s);
                                       return lazy.status == 200;
                                   },
                                   90s));
        CPPUNIT_ASSERT_EQUAL(200, daemon.request(warmHost, "/").status);
        const auto ls = daemon.maelctl({"comp", "ls"});
        CPPUNIT_ASSERT_MESSAGE(ls.out, ls.out.find(project + "_warm") != std::string::npos &&
                                           ls.out.find(project + "_lazy") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RestartTest);
