// plugin.cpp — maelstrom plugin jsonrpc-http: the descriptor, settings table and factory (the transport is in
// jsonrpc_transport.h).
// SPDX-License-Identifier: Apache-2.0
#include "jsonrpc_transport.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>

#include <string>

namespace {

namespace sdk = maelstrom::sdk;
namespace rpc = maelstrom::plugins::jsonrpc_http;

constexpr std::int64_t kMaxDepthCeiling = 512; // the SDK codec writes at most 512 levels

std::shared_ptr<sdk::Service> createTransport(const sdk::Settings& settings, const sdk::HostContext&) {
    rpc::ServerLimits limits;
    limits.maxBodyBytes = settings.getInt("max_body_bytes", limits.maxBodyBytes);
    if (limits.maxBodyBytes < 1) {
        throw sdk::InvalidConfig("max_body_bytes", "must be at least 1, got " + std::to_string(limits.maxBodyBytes));
    }
    const std::int64_t depth = settings.getInt("max_json_depth", limits.maxJsonDepth);
    if (depth < 8 || depth > kMaxDepthCeiling) {
        throw sdk::InvalidConfig("max_json_depth", "must be between 8 and " + std::to_string(kMaxDepthCeiling) +
                                                       ", got " + std::to_string(depth));
    }
    limits.maxJsonDepth = static_cast<int>(depth);
    const std::int64_t timeoutSeconds = settings.getInt("client_timeout_seconds", 0);
    if (timeoutSeconds < 0 || timeoutSeconds > 24 * 3600) {
        throw sdk::InvalidConfig("client_timeout_seconds",
                                 "must be between 0 and 86400, got " + std::to_string(timeoutSeconds));
    }
    return std::make_shared<rpc::JsonRpcHttpTransport>(limits, std::chrono::seconds(timeoutSeconds));
}

const sdk::PluginDescriptor& jsonRpcHttpDescriptor() {
    static const sdk::PluginDescriptor descriptor{
        .kind = sdk::ServiceKind::RpcTransport,
        .name = "jsonrpc-http",
        .version = MAELSTROM_SDK_VERSION,
        .description = "barrister-compatible JSON-RPC 2.0 over HTTP POST /_mael/v1 (default)",
        .settings =
            {
                {.name = "max_body_bytes",
                 .type = sdk::SettingType::Int,
                 .defaultValue = "8388608",
                 .description = "largest request body accepted, in bytes (larger ones get HTTP 413)"},
                {.name = "max_json_depth",
                 .type = sdk::SettingType::Int,
                 .defaultValue = "64",
                 .description = "deepest nesting of arrays/objects accepted in a request (8..512)"},
                {.name = "client_timeout_seconds",
                 .type = sdk::SettingType::Int,
                 .defaultValue = "0",
                 .description = "when > 0, the timeout of every outgoing RPC call; 0 keeps the core's per-call "
                                "timeouts (5 min node calls, 1 min broadcasts, 30 s status refresh)"},
            },
        .create = createTransport,
    };
    return descriptor;
}

} // namespace

MAELSTROM_PLUGIN(jsonRpcHttpDescriptor)
