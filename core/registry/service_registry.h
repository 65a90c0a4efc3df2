// service_registry.h — maelstrom core: the services this daemon runs, one per kind, created from the
// registry configuration by loading their plugins. Starting is all or nothing: if any plugin fails, the ones
// already created are shut down and the error is rethrown, so nothing is half started.
// Threads: built and shut down from the main thread; the typed getters are safe from any thread afterwards.
#pragma once

#include "config/registry_config.h"
#include "metrics/call_metrics.h"
#include "registry/plugin_loader.h"

#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/event_source.h>
#include <maelstrom/sdk/load_balancer.h>
#include <maelstrom/sdk/rpc_transport.h>

#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace maelstrom::core {

class ServiceRegistry {
public:
    /// Loads and creates every service the configuration names, in its order.
    /// @throws ConfigError (see plugin_loader.h for the cases)
    static std::unique_ptr<ServiceRegistry> start(const RegistryConfig& config, const std::string& daemonVersion);

    ~ServiceRegistry();
    ServiceRegistry(const ServiceRegistry&) = delete;
    ServiceRegistry& operator=(const ServiceRegistry&) = delete;

    /// The service of a kind, or null when the registry names none. The database and the container runtime are
    /// handed out wrapped: every call through them is counted in databaseCalls() / dockerCalls().
    std::shared_ptr<sdk::Database> database() const;
    std::shared_ptr<sdk::ContainerRuntime> containerRuntime() const;
    std::shared_ptr<sdk::LoadBalancer> loadBalancer() const;
    std::shared_ptr<sdk::RpcTransport> rpcTransport() const;
    /// Every event-source driver, in registry order, with the name of its plugin.
    std::vector<std::pair<std::string, std::shared_ptr<sdk::EventSourceDriver>>> eventSourceDrivers() const;

    /// The counters of the calls into the database and container runtime plugins (call_metrics.h).
    const CallCounters& databaseCalls() const { return *databaseCalls_; }
    const CallCounters& dockerCalls() const { return *dockerCalls_; }

    /// Human-readable list of the services with their plugin, version, file and settings (secrets redacted).
    void describe(std::ostream& out) const;

    /// Calls shutdown() on every service in reverse start order. Idempotent.
    void shutdown();

private:
    struct Running {
        ServiceEntry entry;
        LoadedPlugin plugin;
        sdk::Settings settings;
        std::shared_ptr<sdk::Service> service;
    };
    ServiceRegistry() = default;
    std::shared_ptr<sdk::Service> find(sdk::ServiceKind kind) const;

    std::vector<Running> running_;
    std::shared_ptr<CallCounters> databaseCalls_ = databaseCallCounters();
    std::shared_ptr<CallCounters> dockerCalls_ = dockerCallCounters();
    std::shared_ptr<sdk::Database> database_;        ///< the counting wrapper of the database plugin
    std::shared_ptr<sdk::ContainerRuntime> runtime_; ///< the counting wrapper of the runtime plugin
    bool shutDown_ = false;
};

/// The logger a plugin of `kind` gets: its lines go to maelstromd's log as maelstrom.<kind>.<plugin>.
sdk::PluginLogger pluginLogger(sdk::ServiceKind kind, const std::string& plugin);

/// The text of `maelstromd --describe-plugin`: kind, name, version, description and the settings table.
void describePlugin(const sdk::PluginDescriptor& descriptor, const std::string& path, std::ostream& out);

} // namespace maelstrom::core
