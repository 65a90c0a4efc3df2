// cron_scheduler_test.cpp — the cron driver on fake time: firing times of @every and 5-field schedules, the request
// it sends, only the role holder firing and the hand-over when it goes, overlap, bad schedules, changes.
// SPDX-License-Identifier: Apache-2.0
#include "cron_test_support.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>

using namespace std::chrono_literals;
using maelstrom::testing::FakeClock;
using maelstrom::testing::FakeDatabase;
using namespace maelstrom::testing::cron;

class CronSchedulerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CronSchedulerTest);
    CPPUNIT_TEST(testEveryFiresEachInterval);
    CPPUNIT_TEST(testFiveFieldScheduleFiresAtTheMinute);
    CPPUNIT_TEST(testRequestCarriesMethodPathHeadersAndBody);
    CPPUNIT_TEST(testOnlyTheRoleHolderFires);
    CPPUNIT_TEST(testAnotherNodeTakesOverWhenTheHolderIsCutOff);
    CPPUNIT_TEST(testGracefulStopHandsTheRoleOverAtOnce);
    CPPUNIT_TEST(testRunningFiringIsNotStartedTwice);
    CPPUNIT_TEST(testOverlapWhenAllowed);
    CPPUNIT_TEST(testBadScheduleIsSkippedAndTheOthersFire);
    CPPUNIT_TEST(testChangesTakeEffect);
    CPPUNIT_TEST(testMissedTicksAreNotReplayed);
    CPPUNIT_TEST(testFailedFiringIsLogged);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEveryFiresEachInterval() {
        FakeClock clock(kMidnight + 300);
        FakeDatabase db(clock);
        FiringLog log;
        CronNode node("a", clock, db, log);
        node.scheduler->update({cronSource("every2", "@every 2s")});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return log.count() >= 10; }, 50ms));
        const auto fired = log.of("every2");
        // Role taken at the start (kMidnight + 0.3 s): the first firing is one interval after the last whole second.
        CPPUNIT_ASSERT_EQUAL(kMidnight + 2000, *fired[0].request.dueAtUnixMillis);
        for (std::size_t i = 1; i < fired.size(); ++i) {
            CPPUNIT_ASSERT_EQUAL(std::int64_t{2000},
                                 *fired[i].request.dueAtUnixMillis - *fired[i - 1].request.dueAtUnixMillis);
        }
        for (const auto& f : fired) {
            const auto late = f.startedAt - *f.request.dueAtUnixMillis;
            CPPUNIT_ASSERT_MESSAGE("late by " + std::to_string(late) + " ms", late >= 0 && late < 500);
        }
    }

    void testFiveFieldScheduleFiresAtTheMinute() {
        FakeClock clock(kMidnight + 30'000);
        FakeDatabase db(clock);
        FiringLog log;
        CronNode node("a", clock, db, log);
        node.scheduler->update({cronSource("five", "CRON_TZ=UTC */5 * * * *")});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return log.count() >= 2; }, 1s));
        const auto fired = log.of("five");
        CPPUNIT_ASSERT_EQUAL(kMidnight + 5 * 60'000, *fired[0].request.dueAtUnixMillis);
        CPPUNIT_ASSERT_EQUAL(kMidnight + 10 * 60'000, *fired[1].request.dueAtUnixMillis);
        CPPUNIT_ASSERT(fired[0].startedAt - (kMidnight + 5 * 60'000) < 3000);
    }

    void testRequestCarriesMethodPathHeadersAndBody() {
        FakeClock clock(kMidnight);
        FakeDatabase db(clock);
        FiringLog log;
        CronNode node("a", clock, db, log);
        auto post = cronSource("post", "@every 1s", "/record/post?x=1");
        post.cron->http.method = "POST";
        post.cron->http.data = "{\"hello\": \"cron\"}";
        post.cron->http.headers = {{"Content-Type", "application/json"}, {"X-Two", "1"}, {"X-Two", "2"}};
        auto get = cronSource("get", "@every 1s", "");
        get.cron->http.method = "";
        get.cron->http.data = "ignored for GET";
        node.scheduler->update({get, post});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return !log.of("post").empty() && !log.of("get").empty(); }, 100ms));
        const auto p = log.of("post").front().request;
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), p.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/record/post?x=1"), p.path);
        CPPUNIT_ASSERT_EQUAL(std::string("proj_worker"), p.componentName);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"hello\": \"cron\"}"), p.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, p.headers.size());
        CPPUNIT_ASSERT_EQUAL(std::string("X-Two"), p.headers[2].name);
        CPPUNIT_ASSERT_EQUAL(std::string("2"), p.headers[2].value);
        const auto g = log.of("get").front().request;
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), g.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/"), g.path);
        CPPUNIT_ASSERT(g.body.empty());
    }

    void testOnlyTheRoleHolderFires() {
        FakeClock clock(kMidnight);
        FakeDatabase db(clock);
        FiringLog log;
        std::vector<std::unique_ptr<CronNode>> nodes;
        for (const char* name : {"a", "b", "c"}) {
            nodes.push_back(std::make_unique<CronNode>(name, clock, db, log));
            nodes.back()->scheduler->update({cronSource("tick", "@every 1s")});
        }
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return clock.elapsed() >= 30s; }, 100ms));
        const auto fired = log.of("tick");
        CPPUNIT_ASSERT(fired.size() >= 28);
        std::set<std::int64_t> due;
        std::set<std::string> by;
        for (const auto& f : fired) {
            CPPUNIT_ASSERT_MESSAGE("tick fired twice", due.insert(*f.request.dueAtUnixMillis).second);
            by.insert(f.node);
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, by.size());
    }

    void testAnotherNodeTakesOverWhenTheHolderIsCutOff() {
        FakeClock clock(kMidnight);
        FakeDatabase db(clock);
        FiringLog log;
        auto a = std::make_unique<CronNode>("a", clock, db, log);
        a->scheduler->update({cronSource("tick", "@every 1s")});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return a->scheduler->holdsRole(); }, 100ms));
        auto b = std::make_unique<CronNode>("b", clock, db, log);
        b->scheduler->update({cronSource("tick", "@every 1s")});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return log.count() >= 3; }, 100ms));
        a->roles->cut = true; // a loses the database: it must stop firing before b may take over
        const auto cutAt = clock.unixMillis();
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return b->scheduler->holdsRole(); }, 100ms));
        const auto takenAfter = clock.unixMillis() - cutAt;
        CPPUNIT_ASSERT_MESSAGE("taken after " + std::to_string(takenAfter) + " ms", takenAfter <= 15'000);
        CPPUNIT_ASSERT(
            clock.advanceUntil([&] { return !log.of("tick").empty() && log.all().back().node == "b"; }, 100ms));
        std::set<std::int64_t> due;
        std::int64_t lastOfA = 0;
        std::int64_t firstOfB = 0;
        for (const auto& f : log.of("tick")) {
            CPPUNIT_ASSERT_MESSAGE("tick fired twice", due.insert(*f.request.dueAtUnixMillis).second);
            if (f.node == "a") {
                lastOfA = std::max(lastOfA, *f.request.dueAtUnixMillis);
            } else if (firstOfB == 0) {
                firstOfB = *f.request.dueAtUnixMillis;
            }
        }
        CPPUNIT_ASSERT(lastOfA < firstOfB);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, a->logLines.count("cannot renew the cron role"));
    }

    void testGracefulStopHandsTheRoleOverAtOnce() {
        FakeClock clock(kMidnight);
        FakeDatabase db(clock);
        FiringLog log;
        auto a = std::make_unique<CronNode>("a", clock, db, log);
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return a->scheduler->holdsRole(); }, 100ms));
        CronNode b("b", clock, db, log);
        clock.advance(1s);
        a.reset(); // shutdown releases the role
        const auto stoppedAt = clock.elapsed();
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return b.scheduler->holdsRole(); }, 100ms));
        CPPUNIT_ASSERT(clock.elapsed() - stoppedAt <= 3100ms); // b's next try, not the lease's end
    }

    void testRunningFiringIsNotStartedTwice() {
        FakeClock clock(kMidnight);
        FakeDatabase db(clock);
        FiringLog log;
        CronNode node("a", clock, db, log);
        node.invoker->hold();
        node.scheduler->update({cronSource("slow", "@every 1s")});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return clock.elapsed() >= 6s; }, 100ms));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, log.count());
        CPPUNIT_ASSERT(node.logLines.count("still running; this tick is skipped") >= 3);
        node.invoker->release();
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return log.count() >= 3; }, 100ms));
    }

    void testOverlapWhenAllowed() {
        FakeClock clock(kMidnight);
        FakeDatabase db(clock);
        FiringLog log;
        maelstrom::plugins::cron::CronSettings settings;
        settings.allowOverlap = true;
        CronNode node("a", clock, db, log, settings);
        node.invoker->hold();
        node.scheduler->update({cronSource("slow", "@every 1s")});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return node.invoker->inProgress.load() >= 4; }, 100ms));
    }

    void testBadScheduleIsSkippedAndTheOthersFire() {
        FakeClock clock(kMidnight);
        FakeDatabase db(clock);
        FiringLog log;
        CronNode node("a", clock, db, log);
        const std::vector sources{cronSource("bad", "61 * * * *"), cronSource("good", "@every 1s")};
        node.scheduler->update(sources);
        node.scheduler->update(sources); // the same set again (a periodic reload) logs nothing new
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return log.count() >= 3; }, 100ms));
        CPPUNIT_ASSERT(log.of("bad").empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("cron event source bad (component proj_worker): "
                                                                 "invalid schedule '61 * * * *'"));
    }

    void testChangesTakeEffect() {
        FakeClock clock(kMidnight);
        FakeDatabase db(clock);
        FiringLog log;
        CronNode node("a", clock, db, log);
        auto tick = cronSource("tick", "@every 1s");
        node.scheduler->update({tick});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return log.count() >= 2; }, 100ms));
        node.scheduler->update({}); // removed or disabled
        const auto before = log.count();
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return clock.elapsed() >= 10s; }, 100ms));
        CPPUNIT_ASSERT(log.count() <= before + 1); // at most one already on its way
        tick.version = 2;
        tick.cron->http.path = "/changed";
        node.scheduler->update({tick});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return log.all().back().request.path == "/changed"; }, 100ms));
    }

    void testMissedTicksAreNotReplayed() {
        FakeClock clock(kMidnight);
        FakeDatabase db(clock);
        FiringLog log;
        CronNode node("a", clock, db, log);
        node.roles->cut = true; // no node can hold the role
        node.scheduler->update({cronSource("tick", "@every 1s")});
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return clock.elapsed() >= 60s; }, 500ms));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, log.count());
        node.roles->cut = false;
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return node.scheduler->holdsRole(); }, 100ms));
        const auto takenAt = clock.unixMillis();
        CPPUNIT_ASSERT(clock.advanceUntil([&] { return clock.unixMillis() >= takenAt + 5000; }, 100ms));
        for (const auto& f : log.all()) {
            CPPUNIT_ASSERT(*f.request.dueAtUnixMillis > takenAt - 1000);
        }
        CPPUNIT_ASSERT(log.count() <= 6);
    }

    void testFailedFiringIsLogged() {
        FakeClock clock(kMidnight);
        FakeDatabase db(clock);
        FiringLog log;
        CronNode node("a", clock, db, log);
        node.invoker->status = 503;
        node.scheduler->update({cronSource("tick", "@every 1s")});
        CPPUNIT_ASSERT(clock.advanceUntil(
            [&] {
                return node.logLines.count(
                           "cron event source tick (component proj_worker): the firing got status 503") >= 1;
            },
            100ms));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CronSchedulerTest);
