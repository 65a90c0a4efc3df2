// data_changes_test.cpp — DataChanges: a subscription ends when its handle is destroyed or reset, ending it
// waits for a call in progress, settle hooks run concurrently for concurrent writers, and a failing subscriber
// does not stop the others.
// SPDX-License-Identifier: Apache-2.0
#include "api/data_changes.h"

#include "test_support.h"

#include <atomic>
#include <chrono>
#include <thread>

using namespace maelstrom::core;

class DataChangesTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DataChangesTest);
    CPPUNIT_TEST(testSubscriptionEndsWithItsHandle);
    CPPUNIT_TEST(testResetWaitsForACallInProgress);
    CPPUNIT_TEST(testSettleHooksRunConcurrently);
    CPPUNIT_TEST(testFailingSubscriberDoesNotStopOthers);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSubscriptionEndsWithItsHandle() {
        DataChanges changes;
        int seen = 0;
        {
            auto subscription = changes.subscribe([&](const ComponentChange&) { ++seen; });
            changes.publish(ComponentChange{});
            CPPUNIT_ASSERT_EQUAL(1, seen);
            DataChanges::Subscription moved = std::move(subscription);
            changes.publish(ComponentChange{});
            CPPUNIT_ASSERT_EQUAL(2, seen);
        }
        changes.publish(ComponentChange{});
        CPPUNIT_ASSERT_EQUAL(2, seen);
        int settled = 0;
        auto hook = changes.onSettle([&] { ++settled; });
        changes.settle();
        hook.reset();
        hook.reset(); // idempotent
        changes.settle();
        CPPUNIT_ASSERT_EQUAL(1, settled);
    }

    void testResetWaitsForACallInProgress() {
        DataChanges changes;
        std::atomic<bool> inside{false};
        std::atomic<bool> finished{false};
        auto target = std::make_unique<int>(0);
        int* raw = target.get();
        auto subscription = changes.subscribe([&, raw](const ComponentChange&) {
            inside = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            *raw += 1; // would be a use after free if reset() did not wait
            finished = true;
        });
        std::thread publisher([&] { changes.publish(ComponentChange{}); });
        while (!inside)
            std::this_thread::yield();
        subscription.reset();
        CPPUNIT_ASSERT(finished.load());
        target.reset();
        publisher.join();
    }

    void testSettleHooksRunConcurrently() {
        DataChanges changes;
        std::atomic<int> running{0};
        std::atomic<int> most{0};
        auto hook = changes.onSettle([&] {
            const int now = ++running;
            int seen = most.load();
            while (now > seen && !most.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            --running;
        });
        std::vector<std::thread> writers;
        for (int i = 0; i < 4; ++i)
            writers.emplace_back([&] { changes.settle(); });
        for (auto& w : writers)
            w.join();
        CPPUNIT_ASSERT(most.load() > 1);
    }

    void testFailingSubscriberDoesNotStopOthers() {
        DataChanges changes;
        int seen = 0;
        auto failing = changes.subscribe([](const ComponentChange&) { throw std::runtime_error("boom"); });
        auto counting = changes.subscribe([&](const ComponentChange&) { ++seen; });
        changes.publish(ComponentChange{});
        CPPUNIT_ASSERT_EQUAL(1, seen);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DataChangesTest);
