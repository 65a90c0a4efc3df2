// database_contract_test.cpp — the contract suite of the database service (sdk/database.h), one set of
// CppUnit cases run against each engine: ctest runs this executable three times (database-contract-sqlite,
// -mysql, -postgres) with MAELSTROM_TEST_DB_ENGINE set. Covers CRUD, optimistic versions, pagination, filters,
// literal prefixes and hostile names, toggling, projects (one transaction), node status expiry, role leases,
// start counters, TLS records, migrations twice and checksum tampering, concurrent updates and lock races in threads,
// settings validation and secret redaction.
// SPDX-License-Identifier: Apache-2.0
#include "db_test_common.h"

#include "test_support.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/json.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

using namespace maelstrom;
using namespace maelstrom::testing;
namespace tdb = maelstrom::testing::db;

namespace {

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

sdk::Component component(const std::string& name, const std::string& project = "", std::int64_t version = 0) {
    sdk::Component c;
    c.name = name;
    c.projectName = project;
    c.version = version;
    c.modifiedAt = 1700000000000;
    c.docker = sdk::DockerComponent{};
    c.docker->image = "nginx:latest";
    c.docker->httpPort = 80;
    return c;
}

sdk::EventSource httpSource(const std::string& name, const std::string& comp, const std::string& project = "",
                            std::int64_t version = 0) {
    sdk::EventSource e;
    e.name = name;
    e.componentName = comp;
    e.projectName = project;
    e.version = version;
    e.modifiedAt = 1700000000001;
    e.http = sdk::HttpEventSource{"example.org", "/" + name, false};
    return e;
}

sdk::EventSource cronSource(const std::string& name, const std::string& comp, const std::string& project = "") {
    sdk::EventSource e;
    e.name = name;
    e.componentName = comp;
    e.projectName = project;
    e.cron = sdk::CronEventSource{};
    e.cron->schedule = "@every 1m";
    e.cron->http.method = "GET";
    e.cron->http.path = "/tick";
    return e;
}

template <class T>
std::vector<std::string> names(const std::vector<T>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) {
        if constexpr (std::is_same_v<T, sdk::EventSourceWithStatus>)
            out.push_back(i.eventSource.name);
        else
            out.push_back(i.name);
    }
    return out;
}

} // namespace

class DatabaseContractTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DatabaseContractTest);
    CPPUNIT_TEST(testSettingsTable);
    CPPUNIT_TEST(testComponentCrudAndVersions);
    CPPUNIT_TEST(testComponentJsonRoundTrip);
    CPPUNIT_TEST(testRemoveComponentRemovesItsEventSources);
    CPPUNIT_TEST(testListComponentsPagesAndFilters);
    CPPUNIT_TEST(testHostileNamesAndLiteralPrefixes);
    CPPUNIT_TEST(testEventSourceCrudAndVersions);
    CPPUNIT_TEST(testListEventSourcesFilters);
    CPPUNIT_TEST(testToggleEventSources);
    CPPUNIT_TEST(testProjects);
    CPPUNIT_TEST(testProjectChangesAreOneTransaction);
    CPPUNIT_TEST(testNodeStatus);
    CPPUNIT_TEST(testRoleLeases);
    CPPUNIT_TEST(testStartCounters);
    CPPUNIT_TEST(testTlsRecords);
    CPPUNIT_TEST(testTlsRecordLargestValue);
    CPPUNIT_TEST(testMigrationsTwiceAndChecksum);
    CPPUNIT_TEST(testConcurrentMigrators);
    CPPUNIT_TEST(testConcurrentUpdatesExactlyOneWins);
    CPPUNIT_TEST(testRoleLeaseRaceInThreads);
    CPPUNIT_TEST(testConcurrentStartCounter);
    CPPUNIT_TEST(testConcurrentTlsRecordUpserts);
    CPPUNIT_TEST(testConfigurationForms);
    CPPUNIT_TEST(testUnreachableServerIsUnavailableWithoutPassword);
    CPPUNIT_TEST(testWritesAfterATransactionAreCommitted);
    CPPUNIT_TEST(testUnicodeNamesAndValuesRoundTrip);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        engine_ = tdb::engineFromEnv();
        testDb_ = std::make_unique<tdb::TestDatabase>(engine_, pluginDir());
        std::string why;
        available_ = testDb_->available(&why);
        if (!available_) {
            why_ = std::string(tdb::pluginName(engine_)) + " test server: " + why;
            return;
        }
        testDb_->wipe();
        store_ = testDb_->open();
    }

    void tearDown() override {
        if (store_)
            store_->shutdown();
        store_.reset();
        if (available_)
            testDb_->wipe();
        testDb_.reset();
    }

#define REQUIRE_DB() MAELSTROM_REQUIRE_BACKEND(available_, why_)

    void testSettingsTable() {
        const auto& d = tdb::loadDescriptor(pluginDir(), tdb::pluginName(engine_));
        CPPUNIT_ASSERT(d.kind == sdk::ServiceKind::Database);
        CPPUNIT_ASSERT_EQUAL(std::string(tdb::pluginName(engine_)), d.name);
        // dsn is a secret everywhere, password too on servers; unknown keys are rejected.
        sdk::RawSettings raw;
        raw.scalars["dsn"] = engine_ == tdb::Engine::Sqlite ? "x.db" : "u:s3cr3t-pw@(h:1)/d";
        if (engine_ != tdb::Engine::Sqlite)
            raw.scalars["password"] = "other-s3cret";
        const auto redacted = sdk::Settings::validate(d.settings, raw).redacted();
        for (const auto& [key, value] : redacted) {
            CPPUNIT_ASSERT_MESSAGE(key, value.find("s3cr") == std::string::npos);
        }
        CPPUNIT_ASSERT_EQUAL(std::string("********"), redacted.at("dsn"));
        raw.scalars["no_such_setting"] = "1";
        CPPUNIT_ASSERT_THROW(sdk::Settings::validate(d.settings, raw), sdk::InvalidConfig);
    }

    void testComponentCrudAndVersions() {
        REQUIRE_DB();
        CPPUNIT_ASSERT(!store_->getComponent("c1"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store_->putComponent(component("c1", "p")));
        CPPUNIT_ASSERT_THROW(store_->putComponent(component("c1", "p")), sdk::AlreadyExists);
        auto got = store_->getComponent("c1");
        CPPUNIT_ASSERT(got);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), got->version);
        CPPUNIT_ASSERT_EQUAL(std::string("p"), got->projectName);

        auto update = *got;
        update.maxConcurrency = 7;
        update.projectName = "q";
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), store_->putComponent(update));
        CPPUNIT_ASSERT_THROW(store_->putComponent(update), sdk::VersionConflict); // still at 1: moved on
        update.version = 5;
        CPPUNIT_ASSERT_THROW(store_->putComponent(update), sdk::VersionConflict);
        got = store_->getComponent("c1");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), got->version);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), got->maxConcurrency);
        // projectName column follows the update (a project filter finds it under the new project)
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store_->listComponents({"", "q"}, {}).items.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), store_->listComponents({"", "p"}, {}).items.size());

        CPPUNIT_ASSERT(store_->removeComponent("c1"));
        CPPUNIT_ASSERT(!store_->removeComponent("c1"));
        CPPUNIT_ASSERT(!store_->getComponent("c1"));
        CPPUNIT_ASSERT_THROW(store_->putComponent(component("c1", "p", 2)), sdk::VersionConflict); // gone
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store_->putComponent(component("c1", "p")));
    }

    void testComponentJsonRoundTrip() {
        REQUIRE_DB();
        sdk::Component c = component("full", "proj");
        c.environment = {{"A", "1"}, {"UNICODE", "héllo wörld ✓ 日本"}, {"QUOTES", "it's \"quoted\"; DROP"}};
        c.minInstances = 1;
        c.maxInstances = 5;
        c.maxInstancesPerNode = 2;
        c.maxConcurrency = 3;
        c.softConcurrencyLimit = true;
        c.scaleUpConcurrencyPct = 0.5;
        c.scaleDownConcurrencyPct = 0.125;
        c.maxDurationSeconds = 30;
        c.startParallelism = "series";
        c.restartOrder = "startstop";
        c.docker->command = {"/bin/sh", "-c", "echo 'hi'"};
        c.docker->volumes = {{"bind", "/a", "/b", true}};
        c.docker->logDriverOptions = {{"max-size", "10m"}};
        c.docker->ulimits = {"nofile=1024:2048"};
        c.docker->pullPassword = "x";
        store_->putComponent(c);
        auto got = store_->getComponent("full");
        CPPUNIT_ASSERT(got);
        c.version = 1;
        CPPUNIT_ASSERT(c == *got);
    }

    void testRemoveComponentRemovesItsEventSources() {
        REQUIRE_DB();
        store_->putComponent(component("a"));
        store_->putComponent(component("b"));
        store_->putEventSource(httpSource("a-1", "a"));
        store_->putEventSource(httpSource("a-2", "a"));
        store_->putEventSource(httpSource("b-1", "b"));
        CPPUNIT_ASSERT(store_->removeComponent("a"));
        CPPUNIT_ASSERT(!store_->getEventSource("a-1"));
        CPPUNIT_ASSERT(!store_->getEventSource("a-2"));
        CPPUNIT_ASSERT(store_->getEventSource("b-1"));
        CPPUNIT_ASSERT(store_->removeEventSource("b-1"));
        CPPUNIT_ASSERT(!store_->removeEventSource("b-1"));
    }

    void testListComponentsPagesAndFilters() {
        REQUIRE_DB();
        std::vector<std::string> all;
        for (int i = 0; i < 25; ++i) {
            const std::string name = "comp-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
            all.push_back(name);
            store_->putComponent(component(name, i % 2 ? "odd" : "even"));
        }
        // byte order: "B" < "Z" < "a" < "z" < "é"
        for (const char* n : {"z", "B", "\xc3\xa9", "a", "Z"})
            store_->putComponent(component(n, "order"));
        std::vector<std::string> seen;
        sdk::PageRequest page{10, ""};
        int pages = 0;
        for (;;) {
            auto p = store_->listComponents({"comp-", ""}, page);
            ++pages;
            for (auto& n : names(p.items))
                seen.push_back(n);
            if (p.nextToken.empty())
                break;
            CPPUNIT_ASSERT_EQUAL(std::to_string(pages * 10), p.nextToken);
            page.nextToken = p.nextToken;
        }
        CPPUNIT_ASSERT_EQUAL(3, pages);
        CPPUNIT_ASSERT(all == seen);
        // exactly a full last page: no token
        auto p20 = store_->listComponents({"comp-", ""}, {5, "20"});
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), p20.items.size());
        CPPUNIT_ASSERT(p20.nextToken.empty());
        // limit outside 1..1000 → 1000; bad token → start
        CPPUNIT_ASSERT_EQUAL(std::size_t(30), store_->listComponents({}, {0, "junk"}).items.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(30), store_->listComponents({}, {5000, ""}).items.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(30), store_->listComponents({}, {-3, "-5"}).items.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(12), store_->listComponents({"comp-", "odd"}, {}).items.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(13), store_->listComponents({"", "even"}, {}).items.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), store_->listComponents({"comp-", "order"}, {}).items.size());
        const auto ordered = names(store_->listComponents({"", "order"}, {}).items);
        CPPUNIT_ASSERT((std::vector<std::string>{"B", "Z", "a", "z", "\xc3\xa9"}) == ordered);
        // a prefix is case-sensitive
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), store_->listComponents({"COMP-", ""}, {}).items.size());
    }

    void testHostileNamesAndLiteralPrefixes() {
        REQUIRE_DB();
        const std::vector<std::string> hostile = {"o'brien",     "a\"b",         "x'; DROP TABLE component; --",
                                                  "semi;colon",  "pct%name",     "pct_name",
                                                  "pctXname",    "under_score",  "underXscore",
                                                  "star*name",   "starXname",    "q?mark",
                                                  "qXmark",      "br[a]ck",      "bang!x",
                                                  "back\\slash", "ünïcödé-名前", "emoji-\xf0\x9f\x9a\x80"};
        for (const auto& n : hostile) {
            store_->putComponent(component(n, "p'roj;%_"));
            sdk::EventSource e = httpSource(n, n, "p'roj;%_");
            store_->putEventSource(e);
        }
        for (const auto& n : hostile) {
            auto c = store_->getComponent(n);
            CPPUNIT_ASSERT_MESSAGE(n, c && c->name == n);
            auto e = store_->getEventSource(n);
            CPPUNIT_ASSERT_MESSAGE(n, e && e->name == n && e->componentName == n);
        }
        auto list = [&](const std::string& prefix) { return names(store_->listComponents({prefix, ""}, {}).items); };
        CPPUNIT_ASSERT((std::vector<std::string>{"pct%name"}) == list("pct%"));
        CPPUNIT_ASSERT((std::vector<std::string>{"pct_name"}) == list("pct_"));
        CPPUNIT_ASSERT((std::vector<std::string>{"under_score"}) == list("under_"));
        CPPUNIT_ASSERT((std::vector<std::string>{"star*name"}) == list("star*"));
        CPPUNIT_ASSERT((std::vector<std::string>{"q?mark"}) == list("q?"));
        CPPUNIT_ASSERT((std::vector<std::string>{"br[a]ck"}) == list("br["));
        CPPUNIT_ASSERT((std::vector<std::string>{"bang!x"}) == list("bang!"));
        CPPUNIT_ASSERT((std::vector<std::string>{"back\\slash"}) == list("back\\"));
        CPPUNIT_ASSERT((std::vector<std::string>{"o'brien"}) == list("o'"));
        CPPUNIT_ASSERT((std::vector<std::string>{"ünïcödé-名前"}) == list("ünï"));
        CPPUNIT_ASSERT(list("%").empty());
        CPPUNIT_ASSERT(list("_").empty());
        CPPUNIT_ASSERT(list("*").empty());
        CPPUNIT_ASSERT_EQUAL(hostile.size(), store_->listComponents({"", "p'roj;%_"}, {}).items.size());
        CPPUNIT_ASSERT_EQUAL(hostile.size(), store_->listComponents({}, {}).items.size()); // the table is intact
        sdk::EventSourceFilter f;
        f.namePrefix = "pct_";
        CPPUNIT_ASSERT((std::vector<std::string>{"pct_name"}) == names(store_->listEventSources(f, {}).items));
        const auto projects = store_->listProjects("p'roj;%");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), projects.size());
        CPPUNIT_ASSERT(store_->listProjects("p_").empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store_->toggleEventSources(f, false).size());
        CPPUNIT_ASSERT(store_->removeComponent("x'; DROP TABLE component; --"));
        CPPUNIT_ASSERT_EQUAL(hostile.size() - 1, store_->listComponents({}, {}).items.size());
        // a name longer than the servers' columns (191 characters) is bad input there, not a crash
        const std::string longName(300, 'n');
        if (engine_ == tdb::Engine::Sqlite) {
            CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store_->putComponent(component(longName)));
        } else {
            CPPUNIT_ASSERT_THROW(store_->putComponent(component(longName)), sdk::InvalidInput);
            CPPUNIT_ASSERT(!store_->getComponent(longName));
        }
    }

    void testEventSourceCrudAndVersions() {
        REQUIRE_DB();
        store_->putComponent(component("c"));
        sdk::EventSource none;
        none.name = "nosub";
        none.componentName = "c";
        CPPUNIT_ASSERT_THROW(store_->putEventSource(none), sdk::InvalidInput);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store_->putEventSource(httpSource("e", "c", "p")));
        CPPUNIT_ASSERT_THROW(store_->putEventSource(httpSource("e", "c", "p")), sdk::AlreadyExists);
        auto got = store_->getEventSource("e");
        CPPUNIT_ASSERT(got);
        auto expected = httpSource("e", "c", "p");
        expected.version = 1;
        CPPUNIT_ASSERT(expected == *got);
        auto listed = store_->listEventSources({}, {});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), listed.items.size());
        CPPUNIT_ASSERT(listed.items[0].enabled); // a new row is enabled

        sdk::EventSourceFilter byName;
        byName.namePrefix = "e";
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store_->toggleEventSources(byName, false).size());
        // an update keeps the enabled flag and changes the type column with the sub-type
        auto cron = cronSource("e", "c", "p");
        cron.version = 1;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), store_->putEventSource(cron));
        CPPUNIT_ASSERT_THROW(store_->putEventSource(cron), sdk::VersionConflict);
        listed = store_->listEventSources({}, {});
        CPPUNIT_ASSERT(!listed.items[0].enabled);
        CPPUNIT_ASSERT(listed.items[0].eventSource.cron);
        CPPUNIT_ASSERT(!listed.items[0].eventSource.http);
        sdk::EventSourceFilter byType;
        byType.type = sdk::EventSourceType::Cron;
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store_->listEventSources(byType, {}).items.size());
        byType.type = sdk::EventSourceType::Http;
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), store_->listEventSources(byType, {}).items.size());
        CPPUNIT_ASSERT(store_->removeEventSource("e"));
        CPPUNIT_ASSERT(!store_->getEventSource("e"));
        CPPUNIT_ASSERT_THROW(store_->putEventSource(cron), sdk::VersionConflict);
    }

    void testListEventSourcesFilters() {
        REQUIRE_DB();
        for (int i = 0; i < 30; ++i) {
            const std::string comp = "comp" + std::to_string(i % 3);
            const std::string project = i % 2 ? "p1" : "p2";
            const std::string name = "es-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
            if (i % 5 == 0)
                store_->putEventSource(cronSource(name, comp, project));
            else
                store_->putEventSource(httpSource(name, comp, project));
        }
        sdk::EventSourceFilter f;
        f.componentName = "comp1";
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), store_->listEventSources(f, {}).items.size());
        f.projectName = "p1";
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), store_->listEventSources(f, {}).items.size());
        f = {};
        f.type = sdk::EventSourceType::Cron;
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), store_->listEventSources(f, {}).items.size());
        f.type = sdk::EventSourceType::Http;
        f.enabled = true;
        CPPUNIT_ASSERT_EQUAL(std::size_t(24), store_->listEventSources(f, {}).items.size());
        sdk::EventSourceFilter comp0;
        comp0.componentName = "comp0";
        store_->toggleEventSources(comp0, false);
        CPPUNIT_ASSERT_EQUAL(std::size_t(16), store_->listEventSources(f, {}).items.size());
        f.enabled = false;
        CPPUNIT_ASSERT_EQUAL(std::size_t(8), store_->listEventSources(f, {}).items.size());
        // pages of 7 over everything, ordered by name
        std::vector<std::string> seen;
        sdk::PageRequest page{7, ""};
        for (;;) {
            auto p = store_->listEventSources({}, page);
            for (auto& n : names(p.items))
                seen.push_back(n);
            if (p.nextToken.empty())
                break;
            page.nextToken = p.nextToken;
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(30), seen.size());
        CPPUNIT_ASSERT(std::is_sorted(seen.begin(), seen.end()));
        f = {};
        f.namePrefix = "es-1";
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), store_->listEventSources(f, {}).items.size());
    }

    void testToggleEventSources() {
        REQUIRE_DB();
        store_->putEventSource(httpSource("b-2", "b", "pb"));
        store_->putEventSource(httpSource("a-1", "a", "pa"));
        store_->putEventSource(httpSource("a-2", "a", "pa"));
        store_->putEventSource(cronSource("a-cron", "a", "pa"));
        store_->putEventSource(httpSource("b-1", "b", "pb"));
        const auto before = store_->getEventSource("a-1");
        sdk::EventSourceFilter byComp;
        byComp.componentName = "a";
        CPPUNIT_ASSERT((std::vector<std::string>{"a-1", "a-2", "a-cron"}) == store_->toggleEventSources(byComp, false));
        CPPUNIT_ASSERT(store_->toggleEventSources(byComp, false).empty()); // nothing left to change
        CPPUNIT_ASSERT(before == store_->getEventSource("a-1"));           // version and modifiedAt stay
        sdk::EventSourceFilter byType;
        byType.type = sdk::EventSourceType::Http;
        byType.enabled = false; // ignored by toggle
        CPPUNIT_ASSERT((std::vector<std::string>{"a-1", "a-2"}) == store_->toggleEventSources(byType, true));
        sdk::EventSourceFilter byProject;
        byProject.projectName = "pb";
        CPPUNIT_ASSERT((std::vector<std::string>{"b-1", "b-2"}) == store_->toggleEventSources(byProject, false));
        sdk::EventSourceFilter byPrefix;
        byPrefix.namePrefix = "b-";
        CPPUNIT_ASSERT((std::vector<std::string>{"b-1", "b-2"}) == store_->toggleEventSources(byPrefix, true));
        CPPUNIT_ASSERT((std::vector<std::string>{"a-cron"}) == store_->toggleEventSources({}, true));
        sdk::EventSourceFilter enabled;
        enabled.enabled = true;
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), store_->listEventSources(enabled, {}).items.size());
        // many rows at once (more than one UPDATE chunk)
        for (int i = 0; i < 450; ++i)
            store_->putEventSource(httpSource("bulk-" + std::to_string(1000 + i), "bulk"));
        sdk::EventSourceFilter bulk;
        bulk.componentName = "bulk";
        const auto changed = store_->toggleEventSources(bulk, false);
        CPPUNIT_ASSERT_EQUAL(std::size_t(450), changed.size());
        CPPUNIT_ASSERT(std::is_sorted(changed.begin(), changed.end()));
        bulk.enabled = false;
        CPPUNIT_ASSERT_EQUAL(std::size_t(450), store_->listEventSources(bulk, {}).items.size());
    }

    void testProjects() {
        REQUIRE_DB();
        store_->putComponent(component("alpha_c1", "alpha"));
        store_->putComponent(component("alpha_c2", "alpha"));
        store_->putComponent(component("beta_c1", "beta"));
        store_->putComponent(component("loose", ""));
        store_->putEventSource(httpSource("alpha_e1", "alpha_c1", "alpha"));
        store_->putEventSource(httpSource("alpha_e2", "alpha_c2", "alpha"));
        store_->putEventSource(httpSource("alpha_e3", "alpha_c2", "alpha"));
        store_->putEventSource(httpSource("gamma_e", "nothing", "gamma")); // no component in gamma: not listed
        const auto all = store_->listProjects("");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), all.size());
        CPPUNIT_ASSERT((sdk::ProjectInfo{"", 1, 0}) == all[0]);
        CPPUNIT_ASSERT((sdk::ProjectInfo{"alpha", 2, 3}) == all[1]);
        CPPUNIT_ASSERT((sdk::ProjectInfo{"beta", 1, 0}) == all[2]);
        const auto b = store_->listProjects("b");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), b.size());
        CPPUNIT_ASSERT_EQUAL(std::string("beta"), b[0].projectName);
        CPPUNIT_ASSERT(store_->listProjects("_").empty());
        CPPUNIT_ASSERT(store_->listProjects("%").empty());
    }

    void testProjectChangesAreOneTransaction() {
        REQUIRE_DB();
        store_->putComponent(component("p_old", "p"));
        store_->putEventSource(httpSource("p_old_e", "p_old", "p"));
        store_->putComponent(component("p_keep", "p"));
        store_->putEventSource(httpSource("p_keep_e", "p_keep", "p"));
        store_->putEventSource(httpSource("p_keep_gone", "p_keep", "p"));

        // a failing change set (stale version on an update) changes nothing, removals included
        sdk::ProjectChanges bad;
        bad.removeComponents = {"p_old"};
        bad.removeEventSources = {"p_keep_gone"};
        bad.putComponents = {component("p_new", "p"), component("p_keep", "p", 9)};
        bad.putEventSources = {httpSource("p_new_e", "p_new", "p")};
        CPPUNIT_ASSERT_THROW(store_->applyProjectChanges(bad), sdk::VersionConflict);
        CPPUNIT_ASSERT(store_->getComponent("p_old"));
        CPPUNIT_ASSERT(store_->getEventSource("p_old_e"));
        CPPUNIT_ASSERT(store_->getEventSource("p_keep_gone"));
        CPPUNIT_ASSERT(!store_->getComponent("p_new"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store_->getComponent("p_keep")->version);
        // an insert colliding with an existing name: AlreadyExists, nothing changed
        sdk::ProjectChanges dup;
        dup.removeComponents = {"p_old"};
        dup.putComponents = {component("p_keep", "p")};
        CPPUNIT_ASSERT_THROW(store_->applyProjectChanges(dup), sdk::AlreadyExists);
        CPPUNIT_ASSERT(store_->getComponent("p_old"));

        sdk::ProjectChanges good = bad;
        good.putComponents[1].version = 1;
        store_->applyProjectChanges(good);
        CPPUNIT_ASSERT(!store_->getComponent("p_old"));
        CPPUNIT_ASSERT(!store_->getEventSource("p_old_e"));
        CPPUNIT_ASSERT(!store_->getEventSource("p_keep_gone"));
        CPPUNIT_ASSERT(store_->getEventSource("p_keep_e"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store_->getComponent("p_new")->version);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), store_->getComponent("p_keep")->version);
        CPPUNIT_ASSERT(store_->getEventSource("p_new_e"));
        const auto projects = store_->listProjects("p");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), projects.size());
        CPPUNIT_ASSERT((sdk::ProjectInfo{"p", 2, 2}) == projects[0]);
    }

    void testNodeStatus() {
        REQUIRE_DB();
        auto status = [](const std::string& id, std::int64_t observed) {
            sdk::NodeStatus s;
            s.nodeId = id;
            s.startedAt = 100;
            s.observedAt = observed;
            s.peerUrl = "http://127.0.0.1:8374";
            s.totalMemoryMiB = 2048;
            s.loadAvg1m = 0.5;
            sdk::ComponentInfo info;
            info.componentName = "c";
            info.componentVersion = 3;
            info.status = "active";
            info.activity = {{4, 0.25}};
            s.runningComponents = {info};
            return s;
        };
        store_->putNodeStatus(status("node-b", 1000));
        store_->putNodeStatus(status("node-a", 2000));
        store_->putNodeStatus(status("node-c", 3000));
        auto updated = status("node-b", 5000);
        updated.freeMemoryMiB = 99;
        store_->putNodeStatus(updated); // replaces the row
        auto rows = store_->listNodeStatus();
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), rows.size());
        CPPUNIT_ASSERT_EQUAL(std::string("node-a"), rows[0].nodeId);
        CPPUNIT_ASSERT(updated == rows[1]);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), store_->removeNodeStatusOlderThan(4000)); // a (2000), c (3000)
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), store_->removeNodeStatusOlderThan(4000));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store_->listNodeStatus().size());
        CPPUNIT_ASSERT(store_->removeNodeStatus("node-b"));
        CPPUNIT_ASSERT(!store_->removeNodeStatus("node-b"));
        CPPUNIT_ASSERT(store_->listNodeStatus().empty());
    }

    void testRoleLeases() {
        REQUIRE_DB();
        auto a = store_->acquireOrRenewRole("placement", "node-a", 60000);
        CPPUNIT_ASSERT(a.acquired);
        CPPUNIT_ASSERT_EQUAL(std::string("node-a"), a.holderNodeId);
        CPPUNIT_ASSERT(a.expiresAt > nowMs() + 50000);
        auto b = store_->acquireOrRenewRole("placement", "node-b", 60000);
        CPPUNIT_ASSERT(!b.acquired);
        CPPUNIT_ASSERT_EQUAL(std::string("node-a"), b.holderNodeId);
        CPPUNIT_ASSERT_EQUAL(a.expiresAt, b.expiresAt);
        auto renewed = store_->acquireOrRenewRole("placement", "node-a", 120000);
        CPPUNIT_ASSERT(renewed.acquired);
        CPPUNIT_ASSERT(renewed.expiresAt > a.expiresAt);
        auto holder = store_->roleHolder("placement");
        CPPUNIT_ASSERT(holder && holder->holderNodeId == "node-a");
        CPPUNIT_ASSERT(!store_->roleHolder("cron"));
        CPPUNIT_ASSERT(!store_->releaseRole("placement", "node-b"));
        CPPUNIT_ASSERT(store_->releaseRole("placement", "node-a"));
        CPPUNIT_ASSERT(!store_->roleHolder("placement"));
        CPPUNIT_ASSERT(store_->acquireOrRenewRole("placement", "node-b", 60000).acquired);
        // expiry: a short lease is taken over once it ended
        CPPUNIT_ASSERT(store_->acquireOrRenewRole("short", "node-a", 300).acquired);
        CPPUNIT_ASSERT(!store_->acquireOrRenewRole("short", "node-b", 300).acquired);
        CPPUNIT_ASSERT(waitUntil([&] { return !store_->roleHolder("short"); }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT(store_->acquireOrRenewRole("short", "node-b", 60000).acquired);
        // releaseAllRoles frees every role of a node
        CPPUNIT_ASSERT(store_->acquireOrRenewRole("cron", "node-b", 60000).acquired);
        store_->releaseAllRoles("node-b");
        CPPUNIT_ASSERT(!store_->roleHolder("cron"));
        CPPUNIT_ASSERT(!store_->roleHolder("placement"));
        CPPUNIT_ASSERT_THROW(store_->acquireOrRenewRole("x", "node-a", 0), sdk::InvalidInput);
    }

    void testStartCounters() {
        REQUIRE_DB();
        auto zero = store_->componentStartCount("c", 1);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), zero.startCount);
        const auto before = nowMs();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store_->incrementComponentStartCount("c", 1));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), store_->incrementComponentStartCount("c", 1));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store_->incrementComponentStartCount("c", 2));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store_->incrementComponentStartCount("other", 1));
        auto c1 = store_->componentStartCount("c", 1);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), c1.startCount);
        CPPUNIT_ASSERT(c1.firstStartedAt >= before && c1.lastStartedAt >= c1.firstStartedAt);
        CPPUNIT_ASSERT(c1.lastStartedAt <= nowMs());
    }

    void testTlsRecords() {
        REQUIRE_DB();
        CPPUNIT_ASSERT(!store_->getTlsRecord("certificate", "a.example.org"));
        CPPUNIT_ASSERT(store_->listTlsRecords("certificate").empty());
        const auto before = nowMs();
        store_->putTlsRecord({"certificate", "b.example.org", R"({"hostname":"b.example.org"})", 0});
        store_->putTlsRecord({"certificate", "a.example.org", R"({"hostname":"a.example.org"})", 42});
        // the same name under another kind is another record
        store_->putTlsRecord({"acme-challenge", "a.example.org", "token value", 0});
        auto a = store_->getTlsRecord("certificate", "a.example.org");
        CPPUNIT_ASSERT(a);
        CPPUNIT_ASSERT_EQUAL(std::string("certificate"), a->kind);
        CPPUNIT_ASSERT_EQUAL(std::string("a.example.org"), a->name);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"hostname":"a.example.org"})"), a->value);
        CPPUNIT_ASSERT_MESSAGE("modifiedAt is the put's time, not the caller's",
                               a->modifiedAt >= before && a->modifiedAt <= nowMs());
        auto list = store_->listTlsRecords("certificate");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), list.size());
        CPPUNIT_ASSERT_EQUAL(std::string("a.example.org"), list[0].name);
        CPPUNIT_ASSERT_EQUAL(std::string("b.example.org"), list[1].name);
        CPPUNIT_ASSERT_EQUAL(std::string("certificate"), list[1].kind);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"hostname":"b.example.org"})"), list[1].value);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store_->listTlsRecords("acme-challenge").size());
        CPPUNIT_ASSERT_EQUAL(std::string("token value"),
                             store_->getTlsRecord("acme-challenge", "a.example.org")->value);
        CPPUNIT_ASSERT(store_->listTlsRecords("acme-account").empty());
        // a put replaces (upsert)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        store_->putTlsRecord({"certificate", "a.example.org", R"({"hostname":"a.example.org","failures":1})", 0});
        auto replaced = store_->getTlsRecord("certificate", "a.example.org");
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"hostname":"a.example.org","failures":1})"), replaced->value);
        CPPUNIT_ASSERT(replaced->modifiedAt > a->modifiedAt);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), store_->listTlsRecords("certificate").size());
        // remove: only that kind's record
        CPPUNIT_ASSERT(store_->removeTlsRecord("certificate", "a.example.org"));
        CPPUNIT_ASSERT(!store_->removeTlsRecord("certificate", "a.example.org"));
        CPPUNIT_ASSERT(!store_->getTlsRecord("certificate", "a.example.org"));
        CPPUNIT_ASSERT(store_->getTlsRecord("acme-challenge", "a.example.org"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store_->listTlsRecords("certificate").size());
        // names are exact: no prefix or case folding, SQL wildcards are plain characters
        store_->putTlsRecord({"acme-account", "https://acme.example/dir?x=%_'", "{}", 0});
        CPPUNIT_ASSERT(store_->getTlsRecord("acme-account", "https://acme.example/dir?x=%_'"));
        CPPUNIT_ASSERT(!store_->getTlsRecord("acme-account", "https://acme.example/dir?x=%_"));
        CPPUNIT_ASSERT(!store_->getTlsRecord("Acme-Account", "https://acme.example/dir?x=%_'"));
        CPPUNIT_ASSERT_THROW(store_->putTlsRecord({"", "x", "{}", 0}), sdk::InvalidInput);
        CPPUNIT_ASSERT_THROW(store_->putTlsRecord({"certificate", "", "{}", 0}), sdk::InvalidInput);
    }

    void testTlsRecordLargestValue() {
        REQUIRE_DB();
        // A full 64 KiB value comes back byte for byte (MySQL selects it through a bounded CAST).
        std::string value(sdk::kMaxTlsRecordValueBytes, 'x');
        for (std::size_t i = 0; i < value.size(); i += 61)
            value[i] = static_cast<char>('a' + (i / 61) % 26);
        value.back() = '}';
        store_->putTlsRecord({"certificate", "big.example.org", value, 0});
        const auto got = store_->getTlsRecord("certificate", "big.example.org");
        CPPUNIT_ASSERT(got);
        CPPUNIT_ASSERT_EQUAL(value.size(), got->value.size());
        CPPUNIT_ASSERT(value == got->value);
        const auto list = store_->listTlsRecords("certificate");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), list.size());
        CPPUNIT_ASSERT(value == list[0].value);
        try {
            store_->putTlsRecord({"certificate", "bigger.example.org", value + "y", 0});
            CPPUNIT_FAIL("a value over 64 KiB must be refused");
        } catch (const sdk::InvalidInput& e) {
            const std::string what = e.what();
            CPPUNIT_ASSERT_MESSAGE(what, what.find("too large") != std::string::npos);
        }
        CPPUNIT_ASSERT(!store_->getTlsRecord("certificate", "bigger.example.org"));
    }

    void testMigrationsTwiceAndChecksum() {
        REQUIRE_DB();
        store_->putComponent(component("survivor"));
        store_->shutdown();
        store_.reset();
        std::vector<std::string> logged;
        std::mutex m;
        sdk::PluginLogger logger([&](sdk::LogLevel, const std::string& line) {
            std::lock_guard lock(m);
            logged.push_back(line);
        });
        auto again = testDb_->open(logger); // migrations already applied: nothing to do, data kept
        CPPUNIT_ASSERT(again->getComponent("survivor"));
        bool sawZero = false;
        for (const auto& l : logged)
            sawZero = sawZero || l.find("0 migration(s) applied") != std::string::npos;
        CPPUNIT_ASSERT_MESSAGE("log says 0 migrations applied", sawZero);
        auto third = testDb_->open();
        CPPUNIT_ASSERT(third->getComponent("survivor"));
        third->shutdown();
        again->shutdown();
        // an applied migration whose checksum differs is a clear startup error
        testDb_->execSql("UPDATE maelstrom_migrations SET checksum = 'tampered' WHERE version = 2");
        try {
            testDb_->open();
            CPPUNIT_FAIL("a tampered migration checksum must stop the plugin");
        } catch (const sdk::PluginError& e) {
            const std::string what = e.what();
            CPPUNIT_ASSERT_MESSAGE(what, what.find("checksum") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(what, what.find("migration 2") != std::string::npos);
        }
        testDb_->wipe();
        store_ = testDb_->open();
    }

    void testConcurrentMigrators() {
        REQUIRE_DB();
        store_->shutdown();
        store_.reset();
        testDb_->wipe();
        // several instances start against the same empty database at once
        std::vector<std::shared_ptr<sdk::Database>> stores(4);
        std::vector<std::string> errors;
        std::mutex m;
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < stores.size(); ++i) {
            threads.emplace_back([&, i] {
                try {
                    stores[i] = testDb_->open();
                } catch (const std::exception& e) {
                    std::lock_guard lock(m);
                    errors.push_back(e.what());
                }
            });
        }
        for (auto& t : threads)
            t.join();
        CPPUNIT_ASSERT_MESSAGE(errors.empty() ? "" : errors.front(), errors.empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), stores[0]->putComponent(component("m")));
        CPPUNIT_ASSERT(stores[3]->getComponent("m"));
        for (auto& s : stores)
            s->shutdown();
        store_ = testDb_->open();
    }

    void testConcurrentUpdatesExactlyOneWins() {
        REQUIRE_DB();
        for (int round = 0; round < 3; ++round) {
            const std::string name = "race-" + std::to_string(round);
            std::atomic<int> inserted{0}, exists{0}, updated{0}, conflicts{0}, other{0};
            std::vector<std::thread> threads;
            for (int t = 0; t < 6; ++t) {
                threads.emplace_back([&, t] {
                    try {
                        store_->putComponent(component(name, "p"));
                        ++inserted;
                    } catch (const sdk::AlreadyExists&) {
                        ++exists;
                    } catch (...) {
                        ++other;
                    }
                    while (!store_->getComponent(name))
                        std::this_thread::yield();
                    auto c = component(name, "p", 1);
                    c.maxConcurrency = t;
                    try {
                        store_->putComponent(c);
                        ++updated;
                    } catch (const sdk::VersionConflict&) {
                        ++conflicts;
                    } catch (...) {
                        ++other;
                    }
                });
            }
            for (auto& th : threads)
                th.join();
            CPPUNIT_ASSERT_EQUAL(0, other.load());
            CPPUNIT_ASSERT_EQUAL(1, inserted.load());
            CPPUNIT_ASSERT_EQUAL(5, exists.load());
            CPPUNIT_ASSERT_EQUAL(1, updated.load());
            CPPUNIT_ASSERT_EQUAL(5, conflicts.load());
            CPPUNIT_ASSERT_EQUAL(std::int64_t(2), store_->getComponent(name)->version);
        }
    }

    void testRoleLeaseRaceInThreads() {
        REQUIRE_DB();
        struct Period {
            std::string node;
            std::int64_t start, end;
        };
        std::vector<Period> periods;
        std::mutex m;
        std::atomic<int> errors{0};
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        std::vector<std::thread> threads;
        for (int t = 0; t < 6; ++t) {
            threads.emplace_back([&, t] {
                const std::string me = "thread-" + std::to_string(t);
                while (std::chrono::steady_clock::now() < deadline) {
                    try {
                        auto lease = store_->acquireOrRenewRole("race", me, 80);
                        if (!lease.acquired)
                            continue;
                        const std::int64_t start = nowMs();
                        std::this_thread::sleep_for(std::chrono::milliseconds(t % 3 == 0 ? 100 : 5));
                        const std::int64_t releaseAt = nowMs();
                        store_->releaseRole("race", me);
                        std::lock_guard lock(m);
                        periods.push_back({me, start, std::min(lease.expiresAt, releaseAt)});
                    } catch (const std::exception&) {
                        ++errors;
                    }
                }
            });
        }
        for (auto& th : threads)
            th.join();
        CPPUNIT_ASSERT_EQUAL(0, errors.load());
        CPPUNIT_ASSERT(std::count_if(periods.begin(), periods.end(), [](const Period& p) { return p.end > p.start; }) >
                       5);
        std::sort(periods.begin(), periods.end(), [](const Period& a, const Period& b) { return a.start < b.start; });
        std::int64_t maxEnd = 0;
        std::string maxNode;
        for (const auto& p : periods) {
            if (p.end <= p.start)
                continue; // the lease ran out before the call returned: never held
            if (p.node != maxNode && p.start < maxEnd) {
                CPPUNIT_FAIL("two holders at once: " + maxNode + " until " + std::to_string(maxEnd) + " and " + p.node +
                             " [" + std::to_string(p.start) + "," + std::to_string(p.end) + ")");
            }
            if (p.end > maxEnd) {
                maxEnd = p.end;
                maxNode = p.node;
            }
        }
    }

    void testConcurrentStartCounter() {
        REQUIRE_DB();
        std::vector<std::int64_t> results;
        std::mutex m;
        std::vector<std::thread> threads;
        for (int t = 0; t < 5; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 20; ++i) {
                    const auto n = store_->incrementComponentStartCount("counted", 4);
                    std::lock_guard lock(m);
                    results.push_back(n);
                }
            });
        }
        for (auto& th : threads)
            th.join();
        std::sort(results.begin(), results.end());
        for (std::size_t i = 0; i < results.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(std::int64_t(i + 1), results[i]);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(100), store_->componentStartCount("counted", 4).startCount);
    }

    void testConcurrentTlsRecordUpserts() {
        REQUIRE_DB();
        // Nodes write the same certificate record at once (a failure noted while another node stores the issued
        // certificate): every upsert succeeds (engine conflicts are retried inside the plugin) and one whole value wins.
        std::vector<std::string> errors;
        std::mutex m;
        std::vector<std::thread> threads;
        for (int t = 0; t < 5; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 20; ++i) {
                    try {
                        const std::string value = R"({"writer":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) +
                                                  "," + std::string(200, ' ') + "}";
                        store_->putTlsRecord({"certificate", "shared.example.org", value, 0});
                        store_->putTlsRecord({"acme-challenge", "token-" + std::to_string(t), value, 0});
                        store_->getTlsRecord("certificate", "shared.example.org");
                    } catch (const std::exception& e) {
                        std::lock_guard lock(m);
                        errors.push_back(e.what());
                    }
                }
            });
        }
        for (auto& th : threads)
            th.join();
        CPPUNIT_ASSERT_MESSAGE(errors.empty() ? "" : errors.front(), errors.empty());
        const auto shared = store_->getTlsRecord("certificate", "shared.example.org");
        CPPUNIT_ASSERT(shared);
        CPPUNIT_ASSERT_MESSAGE(shared->value, shared->value.find(R"(,"i":19,)") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store_->listTlsRecords("certificate").size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), store_->listTlsRecords("acme-challenge").size());
    }

    void testConfigurationForms() {
        REQUIRE_DB();
        store_->putComponent(component("via-default"));
        store_->shutdown();
        if (engine_ == tdb::Engine::Sqlite) {
            // the original's DSN forms: a file path, and an in-memory database
            sdk::RawSettings raw;
            raw.scalars["dsn"] = "file:" + testDb_->sqlitePath().string() + "?cache=shared&_journal_mode=WAL";
            raw.scalars["path"] = "/nonexistent/ignored.db"; // dsn wins
            auto viaDsn = tdb::createDatabase(pluginDir(), "sqlite", raw);
            CPPUNIT_ASSERT(viaDsn->getComponent("via-default"));
            viaDsn->shutdown();
            for (const char* memory : {":memory:", "file:test.db?cache=shared&mode=memory"}) {
                sdk::RawSettings mem;
                mem.scalars[std::string(memory) == ":memory:" ? "path" : "dsn"] = memory;
                auto db = tdb::createDatabase(pluginDir(), "sqlite", mem);
                std::vector<std::thread> threads;
                for (int t = 0; t < 4; ++t) {
                    threads.emplace_back([&, t] { db->putComponent(component("m" + std::to_string(t))); });
                }
                for (auto& th : threads)
                    th.join();
                CPPUNIT_ASSERT_EQUAL(std::size_t(4), db->listComponents({}, {}).items.size());
                CPPUNIT_ASSERT(!db->getComponent("via-default")); // a separate database
                db->shutdown();
            }
            // a directory that cannot be created: a clear configuration error
            sdk::RawSettings badDir;
            badDir.scalars["path"] = "/proc/maelstrom-cannot/x.db";
            try {
                tdb::createDatabase(pluginDir(), "sqlite", badDir);
                CPPUNIT_FAIL("expected InvalidConfig");
            } catch (const sdk::InvalidConfig& e) {
                CPPUNIT_ASSERT_EQUAL(std::string("path"), e.setting());
                CPPUNIT_ASSERT(std::string(e.what()).find("/proc/maelstrom-cannot") != std::string::npos);
            }
        } else {
            auto discrete = tdb::createDatabase(pluginDir(), tdb::pluginName(engine_), testDb_->discreteSettings());
            CPPUNIT_ASSERT(discrete->getComponent("via-default"));
            discrete->shutdown();
            sdk::RawSettings badDsn;
            badDsn.scalars["dsn"] = engine_ == tdb::Engine::Mysql ? "nodatabase" : "postgres://";
            CPPUNIT_ASSERT_THROW(tdb::createDatabase(pluginDir(), tdb::pluginName(engine_), badDsn),
                                 sdk::InvalidConfig);
        }
        store_ = testDb_->open();
    }

    void testUnreachableServerIsUnavailableWithoutPassword() {
        REQUIRE_DB();
        if (engine_ == tdb::Engine::Sqlite)
            return; // no server
        // a port nobody listens on, and a wrong password: Unavailable naming engine and host, never the password
        const std::string secret = "Wr0ng-S3cret-Pw";
        for (int variant = 0; variant < 2; ++variant) {
            auto raw = testDb_->discreteSettings();
            raw.scalars["password"] = secret;
            if (variant == 0)
                raw.scalars["port"] = std::to_string(freePort());
            try {
                tdb::createDatabase(pluginDir(), tdb::pluginName(engine_), raw);
                CPPUNIT_FAIL("expected Unavailable");
            } catch (const sdk::Unavailable& e) {
                const std::string what = e.what();
                CPPUNIT_ASSERT_MESSAGE(what, what.find(secret) == std::string::npos);
                CPPUNIT_ASSERT_MESSAGE(what, what.find(raw.scalars["host"]) != std::string::npos);
                CPPUNIT_ASSERT_MESSAGE(what, what.find(engine_ == tdb::Engine::Mysql ? "MySQL" : "PostgreSQL") !=
                                                 std::string::npos);
            }
        }
    }

    /// A pooled session must come back from a transaction (removeComponent, toggles, project writes, start
    /// counters) in autocommit mode: every later write on it must be committed by itself, visible to other
    /// connections at once and still there after a restart. Checked through a second plugin instance (its own
    /// connections), as the writes of a session left in an open transaction are visible only to that session.
    void testWritesAfterATransactionAreCommitted() {
        REQUIRE_DB();
        for (int i = 0; i < 10; ++i)
            store_->putComponent(component("before" + std::to_string(i)));
        store_->putComponent(component("gone"));
        store_->putEventSource(httpSource("gone-es", "gone"));
        CPPUNIT_ASSERT(store_->removeComponent("gone")); // a transaction
        store_->putEventSource(httpSource("es0", "before0"));
        store_->putEventSource(httpSource("es1", "before1"));
        sdk::EventSourceFilter one;
        one.componentName = "before0";
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store_->toggleEventSources(one, false).size()); // a transaction
        store_->incrementComponentStartCount("before0", 1);                                  // a transaction
        sdk::ProjectChanges project;
        project.putComponents.push_back(component("proj0", "p"));
        store_->applyProjectChanges(project); // a transaction
        for (int i = 0; i < 10; ++i)
            store_->putComponent(component("after" + std::to_string(i)));
        CPPUNIT_ASSERT(store_->removeEventSource("es1"));
        store_->putNodeStatus(sdk::NodeStatus{"node-a", 1, 2, 0, "http://127.0.0.1:1", 0, 0, 0, 0, 0, 0, {}});
        CPPUNIT_ASSERT(store_->acquireOrRenewRole("role-a", "node-a", 60000).acquired);

        auto check = [&](sdk::Database& db, const std::string& when) {
            const auto components = db.listComponents({}, {}).items;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(when, std::size_t(21), components.size());
            const auto sources = db.listEventSources({}, {}).items;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(when, std::size_t(1), sources.size());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(when, std::string("es0"), sources.front().eventSource.name);
            CPPUNIT_ASSERT_MESSAGE(when, !sources.front().enabled);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(when, std::int64_t(1), db.componentStartCount("before0", 1).startCount);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(when, std::size_t(1), db.listNodeStatus().size());
            const auto holder = db.roleHolder("role-a");
            CPPUNIT_ASSERT_MESSAGE(when, holder && holder->holderNodeId == "node-a");
        };
        // Other connections see every write while the first instance still holds its sessions...
        auto other = testDb_->open();
        check(*other, "through other connections");
        // ...and a roundtrip of more writes through the other instance does not wait on a lock held by the first.
        const auto started = std::chrono::steady_clock::now();
        other->putComponent(component("from-other"));
        CPPUNIT_ASSERT(other->removeComponent("from-other"));
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
        other->shutdown();
        // ...and after a restart.
        store_->shutdown();
        store_ = testDb_->open();
        check(*store_, "after a restart");
    }

    /// Names compare byte-wise and unicode values round-trip on every engine, whatever the server's default
    /// charset (the stock MariaDB run uses a latin1 server).
    void testUnicodeNamesAndValuesRoundTrip() {
        REQUIRE_DB();
        const std::vector<std::string> names = {"b", "B", "a\xC3\xA9", "ae", "a\xF0\x9F\x98\x80", "A"};
        for (const auto& n : names) {
            auto c = component(n);
            c.environment = {{"V", "\xF0\x9F\x8E\x89 " + n + " \xE6\xBC\xA2"}};
            store_->putComponent(c);
        }
        auto sorted = names;
        std::sort(sorted.begin(), sorted.end());
        const auto listed = store_->listComponents({}, {}).items;
        CPPUNIT_ASSERT_EQUAL(sorted.size(), listed.size());
        for (std::size_t i = 0; i < sorted.size(); ++i) {
            CPPUNIT_ASSERT_EQUAL(sorted[i], listed[i].name);
            CPPUNIT_ASSERT_EQUAL("\xF0\x9F\x8E\x89 " + sorted[i] + " \xE6\xBC\xA2", listed[i].environment.at(0).value);
        }
        // "a" + e-acute and "ae" are different names (no accent- or case-insensitive collation).
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), store_->listComponents({"a", ""}, {}).items.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store_->listComponents({"a\xC3\xA9", ""}, {}).items.size());
    }

private:
    tdb::Engine engine_ = tdb::Engine::Sqlite;
    std::unique_ptr<tdb::TestDatabase> testDb_;
    std::shared_ptr<sdk::Database> store_;
    bool available_ = false;
    std::string why_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(DatabaseContractTest);
