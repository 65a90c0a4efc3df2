// lifecycle_manager_test.cpp — the node's lifecycle over the SDK fakes with a fake clock: a cold start through
// the router, scale to zero after the idle timeout, minInstances kept, a dead container replaced from the
// runtime's events, and adoption of containers a previous maelstromd left running.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/lifecycle_manager.h"

#include "fake_clock.h"
#include "fake_container_runtime.h"
#include "fake_database.h"
#include "model_builders.h"
#include "test_support.h"

#include <future>
#include <thread>

using namespace maelstrom;
using namespace maelstrom::core;
using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeContainerRuntime;
using testing::FakeDatabase;

namespace {

sdk::Component idleComponent(const std::string& name) {
    sdk::Component c = testing::testComponent(name);
    c.version = 1;
    c.docker->idleTimeoutSeconds = 60;
    c.docker->reserveMemoryMiB = 32;
    return c;
}

class Node {
public:
    /// The runtime's pause and pre-create abilities are off unless `fastStarts`.
    explicit Node(bool fastStarts = false) : database(clock) {
        runtime.setPauseSupported(fastStarts);
        runtime.setPrecreateSupported(fastStarts);
    }
    ~Node() { manager.shutdown(false); }

    bool eventually(const std::function<bool()>& done, std::chrono::milliseconds step = 0ms) {
        return clock.advanceUntil(done, step);
    }

    std::size_t running(const std::string& component) const {
        std::size_t n = 0;
        for (const auto& c : runtime.running()) {
            n += c.componentName == component ? 1 : 0;
        }
        return n;
    }

    FakeClock clock;
    FakeContainerRuntime runtime;
    FakeDatabase database;
    ComponentCache components;
    RouterRegistry routers{nullptr, {}};
    LifecycleManager manager{runtime,
                             &database,
                             routers,
                             components,
                             LifecycleSettings{"node-a", "", 4096, "me", {}, nullptr},
                             clock,
                             runtime.healthProbe()};
};

} // namespace

class LifecycleManagerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LifecycleManagerTest);
    CPPUNIT_TEST(targetsAreAppliedUnderTheVersionCheck);
    CPPUNIT_TEST(lowerCountsGoBeforeRaisedOnes);
    CPPUNIT_TEST(deadContainerReportedByTheRuntimeIsReplaced);
    CPPUNIT_TEST(adoptsWhatAPreviousDaemonLeftRunning);
    CPPUNIT_TEST(adoptsPausedAndCreatedAheadContainers);
    CPPUNIT_TEST(wakeRaisesTheVersionAndThawsThePausedInstance);
    CPPUNIT_TEST(startShortOfMemoryStopsAnotherComponentsPausedInstance);
    CPPUNIT_TEST_SUITE_END();

public:
    void targetsAreAppliedUnderTheVersionCheck() {
        Node node;
        const sdk::Component web = idleComponent("web");
        node.components.replace({web});
        node.manager.start();
        const std::int64_t v = node.manager.version();
        CPPUNIT_ASSERT(node.manager.applyTargets(v, {TargetChange{web, 2}}, false));
        CPPUNIT_ASSERT_EQUAL(v + 1, node.manager.version());
        CPPUNIT_ASSERT(node.eventually([&] { return node.routers.byComponent("web")->instanceCount() == 2; }));
        // A decision taken on the old version changes nothing.
        CPPUNIT_ASSERT(!node.manager.applyTargets(v, {TargetChange{web, 0}}, false));
        std::this_thread::sleep_for(50ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), node.running("web"));
        CPPUNIT_ASSERT(node.manager.applyTargets(v + 1, {TargetChange{web, 0}}, false));
        CPPUNIT_ASSERT(node.eventually([&] { return node.running("web") == 0; }));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), node.routers.byComponent("web")->instanceCount());
    }

    void lowerCountsGoBeforeRaisedOnes() {
        Node node;
        const sdk::Component a = idleComponent("a");
        const sdk::Component b = idleComponent("b");
        node.components.replace({a, b});
        node.manager.start();
        CPPUNIT_ASSERT(node.manager.applyTargets(node.manager.version(), {TargetChange{a, 1}}, false));
        CPPUNIT_ASSERT(node.eventually([&] { return node.running("a") == 1; }));
        // Displacement: a goes, b comes; b's start begins only once a is gone (its memory free).
        auto applied = std::async(std::launch::async, [&] {
            return node.manager.applyTargets(node.manager.version(), {TargetChange{a, 0}, TargetChange{b, 1}}, true);
        });
        CPPUNIT_ASSERT(node.eventually([&] { return node.running("b") == 1; }));
        CPPUNIT_ASSERT(applied.get());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), node.running("a"));
    }

    void deadContainerReportedByTheRuntimeIsReplaced() {
        Node node;
        node.components.replace({idleComponent("web")});
        node.manager.start();
        CPPUNIT_ASSERT(
            node.manager.applyTargets(node.manager.version(), {TargetChange{idleComponent("web"), 1}}, false));
        CPPUNIT_ASSERT(node.eventually([&] { return node.running("web") == 1; }));
        const std::string first = node.runtime.running().front().id;
        node.runtime.kill(first); // the runtime's Died event reaches the manager's subscription
        CPPUNIT_ASSERT(node.eventually([&] {
            const auto running = node.runtime.running();
            return running.size() == 1 && running.front().id != first &&
                   node.routers.byComponent("web")->instanceCount() == 1;
        }));
    }

    void adoptsWhatAPreviousDaemonLeftRunning() {
        Node node;
        const sdk::Component c = idleComponent("web");
        node.components.replace({c});
        sdk::Component stored = c;
        stored.version = 0; // an insert: stored as version 1, the version the running container has
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), node.database.putComponent(stored));
        sdk::ContainerSpec spec{c, "", {{kLabelOwner, "me"}}};
        const std::string leftRunning = node.runtime.start(spec).id;
        node.manager.start();
        // Adopted and routed without a new start.
        CPPUNIT_ASSERT(node.eventually([&] { return node.routers.byComponent("web")->instanceCount() == 1; }));
        CPPUNIT_ASSERT_EQUAL(1, node.runtime.startCalls());
        CPPUNIT_ASSERT_EQUAL(leftRunning, node.runtime.running().front().id);
    }

    void adoptsPausedAndCreatedAheadContainers() {
        Node node(true);
        sdk::Component c = idleComponent("web");
        c.docker->idlePause = true;
        node.components.replace({c});
        sdk::Component stored = c;
        stored.version = 0;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), node.database.putComponent(stored));
        sdk::ContainerSpec spec{c, "", {{kLabelOwner, "me"}}};
        const std::string paused = node.runtime.start(spec).id;
        node.runtime.pause(paused);
        const std::string ahead = node.runtime.create(spec).id;
        const std::string extra = node.runtime.create(spec).id;
        node.manager.start();
        // The paused one stays paused and unrouted (no health check could pass), one created container is kept.
        const auto states = node.manager.state();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), states.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), states.front().containers.size());
        CPPUNIT_ASSERT(states.front().containers.front().status == ContainerStatus::Paused);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), states.front().targetCount);
        CPPUNIT_ASSERT(node.runtime.inspect(paused).state == sdk::ContainerState::Paused);
        std::size_t created = 0;
        for (const auto& x : node.runtime.all()) {
            created += x.state == sdk::ContainerState::Created ? 1 : 0;
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), created);
        const auto info = node.manager.runningComponents();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), info.size());
        CPPUNIT_ASSERT(info.front().paused);
        CPPUNIT_ASSERT_EQUAL(std::string("stopping"), info.front().status);
        (void)ahead;
        (void)extra;
    }

    void wakeRaisesTheVersionAndThawsThePausedInstance() {
        Node node(true);
        sdk::Component c = idleComponent("web");
        c.docker->idlePause = true;
        node.components.replace({c});
        node.manager.start();
        CPPUNIT_ASSERT(!node.manager.wakePaused("web")); // no converger yet
        std::int64_t v = node.manager.version();
        CPPUNIT_ASSERT(node.manager.applyTargets(v, {{c, 1}}, true));
        CPPUNIT_ASSERT(node.manager.applyTargets(v + 1, {{c, 0}}, true)); // waits for the pause, not a stop
        CPPUNIT_ASSERT(node.eventually([&] {
            const auto s = node.manager.state();
            return !s.empty() && s.front().containers.size() == 1 &&
                   s.front().containers.front().status == ContainerStatus::Paused;
        }));
        v = node.manager.version();
        CPPUNIT_ASSERT(node.manager.wakePaused("web"));
        CPPUNIT_ASSERT_EQUAL(v + 1, node.manager.version());
        CPPUNIT_ASSERT(node.eventually([&] { return node.routers.byComponent("web")->instanceCount() == 1; }));
        CPPUNIT_ASSERT(!node.manager.applyTargets(v, {{c, 0}}, false)); // a decision made before the wake is stale
    }

    void startShortOfMemoryStopsAnotherComponentsPausedInstance() {
        Node node(true);
        sdk::Component web = idleComponent("web");
        web.docker->idlePause = true;
        web.docker->reserveMemoryMiB = 3000;
        sdk::Component api = idleComponent("api");
        api.docker->reserveMemoryMiB = 2000;
        node.components.replace({web, api});
        node.manager.start();
        std::int64_t v = node.manager.version();
        CPPUNIT_ASSERT(node.manager.applyTargets(v, {{web, 1}}, true));
        CPPUNIT_ASSERT(node.manager.applyTargets(v + 1, {{web, 0}}, true));
        CPPUNIT_ASSERT(node.eventually([&] { return node.runtime.paused().size() == 1; }));
        // 3000 of 4096 MiB stay reserved by the paused web; api's 2000 only fit once it is stopped.
        CPPUNIT_ASSERT(node.manager.applyTargets(v + 2, {{api, 1}}, true));
        CPPUNIT_ASSERT(node.eventually([&] { return node.running("api") == 1 && node.runtime.paused().empty(); }));
        CPPUNIT_ASSERT(!node.manager.wakePaused("web"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LifecycleManagerTest);
