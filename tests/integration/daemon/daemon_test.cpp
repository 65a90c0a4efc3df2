// daemon_test.cpp — maelstromd and maelctl run as users run them: the registry, every plugin-loading failure
// (exit code 2 and its one-line message), --check-config, --describe-plugin, the health check on the private
// port, a clean stop on SIGTERM, and nothing half started when a later plugin fails.
#include "test_support.h"

#include <maelstrom/sdk/version.h>

#include <csignal>
#include <fstream>

using namespace maelstrom::testing;

namespace {

const std::string kTestPlugins = MAELSTROM_TEST_PLUGIN_DIR;

std::string maelstromd() { return (binDir() / "maelstromd").string(); }
std::string maelctl() { return (binDir() / "maelctl").string(); }

std::size_t countOf(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) {
        ++n;
    }
    return n;
}

// A registry with plugin_dir = the test plugins and one load_balancer entry.
std::string registry(const std::string& plugin, const std::string& settings = "", const std::string& extra = "") {
    std::string text =
        "plugin_dir: " + kTestPlugins + "\n" + extra + "services:\n  load_balancer:\n    plugin: " + plugin + "\n";
    if (!settings.empty()) {
        text += "    settings:\n" + settings;
    }
    return text;
}

ProcessResult checkConfig(const TempDir& dir, const std::string& yaml,
                          const std::map<std::string, std::string>& env = {}) {
    const auto file = dir.write("maelstromd.yml", yaml);
    return runProcess({maelstromd(), "--config", file.string(), "--check-config"}, env);
}

// The one line a configuration error prints: the last line of stderr (log lines of plugins created before
// the failure may come first). Exactly one line starts with "maelstromd: ".
std::string errorLine(const ProcessResult& r) {
    std::string text = r.err;
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    const auto lastBreak = text.rfind('\n');
    return lastBreak == std::string::npos ? text : text.substr(lastBreak + 1);
}

int countErrorLines(const std::string& err) {
    int count = err.rfind("maelstromd: ", 0) == 0 ? 1 : 0;
    for (auto pos = err.find("\nmaelstromd: "); pos != std::string::npos; pos = err.find("\nmaelstromd: ", pos + 1)) {
        ++count;
    }
    return count;
}

void assertConfigError(const ProcessResult& r, const std::string& expectedPart) {
    const std::string line = errorLine(r);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, 2, r.exitCode);
    CPPUNIT_ASSERT_EQUAL_MESSAGE("one error line expected in: " + r.err, 1, countErrorLines(r.err));
    CPPUNIT_ASSERT_MESSAGE("expected '" + expectedPart + "' in: " + line, line.find(expectedPart) != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(line, line.rfind("maelstromd: ", 0) == 0);
}

} // namespace

class DaemonTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DaemonTest);
    CPPUNIT_TEST(testHelpAndVersion);
    CPPUNIT_TEST(testCheckConfigListsServices);
    CPPUNIT_TEST(testShippedRegistryChecks);
    CPPUNIT_TEST(testSecretsAreRedacted);
    CPPUNIT_TEST(testEnvironmentOverridesFile);
    CPPUNIT_TEST(testYamlSyntaxErrorNamesLineAndColumn);
    CPPUNIT_TEST(testUnknownKind);
    CPPUNIT_TEST(testUnknownTopLevelKey);
    CPPUNIT_TEST(testPluginFileMissing);
    CPPUNIT_TEST(testNotAPlugin);
    CPPUNIT_TEST(testNotAnElfFile);
    CPPUNIT_TEST(testAbiMismatch);
    CPPUNIT_TEST(testWrongKind);
    CPPUNIT_TEST(testWrongName);
    CPPUNIT_TEST(testWrongInterface);
    CPPUNIT_TEST(testPluginRejectsConfig);
    CPPUNIT_TEST(testPluginFailsToStart);
    CPPUNIT_TEST(testMissingRequiredSetting);
    CPPUNIT_TEST(testUnknownSetting);
    CPPUNIT_TEST(testBadSettingType);
    CPPUNIT_TEST(testBadEnvironmentValue);
    CPPUNIT_TEST(testSqlDriverNeedsDsn);
    CPPUNIT_TEST(testUnknownSqlDriver);
    CPPUNIT_TEST(testMissingRegistryFile);
    CPPUNIT_TEST(testUnknownOption);
    CPPUNIT_TEST(testDescribePlugin);
    CPPUNIT_TEST(testServesHealthCheckAndStopsCleanly);
    CPPUNIT_TEST(testFailureStartsNothing);
    CPPUNIT_TEST(testPortInUse);
    CPPUNIT_TEST(testMaelctl);
    CPPUNIT_TEST_SUITE_END();

public:
    void testHelpAndVersion() {
        auto help = runProcess({maelstromd(), "--help"});
        CPPUNIT_ASSERT_EQUAL(0, help.exitCode);
        CPPUNIT_ASSERT(help.out.find("--check-config") != std::string::npos);
        CPPUNIT_ASSERT(help.out.find("--config") != std::string::npos);
        auto version = runProcess({maelstromd(), "--version"});
        CPPUNIT_ASSERT_EQUAL(0, version.exitCode);
        CPPUNIT_ASSERT_MESSAGE(version.out, version.out.rfind("maelstromd v", 0) == 0);
        auto positional = runProcess({maelstromd(), "version"});
        CPPUNIT_ASSERT_EQUAL(0, positional.exitCode);
        CPPUNIT_ASSERT_EQUAL(version.out, positional.out);
    }

    void testCheckConfigListsServices() {
        TempDir dir;
        auto r = checkConfig(dir, registry("test-lb"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.err, 0, r.exitCode);
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("configuration OK") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("service load_balancer: test-lb 0.0.1") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("plugin_dir: " + kTestPlugins) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(r.out,
                               r.out.find("private_port = 8374 (default, MAEL_PRIVATE_PORT)") != std::string::npos);
        // Settings accepted without effect yet say so; those that act (the prune timer's) do not.
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("public_https_port = 443 (default, MAEL_PUBLIC_HTTPS_PORT)\n") !=
                                          std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("cron_refresh_seconds = 60 (default, MAEL_CRON_REFRESH_SECONDS) "
                                                 "(accepted, not acted on yet)\n") != std::string::npos);
        for (const char* line : {"docker_prune_minutes = 0 (default, MAEL_DOCKER_PRUNE_MINUTES)\n",
                                 "docker_prune_unreg_images = false (default, MAEL_DOCKER_PRUNE_UNREG_IMAGES)\n",
                                 "docker_prune_unreg_keep =  (default, MAEL_DOCKER_PRUNE_UNREG_KEEP)\n"}) {
            CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find(line) != std::string::npos);
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out, std::size_t(1), countOf(r.out, "(accepted, not acted on yet)"));
    }

    void testShippedRegistryChecks() {
        // etc/maelstromd.yml names only plugins that exist in this build (the docker plugin needs the engine
        // that tests/run.sh starts; the SQLite file goes to a temporary data_dir).
        TempDir data;
        const std::map<std::string, std::string> env = {
            {"MAEL_DATA_DIR", data.path().string()}, {"-MAEL_SQL_DRIVER", ""}, {"-MAEL_SQL_DSN", ""}};
        auto r = runProcess({maelstromd(), "--config", (sourceDir() / "etc/maelstromd.yml").string(), "--check-config"},
                            env);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, 0, r.exitCode);
        for (const char* line :
             {"service database: sqlite", "service container_runtime: docker", "service load_balancer: round-robin",
              "service rpc_transport: jsonrpc-http", "service event_source: cron", "service event_source: sqs",
              "service event_source: awsstepfunc"}) {
            CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find(line) != std::string::npos);
        }
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("data_dir = " + data.path().string() + " (env, MAEL_DATA_DIR)") !=
                                          std::string::npos);
        // Without --config it finds <build>/etc/maelstrom/maelstromd.yml next to bin/, as in an install.
        auto withDefault = env;
        withDefault["-MAELSTROM_CONFIG"] = "";
        auto found = runProcess({maelstromd(), "--check-config"}, withDefault);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(found.out + found.err, 0, found.exitCode);
    }

    void testSecretsAreRedacted() {
        TempDir dir;
        auto r = checkConfig(dir, registry("test-lb", "      token: hunter2-very-secret\n"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.err, 0, r.exitCode);
        CPPUNIT_ASSERT(r.out.find("token = ********") != std::string::npos);
        CPPUNIT_ASSERT(r.out.find("hunter2") == std::string::npos);
        CPPUNIT_ASSERT(r.err.find("hunter2") == std::string::npos);
        auto token = checkConfig(dir, registry("test-lb"), {{"MAEL_PRIVATE_TOKEN", "sekrit-token"}});
        CPPUNIT_ASSERT_EQUAL(0, token.exitCode);
        CPPUNIT_ASSERT(token.out.find("sekrit-token") == std::string::npos);
        CPPUNIT_ASSERT(token.out.find("private_token = ******** (env") != std::string::npos);
    }

    void testEnvironmentOverridesFile() {
        TempDir dir;
        auto r = checkConfig(dir, registry("test-lb", "", "node:\n  public_port: 8080\n  private_port: 9000\n"),
                             {{"MAEL_PRIVATE_PORT", "0x2000"}});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.err, 0, r.exitCode);
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("public_port = 8080 (file, MAEL_PUBLIC_PORT)") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("private_port = 8192 (env, MAEL_PRIVATE_PORT)") != std::string::npos);
    }

    void testYamlSyntaxErrorNamesLineAndColumn() {
        TempDir dir;
        auto r = checkConfig(dir, "services:\n  load_balancer:\n    plugin: [unclosed\n");
        assertConfigError(r, "maelstromd.yml:4:1: YAML syntax error");
        auto tab = checkConfig(dir, "services:\n  load_balancer: {plugin: a\n");
        assertConfigError(tab, "YAML syntax error");
    }

    void testUnknownKind() {
        TempDir dir;
        auto r =
            checkConfig(dir, "services:\n  load_balancer:\n    plugin: round-robin\n  message_queue:\n    plugin: x\n");
        assertConfigError(r, "maelstromd.yml:5: unknown service kind 'message_queue' (valid: container_runtime, "
                             "database, load_balancer, rpc_transport, event_sources (a list))");
    }

    void testUnknownTopLevelKey() {
        TempDir dir;
        assertConfigError(checkConfig(dir, "plugins: {}\n"), "maelstromd.yml:1: unknown key 'plugins'");
        assertConfigError(checkConfig(dir, "node:\n  privat_port: 1\n"), "unknown node setting 'privat_port'");
        assertConfigError(checkConfig(dir, "services:\n  load_balancer:\n    name: x\n"),
                          "unknown key 'name' in services.load_balancer");
        assertConfigError(checkConfig(dir, "services:\n  load_balancer:\n    settings: {}\n"),
                          "services.load_balancer needs 'plugin: <name>'");
        assertConfigError(checkConfig(dir, "services:\n  load_balancer: {plugin: a}\n  load_balancer: {plugin: b}\n"),
                          "duplicate key 'load_balancer'");
    }

    void testPluginFileMissing() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("no-such-plugin")),
                          "load_balancer plugin 'no-such-plugin': plugin file not found: " + kTestPlugins +
                              "/no-such-plugin.so");
    }

    void testNotAPlugin() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-no-symbols")),
                          "test-no-symbols.so is not a maelstrom plugin");
    }

    void testNotAnElfFile() {
        TempDir dir;
        dir.write("plugins/garbage.so", "this is not a shared object\n");
        const std::string yaml =
            "plugin_dir: " + (dir.path() / "plugins").string() + "\nservices:\n  load_balancer:\n    plugin: garbage\n";
        assertConfigError(checkConfig(dir, yaml), "load_balancer plugin 'garbage': cannot load");
    }

    void testAbiMismatch() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-wrong-abi")),
                          "was built for plugin ABI 999, this maelstromd supports ABI " +
                              std::to_string(MAELSTROM_SDK_ABI_VERSION));
    }

    void testWrongKind() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-wrong-kind")),
                          "test-wrong-kind.so is a database plugin, not a load_balancer plugin");
    }

    void testWrongName() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-wrong-name")),
                          "declares the plugin name 'something-else', expected 'test-wrong-name'");
    }

    void testWrongInterface() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-not-lb")),
                          "the service it created does not implement the load_balancer interface");
    }

    void testPluginRejectsConfig() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-lb", "      reject: true\n")),
                          "load_balancer plugin 'test-lb' rejected its configuration: setting 'reject': rejected on "
                          "purpose");
    }

    void testPluginFailsToStart() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-lb", "      fail_start: true\n")),
                          "load_balancer plugin 'test-lb' failed to start: backend unreachable at 127.0.0.1:1");
    }

    void testMissingRequiredSetting() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-required")),
                          "load_balancer plugin 'test-required': missing required setting 'endpoint'");
        auto ok = checkConfig(dir, registry("test-required", "      endpoint: somewhere\n"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.err, 0, ok.exitCode);
    }

    void testUnknownSetting() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-lb", "      colour: blue\n")),
                          "unknown setting 'colour' (valid: marker_file, reject, fail_start, token)");
    }

    void testBadSettingType() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-lb", "      reject: maybe\n")),
                          "setting 'reject': not a boolean: 'maybe'");
        assertConfigError(checkConfig(dir, registry("test-lb", "      token: [a, b]\n")),
                          "setting 'token': expected a single string value, got a list");
    }

    void testBadEnvironmentValue() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-lb"), {{"MAEL_PUBLIC_PORT", "eighty"}}),
                          "MAEL_PUBLIC_PORT: not an integer: 'eighty'");
        assertConfigError(checkConfig(dir, registry("test-lb"), {{"MAEL_DOCKER_PRUNE_UNREG_IMAGES", "perhaps"}}),
                          "MAEL_DOCKER_PRUNE_UNREG_IMAGES: not a boolean: 'perhaps'");
        assertConfigError(checkConfig(dir, registry("test-lb", "", "node:\n  public_port: 99999\n")),
                          "public_port out of range: 99999");
    }

    void testSqlDriverNeedsDsn() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-lb"), {{"MAEL_SQL_DRIVER", "sqlite3"}}),
                          "MAEL_SQL_DRIVER and MAEL_SQL_DSN must be set together");
    }

    void testUnknownSqlDriver() {
        TempDir dir;
        assertConfigError(checkConfig(dir, registry("test-lb"), {{"MAEL_SQL_DRIVER", "oracle"}, {"MAEL_SQL_DSN", "x"}}),
                          "MAEL_SQL_DRIVER: unknown driver 'oracle' (valid: sqlite3, mysql, postgres)");
    }

    void testMissingRegistryFile() {
        auto r = runProcess({maelstromd(), "--config", "/nonexistent/maelstromd.yml", "--check-config"});
        assertConfigError(r, "/nonexistent/maelstromd.yml: cannot read the registry file (no such file)");
    }

    void testUnknownOption() {
        auto r = runProcess({maelstromd(), "--frobnicate"});
        CPPUNIT_ASSERT_EQUAL(2, r.exitCode);
        CPPUNIT_ASSERT_MESSAGE(r.err, r.err.find("frobnicate") != std::string::npos);
    }

    void testDescribePlugin() {
        TempDir dir;
        const auto file = dir.write("maelstromd.yml", registry("test-lb"));
        auto r = runProcess({maelstromd(), "--config", file.string(), "--describe-plugin", "test-required"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.err, 0, r.exitCode);
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("plugin test-required 0.0.1 (load_balancer)") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("endpoint (string, required)") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("token (string, secret)") != std::string::npos);
        // The event-source kind, from the build's own plugin directory.
        auto cron = runProcess({maelstromd(), "--describe-plugin", "cron"}, {{"-MAELSTROM_CONFIG", ""}});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(cron.out + cron.err, 0, cron.exitCode);
        CPPUNIT_ASSERT_MESSAGE(cron.out, cron.out.find("(event_source)") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(cron.out, cron.out.find("lease_seconds (int, default: 10)") != std::string::npos);
        // A setting the cron plugin refuses stops the daemon with its name.
        const auto bad = dir.write("bad.yml", "services:\n  event_sources:\n    - plugin: cron\n"
                                              "      settings: {renew_seconds: 5, lease_seconds: 6}\n");
        assertConfigError(runProcess({maelstromd(), "--config", bad.string(), "--check-config"}), "lease_seconds");
        // The AWS event sources of the shipped registry describe their settings the same way.
        for (const char* plugin : {"sqs", "awsstepfunc"}) {
            auto aws = runProcess({maelstromd(), "--describe-plugin", plugin}, {{"-MAELSTROM_CONFIG", ""}});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(aws.out + aws.err, 0, aws.exitCode);
            CPPUNIT_ASSERT_MESSAGE(aws.out, aws.out.find("(event_source)") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(aws.out, aws.out.find("reload_seconds (int, default: 60)") != std::string::npos);
        }
        const auto badSqs = dir.write("bad-sqs.yml", "services:\n  event_sources:\n    - plugin: sqs\n"
                                                     "      settings: {receive_wait_seconds: 21}\n");
        assertConfigError(runProcess({maelstromd(), "--config", badSqs.string(), "--check-config"}),
                          "receive_wait_seconds");
    }

    void testServesHealthCheckAndStopsCleanly() {
        TempDir dir;
        const int port = freePort();
        const auto file = dir.write(
            "maelstromd.yml", registry("test-lb", "      marker_file: " + (dir.path() / "marker").string() + "\n"));
        BackgroundProcess daemon({maelstromd(), "--config", file.string()},
                                 {{"MAEL_PRIVATE_PORT", std::to_string(port)}, {"MAEL_PUBLIC_PORT", "0"}});
        std::string body;
        CPPUNIT_ASSERT_MESSAGE(daemon.output(),
                               waitUntil([&] { return httpGetStatus(port, "/_mael_health_check", &body) == 200; },
                                         std::chrono::seconds(30)));
        CPPUNIT_ASSERT_EQUAL(std::string("OK"), body);
        CPPUNIT_ASSERT_EQUAL(404, httpGetStatus(port, "/_mael_health_check?x=1"));
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
        std::ifstream marker(dir.path() / "marker");
        std::string all((std::istreambuf_iterator<char>(marker)), std::istreambuf_iterator<char>());
        CPPUNIT_ASSERT_EQUAL(std::string("test-lb created\ntest-lb shutdown\n"), all);
        CPPUNIT_ASSERT_MESSAGE(daemon.output(), daemon.output().find("maelstromd: exiting") != std::string::npos);

        BackgroundProcess again({maelstromd(), "--config", file.string()},
                                {{"MAEL_PRIVATE_PORT", std::to_string(port)}, {"MAEL_PUBLIC_PORT", "0"}});
        CPPUNIT_ASSERT(
            waitUntil([&] { return httpGetStatus(port, "/_mael_health_check") == 200; }, std::chrono::seconds(30)));
        CPPUNIT_ASSERT_EQUAL(0, again.stop(SIGINT));
    }

    void testFailureStartsNothing() {
        // The database entry starts first, then the load balancer fails: the database's service is shut down
        // again, no port is opened, exit 2.
        TempDir dir;
        const int port = freePort();
        const std::string marker = (dir.path() / "marker").string();
        const std::string yaml = "plugin_dir: " + kTestPlugins +
                                 "\nservices:\n  load_balancer:\n    plugin: test-lb\n"
                                 "    settings:\n      reject: true\n  container_runtime:\n    plugin: test-lb\n"
                                 "    settings:\n      marker_file: " +
                                 marker + "\n";
        const auto file = dir.write("maelstromd.yml", yaml);
        auto r = runProcess({maelstromd(), "--config", file.string()},
                            {{"MAEL_PRIVATE_PORT", std::to_string(port)}, {"MAEL_PUBLIC_PORT", "0"}});
        // test-lb is a load balancer, so as a container_runtime it is rejected for its kind first.
        assertConfigError(r, "is a load_balancer plugin, not a container_runtime plugin");
        CPPUNIT_ASSERT_EQUAL(-1, httpGetStatus(port, "/_mael_health_check"));

        // Two valid-kind services where the second fails: the first is created, then shut down.
        TempDir dir2;
        const std::string marker2 = (dir2.path() / "marker").string();
        const std::string yaml2 =
            "plugin_dir: " + kTestPlugins +
            "\nservices:\n  load_balancer:\n    plugin: test-lb\n    settings:\n      marker_file: " + marker2 +
            "\n  rpc_transport:\n    plugin: test-lb\n";
        const auto file2 = dir2.write("maelstromd.yml", yaml2);
        auto r2 = runProcess({maelstromd(), "--config", file2.string()},
                             {{"MAEL_PRIVATE_PORT", std::to_string(port)}, {"MAEL_PUBLIC_PORT", "0"}});
        assertConfigError(r2, "rpc_transport plugin 'test-lb'");
        std::ifstream in(marker2);
        std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CPPUNIT_ASSERT_EQUAL(std::string("test-lb created\ntest-lb shutdown\n"), all);
        CPPUNIT_ASSERT_EQUAL(-1, httpGetStatus(port, "/_mael_health_check"));
    }

    void testPortInUse() {
        TempDir dir;
        const int port = freePort();
        const auto file = dir.write("maelstromd.yml", registry("test-lb"));
        BackgroundProcess first({maelstromd(), "--config", file.string()},
                                {{"MAEL_PRIVATE_PORT", std::to_string(port)}, {"MAEL_PUBLIC_PORT", "0"}});
        CPPUNIT_ASSERT(
            waitUntil([&] { return httpGetStatus(port, "/_mael_health_check") == 200; }, std::chrono::seconds(30)));
        auto second = runProcess({maelstromd(), "--config", file.string()},
                                 {{"MAEL_PRIVATE_PORT", std::to_string(port)}, {"MAEL_PUBLIC_PORT", "0"}});
        CPPUNIT_ASSERT_EQUAL(2, second.exitCode);
        CPPUNIT_ASSERT_MESSAGE(second.err, second.err.find("cannot listen on the private port " +
                                                           std::to_string(port)) != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(200, httpGetStatus(port, "/_mael_health_check"));
    }

    void testMaelctl() {
        auto help = runProcess({maelctl(), "--help"}, {{"MAELSTROM_PRIVATE_URL", "http://127.0.0.1:9999"}});
        CPPUNIT_ASSERT_EQUAL(0, help.exitCode);
        CPPUNIT_ASSERT(help.out.rfind("maelctl - Maelstrom Command Line Tool\n\nUsage:\n  maelctl cert ls", 0) == 0);
        CPPUNIT_ASSERT(help.out.find("maelstromd: http://127.0.0.1:9999") != std::string::npos);
        auto version = runProcess({maelctl(), "version"});
        CPPUNIT_ASSERT_EQUAL(0, version.exitCode);
        CPPUNIT_ASSERT(version.out.rfind("maelctl v", 0) == 0);
        auto bare = runProcess({maelctl()});
        CPPUNIT_ASSERT_EQUAL(1, bare.exitCode);
        CPPUNIT_ASSERT(bare.err.find("Usage:") != std::string::npos);
        auto bad = runProcess({maelctl(), "comp", "ls", "--colour=red"});
        CPPUNIT_ASSERT_EQUAL(1, bad.exitCode);
        CPPUNIT_ASSERT(bad.err.find("unknown option --colour") != std::string::npos);
        auto rm = runProcess({maelctl(), "project", "rm"});
        CPPUNIT_ASSERT_EQUAL(1, rm.exitCode);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DaemonTest);
