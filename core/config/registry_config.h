// registry_config.h — maelstrom core: reads the service registry (etc/maelstromd.yml): which plugin serves
// each service kind with which settings, where plugins live, and the node settings — with the reference's
// MAEL_* environment variables applied on top (MAEL_SQL_DRIVER + MAEL_SQL_DSN pick and configure the database
// plugin). Pure parsing: nothing is loaded or started here. Every problem is a ConfigError with one line that
// names the file, the line and what is wrong.
//
//   plugin_dir: /usr/lib/maelstrom/plugins   # optional; default <dir of maelstromd>/../lib/maelstrom/plugins
//   node:                                    # optional; see node_settings.h for the keys
//     private_port: 8374
//   services:
//     load_balancer:
//       plugin: round-robin                  # the file <plugin_dir>/<plugin>.so
//       settings: {}                         # validated later against the plugin's table
//     event_sources:                         # a list: any number, one per event-source type
//       - plugin: cron                       # the shipped registry runs cron; absent or [] runs none
#pragma once

#include "config/node_settings.h"

#include <maelstrom/sdk/service.h>
#include <maelstrom/sdk/settings.h>

#include <map>
#include <string>
#include <vector>

namespace maelstrom::core {

/// One `services:` entry.
struct ServiceEntry {
    sdk::ServiceKind kind = sdk::ServiceKind::LoadBalancer;
    std::string plugin; ///< plugin name (file <plugin_dir>/<plugin>.so unless `file` is set)
    std::string file;   ///< explicit path to the shared object (optional)
    sdk::RawSettings settings;
    int line = 0;       ///< where the entry starts in the file (0: from the environment)
    std::string origin; ///< "file:line" or the environment variables that defined it
};

struct RegistryConfig {
    std::string fileName;  ///< the registry file as given
    std::string pluginDir; ///< resolved absolute directory
    /// In kind order: database, container_runtime, load_balancer, rpc_transport, then the event sources.
    std::vector<ServiceEntry> services;
    NodeSettings node;
    std::vector<NodeSettingInfo> nodeReport; ///< resolved node settings with their source (secrets redacted)

    /// The first entry of `kind` (the only one, but for event sources).
    const ServiceEntry* find(sdk::ServiceKind kind) const;
};

/// Reads and checks the registry file. `defaultPluginDir` is used when the file names none; `environment`
/// holds the process environment (MAEL_* overrides). A relative plugin_dir is relative to the file's folder.
/// @throws ConfigError
RegistryConfig loadRegistryConfig(const std::string& fileName, const std::string& defaultPluginDir,
                                  const std::map<std::string, std::string>& environment);

/// The database plugin the reference's MAEL_SQL_DRIVER names ("sqlite3" → "sqlite", "mysql", "postgres").
/// @throws ConfigError for an unknown driver
std::string databasePluginForDriver(const std::string& driver);

} // namespace maelstrom::core
