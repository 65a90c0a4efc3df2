// database_recovery_test.cpp — a database server restart under a live plugin instance (MariaDB and
// PostgreSQL): while the server is down every call fails cleanly with sdk::Unavailable (naming the engine and
// host, never the password; no crash, no hang), and once it is back the same instance works again by itself.
// Uses tests/services/stop-*.sh and start-*.sh. Run per engine (database-recovery-mysql, -postgres).
// SPDX-License-Identifier: Apache-2.0
#include "db_test_common.h"

#include "test_support.h"

#include <maelstrom/sdk/errors.h>

#include <atomic>
#include <thread>

using namespace maelstrom;
using namespace maelstrom::testing;
namespace tdb = maelstrom::testing::db;

namespace {

sdk::Component component(const std::string& name, std::int64_t version = 0) {
    sdk::Component c;
    c.name = name;
    c.version = version;
    c.docker = sdk::DockerComponent{};
    c.docker->image = "img";
    return c;
}

std::string script(tdb::Engine engine, const std::string& action) {
    return (sourceDir() / "tests/services" / (action + (engine == tdb::Engine::Mysql ? "-mariadb.sh" : "-postgres.sh")))
        .string();
}

} // namespace

class DatabaseRecoveryTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DatabaseRecoveryTest);
    CPPUNIT_TEST(testServerRestartUnderLiveInstance);
    CPPUNIT_TEST(testRestartBetweenCallsIsInvisibleToReads);
    CPPUNIT_TEST(testWriteAfterRestartUsesACheckedConnection);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        engine_ = tdb::engineFromEnv(tdb::Engine::Mysql);
        db_ = std::make_unique<tdb::TestDatabase>(engine_, pluginDir());
        available_ = engine_ != tdb::Engine::Sqlite && db_->available(&why_);
    }

    void tearDown() override {
        // leave the server running whatever happened
        runProcess({"bash", script(engine_, "start")}, {}, std::chrono::seconds(120));
        db_.reset();
    }

    void testServerRestartUnderLiveInstance() {
        MAELSTROM_REQUIRE_BACKEND(available_, std::string(tdb::pluginName(engine_)) + " test server: " + why_);
        db_->wipe();
        auto store = db_->open();
        store->putComponent(component("before"));
        // keep every pooled session busy once so the pool holds several (now doomed) connections
        std::vector<std::thread> warm;
        for (int i = 0; i < 4; ++i)
            warm.emplace_back([&] { store->getComponent("before"); });
        for (auto& t : warm)
            t.join();

        auto stop = runProcess({"bash", script(engine_, "stop")}, {}, std::chrono::seconds(120));
        CPPUNIT_ASSERT_MESSAGE(stop.out + stop.err, stop.exitCode == 0);

        // (the default test password equals the user and database names, which messages do show)
        std::string password = tdb::testPassword(engine_);
        if (db_->discreteSettings().scalars["database"] == password)
            password.clear();
        int unavailable = 0;
        for (int i = 0; i < 6; ++i) {
            try {
                switch (i % 3) {
                case 0:
                    store->getComponent("before");
                    break;
                case 1:
                    store->putComponent(component("during"));
                    break;
                default:
                    store->acquireOrRenewRole("r", "n", 1000);
                    break;
                }
                CPPUNIT_FAIL("a call succeeded while the server was down");
            } catch (const sdk::Unavailable& e) {
                ++unavailable;
                const std::string what = e.what();
                CPPUNIT_ASSERT_MESSAGE(what, what.find("127.0.0.1") != std::string::npos);
                CPPUNIT_ASSERT_MESSAGE(what, password.empty() || what.find(password) == std::string::npos);
            }
        }
        CPPUNIT_ASSERT_EQUAL(6, unavailable);

        auto start = runProcess({"bash", script(engine_, "start")}, {}, std::chrono::seconds(120));
        CPPUNIT_ASSERT_MESSAGE(start.out + start.err, start.exitCode == 0);
        // the same instance recovers by itself
        CPPUNIT_ASSERT(waitUntil(
            [&] {
                try {
                    return store->getComponent("before").has_value();
                } catch (const sdk::Unavailable&) {
                    return false;
                }
            },
            std::chrono::seconds(60)));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store->putComponent(component("after")));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), store->listComponents({}, {}).items.size());
        CPPUNIT_ASSERT(store->acquireOrRenewRole("r", "n", 1000).acquired);
        store->shutdown();
        db_->wipe();
    }

    void testRestartBetweenCallsIsInvisibleToReads() {
        MAELSTROM_REQUIRE_BACKEND(available_, std::string(tdb::pluginName(engine_)) + " test server: " + why_);
        db_->wipe();
        auto store = db_->open();
        store->putComponent(component("x"));
        auto restart = runProcess({"bash", script(engine_, "restart")}, {}, std::chrono::seconds(180));
        CPPUNIT_ASSERT_MESSAGE(restart.out + restart.err, restart.exitCode == 0);
        // the pooled session died while idle: an idempotent read retries once on a fresh connection
        CPPUNIT_ASSERT(store->getComponent("x"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), store->putComponent(component("x", 1)));
        store->shutdown();
        db_->wipe();
    }

    void testWriteAfterRestartUsesACheckedConnection() {
        MAELSTROM_REQUIRE_BACKEND(available_, std::string(tdb::pluginName(engine_)) + " test server: " + why_);
        db_->wipe();
        auto raw = db_->settings();
        raw.scalars["idle_check_seconds"] = "1";
        auto store = tdb::createDatabase(pluginDir(), tdb::pluginName(engine_), raw);
        store->putComponent(component("w"));
        const auto lastUse = std::chrono::steady_clock::now();
        auto restart = runProcess({"bash", script(engine_, "restart")}, {}, std::chrono::seconds(180));
        CPPUNIT_ASSERT_MESSAGE(restart.out + restart.err, restart.exitCode == 0);
        std::this_thread::sleep_until(lastUse + std::chrono::milliseconds(1500));
        // a write is not retried blindly; the idle session is probed and replaced before the statement runs
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), store->putComponent(component("w", 1)));
        store->shutdown();
        db_->wipe();
    }

private:
    tdb::Engine engine_ = tdb::Engine::Mysql;
    std::unique_ptr<tdb::TestDatabase> db_;
    bool available_ = false;
    std::string why_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(DatabaseRecoveryTest);
