// round_robin_test.cpp — pins the round-robin picker: exact rotation when all instances are offered, fair
// shares and no starvation when the offered subset changes, forget(), and fairness under concurrent picks.
// SPDX-License-Identifier: Apache-2.0
#include "lb_test_support.h"
#include "round_robin.h"

#include <maelstrom/sdk/errors.h>

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

using maelstrom::plugins::round_robin::RoundRobinBalancer;
using maelstrom::plugins::round_robin::RoundRobinPicker;
using maelstrom::testing::lb::Instances;
using maelstrom::testing::lb::pickInstance;
using maelstrom::testing::lb::Rng;

class RoundRobinTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RoundRobinTest);
    CPPUNIT_TEST(testExactRotationOverThree);
    CPPUNIT_TEST(testRotationDoesNotDependOnOfferedOrder);
    CPPUNIT_TEST(testChangingSubsetKeepsSharesWithinOne);
    CPPUNIT_TEST(testRandomSubsetsNeverStarveAnInstance);
    CPPUNIT_TEST(testNewInstanceIsPickedNext);
    CPPUNIT_TEST(testSingleCandidate);
    CPPUNIT_TEST(testLonePicksCountAsTurns);
    CPPUNIT_TEST(testForgetDropsState);
    CPPUNIT_TEST(testPickersAreIndependent);
    CPPUNIT_TEST(testConcurrentPicksStayFair);
    CPPUNIT_TEST(testConcurrentPicksAndForgets);
    CPPUNIT_TEST_SUITE_END();

public:
    void testExactRotationOverThree() {
        RoundRobinPicker picker;
        const Instances inst(3);
        const auto all = inst.all();
        for (std::size_t n = 0; n < 30; ++n) {
            CPPUNIT_ASSERT_EQUAL(n % 3, pickInstance(picker, inst, all));
        }
    }

    // The router may list free instances in any order; the rotation is over instances, not positions.
    void testRotationDoesNotDependOnOfferedOrder() {
        RoundRobinPicker picker;
        const Instances inst(3);
        Rng rng(7);
        std::vector<std::size_t> firstRound;
        for (std::size_t n = 0; n < 300; ++n) {
            std::vector<std::size_t> order{0, 1, 2};
            std::swap(order[0], order[rng.below(3)]);
            std::swap(order[1], order[1 + rng.below(2)]);
            const std::size_t chosen = pickInstance(picker, inst, inst.candidates(order));
            if (n < 3) {
                firstRound.push_back(chosen);
            } else {
                CPPUNIT_ASSERT_EQUAL(firstRound[n % 3], chosen);
            }
        }
        std::sort(firstRound.begin(), firstRound.end());
        CPPUNIT_ASSERT((firstRound == std::vector<std::size_t>{0, 1, 2}));
    }

    // Instances at their cap are not offered; which ones are busy changes from call to call. Each instance is
    // left out equally often, so each must get the same share, within one pick.
    void testChangingSubsetKeepsSharesWithinOne() {
        struct Case {
            std::size_t instances;
            std::size_t excludedPerCall;
            std::size_t calls;
        };
        for (const Case c : {Case{4, 1, 4000}, Case{5, 1, 5003}, Case{5, 2, 5000}, Case{3, 2, 999}}) {
            RoundRobinPicker picker;
            const Instances inst(c.instances);
            Rng rng(c.instances * 10 + c.excludedPerCall);
            std::vector<std::size_t> counts(c.instances, 0);
            for (std::size_t r = 0; r < c.calls; ++r) {
                std::vector<std::size_t> offered;
                for (std::size_t i = 0; i < c.instances; ++i) {
                    // instances r, r+1, ... (mod n) are busy in call r
                    if ((i + c.instances - r % c.instances) % c.instances >= c.excludedPerCall) {
                        offered.push_back(i);
                    }
                }
                std::swap(offered.front(), offered[rng.below(offered.size())]); // order varies too
                ++counts[pickInstance(picker, inst, inst.candidates(offered))];
            }
            const double share = static_cast<double>(c.calls) / static_cast<double>(c.instances);
            for (std::size_t i = 0; i < c.instances; ++i) {
                CPPUNIT_ASSERT_MESSAGE("instance " + std::to_string(i) + " got " + std::to_string(counts[i]) +
                                           " picks, share " + std::to_string(share),
                                       std::abs(static_cast<double>(counts[i]) - share) <= 1.0);
            }
        }
    }

    // Random busy sets: between two picks of an instance, it can be passed over (offered, not picked) at most
    // n-1 times — each other instance overtakes it at most once. And symmetric randomness gives equal shares.
    void testRandomSubsetsNeverStarveAnInstance() {
        constexpr std::size_t kInstances = 5;
        constexpr std::size_t kCalls = 20000;
        RoundRobinPicker picker;
        const Instances inst(kInstances);
        Rng rng(42);
        std::vector<std::size_t> counts(kInstances, 0);
        std::vector<std::size_t> passedOver(kInstances, 0);
        std::size_t worstPassedOver = 0;
        for (std::size_t r = 0; r < kCalls; ++r) {
            std::vector<std::size_t> offered;
            for (std::size_t i = 0; i < kInstances; ++i) {
                if (rng.below(4) != 0) {
                    offered.push_back(i);
                }
            }
            if (offered.empty()) {
                offered.push_back(rng.below(kInstances));
            }
            for (std::size_t k = offered.size(); k > 1; --k) {
                std::swap(offered[k - 1], offered[rng.below(k)]);
            }
            const std::size_t chosen = pickInstance(picker, inst, inst.candidates(offered));
            ++counts[chosen];
            for (std::size_t i : offered) {
                if (i == chosen) {
                    passedOver[i] = 0;
                } else {
                    worstPassedOver = std::max(worstPassedOver, ++passedOver[i]);
                }
            }
        }
        CPPUNIT_ASSERT_MESSAGE("an offered instance was passed over " + std::to_string(worstPassedOver) +
                                   " times in a row",
                               worstPassedOver <= kInstances - 1);
        const double share = static_cast<double>(kCalls) / kInstances;
        for (std::size_t i = 0; i < kInstances; ++i) {
            CPPUNIT_ASSERT_MESSAGE("instance " + std::to_string(i) + " got " + std::to_string(counts[i]),
                                   std::abs(static_cast<double>(counts[i]) - share) <= share * 0.01);
        }
    }

    void testNewInstanceIsPickedNext() {
        RoundRobinPicker picker;
        const Instances inst(3);
        const auto two = inst.candidates({0, 1});
        for (std::size_t n = 0; n < 5; ++n) {
            CPPUNIT_ASSERT_EQUAL(n % 2, pickInstance(picker, inst, two)); // 0 1 0 1 0
        }
        // i2 starts: never picked, so it goes first; then the rotation continues over all three.
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, pickInstance(picker, inst, inst.candidates({0, 1, 2})));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(picker, inst, inst.candidates({2, 1, 0})));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(picker, inst, inst.candidates({0, 2, 1})));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, pickInstance(picker, inst, inst.candidates({1, 0, 2})));
    }

    void testSingleCandidate() {
        RoundRobinPicker picker;
        const Instances inst(1);
        for (int n = 0; n < 10; ++n) {
            CPPUNIT_ASSERT_EQUAL(std::size_t{0}, picker.pick(inst.all()));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, picker.trackedInstances());
        // No candidates breaks the contract: an exception, not an index into nothing.
        CPPUNIT_ASSERT_THROW(picker.pick({}), maelstrom::sdk::InvalidInput);
    }

    // A pick with one candidate is still a turn: an instance that served alone while its peer was busy must
    // not look "least recently picked" once the peer is free again.
    void testLonePicksCountAsTurns() {
        RoundRobinPicker picker;
        const Instances inst(2);
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(picker, inst, inst.all()));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(picker, inst, inst.all()));
        for (int n = 0; n < 3; ++n) {
            CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(picker, inst, inst.candidates({0})));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(picker, inst, inst.all()));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(picker, inst, inst.all()));
    }

    void testForgetDropsState() {
        RoundRobinPicker picker;
        const Instances inst(3);
        for (int n = 0; n < 4; ++n) {
            pickInstance(picker, inst, inst.all()); // 0 1 2 0: i1 is now the least recently picked
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, picker.trackedInstances());
        picker.forget(inst.id(1));
        picker.forget(inst.id(1));   // idempotent
        picker.forget("never-seen"); // unknown ids are ignored
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, picker.trackedInstances());
        // Without i1 the rotation goes on over i0 and i2.
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, pickInstance(picker, inst, inst.candidates({0, 2})));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(picker, inst, inst.candidates({0, 2})));
        // Forgetting everything leaves no state; a later offer starts afresh in offered order.
        for (std::size_t i = 0; i < inst.size(); ++i) {
            picker.forget(inst.id(i));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, picker.trackedInstances());
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, pickInstance(picker, inst, inst.candidates({2, 0, 1})));
    }

    void testPickersAreIndependent() {
        RoundRobinBalancer balancer;
        auto a = balancer.newPicker("a");
        auto b = balancer.newPicker("b");
        CPPUNIT_ASSERT(a && b && a.get() != b.get());
        const Instances inst(3);
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(*a, inst, inst.all()));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pickInstance(*a, inst, inst.all()));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, pickInstance(*b, inst, inst.all()));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, pickInstance(*a, inst, inst.all()));
    }

    // 8 request threads share one picker. Picks are serialized by the picker's lock, so the global sequence
    // is still an exact rotation: the totals per instance differ by at most one.
    void testConcurrentPicksStayFair() {
        constexpr int kThreads = 8;
        constexpr int kPicksPerThread = 100000;
        RoundRobinPicker picker;
        const Instances inst(3);
        std::vector<std::vector<std::size_t>> counts(kThreads, std::vector<std::size_t>(inst.size(), 0));
        std::atomic<bool> bad{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                const auto all = inst.all(); // each thread builds its own candidate list, like request threads
                for (int n = 0; n < kPicksPerThread; ++n) {
                    const std::size_t pos = picker.pick(all);
                    if (pos >= all.size()) {
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
        CPPUNIT_ASSERT_EQUAL(std::size_t{kThreads} * kPicksPerThread, total[0] + total[1] + total[2]);
        CPPUNIT_ASSERT_MESSAGE("per-instance totals " + std::to_string(*lo) + ".." + std::to_string(*hi),
                               *hi - *lo <= 1);
    }

    // Pickers and forgets race (instances come and go while requests are routed): no crash, no out-of-range
    // answer, and the state ends consistent. Mostly a target for the sanitizers.
    void testConcurrentPicksAndForgets() {
        constexpr int kThreads = 4;
        constexpr int kPicksPerThread = 50000;
        RoundRobinPicker picker;
        const Instances inst(6);
        std::atomic<bool> stop{false};
        std::atomic<bool> bad{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                Rng rng(100 + t);
                for (int n = 0; n < kPicksPerThread; ++n) {
                    std::vector<std::size_t> offered;
                    for (std::size_t i = 0; i < inst.size(); ++i) {
                        if (rng.below(2) == 0) {
                            offered.push_back(i);
                        }
                    }
                    if (offered.empty()) {
                        offered.push_back(0);
                    }
                    const auto candidates = inst.candidates(offered);
                    if (picker.pick(candidates) >= candidates.size()) {
                        bad = true;
                    }
                }
            });
        }
        std::thread forgetter([&] {
            Rng rng(5);
            while (!stop) {
                picker.forget(inst.id(rng.below(inst.size())));
                std::this_thread::yield();
            }
        });
        for (auto& th : threads) {
            th.join();
        }
        stop = true;
        forgetter.join();
        CPPUNIT_ASSERT(!bad);
        CPPUNIT_ASSERT(picker.trackedInstances() <= inst.size());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RoundRobinTest);
