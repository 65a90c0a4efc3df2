// sqlite_plugin.cpp — the sqlite database plugin: maelstrom's embedded default store. A file (WAL journal,
// busy timeout, a small session pool so several threads read at once while one writes) or an in-memory
// database (one shared-cache database kept alive for the plugin's lifetime, used through one session).
// SPDX-License-Identifier: Apache-2.0
//
// Settings: dsn (the original's MAEL_SQL_DSN for sqlite3, wins over path), path, busy_timeout_ms, pool_size,
// synchronous. Thread-safety: see sql_database.h.
// A file this process cannot write (e.g. created by root, then used by the service's user) stops the plugin at
// start with one line naming the file, its owner and mode, and the fix: SQLite would otherwise open it read-only
// without complaint and every write would fail later.
#include "dsn.h"
#include "sql_database.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Statement.h>

#include <sqlite3.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>

namespace maelstrom::plugins::sqlite {

namespace {

using namespace Poco::Data::Keywords;
using sql::Dialect;
using sql::Engine;
using sql::ErrorKind;

const char* const kChownFix =
    "chown it to the user maelstromd runs as (the packaged service does this before starting)";

std::string userName(uid_t uid) {
    struct passwd entry {};
    struct passwd* found = nullptr;
    char buffer[2048];
    if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr)
        return found->pw_name;
    return std::to_string(uid);
}

/// "uid 998 (maelstrom)": the user this process opens files as.
std::string processUser() {
    const uid_t uid = ::geteuid();
    const std::string name = userName(uid);
    return "uid " + std::to_string(uid) + (name == std::to_string(uid) ? std::string() : " (" + name + ")");
}

/// " (owner root, mode 0644)" for `path`, plus the reason when it is not plain permissions; "" when unknown.
std::string ownerAndMode(const std::string& path, int error = 0) {
    std::string facts;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        facts = "owner " + userName(st.st_uid) + ", mode " + mode;
    }
    if (error == EROFS) {
        facts += (facts.empty() ? "" : ", ") + std::string("read-only file system");
    } else if (error != 0 && error != EACCES) {
        facts += (facts.empty() ? "" : ", ") + std::string(std::strerror(error));
    }
    return facts.empty() ? facts : " (" + facts + ")";
}

/// Whether this process (its effective uid and groups) may access `path` as `mode`; `error` gets errno when not.
bool mayAccess(const std::string& path, int mode, int& error) {
    if (::faccessat(AT_FDCWD, path.c_str(), mode, AT_EACCESS) == 0)
        return true;
    error = errno;
    return false;
}

/// Throws sdk::Unavailable when this process cannot write the database file, or cannot create the WAL journal
/// files (<file>-wal, <file>-shm) next to it, or cannot create the file when it is missing.
void requireWritable(const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path file(path);
    const std::string dir = file.parent_path().empty() ? std::string(".") : file.parent_path().string();
    int dirError = 0;
    const bool dirWritable = mayAccess(dir, W_OK | X_OK, dirError);
    const std::string dirFacts = dirWritable ? std::string() : ownerAndMode(dir, dirError);
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        if (!dirWritable) {
            throw sdk::Unavailable(
                "SQLite database " + path + " cannot be created: its directory " + dir + " is not writable by " +
                processUser() + dirFacts +
                ": chown the directory to the user maelstromd runs as, or set 'path' (or 'dsn') to a "
                "writable place");
        }
        return;
    }
    int error = 0;
    if (!mayAccess(path, R_OK | W_OK, error)) {
        throw sdk::Unavailable("SQLite database " + path + " is not writable by " + processUser() +
                               ownerAndMode(path, error) + ": " + kChownFix);
    }
    for (const char* suffix : {"-wal", "-shm"}) {
        const std::string journal = path + suffix;
        if (fs::exists(journal, ec)) {
            if (!mayAccess(journal, R_OK | W_OK, error)) {
                throw sdk::Unavailable("SQLite journal file " + journal + " is not writable by " + processUser() +
                                       ownerAndMode(journal, error) + ": " + kChownFix);
            }
        } else if (!dirWritable) {
            throw sdk::Unavailable("SQLite database " + path + ": its directory " + dir + " is not writable by " +
                                   processUser() + dirFacts + ", and SQLite creates its journal files (" +
                                   file.filename().string() +
                                   "-wal, -shm) there: chown the directory to the user maelstromd runs as (the "
                                   "packaged service does this before starting)");
        }
    }
}

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
            // SQLite falls back to read-only when the file cannot be opened for writing (its owner or mode
            // changed while the daemon runs): say so instead of failing every write with "readonly database".
            sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(session);
            if (db != nullptr && sqlite3_db_readonly(db, "main") == 1) {
                throw sdk::Unavailable("SQLite opened " + path_ + " read-only: it is not writable by " + processUser() +
                                       ownerAndMode(path_) + ": " + kChownFix);
            }
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
        requireWritable(path);
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
