// converge_plan_test.cpp — the original's plan: which containers stay, which stop and why, how
// starts and stops alternate for each restart order, and which starts take the start lock for each start
// parallelism (the examples of the spec).
#include "lifecycle/converge_plan.h"
#include "test_support.h"

using namespace maelstrom::core;

namespace {

using Kind = PlanStep::Kind;
using maelstrom::sdk::RestartOrder;
using maelstrom::sdk::StartParallelism;

PlanStep start(bool lock) { return PlanStep{Kind::Start, {}, {}, lock}; }
PlanStep stop(const std::string& id, const std::string& reason = "component version changed") {
    return PlanStep{Kind::Stop, id, reason, false};
}

std::string describe(const std::vector<PlanStep>& steps) {
    std::string out;
    for (const auto& s : steps) {
        out += s.kind == Kind::Start ? (s.lock ? "start(lock) " : "start ") : "stop#" + s.containerId + " ";
    }
    return out;
}

void assertPlan(const std::vector<PlanStep>& expected, const ConvergePlan& plan) {
    CPPUNIT_ASSERT_EQUAL_MESSAGE("steps: " + describe(plan.steps), describe(expected), describe(plan.steps));
    CPPUNIT_ASSERT(expected == plan.steps);
}

const std::vector<PlanContainer> kTwoAtV1 = {{"1", 1, ""}, {"2", 1, ""}};

} // namespace

class ConvergePlanTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ConvergePlanTest);
    CPPUNIT_TEST(testNothingToDo);
    CPPUNIT_TEST(testColdStart);
    CPPUNIT_TEST(testParallelStartStop);
    CPPUNIT_TEST(testSeriesStopStart);
    CPPUNIT_TEST(testSeriesFirstStopStart);
    CPPUNIT_TEST(testSeriesFirstStartStopScalingToFour);
    CPPUNIT_TEST(testScaleDownStopsNewest);
    CPPUNIT_TEST(testTerminateReasonReplaces);
    CPPUNIT_TEST(testScaleToZero);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNothingToDo() {
        const auto plan = planConvergence(kTwoAtV1, 1, 2, StartParallelism::Parallel, RestartOrder::StopStart);
        CPPUNIT_ASSERT(plan.steps.empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), plan.starts);
    }

    void testColdStart() {
        const auto plan = planConvergence({}, 3, 1, StartParallelism::Parallel, RestartOrder::StopStart);
        assertPlan({start(false)}, plan);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), plan.starts);
    }

    void testParallelStartStop() {
        assertPlan({start(false), stop("1"), start(false), stop("2")},
                   planConvergence(kTwoAtV1, 2, 2, StartParallelism::Parallel, RestartOrder::StartStop));
    }

    void testSeriesStopStart() {
        assertPlan({stop("1"), start(true), stop("2"), start(true)},
                   planConvergence(kTwoAtV1, 2, 2, StartParallelism::Series, RestartOrder::StopStart));
    }

    void testSeriesFirstStopStart() {
        assertPlan({stop("1"), start(true), stop("2"), start(false)},
                   planConvergence(kTwoAtV1, 2, 2, StartParallelism::SeriesFirst, RestartOrder::StopStart));
    }

    void testSeriesFirstStartStopScalingToFour() {
        const auto plan = planConvergence(kTwoAtV1, 2, 4, StartParallelism::SeriesFirst, RestartOrder::StartStop);
        assertPlan({start(true), stop("1"), start(false), stop("2"), start(false), start(false)}, plan);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), plan.starts);
    }

    void testScaleDownStopsNewest() {
        const std::vector<PlanContainer> three = {{"old", 1, ""}, {"mid", 1, ""}, {"new", 1, ""}};
        assertPlan({stop("mid", "scale down"), stop("new", "scale down")},
                   planConvergence(three, 1, 1, StartParallelism::Parallel, RestartOrder::StopStart));
    }

    void testTerminateReasonReplaces() {
        const std::vector<PlanContainer> containers = {{"a", 1, "health check failed"}, {"b", 1, ""}};
        assertPlan({stop("a", "health check failed"), start(false)},
                   planConvergence(containers, 1, 2, StartParallelism::Parallel, RestartOrder::StopStart));
        assertPlan({start(false), stop("a", "health check failed")},
                   planConvergence(containers, 1, 2, StartParallelism::Parallel, RestartOrder::StartStop));
    }

    void testScaleToZero() {
        assertPlan({stop("1", "scale down"), stop("2", "scale down")},
                   planConvergence(kTwoAtV1, 1, 0, StartParallelism::Parallel, RestartOrder::StartStop));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConvergePlanTest);
