// plugin_loader.cpp — Boost.DLL loading and the checks of plugin_loader.h.
#include "registry/plugin_loader.h"

#include "config/config_error.h"

#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/event_source.h>
#include <maelstrom/sdk/load_balancer.h>
#include <maelstrom/sdk/rpc_transport.h>

#include <dlfcn.h>
#include <filesystem>

namespace fs = std::filesystem;

namespace maelstrom::core {
namespace {

constexpr const char* kAbiSymbol = "maelstrom_plugin_abi";
constexpr const char* kDescriptorSymbol = "maelstrom_plugin_descriptor";

// Owns the service and, after it, the library its code lives in: members are destroyed in reverse order,
// so the service's destructor runs while the code is still mapped.
struct ServiceHolder {
    boost::dll::shared_library library;
    std::shared_ptr<sdk::Service> service;
};

} // namespace

std::string pluginPath(const std::string& pluginDir, const std::string& name) {
    return (fs::path(pluginDir) / (name + ".so")).string();
}

bool implementsKind(const sdk::Service& service, sdk::ServiceKind kind) {
    switch (kind) {
    case sdk::ServiceKind::ContainerRuntime:
        return dynamic_cast<const sdk::ContainerRuntime*>(&service) != nullptr;
    case sdk::ServiceKind::Database:
        return dynamic_cast<const sdk::Database*>(&service) != nullptr;
    case sdk::ServiceKind::LoadBalancer:
        return dynamic_cast<const sdk::LoadBalancer*>(&service) != nullptr;
    case sdk::ServiceKind::RpcTransport:
        return dynamic_cast<const sdk::RpcTransport*>(&service) != nullptr;
    case sdk::ServiceKind::EventSource:
        return dynamic_cast<const sdk::EventSourceDriver*>(&service) != nullptr;
    }
    return false;
}

LoadedPlugin LoadedPlugin::open(const std::string& path, std::optional<sdk::ServiceKind> expectedKind,
                                const std::string& expectedName) {
    const std::string what = expectedKind
                                 ? std::string(sdk::serviceKindName(*expectedKind)) + " plugin '" + expectedName + "'"
                                 : "plugin '" + expectedName + "'";
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        throw ConfigError(what + ": plugin file not found: " + path);
    }
    boost::dll::shared_library library;
    boost::system::error_code loadError;
    library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, loadError);
    if (loadError) {
        // Boost reports a generic code; dlerror() has the useful part (missing dependency, wrong ELF class...),
        // so ask the dynamic loader once more for it.
        std::string detail = loadError.message();
        if (void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
            dlclose(handle);
        } else if (const char* text = dlerror()) {
            detail = text;
        }
        throw ConfigError(what + ": cannot load " + path + ": " + detail);
    }
    if (!library.has(kAbiSymbol) || !library.has(kDescriptorSymbol)) {
        throw ConfigError(what + ": " + path + " is not a maelstrom plugin (it does not export " +
                          (library.has(kAbiSymbol) ? kDescriptorSymbol : kAbiSymbol) +
                          "; plugins are built with the MAELSTROM_PLUGIN macro)");
    }
    // The ABI version is read before anything else of the plugin is touched: a descriptor of another ABI
    // may have another layout.
    const int abi = library.get_alias<int()>(kAbiSymbol)();
    if (abi != sdk::kAbiVersion) {
        throw ConfigError(what + ": " + path + " was built for plugin ABI " + std::to_string(abi) +
                          ", this maelstromd supports ABI " + std::to_string(sdk::kAbiVersion) +
                          " (rebuild the plugin against this SDK)");
    }
    const sdk::PluginDescriptor& descriptor = library.get_alias<const sdk::PluginDescriptor&()>(kDescriptorSymbol)();
    if (expectedKind && descriptor.kind != *expectedKind) {
        throw ConfigError(what + ": " + path + " is a " + sdk::serviceKindName(descriptor.kind) + " plugin, not a " +
                          sdk::serviceKindName(*expectedKind) + " plugin");
    }
    if (!expectedName.empty() && descriptor.name != expectedName) {
        throw ConfigError(what + ": " + path + " declares the plugin name '" + descriptor.name + "', expected '" +
                          expectedName + "'");
    }
    if (!descriptor.create) {
        throw ConfigError(what + ": " + path + " has no factory in its descriptor");
    }
    return LoadedPlugin(std::move(library), &descriptor, path);
}

std::shared_ptr<sdk::Service> LoadedPlugin::createService(const sdk::RawSettings& raw, const sdk::HostContext& host,
                                                          sdk::Settings* validated) const {
    const std::string what =
        std::string(sdk::serviceKindName(descriptor_->kind)) + " plugin '" + descriptor_->name + "'";
    sdk::Settings settings;
    try {
        settings = sdk::Settings::validate(descriptor_->settings, raw);
    } catch (const sdk::InvalidConfig& e) {
        throw ConfigError(what + ": " + e.what());
    }
    std::shared_ptr<sdk::Service> service;
    try {
        service = descriptor_->create(settings, host);
    } catch (const sdk::InvalidConfig& e) {
        throw ConfigError(what + " rejected its configuration: " + e.what());
    } catch (const std::exception& e) {
        throw ConfigError(what + " failed to start: " + e.what());
    } catch (...) {
        throw ConfigError(what + " failed to start (unknown exception)");
    }
    if (!service) {
        throw ConfigError(what + " failed to start: its factory returned nothing");
    }
    if (!implementsKind(*service, descriptor_->kind)) {
        throw ConfigError(what + ": the service it created does not implement the " +
                          sdk::serviceKindName(descriptor_->kind) + " interface");
    }
    if (validated) {
        *validated = settings;
    }
    auto holder = std::make_shared<ServiceHolder>(ServiceHolder{library_, std::move(service)});
    return std::shared_ptr<sdk::Service>(holder, holder->service.get());
}

} // namespace maelstrom::core
