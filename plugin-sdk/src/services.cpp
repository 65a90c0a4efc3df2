// services.cpp — the key functions (out-of-line destructors) of the service interfaces, so their vtables and
// RTTI live once in libmaelstrom-sdk and dynamic_cast works between the daemon and dlopen'ed plugins;
// the default bodies of optional abilities; kind names.
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/event_source.h>
#include <maelstrom/sdk/load_balancer.h>
#include <maelstrom/sdk/plugin.h>
#include <maelstrom/sdk/rpc_transport.h>

namespace maelstrom::sdk {

Service::~Service() = default;
Database::~Database() = default;
InstancePicker::~InstancePicker() = default;
LoadBalancer::~LoadBalancer() = default;
RpcDispatcher::~RpcDispatcher() = default;
RpcClient::~RpcClient() = default;
RpcTransport::~RpcTransport() = default;
Subscription::~Subscription() = default;
ContainerRuntime::~ContainerRuntime() = default;
Invoker::~Invoker() = default;
ComponentCapacity::~ComponentCapacity() = default;
RoleLocks::~RoleLocks() = default;
EventSourceDriver::~EventSourceDriver() = default;

ExecResult ContainerRuntime::exec(const std::string&, const std::vector<std::string>&, std::chrono::seconds) {
    throw NotSupported("this container runtime does not support exec");
}

void ContainerRuntime::logs(const std::string&, const LogOptions&, const std::function<void(const LogLine&)>&,
                            std::stop_token) {
    throw NotSupported("this container runtime does not support logs");
}

std::unique_ptr<Subscription> ContainerRuntime::subscribe(std::function<void(const ContainerEvent&)>) {
    throw NotSupported("this container runtime does not support events");
}

PruneReport ContainerRuntime::prune(const PruneOptions&) {
    throw NotSupported("this container runtime does not support pruning");
}

void ContainerRuntime::pause(const std::string&) {
    throw NotSupported("this container runtime does not support pausing containers");
}

void ContainerRuntime::unpause(const std::string&) {
    throw NotSupported("this container runtime does not support pausing containers");
}

ContainerSummary ContainerRuntime::create(const ContainerSpec&) {
    throw NotSupported("this container runtime does not support creating containers ahead");
}

ContainerSummary ContainerRuntime::startCreated(const std::string&) {
    throw NotSupported("this container runtime does not support creating containers ahead");
}

void PluginLogger::log(LogLevel level, const std::string& message) const {
    if (sink_) {
        sink_(level, message);
    }
}

namespace {
struct KindName {
    ServiceKind kind;
    const char* name;
};
constexpr KindName kKindNames[] = {
    {ServiceKind::ContainerRuntime, "container_runtime"}, {ServiceKind::Database, "database"},
    {ServiceKind::LoadBalancer, "load_balancer"},         {ServiceKind::RpcTransport, "rpc_transport"},
    {ServiceKind::EventSource, "event_source"},
};
} // namespace

const char* serviceKindName(ServiceKind kind) noexcept {
    for (const auto& k : kKindNames) {
        if (k.kind == kind) {
            return k.name;
        }
    }
    return "unknown";
}

std::optional<ServiceKind> serviceKindFromName(std::string_view name) noexcept {
    for (const auto& k : kKindNames) {
        if (name == k.name) {
            return k.kind;
        }
    }
    return std::nullopt;
}

} // namespace maelstrom::sdk
