// docker_restart_test.cpp — the event subscription survives a dockerd restart: events arrive before it, the
// plugin re-subscribes on its own while the daemon is down, and events arrive again after it; the runtime's
// other calls work again too. Restarts the daemon through tests/services/restart-docker.sh, which restarts only
// a dockerd that tests/services/start-docker.sh started (exit 3 otherwise: the backend is then "missing").
// SPDX-License-Identifier: Apache-2.0
#include "docker_test_env.h"

#include <maelstrom/sdk/errors.h>

#include <condition_variable>
#include <mutex>

using namespace maelstrom::testing;
using namespace maelstrom::testing::docker;
namespace sdk = maelstrom::sdk;

namespace {

const char* kSuite = "restart";

} // namespace

class DockerRestartTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DockerRestartTest);
    CPPUNIT_TEST(testEventsAgainAfterDaemonRestart);
    CPPUNIT_TEST_SUITE_END();

public:
    void tearDown() override {
        if (dockerAvailable())
            removeSuiteContainers(kSuite);
    }

    void testEventsAgainAfterDaemonRestart() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        auto rt = makeRuntime();
        EventLog log;
        auto sub = rt->subscribe([&](const sdk::ContainerEvent& e) { log.add(e); });
        auto before = rt->start(fixtureSpec("before-restart", kSuite));
        CPPUNIT_ASSERT(log.waitForStart(before.id, std::chrono::seconds(20)));

        auto script = sourceDir() / "tests/services/restart-docker.sh";
        auto r = runProcess({"bash", script.string()}, {}, std::chrono::seconds(180));
        std::cerr << r.out << r.err;
        MAELSTROM_REQUIRE_BACKEND(
            r.exitCode != 3,
            "a dockerd started by tests/services/start-docker.sh (restart-docker.sh refused: " + r.err + ")");
        CPPUNIT_ASSERT_MESSAGE("restart-docker.sh failed: " + r.err, r.exitCode == 0);

        // The daemon is back: the runtime works again without being re-created...
        CPPUNIT_ASSERT(waitUntil(
            [&] {
                try {
                    return !rt->info().nodeId.empty();
                } catch (const sdk::Unavailable&) {
                    return false;
                }
            },
            std::chrono::seconds(60)));
        // ...the old container did not survive (no restart policy) and is reported as such...
        auto old = rt->inspect(before.id);
        CPPUNIT_ASSERT(old.state == sdk::ContainerState::Exited);
        // ...and the subscription, never touched by the test, delivers events of a new container.
        auto after = rt->start(fixtureSpec("after-restart", kSuite));
        CPPUNIT_ASSERT_MESSAGE("no start event after the daemon restart",
                               log.waitForStart(after.id, std::chrono::seconds(30)));
        CPPUNIT_ASSERT(waitForHttp200(*after.endpoint, "/"));
        // Nothing delivered twice (the re-subscription asks for events since the last one seen).
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.count(sdk::ContainerEventKind::Started, before.id));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.count(sdk::ContainerEventKind::Started, after.id));
        rt->remove(after.id, true);
        rt->remove(before.id, true);
        sub.reset();
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DockerRestartTest);
