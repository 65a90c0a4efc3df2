// jsonrpc_transport.h — jsonrpc-http: the RpcTransport service the plugin creates: the server side
// (JsonRpcServer) behind handle(), and JsonRpcClient instances from newClient().
// SPDX-License-Identifier: Apache-2.0
//
// Settings (plugin.cpp's table): max_body_bytes, max_json_depth, client_timeout_seconds (when > 0 it
// replaces the timeout the core asks for in every client it creates).
// Thread-safety: immutable after construction; every method may run concurrently.
#pragma once

#include "json_rpc_server.h"

#include <maelstrom/sdk/rpc_transport.h>

#include <chrono>
#include <memory>
#include <string>

namespace maelstrom::plugins::jsonrpc_http {

class JsonRpcHttpTransport final : public sdk::RpcTransport {
public:
    /// `clientTimeout` zero means "use what newClient() is given".
    explicit JsonRpcHttpTransport(ServerLimits limits = {},
                                  std::chrono::milliseconds clientTimeout = std::chrono::milliseconds::zero());

    std::string path() const override { return "/_mael/v1"; }
    std::int64_t maxBodyBytes() const override { return server_.limits().maxBodyBytes; }
    sdk::RpcHttpResponse handle(const sdk::RpcHttpRequest& request, sdk::RpcDispatcher& dispatcher) override;
    std::unique_ptr<sdk::RpcClient> newClient(const std::string& baseUrl,
                                              const sdk::RpcClientOptions& options) override;

private:
    JsonRpcServer server_;
    std::chrono::milliseconds clientTimeout_;
};

} // namespace maelstrom::plugins::jsonrpc_http
