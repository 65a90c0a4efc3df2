// dialect.cpp — the SQL text of each engine (see dialect.h).
// SPDX-License-Identifier: Apache-2.0
#include "dialect.h"

#include <Poco/Data/Statement.h>

namespace maelstrom::plugins::sql {

using namespace Poco::Data::Keywords;

namespace {

/// Key of the PostgreSQL advisory lock and name of the MySQL named lock that serialise migrators.
constexpr const char* kMysqlLockName = "maelstrom_migrations";
constexpr long long kPostgresLockKey = 7263540001LL;

/// MySQL results are read into buffers of the column's maximum size (Poco's connector), so the JSON column is
/// selected through a CAST bounded to this many characters, and larger documents are refused on write.
constexpr std::size_t kMysqlMaxJsonChars = 262144;

struct Types {
    std::string name; // names and keys (byte-order comparison)
    std::string shortText;
    std::string integer;
    std::string json;
    std::string tableSuffix;
};

Types typesFor(Engine engine) {
    switch (engine) {
    case Engine::Sqlite:
        return {"TEXT", "TEXT", "INTEGER", "TEXT", ""};
    case Engine::Mysql:
        return {"VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "VARCHAR(30) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "BIGINT", "MEDIUMTEXT",
                " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"};
    case Engine::Postgres:
        return {"VARCHAR(191) COLLATE \"C\"", "VARCHAR(30) COLLATE \"C\"", "BIGINT", "TEXT", ""};
    }
    return {};
}

/// Replaces {name} {short} {int} {json} {suffix} in a DDL template.
std::string ddl(std::string text, const Types& t) {
    const std::pair<const char*, const std::string*> keys[] = {{"{name}", &t.name},
                                                               {"{short}", &t.shortText},
                                                               {"{int}", &t.integer},
                                                               {"{json}", &t.json},
                                                               {"{suffix}", &t.tableSuffix}};
    for (const auto& [key, value] : keys) {
        const std::string k(key);
        for (auto pos = text.find(k); pos != std::string::npos; pos = text.find(k, pos + value->size())) {
            text.replace(pos, k.size(), *value);
        }
    }
    return text;
}

} // namespace

const char* Dialect::engineName() const noexcept {
    switch (engine_) {
    case Engine::Sqlite:
        return "SQLite";
    case Engine::Mysql:
        return "MariaDB/MySQL";
    case Engine::Postgres:
        return "PostgreSQL";
    }
    return "SQL";
}

void Dialect::discardSession(Poco::Data::Session& session) const noexcept {
    try {
        session.close();
    } catch (...) {
        // A dead connection may fail to close cleanly; it is gone either way.
    }
}

std::string Dialect::sql(const std::string& portable) const {
    if (engine_ != Engine::Postgres) {
        return portable;
    }
    std::string out;
    out.reserve(portable.size() + 16);
    int n = 0;
    bool quoted = false;
    for (char c : portable) {
        if (c == '\'') {
            quoted = !quoted;
        }
        if (c == '?' && !quoted) {
            out += '$';
            out += std::to_string(++n);
        } else {
            out += c;
        }
    }
    return out;
}

std::string Dialect::jsonColumn() const {
    if (engine_ == Engine::Mysql) {
        return "CAST(json AS CHAR(" + std::to_string(kMysqlMaxJsonChars) + "))";
    }
    return "json";
}

std::string Dialect::tlsValueColumn() const {
    if (engine_ == Engine::Mysql) {
        // Values are at most 64 KiB of bytes, so never more characters than that.
        return "CAST(value AS CHAR(65536))";
    }
    return "value";
}

std::size_t Dialect::maxJsonBytes() const { return engine_ == Engine::Mysql ? kMysqlMaxJsonChars : 0; }

std::string Dialect::prefixCondition(const std::string& column) const {
    // SQLite's LIKE ignores ASCII case; GLOB is case-sensitive and uses the index for a constant prefix.
    if (engine_ == Engine::Sqlite) {
        return column + " GLOB ?";
    }
    if (engine_ == Engine::Mysql) {
        // On the bytes: MariaDB turns `name LIKE 'a%'` on a utf8mb4_bin key into an index range that ends at
        // U+FFFF and so misses names whose next character is outside the BMP (an emoji), and its PAD SPACE
        // collations compare trailing spaces loosely. A binary LIKE is an exact byte-prefix test.
        return "CAST(" + column + " AS BINARY) LIKE ? ESCAPE '!'";
    }
    return column + " LIKE ? ESCAPE '!'";
}

std::string Dialect::prefixPattern(const std::string& prefix) const {
    std::string out;
    out.reserve(prefix.size() + 8);
    for (char c : prefix) {
        if (engine_ == Engine::Sqlite) {
            if (c == '*' || c == '?' || c == '[') {
                out += '[';
                out += c;
                out += ']';
            } else {
                out += c;
            }
        } else {
            if (c == '!' || c == '%' || c == '_') {
                out += '!';
            }
            out += c;
        }
    }
    out += engine_ == Engine::Sqlite ? '*' : '%';
    return out;
}

std::string Dialect::upsertNodeStatusSql() const {
    const std::string insert = "INSERT INTO nodestatus (nodeId, observedAt, json) VALUES (?, ?, ?)";
    if (engine_ == Engine::Mysql) {
        return insert + " ON DUPLICATE KEY UPDATE observedAt = VALUES(observedAt), json = VALUES(json)";
    }
    return insert + " ON CONFLICT (nodeId) DO UPDATE SET observedAt = excluded.observedAt, json = excluded.json";
}

std::string Dialect::upsertRoleSql() const {
    // Parameters: roleId, nodeId, expiresAt, now. One atomic statement: the row is taken over only when its
    // lease has ended or already belongs to the caller; the database's row lock (or SQLite's write lock)
    // makes concurrent callers see each other's result, so two holders can never both succeed.
    const std::string insert = "INSERT INTO rolelock (roleId, nodeId, expiresAt) VALUES (?, ?, ?)";
    if (engine_ == Engine::Mysql) {
        // Assignments apply left to right: nodeId first (taken over or not), then expiresAt follows nodeId.
        return insert +
               " ON DUPLICATE KEY UPDATE nodeId = IF(expiresAt <= ? OR nodeId = VALUES(nodeId), VALUES(nodeId),"
               " nodeId), expiresAt = IF(nodeId = VALUES(nodeId), VALUES(expiresAt), expiresAt)";
    }
    return insert + " ON CONFLICT (roleId) DO UPDATE SET nodeId = excluded.nodeId, expiresAt = excluded.expiresAt"
                    " WHERE rolelock.expiresAt <= ? OR rolelock.nodeId = excluded.nodeId";
}

std::string Dialect::upsertStartCountSql() const {
    const std::string insert = "INSERT INTO componentstart (name, version, startCount, firstStartedAt, lastStartedAt)"
                               " VALUES (?, ?, 1, ?, ?)";
    if (engine_ == Engine::Mysql) {
        return insert + " ON DUPLICATE KEY UPDATE startCount = startCount + 1, lastStartedAt = VALUES(lastStartedAt)";
    }
    return insert + " ON CONFLICT (name, version) DO UPDATE SET startCount = componentstart.startCount + 1,"
                    " lastStartedAt = excluded.lastStartedAt";
}

std::string Dialect::upsertTlsRecordSql() const {
    const std::string insert = "INSERT INTO tlsrecord (kind, name, value, modifiedAt) VALUES (?, ?, ?, ?)";
    if (engine_ == Engine::Mysql) {
        return insert + " ON DUPLICATE KEY UPDATE value = VALUES(value), modifiedAt = VALUES(modifiedAt)";
    }
    return insert + " ON CONFLICT (kind, name) DO UPDATE SET value = excluded.value, modifiedAt = excluded.modifiedAt";
}

std::string Dialect::forUpdate() const { return engine_ == Engine::Sqlite ? "" : " FOR UPDATE"; }

std::vector<Migration> Dialect::migrations() const {
    const Types t = typesFor(engine_);
    return {
        {1,
         "create component table",
         {ddl("CREATE TABLE component (name {name} NOT NULL PRIMARY KEY, projectName {name} NOT NULL,"
              " version {int} NOT NULL, createdAt {int} NOT NULL, modifiedAt {int} NOT NULL,"
              " json {json} NOT NULL){suffix}",
              t),
          "CREATE INDEX component_project ON component (projectName, name)"}},
        {2,
         "create eventsource table",
         {ddl("CREATE TABLE eventsource (name {name} NOT NULL PRIMARY KEY, componentName {name} NOT NULL,"
              " projectName {name} NOT NULL, version {int} NOT NULL, createdAt {int} NOT NULL,"
              " modifiedAt {int} NOT NULL, type {short} NOT NULL, enabled {int} NOT NULL DEFAULT 1,"
              " json {json} NOT NULL){suffix}",
              t),
          "CREATE INDEX eventsource_component ON eventsource (componentName)",
          "CREATE INDEX eventsource_project ON eventsource (projectName)",
          "CREATE INDEX eventsource_type_enabled ON eventsource (type, enabled, name)"}},
        {3,
         "create nodestatus table",
         {ddl("CREATE TABLE nodestatus (nodeId {name} NOT NULL PRIMARY KEY, observedAt {int} NOT NULL,"
              " json {json} NOT NULL){suffix}",
              t)}},
        {4,
         "create rolelock table",
         {ddl("CREATE TABLE rolelock (roleId {name} NOT NULL PRIMARY KEY, nodeId {name} NOT NULL,"
              " expiresAt {int} NOT NULL){suffix}",
              t),
          "CREATE INDEX rolelock_node ON rolelock (nodeId)"}},
        {5,
         "create componentstart table",
         {ddl("CREATE TABLE componentstart (name {name} NOT NULL, version {int} NOT NULL,"
              " startCount {int} NOT NULL, firstStartedAt {int} NOT NULL, lastStartedAt {int} NOT NULL,"
              " PRIMARY KEY (name, version)){suffix}",
              t)}},
        {6,
         "create tlsrecord table",
         {ddl("CREATE TABLE tlsrecord (kind {name} NOT NULL, name {name} NOT NULL, value {json} NOT NULL,"
              " modifiedAt {int} NOT NULL, PRIMARY KEY (kind, name)){suffix}",
              t)}},
    };
}

std::string Dialect::createMigrationsTableSql() const {
    const Types t = typesFor(engine_);
    return ddl("CREATE TABLE IF NOT EXISTS maelstrom_migrations (version {int} NOT NULL PRIMARY KEY,"
               " description {name} NOT NULL, checksum {name} NOT NULL, applied_at {int} NOT NULL){suffix}",
               t);
}

void Dialect::lockMigrations(Poco::Data::Session& session) const {
    switch (engine_) {
    case Engine::Sqlite:
        begin(session);
        break;
    case Engine::Mysql: {
        Poco::Int64 got = 0;
        session << "SELECT COALESCE(GET_LOCK('" << kMysqlLockName << "', 120), 0)", into(got), now;
        if (got != 1) {
            throw Poco::TimeoutException("could not take the migration lock within 120 s");
        }
        break;
    }
    case Engine::Postgres: {
        Poco::Int64 got = 0;
        session << "SELECT COUNT(*) FROM (SELECT pg_advisory_lock(" + std::to_string(kPostgresLockKey) + ")) AS l",
            into(got), now;
        break;
    }
    }
}

void Dialect::unlockMigrations(Poco::Data::Session& session, bool success) const noexcept {
    try {
        switch (engine_) {
        case Engine::Sqlite:
            success ? commit(session) : rollback(session);
            break;
        case Engine::Mysql: {
            Poco::Int64 released = 0;
            session << "SELECT COALESCE(RELEASE_LOCK('" << kMysqlLockName << "'), 0)", into(released), now;
            break;
        }
        case Engine::Postgres: {
            Poco::Int64 released = 0;
            session << "SELECT COUNT(*) FROM (SELECT pg_advisory_unlock(" + std::to_string(kPostgresLockKey) +
                           ")) AS l",
                into(released), now;
            break;
        }
        }
    } catch (...) {
        // The lock dies with the session anyway (the caller drops a session whose unlock failed).
    }
}

void Dialect::begin(Poco::Data::Session& session) const {
    if (engine_ == Engine::Sqlite) {
        session << "BEGIN IMMEDIATE", now;
    } else {
        session.begin();
    }
}

void Dialect::commit(Poco::Data::Session& session) const {
    if (engine_ == Engine::Sqlite) {
        session << "COMMIT", now;
    } else {
        session.commit();
    }
}

void Dialect::rollback(Poco::Data::Session& session) const {
    if (engine_ == Engine::Sqlite) {
        session << "ROLLBACK", now;
    } else {
        session.rollback();
    }
}

} // namespace maelstrom::plugins::sql
