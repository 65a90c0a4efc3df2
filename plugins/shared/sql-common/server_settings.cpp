// server_settings.cpp — see server_settings.h.
// SPDX-License-Identifier: Apache-2.0
#include "server_settings.h"

#include <maelstrom/sdk/errors.h>

namespace maelstrom::plugins::sql {

sdk::SettingsSpec serverSettingsSpec(const std::string& dsnDescription, int defaultPort,
                                     const std::string& databaseDescription) {
    using sdk::SettingType;
    return {
        {"dsn", SettingType::String, std::nullopt, dsnDescription + "; wins over the settings below", false, true, {}},
        {"host", SettingType::String, std::string("127.0.0.1"), "Server host name or address", false, false, {}},
        {"port", SettingType::Int, std::to_string(defaultPort), "Server TCP port", false, false, {}},
        {"user", SettingType::String, std::string("maelstrom"), "User name", false, false, {}},
        {"password", SettingType::String, std::nullopt, "Password (never logged)", false, true, {}},
        {"database", SettingType::String, std::string("maelstrom"), databaseDescription, false, false, {}},
        {"pool_size", SettingType::Int, std::string("8"), "Connections kept open at most", false, false, {}},
        {"connect_timeout_seconds",
         SettingType::Int,
         std::string("5"),
         "Timeout of one connection attempt",
         false,
         false,
         {}},
        {"idle_check_seconds",
         SettingType::Int,
         std::string("30"),
         "A pooled connection idle for longer is checked (SELECT 1) before reuse and replaced when dead",
         false,
         false,
         {}},
    };
}

ServerSettings readServerSettings(const sdk::Settings& settings, int defaultPort,
                                  ServerTarget (*parseDsn)(const std::string&)) {
    ServerSettings out;
    const std::string dsn = settings.getString("dsn");
    out.fromDsn = !dsn.empty();
    if (out.fromDsn) {
        out.target = parseDsn(dsn);
    } else {
        out.target.host = settings.getString("host", "127.0.0.1");
        const auto port = settings.getInt("port", defaultPort);
        if (port < 1 || port > 65535)
            throw sdk::InvalidConfig("port", "setting 'port': must be 1..65535");
        out.target.port = static_cast<int>(port);
        out.target.user = settings.getString("user", "maelstrom");
        out.target.password = settings.getString("password");
        out.target.database = settings.getString("database", "maelstrom");
        if (out.target.user.empty())
            throw sdk::InvalidConfig("user", "setting 'user': must not be empty");
        if (out.target.database.empty()) {
            throw sdk::InvalidConfig("database", "setting 'database': must not be empty");
        }
    }
    const auto pool = settings.getInt("pool_size", 8);
    if (pool < 1 || pool > 256)
        throw sdk::InvalidConfig("pool_size", "setting 'pool_size': must be 1..256");
    out.poolSize = static_cast<std::size_t>(pool);
    const auto idleCheck = settings.getInt("idle_check_seconds", 30);
    if (idleCheck < 0)
        throw sdk::InvalidConfig("idle_check_seconds", "setting 'idle_check_seconds': must be >= 0");
    out.idleCheck = std::chrono::seconds(idleCheck);
    const auto timeout = settings.getInt("connect_timeout_seconds", 5);
    if (timeout < 1 || timeout > 600) {
        throw sdk::InvalidConfig("connect_timeout_seconds", "setting 'connect_timeout_seconds': must be 1..600");
    }
    out.connectTimeoutSeconds = static_cast<int>(timeout);
    return out;
}

} // namespace maelstrom::plugins::sql
