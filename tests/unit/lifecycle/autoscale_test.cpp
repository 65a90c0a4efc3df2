// autoscale_test.cpp — the original's target-count formula: the worked examples of the spec,
// keeping one warm while not idle, scale to zero after the idle timeout, min/max instances and the per-node cap.
#include "lifecycle/autoscale.h"
#include "lifecycle/lifecycle_manager.h"
#include "model_builders.h"
#include "test_support.h"

using namespace maelstrom;
using namespace maelstrom::core;

class AutoscaleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AutoscaleTest);
    CPPUNIT_TEST(testScaleUpOnAverage);
    CPPUNIT_TEST(testScaleDownOnPeak);
    CPPUNIT_TEST(testBetweenThresholdsKeepsCount);
    CPPUNIT_TEST(testKeepsOneWarmUntilIdle);
    CPPUNIT_TEST(testMinInstancesWithoutContainers);
    CPPUNIT_TEST(testMaxInstancesCaps);
    CPPUNIT_TEST(testMaxInstancesBelowMinIgnored);
    CPPUNIT_TEST(testMaxInstancesPerNodeCaps);
    CPPUNIT_TEST(testYoungInstancesCountButAddNothing);
    CPPUNIT_TEST(testInputCountsOnlyTheCurrentVersion);
    CPPUNIT_TEST(testIdleIsTheShortestSinceDemandRequestOrStart);
    CPPUNIT_TEST(testRequestInProgressIsNeverIdle);
    CPPUNIT_TEST_SUITE_END();

    using TimePoint = std::chrono::steady_clock::time_point;
    static constexpr std::int64_t kNowUnixMs = 1'700'000'000'000;
    static TimePoint now() { return TimePoint{} + std::chrono::hours(1000); }

    static Converger::State stateWith(std::vector<ConvergerContainer> containers, TimePoint lastDemand = {}) {
        Converger::State state;
        state.component = component();
        state.component.version = 2;
        state.containers = std::move(containers);
        state.lastDemand = lastDemand;
        return state;
    }

    static sdk::Component component(std::int64_t maxConcurrency = 2) {
        auto c = testing::testComponent("scaled");
        c.maxConcurrency = maxConcurrency;
        c.docker->idleTimeoutSeconds = 60;
        return c;
    }

public:
    void testScaleUpOnAverage() {
        // maxConc 2, upPct 0.75, windows averaging 1.8 and 1.4 → sumAvg 3.2, pctAvg 0.8 → ceil(3.2 / 1.5) = 3.
        AutoscaleInput in{{{1.6, 2.0}, {1.4, 1.4}}, 0};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), autoscaleTarget(component(), in));
    }

    void testScaleDownOnPeak() {
        // peaks 0.3 and 0.2 → pctMax 0.125 < 0.25 → ceil(0.5 / 1.5) = 1.
        AutoscaleInput in{{{0.1, 0.3}, {0.2, 0.0}}, 0};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), autoscaleTarget(component(), in));
    }

    void testBetweenThresholdsKeepsCount() {
        AutoscaleInput in{{{1.0}, {1.0}}, 0}; // pctAvg 0.5, pctMax 0.5
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), autoscaleTarget(component(), in));
    }

    void testKeepsOneWarmUntilIdle() {
        AutoscaleInput in{{{0.0}}, 60};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), autoscaleTarget(component(), in)); // exactly the timeout: warm
        in.secondsIdle = 61;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), autoscaleTarget(component(), in)); // scale to zero
        AutoscaleInput none{{}, 0};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), autoscaleTarget(component(), none)); // cold start demand
    }

    void testMinInstancesWithoutContainers() {
        auto c = component();
        c.minInstances = 2;
        AutoscaleInput in{{}, 1000};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), autoscaleTarget(c, in));
    }

    void testMaxInstancesCaps() {
        auto c = component(1);
        c.maxInstances = 2;
        AutoscaleInput in{{{1.0}, {1.0}}, 0}; // pctAvg 1.0 > 0.75 → ceil(2 / 0.75) = 3, capped at 2
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), autoscaleTarget(c, in));
    }

    void testMaxInstancesBelowMinIgnored() {
        auto c = component();
        c.minInstances = 3;
        c.maxInstances = 2;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), autoscaleTarget(c, AutoscaleInput{{}, 0}));
    }

    void testMaxInstancesPerNodeCaps() {
        auto c = component(1);
        c.maxInstancesPerNode = 1;
        AutoscaleInput in{{{1.0}, {1.0}}, 0};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), autoscaleTarget(c, in));
    }

    void testYoungInstancesCountButAddNothing() {
        // One busy old instance and one without windows: pctAvg = 1.6 / 4 = 0.4 → between thresholds.
        AutoscaleInput in{{{1.6}, {}}, 0};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), autoscaleTarget(component(), in));
    }

    void testInputCountsOnlyTheCurrentVersion() {
        // v1 (being replaced) and a stopping v2 are left out; the active v2 brings its router windows.
        const auto state = stateWith({{"old", 1, ContainerStatus::Active, 0, 128},
                                      {"new", 2, ContainerStatus::Active, 0, 128},
                                      {"going", 2, ContainerStatus::Stopping, 0, 128}});
        ComponentActivitySnapshot activity;
        InstanceActivitySnapshot instance;
        instance.instanceId = "new";
        instance.activity = {{3, 0.5}, {1, 0.25}};
        activity.instances.push_back(instance);
        const AutoscaleInput in = autoscaleInputOf(state, activity, now(), kNowUnixMs);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), in.instanceWindows.size());
        CPPUNIT_ASSERT(in.instanceWindows[0] == std::vector<double>({0.5, 0.25}));
    }

    void testIdleIsTheShortestSinceDemandRequestOrStart() {
        using namespace std::chrono_literals;
        // Started 500 s ago, last demand 300 s ago, last request 120 s ago → idle 120 s.
        auto state = stateWith({{"c", 2, ContainerStatus::Active, kNowUnixMs - 500'000, 128}}, now() - 300s);
        ComponentActivitySnapshot activity;
        activity.lastRequest = now() - 120s;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(120), autoscaleInputOf(state, activity, now(), kNowUnixMs).secondsIdle);
        // Without a request, the demand counts; a container started 10 s ago counts as activity too.
        activity.lastRequest.reset();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(300), autoscaleInputOf(state, activity, now(), kNowUnixMs).secondsIdle);
        state.containers[0].startedAtUnixMs = kNowUnixMs - 10'000;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10), autoscaleInputOf(state, activity, now(), kNowUnixMs).secondsIdle);
    }

    void testRequestInProgressIsNeverIdle() {
        using namespace std::chrono_literals;
        const auto state = stateWith({{"c", 2, ContainerStatus::Active, kNowUnixMs - 500'000, 128}}, now() - 300s);
        ComponentActivitySnapshot activity;
        activity.lastRequest = now() - 400s;
        activity.inFlight = 1; // a long request or an open WebSocket
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), autoscaleInputOf(state, activity, now(), kNowUnixMs).secondsIdle);
        activity.inFlight = 0;
        activity.queued = 1;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), autoscaleInputOf(state, activity, now(), kNowUnixMs).secondsIdle);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AutoscaleTest);
