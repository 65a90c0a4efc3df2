// mysql_plugin.cpp — the mysql database plugin: MariaDB 10.11 / MySQL through Poco::Data::MySQL, with a
// session pool, utf8mb4 everywhere, byte-order (utf8mb4_bin) names, strict SQL mode and READ COMMITTED.
// SPDX-License-Identifier: Apache-2.0
//
// Settings: dsn (the original's MAEL_SQL_DSN for mysql: user:pass@(host:3306)/db; wins over the discrete
// settings), host, port, user, password, database, pool_size, connect_timeout_seconds.
// Thread-safety: see sql_database.h.
#include "dsn.h"
#include "server_settings.h"
#include "sql_database.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>

#include <Poco/Any.h>
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
    if (e.code() != 0)
        return e.code();
    const std::string text = e.displayText();
    for (const char* key : {"[mysql_stmt_errno]: ", "[mysql_errno]: "}) {
        const auto pos = text.find(key);
        if (pos == std::string::npos)
            continue;
        int code = 0;
        for (auto i = pos + std::string(key).size(); i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
            code = code * 10 + (text[i] - '0');
        }
        if (code != 0)
            return code;
    }
    return 0;
}

class MysqlDialect final : public Dialect {
public:
    MysqlDialect(sql::ServerTarget target, std::size_t poolSize, int connectTimeout)
        : Dialect(Engine::Mysql), target_(std::move(target)), poolSize_(poolSize), connectTimeout_(connectTimeout) {}

    std::string location() const override {
        return target_.host + ":" + std::to_string(target_.port) + "/" + target_.database;
    }
    std::string secret() const override { return target_.password; }

    Poco::Data::Session openSession() const override {
        const std::string conn = "host=" + target_.host + ";port=" + std::to_string(target_.port) +
                                 ";user=" + target_.user + ";password=" + target_.password + ";db=" + target_.database +
                                 ";character-set=utf8mb4;auto-reconnect=false;compress=false";
        Poco::Data::Session session(Poco::Data::MySQL::Connector().createSession(conn, connectTimeout_));
        session << "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES'", now;
        session << "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", now;
        session << "SET NAMES utf8mb4 COLLATE utf8mb4_bin", now;
        return session;
    }

    std::size_t poolSize() const override { return poolSize_; }

    // Transactions as plain statements on the connection: START TRANSACTION suspends autocommit until the
    // COMMIT or ROLLBACK, after which the session is back in autocommit mode (Poco's begin() would turn
    // autocommit off for good, so every later statement on the pooled session would join a transaction that
    // nobody commits).
    void begin(Poco::Data::Session& session) const override { query(session, "START TRANSACTION"); }
    void commit(Poco::Data::Session& session) const override { query(session, "COMMIT"); }
    void rollback(Poco::Data::Session& session) const override { query(session, "ROLLBACK"); }

    /// The server reports its transaction and autocommit state in every reply; the client library keeps the
    /// last one, and the last call's error, so this costs no round trip.
    SessionState sessionState(Poco::Data::Session& session) const noexcept override {
        try {
            const MYSQL* handle = handleOf(session);
            if (handle == nullptr)
                return SessionState::Broken;
            switch (mysql_errno(const_cast<MYSQL*>(handle))) {
            case 2006:
            case 2013:
            case 2055:
                return SessionState::Broken; // gone away, lost, lost at handshake
            default:
                break;
            }
            const bool clean = (handle->server_status & SERVER_STATUS_IN_TRANS) == 0 &&
                               (handle->server_status & SERVER_STATUS_AUTOCOMMIT) != 0;
            return clean ? SessionState::Clean : SessionState::InTransaction;
        } catch (...) {
            return SessionState::Broken;
        }
    }

    ErrorKind classify(const Poco::Exception& e) const override {
        const int code = errorCode(e);
        switch (code) {
        case 1062:
            return ErrorKind::Duplicate; // ER_DUP_ENTRY
        case 1205:                       // ER_LOCK_WAIT_TIMEOUT
        case 1213:
            return ErrorKind::Retry; // ER_LOCK_DEADLOCK
        case 1264:
        case 1366:
        case 1406:
            return ErrorKind::BadInput; // out of range, invalid text, data too long
        case 1040:
        case 1053:
        case 1077:
        case 1152:
        case 1158:
        case 1159:
        case 1160:
        case 1161:
        case 1184:
        case 1927:
        case 2002:
        case 2003:
        case 2005:
        case 2006:
        case 2013:
        case 2026:
        case 2055:
        case 4031:
            return ErrorKind::Connection; // too many connections, shutdown, lost/gone away
        default:
            break;
        }
        if (dynamic_cast<const Poco::Data::MySQL::ConnectionException*>(&e) ||
            dynamic_cast<const Poco::Data::NotConnectedException*>(&e) ||
            dynamic_cast<const Poco::Data::ConnectionFailedException*>(&e)) {
            return ErrorKind::Connection;
        }
        return ErrorKind::Other;
    }

private:
    static MYSQL* handleOf(Poco::Data::Session& session) {
        return Poco::AnyCast<MYSQL*>(session.getProperty("handle"));
    }

    /// Runs one statement without preparing it (transaction control is not preparable everywhere).
    static void query(Poco::Data::Session& session, const std::string& statement) {
        MYSQL* handle = handleOf(session);
        if (handle == nullptr) {
            throw Poco::Data::NotConnectedException(statement + ": the session has no connection");
        }
        if (mysql_real_query(handle, statement.data(), statement.size()) != 0) {
            const unsigned int code = mysql_errno(handle);
            throw Poco::Data::MySQL::MySQLException(statement + " failed: [mysql_errno]: " + std::to_string(code) +
                                                        " " + mysql_error(handle),
                                                    static_cast<int>(code));
        }
    }

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
    sql::ServerSettings server = sql::readServerSettings(settings, 3306, &sql::parseMysqlDsn);
    const bool fromDsn = server.fromDsn;
    checkValue(fromDsn ? "dsn" : "host", "host", server.target.host);
    checkValue(fromDsn ? "dsn" : "user", "user", server.target.user);
    checkValue(fromDsn ? "dsn" : "password", "password", server.target.password);
    checkValue(fromDsn ? "dsn" : "database", "database name", server.target.database);
    static std::once_flag libraryInit;
    std::call_once(libraryInit, [] { mysql_library_init(0, nullptr, nullptr); });
    return std::make_shared<sql::SqlDatabase>(
        std::make_unique<MysqlDialect>(std::move(server.target), server.poolSize, server.connectTimeoutSeconds),
        host.logger, server.idleCheck);
}

const sdk::PluginDescriptor& descriptor() {
    static const sdk::PluginDescriptor d{
        sdk::ServiceKind::Database,
        "mysql",
        "0.1.0",
        "MariaDB 10.11 / MySQL database (Poco::Data::MySQL, pooled sessions)",
        sql::serverSettingsSpec("The original's MAEL_SQL_DSN for mysql (user:password@(host:3306)/database)", 3306,
                                "Database (schema) name"),
        &create,
    };
    return d;
}

} // namespace

} // namespace maelstrom::plugins::mysql

MAELSTROM_PLUGIN(maelstrom::plugins::mysql::descriptor)
