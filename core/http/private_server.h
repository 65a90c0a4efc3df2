// private_server.h — maelstrom core: the listener on the private port (default 8374): the health check
// (`/_mael_health_check`, any method, exact URI → 200 "OK"), the control plane (the RPC transport's path,
// `/_mael/v1`), the private gateway (every other request, routed by MAELSTROM-COMPONENT first) and — as they
// arrive — logs and metrics.
// With a private token configured, every request but the health check needs `Authorization: Bearer <token>`
// (compared in constant time) or gets 401.
// Threads: start()/stop() from the main thread; requests are served by the listener's own pool (http_listener.h:
// thread and queue limits, read/write/idle timeouts, request-head deadline).
#pragma once

#include "config/node_settings.h"

#include <maelstrom/sdk/rpc_transport.h>

#include <Poco/Net/HTTPServer.h>

#include <memory>

namespace maelstrom::core {

class Gateway;
class GatewayMetrics;
class HttpListener;
class LogStreams;

/// What the private port serves besides the health check. Absent parts answer 404 with a message saying so.
struct PrivateRoutes {
    std::shared_ptr<sdk::RpcTransport> transport; ///< the control plane's wire format
    sdk::RpcDispatcher* dispatcher = nullptr;     ///< the methods it calls; outlives the server
    Gateway* gateway = nullptr;                   ///< the private gateway (catch-all); outlives the server
    const GatewayMetrics* metrics = nullptr;      ///< `/_mael/metrics` (Prometheus text); outlives the server
    LogStreams* logs = nullptr;                   ///< `/_mael/logs` (container logs); outlives the server
};

class PrivateServer {
public:
    PrivateServer(const NodeSettings& settings, PrivateRoutes routes);
    ~PrivateServer();
    PrivateServer(const PrivateServer&) = delete;
    PrivateServer& operator=(const PrivateServer&) = delete;

    /// Binds 0.0.0.0:<private_port> and starts serving. @throws ConfigError when the port cannot be bound.
    void start();
    /// Stops accepting, lets requests in progress finish (bounded), joins the threads. Idempotent.
    void stop();
    /// The bound port (useful when private_port is 0).
    int port() const;

private:
    NodeSettings settings_;
    PrivateRoutes routes_;
    std::unique_ptr<HttpListener> listener_; ///< http_listener.h: limits, timeouts, head deadline
};

/// Constant-time check of an Authorization header value against "Bearer <token>".
bool bearerTokenMatches(const std::string& authorizationHeader, const std::string& token);

} // namespace maelstrom::core
