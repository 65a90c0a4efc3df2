// dsn.h — sql-common: parsing of the original's MAEL_SQL_DSN forms into
// connection settings, for each engine. Pure functions, no I/O; thread-safe.
// SPDX-License-Identifier: Apache-2.0
//
//   sqlite:   "maelstrom.db", "file:test.db?cache=shared&mode=memory", ":memory:"
//   mysql:    "user:pass@(127.0.0.1:3306)/mael", "user:pass@tcp(host:3306)/mael?charset=utf8mb4", "user@/mael"
//   postgres: "postgres://user:pass@host:5432/mael?sslmode=disable" (postgresql:// too), or libpq's
//             "host=... port=... user=... password=... dbname=... sslmode=..." form
// Errors throw sdk::InvalidConfig("dsn", ...) whose message never contains the password.
#pragma once

#include <map>
#include <string>

namespace maelstrom::plugins::sql {

struct ServerTarget {
    std::string host;
    int port = 0;
    std::string user;
    std::string password;
    std::string database;
    std::map<std::string, std::string> params; ///< query parameters (sslmode, charset, ...)
};

struct SqliteTarget {
    std::string path;    ///< file path (empty when memory)
    bool memory = false; ///< an in-memory database
};

SqliteTarget parseSqliteDsn(const std::string& dsn);
ServerTarget parseMysqlDsn(const std::string& dsn);
ServerTarget parsePostgresDsn(const std::string& dsn);

/// Decodes %XX escapes (URL user info, paths). Throws InvalidConfig("dsn") on a bad escape.
std::string percentDecode(const std::string& text);

/// Replaces every occurrence of `secret` in `text` with "********" (no-op for an empty secret).
std::string scrub(std::string text, const std::string& secret);

} // namespace maelstrom::plugins::sql
