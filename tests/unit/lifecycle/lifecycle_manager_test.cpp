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
    Node() : database(clock) {}
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
                             LifecycleSettings{"node-a", "", 4096, "me"},
                             clock,
                             runtime.healthProbe()};
};

} // namespace

class LifecycleManagerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LifecycleManagerTest);
    CPPUNIT_TEST(coldStartThenScaleToZeroWhenIdle);
    CPPUNIT_TEST(minInstancesAreKeptWithoutTraffic);
    CPPUNIT_TEST(deadContainerReportedByTheRuntimeIsReplaced);
    CPPUNIT_TEST(adoptsWhatAPreviousDaemonLeftRunning);
    CPPUNIT_TEST_SUITE_END();

public:
    void coldStartThenScaleToZeroWhenIdle() {
        Node node;
        node.components.replace({idleComponent("web")});
        node.manager.start();
        node.manager.requestStart("web");
        CPPUNIT_ASSERT(node.eventually([&] { return node.routers.byComponent("web")->instanceCount() == 1; }));
        // Still warm within the idle timeout...
        node.clock.advance(50s);
        std::this_thread::sleep_for(50ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), node.running("web"));
        // ...and stopped once it has been idle for longer.
        CPPUNIT_ASSERT(node.eventually([&] { return node.running("web") == 0; }, 1s));
        CPPUNIT_ASSERT(node.clock.elapsed() > 60s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), node.routers.byComponent("web")->instanceCount());
    }

    void minInstancesAreKeptWithoutTraffic() {
        Node node;
        sdk::Component c = idleComponent("always");
        c.minInstances = 2;
        node.components.replace({c});
        node.manager.start();
        node.manager.componentChanged(ComponentChange{ComponentChange::Kind::ComponentPut, c.name, c, true});
        CPPUNIT_ASSERT(node.eventually([&] { return node.running("always") == 2; }));
        node.clock.advance(10min);
        std::this_thread::sleep_for(100ms);
        CPPUNIT_ASSERT(node.eventually([&] { return node.running("always") == 2; }, 1s));
    }

    void deadContainerReportedByTheRuntimeIsReplaced() {
        Node node;
        node.components.replace({idleComponent("web")});
        node.manager.start();
        node.manager.requestStart("web");
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
};

CPPUNIT_TEST_SUITE_REGISTRATION(LifecycleManagerTest);
