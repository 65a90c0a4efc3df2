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
    /// The runtime's pause and pre-create abilities are off unless `fastStarts` (the tests of plain starts count
    /// start() calls and containers).
    explicit Harness(bool fastStarts = false) : database(clock) {
        runtime.setPauseSupported(fastStarts);
        runtime.setPrecreateSupported(fastStarts);
        context.metrics = &metrics;
    }
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

    /// Containers of the fake in `state`.
    std::vector<sdk::ContainerSummary> inState(sdk::ContainerState state) const {
        std::vector<sdk::ContainerSummary> out;
        for (const auto& c : runtime.all()) {
            if (c.state == state) {
                out.push_back(c);
            }
        }
        return out;
    }

    std::vector<ConvergerContainer> paused() const {
        std::vector<ConvergerContainer> out;
        for (const auto& c : converger->state().containers) {
            if (c.status == ContainerStatus::Paused) {
                out.push_back(c);
            }
        }
        return out;
    }

    FakeClock clock;
    FakeContainerRuntime runtime;
    LifecycleMetrics metrics;
    FakeDatabase database;
    RouterRegistry routers{nullptr, {}};
    MemoryBudget memory{100 * kMiB};
    LifecycleContext context{
        runtime, &database, routers, memory, "node-a", "http://127.0.0.1:1", {}, clock, runtime.healthProbe(),
        {},      {},        nullptr};
    std::unique_ptr<sdk::Subscription> subscription;
    std::unique_ptr<Converger> converger;
};

} // namespace

class ConvergerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ConvergerTest);
    CPPUNIT_TEST(coldStartRegistersAHealthyContainer);
    CPPUNIT_TEST(failedStartHealthCheckRemovesTheContainerAndRetries);
    CPPUNIT_TEST(startActivityReportsTheLastFailureUntilASuccess);
    CPPUNIT_TEST(deadContainerIsReplaced);
    CPPUNIT_TEST(failingPeriodicHealthChecksReplaceTheContainer);
    CPPUNIT_TEST(seriesStartWaitsForTheStartLock);
    CPPUNIT_TEST(runtimeThatGoesAwayIsRetried);
    CPPUNIT_TEST(memoryBudgetLimitsStarts);
    CPPUNIT_TEST(rollingDeployReplacesEveryContainer);
    CPPUNIT_TEST(randomSequencesConverge);
    CPPUNIT_TEST(idleInstanceIsPausedAndAWakeThawsIt);
    CPPUNIT_TEST(pausedInstanceStopsAfterItsTimeout);
    CPPUNIT_TEST(versionChangeStopsThePausedInstance);
    CPPUNIT_TEST(runtimeWithoutPauseStopsIdleInstances);
    CPPUNIT_TEST(startShortOfMemoryStopsPausedInstances);
    CPPUNIT_TEST(shutdownStopsPausedOnlyWhenStoppingContainers);
    CPPUNIT_TEST(precreatedContainerIsStartedAndReplaced);
    CPPUNIT_TEST(randomSequencesWithPauseAndPrecreate);
    CPPUNIT_TEST_SUITE_END();

    static sdk::Component pausingComponent(std::int64_t version = 1) {
        sdk::Component c = webComponent(version);
        c.docker->idlePause = true;
        c.docker->pausedTimeoutSeconds = 60;
        return c;
    }

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

    // What NodeService.ListRolloutStatus shows (maelctl project put --wait): a failed start of the version with its
    // reason and count, forgotten once a start of that version succeeds.
    void startActivityReportsTheLastFailureUntilASuccess() {
        Harness h;
        h.runtime.failNextStarts(2, "fake: no such image");
        h.startConverger(webComponent(4));
        CPPUNIT_ASSERT_EQUAL(std::string(), h.converger->state().starts.phase);
        h.converger->setTargetCount(1);
        CPPUNIT_ASSERT(h.eventually([&] { return !h.converger->state().starts.failure.empty(); }));
        auto starts = h.converger->state().starts;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), starts.failedVersion);
        CPPUNIT_ASSERT_MESSAGE(starts.failure, starts.failure.find("fake: no such image") != std::string::npos);
        CPPUNIT_ASSERT(starts.failedAtUnixMs > 0);
        CPPUNIT_ASSERT_EQUAL(std::string(), starts.phase); // no start under way between retries
        // Retried every 5 s of fake time: the second failure counts, then the third start succeeds.
        CPPUNIT_ASSERT_MESSAGE(h.describe(),
                               h.eventually([&] { return h.converger->state().starts.failures == 2; }, 100ms));
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.convergedTo(1, 4); }, 100ms));
        starts = h.converger->state().starts;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), starts.failedVersion);
        CPPUNIT_ASSERT_EQUAL(std::string(), starts.failure);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), starts.failures);
        CPPUNIT_ASSERT_EQUAL(std::string(), starts.phase);
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

    void idleInstanceIsPausedAndAWakeThawsIt() {
        Harness h(true);
        h.startConverger(pausingComponent());
        h.converger->setTargetCount(1);
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.active().size() == 1; }));
        const std::string id = h.active().front().id;
        CPPUNIT_ASSERT(!h.converger->wakePaused()); // nothing paused yet
        h.converger->setTargetCount(0);
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.paused().size() == 1; }));
        CPPUNIT_ASSERT_EQUAL(id, h.paused().front().id);
        CPPUNIT_ASSERT(h.routedIds().empty());
        CPPUNIT_ASSERT(h.runtime.inspect(id).state == sdk::ContainerState::Paused);
        CPPUNIT_ASSERT_EQUAL(kMiB, h.memory.reservedMiB()); // it keeps its memory
        // Frozen: never health-checked (it would fail them all), never replaced while 50 s pass.
        h.runtime.setHealthy(id, false);
        for (int i = 0; i < 50; ++i) {
            h.clock.advance(1s);
            std::this_thread::sleep_for(1ms);
        }
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.paused().size() == 1 && h.paused().front().id == id);
        h.runtime.setHealthy(id, true);
        const int starts = h.runtime.startCalls();
        CPPUNIT_ASSERT(h.converger->wakePaused());
        CPPUNIT_ASSERT_MESSAGE(h.describe(),
                               h.eventually([&] { return h.active().size() == 1 && h.active().front().id == id; }));
        CPPUNIT_ASSERT(h.routedIds() == std::set<std::string>{id});
        CPPUNIT_ASSERT(h.runtime.inspect(id).state == sdk::ContainerState::Running);
        CPPUNIT_ASSERT_EQUAL(starts, h.runtime.startCalls()); // a wake starts no container
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), h.converger->state().targetCount);
        const std::string text = h.metrics.render();
        CPPUNIT_ASSERT_MESSAGE(text,
                               text.find("maelstrom_instance_wakes_total{component=\"web\"} 1") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(text, text.find("maelstrom_paused_instances{component=\"web\"} 0") != std::string::npos);
    }

    void pausedInstanceStopsAfterItsTimeout() {
        Harness h(true);
        h.startConverger(pausingComponent());
        h.converger->setTargetCount(1);
        CPPUNIT_ASSERT(h.eventually([&] { return h.active().size() == 1; }));
        const std::string id = h.active().front().id;
        h.converger->setTargetCount(0);
        CPPUNIT_ASSERT(h.eventually([&] { return h.paused().size() == 1; }));
        h.clock.advance(59s);
        std::this_thread::sleep_for(20ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), h.paused().size());
        CPPUNIT_ASSERT_MESSAGE(h.describe(),
                               h.eventually([&] { return h.converger->state().containers.empty(); }, 500ms));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), h.memory.reservedMiB());
        for (const auto& c : h.runtime.all()) {
            CPPUNIT_ASSERT(c.id != id);
        }
        CPPUNIT_ASSERT(!h.converger->wakePaused()); // the next request cold-starts
    }

    void versionChangeStopsThePausedInstance() {
        Harness h(true);
        h.startConverger(pausingComponent(1));
        h.converger->setTargetCount(1);
        CPPUNIT_ASSERT(h.eventually([&] { return h.active().size() == 1; }));
        h.converger->setTargetCount(0);
        CPPUNIT_ASSERT(h.eventually([&] { return h.paused().size() == 1; }));
        h.converger->setComponent(pausingComponent(2));
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.converger->state().containers.empty(); }));
        CPPUNIT_ASSERT(h.inState(sdk::ContainerState::Paused).empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), h.memory.reservedMiB());
    }

    void runtimeWithoutPauseStopsIdleInstances() {
        Harness h;
        h.startConverger(pausingComponent());
        h.converger->setTargetCount(2);
        CPPUNIT_ASSERT(h.eventually([&] { return h.convergedTo(2, 1); }));
        h.converger->setTargetCount(0);
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.convergedTo(0, 1); }));
    }

    void startShortOfMemoryStopsPausedInstances() {
        Harness h(true);
        h.context.reclaimPaused = [&](std::int64_t) { h.converger->stopOldestPaused("memory needed"); };
        h.startConverger(pausingComponent());
        h.converger->setTargetCount(1);
        CPPUNIT_ASSERT(h.eventually([&] { return h.active().size() == 1; }));
        h.converger->setTargetCount(0);
        CPPUNIT_ASSERT(h.eventually([&] { return h.paused().size() == 1; }));
        // Another component needs the whole budget: the paused instance gives its memory back.
        sdk::Component big = testing::testComponent("big");
        big.docker->reserveMemoryMiB = 100 * kMiB;
        big.docker->httpStartHealthCheckSeconds = 10;
        Converger other(big, h.context);
        other.start();
        other.setTargetCount(1);
        const bool started = h.eventually([&] {
            const auto s = other.state();
            return s.containers.size() == 1 && s.containers.front().status == ContainerStatus::Active;
        });
        other.shutdown(true);
        CPPUNIT_ASSERT_MESSAGE(h.describe(), started);
        CPPUNIT_ASSERT(h.paused().empty());
    }

    void shutdownStopsPausedOnlyWhenStoppingContainers() {
        for (const bool stopContainers : {false, true}) {
            Harness h(true);
            h.startConverger(pausingComponent());
            h.converger->setTargetCount(1);
            CPPUNIT_ASSERT(h.eventually([&] { return h.active().size() == 1; }));
            h.converger->setTargetCount(0);
            CPPUNIT_ASSERT(h.eventually([&] { return h.paused().size() == 1 && h.converger->precreatedId(); }));
            h.converger->shutdown(stopContainers);
            CPPUNIT_ASSERT_EQUAL(stopContainers ? std::size_t(0) : std::size_t(1),
                                 h.inState(sdk::ContainerState::Paused).size());
            CPPUNIT_ASSERT_EQUAL(stopContainers ? std::size_t(0) : std::size_t(1),
                                 h.inState(sdk::ContainerState::Created).size());
            h.converger.reset();
        }
    }

    void precreatedContainerIsStartedAndReplaced() {
        Harness h(true);
        h.startConverger(webComponent(1));
        h.converger->setTargetCount(1);
        CPPUNIT_ASSERT(h.eventually([&] { return h.active().size() == 1; }));
        // Once the component ran here, one container is created ahead (no memory reserved for it).
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually([&] { return h.converger->precreatedId().has_value(); }, 1s));
        const std::string ahead = *h.converger->precreatedId();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), h.inState(sdk::ContainerState::Created).size());
        CPPUNIT_ASSERT_EQUAL(kMiB, h.memory.reservedMiB());
        // Idle stop, then a cold start: it starts the container made ahead, and a new one is made ahead.
        h.converger->setTargetCount(0);
        CPPUNIT_ASSERT(h.eventually([&] { return h.active().empty() && h.converger->state().containers.empty(); }));
        h.converger->setTargetCount(1);
        CPPUNIT_ASSERT(h.eventually([&] { return h.active().size() == 1; }));
        CPPUNIT_ASSERT_EQUAL(ahead, h.active().front().id);
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually(
                                                 [&] {
                                                     const auto next = h.converger->precreatedId();
                                                     return next && *next != ahead;
                                                 },
                                                 1s));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), h.inState(sdk::ContainerState::Created).size());
        // A new version: the container made ahead for the old one is removed and one of the new version made.
        const std::string old = *h.converger->precreatedId();
        h.converger->setComponent(webComponent(2));
        CPPUNIT_ASSERT_MESSAGE(h.describe(), h.eventually(
                                                 [&] {
                                                     const auto created = h.inState(sdk::ContainerState::Created);
                                                     return h.active().size() == 1 && h.active().front().version == 2 &&
                                                            created.size() == 1 && created.front().id != old &&
                                                            created.front().componentVersion == 2;
                                                 },
                                                 500ms));
    }

    /// The random sequence of randomSequencesConverge with pausing and pre-creating runtimes, plus wakes: after
    /// each step the converger must reach its target with at most one paused instance (only while the target is 0,
    /// of the current version) and at most one container created ahead (of the current version).
    void randomSequencesWithPauseAndPrecreate() {
        const std::uint64_t seed = testing::testSeed();
        std::mt19937_64 random(seed);
        const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<std::uint64_t>(n)); };
        Harness h(true);
        std::int64_t version = 1;
        std::int64_t target = 0;
        h.startConverger(pausingComponent(version));
        auto settled = [&] {
            const auto state = h.converger->state();
            std::set<std::string> active;
            std::int64_t paused = 0;
            for (const auto& c : state.containers) {
                if (c.status == ContainerStatus::Active && c.version == version) {
                    active.insert(c.id);
                } else if (c.status == ContainerStatus::Paused && c.version == version && target == 0) {
                    ++paused;
                } else {
                    return false;
                }
            }
            const auto created = h.inState(sdk::ContainerState::Created);
            if (paused > 1 || created.size() > 1 ||
                (created.size() == 1 && created.front().componentVersion != version)) {
                return false;
            }
            return static_cast<std::int64_t>(active.size()) == target && h.routedIds() == active &&
                   h.memory.reservedMiB() == (target + paused) * kMiB &&
                   h.inState(sdk::ContainerState::Paused).size() == static_cast<std::size_t>(paused);
        };
        for (int step = 0; step < 40; ++step) {
            std::string what;
            switch (pick(6)) {
            case 0:
            case 1:
                target = pick(3);
                h.converger->setTargetCount(target);
                what = "scale to " + std::to_string(target);
                break;
            case 2:
                if (h.converger->wakePaused()) {
                    target = 1;
                }
                what = "wake";
                break;
            case 3: {
                const auto running = h.runtime.running();
                if (!running.empty()) {
                    h.runtime.kill(running[static_cast<std::size_t>(pick(static_cast<int>(running.size())))].id);
                }
                what = "kill one";
                break;
            }
            case 4:
                h.converger->setComponent(pausingComponent(++version));
                what = "deploy v" + std::to_string(version);
                break;
            default:
                h.clock.advance(std::chrono::seconds(pick(70)));
                what = "time passes";
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(pick(10)));
            if (!h.eventually(settled, 500ms)) {
                CPPUNIT_FAIL("seed " + std::to_string(seed) + " (MAELSTROM_TEST_SEED replays it), step " +
                             std::to_string(step) + " (" + what + "): expected " + std::to_string(target) +
                             " active at v" + std::to_string(version) + "; " + h.describe());
            }
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConvergerTest);
