// registry_config_test.cpp — loadRegistryConfig and resolveNodeSettings: what the file and MAEL_* say,
// in which order they win, and the exact error lines for bad input.
#include "config/config_error.h"
#include "config/registry_config.h"
#include "test_support.h"

using namespace maelstrom;
using namespace maelstrom::core;
using maelstrom::testing::TempDir;

namespace {

RegistryConfig load(const TempDir& dir, const std::string& yaml, const std::map<std::string, std::string>& env = {}) {
    const auto file = dir.write("maelstromd.yml", yaml);
    return loadRegistryConfig(file.string(), "/default/plugins", env);
}

std::string errorOf(const TempDir& dir, const std::string& yaml, const std::map<std::string, std::string>& env = {}) {
    try {
        load(dir, yaml, env);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

class RegistryConfigTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RegistryConfigTest);
    CPPUNIT_TEST(testEmptyFileGivesDefaults);
    CPPUNIT_TEST(testServicesAndSettings);
    CPPUNIT_TEST(testRelativePluginDir);
    CPPUNIT_TEST(testStartOrderPutsDatabaseFirst);
    CPPUNIT_TEST(testEnvironmentWinsOverFile);
    CPPUNIT_TEST(testSqlDriverReplacesDatabaseEntry);
    CPPUNIT_TEST(testErrorsNameFileAndLine);
    CPPUNIT_TEST(testEventSourcesAreAList);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEmptyFileGivesDefaults() {
        TempDir dir;
        const auto config = load(dir, "");
        CPPUNIT_ASSERT(config.services.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("/default/plugins"), config.pluginDir);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8374), config.node.privatePort);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(80), config.node.publicPort);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(310), config.node.httpIdleTimeoutSeconds);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-1), config.node.totalMemoryMiB);
    }

    void testServicesAndSettings() {
        TempDir dir;
        const auto config = load(dir, "services:\n  load_balancer:\n    plugin: round-robin\n"
                                      "    settings:\n      a: 1\n      b: [x, y]\n      c:\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), config.services.size());
        const ServiceEntry* lb = config.find(sdk::ServiceKind::LoadBalancer);
        CPPUNIT_ASSERT(lb);
        CPPUNIT_ASSERT_EQUAL(std::string("round-robin"), lb->plugin);
        CPPUNIT_ASSERT_EQUAL(3, lb->line);
        CPPUNIT_ASSERT_EQUAL(std::string("1"), lb->settings.scalars.at("a"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), lb->settings.scalars.at("c"));
        CPPUNIT_ASSERT(lb->settings.lists.at("b") == (std::vector<std::string>{"x", "y"}));
        CPPUNIT_ASSERT(!config.find(sdk::ServiceKind::Database));
    }

    void testRelativePluginDir() {
        TempDir dir;
        const auto config = load(dir, "plugin_dir: ../plugins\n");
        CPPUNIT_ASSERT_EQUAL((dir.path().parent_path() / "plugins").string(), config.pluginDir);
    }

    void testStartOrderPutsDatabaseFirst() {
        TempDir dir;
        const auto config = load(dir, "services:\n  rpc_transport: {plugin: r}\n  load_balancer: {plugin: l}\n"
                                      "  database: {plugin: d}\n  container_runtime: {plugin: c}\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), config.services.size());
        CPPUNIT_ASSERT_EQUAL(std::string("d"), config.services[0].plugin);
        CPPUNIT_ASSERT_EQUAL(std::string("c"), config.services[1].plugin);
        CPPUNIT_ASSERT_EQUAL(std::string("l"), config.services[2].plugin);
        CPPUNIT_ASSERT_EQUAL(std::string("r"), config.services[3].plugin);
    }

    void testEnvironmentWinsOverFile() {
        TempDir dir;
        const auto config = load(dir, "node:\n  public_port: 8080\n  docker_prune_unreg_images: yes\n",
                                 {{"MAEL_PUBLIC_PORT", "9090"},
                                  {"MAEL_TOTAL_MEMORY", "0x400"},
                                  {"MAEL_PRIVATE_TOKEN", "t0ken"},
                                  {"UNRELATED", "x"}});
        CPPUNIT_ASSERT_EQUAL(std::int64_t(9090), config.node.publicPort);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1024), config.node.totalMemoryMiB);
        CPPUNIT_ASSERT(config.node.dockerPruneUnregImages);
        CPPUNIT_ASSERT_EQUAL(std::string("t0ken"), config.node.privateToken);
        bool sawToken = false;
        for (const auto& row : config.nodeReport) {
            if (row.key == "private_token") {
                sawToken = true;
                CPPUNIT_ASSERT_EQUAL(std::string("********"), row.value);
                CPPUNIT_ASSERT_EQUAL(std::string("env"), row.source);
            }
            if (row.key == "public_port") {
                CPPUNIT_ASSERT_EQUAL(std::string("env"), row.source);
            }
        }
        CPPUNIT_ASSERT(sawToken);
    }

    void testSqlDriverReplacesDatabaseEntry() {
        TempDir dir;
        const std::string yaml = "services:\n  database:\n    plugin: sqlite\n    settings: {path: /x.db}\n";
        const auto config =
            load(dir, yaml, {{"MAEL_SQL_DRIVER", "postgres"}, {"MAEL_SQL_DSN", "postgres://u:p@127.0.0.1:5432/mael"}});
        const ServiceEntry* db = config.find(sdk::ServiceKind::Database);
        CPPUNIT_ASSERT(db);
        CPPUNIT_ASSERT_EQUAL(std::string("postgres"), db->plugin);
        CPPUNIT_ASSERT_EQUAL(std::string("postgres://u:p@127.0.0.1:5432/mael"), db->settings.scalars.at("dsn"));
        CPPUNIT_ASSERT(db->settings.scalars.count("path") == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("sqlite"), databasePluginForDriver("sqlite3"));
        CPPUNIT_ASSERT_EQUAL(std::string("mysql"), databasePluginForDriver("mysql"));
    }

    void testErrorsNameFileAndLine() {
        TempDir dir;
        const std::string file = (dir.path() / "maelstromd.yml").string();
        CPPUNIT_ASSERT_EQUAL(file + ":2: unknown key 'colour' in services.database (valid: plugin, file, settings)",
                             errorOf(dir, "services:\n  database: {plugin: x, colour: red}\n"));
        CPPUNIT_ASSERT_EQUAL(file + ":2: node.public_port: not an integer: 'http'",
                             errorOf(dir, "node:\n  public_port: http\n"));
        CPPUNIT_ASSERT_EQUAL(
            file + ":5: services.load_balancer.settings.a: nested mappings are not supported",
            errorOf(dir, "services:\n  load_balancer:\n    plugin: x\n    settings:\n      a: {b: 1}\n"));
        CPPUNIT_ASSERT_EQUAL(file + ":1: the registry must be a mapping", errorOf(dir, "- a\n- b\n"));
        CPPUNIT_ASSERT_EQUAL(file +
                                 ":3: services.load_balancer.plugin '../evil' is not a plugin name (letters, digits, "
                                 "- _ . only)",
                             errorOf(dir, "services:\n  load_balancer:\n    plugin: ../evil\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("MAEL_HTTP_IDLE_TIMEOUT: empty value, expected an integer"),
                             errorOf(dir, "", {{"MAEL_HTTP_IDLE_TIMEOUT", ""}}));
    }

    void testEventSourcesAreAList() {
        TempDir dir;
        const std::string file = (dir.path() / "maelstromd.yml").string();
        const auto config = load(dir, "services:\n  event_sources:\n    - plugin: sqs\n      settings: {region: x}\n"
                                      "    - {plugin: cron}\n  database: {plugin: d}\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), config.services.size());
        CPPUNIT_ASSERT_EQUAL(std::string("d"), config.services[0].plugin); // event sources start last
        CPPUNIT_ASSERT(config.services[1].kind == sdk::ServiceKind::EventSource);
        CPPUNIT_ASSERT_EQUAL(std::string("sqs"), config.services[1].plugin);
        CPPUNIT_ASSERT_EQUAL(std::string("x"), config.services[1].settings.scalars.at("region"));
        CPPUNIT_ASSERT_EQUAL(std::string("cron"), config.services[2].plugin);
        CPPUNIT_ASSERT(load(dir, "services:\n  event_sources: []\n").services.empty());
        CPPUNIT_ASSERT_EQUAL(file + ":2: services.event_sources must be a list of entries (- plugin: cron)",
                             errorOf(dir, "services:\n  event_sources: {plugin: cron}\n"));
        CPPUNIT_ASSERT_EQUAL(file + ":4: services.event_sources[1]: plugin 'cron' is listed twice",
                             errorOf(dir, "services:\n  event_sources:\n    - plugin: cron\n    - plugin: cron\n"));
        CPPUNIT_ASSERT_EQUAL(file + ":3: unknown key 'colour' in services.event_sources[0] (valid: plugin, file, "
                                    "settings)",
                             errorOf(dir, "services:\n  event_sources:\n    - {plugin: cron, colour: red}\n"));
        CPPUNIT_ASSERT_EQUAL(file + ":2: unknown service kind 'event_source' (valid: container_runtime, database, "
                                    "load_balancer, rpc_transport, event_sources (a list))",
                             errorOf(dir, "services:\n  event_source: {plugin: cron}\n"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RegistryConfigTest);
