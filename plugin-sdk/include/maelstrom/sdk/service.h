// service.h — maelstrom SDK: the service kinds and the common base of every service a plugin creates.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <maelstrom/sdk/export.h>

#include <optional>
#include <string>
#include <string_view>

namespace maelstrom::sdk {

/// The kinds of service a plugin can provide. Each has one interface header:
/// container_runtime.h, database.h, load_balancer.h, rpc_transport.h, event_source.h.
enum class ServiceKind {
    ContainerRuntime,
    Database,
    LoadBalancer,
    RpcTransport,
    EventSource, ///< any number of them run, one per event-source type
};

/// The registry key of a kind: "container_runtime", "database", "load_balancer", "rpc_transport", "event_source".
MAELSTROM_SDK_API const char* serviceKindName(ServiceKind kind) noexcept;
/// The inverse of serviceKindName; empty for an unknown name.
MAELSTROM_SDK_API std::optional<ServiceKind> serviceKindFromName(std::string_view name) noexcept;

/// Base class of every service object a plugin's factory returns. The core casts it to the kind's interface
/// (dynamic_cast; the vtables and RTTI of these classes live in libmaelstrom-sdk, so this works across dlopen).
class MAELSTROM_SDK_API Service {
public:
    virtual ~Service();
    /// Stops background work (threads, timers, connections) before the daemon exits. Idempotent.
    /// Called once by the core, from the main thread, after no other method is running any more.
    virtual void shutdown() {}
};

} // namespace maelstrom::sdk
