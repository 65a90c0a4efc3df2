// private_server.h — maelstrom core: the listener on the private port (default 8374). Today it answers the
// health check (`/_mael_health_check`, any method, exact URI → 200 "OK"); the control plane (/_mael/v1), logs,
// metrics and the private gateway are routed here as they arrive.
// Threads: start()/stop() from the main thread; requests are served by Poco's HTTPServer thread pool.
#pragma once

#include "config/node_settings.h"

#include <Poco/Net/HTTPServer.h>

#include <memory>

namespace maelstrom::core {

class PrivateServer {
public:
    explicit PrivateServer(const NodeSettings& settings);
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
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

} // namespace maelstrom::core
