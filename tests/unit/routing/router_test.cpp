// router_test.cpp — the per-component router: slot caps under contention, FIFO service, deadlines, the queue
// bound, the soft limit, cold-start requests, many waiters served when an instance arrives, drain on removal,
// local-only windows for relayed requests, and activity windows fed by leases (injected clock).
#include "round_robin.h"
#include "routing/router.h"
#include "routing/router_registry.h"
#include "test_support.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

using namespace maelstrom;
using namespace maelstrom::core;
using namespace std::chrono_literals;

namespace {

class CountingStarter final : public ColdStarter {
public:
    void requestStart(const std::string& component) override {
        std::lock_guard lock(mutex_);
        ++count_;
        last_ = component;
    }
    int count() const {
        std::lock_guard lock(mutex_);
        return count_;
    }
    std::string last() const {
        std::lock_guard lock(mutex_);
        return last_;
    }

private:
    mutable std::mutex mutex_;
    int count_ = 0;
    std::string last_;
};

std::shared_ptr<Router> makeRouter(std::weak_ptr<ColdStarter> starter = {}, RouterSettings settings = {},
                                   Router::Clock clock = nullptr) {
    return std::make_shared<Router>("web", std::make_unique<plugins::round_robin::RoundRobinPicker>(), starter,
                                    settings, std::move(clock));
}

InstanceSpec instance(const std::string& id, std::int64_t capacity, bool remote = false) {
    InstanceSpec spec;
    spec.id = id;
    spec.endpoint = "http://127.0.0.1:1/" + id;
    spec.capacity = capacity;
    spec.remote = remote;
    return spec;
}

AcquireOptions within(std::chrono::milliseconds wait) {
    AcquireOptions options;
    options.deadline = SteadyClock::now() + wait;
    return options;
}

/// Polls until `condition` holds (generous limit: the machine is shared).
void waitFor(const std::function<bool()>& condition, const char* what) {
    const auto limit = SteadyClock::now() + 60s;
    while (!condition()) {
        if (SteadyClock::now() > limit) {
            CPPUNIT_FAIL(std::string("timed out waiting for ") + what);
        }
        std::this_thread::sleep_for(1ms);
    }
}

} // namespace

class RouterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RouterTest);
    CPPUNIT_TEST(testHelpers);
    CPPUNIT_TEST(testCapacityHoldsUnder64Threads);
    CPPUNIT_TEST(testFifoOrder);
    CPPUNIT_TEST(testDeadlineTimeout);
    CPPUNIT_TEST(testQueueBound);
    CPPUNIT_TEST(testSoftLimitHasNoCap);
    CPPUNIT_TEST(testColdStartRequestedOnceWhilePending);
    CPPUNIT_TEST(testColdStartRetriedAndOffAfterTimeout);
    CPPUNIT_TEST(testThousandWaitersServedWhenInstanceArrives);
    CPPUNIT_TEST(testRemoveInstanceDrains);
    CPPUNIT_TEST(testHandlerCountForEventSources);
    CPPUNIT_TEST(testRemovingLastInstanceWithWaitersAsksForStart);
    CPPUNIT_TEST(testLocalOnlyWindow);
    CPPUNIT_TEST(testSetCapacityServesWaiters);
    CPPUNIT_TEST(testActivityWindowsFromLeases);
    CPPUNIT_TEST(testRegistry);
    CPPUNIT_TEST(testAsyncAcquireSharesTheFifo);
    CPPUNIT_TEST(testAsyncAcquireDeadlineColdStartAndCancel);
    CPPUNIT_TEST_SUITE_END();

public:
    void testHelpers() {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), instanceCapacity(0, false));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), instanceCapacity(-3, false));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), instanceCapacity(7, false));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), instanceCapacity(7, true));
        const SteadyTime t0{};
        CPPUNIT_ASSERT(requestDeadline(t0, 0) == t0 + 300s);
        CPPUNIT_ASSERT(requestDeadline(t0, -1) == t0 + 300s);
        CPPUNIT_ASSERT(requestDeadline(t0, 5) == t0 + 5s);
        CPPUNIT_ASSERT_EQUAL(std::string("gateway: Timeout proxying component: web"), timeoutBody("web"));
    }

    void testCapacityHoldsUnder64Threads() {
        auto router = makeRouter();
        const std::map<std::string, std::int64_t> caps = {{"a", 1}, {"b", 2}, {"c", 3}};
        std::map<std::string, std::atomic<int>> current;
        std::map<std::string, std::atomic<int>> peak;
        for (const auto& [id, cap] : caps) {
            router->addInstance(instance(id, cap));
            current[id] = 0;
            peak[id] = 0;
        }
        std::atomic<int> served{0};
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 64; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 20; ++i) {
                    auto result = router->acquire(within(120s));
                    if (result.status != AcquireStatus::Acquired) {
                        ++failures;
                        continue;
                    }
                    const auto& id = result.lease.instanceId();
                    const int now = ++current.at(id);
                    int seen = peak.at(id).load();
                    while (now > seen && !peak.at(id).compare_exchange_weak(seen, now)) {
                    }
                    std::this_thread::yield();
                    --current.at(id);
                    ++served;
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        CPPUNIT_ASSERT_EQUAL(0, failures.load());
        CPPUNIT_ASSERT_EQUAL(64 * 20, served.load());
        for (const auto& [id, cap] : caps) {
            CPPUNIT_ASSERT_MESSAGE("instance " + id + " exceeded its capacity", peak.at(id).load() <= cap);
            CPPUNIT_ASSERT(peak.at(id).load() >= 1);
        }
        const auto activity = router->activity();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(64 * 20), activity.totalRequests);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), activity.inFlight);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), activity.queued);
    }

    void testFifoOrder() {
        auto router = makeRouter();
        router->addInstance(instance("a", 1));
        auto holder = router->acquire(within(10s));
        CPPUNIT_ASSERT(holder.status == AcquireStatus::Acquired);
        std::mutex orderMutex;
        std::vector<int> order;
        std::vector<std::thread> threads;
        const int n = 24;
        for (int i = 0; i < n; ++i) {
            threads.emplace_back([&, i] {
                auto result = router->acquire(within(120s));
                if (result.status == AcquireStatus::Acquired) {
                    std::lock_guard lock(orderMutex);
                    order.push_back(i);
                }
            });
            // Arrival order is made certain by waiting for each one to queue before starting the next.
            waitFor([&] { return router->activity().queued == i + 1; }, "waiter to queue");
        }
        holder.lease.release();
        for (auto& thread : threads) {
            thread.join();
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(n), order.size());
        for (int i = 0; i < n; ++i) {
            CPPUNIT_ASSERT_EQUAL(i, order[i]);
        }
    }

    void testDeadlineTimeout() {
        auto router = makeRouter();
        router->addInstance(instance("a", 1));
        auto holder = router->acquire(within(10s));
        const auto started = SteadyClock::now();
        auto result = router->acquire(within(150ms));
        CPPUNIT_ASSERT(result.status == AcquireStatus::Timeout);
        CPPUNIT_ASSERT(!result.lease);
        CPPUNIT_ASSERT(SteadyClock::now() - started >= 150ms);
        const auto activity = router->activity();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), activity.timeouts);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), activity.queued);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), activity.inFlight);
        // A deadline already passed fails at once.
        AcquireOptions past;
        past.deadline = SteadyClock::now() - 1s;
        CPPUNIT_ASSERT(router->acquire(past).status == AcquireStatus::Timeout);
    }

    void testQueueBound() {
        RouterSettings settings;
        settings.maxQueued = 2;
        auto router = makeRouter({}, settings);
        router->addInstance(instance("a", 1));
        auto holder = router->acquire(within(10s));
        std::atomic<int> served{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 2; ++i) {
            threads.emplace_back([&] {
                if (router->acquire(within(120s)).status == AcquireStatus::Acquired) {
                    ++served;
                }
            });
        }
        waitFor([&] { return router->activity().queued == 2; }, "two waiters");
        const auto started = SteadyClock::now();
        auto refused = router->acquire(within(30s));
        CPPUNIT_ASSERT(refused.status == AcquireStatus::QueueFull);
        CPPUNIT_ASSERT(SteadyClock::now() - started < 10s); // at once, not at the deadline
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), router->activity().rejected);
        holder.lease.release();
        for (auto& thread : threads) {
            thread.join();
        }
        CPPUNIT_ASSERT_EQUAL(2, served.load());
        // Without waiters the bound does not refuse anyone.
        CPPUNIT_ASSERT(router->acquire(within(10s)).status == AcquireStatus::Acquired);
    }

    void testSoftLimitHasNoCap() {
        auto router = makeRouter();
        router->addInstance(instance("a", instanceCapacity(1, true)));
        std::vector<Lease> leases;
        for (int i = 0; i < 200; ++i) {
            auto result = router->acquire(within(5s));
            CPPUNIT_ASSERT(result.status == AcquireStatus::Acquired);
            leases.push_back(std::move(result.lease));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(200), router->activity().instances.at(0).inFlight);
        leases.clear();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), router->activity().inFlight);
    }

    void testColdStartRequestedOnceWhilePending() {
        const auto starter = std::make_shared<CountingStarter>();
        RouterSettings settings;
        settings.coldStartRetry = std::chrono::hours(1);
        auto router = makeRouter(starter, settings);
        std::atomic<int> served{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 10; ++i) {
            threads.emplace_back([&] {
                if (router->acquire(within(120s)).status == AcquireStatus::Acquired) {
                    ++served;
                }
            });
        }
        waitFor([&] { return router->activity().queued == 10; }, "ten waiters");
        CPPUNIT_ASSERT_EQUAL(1, starter->count());
        CPPUNIT_ASSERT_EQUAL(std::string("web"), starter->last());
        CPPUNIT_ASSERT(router->activity().pending);
        router->addInstance(instance("a", 3));
        for (auto& thread : threads) {
            thread.join();
        }
        CPPUNIT_ASSERT_EQUAL(10, served.load());
        CPPUNIT_ASSERT_EQUAL(1, starter->count());
        CPPUNIT_ASSERT(!router->activity().pending);
    }

    void testColdStartRetriedAndOffAfterTimeout() {
        const auto starter = std::make_shared<CountingStarter>();
        RouterSettings settings;
        settings.coldStartRetry = 50ms;
        auto router = makeRouter(starter, settings);
        CPPUNIT_ASSERT(router->acquire(within(400ms)).status == AcquireStatus::Timeout);
        const int afterFirst = starter->count();
        CPPUNIT_ASSERT(afterFirst >= 2); // at once, then again every 50 ms while pending
        CPPUNIT_ASSERT(afterFirst <= 9);
        CPPUNIT_ASSERT(!router->activity().pending); // nobody waits: "off"
        // The next request after "off" asks again at once.
        CPPUNIT_ASSERT(router->acquire(within(10ms)).status == AcquireStatus::Timeout);
        CPPUNIT_ASSERT(starter->count() > afterFirst);
    }

    void testThousandWaitersServedWhenInstanceArrives() {
        const auto starter = std::make_shared<CountingStarter>();
        RouterSettings settings;
        settings.coldStartRetry = std::chrono::hours(1);
        auto router = makeRouter(starter, settings);
        const int n = 1000;
        std::atomic<int> served{0};
        std::vector<std::thread> threads;
        threads.reserve(n);
        for (int i = 0; i < n; ++i) {
            threads.emplace_back([&] {
                if (router->acquire(within(240s)).status == AcquireStatus::Acquired) {
                    ++served;
                }
            });
        }
        waitFor([&] { return router->activity().queued == n; }, "1000 waiters");
        CPPUNIT_ASSERT_EQUAL(1, starter->count());
        router->addInstance(instance("a", 4));
        for (auto& thread : threads) {
            thread.join();
        }
        CPPUNIT_ASSERT_EQUAL(n, served.load());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(n), router->activity().totalRequests);
        CPPUNIT_ASSERT_EQUAL(1, starter->count());
    }

    // Queue pollers are sized from this: each instance counts its slots, an unlimited one counts 1, removed ones
    // nothing; an unknown component has none.
    void testHandlerCountForEventSources() {
        RouterRegistry registry(nullptr, {});
        RouterCapacity capacity(registry);
        CPPUNIT_ASSERT_EQUAL(0, capacity.handlerCount("c"));
        auto router = registry.byComponent("c");
        CPPUNIT_ASSERT_EQUAL(0, capacity.handlerCount("c"));
        router->addInstance(instance("a", 3));
        router->addInstance(instance("b", 0));
        router->addInstance(instance("r", 4));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8), router->handlerCount());
        CPPUNIT_ASSERT_EQUAL(8, capacity.handlerCount("c"));
        CPPUNIT_ASSERT(router->removeInstance("r"));
        CPPUNIT_ASSERT_EQUAL(4, capacity.handlerCount("c"));
        CPPUNIT_ASSERT_EQUAL(0, capacity.handlerCount("other"));
        // Without a cluster view this node is alone; a view's count is passed on, never below 1.
        CPPUNIT_ASSERT_EQUAL(1, capacity.nodeCount());
        std::size_t nodes = 3;
        RouterCapacity clustered(registry, [&nodes] { return nodes; });
        CPPUNIT_ASSERT_EQUAL(3, clustered.nodeCount());
        nodes = 0;
        CPPUNIT_ASSERT_EQUAL(1, clustered.nodeCount());
    }

    void testRemoveInstanceDrains() {
        auto router = makeRouter();
        router->addInstance(instance("a", 1));
        router->addInstance(instance("b", 1));
        auto first = router->acquire(within(5s));
        CPPUNIT_ASSERT(first.status == AcquireStatus::Acquired);
        const std::string gone = first.lease.instanceId();
        const std::string other = gone == "a" ? "b" : "a";
        CPPUNIT_ASSERT(router->removeInstance(gone));
        CPPUNIT_ASSERT(!router->removeInstance(gone));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), router->instanceCount());
        CPPUNIT_ASSERT(!router->waitDrained(gone, SteadyClock::now() + 50ms)); // still in flight
        auto snapshot = router->activity();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), snapshot.instances.size());
        CPPUNIT_ASSERT(snapshot.instances.at(1).draining);
        // New requests go to the remaining instance only.
        auto second = router->acquire(within(5s));
        CPPUNIT_ASSERT(second.status == AcquireStatus::Acquired);
        CPPUNIT_ASSERT_EQUAL(other, second.lease.instanceId());
        // The in-flight request finishes; drain completes (from another thread, while we wait).
        std::thread finisher([&] {
            std::this_thread::sleep_for(20ms);
            first.lease.release();
        });
        CPPUNIT_ASSERT(router->waitDrained(gone, SteadyClock::now() + 60s));
        finisher.join();
        CPPUNIT_ASSERT(router->waitDrained("never-existed", SteadyClock::now()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), router->activity().instances.size());
    }

    void testRemovingLastInstanceWithWaitersAsksForStart() {
        const auto starter = std::make_shared<CountingStarter>();
        RouterSettings settings;
        settings.coldStartRetry = std::chrono::hours(1);
        auto router = makeRouter(starter, settings);
        router->addInstance(instance("a", 1));
        auto holder = router->acquire(within(5s));
        std::atomic<bool> served{false};
        std::thread waiter([&] { served = router->acquire(within(120s)).status == AcquireStatus::Acquired; });
        waitFor([&] { return router->activity().queued == 1; }, "a waiter");
        CPPUNIT_ASSERT_EQUAL(0, starter->count());
        router->removeInstance("a");
        CPPUNIT_ASSERT_EQUAL(1, starter->count());
        CPPUNIT_ASSERT(router->activity().pending);
        holder.lease.release(); // the removed instance's slot does not go to the waiter
        CPPUNIT_ASSERT(!served.load());
        router->addInstance(instance("b", 1));
        waiter.join();
        CPPUNIT_ASSERT(served.load());
    }

    void testLocalOnlyWindow() {
        auto router = makeRouter();
        router->addInstance(instance("local", 1));
        router->addInstance(instance("peer", 1, true));
        auto holder = router->acquire(within(5s)); // round-robin: the first offered, "local"
        CPPUNIT_ASSERT_EQUAL(std::string("local"), holder.lease.instanceId());
        AcquireOptions relayed = within(30s);
        relayed.localOnlyUntil = SteadyClock::now() + 200ms;
        const auto started = SteadyClock::now();
        auto result = router->acquire(relayed);
        CPPUNIT_ASSERT(result.status == AcquireStatus::Acquired);
        CPPUNIT_ASSERT_EQUAL(std::string("peer"), result.lease.instanceId());
        CPPUNIT_ASSERT(result.lease.remote());
        CPPUNIT_ASSERT(SteadyClock::now() - started >= 200ms);
        CPPUNIT_ASSERT(result.lease.waited() >= 200ms);
        CPPUNIT_ASSERT(holder.lease.waited() < 200ms);
        result.lease.release();
        // A local slot freeing inside the window is taken at once.
        relayed.localOnlyUntil = SteadyClock::now() + 60s;
        std::thread releaser([&] {
            waitFor([&] { return router->activity().queued == 1; }, "relayed waiter");
            holder.lease.release();
        });
        auto local = router->acquire(relayed);
        releaser.join();
        CPPUNIT_ASSERT(local.status == AcquireStatus::Acquired);
        CPPUNIT_ASSERT_EQUAL(std::string("local"), local.lease.instanceId());
    }

    void testSetCapacityServesWaiters() {
        auto router = makeRouter();
        router->addInstance(instance("a", 1));
        auto holder = router->acquire(within(5s));
        std::atomic<bool> served{false};
        std::thread waiter([&] { served = router->acquire(within(120s)).status == AcquireStatus::Acquired; });
        waitFor([&] { return router->activity().queued == 1; }, "a waiter");
        CPPUNIT_ASSERT(router->setCapacity("a", 2));
        waiter.join();
        CPPUNIT_ASSERT(served.load());
        CPPUNIT_ASSERT(!router->setCapacity("zz", 2));
    }

    void testActivityWindowsFromLeases() {
        std::atomic<std::int64_t> offsetMs{0};
        const SteadyTime base = SteadyClock::now();
        auto clock = [&] { return base + std::chrono::milliseconds(offsetMs.load()); };
        auto router = makeRouter({}, {}, clock);
        router->addInstance(instance("a", 2));
        {
            auto l1 = router->acquire(within(5s));
            auto l2 = router->acquire(within(5s));
            CPPUNIT_ASSERT_EQUAL(std::int64_t(2), router->activity().inFlight);
            offsetMs = 10000; // both take 10 s
        }
        {
            AcquireOptions early = within(5s);
            early.start = base + 1s; // gateway start time: queue wait counts
            auto l3 = router->acquire(early);
            offsetMs = 15000;
        }
        auto snapshot = router->activity();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), snapshot.totalRequests);
        CPPUNIT_ASSERT(snapshot.lastRequest == base + 15s);
        CPPUNIT_ASSERT(snapshot.instances.at(0).activity.empty());
        offsetMs = 20000;
        snapshot = router->activity();
        const auto& inst = snapshot.instances.at(0);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), inst.totalRequests);
        CPPUNIT_ASSERT(inst.lastRequestUnixMs > 0);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), inst.activity.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), inst.activity[0].requests);
        CPPUNIT_ASSERT_DOUBLES_EQUAL((10.0 + 10.0 + 14.0) / 20.0, inst.activity[0].concurrency, 1e-6);
        offsetMs = 40000;
        snapshot = router->activity();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), snapshot.instances.at(0).activity.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), snapshot.instances.at(0).activity[0].requests);
    }

    void testRegistry() {
        const auto starter = std::make_shared<CountingStarter>();
        RouterRegistry registry(std::make_shared<plugins::round_robin::RoundRobinBalancer>(), starter);
        CPPUNIT_ASSERT(!registry.find("web"));
        auto router = registry.byComponent("web");
        CPPUNIT_ASSERT(router == registry.byComponent("web"));
        CPPUNIT_ASSERT(router == registry.find("web"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), registry.all().size());
        router->addInstance(instance("a", 1));
        CPPUNIT_ASSERT(!registry.removeIfIdle("web"));
        CPPUNIT_ASSERT(registry.byComponent("other")->acquire(within(10ms)).status == AcquireStatus::Timeout);
        CPPUNIT_ASSERT_EQUAL(std::string("other"), starter->last());
        router->removeInstance("a");
        CPPUNIT_ASSERT(registry.removeIfIdle("web"));
        CPPUNIT_ASSERT(!registry.find("web"));
        // A registry without a balancer picks the first free instance.
        RouterRegistry plain(nullptr, {});
        auto r = plain.byComponent("x");
        r->addInstance(instance("a", 1));
        CPPUNIT_ASSERT(r->acquire(within(1s)).status == AcquireStatus::Acquired);
    }

    void testAsyncAcquireSharesTheFifo() {
        // Asynchronous and blocking waiters queue in one FIFO; a grant calls the async waiter's wake function.
        auto router = makeRouter();
        router->addInstance(instance("a", 1));
        AcquireResult held = router->acquire(within(1s));
        CPPUNIT_ASSERT(held.status == AcquireStatus::Acquired);
        std::atomic<int> wakesFirst{0};
        std::atomic<int> wakesThird{0};
        AsyncAcquire first(router, within(10s), [&] { ++wakesFirst; });
        std::atomic<bool> secondDone{false};
        std::thread second([&] {
            AcquireResult r = router->acquire(within(10s));
            CPPUNIT_ASSERT(r.status == AcquireStatus::Acquired);
            secondDone = true;
            std::this_thread::sleep_for(50ms);
        });
        waitFor([&] { return router->activity().queued == 2; }, "two waiters");
        AsyncAcquire third(router, within(10s), [&] { ++wakesThird; });
        SteadyTime wakeAt;
        CPPUNIT_ASSERT(!first.poll(wakeAt));
        CPPUNIT_ASSERT(wakeAt > SteadyClock::now());
        held.lease.release();
        CPPUNIT_ASSERT_EQUAL(1, wakesFirst.load());
        auto got = first.poll(wakeAt);
        CPPUNIT_ASSERT(got && got->status == AcquireStatus::Acquired);
        CPPUNIT_ASSERT(!secondDone);
        got->lease.release(); // the blocking waiter is next, then the third
        second.join();
        CPPUNIT_ASSERT(secondDone);
        waitFor([&] { return wakesThird.load() == 1; }, "the third waiter woken");
        auto last = third.poll(wakeAt);
        CPPUNIT_ASSERT(last && last->status == AcquireStatus::Acquired);
        CPPUNIT_ASSERT(last->lease.waited() > 0ms);
    }

    void testAsyncAcquireDeadlineColdStartAndCancel() {
        const auto starter = std::make_shared<CountingStarter>();
        RouterSettings settings;
        settings.maxQueued = 2;
        auto router = makeRouter(starter, settings);
        std::atomic<int> wakes{0};
        {
            // No instance: a cold start is requested at once; poll names the deadline; then Timeout.
            AsyncAcquire waiting(router, within(100ms), [&] { ++wakes; });
            CPPUNIT_ASSERT_EQUAL(1, starter->count());
            SteadyTime wakeAt;
            CPPUNIT_ASSERT(!waiting.poll(wakeAt));
            std::this_thread::sleep_until(wakeAt);
            auto result = waiting.poll(wakeAt);
            CPPUNIT_ASSERT(result && result->status == AcquireStatus::Timeout);
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, router->activity().queued);
        {
            // The queue bound refuses at once; a cancelled waiter leaves the queue and gets nothing.
            AsyncAcquire one(router, within(10s), [&] { ++wakes; });
            AsyncAcquire two(router, within(10s), [&] { ++wakes; });
            AsyncAcquire full(router, within(10s), [&] { ++wakes; });
            SteadyTime wakeAt;
            auto refused = full.poll(wakeAt);
            CPPUNIT_ASSERT(refused && refused->status == AcquireStatus::QueueFull);
            one.cancel();
            CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, router->activity().queued);
            auto cancelled = one.poll(wakeAt);
            CPPUNIT_ASSERT(cancelled && cancelled->status == AcquireStatus::Timeout);
            // Granted but never collected (the request went away): destroying it gives the slot back.
            router->addInstance(instance("a", 1));
            CPPUNIT_ASSERT_EQUAL(1, wakes.load());
            CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, router->activity().inFlight);
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, router->activity().inFlight);
        AcquireResult again = router->acquire(within(1s));
        CPPUNIT_ASSERT(again.status == AcquireStatus::Acquired);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouterTest);
