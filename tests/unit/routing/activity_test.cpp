// activity_test.cpp — the 20-second activity windows of the original, with an injected time: rollover,
// concurrency = sum of durations / window length, at most 10 windows newest first, long idle gaps; and the
// in-flight accounting the autoscaler reacts on (the last second's average, the peak over 200 s), also against a
// simple model over seeded random in-flight sequences.
#include "routing/activity.h"
#include "test_support.h"

#include <cmath>
#include <random>
#include <vector>

using namespace maelstrom;
using namespace maelstrom::core;
using namespace std::chrono_literals;

class ActivityTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ActivityTest);
    CPPUNIT_TEST(testWindowRollsOverAfter20s);
    CPPUNIT_TEST(testAtMostTenNewestFirst);
    CPPUNIT_TEST(testIdleGapAddsEmptyWindows);
    CPPUNIT_TEST(testNegativeDurationCountsRequestOnly);
    CPPUNIT_TEST(testRecentConcurrencyAveragesTheLastSecond);
    CPPUNIT_TEST(testPeakConcurrencyRemembersBurstsFor200s);
    CPPUNIT_TEST(testRandomInFlightMatchesAModel);
    CPPUNIT_TEST_SUITE_END();

public:
    void testWindowRollsOverAfter20s() {
        const SteadyTime t0{};
        InstanceActivity a(t0);
        CPPUNIT_ASSERT(!a.lastRequest());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), a.lastRequestUnixMs());
        a.recordCompletion(10s, t0 + 5s);
        a.recordCompletion(20s, t0 + 19s);
        CPPUNIT_ASSERT(a.windows(t0 + 19s).empty()); // the first window is still open
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), a.totalRequests());
        CPPUNIT_ASSERT(a.lastRequest() == t0 + 19s);
        CPPUNIT_ASSERT(a.lastRequestUnixMs() > 0);
        const auto w = a.windows(t0 + 20s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), w.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), w[0].requests);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.5, w[0].concurrency, 1e-9); // (10 + 20) / 20
        // A request finishing in the second window counts there only.
        a.recordCompletion(4s, t0 + 25s);
        const auto w2 = a.windows(t0 + 40s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), w2.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), w2[0].requests);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.2, w2[0].concurrency, 1e-9);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), w2[1].requests);
    }

    void testAtMostTenNewestFirst() {
        const SteadyTime t0{};
        InstanceActivity a(t0);
        for (int i = 0; i < 15; ++i) {
            for (int r = 0; r <= i; ++r) {
                a.recordCompletion(1s, t0 + i * 20s + 1s);
            }
        }
        const auto w = a.windows(t0 + 15 * 20s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), w.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(15), w[0].requests); // newest: window 14 had 15 requests
        CPPUNIT_ASSERT_EQUAL(std::int64_t(6), w[9].requests);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(15.0 / 20.0, w[0].concurrency, 1e-9);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(120), a.totalRequests());
    }

    void testIdleGapAddsEmptyWindows() {
        const SteadyTime t0{};
        InstanceActivity a(t0);
        a.recordCompletion(2s, t0 + 1s);
        auto w = a.windows(t0 + 65s); // windows [0,20) [20,40) [40,60) closed
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), w.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), w[0].requests);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), w[1].requests);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), w[2].requests);
        // Hours of idleness: ten empty windows, and the next request lands in the current window.
        w = a.windows(t0 + 10h);
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), w.size());
        for (const auto& window : w) {
            CPPUNIT_ASSERT_EQUAL(std::int64_t(0), window.requests);
        }
        a.recordCompletion(1s, t0 + 10h + 5s);
        w = a.windows(t0 + 10h + 20s);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), w[0].requests);
    }

    void testNegativeDurationCountsRequestOnly() {
        const SteadyTime t0{};
        InstanceActivity a(t0);
        a.recordCompletion(-5s, t0 + 1s);
        const auto w = a.windows(t0 + 20s);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), w[0].requests);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, w[0].concurrency, 1e-12);
    }

    void testRecentConcurrencyAveragesTheLastSecond() {
        const SteadyTime t0{};
        InstanceActivity a(t0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, a.recentConcurrency(t0), 1e-9);
        a.setInFlight(4, t0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(4.0, a.recentConcurrency(t0 + 300ms), 1e-9); // young: its whole life counts
        CPPUNIT_ASSERT_DOUBLES_EQUAL(4.0, a.recentConcurrency(t0 + 5s), 1e-9);
        a.setInFlight(0, t0 + 5s);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(2.0, a.recentConcurrency(t0 + 5500ms), 1e-9); // half the last second busy
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, a.recentConcurrency(t0 + 6100ms), 1e-9);
    }

    void testPeakConcurrencyRemembersBurstsFor200s() {
        const SteadyTime t0{};
        InstanceActivity a(t0);
        a.setInFlight(3, t0 + 10s);
        a.setInFlight(0, t0 + 12s);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(3.0, a.peakConcurrency(t0 + 20s), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(3.0, a.peakConcurrency(t0 + 200s), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, a.peakConcurrency(t0 + 215s), 1e-9); // beyond the stability window
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, a.recentConcurrency(t0 + 215s), 1e-9);
        // A gap far longer than the history costs nothing and leaves nothing behind.
        a.setInFlight(1, t0 + 100000s);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, a.recentConcurrency(t0 + 100002s), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, a.peakConcurrency(t0 + 100002s), 1e-9);
    }

    /// Random in-flight changes at random times; the model integrates the step function exactly over the last
    /// second. The accounting must agree wherever the second starts on a slot boundary, and stay within one slot's
    /// worth of error elsewhere.
    void testRandomInFlightMatchesAModel() {
        const std::uint64_t seed = testing::testSeed();
        std::mt19937_64 random(seed);
        const SteadyTime t0{};
        InstanceActivity a(t0);
        std::vector<std::pair<SteadyTime, std::int64_t>> steps{{t0, 0}};
        auto modelAverage = [&](SteadyTime from, SteadyTime to) {
            double busy = 0;
            for (std::size_t i = 0; i < steps.size(); ++i) {
                const SteadyTime begin = std::max(from, steps[i].first);
                const SteadyTime end = std::min(to, i + 1 < steps.size() ? steps[i + 1].first : to);
                if (end > begin) {
                    busy += static_cast<double>(steps[i].second) * std::chrono::duration<double>(end - begin).count();
                }
            }
            return busy / std::chrono::duration<double>(to - from).count();
        };
        SteadyTime t = t0;
        std::int64_t maxInFlight = 0;
        for (int i = 0; i < 400; ++i) {
            t += std::chrono::milliseconds(random() % 700);
            const auto inFlight = static_cast<std::int64_t>(random() % 6);
            a.setInFlight(inFlight, t);
            steps.emplace_back(t, inFlight);
            maxInFlight = std::max(maxInFlight, inFlight);
            if (t - t0 < 2s || random() % 4 != 0) {
                continue;
            }
            const SteadyTime at = t + std::chrono::milliseconds(random() % 300);
            const double expected = modelAverage(at - kRecentConcurrencyWindow, at);
            const double got = a.recentConcurrency(at);
            // The oldest slot is prorated uniformly: at most one slot of the maximum count off.
            CPPUNIT_ASSERT_MESSAGE("seed " + std::to_string(seed) + " (MAELSTROM_TEST_SEED replays it): recent " +
                                       std::to_string(got) + ", model " + std::to_string(expected),
                                   std::abs(got - expected) <= 5.0 * 0.25 + 1e-9);
            const double peak = a.peakConcurrency(at);
            CPPUNIT_ASSERT_MESSAGE("seed " + std::to_string(seed) + ": peak " + std::to_string(peak) +
                                       " below recent " + std::to_string(got),
                                   peak + 1e-9 >= got);
            CPPUNIT_ASSERT_MESSAGE("seed " + std::to_string(seed) + ": peak " + std::to_string(peak) +
                                       " above the largest in-flight count " + std::to_string(maxInFlight),
                                   peak <= static_cast<double>(maxInFlight) + 1e-9);
            // Time only moves forward in the model; the next change comes after this reading.
            t = at;
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ActivityTest);
