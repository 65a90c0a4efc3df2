// db_test_common.h — shared by the database plugin tests and the database benchmark: loads the real plugin
// .so files with plain Boost.DLL, validates their settings with sdk::Settings::validate, and gives each test
// an empty database on the engine under test (a temporary SQLite file, or the test database on the loopback
// MariaDB / PostgreSQL wiped clean). Direct SQL access (Poco::Data) is for wiping and tampering only.
// SPDX-License-Identifier: Apache-2.0
//
// Servers: env MAELSTROM_TEST_MYSQL_DSN (default maelstrom_test:maelstrom_test@(127.0.0.1:3306)/maelstrom_test)
// and MAELSTROM_TEST_POSTGRES_DSN (default postgres://maelstrom_test:maelstrom_test@127.0.0.1:5432/maelstrom_test
// ?sslmode=disable), as tests/services/start-*.sh create them. Engine under test: env MAELSTROM_TEST_DB_ENGINE
// (sqlite, mysql, postgres; default sqlite). Not thread-safe except where stated.
#pragma once

#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/plugin.h>
#include <maelstrom/sdk/settings.h>

#include <filesystem>
#include <memory>
#include <string>

namespace maelstrom::testing::db {

enum class Engine { Sqlite, Mysql, Postgres };

/// MAELSTROM_TEST_DB_ENGINE, or `fallback`.
Engine engineFromEnv(Engine fallback = Engine::Sqlite);
Engine engineFromName(const std::string& name); // throws std::invalid_argument
/// The plugin name: "sqlite", "mysql", "postgres".
const char* pluginName(Engine engine);
std::string mysqlDsn();
std::string postgresDsn();
/// The password inside the engine's test DSN ("" for sqlite): tests check it never shows up in messages.
std::string testPassword(Engine engine);

/// The descriptor exported by <pluginDir>/<name>.so. The library stays loaded until the process exits.
/// Thread-safe.
const sdk::PluginDescriptor& loadDescriptor(const std::filesystem::path& pluginDir, const std::string& name);

/// Validates `raw` against the plugin's table and creates the service (cast to Database).
std::shared_ptr<sdk::Database> createDatabase(const std::filesystem::path& pluginDir, const std::string& plugin,
                                              const sdk::RawSettings& raw, sdk::PluginLogger logger = {});

/// An empty database on one engine.
class TestDatabase {
public:
    TestDatabase(Engine engine, std::filesystem::path pluginDir);
    ~TestDatabase();
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    Engine engine() const { return engine_; }
    /// Whether the server answers (always true for SQLite); `why` gets the reason when not.
    bool available(std::string* why = nullptr);
    /// Drops every table of ours (the next plugin instance migrates from scratch).
    void wipe();
    /// Raw registry settings that point the plugin at this database (dsn form for servers, path for SQLite).
    sdk::RawSettings settings() const;
    /// Discrete-settings form (host/port/user/password/database) for the servers; path for SQLite.
    sdk::RawSettings discreteSettings() const;
    /// The `database:` entry of a maelstromd registry (under `services:`, two-space indented) that points the
    /// engine's plugin at this database: for tests that start a real maelstromd on it.
    std::string registryEntry() const;
    std::shared_ptr<sdk::Database> open(sdk::PluginLogger logger = {}) const;
    /// Runs one statement directly (not through the plugin).
    void execSql(const std::string& sql);
    const std::filesystem::path& sqlitePath() const { return sqlitePath_; }

private:
    Engine engine_;
    std::filesystem::path pluginDir_;
    std::filesystem::path tempDir_;
    std::filesystem::path sqlitePath_;
};

} // namespace maelstrom::testing::db
