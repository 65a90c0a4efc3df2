// websocket_tunnel.cpp — the two copy directions of a tunnel.
// SPDX-License-Identifier: Apache-2.0
#include "gateway/websocket_tunnel.h"

#include <memory>

namespace maelstrom::core {

using namespace net;

namespace {

constexpr std::size_t kTunnelPieceBytes = 16 * 1024;

/// What both directions share; the first to end closes both sockets so the other ends too.
struct Tunnel {
    beast::tcp_stream& client;
    beast::tcp_stream& upstream;
    asio::steady_timer ended; ///< cancelled when a direction ends
    int running = 2;
    void close() {
        boost::system::error_code ec;
        client.socket().shutdown(tcp::socket::shutdown_both, ec);
        upstream.socket().shutdown(tcp::socket::shutdown_both, ec);
        client.socket().cancel(ec);
        upstream.socket().cancel(ec);
    }
};

Task<void> copyDirection(std::shared_ptr<Tunnel> tunnel, beast::tcp_stream& from, beast::flat_buffer& buffered,
                         beast::tcp_stream& to) {
    boost::system::error_code ec;
    if (buffered.size() > 0) {
        co_await asio::async_write(to.socket(), buffered.data(), withError(ec));
        buffered.consume(buffered.size());
    }
    while (!ec) {
        // An open but quiet tunnel holds no buffer: wait until bytes are there, then take one for this piece.
        co_await from.socket().async_wait(tcp::socket::wait_read, withError(ec));
        if (ec) {
            break;
        }
        const auto piece = std::make_unique<char[]>(kTunnelPieceBytes);
        const std::size_t n =
            co_await from.socket().async_read_some(asio::buffer(piece.get(), kTunnelPieceBytes), withError(ec));
        if (ec || n == 0) {
            break;
        }
        co_await asio::async_write(to.socket(), asio::buffer(piece.get(), n), withError(ec));
    }
    if (--tunnel->running == 1) {
        tunnel->close();
    }
    tunnel->ended.cancel();
}

} // namespace

Task<void> joinConnections(beast::tcp_stream& client, beast::flat_buffer& clientBuffered, beast::tcp_stream& upstream,
                           beast::flat_buffer& upstreamBuffered, SteadyTime deadline) {
    const auto executor = co_await asio::this_coro::executor;
    // The tunnel lives as long as the request may: no per-operation timeouts, one deadline for the whole.
    client.expires_never();
    upstream.expires_never();
    auto tunnel = std::make_shared<Tunnel>(Tunnel{client, upstream, asio::steady_timer(executor), 2});
    asio::co_spawn(executor, copyDirection(tunnel, client, clientBuffered, upstream), asio::detached);
    asio::co_spawn(executor, copyDirection(tunnel, upstream, upstreamBuffered, client), asio::detached);
    boost::system::error_code ec;
    tunnel->ended.expires_at(deadline);
    co_await tunnel->ended.async_wait(withError(ec));
    if (tunnel->running > 0) {
        tunnel->close(); // deadline, or one direction ended: end the other
    }
    while (tunnel->running > 0) {
        // Both directions refer to the streams, which live on the caller's frame: wait until they have ended.
        tunnel->ended.expires_after(std::chrono::seconds(5));
        co_await tunnel->ended.async_wait(withError(ec));
    }
}

} // namespace maelstrom::core
