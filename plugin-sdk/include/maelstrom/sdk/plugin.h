// plugin.h — maelstrom SDK: what a plugin exports (its descriptor) and what the host gives it (HostContext).
// SPDX-License-Identifier: Apache-2.0
//
// A plugin is one shared object exporting, through MAELSTROM_PLUGIN (on BOOST_DLL_ALIAS), two symbols:
//   maelstrom_plugin_abi         int()                       the SDK ABI version it was compiled against
//   maelstrom_plugin_descriptor  const PluginDescriptor&()   kind, name, version, settings table, factory
// The loader reads the ABI version first and touches the descriptor only when it matches.
//
//   const maelstrom::sdk::PluginDescriptor& myDescriptor() {
//       static const maelstrom::sdk::PluginDescriptor d{ ... .create = [](auto& s, auto& h) {...} };
//       return d;
//   }
//   MAELSTROM_PLUGIN(myDescriptor)
#pragma once

#include <maelstrom/sdk/export.h>
#include <maelstrom/sdk/service.h>
#include <maelstrom/sdk/settings.h>
#include <maelstrom/sdk/version.h>

#include <functional>
#include <memory>
#include <string>

namespace maelstrom::sdk {

enum class LogLevel { Debug, Information, Warning, Error };

/// A logger the host hands to each plugin instance; lines end up in maelstromd's log, attributed to
/// `maelstrom.<kind>.<plugin>`. Thread-safe. Copyable (it shares the host's sink).
class MAELSTROM_SDK_API PluginLogger {
public:
    using Sink = std::function<void(LogLevel, const std::string&)>;
    PluginLogger() = default;
    explicit PluginLogger(Sink sink) : sink_(std::move(sink)) {}

    void log(LogLevel level, const std::string& message) const;
    void debug(const std::string& message) const { log(LogLevel::Debug, message); }
    void information(const std::string& message) const { log(LogLevel::Information, message); }
    void warning(const std::string& message) const { log(LogLevel::Warning, message); }
    void error(const std::string& message) const { log(LogLevel::Error, message); }

private:
    Sink sink_;
};

/// What the host offers a plugin when it creates a service. Valid for the duration of create();
/// copy what you keep (the logger is cheap to copy).
struct HostContext {
    PluginLogger logger{};
    std::string dataDir{};       ///< writable directory for plugin state (default /var/lib/maelstrom)
    std::string daemonVersion{}; ///< maelstromd's version, for diagnostics
};

/// Creates the service with validated settings. May throw InvalidConfig (the daemon then stops with the
/// setting's name in one line) or Unavailable (the backend cannot be reached).
using ServiceFactory = std::function<std::shared_ptr<Service>(const Settings&, const HostContext&)>;

/// Everything the host needs to know about a plugin before it creates anything.
struct PluginDescriptor {
    ServiceKind kind = ServiceKind::LoadBalancer;
    std::string name{};        ///< the name the registry uses ("round-robin"); the file is <name>.so
    std::string version{};     ///< the plugin's own version
    std::string description{}; ///< one line, for --describe-plugin and --check-config
    SettingsSpec settings{};   ///< every setting it accepts (an empty table means "none")
    ServiceFactory create{};   ///< returns an object of the kind's interface (Database, LoadBalancer, ...)
};

} // namespace maelstrom::sdk

// The export macro needs Boost.DLL's alias machinery (header-only).
#include <boost/dll/alias.hpp>

/// Exports a plugin. Use once per shared object, at global scope, with a function returning
/// `const maelstrom::sdk::PluginDescriptor&` (typically a function-local static).
#define MAELSTROM_PLUGIN(DESCRIPTOR_FUNCTION)                                                                          \
    namespace maelstrom_plugin_export {                                                                                \
    inline int abiVersion() { return MAELSTROM_SDK_ABI_VERSION; }                                                      \
    inline const ::maelstrom::sdk::PluginDescriptor& descriptor() { return DESCRIPTOR_FUNCTION(); }                    \
    }                                                                                                                  \
    BOOST_DLL_ALIAS(maelstrom_plugin_export::abiVersion, maelstrom_plugin_abi)                                         \
    BOOST_DLL_ALIAS(maelstrom_plugin_export::descriptor, maelstrom_plugin_descriptor)
