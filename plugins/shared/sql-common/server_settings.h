// server_settings.h — sql-common: the settings every client/server engine (mysql, postgres) declares and reads
// the same way: `dsn` (the original's MAEL_SQL_DSN, wins) or host/port/user/password/database, plus the pool.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "dsn.h"

#include <maelstrom/sdk/settings.h>

#include <chrono>
#include <cstddef>
#include <string>

namespace maelstrom::plugins::sql {

/// The shared settings table. `dsnDescription` shows the engine's DSN form; `databaseDescription` names what a
/// "database" is for the engine.
sdk::SettingsSpec serverSettingsSpec(const std::string& dsnDescription, int defaultPort,
                                     const std::string& databaseDescription);

struct ServerSettings {
    ServerTarget target;
    bool fromDsn = false; ///< the target came from `dsn` (errors about it name that setting)
    std::size_t poolSize = 8;
    int connectTimeoutSeconds = 5;
    std::chrono::seconds idleCheck{30};
};

/// Reads and checks the shared settings. @throws sdk::InvalidConfig naming the setting.
ServerSettings readServerSettings(const sdk::Settings& settings, int defaultPort,
                                  ServerTarget (*parseDsn)(const std::string&));

} // namespace maelstrom::plugins::sql
