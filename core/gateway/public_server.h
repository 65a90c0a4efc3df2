// public_server.h — the public HTTP listener (node setting public_port, default 80): every request goes to the
// Gateway as a public request (event-source routing only); `/_mael_health_check` answers 200 "OK".
// SPDX-License-Identifier: Apache-2.0
//
// Threads: start()/stop() from one thread; requests run on Poco's HTTPServer pool (http_max_threads workers,
// http_max_queued waiting connections, http_read_timeout per read, http_idle_timeout between keep-alive
// requests).
#pragma once

#include "config/node_settings.h"
#include "gateway/gateway.h"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>

#include <memory>
#include <string>

namespace maelstrom::core {

/// Server parameters from the node settings (shared by the public and private listeners).
Poco::Net::HTTPServerParams::Ptr httpServerParams(const NodeSettings& settings);

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
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

} // namespace maelstrom::core
