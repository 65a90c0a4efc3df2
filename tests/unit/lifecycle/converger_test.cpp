// converger_test.cpp — one component's converger against the SDK fakes (container runtime, database, clock):
// cold start, a start health check that fails, a container that dies, periodic health checks that fail, the
// cluster-wide start lock, a runtime that goes away, a rolling deploy, and a seeded random sequence of all of
// these checked against what the converger must converge to. Time is a FakeClock, so a 5 s retry or a 60 s
// health-check deadline costs milliseconds.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/converger.h"

#include "fake_clock.h"
#include "fake_container_runtime.h"
#include "fake_database.h"
#include "model_builders.h"
#include "test_support.h"

#include <algorithm>
#include <random>
#include <set>
#include <thread>

using namespace maelstrom;
using namespace maelstrom::core;
using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeContainerRuntime;
using testing::FakeDatabase;

namespace {

constexpr std::int64_t kMiB = 64;

sdk::Component webComponent(std::int64_t version = 1) {
    sdk::Component c = testing::testComponent("web");
    c.version = version;
    c.docker->httpStartHealthCheckSeconds = 10;
    c.docker->httpHealthCheckSeconds = 10;
    c.docker->httpHealthCheckMaxFailures = 2;
    c.docker->reserveMemoryMiB = kMiB;
    return c;
}

/// The fakes, a converger over them, and waits that move the fake time along.
class Harness {
public:
    Harness() : database(clock) {}
    ~Harness() {
        if (converger) {
            converger->shutdown(false);
        }
    }

    void startConverger(const sdk::Component& component) {
        converger = std::make_unique<Converger>(component, context);
        subscription = runtime.subscribe([this](const sdk::ContainerEvent& event) {
            if (event.kind == sdk::ContainerEventKind::Died && converger) {
                converger->containerDied(event.containerId);
            }
        });
        converger->start();
    }

    /// Polls `done` for up to ~10 s of real time, advancing the fake clock by `step` before each poll.
    bool eventually(const std::function<bool()>& done, std::chrono::milliseconds step = 0ms) {
        return clock.advanceUntil(done, step);
    }

    std::vector<ConvergerContainer> active() const {
        std::vector<ConvergerContainer> out;
        for (const auto& c : converger->state().containers) {
            if (c.status == ContainerStatus::Active) {
                out.push_back(c);
            }
        }
        return out;
    }

    std::set<std::string> routedIds() {
        std::set<std::string> ids;
        if (const auto router = routers.find("web")) {
            for (const auto& i : router->activity().instances) {
                ids.insert(i.instanceId);
            }
        }
        return ids;
    }

    std::set<std::string> runningIds() const {
        std::set<std::string> ids;
        for (const auto& c : runtime.running()) {
            ids.insert(c.id);
        }
        return ids;
    }

    /// Converged to `count` healthy containers of `version`: each one active in the converger, routed, running,
    /// with its memory reserved, and nothing else left anywhere.
    bool convergedTo(std::int64_t count, std::int64_t version) {
        const auto state = converger->state();
        std::set<std::string> ids;
        for (const auto& c : state.containers) {
            if (c.status != ContainerStatus::Active || c.version != version) {
                return false;
            }
            ids.insert(c.id);
        }
        return static_cast<std::int64_t>(ids.size()) == count && routedIds() == ids && runningIds() == ids &&
               runtime.all().size() == ids.size() && memory.reservedMiB() == count * kMiB;
    }

    std::string describe() {
        std::string out = "converger:";
        for (const auto& c : converger->state().containers) {
            out += " " + c.id.substr(0, 6) + "/v" + std::to_string(c.version) + "/" +
                   std::to_string(static_cast<int>(c.status));
        }
        out += "; routed " + std::to_string(routedIds().size()) + ", running " + std::to_string(runningIds().size()) +
               ", known to the runtime " + std::to_string(runtime.all().size()) + ", reserved " +
               std::to_string(memory.reservedMiB()) + " MiB";
        return out;
    }

    FakeClock clock;
    FakeContainerRuntime runtime;
    FakeDatabase database;
    RouterRegistry routers{nullptr, {}};
    MemoryBudget memory{100 * kMiB};
    LifecycleContext context{
        runtime, &database, routers, memory, "node-a", "http://127.0.0.1:1", {}, clock, runtime.healthProbe(), {}};
    std::unique_ptr<sdk::Subscription> subscription;
    std::unique_ptr<Converger> converger;
};

} // namespace

class ConvergerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ConvergerTest);
    CPPUNIT_TEST(coldStartRegistersAHealthyContainer);
    CPPUNIT_TEST(failedStartHealthCheckRemovesTheContainerAndRetries);
    CPPUNIT_TEST(deadContainerIsReplaced);
    CPPUNIT_TEST(failingPeriodicHealthChecksReplaceTheContainer);
    CPPUNIT_TEST(seriesStartWaitsForTheStartLock);
    CPPUNIT_TEST(runtimeThatGoesAwayIsRetried);
    CPPUNIT_TEST(memoryBudgetLimitsStarts);
    CPPUNIT_TEST(rollingDeployReplacesEveryContainer);
    CPPUNIT_TEST(randomSequencesConverge);
    CPPUNIT_TEST_SUITE_END();

public:
    void coldStartRegistersAHealthyContainer() {
        Harness h;
        h.startConverger(webComponent());
        h.converger->setTargetCount(1);
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.convergedTo(1, 1); }));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), h.database.componentStartCount("web", 1).startCount);
        // The same count again while the instance exists starts nothing more.
        h.converger->setTargetCount(1);
        std::this_thread::sleep_for(50ms);
        CPPUNIT_ASSERT_EQUAL(1, h.runtime.startCalls());
    }

    void failedStartHealthCheckRemovesTheContainerAndRetries() {
        Harness h;
        h.runtime.setStartHealthy(false);
        h.startConverger(webComponent());
        h.converger->setTargetCount(1);
        CPPUNIT_ASSERT(h.eventually([&] { return h.runtime.startCalls() == 1; }));
        // 10 s of fake time later the start health check gives up: the container is removed, nothing routed.
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.runtime.removeCalls() >= 1; }, 500ms));
        CPPUNIT_ASSERT(h.routedIds().empty());
        CPPUNIT_ASSERT(h.clock.elapsed() >= 10s);
        h.runtime.setStartHealthy(true);
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.convergedTo(1, 1); }, 500ms));
        CPPUNIT_ASSERT(h.runtime.startCalls() >= 2);
    }

    void deadContainerIsReplaced() {
        Harness h;
        h.startConverger(webComponent());
        h.converger->setTargetCount(2);
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.convergedTo(2, 1); }));
        const std::string victim = h.active().front().id;
        CPPUNIT_ASSERT(h.runtime.kill(victim));
        CPPUNIT_ASSERT_MESSAGE(h.describe(),
                               h.eventually([&] { return h.convergedTo(2, 1) && h.routedIds().count(victim) == 0; }));
        CPPUNIT_ASSERT_EQUAL(3, h.runtime.startCalls());
    }

    void failingPeriodicHealthChecksReplaceTheContainer() {
        Harness h;
        h.startConverger(webComponent());
        h.converger->setTargetCount(1);
        CPPUNIT_ASSERT(h.eventually([&] { return h.convergedTo(1, 1); }));
        const std::string sick = h.active().front().id;
        h.runtime.setHealthy(sick, false);
        // One failure (of the two allowed) changes nothing.
        h.clock.advance(10s);
        std::this_thread::sleep_for(50ms);
        CPPUNIT_ASSERT(h.routedIds().count(sick) == 1);
        CPPUNIT_ASSERT_MESSAGE(h.describe(),
                               h.eventually([&] { return h.convergedTo(1, 1) && h.routedIds().count(sick) == 0; }, 1s));
        CPPUNIT_ASSERT_EQUAL(2, h.runtime.startCalls());
    }

    void seriesStartWaitsForTheStartLock() {
        Harness h;
        sdk::Component c = webComponent();
        c.startParallelism = "series";
        CPPUNIT_ASSERT(h.database.acquireOrRenewRole("start_container_web", "node-b", 60'000).acquired);
        h.startConverger(c);
        h.converger->setTargetCount(1);
        // Another node holds the lock (for 60 s): nothing starts while 30 s of fake time pass.
        for (int i = 0; i < 30; ++i) {
            h.clock.advance(1s);
            std::this_thread::sleep_for(5ms);
        }
        CPPUNIT_ASSERT_EQUAL(0, h.runtime.startCalls());
        CPPUNIT_ASSERT(h.database.releaseRole("start_container_web", "node-b"));
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.convergedTo(1, 1); }, 1s));
        // The lock is released once the start is done.
        CPPUNIT_ASSERT(!h.database.roleHolder("start_container_web"));
    }

    void runtimeThatGoesAwayIsRetried() {
        Harness h;
        h.runtime.setUnavailable(true);
        h.startConverger(webComponent());
        h.converger->setTargetCount(1);
        h.clock.advance(20s);
        std::this_thread::sleep_for(50ms);
        CPPUNIT_ASSERT(h.active().empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), h.memory.reservedMiB());
        h.runtime.setUnavailable(false);
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.convergedTo(1, 1); }, 1s));
    }

    void memoryBudgetLimitsStarts() {
        Harness h;
        h.memory.reserve(98 * kMiB); // room for two containers
        h.startConverger(webComponent());
        h.converger->setTargetCount(3);
        CPPUNIT_ASSERT(h.eventually([&] { return h.active().size() == 2; }, 1s));
        h.clock.advance(30s);
        std::this_thread::sleep_for(50ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), h.active().size());
        CPPUNIT_ASSERT_EQUAL(100 * kMiB, h.memory.reservedMiB());
        h.memory.release(98 * kMiB);
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.convergedTo(3, 1); }, 1s));
    }

    void rollingDeployReplacesEveryContainer() {
        Harness h;
        h.startConverger(webComponent(1));
        h.converger->setTargetCount(2);
        CPPUNIT_ASSERT(h.eventually([&] { return h.convergedTo(2, 1); }));
        h.converger->setComponent(webComponent(2));
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.convergedTo(2, 2); }, 100ms));
        CPPUNIT_ASSERT_EQUAL(4, h.runtime.startCalls());
    }

    /// Random steps (scale, kill, sicken, deploy, runtime outage, failing starts, time passing), each followed
    /// by a check that the converger reaches exactly the target once the faults are lifted.
    void randomSequencesConverge() {
        const std::uint64_t seed = testing::testSeed();
        std::mt19937_64 random(seed);
        const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<std::uint64_t>(n)); };
        Harness h;
        std::int64_t version = 1;
        std::int64_t target = 0;
        h.startConverger(webComponent(version));
        for (int step = 0; step < 40; ++step) {
            std::string what;
            switch (pick(7)) {
            case 0:
            case 1:
                target = pick(4);
                h.converger->setTargetCount(target);
                what = "scale to " + std::to_string(target);
                break;
            case 2: {
                const auto running = h.runtime.running();
                if (!running.empty()) {
                    const auto& victim = running[static_cast<std::size_t>(pick(static_cast<int>(running.size())))];
                    h.runtime.kill(victim.id);
                }
                what = "kill one";
                break;
            }
            case 3: {
                const auto running = h.runtime.running();
                if (!running.empty()) {
                    h.runtime.setHealthy(running[static_cast<std::size_t>(pick(static_cast<int>(running.size())))].id,
                                         false);
                }
                what = "sicken one";
                break;
            }
            case 4:
                h.converger->setComponent(webComponent(++version));
                what = "deploy v" + std::to_string(version);
                break;
            case 5:
                h.runtime.setUnavailable(true);
                h.clock.advance(std::chrono::seconds(pick(20)));
                std::this_thread::sleep_for(std::chrono::milliseconds(pick(20)));
                h.runtime.setUnavailable(false);
                what = "runtime outage";
                break;
            default:
                h.runtime.failNextStarts(pick(3));
                h.runtime.setStartHealthy(pick(2) == 0);
                h.clock.advance(std::chrono::seconds(pick(15)));
                what = "failing starts";
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(pick(10)));
            // Lift the faults that would keep it from converging, then let fake time run until it has.
            h.runtime.setStartHealthy(true);
            h.runtime.failNextStarts(0);
            for (const auto& c : h.runtime.running()) {
                h.runtime.setHealthy(c.id, true);
            }
            if (!h.eventually([&] { return h.convergedTo(target, version); }, 500ms)) {
                CPPUNIT_FAIL("seed " + std::to_string(seed) + " (MAELSTROM_TEST_SEED replays it), step " +
                             std::to_string(step) + " (" + what + "): expected " + std::to_string(target) +
                             " active at v" + std::to_string(version) + "; " + h.describe());
            }
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConvergerTest);
