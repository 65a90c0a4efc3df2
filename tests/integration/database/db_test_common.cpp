// db_test_common.cpp — see db_test_common.h.
// SPDX-License-Identifier: Apache-2.0
#include "db_test_common.h"

#include "dsn.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/Data/MySQL/Connector.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <boost/dll/shared_library.hpp>

#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>

namespace maelstrom::testing::db {

namespace fs = std::filesystem;

namespace {

std::string envOr(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}

Poco::Data::Session directSession(Engine engine, const fs::path& sqlitePath) {
    switch (engine) {
    case Engine::Sqlite:
        return Poco::Data::Session(Poco::Data::SQLite::Connector().createSession(sqlitePath.string(), 5));
    case Engine::Mysql: {
        const auto t = plugins::sql::parseMysqlDsn(mysqlDsn());
        return Poco::Data::Session(Poco::Data::MySQL::Connector().createSession(
            "host=" + t.host + ";port=" + std::to_string(t.port) + ";user=" + t.user + ";password=" + t.password +
                ";db=" + t.database + ";character-set=utf8mb4",
            5));
    }
    case Engine::Postgres: {
        const auto t = plugins::sql::parsePostgresDsn(postgresDsn());
        return Poco::Data::Session(Poco::Data::PostgreSQL::Connector().createSession(
            "host=" + t.host + " port=" + std::to_string(t.port) + " user=" + t.user + " password=" + t.password +
                " dbname=" + t.database + " sslmode=disable",
            5));
    }
    }
    throw std::logic_error("engine");
}

} // namespace

Engine engineFromName(const std::string& name) {
    if (name == "sqlite" || name == "sqlite3")
        return Engine::Sqlite;
    if (name == "mysql" || name == "mariadb")
        return Engine::Mysql;
    if (name == "postgres" || name == "postgresql")
        return Engine::Postgres;
    throw std::invalid_argument("unknown database engine '" + name + "' (sqlite, mysql, postgres)");
}

Engine engineFromEnv(Engine fallback) {
    const char* v = std::getenv("MAELSTROM_TEST_DB_ENGINE");
    return (v == nullptr || *v == '\0') ? fallback : engineFromName(v);
}

const char* pluginName(Engine engine) {
    switch (engine) {
    case Engine::Sqlite:
        return "sqlite";
    case Engine::Mysql:
        return "mysql";
    case Engine::Postgres:
        return "postgres";
    }
    return "?";
}

std::string mysqlDsn() {
    return envOr("MAELSTROM_TEST_MYSQL_DSN", "maelstrom_test:maelstrom_test@(127.0.0.1:3306)/maelstrom_test");
}

std::string postgresDsn() {
    return envOr("MAELSTROM_TEST_POSTGRES_DSN",
                 "postgres://maelstrom_test:maelstrom_test@127.0.0.1:5432/maelstrom_test?sslmode=disable");
}

std::string testPassword(Engine engine) {
    switch (engine) {
    case Engine::Sqlite:
        return "";
    case Engine::Mysql:
        return plugins::sql::parseMysqlDsn(mysqlDsn()).password;
    case Engine::Postgres:
        return plugins::sql::parsePostgresDsn(postgresDsn()).password;
    }
    return "";
}

const sdk::PluginDescriptor& loadDescriptor(const fs::path& pluginDir, const std::string& name) {
    static std::mutex mutex;
    static std::map<std::string, boost::dll::shared_library> libraries; // never unloaded
    std::lock_guard lock(mutex);
    const fs::path file = pluginDir / (name + ".so");
    auto it = libraries.find(file.string());
    if (it == libraries.end()) {
        if (!fs::exists(file))
            throw std::runtime_error("plugin file missing: " + file.string());
        it = libraries.emplace(file.string(), boost::dll::shared_library(file.string())).first;
    }
    auto& lib = it->second;
    const int abi = lib.get_alias<int()>("maelstrom_plugin_abi")();
    if (abi != sdk::kAbiVersion) {
        throw std::runtime_error(file.string() + ": ABI " + std::to_string(abi) + ", expected " +
                                 std::to_string(sdk::kAbiVersion));
    }
    const auto& descriptor = lib.get_alias<const sdk::PluginDescriptor&()>("maelstrom_plugin_descriptor")();
    if (descriptor.kind != sdk::ServiceKind::Database)
        throw std::runtime_error(file.string() + ": not a database plugin");
    return descriptor;
}

std::shared_ptr<sdk::Database> createDatabase(const fs::path& pluginDir, const std::string& plugin,
                                              const sdk::RawSettings& raw, sdk::PluginLogger logger) {
    const auto& descriptor = loadDescriptor(pluginDir, plugin);
    const sdk::Settings settings = sdk::Settings::validate(descriptor.settings, raw);
    sdk::HostContext host;
    host.logger = std::move(logger);
    host.dataDir = "/tmp";
    host.daemonVersion = "test";
    auto service = descriptor.create(settings, host);
    auto db = std::dynamic_pointer_cast<sdk::Database>(service);
    if (!db)
        throw std::runtime_error(plugin + ": create() did not return a Database");
    return db;
}

TestDatabase::TestDatabase(Engine engine, fs::path pluginDir) : engine_(engine), pluginDir_(std::move(pluginDir)) {
    if (engine_ == Engine::Sqlite) {
        std::random_device rd;
        tempDir_ = fs::temp_directory_path() / ("maelstrom-db-test-" + std::to_string(rd()) + std::to_string(rd()));
        sqlitePath_ = tempDir_ / "nested" / "maelstrom.db"; // the plugin creates the directory
    }
}

TestDatabase::~TestDatabase() {
    if (!tempDir_.empty()) {
        std::error_code ec;
        fs::remove_all(tempDir_, ec);
    }
}

bool TestDatabase::available(std::string* why) {
    if (engine_ == Engine::Sqlite)
        return true;
    try {
        auto s = directSession(engine_, sqlitePath_);
        s.close();
        return true;
    } catch (const Poco::Exception& e) {
        if (why)
            *why = e.displayText();
    } catch (const std::exception& e) {
        if (why)
            *why = e.what();
    }
    return false;
}

void TestDatabase::wipe() {
    if (engine_ == Engine::Sqlite) {
        for (const char* suffix : {"", "-wal", "-shm"}) {
            std::error_code ec;
            fs::remove(sqlitePath_.string() + suffix, ec);
        }
        return;
    }
    auto s = directSession(engine_, sqlitePath_);
    if (engine_ == Engine::Postgres)
        s << "SET client_min_messages TO warning", Poco::Data::Keywords::now;
    for (const char* table : {"component", "eventsource", "nodestatus", "rolelock", "componentstart", "tlsrecord",
                              "maelstrom_migrations"}) {
        s << std::string("DROP TABLE IF EXISTS ") + table, Poco::Data::Keywords::now;
    }
    s.close();
}

sdk::RawSettings TestDatabase::settings() const {
    sdk::RawSettings raw;
    switch (engine_) {
    case Engine::Sqlite:
        raw.scalars["path"] = sqlitePath_.string();
        break;
    case Engine::Mysql:
        raw.scalars["dsn"] = mysqlDsn();
        break;
    case Engine::Postgres:
        raw.scalars["dsn"] = postgresDsn();
        break;
    }
    return raw;
}

std::string TestDatabase::registryEntry() const {
    auto quoted = [](const std::string& value) {
        std::string out = "\"";
        for (char c : value) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        return out + "\"";
    };
    std::string yaml = "  database:\n    plugin: " + std::string(pluginName(engine_)) + "\n    settings:\n";
    for (const auto& [key, value] : settings().scalars)
        yaml += "      " + key + ": " + quoted(value) + "\n";
    return yaml;
}

sdk::RawSettings TestDatabase::discreteSettings() const {
    if (engine_ == Engine::Sqlite)
        return settings();
    const auto t = engine_ == Engine::Mysql ? plugins::sql::parseMysqlDsn(mysqlDsn())
                                            : plugins::sql::parsePostgresDsn(postgresDsn());
    sdk::RawSettings raw;
    raw.scalars["host"] = t.host;
    raw.scalars["port"] = std::to_string(t.port);
    raw.scalars["user"] = t.user;
    raw.scalars["password"] = t.password;
    raw.scalars["database"] = t.database;
    if (engine_ == Engine::Postgres)
        raw.scalars["sslmode"] = "disable";
    return raw;
}

std::shared_ptr<sdk::Database> TestDatabase::open(sdk::PluginLogger logger) const {
    return createDatabase(pluginDir_, pluginName(engine_), settings(), std::move(logger));
}

void TestDatabase::execSql(const std::string& sql) {
    auto s = directSession(engine_, sqlitePath_);
    s << sql, Poco::Data::Keywords::now;
    s.close();
}

} // namespace maelstrom::testing::db
