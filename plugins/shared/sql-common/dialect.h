// dialect.h — sql-common: what differs between the SQL engines behind the database plugins (SQLite,
// MariaDB/MySQL, PostgreSQL): how to open a session, placeholders, upserts, prefix matching, schema DDL,
// migration locks, transactions and how an engine's exceptions map onto the SDK's error taxonomy.
// SPDX-License-Identifier: Apache-2.0
//
// One Dialect object per plugin instance, created by the engine's plugin and owned by SqlDatabase.
// Thread-safety: every method is const and may be called from many threads at once; openSession() returns a
// new connection each time (the pool serialises use of each session).
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <cstdint>
#include <string>
#include <vector>

namespace maelstrom::plugins::sql {

enum class Engine { Sqlite, Mysql, Postgres };

/// How an engine error should be handled.
enum class ErrorKind {
    Duplicate,  ///< unique key violation (an insert of an existing name)
    Retry,      ///< transient conflict (deadlock, serialization failure, database busy): the statement or
                ///< transaction was rolled back and may be run again
    Connection, ///< the connection or server is gone: drop the session, report Unavailable
    BadInput,   ///< the engine refused a value (too long for its column, invalid text): InvalidInput
    Other,      ///< anything else (a bug, bad data): PluginError
};

/// One schema migration: a version, a description and the statements it runs (the checksum covers them).
struct Migration {
    int version = 0;
    std::string description;
    std::vector<std::string> statements;
};

class Dialect {
public:
    explicit Dialect(Engine engine) : engine_(engine) {}
    virtual ~Dialect() = default;
    Dialect(const Dialect&) = delete;
    Dialect& operator=(const Dialect&) = delete;

    Engine engine() const noexcept { return engine_; }
    /// "SQLite", "MariaDB/MySQL", "PostgreSQL".
    const char* engineName() const noexcept;
    /// Where the database is, for messages: "127.0.0.1:3306/mael" or "file /var/lib/maelstrom/maelstrom.db".
    /// Never contains a password.
    virtual std::string location() const = 0;
    /// The password (or ""), only so that error texts can be scrubbed of it.
    virtual std::string secret() const { return ""; }
    /// Opens and prepares a new connection (pragmas, session variables). Throws Poco exceptions.
    virtual Poco::Data::Session openSession() const = 0;
    /// Disposes of a session the pool no longer keeps (possibly dead). Never throws. Default: close().
    virtual void discardSession(Poco::Data::Session& session) const noexcept;
    /// How many sessions the pool may hold.
    virtual std::size_t poolSize() const = 0;
    /// Classifies an exception thrown by Poco::Data for this engine.
    virtual ErrorKind classify(const Poco::Exception& e) const = 0;

    // ---- SQL text ----

    /// Converts portable SQL written with '?' placeholders into the engine's form ($1, $2... for PostgreSQL).
    std::string sql(const std::string& portable) const;
    /// The expression that selects the JSON column (MySQL: a bounded CAST, because Poco's MySQL connector
    /// allocates a result buffer of the column's declared maximum size).
    std::string jsonColumn() const;
    /// Largest JSON document the engine stores (0 = no limit of ours).
    std::size_t maxJsonBytes() const;
    /// A literal prefix condition on `column` taking one parameter (see prefixPattern).
    std::string prefixCondition(const std::string& column) const;
    /// The parameter for prefixCondition: the prefix with its wildcard characters escaped.
    std::string prefixPattern(const std::string& prefix) const;
    /// "INSERT ... upsert" statements: node status, role lease, start counter.
    std::string upsertNodeStatusSql() const;
    std::string upsertRoleSql() const;
    std::string upsertStartCountSql() const;
    /// Upsert of a TLS record; parameters: kind, name, value, modifiedAt.
    std::string upsertTlsRecordSql() const;
    /// The expression that selects a TLS record's value (MySQL: a CAST bounded to the 64 KiB values, for the
    /// reason of jsonColumn()).
    std::string tlsValueColumn() const;
    /// " FOR UPDATE" where the engine supports row locks (empty for SQLite, whose write transactions are
    /// exclusive already).
    std::string forUpdate() const;

    // ---- Schema ----

    /// The migration list, in version order. Statements are the engine's DDL.
    std::vector<Migration> migrations() const;
    /// DDL of the migrations table.
    std::string createMigrationsTableSql() const;
    /// Takes / releases the engine's lock that serialises concurrent migrators (MySQL GET_LOCK, PostgreSQL
    /// advisory lock; SQLite: BEGIN IMMEDIATE, the whole migration run is then one transaction).
    void lockMigrations(Poco::Data::Session& session) const;
    /// `success` false: the run failed (SQLite rolls its transaction back). Never throws.
    void unlockMigrations(Poco::Data::Session& session, bool success) const noexcept;
    /// Whether each migration runs in its own transaction (DDL is transactional on PostgreSQL and SQLite,
    /// not on MySQL; SQLite's migrations already run inside the lock's transaction).
    bool transactionalMigrations() const noexcept { return engine_ == Engine::Postgres; }

    // ---- Transactions ----
    // A session is pooled in autocommit mode with no transaction open. begin() opens one explicit transaction
    // and commit()/rollback() end it, returning the session to exactly that state: every statement outside
    // begin()..commit() commits by itself. (Poco's MySQL begin() switches autocommit off and its commit() never
    // switches it back on, so the MySQL dialect overrides these with START TRANSACTION / COMMIT / ROLLBACK.)

    /// SQLite uses BEGIN IMMEDIATE (takes the write lock at once, so two writers never deadlock on lock upgrade).
    virtual void begin(Poco::Data::Session& session) const;
    virtual void commit(Poco::Data::Session& session) const;
    virtual void rollback(Poco::Data::Session& session) const;
    /// The state a session is handed back to the pool in, judged from what the client library already knows
    /// (no round trip).
    enum class SessionState {
        Clean,         ///< connected, autocommit on, no transaction open: may be pooled
        Broken,        ///< the connection is gone: closed (the next caller gets a fresh one)
        InTransaction, ///< a transaction is open or autocommit is off: closed, and a bug of the caller
    };
    virtual SessionState sessionState(Poco::Data::Session& session) const noexcept = 0;

private:
    Engine engine_;
};

} // namespace maelstrom::plugins::sql
