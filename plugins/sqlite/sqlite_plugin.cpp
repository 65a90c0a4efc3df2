// sqlite_plugin.cpp — the sqlite database plugin: maelstrom's embedded default store. A file (WAL journal,
// busy timeout, a small session pool so several threads read at once while one writes) or an in-memory
// database (one shared-cache database kept alive for the plugin's lifetime, used through one session).
// SPDX-License-Identifier: Apache-2.0
//
// Settings: dsn (the original's MAEL_SQL_DSN for sqlite3, wins over path), path, busy_timeout_ms, pool_size,
// synchronous. Thread-safety: see sql_database.h.
#include "dsn.h"
#include "sql_database.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Statement.h>

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>

namespace maelstrom::plugins::sqlite {

namespace {

using namespace Poco::Data::Keywords;
using sql::Dialect;
using sql::Engine;
using sql::ErrorKind;

class SqliteDialect final : public Dialect {
public:
    SqliteDialect(std::string path, bool memory, std::int64_t busyTimeoutMs, std::size_t poolSize,
                  std::string synchronous)
        : Dialect(Engine::Sqlite), path_(std::move(path)), memory_(memory), busyTimeoutMs_(busyTimeoutMs),
          poolSize_(memory ? 1 : poolSize), synchronous_(std::move(synchronous)) {
        if (memory_) {
            // A named shared-cache memory database lives as long as one connection to it is open: keep one
            // (never used for statements), so a replaced session finds the same data.
            static std::atomic<int> counter{0};
            path_ = "file:maelstrom-memory-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "-" +
                    std::to_string(counter++) + "?mode=memory&cache=shared";
            keeper_.emplace(Poco::Data::SQLite::Connector().createSession(path_, 5));
        }
    }

    ~SqliteDialect() override {
        if (keeper_) {
            try {
                keeper_->close();
            } catch (...) {
            }
        }
    }

    std::string location() const override { return memory_ ? std::string("memory") : "file " + path_; }

    Poco::Data::Session openSession() const override {
        Poco::Data::Session session(Poco::Data::SQLite::Connector().createSession(path_, 5));
        session << "PRAGMA busy_timeout = " + std::to_string(busyTimeoutMs_), now;
        if (!memory_) {
            std::string mode;
            session << "PRAGMA journal_mode = WAL", into(mode), now;
        }
        session << "PRAGMA synchronous = " + synchronous_, now;
        return session;
    }

    std::size_t poolSize() const override { return poolSize_; }

    /// SQLite is in autocommit mode exactly when no transaction is open.
    SessionState sessionState(Poco::Data::Session& session) const noexcept override {
        try {
            sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(session);
            if (db == nullptr)
                return SessionState::Broken;
            return sqlite3_get_autocommit(db) != 0 ? SessionState::Clean : SessionState::InTransaction;
        } catch (...) {
            return SessionState::Broken;
        }
    }

    ErrorKind classify(const Poco::Exception& e) const override {
        namespace S = Poco::Data::SQLite;
        if (dynamic_cast<const S::ConstraintViolationException*>(&e))
            return ErrorKind::Duplicate;
        if (dynamic_cast<const S::DBLockedException*>(&e) || dynamic_cast<const S::TableLockedException*>(&e)) {
            return ErrorKind::Retry;
        }
        if (dynamic_cast<const S::CantOpenDBFileException*>(&e) || dynamic_cast<const S::IOErrorException*>(&e) ||
            dynamic_cast<const S::DatabaseFullException*>(&e) || dynamic_cast<const S::ReadOnlyException*>(&e) ||
            dynamic_cast<const Poco::Data::NotConnectedException*>(&e)) {
            return ErrorKind::Connection;
        }
        return ErrorKind::Other;
    }

private:
    std::string path_;
    bool memory_;
    std::int64_t busyTimeoutMs_;
    std::size_t poolSize_;
    std::string synchronous_;
    std::optional<Poco::Data::Session> keeper_;
};

std::shared_ptr<sdk::Service> create(const sdk::Settings& settings, const sdk::HostContext& host) {
    // Default: maelstrom.db in the node's data_dir (MAEL_DATA_DIR, /var/lib/maelstrom unless configured).
    const std::string dataDir = host.dataDir.empty() ? std::string("/var/lib/maelstrom") : host.dataDir;
    std::string path = settings.getString("path", (std::filesystem::path(dataDir) / "maelstrom.db").string());
    bool memory = path == ":memory:";
    const std::string dsn = settings.getString("dsn");
    if (!dsn.empty()) {
        const auto target = sql::parseSqliteDsn(dsn);
        memory = target.memory;
        path = target.path;
    }
    const std::int64_t busy = settings.getInt("busy_timeout_ms", 5000);
    if (busy < 0)
        throw sdk::InvalidConfig("busy_timeout_ms", "setting 'busy_timeout_ms': must be >= 0");
    const std::int64_t pool = settings.getInt("pool_size", 4);
    if (pool < 1 || pool > 64)
        throw sdk::InvalidConfig("pool_size", "setting 'pool_size': must be 1..64");
    if (!memory) {
        if (path.empty())
            throw sdk::InvalidConfig("path", "setting 'path': empty database file path");
        const std::filesystem::path file(path);
        const auto dir = file.parent_path();
        if (!dir.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(dir, ec);
            if (ec || !std::filesystem::is_directory(dir)) {
                throw sdk::InvalidConfig(dsn.empty() ? "path" : "dsn",
                                         "cannot create the directory of the SQLite database " + path + ": " +
                                             (ec ? ec.message() : std::string("not a directory")));
            }
        }
    }
    std::unique_ptr<Dialect> dialect;
    try {
        dialect = std::make_unique<SqliteDialect>(path, memory, busy, static_cast<std::size_t>(pool),
                                                  settings.getString("synchronous", "NORMAL"));
    } catch (const Poco::Exception& e) {
        throw sdk::Unavailable("SQLite: cannot open the in-memory database: " + e.displayText());
    }
    return std::make_shared<sql::SqlDatabase>(std::move(dialect), host.logger);
}

const sdk::PluginDescriptor& descriptor() {
    static const sdk::PluginDescriptor d{
        sdk::ServiceKind::Database,
        "sqlite",
        "0.1.0",
        "Embedded SQLite database (file with WAL journal, or in memory)",
        {
            {"dsn",
             sdk::SettingType::String,
             std::nullopt,
             "The original's MAEL_SQL_DSN for sqlite3 (e.g. maelstrom.db or file:x.db?mode=memory); wins over path",
             false,
             true,
             {}},
            {"path",
             sdk::SettingType::String,
             std::nullopt,
             "Database file (its directory is created when missing), or :memory: for an in-memory database; "
             "default <data_dir>/maelstrom.db",
             false,
             false,
             {}},
            {"busy_timeout_ms",
             sdk::SettingType::Int,
             std::string("5000"),
             "How long a statement waits for another writer before failing",
             false,
             false,
             {}},
            {"pool_size",
             sdk::SettingType::Int,
             std::string("4"),
             "Sessions (connections) kept open; 1 for an in-memory database",
             false,
             false,
             {}},
            {"synchronous",
             sdk::SettingType::String,
             std::string("NORMAL"),
             "PRAGMA synchronous: NORMAL (safe with WAL, may lose the last commits on power loss) or FULL",
             false,
             false,
             {"OFF", "NORMAL", "FULL"}},
        },
        &create,
    };
    return d;
}

} // namespace

} // namespace maelstrom::plugins::sqlite

MAELSTROM_PLUGIN(maelstrom::plugins::sqlite::descriptor)
