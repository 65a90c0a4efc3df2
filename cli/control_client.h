// control_client.h — maelctl: calls maelstromd's control plane (MaelstromService/NodeService) through the RPC
// transport plugin (jsonrpc-http by default, loaded from <dir of maelctl>/../lib/maelstrom/plugins like the
// daemon does), at MAELSTROM_PRIVATE_URL with MAELSTROM_PRIVATE_TOKEN.
#pragma once

#include <maelstrom/sdk/rpc_transport.h>

#include <chrono>
#include <memory>
#include <string>

namespace maelstrom::cli {

class ControlClient {
public:
    /// @throws std::runtime_error when the transport plugin cannot be loaded (message says which file)
    /// `timeout` bounds each call (connect, send, answer).
    ControlClient(const std::string& privateUrl, const std::string& token,
                  std::chrono::milliseconds timeout = std::chrono::minutes(5));
    ~ControlClient();

    /// @return the output struct as JSON text. @throws sdk::RpcError
    std::string call(const std::string& method, const std::string& inputJson);

    const std::string& url() const { return url_; }

private:
    std::string url_;
    std::shared_ptr<sdk::Service> transport_; // keeps the plugin loaded
    std::unique_ptr<sdk::RpcClient> client_;
};

} // namespace maelstrom::cli
