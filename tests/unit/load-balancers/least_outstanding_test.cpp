// least_outstanding_test.cpp — pins the least-outstanding picker: least loaded wins (relative to capacity,
// unlimited capacity handled), equal load rotates, forget(), concurrent use.
// SPDX-License-Identifier: Apache-2.0
#include "lb_test_support.h"
#include "least_outstanding.h"

#include <maelstrom/sdk/errors.h>

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>

using maelstrom::plugins::least_outstanding::LeastOutstandingBalancer;
using maelstrom::plugins::least_outstanding::LeastOutstandingPicker;
using maelstrom::sdk::Candidate;
using maelstrom::testing::lb::Instances;
using maelstrom::testing::lb::pickInstance;

namespace {

// Candidates for instances 0..n-1 with the given (inFlight, capacity) pairs.
std::vector<Candidate> loaded(const Instances& inst, const std::vector<std::pair<std::int64_t, std::int64_t>>& loads) {
    std::vector<Candidate> out;
    for (std::size_t i = 0; i < loads.size(); ++i) {
        out.push_back(Candidate{.instanceId = inst.id(i), .inFlight = loads[i].first, .capacity = loads[i].second});
    }
    return out;
}

} // namespace

class LeastOutstandingTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LeastOutstandingTest);
    CPPUNIT_TEST(testPicksFewestInFlight);
    CPPUNIT_TEST(testLoadIsRelativeToCapacity);
    CPPUNIT_TEST(testUnlimitedCapacity);
    CPPUNIT_TEST(testTiesRotate);
    CPPUNIT_TEST(testTiesRotateAmongTheLeastLoadedOnly);
    CPPUNIT_TEST(testFollowsChangingLoad);
    CPPUNIT_TEST(testSingleCandidate);
    CPPUNIT_TEST(testOutOfRangeValuesAreClamped);
    CPPUNIT_TEST(testForgetDropsState);
    CPPUNIT_TEST(testConcurrentPicksStayFair);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPicksFewestInFlight() {
        LeastOutstandingPicker picker;
        const Instances inst(3);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(picker, inst, loaded(inst, {{3, 10}, {1, 10}, {2, 10}})));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, pickInstance(picker, inst, loaded(inst, {{3, 10}, {4, 10}, {0, 10}})));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(picker, inst, loaded(inst, {{0, 10}, {4, 10}, {1, 10}})));
    }

    void testLoadIsRelativeToCapacity() {
        LeastOutstandingPicker picker;
        const Instances inst(2);
        // 2/4 = 0.5 vs 3/10 = 0.3: the second, although it has more requests in flight
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(picker, inst, loaded(inst, {{2, 4}, {3, 10}})));
        // 1/4 = 0.25 vs 3/10 = 0.3: the first
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(picker, inst, loaded(inst, {{1, 4}, {3, 10}})));
        // 2/4 == 5/10: a tie, broken round-robin (instance 0 was picked last, so 1)
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(picker, inst, loaded(inst, {{2, 4}, {5, 10}})));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(picker, inst, loaded(inst, {{2, 4}, {5, 10}})));
    }

    // capacity 0 = unlimited: measured against the largest cap offered (or compared by raw count when none).
    void testUnlimitedCapacity() {
        LeastOutstandingPicker picker;
        const Instances inst(3);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(picker, inst, loaded(inst, {{5, 0}, {2, 0}, {7, 0}})));
        // 5 on "unlimited" counts as 5/10, against 4/10
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(picker, inst, loaded(inst, {{5, 0}, {4, 10}})));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(picker, inst, loaded(inst, {{3, 0}, {4, 10}})));
    }

    void testTiesRotate() {
        LeastOutstandingPicker picker;
        const Instances inst(3);
        const auto idle = loaded(inst, {{0, 4}, {0, 4}, {0, 4}});
        for (std::size_t n = 0; n < 30; ++n) {
            CPPUNIT_ASSERT_EQUAL(n % 3, pickInstance(picker, inst, idle));
        }
        const auto busy = loaded(inst, {{2, 4}, {2, 4}, {2, 4}});
        for (std::size_t n = 0; n < 30; ++n) {
            CPPUNIT_ASSERT_EQUAL(n % 3, pickInstance(picker, inst, busy));
        }
    }

    void testTiesRotateAmongTheLeastLoadedOnly() {
        LeastOutstandingPicker picker;
        const Instances inst(4);
        const auto cands = loaded(inst, {{1, 4}, {0, 4}, {3, 4}, {0, 4}});
        for (int n = 0; n < 10; ++n) {
            CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(picker, inst, cands));
            CPPUNIT_ASSERT_EQUAL(std::size_t{3}, pickInstance(picker, inst, cands));
        }
    }

    // Simulate the router: each pick adds one in-flight request to the chosen instance. The picker fills the
    // instances evenly (relative to capacity): after 2 + 4 + 6 picks, each of caps 1/2/3 holds 2x its cap.
    void testFollowsChangingLoad() {
        LeastOutstandingPicker picker;
        const Instances inst(3);
        std::vector<std::pair<std::int64_t, std::int64_t>> loads{{0, 1}, {0, 2}, {0, 3}};
        for (int n = 0; n < 12; ++n) {
            const std::size_t chosen = pickInstance(picker, inst, loaded(inst, loads));
            ++loads[chosen].first;
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t{2}, loads[0].first);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{4}, loads[1].first);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{6}, loads[2].first);
    }

    void testSingleCandidate() {
        LeastOutstandingPicker picker;
        const Instances inst(1);
        for (std::int64_t n = 0; n < 10; ++n) {
            CPPUNIT_ASSERT_EQUAL(std::size_t{0}, picker.pick(loaded(inst, {{n, 3}})));
        }
        CPPUNIT_ASSERT_THROW(picker.pick({}), maelstrom::sdk::InvalidInput);
    }

    void testOutOfRangeValuesAreClamped() {
        LeastOutstandingPicker picker;
        const Instances inst(3);
        const std::int64_t huge = std::numeric_limits<std::int64_t>::max();
        // No overflow (UBSan would abort), negative counts act as 0.
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(picker, inst, loaded(inst, {{huge, huge}, {-5, 1}, {1, 1}})));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2},
                             pickInstance(picker, inst, loaded(inst, {{huge, 0}, {huge, 1}, {1, huge}})));
    }

    void testForgetDropsState() {
        LeastOutstandingPicker picker;
        const Instances inst(3);
        const auto idle = loaded(inst, {{0, 1}, {0, 1}, {0, 1}});
        for (int n = 0; n < 3; ++n) {
            pickInstance(picker, inst, idle);
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, picker.trackedInstances());
        picker.forget(inst.id(2));
        picker.forget("never-seen");
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, picker.trackedInstances());
        // i2's history is gone: among equals it counts as never picked, so it goes first.
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, pickInstance(picker, inst, idle));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(picker, inst, idle));
    }

    void testConcurrentPicksStayFair() {
        constexpr int kThreads = 8;
        constexpr int kPicksPerThread = 100000;
        LeastOutstandingBalancer balancer;
        const auto picker = balancer.newPicker("c");
        const Instances inst(3);
        std::vector<std::vector<std::size_t>> counts(kThreads, std::vector<std::size_t>(inst.size(), 0));
        std::atomic<bool> bad{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                const auto idle = loaded(inst, {{1, 4}, {1, 4}, {1, 4}});
                for (int n = 0; n < kPicksPerThread; ++n) {
                    const std::size_t pos = picker->pick(idle);
                    if (pos >= idle.size()) {
                        bad = true;
                        return;
                    }
                    ++counts[t][pos];
                }
            });
        }
        for (auto& th : threads) {
            th.join();
        }
        CPPUNIT_ASSERT(!bad);
        std::vector<std::size_t> total(inst.size(), 0);
        for (const auto& c : counts) {
            for (std::size_t i = 0; i < c.size(); ++i) {
                total[i] += c[i];
            }
        }
        const auto [lo, hi] = std::minmax_element(total.begin(), total.end());
        CPPUNIT_ASSERT_MESSAGE("per-instance totals " + std::to_string(*lo) + ".." + std::to_string(*hi),
                               *hi - *lo <= 1);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LeastOutstandingTest);
