// jsonrpc_transport.cpp — jsonrpc-http: the RpcTransport service (see jsonrpc_transport.h).
// SPDX-License-Identifier: Apache-2.0
#include "jsonrpc_transport.h"

#include "json_rpc_client.h"

namespace maelstrom::plugins::jsonrpc_http {

JsonRpcHttpTransport::JsonRpcHttpTransport(ServerLimits limits, std::chrono::milliseconds clientTimeout)
    : server_(limits), clientTimeout_(clientTimeout) {}

sdk::RpcHttpResponse JsonRpcHttpTransport::handle(const sdk::RpcHttpRequest& request, sdk::RpcDispatcher& dispatcher) {
    return server_.handle(request, dispatcher);
}

std::unique_ptr<sdk::RpcClient> JsonRpcHttpTransport::newClient(const std::string& baseUrl,
                                                                const sdk::RpcClientOptions& options) {
    sdk::RpcClientOptions effective = options;
    if (clientTimeout_ > std::chrono::milliseconds::zero()) {
        effective.timeout = clientTimeout_;
    }
    return std::make_unique<JsonRpcClient>(baseUrl, effective);
}

} // namespace maelstrom::plugins::jsonrpc_http
