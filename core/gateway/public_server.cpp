// public_server.cpp — the public listener.
// SPDX-License-Identifier: Apache-2.0
#include "gateway/public_server.h"

#include <algorithm>

namespace maelstrom::core {

net::ServerLimits serverLimits(const NodeSettings& settings) {
    net::ServerLimits limits;
    const auto seconds = [](std::int64_t s) { return std::chrono::milliseconds(std::max<std::int64_t>(s, 1) * 1000); };
    limits.readTimeout = seconds(settings.httpReadTimeoutSeconds);
    limits.writeTimeout = seconds(settings.httpWriteTimeoutSeconds);
    limits.idleTimeout = seconds(settings.httpIdleTimeoutSeconds);
    limits.headerTimeout = std::min(limits.readTimeout, std::chrono::milliseconds(10'000));
    limits.maxConnections = static_cast<std::size_t>(std::max<std::int64_t>(settings.httpMaxConnections, 1));
    return limits;
}

PublicServer::PublicServer(const NodeSettings& settings, Gateway& gateway, std::string bindAddress,
                           std::shared_ptr<net::EventLoops> loops)
    : settings_(settings), gateway_(gateway), bindAddress_(std::move(bindAddress)), loops_(std::move(loops)) {}

PublicServer::~PublicServer() { stop(); }

void PublicServer::start() {
    if (!loops_) {
        loops_ = std::make_shared<net::EventLoops>(static_cast<std::size_t>(settings_.httpEventLoops), "mael-public");
    }
    server_ = std::make_unique<net::HttpServer>(
        "public port", *loops_, [this](net::HttpExchange& exchange) { return gateway_.handle(exchange, false); },
        serverLimits(settings_));
    try {
        server_->start(bindAddress_, static_cast<int>(settings_.publicPort));
    } catch (...) {
        server_.reset();
        throw;
    }
}

void PublicServer::stop() {
    if (server_) {
        server_->stop();
        server_.reset();
    }
}

int PublicServer::port() const { return server_ ? server_->port() : 0; }

std::size_t PublicServer::connections() const { return server_ ? server_->connections() : 0; }

} // namespace maelstrom::core
