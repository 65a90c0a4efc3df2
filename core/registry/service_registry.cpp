// service_registry.cpp — all-or-nothing start of the configured services; descriptions for the CLI.
#include "registry/service_registry.h"

#include "config/config_error.h"

#include <Poco/Logger.h>

namespace maelstrom::core {
namespace {

sdk::HostContext hostContextFor(const ServiceEntry& entry, const RegistryConfig& config,
                                const std::string& daemonVersion) {
    sdk::HostContext host;
    host.logger = pluginLogger(entry.kind, entry.plugin);
    host.dataDir = config.node.dataDir;
    host.daemonVersion = daemonVersion;
    return host;
}

} // namespace

sdk::PluginLogger pluginLogger(sdk::ServiceKind kind, const std::string& plugin) {
    // One Poco logger per plugin instance: maelstrom.<kind>.<plugin>.
    Poco::Logger& logger = Poco::Logger::get(std::string("maelstrom.") + sdk::serviceKindName(kind) + "." + plugin);
    return sdk::PluginLogger([&logger](sdk::LogLevel level, const std::string& message) {
        switch (level) {
        case sdk::LogLevel::Debug:
            logger.debug(message);
            break;
        case sdk::LogLevel::Information:
            logger.information(message);
            break;
        case sdk::LogLevel::Warning:
            logger.warning(message);
            break;
        case sdk::LogLevel::Error:
            logger.error(message);
            break;
        }
    });
}

std::unique_ptr<ServiceRegistry> ServiceRegistry::start(const RegistryConfig& config,
                                                        const std::string& daemonVersion) {
    std::unique_ptr<ServiceRegistry> registry(new ServiceRegistry());
    try {
        for (const auto& entry : config.services) {
            const std::string path = entry.file.empty() ? pluginPath(config.pluginDir, entry.plugin) : entry.file;
            LoadedPlugin plugin = LoadedPlugin::open(path, entry.kind, entry.plugin);
            sdk::Settings settings;
            auto service =
                plugin.createService(entry.settings, hostContextFor(entry, config, daemonVersion), &settings);
            registry->running_.push_back(Running{entry, std::move(plugin), std::move(settings), std::move(service)});
        }
        if (auto database = std::dynamic_pointer_cast<sdk::Database>(registry->find(sdk::ServiceKind::Database))) {
            registry->database_ = std::make_shared<CountingDatabase>(std::move(database), registry->databaseCalls_);
        }
        if (auto runtime =
                std::dynamic_pointer_cast<sdk::ContainerRuntime>(registry->find(sdk::ServiceKind::ContainerRuntime))) {
            registry->runtime_ = std::make_shared<CountingContainerRuntime>(std::move(runtime), registry->dockerCalls_);
        }
    } catch (...) {
        registry->shutdown();
        throw;
    }
    return registry;
}

ServiceRegistry::~ServiceRegistry() { shutdown(); }

void ServiceRegistry::shutdown() {
    if (shutDown_) {
        return;
    }
    shutDown_ = true;
    for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
        try {
            it->service->shutdown();
        } catch (const std::exception& e) {
            Poco::Logger::get("maelstrom.registry")
                .error(std::string("shutdown of ") + sdk::serviceKindName(it->entry.kind) + " plugin '" +
                       it->entry.plugin + "' failed: " + e.what());
        }
    }
}

std::shared_ptr<sdk::Service> ServiceRegistry::find(sdk::ServiceKind kind) const {
    for (const auto& r : running_) {
        if (r.entry.kind == kind) {
            return r.service;
        }
    }
    return nullptr;
}

std::shared_ptr<sdk::Database> ServiceRegistry::database() const { return database_; }
std::shared_ptr<sdk::ContainerRuntime> ServiceRegistry::containerRuntime() const { return runtime_; }
std::shared_ptr<sdk::LoadBalancer> ServiceRegistry::loadBalancer() const {
    return std::dynamic_pointer_cast<sdk::LoadBalancer>(find(sdk::ServiceKind::LoadBalancer));
}
std::shared_ptr<sdk::RpcTransport> ServiceRegistry::rpcTransport() const {
    return std::dynamic_pointer_cast<sdk::RpcTransport>(find(sdk::ServiceKind::RpcTransport));
}

std::vector<std::pair<std::string, std::shared_ptr<sdk::EventSourceDriver>>>
ServiceRegistry::eventSourceDrivers() const {
    std::vector<std::pair<std::string, std::shared_ptr<sdk::EventSourceDriver>>> drivers;
    for (const auto& r : running_) {
        if (r.entry.kind == sdk::ServiceKind::EventSource) {
            drivers.emplace_back(r.entry.plugin, std::dynamic_pointer_cast<sdk::EventSourceDriver>(r.service));
        }
    }
    return drivers;
}

void ServiceRegistry::describe(std::ostream& out) const {
    if (running_.empty()) {
        out << "services: none\n";
    }
    for (const auto& r : running_) {
        const auto& d = r.plugin.descriptor();
        out << "service " << sdk::serviceKindName(r.entry.kind) << ": " << d.name << " " << d.version << " ("
            << r.plugin.path() << ")";
        if (!d.description.empty()) {
            out << " - " << d.description;
        }
        out << "\n";
        for (const auto& [name, value] : r.settings.redacted()) {
            out << "  " << name << " = " << value << "\n";
        }
    }
}

void describePlugin(const sdk::PluginDescriptor& d, const std::string& path, std::ostream& out) {
    out << "plugin " << d.name << " " << d.version << " (" << sdk::serviceKindName(d.kind) << ")\n"
        << "  file: " << path << "\n";
    if (!d.description.empty()) {
        out << "  " << d.description << "\n";
    }
    if (d.settings.empty()) {
        out << "settings: none\n";
        return;
    }
    out << "settings:\n";
    for (const auto& s : d.settings) {
        out << "  " << s.name << " (" << sdk::settingTypeName(s.type);
        if (s.required) {
            out << ", required";
        }
        if (s.secret) {
            out << ", secret";
        }
        if (s.defaultValue) {
            out << ", default: " << (s.secret ? "********" : *s.defaultValue);
        }
        if (!s.allowed.empty()) {
            out << ", one of:";
            for (const auto& a : s.allowed) {
                out << " " << a;
            }
        }
        out << ")\n      " << s.description << "\n";
    }
}

} // namespace maelstrom::core
