// autoscale_test.cpp — the original's target-count formula: the worked examples of the spec,
// keeping one warm while not idle, scale to zero after the idle timeout, min/max instances (the per-node cap is the
// placement's), and the cluster-wide input built from the nodes' statuses.
#include "lifecycle/autoscale.h"
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
    CPPUNIT_TEST(testMaxInstancesPerNodeIsNotACap);
    CPPUNIT_TEST(testYoungInstancesCountButAddNothing);
    CPPUNIT_TEST(testClusterInputCountsEveryNode);
    CPPUNIT_TEST(testClusterInputWithoutInstancesIsIdle);
    CPPUNIT_TEST(testScaleUpOnTheLastSecondBeforeAWindowCloses);
    CPPUNIT_TEST(testNoScaleDownRightAfterABurst);
    CPPUNIT_TEST(testClusterInputSkipsPausedAndCarriesRecentConcurrency);
    CPPUNIT_TEST_SUITE_END();

    static constexpr std::int64_t kNowUnixMs = 1'700'000'000'000;

    static sdk::Component component(std::int64_t maxConcurrency = 2) {
        auto c = testing::testComponent("scaled");
        c.maxConcurrency = maxConcurrency;
        c.docker->idleTimeoutSeconds = 60;
        return c;
    }

public:
    void testScaleUpOnAverage() {
        // maxConc 2, upPct 0.75, windows averaging 1.8 and 1.4 → sumAvg 3.2, pctAvg 0.8 → ceil(3.2 / 1.5) = 3.
        AutoscaleInput in{{{1.6, 2.0}, {1.4, 1.4}}, 0, {}, {}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), autoscaleTarget(component(), in));
    }

    void testScaleDownOnPeak() {
        // peaks 0.3 and 0.2 → pctMax 0.125 < 0.25 → ceil(0.5 / 1.5) = 1.
        AutoscaleInput in{{{0.1, 0.3}, {0.2, 0.0}}, 0, {}, {}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), autoscaleTarget(component(), in));
    }

    void testBetweenThresholdsKeepsCount() {
        AutoscaleInput in{{{1.0}, {1.0}}, 0, {}, {}}; // pctAvg 0.5, pctMax 0.5
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), autoscaleTarget(component(), in));
    }

    void testKeepsOneWarmUntilIdle() {
        AutoscaleInput in{{{0.0}}, 60, {}, {}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), autoscaleTarget(component(), in)); // exactly the timeout: warm
        in.secondsIdle = 61;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), autoscaleTarget(component(), in)); // scale to zero
        AutoscaleInput none{{}, 0, {}, {}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), autoscaleTarget(component(), none)); // cold start demand
    }

    void testMinInstancesWithoutContainers() {
        auto c = component();
        c.minInstances = 2;
        AutoscaleInput in{{}, 1000, {}, {}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), autoscaleTarget(c, in));
    }

    void testMaxInstancesCaps() {
        auto c = component(1);
        c.maxInstances = 2;
        AutoscaleInput in{{{1.0}, {1.0}}, 0, {}, {}}; // pctAvg 1.0 > 0.75 → ceil(2 / 0.75) = 3, capped at 2
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), autoscaleTarget(c, in));
    }

    void testMaxInstancesBelowMinIgnored() {
        auto c = component();
        c.minInstances = 3;
        c.maxInstances = 2;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), autoscaleTarget(c, AutoscaleInput{{}, 0, {}, {}}));
    }

    void testMaxInstancesPerNodeIsNotACap() {
        // The limit is per node; the placement enforces it, the cluster-wide target ignores it.
        auto c = component(1);
        c.maxInstancesPerNode = 1;
        AutoscaleInput in{{{1.0}, {1.0}}, 0, {}, {}}; // pctAvg 1.0 > 0.75 → ceil(2 / 0.75) = 3
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), autoscaleTarget(c, in));
    }

    void testYoungInstancesCountButAddNothing() {
        // One busy old instance and one without windows: pctAvg = 1.6 / 4 = 0.4 → between thresholds.
        AutoscaleInput in{{{1.6}, {}}, 0, {}, {}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), autoscaleTarget(component(), in));
    }

    static sdk::ComponentInfo info(const std::string& name, const std::string& status, std::int64_t startTime,
                                   std::int64_t lastRequestTime, const std::vector<double>& windows) {
        sdk::ComponentInfo i;
        i.componentName = name;
        i.status = status;
        i.startTime = startTime;
        i.lastRequestTime = lastRequestTime;
        for (const double w : windows) {
            i.activity.push_back(sdk::ComponentActivity{1, w});
        }
        return i;
    }

    void testClusterInputCountsEveryNode() {
        sdk::NodeStatus a;
        a.nodeId = "a";
        a.runningComponents = {info("scaled", "active", kNowUnixMs - 900'000, kNowUnixMs - 300'000, {0.5, 0.25}),
                               info("other", "active", kNowUnixMs, kNowUnixMs, {2.0})};
        sdk::NodeStatus b;
        b.nodeId = "b";
        b.runningComponents = {info("scaled", "stopping", kNowUnixMs, kNowUnixMs, {9.0}),
                               info("scaled", "starting", kNowUnixMs - 45'500, 0, {})};
        const AutoscaleInput in = clusterAutoscaleInput("scaled", {a, b}, kNowUnixMs);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), in.instanceWindows.size());
        CPPUNIT_ASSERT(in.instanceWindows[0] == std::vector<double>({0.5, 0.25}));
        CPPUNIT_ASSERT(in.instanceWindows[1].empty());
        // The newest of the last request (300 s ago) and the starts (45.5 s ago); the stopping entry is left out.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(45), in.secondsIdle);
        // A clock behind the nodes' never gives a negative idle time.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), clusterAutoscaleInput("scaled", {a, b}, kNowUnixMs - 60'000).secondsIdle);
    }

    void testClusterInputWithoutInstancesIsIdle() {
        sdk::NodeStatus a;
        a.runningComponents = {info("scaled", "stopping", kNowUnixMs, kNowUnixMs, {1.0})};
        const AutoscaleInput in = clusterAutoscaleInput("scaled", {a}, kNowUnixMs);
        CPPUNIT_ASSERT(in.instanceWindows.empty());
        CPPUNIT_ASSERT(in.secondsIdle > 1'000'000'000);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), autoscaleTarget(component(), in)); // idle, no minimum: none
    }

    void testScaleUpOnTheLastSecondBeforeAWindowCloses() {
        // One instance, no closed window yet, its slots full for the last second (2 of 2 in flight): 2 / 1.5 → 2.
        AutoscaleInput in{{{}}, 0, {2.0}, {2.0}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), autoscaleTarget(component(), in));
        // At 1 of 2 (50 %, under the 75 % threshold) nothing happens.
        AutoscaleInput calm{{{}}, 0, {1.0}, {1.0}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), autoscaleTarget(component(), calm));
    }

    void testNoScaleDownRightAfterABurst() {
        // Two instances whose closed windows were quiet, but which were full a few seconds ago: the load has just
        // dropped; the peak of the last 200 s keeps both (scale-down stability), the windows alone would drop one.
        AutoscaleInput in{{{0.0}, {0.0}}, 0, {0.0, 0.0}, {2.0, 2.0}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), autoscaleTarget(component(), in));
        AutoscaleInput windowsOnly{{{0.0}, {0.0}}, 0, {}, {}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), autoscaleTarget(component(), windowsOnly));
        // Idle past the 60 s timeout: the burst no longer holds anything.
        AutoscaleInput idle{{{}, {}}, 61, {0.0, 0.0}, {2.0, 2.0}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), autoscaleTarget(component(), idle));
    }

    void testClusterInputSkipsPausedAndCarriesRecentConcurrency() {
        sdk::NodeStatus node;
        node.nodeId = "a";
        sdk::ComponentInfo active;
        active.componentName = "scaled";
        active.status = "active";
        active.startTime = kNowUnixMs - 5000;
        active.recentConcurrency = 1.5;
        active.peakConcurrency = 2.0;
        sdk::ComponentInfo paused = active;
        paused.status = "stopping";
        paused.paused = true;
        node.runningComponents = {active, paused};
        const auto in = clusterAutoscaleInput("scaled", {node}, kNowUnixMs);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), in.instanceWindows.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), in.recentConcurrency.size());
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.5, in.recentConcurrency[0], 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(2.0, in.peakConcurrency[0], 1e-9);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AutoscaleTest);
