// sqs_driver_test.cpp — the sqs driver against a fake SQS on fake time: queue priority, back-pressure, delete only
// on 200, pause-seconds, poller sizing and roles over two nodes, disable and shutdown latency, idleness, missing
// queues, AWS errors (backoff, rate-limited warnings, missing credentials), changed sources.
// SPDX-License-Identifier: Apache-2.0
#include "sqs_test_support.h"

#include <maelstrom/sdk/errors.h>

#include <cppunit/extensions/HelperMacros.h>

#include <thread>

using namespace std::chrono_literals;
using maelstrom::testing::FakeClock;
using namespace maelstrom::testing::sqs;
namespace sdk = maelstrom::sdk;
namespace aws = maelstrom::aws;
namespace plugin = maelstrom::plugins::sqs;

namespace {

std::set<std::string> roleSet(std::initializer_list<const char*> roles) {
    return std::set<std::string>(roles.begin(), roles.end());
}

std::string join(const std::set<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : " ") + item;
    }
    return out;
}

std::vector<std::string> roleIds(const std::vector<plugin::PollerRole>& roles) {
    std::vector<std::string> out;
    for (const auto& role : roles) {
        out.push_back(role.roleId + "/" + std::to_string(role.concurrency));
    }
    return out;
}

/// Real-time wait for `done` (10 ms steps, up to `limit`).
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    const auto end = Steady::now() + limit;
    while (Steady::now() < end) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    }
    return done();
}

} // namespace

class SqsDriverTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SqsDriverTest);
    CPPUNIT_TEST(testPollerRolesUseSqsDefaults);
    CPPUNIT_TEST(testPauseHeaderAndDefaults);
    CPPUNIT_TEST(testIdleDriverNeverCallsTheFactory);
    CPPUNIT_TEST(testPriorityAcrossPrefixedQueues);
    CPPUNIT_TEST(testBackPressure);
    CPPUNIT_TEST(testDeleteOnlyOn200);
    CPPUNIT_TEST(testPauseSeconds);
    CPPUNIT_TEST(testPollersFollowHandlerCount);
    CPPUNIT_TEST(testRolesSpreadOverTwoNodes);
    CPPUNIT_TEST(testRolesSpreadEvenlyOverTwoNodes);
    CPPUNIT_TEST(testRoleHeldElsewhereStopsThePoller);
    CPPUNIT_TEST(testDisableStopsPollingWithinOneSecond);
    CPPUNIT_TEST(testShutdownIsPromptAndFinishesWork);
    CPPUNIT_TEST(testMissingQueueWarnsOncePerChange);
    CPPUNIT_TEST(testAwsErrorsBackOffAndAreRateLimited);
    CPPUNIT_TEST(testNoCredentialsIsLoggedClearly);
    CPPUNIT_TEST(testChangedSourceRestartsItsPollers);
    CPPUNIT_TEST_SUITE_END();

public:
    // The sizing itself is queue_pollers::pollerRoles (tests/unit/queue-pollers); here what the sqs source gives it.
    void testPollerRolesUseSqsDefaults() {
        auto source = sqsSource("es", "jobs");
        using V = std::vector<std::string>;
        // Nothing set: concurrencyPerPoller 1 (messagesPerPoll's default), maxConcurrency 10.
        CPPUNIT_ASSERT(roleIds(plugin::pollerRoles(source, 3)) ==
                       (V{"aws-sqs-es-0-1/1", "aws-sqs-es-1-1/1", "aws-sqs-es-2-1/1"}));
        CPPUNIT_ASSERT_EQUAL(std::size_t{10}, plugin::pollerRoles(source, 25).size());
        source.sqs->maxConcurrency = 5;
        CPPUNIT_ASSERT_EQUAL(std::size_t{5}, plugin::pollerRoles(source, 25).size());
        source.sqs->maxConcurrency = 0;
        source.sqs->concurrencyPerPoller = 4;
        CPPUNIT_ASSERT(roleIds(plugin::pollerRoles(source, 10)) ==
                       (V{"aws-sqs-es-0-4/4", "aws-sqs-es-1-4/4", "aws-sqs-es-2-2/2"}));
        // concurrencyPerPoller defaults to messagesPerPoll.
        source.sqs->concurrencyPerPoller = 0;
        source.sqs->messagesPerPoll = 3;
        CPPUNIT_ASSERT(roleIds(plugin::pollerRoles(source, 10)) ==
                       (V{"aws-sqs-es-0-3/3", "aws-sqs-es-1-3/3", "aws-sqs-es-2-3/3", "aws-sqs-es-3-1/1"}));
    }

    void testPauseHeaderAndDefaults() {
        using H = std::vector<sdk::NameValue>;
        CPPUNIT_ASSERT_EQUAL(std::int64_t{5}, plugin::pauseSeconds(H{{"pause-seconds", "5"}}));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{7}, plugin::pauseSeconds(H{{"Pause-Seconds", " 7 "}}));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, plugin::pauseSeconds(H{{"pause-seconds", "soon"}}));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, plugin::pauseSeconds(H{{"pause-seconds", "-3"}}));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, plugin::pauseSeconds(H{{"pause-seconds", "0"}}));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, plugin::pauseSeconds(H{{"pause-seconds", "5s"}}));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, plugin::pauseSeconds(H{{"x-pause-seconds", "5"}}));
        CPPUNIT_ASSERT_EQUAL(plugin::kMaxPauseSeconds,
                             plugin::pauseSeconds(H{{"pause-seconds", "99999999999999999999999"}}));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{2}, plugin::pauseSeconds(H{{"pause-seconds", "9"}, {"pause-seconds", "2"}}));
        sdk::SqsEventSource sqs;
        CPPUNIT_ASSERT_EQUAL(1, plugin::messagesPerReceive(sqs));
        sqs.messagesPerPoll = 5;
        CPPUNIT_ASSERT_EQUAL(5, plugin::messagesPerReceive(sqs));
        sqs.messagesPerPoll = 20;
        CPPUNIT_ASSERT_EQUAL(10, plugin::messagesPerReceive(sqs));
        CPPUNIT_ASSERT_EQUAL(300, plugin::visibilityTimeoutSeconds(sqs));
        sqs.visibilityTimeout = 30;
        CPPUNIT_ASSERT_EQUAL(30, plugin::visibilityTimeoutSeconds(sqs));
    }

    void testIdleDriverNeverCallsTheFactory() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        auto capacity = std::make_shared<FakeCapacity>();
        SqsNode node("a", clock, sqs, table, capacity);
        node.driver->update({});
        for (int i = 0; i < 3; ++i) {
            CPPUNIT_ASSERT(node.waitForReload(clock));
        }
        // A non-sqs source and an sqs source without a queue name do not wake it either.
        auto cron = sqsSource("tick", "q");
        cron.sqs.reset();
        cron.cron = sdk::CronEventSource{};
        node.driver->update({cron, sqsSource("noname", "")});
        CPPUNIT_ASSERT(node.waitForReload(clock));
        CPPUNIT_ASSERT_EQUAL(0, node.factoryCalls->load());
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, sqs.lookups());
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, table.calls());
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, capacity->calls());

        sqs.createQueue("jobs");
        node.driver->update({sqsSource("es", "jobs")});
        CPPUNIT_ASSERT(eventually([&] { return node.roles() == roleSet({"aws-sqs-es-0-1"}); }));
        // One client for lookups and receives, one for deletes.
        CPPUNIT_ASSERT_EQUAL(2, node.factoryCalls->load());
    }

    void testPriorityAcrossPrefixedQueues() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        SqsNode node("a", clock, sqs, table, std::make_shared<FakeCapacity>());
        for (const auto* name : {"jobs-3", "jobs-1", "jobs-2", "other"}) {
            sqs.createQueue(name);
        }
        for (int q = 3; q >= 1; --q) {
            for (int i = 0; i < 3; ++i) {
                sqs.send("jobs-" + std::to_string(q), std::to_string(q) + "-" + std::to_string(i));
            }
        }
        sqs.send("other", "other");
        node.driver->update({sqsSource("es", "jobs-", true)});
        CPPUNIT_ASSERT(eventually([&] { return sqs.deletedCount() == 9; }));
        using V = std::vector<std::string>;
        CPPUNIT_ASSERT(node.invoker->bodies() == (V{"1-0", "1-1", "1-2", "2-0", "2-1", "2-2", "3-0", "3-1", "3-2"}));
        const auto pollers = node.driver->pollers();
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, pollers.size());
        CPPUNIT_ASSERT(pollers[0].queues ==
                       (V{FakeSqs::urlOf("jobs-1"), FakeSqs::urlOf("jobs-2"), FakeSqs::urlOf("jobs-3")}));

        // While it drains the lowest-priority queue it goes back to the first one every 15 s.
        node.invoker->setHandler([&](const sdk::InvokeRequest& request) {
            if (request.body == "3-late-1") {
                sqs.send("jobs-1", "1-urgent");
                clock.advance(16s);
            }
            return answer(200);
        });
        for (int i = 0; i < 5; ++i) {
            sqs.send("jobs-3", "3-late-" + std::to_string(i));
        }
        CPPUNIT_ASSERT(eventually([&] { return sqs.deletedCount() == 15; }));
        auto bodies = node.invoker->bodies();
        bodies.erase(bodies.begin(), bodies.begin() + 9);
        CPPUNIT_ASSERT(bodies == (V{"3-late-0", "3-late-1", "1-urgent", "3-late-2", "3-late-3", "3-late-4"}));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, sqs.remaining("other"));
    }

    void testBackPressure() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        auto capacity = std::make_shared<FakeCapacity>();
        capacity->set("proj_worker", 3);
        SqsNode node("a", clock, sqs, table, capacity);
        sqs.createQueue("jobs");
        for (int i = 0; i < 10; ++i) {
            sqs.send("jobs", "m" + std::to_string(i));
        }
        auto source = sqsSource("es", "jobs");
        source.sqs->maxConcurrency = 3;
        source.sqs->messagesPerPoll = 10;
        source.sqs->concurrencyPerPoller = 3;
        node.invoker->hold();
        node.driver->update({source});
        CPPUNIT_ASSERT(eventually([&] { return node.invoker->inFlight.load() == 3; }));
        const auto receivesAtFull = sqs.receiveCalls().size();
        std::this_thread::sleep_for(100ms);
        CPPUNIT_ASSERT_EQUAL(3, node.invoker->inFlight.load());
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, sqs.invisibleCount()); // nothing received beyond the free workers
        CPPUNIT_ASSERT_EQUAL(receivesAtFull, sqs.receiveCalls().size());
        CPPUNIT_ASSERT_EQUAL(0, sqs.receivesInProgress());
        CPPUNIT_ASSERT(node.roles() == roleSet({"aws-sqs-es-0-3"}));
        node.invoker->release();
        CPPUNIT_ASSERT(eventually([&] { return sqs.deletedCount() == 10; }));
        CPPUNIT_ASSERT_EQUAL(3, node.invoker->maxInFlight.load());
        const auto calls = sqs.receiveCalls();
        CPPUNIT_ASSERT_EQUAL(3, calls.front().maxMessages);
        for (const auto& call : calls) {
            CPPUNIT_ASSERT(call.maxMessages >= 1 && call.maxMessages <= 3);
            CPPUNIT_ASSERT_EQUAL(300, call.visibilityTimeout);
            CPPUNIT_ASSERT_EQUAL(1, call.waitTimeSeconds);
        }
    }

    void testDeleteOnlyOn200() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        SqsNode node("a", clock, sqs, table, std::make_shared<FakeCapacity>());
        sqs.createQueue("jobs");
        const auto ok = sqs.send("jobs", "ok");
        const auto accepted = sqs.send("jobs", "accepted");
        const auto error = sqs.send("jobs", "error");
        const auto unavailable = sqs.send("jobs", "unavailable");
        node.invoker->setHandler([](const sdk::InvokeRequest& request) {
            if (request.body == "accepted") {
                return answer(202);
            }
            if (request.body == "error") {
                return answer(500);
            }
            if (request.body == "unavailable") {
                throw sdk::Unavailable("the node is stopping (test)");
            }
            return answer(200);
        });
        auto source = sqsSource("es", "jobs", false, "/in");
        source.sqs->visibilityTimeout = 30;
        node.driver->update({source});
        CPPUNIT_ASSERT(eventually([&] { return node.invoker->count() == 4 && sqs.deleted(ok); }));
        std::this_thread::sleep_for(50ms);
        CPPUNIT_ASSERT(!sqs.deleted(accepted));
        CPPUNIT_ASSERT(!sqs.deleted(error));
        CPPUNIT_ASSERT(!sqs.deleted(unavailable));
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, node.invoker->count()); // not again before the visibility timeout
        const auto first = node.invoker->calls().front().request;
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), first.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/in"), first.path);
        CPPUNIT_ASSERT_EQUAL(std::string("proj_worker"), first.componentName);
        CPPUNIT_ASSERT_EQUAL(std::string("es"), first.eventSourceName);
        CPPUNIT_ASSERT_EQUAL(30, sqs.receiveCalls().front().visibilityTimeout);
        CPPUNIT_ASSERT(node.logLines.count("was answered 500") == 1);
        CPPUNIT_ASSERT(node.logLines.count("got no answer") == 1);

        // After the visibility timeout SQS hands them out again; now they are answered 200.
        node.invoker->setHandler([](const sdk::InvokeRequest&) { return answer(200); });
        clock.advance(31s);
        CPPUNIT_ASSERT(eventually([&] { return sqs.deletedCount() == 4; }));
        CPPUNIT_ASSERT_EQUAL(std::size_t{7}, node.invoker->count());
        CPPUNIT_ASSERT_EQUAL(2, sqs.receiveCount(accepted));
        CPPUNIT_ASSERT_EQUAL(1, sqs.receiveCount(ok));
    }

    void testPauseSeconds() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        SqsNode node("a", clock, sqs, table, std::make_shared<FakeCapacity>());
        sqs.createQueue("jobs");
        sqs.send("jobs", "a");
        sqs.send("jobs", "b");
        sqs.send("jobs", "c");
        node.invoker->setHandler(
            [](const sdk::InvokeRequest& request) { return request.body == "a" ? answer(200, 5) : answer(200); });
        node.driver->update({sqsSource("es", "jobs")});
        CPPUNIT_ASSERT(eventually([&] { return sqs.deletedCount() == 1; }));
        const auto receives = sqs.receiveCalls().size();
        std::this_thread::sleep_for(100ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.invoker->count());
        CPPUNIT_ASSERT_EQUAL(receives, sqs.receiveCalls().size()); // no receive while paused
        clock.advance(4s);
        std::this_thread::sleep_for(100ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.invoker->count());
        clock.advance(1s);
        CPPUNIT_ASSERT(eventually([&] { return sqs.deletedCount() == 3; }));
        const auto calls = node.invoker->calls();
        CPPUNIT_ASSERT(calls[1].at - calls[0].at >= 5s);
        CPPUNIT_ASSERT(calls[2].at == calls[1].at); // applied once
    }

    void testPollersFollowHandlerCount() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        auto capacity = std::make_shared<FakeCapacity>();
        SqsNode node("a", clock, sqs, table, capacity);
        sqs.createQueue("jobs");
        auto source = sqsSource("es", "jobs");
        node.driver->update({source});
        CPPUNIT_ASSERT(eventually([&] { return node.roles() == roleSet({"aws-sqs-es-0-1"}); }));

        capacity->set("proj_worker", 4);
        const auto four = roleSet({"aws-sqs-es-0-1", "aws-sqs-es-1-1", "aws-sqs-es-2-1", "aws-sqs-es-3-1"});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return node.roles() == four; }, 500ms));
        CPPUNIT_ASSERT_EQUAL(4, node.driver->concurrencyInUse());

        capacity->set("proj_worker", 25);
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return node.roles().size() == 10; }, 500ms));
        CPPUNIT_ASSERT(node.roles().contains("aws-sqs-es-9-1"));

        source.sqs->concurrencyPerPoller = 4;
        node.driver->update({source});
        const auto split = roleSet({"aws-sqs-es-0-4", "aws-sqs-es-1-4", "aws-sqs-es-2-2"});
        CPPUNIT_ASSERT(eventually([&] { return node.roles() == split; }));
        // The roles of the stopped pollers are released, not left to expire.
        CPPUNIT_ASSERT(eventually([&] {
            for (int i = 0; i < 10; ++i) {
                if (table.holder("aws-sqs-es-" + std::to_string(i) + "-1")) {
                    return false;
                }
            }
            return true;
        }));
        CPPUNIT_ASSERT_EQUAL(std::string("a"), table.holder("aws-sqs-es-2-2").value_or("-"));

        capacity->set("proj_worker", 0);
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return node.roles() == roleSet({"aws-sqs-es-0-1"}); }, 500ms));
        CPPUNIT_ASSERT(eventually([&] { return !table.holder("aws-sqs-es-0-4") && !table.holder("aws-sqs-es-2-2"); }));
        CPPUNIT_ASSERT(eventually([&] { return node.driver->concurrencyInUse() == 1; }));
        CPPUNIT_ASSERT(node.logLines.count("aws-sqs-es-0-4 (event source es, component proj_worker) starts") == 1);
        CPPUNIT_ASSERT(node.logLines.count("aws-sqs-es-0-4 (event source es, component proj_worker) stops") == 1);
    }

    void testRolesSpreadOverTwoNodes() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        auto capacity = std::make_shared<FakeCapacity>();
        capacity->set("proj_worker", 5);
        sqs.createQueue("jobs");
        const auto source = sqsSource("es", "jobs");
        auto a = std::make_unique<SqsNode>("a", clock, sqs, table, capacity);
        SqsNode b("b", clock, sqs, table, capacity);
        a->driver->update({source});
        const auto low =
            roleSet({"aws-sqs-es-0-1", "aws-sqs-es-1-1", "aws-sqs-es-2-1", "aws-sqs-es-3-1", "aws-sqs-es-4-1"});
        const auto high =
            roleSet({"aws-sqs-es-5-1", "aws-sqs-es-6-1", "aws-sqs-es-7-1", "aws-sqs-es-8-1", "aws-sqs-es-9-1"});
        CPPUNIT_ASSERT(eventually([&] { return a->roles() == low; }));
        capacity->set("proj_worker", 10);
        b.driver->update({source}); // b reloads at once and takes what a does not hold
        CPPUNIT_ASSERT_MESSAGE(join(b.roles()), eventually([&] { return b.roles() == high; }));
        // Both keep reloading: each role stays polled by exactly one node.
        for (int i = 0; i < 4; ++i) {
            CPPUNIT_ASSERT(a->waitForReload(clock));
            CPPUNIT_ASSERT_MESSAGE(join(a->roles()) + " | " + join(b.roles()), a->roles() == low);
            CPPUNIT_ASSERT(b.roles() == high);
        }
        for (const auto& role : low) {
            CPPUNIT_ASSERT_EQUAL(std::string("a"), table.holder(role).value_or("-"));
        }
        for (const auto& role : high) {
            CPPUNIT_ASSERT_EQUAL(std::string("b"), table.holder(role).value_or("-"));
        }
        for (int i = 0; i < 40; ++i) {
            sqs.send("jobs", "m" + std::to_string(i));
        }
        CPPUNIT_ASSERT(eventually([&] { return sqs.deletedCount() == 40; }));
        CPPUNIT_ASSERT_EQUAL(std::size_t{40}, a->invoker->count() + b.invoker->count());

        // a stops: it releases its roles, and b takes them at its next reload, without waiting for the leases.
        a.reset();
        const auto releasedAt = clock.steadyNow();
        for (const auto& role : low) {
            CPPUNIT_ASSERT(!table.holder(role));
        }
        std::set<std::string> all = low;
        all.insert(high.begin(), high.end());
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return b.roles() == all; }, 1s));
        CPPUNIT_ASSERT(clock.steadyNow() - releasedAt < 30s); // the leases would have lasted 2 min
    }

    void testRolesSpreadEvenlyOverTwoNodes() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        auto capacityA = std::make_shared<FakeCapacity>();
        auto capacityB = std::make_shared<FakeCapacity>();
        capacityA->set("proj_worker", 4);
        capacityB->set("proj_worker", 4);
        sqs.createQueue("jobs");
        const auto source = sqsSource("es", "jobs");
        SqsNode a("a", clock, sqs, table, capacityA);
        a.driver->update({source});
        const auto all = roleSet({"aws-sqs-es-0-1", "aws-sqs-es-1-1", "aws-sqs-es-2-1", "aws-sqs-es-3-1"});
        CPPUNIT_ASSERT(eventually([&] { return a.roles() == all; })); // alone in the cluster, a polls all four
        // b joins and both count two nodes: a gives up the two highest once their receives end, and b takes them.
        SqsNode b("b", clock, sqs, table, capacityB);
        capacityA->setNodes(2);
        capacityB->setNodes(2);
        b.driver->update({source});
        const auto low = roleSet({"aws-sqs-es-0-1", "aws-sqs-es-1-1"});
        const auto high = roleSet({"aws-sqs-es-2-1", "aws-sqs-es-3-1"});
        CPPUNIT_ASSERT_MESSAGE(join(a.roles()) + " | " + join(b.roles()),
                               clock.advanceUntil([&] { return a.roles() == low && b.roles() == high; }, 1s));
        for (int i = 0; i < 4; ++i) { // stays so over several reloads
            CPPUNIT_ASSERT(a.waitForReload(clock));
            CPPUNIT_ASSERT_MESSAGE(join(a.roles()) + " | " + join(b.roles()), a.roles() == low && b.roles() == high);
        }
        for (const auto& role : low) {
            CPPUNIT_ASSERT_EQUAL(std::string("a"), table.holder(role).value_or("-"));
        }
        for (const auto& role : high) {
            CPPUNIT_ASSERT_EQUAL(std::string("b"), table.holder(role).value_or("-"));
        }
    }

    void testRoleHeldElsewhereStopsThePoller() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        SqsNode node("a", clock, sqs, table, std::make_shared<FakeCapacity>());
        sqs.createQueue("jobs");
        node.driver->update({sqsSource("es", "jobs")});
        CPPUNIT_ASSERT(eventually([&] { return node.roles() == roleSet({"aws-sqs-es-0-1"}); }));
        table.assign("aws-sqs-es-0-1", "z", 2min); // another node has it now (say, after a database failover)
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return node.driver->pollers().empty(); }, 500ms));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("stops (its role is held by another node)"));
        CPPUNIT_ASSERT_EQUAL(std::string("z"), table.holder("aws-sqs-es-0-1").value_or("-"));
    }

    void testDisableStopsPollingWithinOneSecond() {
        FakeClock clock;
        FakeSqs sqs(clock);
        sqs.realWaitPerSecond = 1000ms; // real 1-s long polls
        RoleTable table(clock);
        SqsNode node("a", clock, sqs, table, std::make_shared<FakeCapacity>());
        sqs.createQueue("jobs");
        node.driver->update({sqsSource("es", "jobs")});
        CPPUNIT_ASSERT(eventually([&] { return sqs.receivesInProgress() == 1; }));
        std::this_thread::sleep_for(100ms); // well inside a long poll
        const auto disabledAt = Steady::now();
        node.driver->update({});
        CPPUNIT_ASSERT(eventually([&] { return node.driver->pollers().empty(); }, 3s));
        const auto stoppedAfter = Steady::now() - disabledAt;
        CPPUNIT_ASSERT_MESSAGE(
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(stoppedAfter).count()),
            stoppedAfter < 1200ms);
        for (const auto& call : sqs.receiveCalls()) {
            CPPUNIT_ASSERT(call.realStart < disabledAt);
            CPPUNIT_ASSERT(call.realEnd != Steady::time_point{} && call.realEnd < disabledAt + 1200ms);
        }
        CPPUNIT_ASSERT(eventually([&] { return !table.holder("aws-sqs-es-0-1"); }, 1s)); // released
        sqs.send("jobs", "late");
        std::this_thread::sleep_for(100ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, node.invoker->count());
    }

    void testShutdownIsPromptAndFinishesWork() {
        FakeClock clock;
        FakeSqs sqs(clock);
        sqs.realWaitPerSecond = 1000ms;
        RoleTable table(clock);
        auto capacity = std::make_shared<FakeCapacity>();
        capacity->set("proj_worker", 2);
        auto settings = testSettings();
        settings.receiveWaitSeconds = 20; // long polls of 20 s: only the abort ends them early
        SqsNode node("a", clock, sqs, table, capacity, settings);
        sqs.createQueue("jobs");
        const auto id = sqs.send("jobs", "slow");
        auto source = sqsSource("es", "jobs");
        source.sqs->concurrencyPerPoller = 2;
        node.invoker->hold();
        node.driver->update({source});
        // One worker holds the message; the free one makes the poller wait in a long poll.
        CPPUNIT_ASSERT(eventually([&] { return node.invoker->inFlight.load() == 1 && sqs.receivesInProgress() == 1; }));
        std::atomic<bool> done{false};
        const auto began = Steady::now();
        std::thread stopper([&] {
            node.driver->shutdown();
            done = true;
        });
        CPPUNIT_ASSERT(eventually([&] { return sqs.receivesInProgress() == 0; }, 1s)); // aborted
        CPPUNIT_ASSERT(Steady::now() - began < 500ms);
        std::this_thread::sleep_for(100ms);
        CPPUNIT_ASSERT(!done); // the worker's invoke is still in progress
        node.invoker->release();
        stopper.join();
        CPPUNIT_ASSERT(Steady::now() - began < 2s);
        CPPUNIT_ASSERT(sqs.deleted(id)); // deleted through the client that was not aborted
        CPPUNIT_ASSERT(!table.holder("aws-sqs-es-0-2"));
        CPPUNIT_ASSERT_EQUAL(0, node.driver->concurrencyInUse());
    }

    void testMissingQueueWarnsOncePerChange() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        SqsNode node("a", clock, sqs, table, std::make_shared<FakeCapacity>());
        node.driver->update({sqsSource("es", "missing")});
        CPPUNIT_ASSERT(node.waitForReload(clock));
        CPPUNIT_ASSERT(node.driver->pollers().empty());
        const auto lookups = sqs.lookups();
        CPPUNIT_ASSERT(node.waitForReload(clock));
        CPPUNIT_ASSERT(sqs.lookups() > lookups); // tried again at each reload
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("queue 'missing' does not exist"));

        sqs.createQueue("missing");
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return node.roles() == roleSet({"aws-sqs-es-0-1"}); }, 1s));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("queue(s) found now"));

        // Deleted while polled: the receive error makes the driver look again, and the poller stops.
        sqs.deleteQueue("missing");
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return node.driver->pollers().empty(); }, 100ms));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, node.logLines.count("queue 'missing' does not exist"));
        CPPUNIT_ASSERT(eventually([&] { return !table.holder("aws-sqs-es-0-1"); }));

        // A prefix without queues is reported the same way.
        node.driver->update({sqsSource("es", "none-", true)});
        CPPUNIT_ASSERT(node.waitForReload(clock));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("no queue's name starts with 'none-'"));
    }

    void testAwsErrorsBackOffAndAreRateLimited() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        SqsNode node("a", clock, sqs, table, std::make_shared<FakeCapacity>());
        sqs.createQueue("jobs");
        sqs.fail("receive", aws::AwsError("ServiceUnavailable", "Service is unavailable", 503, true));
        node.driver->update({sqsSource("es", "jobs")});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return sqs.receiveCalls().size() >= 9; }, 250ms));
        const auto calls = sqs.receiveCalls();
        const std::vector<std::chrono::seconds> backoff{1s, 2s, 4s, 8s, 16s, 30s, 30s, 30s};
        for (std::size_t i = 0; i < backoff.size(); ++i) {
            const auto gap = calls[i + 1].fakeStart - calls[i].fakeStart;
            CPPUNIT_ASSERT_MESSAGE(
                std::to_string(i) + ": " +
                    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(gap).count()),
                gap >= backoff[i] && gap < backoff[i] + 500ms);
        }
        // 121 s of failures: the warning at most once a minute, the later ones counting the left-out ones.
        const auto warnings = node.logLines.count("ServiceUnavailable (HTTP 503)");
        CPPUNIT_ASSERT_MESSAGE(node.logLines.dump(), warnings >= 2 && warnings <= 3);
        CPPUNIT_ASSERT(node.logLines.count("more since the last report") >= 1);

        sqs.fail("receive", std::nullopt);
        sqs.send("jobs", "after");
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return sqs.deletedCount() == 1; }, 1s));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("receives from " + FakeSqs::urlOf("jobs") + " again"));
    }

    void testNoCredentialsIsLoggedClearly() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        SqsNode node("a", clock, sqs, table, std::make_shared<FakeCapacity>());
        sqs.createQueue("jobs");
        sqs.createQueue("more");
        sqs.fail("queueUrl", aws::AwsError("NoCredentials", "no provider of the chain had credentials"));
        node.driver->update({sqsSource("es", "jobs"), sqsSource("es2", "more")});
        CPPUNIT_ASSERT(node.waitForReload(clock, 500ms));
        CPPUNIT_ASSERT(node.waitForReload(clock, 500ms));
        CPPUNIT_ASSERT(node.driver->pollers().empty());
        CPPUNIT_ASSERT(sqs.lookups() >= 6); // retried (with backoff), for both sources
        // One warning for both sources and all the retries, saying where credentials come from.
        CPPUNIT_ASSERT_EQUAL_MESSAGE(node.logLines.dump(), std::size_t{1},
                                     node.logLines.count("no AWS credentials: set AWS_ACCESS_KEY_ID"));
        sqs.fail("queueUrl", std::nullopt);
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return node.roles().size() == 2; }, 500ms));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("AWS answers again"));
    }

    void testChangedSourceRestartsItsPollers() {
        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        SqsNode node("a", clock, sqs, table, std::make_shared<FakeCapacity>());
        sqs.createQueue("jobs");
        node.driver->update({sqsSource("es", "jobs", false, "/a")});
        sqs.send("jobs", "one");
        CPPUNIT_ASSERT(eventually([&] { return sqs.deletedCount() == 1; }));
        node.driver->update({sqsSource("es", "jobs", false, "/b")});
        CPPUNIT_ASSERT(eventually([&] {
            const auto pollers = node.driver->pollers();
            return pollers.size() == 1 && !pollers[0].stopping && node.logLines.count("starts") == 2;
        }));
        sqs.send("jobs", "two");
        CPPUNIT_ASSERT(eventually([&] { return sqs.deletedCount() == 2; }));
        const auto calls = node.invoker->calls();
        CPPUNIT_ASSERT_EQUAL(std::string("/a"), calls[0].request.path);
        CPPUNIT_ASSERT_EQUAL(std::string("/b"), calls[1].request.path);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("stops (event source changed)"));
        // A new version of the same definition does not restart anything.
        auto same = sqsSource("es", "jobs", false, "/b");
        same.version = 7;
        node.driver->update({same});
        CPPUNIT_ASSERT(node.waitForReload(clock));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, node.logLines.count("starts"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqsDriverTest);
