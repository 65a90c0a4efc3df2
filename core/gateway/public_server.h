// public_server.h — the public HTTP listener (node setting public_port, default 80): every request goes to the
// Gateway as a public request (event-source routing only); `/_mael_health_check` answers 200 "OK".
// SPDX-License-Identifier: Apache-2.0
//
// Served on event loops (net/http_server.h: strict parsing, timeouts, the connection bound); the loops are the
// node's shared ones when given, else the server's own (http_event_loops of them).
// Threads: start()/stop() from one thread.
#pragma once

#include "config/node_settings.h"
#include "gateway/gateway.h"
#include "net/event_loops.h"
#include "net/http_server.h"

#include <memory>
#include <string>

namespace maelstrom::core {

/// The listener limits of the node settings (http_* rows): the head deadline is min(read timeout, 10 s).
net::ServerLimits serverLimits(const NodeSettings& settings);

class PublicServer {
public:
    /// `gateway` must outlive the server. `bindAddress` "0.0.0.0" in the daemon, "127.0.0.1" in tests. `loops`:
    /// the node's event loops (null: the server starts its own).
    PublicServer(const NodeSettings& settings, Gateway& gateway, std::string bindAddress = "0.0.0.0",
                 std::shared_ptr<net::EventLoops> loops = nullptr);
    ~PublicServer();
    PublicServer(const PublicServer&) = delete;
    PublicServer& operator=(const PublicServer&) = delete;

    /// Binds <bindAddress>:<public_port> (0 = any free port) and starts serving.
    /// @throws ConfigError when the port cannot be bound.
    void start();
    /// Stops accepting, lets requests in progress finish (bounded), closes the connections. Idempotent.
    void stop();
    int port() const;
    /// Open connections.
    std::size_t connections() const;

private:
    NodeSettings settings_;
    Gateway& gateway_;
    std::string bindAddress_;
    std::shared_ptr<net::EventLoops> loops_;
    std::unique_ptr<net::HttpServer> server_;
};

} // namespace maelstrom::core
