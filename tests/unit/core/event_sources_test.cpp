// event_sources_test.cpp — EventSources (the event-source host) over a fake database with recording drivers: what
// each driver is fed and when, database outages, duplicate types, shutdown.
// SPDX-License-Identifier: Apache-2.0
#include "config/config_error.h"
#include "event_sources/event_sources.h"
#include "fake_database.h"
#include "test_support.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <thread>

#include <mutex>

using namespace std::chrono_literals;
using namespace maelstrom;
using namespace maelstrom::core;

namespace {

class RecordingDriver final : public sdk::EventSourceDriver {
public:
    explicit RecordingDriver(sdk::EventSourceType type) : type_(type) {}
    sdk::EventSourceType type() const override { return type_; }
    void start(const sdk::EventSourceHost& host) override {
        std::lock_guard lock(mutex_);
        started = host.invoker != nullptr && host.roles != nullptr && !host.nodeId.empty();
    }
    void update(const std::vector<sdk::EventSource>& sources) override {
        std::lock_guard lock(mutex_);
        updates.push_back(sources);
    }
    void shutdown() override {
        std::lock_guard lock(mutex_);
        ++shutdowns;
    }
    std::vector<std::vector<sdk::EventSource>> fed() const {
        std::lock_guard lock(mutex_);
        return updates;
    }
    bool started = false;
    int shutdowns = 0;

private:
    sdk::EventSourceType type_;
    mutable std::mutex mutex_;
    std::vector<std::vector<sdk::EventSource>> updates;
};

sdk::EventSource cron(const std::string& name, const std::string& schedule) {
    sdk::EventSource es;
    es.name = name;
    es.componentName = "c";
    es.cron = sdk::CronEventSource{schedule, {"GET", "/", "", {}}};
    return es;
}

sdk::EventSource http(const std::string& name) {
    sdk::EventSource es;
    es.name = name;
    es.componentName = "c";
    es.http = sdk::HttpEventSource{"h.test", "", false};
    return es;
}

} // namespace

class EventSourcesTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EventSourcesTest);
    CPPUNIT_TEST(testDriversGetTheEnabledSourcesOfTheirTypeOnlyWhenTheyChange);
    CPPUNIT_TEST(testDatabaseOutageKeepsTheLastSet);
    CPPUNIT_TEST(testTwoDriversOfOneTypeAreRefused);
    CPPUNIT_TEST(testNotifyReloadsAtOnce);
    CPPUNIT_TEST(testInvokerRefusesWhatCannotBeSent);
    CPPUNIT_TEST(testInvokerStopCutsAFiringInProgress);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDriversGetTheEnabledSourcesOfTheirTypeOnlyWhenTheyChange() {
        auto db = std::make_shared<testing::FakeDatabase>();
        sdk::Component component;
        component.name = "c";
        db->putComponent(component);
        db->putEventSource(cron("b", "@every 1s"));
        db->putEventSource(cron("a", "@hourly"));
        db->putEventSource(http("web"));
        auto driver = std::make_shared<RecordingDriver>(sdk::EventSourceType::Cron);
        ComponentCache components;
        EventSourceMetrics metrics;
        EventSources host({{"cron", driver}}, db, "node-1", components, metrics, 50ms);
        host.start(InvokeTarget{"127.0.0.1", 1, ""});
        CPPUNIT_ASSERT(driver->started);
        auto fed = driver->fed();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), fed.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), fed[0].size());
        CPPUNIT_ASSERT_EQUAL(std::string("a"), fed[0][0].name); // sorted by name, HTTP ones left out
        std::this_thread::sleep_for(300ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), driver->fed().size()); // nothing changed: no update
        sdk::EventSourceFilter onlyB;
        onlyB.namePrefix = "b";
        db->toggleEventSources(onlyB, false);
        CPPUNIT_ASSERT(testing::waitUntil([&] { return driver->fed().size() == 2; }, 2s));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), driver->fed().back().size());
        host.stop();
        CPPUNIT_ASSERT_EQUAL(1, driver->shutdowns);
        host.stop();
        CPPUNIT_ASSERT_EQUAL(1, driver->shutdowns);
    }

    void testDatabaseOutageKeepsTheLastSet() {
        auto db = std::make_shared<testing::FakeDatabase>();
        sdk::Component component;
        component.name = "c";
        db->putComponent(component);
        db->putEventSource(cron("a", "@hourly"));
        auto driver = std::make_shared<RecordingDriver>(sdk::EventSourceType::Cron);
        ComponentCache components;
        EventSourceMetrics metrics;
        EventSources host({{"cron", driver}}, db, "node-1", components, metrics, 50ms);
        host.start(InvokeTarget{"127.0.0.1", 1, ""});
        db->setUnavailable(true);
        CPPUNIT_ASSERT(!host.feedOnce());
        std::this_thread::sleep_for(200ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), driver->fed().size());
        db->setUnavailable(false);
        db->putEventSource(cron("z", "@daily"));
        CPPUNIT_ASSERT(testing::waitUntil([&] { return driver->fed().size() == 2; }, 2s));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), driver->fed().back().size());
    }

    void testTwoDriversOfOneTypeAreRefused() {
        auto db = std::make_shared<testing::FakeDatabase>();
        ComponentCache components;
        EventSourceMetrics metrics;
        try {
            EventSources host({{"cron", std::make_shared<RecordingDriver>(sdk::EventSourceType::Cron)},
                               {"cron2", std::make_shared<RecordingDriver>(sdk::EventSourceType::Cron)}},
                              db, "node-1", components, metrics);
            CPPUNIT_FAIL("two drivers of one type accepted");
        } catch (const ConfigError& e) {
            CPPUNIT_ASSERT_EQUAL(
                std::string("event_sources: plugins 'cron' and 'cron2' both serve type cron (list one)"),
                std::string(e.what()));
        }
    }

    void testNotifyReloadsAtOnce() {
        auto db = std::make_shared<testing::FakeDatabase>();
        sdk::Component component;
        component.name = "c";
        db->putComponent(component);
        auto driver = std::make_shared<RecordingDriver>(sdk::EventSourceType::Cron);
        ComponentCache components;
        EventSourceMetrics metrics;
        EventSources host({{"cron", driver}}, db, "node-1", components, metrics, std::chrono::hours(1));
        host.start(InvokeTarget{"127.0.0.1", 1, ""});
        db->putEventSource(cron("a", "@hourly"));
        host.notify();
        CPPUNIT_ASSERT(testing::waitUntil([&] { return driver->fed().size() == 2; }, 2s));
    }

    // A stored event source must never be able to write a second request (header or request-line injection).
    void testInvokerRefusesWhatCannotBeSent() {
        ComponentCache components;
        EventSourceMetrics metrics;
        GatewayInvoker invoker(InvokeTarget{"127.0.0.1", 1, ""}, "cron", components, metrics);
        auto refused = [&](const sdk::InvokeRequest& request) {
            try {
                invoker.invoke(request);
            } catch (const std::invalid_argument&) {
                return true;
            } catch (const std::exception&) {
            }
            return false;
        };
        sdk::InvokeRequest ok;
        ok.componentName = "c";
        auto bad = ok;
        bad.headers = {{"X-A", "1\r\nX-Injected: 2"}};
        CPPUNIT_ASSERT(refused(bad));
        bad = ok;
        bad.headers = {{"X A", "1"}};
        CPPUNIT_ASSERT(refused(bad));
        bad = ok;
        bad.method = "GET / HTTP/1.1\r\n";
        CPPUNIT_ASSERT(refused(bad));
        bad = ok;
        bad.path = "/a b";
        CPPUNIT_ASSERT(refused(bad));
        bad = ok;
        bad.path = "relative";
        CPPUNIT_ASSERT(refused(bad));
        // A sendable request to a port nobody listens on is Unavailable, and counted as a failed firing.
        CPPUNIT_ASSERT(!refused(ok));
        invoker.stop(std::chrono::milliseconds(0));
        CPPUNIT_ASSERT(metrics.render().find("maelstrom_event_source_failures_total{event_source=\"\",component=\"c\","
                                             "type=\"cron\"} 1") != std::string::npos);
    }

    // A private port that takes the request and never answers: stop() gives it the grace, then cuts it.
    void testInvokerStopCutsAFiringInProgress() {
        Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
        ComponentCache components;
        EventSourceMetrics metrics;
        GatewayInvoker invoker(InvokeTarget{"127.0.0.1", silent.address().port(), ""}, "cron", components, metrics);
        std::atomic<bool> unavailable{false};
        std::thread firing([&] {
            sdk::InvokeRequest request;
            request.componentName = "c";
            try {
                invoker.invoke(request);
            } catch (const sdk::Unavailable&) {
                unavailable = true;
            }
        });
        Poco::Net::StreamSocket accepted = silent.acceptConnection(); // the request is on its way
        const auto t0 = std::chrono::steady_clock::now();
        invoker.stop(200ms);
        firing.join();
        const auto took = std::chrono::steady_clock::now() - t0;
        CPPUNIT_ASSERT(unavailable);
        CPPUNIT_ASSERT(took >= 200ms && took < 5s);
        // Stopped: no new firing is sent.
        sdk::InvokeRequest late;
        late.componentName = "c";
        CPPUNIT_ASSERT_THROW(invoker.invoke(late), sdk::Unavailable);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EventSourcesTest);
