// private_server.h — maelstrom core: the listener on the private port (default 8374): the health check
// (`/_mael_health_check`, any method, exact URI → 200 "OK"), the control plane (the RPC transport's path,
// `/_mael/v1`), the private gateway (every other request, routed by MAELSTROM-COMPONENT first), container logs
// (`/_mael/logs`) and metrics (`/_mael/metrics`).
// With a private token configured, every request but the health check needs `Authorization: Bearer <token>`
// (compared in constant time) or gets 401.
// SPDX-License-Identifier: Apache-2.0
//
// Served on event loops (net/http_server.h). What may block — an RPC method (database, Docker), a log stream —
// runs on a bounded worker pool (http_worker_threads) and its answer is written from the loop; when the pool is
// saturated the request gets 503 + Retry-After at once instead of queueing without bound.
// Threads: start()/stop() from the main thread.
#pragma once

#include "config/node_settings.h"
#include "net/event_loops.h"

#include <maelstrom/sdk/rpc_transport.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace maelstrom::core {

class AwsLifecycle;
class Gateway;
class GatewayMetrics;
class EventSourceMetrics;
class LifecycleMetrics;
class LogStreams;
namespace net {
class HttpServer;
class HttpExchange;
} // namespace net

/// What the private port serves besides the health check. Absent parts answer 404 with a message saying so.
struct PrivateRoutes {
    std::shared_ptr<sdk::RpcTransport> transport;           ///< the control plane's wire format
    sdk::RpcDispatcher* dispatcher = nullptr;               ///< the methods it calls; outlives the server
    Gateway* gateway = nullptr;                             ///< the private gateway (catch-all); outlives the server
    const GatewayMetrics* metrics = nullptr;                ///< `/_mael/metrics` (Prometheus text); outlives the server
    const EventSourceMetrics* eventSourceMetrics = nullptr; ///< appended to `/_mael/metrics`; outlives the server
    const LifecycleMetrics* lifecycleMetrics = nullptr;     ///< appended to `/_mael/metrics`; outlives the server
    const AwsLifecycle* awsLifecycle = nullptr;             ///< its metrics appended to `/_mael/metrics`; outlives it
    LogStreams* logs = nullptr;                             ///< `/_mael/logs` (container logs); outlives the server
    /// More exposition text appended to `/_mael/metrics` in this order (each block: complete families with HELP and
    /// TYPE); called on the event loop at every scrape, so cheap and non-blocking.
    std::vector<std::function<std::string()>> metricsBlocks;
};

class PrivateServer {
public:
    /// `loops`: the node's event loops (null: the server starts its own).
    PrivateServer(const NodeSettings& settings, PrivateRoutes routes, std::shared_ptr<net::EventLoops> loops = nullptr);
    ~PrivateServer();
    PrivateServer(const PrivateServer&) = delete;
    PrivateServer& operator=(const PrivateServer&) = delete;

    /// Binds 0.0.0.0:<private_port> and starts serving. @throws ConfigError when the port cannot be bound.
    void start();
    /// Stops accepting, lets requests in progress finish (bounded), closes the connections, waits for the
    /// workers. Idempotent.
    void stop();
    /// The bound port (useful when private_port is 0).
    int port() const;

private:
    net::Task<void> handle(net::HttpExchange& exchange);
    net::Task<void> serveRpc(net::HttpExchange& exchange);
    net::Task<void> serveLogs(net::HttpExchange& exchange);

    NodeSettings settings_;
    PrivateRoutes routes_;
    std::shared_ptr<net::EventLoops> loops_;
    std::unique_ptr<net::WorkerPool> workers_;    ///< RPC methods
    std::unique_ptr<net::WorkerPool> logThreads_; ///< one thread per open log stream
    std::unique_ptr<net::HttpServer> server_;
};

/// Constant-time check of an Authorization header value against "Bearer <token>".
bool bearerTokenMatches(const std::string& authorizationHeader, const std::string& token);

} // namespace maelstrom::core
