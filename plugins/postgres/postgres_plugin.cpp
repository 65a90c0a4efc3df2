// postgres_plugin.cpp — the postgres database plugin: PostgreSQL 15 through Poco::Data::PostgreSQL, with a
// session pool, names in "C" (byte-order) collation and advisory-locked migrations.
// SPDX-License-Identifier: Apache-2.0
//
// Settings: dsn (the original's MAEL_SQL_DSN for postgres: postgres://user:pass@host:5432/db?sslmode=disable,
// or libpq key=value; wins over the discrete settings), host, port, user, password, database, sslmode,
// pool_size, connect_timeout_seconds. Thread-safety: see sql_database.h.
#include "dsn.h"
#include "server_settings.h"
#include "sql_database.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>

#include <Poco/Any.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/PostgreSQL/PostgreSQLException.h>
#include <Poco/Data/PostgreSQL/SessionHandle.h>

#include <libpq-fe.h>

#include <cctype>
#include <mutex>
#include <vector>

namespace maelstrom::plugins::postgres {

namespace {

using sql::Dialect;
using sql::Engine;
using sql::ErrorKind;

/// A libpq conninfo value: Poco splits the string on spaces and has no quoting, so only backslash escapes.
std::string conninfoValue(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '\'')
            out += '\\';
        out += c;
    }
    return out;
}

class PostgresDialect final : public Dialect {
public:
    PostgresDialect(sql::ServerTarget target, std::size_t poolSize, int connectTimeout)
        : Dialect(Engine::Postgres), target_(std::move(target)), poolSize_(poolSize), connectTimeout_(connectTimeout) {
        conninfo_ = "host=" + conninfoValue(target_.host) + " port=" + std::to_string(target_.port) +
                    " user=" + conninfoValue(target_.user) + " dbname=" + conninfoValue(target_.database) +
                    " application_name=maelstrom";
        if (!target_.password.empty())
            conninfo_ += " password=" + conninfoValue(target_.password);
        for (const auto& [key, value] : target_.params) {
            if (key == "connect_timeout" || key == "application_name")
                continue;
            conninfo_ += " " + key + "=" + conninfoValue(value);
        }
    }

    std::string location() const override {
        return target_.host + ":" + std::to_string(target_.port) + "/" + target_.database;
    }
    std::string secret() const override { return target_.password; }

    Poco::Data::Session openSession() const override {
        // Poco 1.11 leaks the PGconn of a failed connection attempt (no PQfinish before it throws), which
        // adds up while a server is down. Try the connection with libpq first and only hand a working
        // conninfo to Poco.
        PGconn* probe = PQconnectdb((conninfo_ + " connect_timeout=" + std::to_string(connectTimeout_)).c_str());
        if (probe == nullptr || PQstatus(probe) != CONNECTION_OK) {
            std::string why = probe != nullptr ? PQerrorMessage(probe) : "out of memory";
            PQfinish(probe);
            while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
                why.pop_back();
            throw Poco::Data::ConnectionFailedException("cannot connect: " + why);
        }
        PQfinish(probe);
        reviveAndCloseParked();
        return Poco::Data::Session(Poco::Data::PostgreSQL::Connector().createSession(conninfo_, connectTimeout_));
    }

    /// Poco 1.11 closes a PostgreSQL session only when its connection is still good: a session whose server
    /// went away would leak its PGconn. Such sessions are parked here and closed once a reconnect (PQreset)
    /// succeeds, i.e. when the server is back (at most pool_size per outage).
    void discardSession(Poco::Data::Session& session) const noexcept override {
        try {
            if (session.isConnected()) {
                session.close();
                return;
            }
            std::lock_guard lock(parkedMutex_);
            parked_.push_back(session);
        } catch (...) {
        }
    }

    // At exit, give up after the first failed revival: an unreachable server must not hold up shutdown.
    ~PostgresDialect() override { reviveAndCloseParked(true); }

    std::size_t poolSize() const override { return poolSize_; }

    /// libpq tracks the connection and the server's transaction state from every reply: idle means autocommit
    /// with no transaction open (and none failed, waiting for a ROLLBACK).
    SessionState sessionState(Poco::Data::Session& session) const noexcept override {
        try {
            auto* handle = Poco::AnyCast<Poco::Data::PostgreSQL::SessionHandle*>(session.getProperty("handle"));
            PGconn* connection = handle != nullptr ? static_cast<PGconn*>(*handle) : nullptr;
            if (connection == nullptr || PQstatus(connection) != CONNECTION_OK)
                return SessionState::Broken;
            const PGTransactionStatusType status = PQtransactionStatus(connection);
            if (status == PQTRANS_UNKNOWN)
                return SessionState::Broken;
            if (status != PQTRANS_IDLE || handle->isTransaction() || !handle->isAutoCommit()) {
                return SessionState::InTransaction;
            }
            return SessionState::Clean;
        } catch (...) {
            return SessionState::Broken;
        }
    }

    ErrorKind classify(const Poco::Exception& e) const override {
        const std::string text = e.displayText();
        if (text.find("State: 23505") != std::string::npos)
            return ErrorKind::Duplicate;
        if (text.find("State: 40001") != std::string::npos || text.find("State: 40P01") != std::string::npos ||
            text.find("State: 55P03") != std::string::npos) {
            return ErrorKind::Retry;
        }
        if (text.find("State: 22") != std::string::npos)
            return ErrorKind::BadInput; // data exceptions
        if (text.find("State: 08") != std::string::npos || text.find("State: 57P0") != std::string::npos ||
            text.find("State: 53300") != std::string::npos ||
            text.find("server closed the connection") != std::string::npos ||
            text.find("no connection to the server") != std::string::npos ||
            text.find("terminating connection") != std::string::npos ||
            text.find("could not receive data from server") != std::string::npos ||
            text.find("could not send data to server") != std::string::npos ||
            dynamic_cast<const Poco::Data::PostgreSQL::ConnectionException*>(&e) ||
            dynamic_cast<const Poco::Data::NotConnectedException*>(&e) ||
            dynamic_cast<const Poco::Data::ConnectionFailedException*>(&e)) {
            return ErrorKind::Connection;
        }
        return ErrorKind::Other;
    }

private:
    void reviveAndCloseParked(bool stopAtFirstFailure = false) const noexcept {
        std::vector<Poco::Data::Session> parked;
        {
            std::lock_guard lock(parkedMutex_);
            parked.swap(parked_);
        }
        std::vector<Poco::Data::Session> still;
        bool failed = false;
        for (auto& session : parked) {
            if (failed && stopAtFirstFailure) {
                still.push_back(session);
                continue;
            }
            try {
                auto* handle = Poco::AnyCast<Poco::Data::PostgreSQL::SessionHandle*>(session.getProperty("handle"));
                if (handle != nullptr && handle->reset()) {
                    session.close();
                    continue;
                }
            } catch (...) {
            }
            failed = true;
            still.push_back(session);
        }
        if (!still.empty()) {
            std::lock_guard lock(parkedMutex_);
            parked_.insert(parked_.end(), still.begin(), still.end());
        }
    }

    mutable std::mutex parkedMutex_;
    mutable std::vector<Poco::Data::Session> parked_; // guarded by parkedMutex_
    sql::ServerTarget target_;
    std::size_t poolSize_;
    int connectTimeout_;
    std::string conninfo_;
};

void checkValue(const std::string& setting, const std::string& what, const std::string& value) {
    for (char c : value) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            throw sdk::InvalidConfig(setting, "setting '" + setting + "': the " + what +
                                                  " contains white space, which the PostgreSQL connector cannot pass");
        }
    }
}

std::shared_ptr<sdk::Service> create(const sdk::Settings& settings, const sdk::HostContext& host) {
    sql::ServerSettings server = sql::readServerSettings(settings, 5432, &sql::parsePostgresDsn);
    const bool fromDsn = server.fromDsn;
    if (!fromDsn) {
        server.target.params["sslmode"] = settings.getString("sslmode", "prefer");
    }
    checkValue(fromDsn ? "dsn" : "host", "host", server.target.host);
    checkValue(fromDsn ? "dsn" : "user", "user", server.target.user);
    checkValue(fromDsn ? "dsn" : "password", "password", server.target.password);
    checkValue(fromDsn ? "dsn" : "database", "database name", server.target.database);
    for (const auto& [key, value] : server.target.params)
        checkValue("dsn", "parameter " + key, value);
    return std::make_shared<sql::SqlDatabase>(
        std::make_unique<PostgresDialect>(std::move(server.target), server.poolSize, server.connectTimeoutSeconds),
        host.logger, server.idleCheck);
}

const sdk::PluginDescriptor& descriptor() {
    static const sdk::PluginDescriptor d{
        sdk::ServiceKind::Database,
        "postgres",
        "0.1.0",
        "PostgreSQL 15 database (Poco::Data::PostgreSQL, pooled sessions)",
        [] {
            auto spec = sql::serverSettingsSpec("The original's MAEL_SQL_DSN for postgres "
                                                "(postgres://user:password@host:5432/database?sslmode=disable)",
                                                5432, "Database name");
            spec.push_back({"sslmode",
                            sdk::SettingType::String,
                            std::string("prefer"),
                            "libpq sslmode",
                            false,
                            false,
                            {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}});
            return spec;
        }(),
        &create,
    };
    return d;
}

} // namespace

} // namespace maelstrom::plugins::postgres

MAELSTROM_PLUGIN(maelstrom::plugins::postgres::descriptor)
