// activity_test.cpp — the 20-second activity windows of the original, with an injected time: rollover,
// concurrency = sum of durations / window length, at most 10 windows newest first, long idle gaps.
#include "routing/activity.h"
#include "test_support.h"

using namespace maelstrom;
using namespace maelstrom::core;
using namespace std::chrono_literals;

class ActivityTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ActivityTest);
    CPPUNIT_TEST(testWindowRollsOverAfter20s);
    CPPUNIT_TEST(testAtMostTenNewestFirst);
    CPPUNIT_TEST(testIdleGapAddsEmptyWindows);
    CPPUNIT_TEST(testNegativeDurationCountsRequestOnly);
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
};

CPPUNIT_TEST_SUITE_REGISTRATION(ActivityTest);
