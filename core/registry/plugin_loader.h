// plugin_loader.h — maelstrom core: opens plugin shared objects with Boost.DLL and checks them before use:
// the file exists, it exports the maelstrom symbols, its ABI version matches this daemon's, its kind and name
// are what the registry asked for. Each failure is a ConfigError of one line naming the file and the cause.
// A LoadedPlugin keeps the library mapped; services it creates keep it mapped too (see createService).
#pragma once

#include <maelstrom/sdk/plugin.h>

#include <boost/dll/shared_library.hpp>

#include <memory>
#include <optional>
#include <string>

namespace maelstrom::core {

class LoadedPlugin {
public:
    /// Opens `path` and checks it. `expectedKind`/`expectedName` are checked when given.
    /// @throws ConfigError
    static LoadedPlugin open(const std::string& path, std::optional<sdk::ServiceKind> expectedKind,
                             const std::string& expectedName);

    const sdk::PluginDescriptor& descriptor() const { return *descriptor_; }
    const std::string& path() const { return path_; }

    /// Validates `raw` against the plugin's settings table and calls its factory. The returned service keeps
    /// the library loaded for as long as it lives.
    /// @throws ConfigError (bad settings, plugin refused its config, failed to start, wrong interface)
    std::shared_ptr<sdk::Service> createService(const sdk::RawSettings& raw, const sdk::HostContext& host,
                                                sdk::Settings* validated = nullptr) const;

private:
    LoadedPlugin(boost::dll::shared_library library, const sdk::PluginDescriptor* descriptor, std::string path)
        : library_(std::move(library)), descriptor_(descriptor), path_(std::move(path)) {}

    boost::dll::shared_library library_;
    const sdk::PluginDescriptor* descriptor_;
    std::string path_;
};

/// The file a plugin name maps to: <pluginDir>/<name>.so.
std::string pluginPath(const std::string& pluginDir, const std::string& name);

/// True when `service` implements the interface of `kind` (dynamic_cast).
bool implementsKind(const sdk::Service& service, sdk::ServiceKind kind);

} // namespace maelstrom::core
