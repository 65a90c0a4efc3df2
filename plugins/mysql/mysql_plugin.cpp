// mysql_plugin.cpp — the mysql database plugin: MariaDB 10.11 / MySQL through Poco::Data::MySQL, with a
// session pool, utf8mb4 everywhere, byte-order (utf8mb4_bin) names, strict SQL mode and READ COMMITTED.
// SPDX-License-Identifier: Apache-2.0
//
// Settings: dsn (the original's MAEL_SQL_DSN for mysql: user:pass@(host:3306)/db; wins over the discrete
// settings), host, port, user, password, database, pool_size, connect_timeout_seconds.
// Thread-safety: see sql_database.h.
#include "dsn.h"
#include "sql_database.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>

#include <Poco/Data/MySQL/Connector.h>
#include <Poco/Data/MySQL/MySQLException.h>
#include <Poco/Data/Statement.h>

#include <mysql/mysql.h>

#include <mutex>
#include <set>

namespace maelstrom::plugins::mysql {

namespace {

using namespace Poco::Data::Keywords;
using sql::Dialect;
using sql::Engine;
using sql::ErrorKind;

/// The server error code: the exception's code, or the one Poco wrote into the message.
int errorCode(const Poco::Exception& e) {
    if (e.code() != 0) return e.code();
    const std::string text = e.displayText();
    for (const char* key : {"[mysql_stmt_errno]: ", "[mysql_errno]: "}) {
        const auto pos = text.find(key);
        if (pos == std::string::npos) continue;
        int code = 0;
        for (auto i = pos + std::string(key).size(); i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
            code = code * 10 + (text[i] - '0');
        }
        if (code != 0) return code;
    }
    return 0;
}

class MysqlDialect final : public Dialect {
public:
    MysqlDialect(sql::ServerTarget target, std::size_t poolSize, int connectTimeout)
        : Dialect(Engine::Mysql), target_(std::move(target)), poolSize_(poolSize),
          connectTimeout_(connectTimeout) {}

    std::string location() const override {
        return target_.host + ":" + std::to_string(target_.port) + "/" + target_.database;
    }
    std::string secret() const override { return target_.password; }

    Poco::Data::Session openSession() const override {
        const std::string conn = "host=" + target_.host + ";port=" + std::to_string(target_.port) +
                                 ";user=" + target_.user + ";password=" + target_.password +
                                 ";db=" + target_.database +
                                 ";character-set=utf8mb4;auto-reconnect=false;compress=false";
        Poco::Data::Session session(Poco::Data::MySQL::Connector().createSession(conn, connectTimeout_));
        session << "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES'", now;
        session << "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", now;
        session << "SET NAMES utf8mb4 COLLATE utf8mb4_bin", now;
        return session;
    }

    std::size_t poolSize() const override { return poolSize_; }

    ErrorKind classify(const Poco::Exception& e) const override {
        const int code = errorCode(e);
        switch (code) {
        case 1062: return ErrorKind::Duplicate;             // ER_DUP_ENTRY
        case 1205:                                         // ER_LOCK_WAIT_TIMEOUT
        case 1213: return ErrorKind::Retry;                // ER_LOCK_DEADLOCK
        case 1264: case 1366: case 1406:
            return ErrorKind::BadInput;                    // out of range, invalid text, data too long
        case 1040: case 1053: case 1077: case 1152: case 1158: case 1159: case 1160: case 1161: case 1184:
        case 1927: case 2002: case 2003: case 2005: case 2006: case 2013: case 2026: case 2055: case 4031:
            return ErrorKind::Connection;                  // too many connections, shutdown, lost/gone away
        default: break;
        }
        if (dynamic_cast<const Poco::Data::MySQL::ConnectionException*>(&e) ||
            dynamic_cast<const Poco::Data::NotConnectedException*>(&e) ||
            dynamic_cast<const Poco::Data::ConnectionFailedException*>(&e)) {
            return ErrorKind::Connection;
        }
        return ErrorKind::Other;
    }

private:
    sql::ServerTarget target_;
    std::size_t poolSize_;
    int connectTimeout_;
};

void checkValue(const std::string& setting, const std::string& what, const std::string& value) {
    // Poco's MySQL connection string is "key=value;..." without quoting.
    if (value.find(';') != std::string::npos) {
        throw sdk::InvalidConfig(setting, "setting '" + setting + "': the " + what +
                                              " contains ';', which the MySQL connector cannot pass");
    }
}

std::shared_ptr<sdk::Service> create(const sdk::Settings& settings, const sdk::HostContext& host) {
    sql::ServerTarget target;
    const std::string dsn = settings.getString("dsn");
    const std::string source = dsn.empty() ? "" : "dsn";
    if (!dsn.empty()) {
        target = sql::parseMysqlDsn(dsn);
    } else {
        target.host = settings.getString("host", "127.0.0.1");
        const auto port = settings.getInt("port", 3306);
        if (port < 1 || port > 65535) throw sdk::InvalidConfig("port", "setting 'port': must be 1..65535");
        target.port = static_cast<int>(port);
        target.user = settings.getString("user", "maelstrom");
        target.password = settings.getString("password");
        target.database = settings.getString("database", "maelstrom");
        if (target.user.empty()) throw sdk::InvalidConfig("user", "setting 'user': must not be empty");
        if (target.database.empty()) throw sdk::InvalidConfig("database", "setting 'database': must not be empty");
    }
    checkValue(source.empty() ? "host" : source, "host", target.host);
    checkValue(source.empty() ? "user" : source, "user", target.user);
    checkValue(source.empty() ? "password" : source, "password", target.password);
    checkValue(source.empty() ? "database" : source, "database name", target.database);
    const auto pool = settings.getInt("pool_size", 8);
    if (pool < 1 || pool > 256) throw sdk::InvalidConfig("pool_size", "setting 'pool_size': must be 1..256");
    const auto idleCheck = settings.getInt("idle_check_seconds", 30);
    if (idleCheck < 0) throw sdk::InvalidConfig("idle_check_seconds", "setting 'idle_check_seconds': must be >= 0");
    const auto timeout = settings.getInt("connect_timeout_seconds", 5);
    if (timeout < 1 || timeout > 600) {
        throw sdk::InvalidConfig("connect_timeout_seconds", "setting 'connect_timeout_seconds': must be 1..600");
    }
    static std::once_flag libraryInit;
    std::call_once(libraryInit, [] { mysql_library_init(0, nullptr, nullptr); });
    return std::make_shared<sql::SqlDatabase>(
        std::make_unique<MysqlDialect>(std::move(target), static_cast<std::size_t>(pool), static_cast<int>(timeout)),
        host.logger, std::chrono::seconds(idleCheck));
}

const sdk::PluginDescriptor& descriptor() {
    static const sdk::PluginDescriptor d{
        sdk::ServiceKind::Database,
        "mysql",
        "0.1.0",
        "MariaDB 10.11 / MySQL database (Poco::Data::MySQL, pooled sessions)",
        {
            {"dsn", sdk::SettingType::String, std::nullopt,
             "The original's MAEL_SQL_DSN for mysql (user:password@(host:3306)/database); wins over the settings below",
             false, true, {}},
            {"host", sdk::SettingType::String, std::string("127.0.0.1"), "Server host name or address", false, false, {}},
            {"port", sdk::SettingType::Int, std::string("3306"), "Server TCP port", false, false, {}},
            {"user", sdk::SettingType::String, std::string("maelstrom"), "User name", false, false, {}},
            {"password", sdk::SettingType::String, std::nullopt, "Password (never logged)", false, true, {}},
            {"database", sdk::SettingType::String, std::string("maelstrom"), "Database (schema) name", false, false, {}},
            {"pool_size", sdk::SettingType::Int, std::string("8"), "Connections kept open at most", false, false, {}},
            {"connect_timeout_seconds", sdk::SettingType::Int, std::string("5"), "Timeout of one connection attempt",
             false, false, {}},
            {"idle_check_seconds", sdk::SettingType::Int, std::string("30"),
             "A pooled connection idle for longer is checked (SELECT 1) before reuse and replaced when dead",
             false, false, {}},
        },
        &create,
    };
    return d;
}

} // namespace

} // namespace maelstrom::plugins::mysql

MAELSTROM_PLUGIN(maelstrom::plugins::mysql::descriptor)
