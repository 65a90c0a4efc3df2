// public_server.h — the public HTTP listener (node setting public_port, default 80): every request goes to the
// Gateway as a public request (event-source routing only); `/_mael_health_check` answers 200 "OK".
// SPDX-License-Identifier: Apache-2.0
//
// Threads: start()/stop() from one thread; requests run on the listener's own pool (http_listener.h: http_max_threads
// workers, http_max_queued waiting connections, read/write/idle timeouts and the request-head deadline).
#pragma once

#include "config/node_settings.h"
#include "gateway/gateway.h"
#include "gateway/http_listener.h"

#include <memory>
#include <string>

namespace maelstrom::core {

class PublicServer {
public:
    /// `gateway` must outlive the server. `bindAddress` "0.0.0.0" in the daemon, "127.0.0.1" in tests.
    PublicServer(const NodeSettings& settings, Gateway& gateway, std::string bindAddress = "0.0.0.0");
    ~PublicServer();
    PublicServer(const PublicServer&) = delete;
    PublicServer& operator=(const PublicServer&) = delete;

    /// Binds <bindAddress>:<public_port> (0 = any free port) and starts serving.
    /// @throws ConfigError when the port cannot be bound.
    void start();
    /// Stops accepting, lets requests in progress finish (bounded), joins the threads. Idempotent.
    void stop();
    int port() const;

private:
    NodeSettings settings_;
    Gateway& gateway_;
    std::string bindAddress_;
    std::unique_ptr<HttpListener> listener_;
};

} // namespace maelstrom::core
