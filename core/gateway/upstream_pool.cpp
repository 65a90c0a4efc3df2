// upstream_pool.cpp — per-loop idle connections and connecting.
// SPDX-License-Identifier: Apache-2.0
#include "gateway/upstream_pool.h"

#include <charconv>

namespace maelstrom::core {

using namespace net;

UpstreamPool& UpstreamPool::local() {
    thread_local UpstreamPool pool;
    return pool;
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take(const std::string& endpoint) {
    const auto it = idle_.find(endpoint);
    if (it == idle_.end()) {
        return nullptr;
    }
    const SteadyTime now = SteadyClock::now();
    auto& list = it->second;
    while (!list.empty()) {
        std::unique_ptr<UpstreamConnection> connection = std::move(list.back());
        list.pop_back();
        if (now - connection->idleSince < kUpstreamIdleTimeout && connection->stream.socket().is_open()) {
            connection->reused = true;
            return connection;
        }
    }
    return nullptr;
}

void UpstreamPool::give(const std::string& endpoint, std::unique_ptr<UpstreamConnection> connection) {
    const SteadyTime now = SteadyClock::now();
    connection->idleSince = now;
    connection->stream.expires_never();
    auto& list = idle_[endpoint];
    if (list.size() < kMaxIdlePerEndpoint) {
        list.push_back(std::move(connection));
    }
    if (now >= nextSweep_) {
        sweep(now);
    }
}

void UpstreamPool::sweep(SteadyTime now) {
    // Connections of instances that went away would otherwise stay open until the instance closes them.
    nextSweep_ = now + kUpstreamIdleTimeout;
    for (auto it = idle_.begin(); it != idle_.end();) {
        auto& list = it->second;
        std::erase_if(list, [&](const auto& c) { return now - c->idleSince >= kUpstreamIdleTimeout; });
        it = list.empty() ? idle_.erase(it) : std::next(it);
    }
}

Task<std::unique_ptr<UpstreamConnection>> connectUpstream(const std::string& endpoint, SteadyTime deadline,
                                                          boost::system::error_code& ec) {
    const auto executor = co_await asio::this_coro::executor;
    std::string_view rest(endpoint);
    if (rest.substr(0, 7) == "http://") {
        rest.remove_prefix(7);
    }
    if (!rest.empty() && rest.back() == '/') {
        rest.remove_suffix(1);
    }
    const auto colon = rest.rfind(':');
    std::uint16_t port = 80;
    std::string host(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
        const std::string_view portText = rest.substr(colon + 1);
        const auto [end, err] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
        if (err != std::errc() || end != portText.data() + portText.size()) {
            ec = asio::error::invalid_argument;
            co_return nullptr;
        }
    }
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    auto connection = std::make_unique<UpstreamConnection>(executor);
    // Beast reads at most the buffer's free capacity (at least 512 bytes) at a time: room for a whole body piece.
    connection->buffer.reserve(kUpstreamReadBytes);
    connection->stream.expires_at(deadline);
    const auto address = asio::ip::make_address(host, ec);
    if (!ec) {
        co_await connection->stream.async_connect(tcp::endpoint(address, port), withError(ec));
    } else {
        tcp::resolver resolver(executor);
        const auto results = co_await resolver.async_resolve(host, std::to_string(port), withError(ec));
        if (!ec) {
            co_await connection->stream.async_connect(results, withError(ec));
        }
    }
    if (ec) {
        co_return nullptr;
    }
    connection->stream.socket().set_option(tcp::no_delay(true), ec);
    ec = {};
    co_return connection;
}

} // namespace maelstrom::core
