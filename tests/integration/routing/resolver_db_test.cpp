// resolver_db_test.cpp — HttpResolver::refresh reading a real database (the sqlite plugin): only enabled HTTP
// event sources become rules, every page is read (more than 1,000 sources), an unchanged database does not
// rebuild the table, and toggles, new sources and removed components show up on the next refresh.
#include "model_builders.h"
#include "registry/plugin_loader.h"
#include "routing/resolver.h"
#include "test_support.h"

#include <maelstrom/sdk/database.h>

using namespace maelstrom;
using namespace maelstrom::core;

namespace {

const auto component = testing::testComponent;

} // namespace

class ResolverDbTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ResolverDbTest);
    CPPUNIT_TEST(testRefreshFromSqlite);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRefreshFromSqlite() {
        testing::TempDir dir;
        const auto plugin = LoadedPlugin::open(pluginPath(testing::pluginDir().string(), "sqlite"),
                                               sdk::ServiceKind::Database, "sqlite");
        sdk::RawSettings raw;
        raw.scalars["path"] = (dir.path() / "routing.db").string();
        sdk::HostContext host;
        host.dataDir = dir.path().string();
        auto db = std::dynamic_pointer_cast<sdk::Database>(plugin.createService(raw, host));
        CPPUNIT_ASSERT(db);

        db->putComponent(component("web"));
        db->putComponent(component("api"));
        db->putComponent(component("bulk"));
        db->putEventSource(testing::httpEventSource("web-http", "web", "web.example", "", false));
        db->putEventSource(testing::httpEventSource("api-http", "api", "", "/api/", true));
        sdk::EventSource cron;
        cron.name = "web-cron";
        cron.componentName = "web";
        cron.cron = sdk::CronEventSource{"* * * * *", {"GET", "/tick", "", {}}};
        db->putEventSource(cron);
        // More than one page (the database returns at most 1,000 per page).
        for (int i = 0; i < 1200; ++i) {
            const auto n = std::to_string(i);
            db->putEventSource(testing::httpEventSource("bulk-" + n, "bulk", "bulk" + n + ".example", ""));
        }

        HttpResolver resolver;
        CPPUNIT_ASSERT(resolver.refresh(*db));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1202), resolver.table()->size());
        CPPUNIT_ASSERT_EQUAL(std::string("web"), resolver.resolve("web.example:80", "/x")->componentName);
        const auto api = resolver.resolve("other", "/api/v1");
        CPPUNIT_ASSERT(api && api->stripPrefix);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1"), upstreamPath("/api/v1", *api));
        CPPUNIT_ASSERT_EQUAL(std::string("bulk"), resolver.resolve("bulk1199.example", "/")->componentName);
        CPPUNIT_ASSERT_EQUAL(std::string("bulk"), resolver.resolve("bulk0.example", "/")->componentName);

        // Nothing changed: the same table object stays.
        const auto before = resolver.table();
        CPPUNIT_ASSERT(!resolver.refresh(*db));
        CPPUNIT_ASSERT(before == resolver.table());

        // Disabled sources do not match.
        sdk::EventSourceFilter filter;
        filter.namePrefix = "web-http";
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), db->toggleEventSources(filter, false).size());
        CPPUNIT_ASSERT(resolver.refresh(*db));
        CPPUNIT_ASSERT(!resolver.resolve("web.example", "/x"));
        CPPUNIT_ASSERT(db->toggleEventSources(filter, true).size() == 1);
        CPPUNIT_ASSERT(resolver.refresh(*db));
        CPPUNIT_ASSERT(resolver.resolve("web.example", "/x"));

        // Removing a component removes its sources.
        db->removeComponent("api");
        CPPUNIT_ASSERT(resolver.refresh(*db));
        CPPUNIT_ASSERT(!resolver.resolve("other", "/api/v1"));
        db->shutdown();
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ResolverDbTest);
