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

/// Copies `from` → `to` until either ends. `fromSocket` is the socket beneath `from`: with `waitFirst` a quiet
/// direction holds no buffer (waits until bytes are there, then takes one for this piece).
template <typename From, typename To>
Task<void> copyDirection(std::shared_ptr<Tunnel> tunnel, From& from, tcp::socket& fromSocket, bool waitFirst,
                         beast::flat_buffer& buffered, To& to) {
    boost::system::error_code ec;
    if (buffered.size() > 0) {
        co_await asio::async_write(to, buffered.data(), withError(ec));
        buffered.consume(buffered.size());
    }
    std::unique_ptr<char[]> held;
    while (!ec) {
        std::unique_ptr<char[]> piece;
        if (waitFirst) {
            co_await fromSocket.async_wait(tcp::socket::wait_read, withError(ec));
            if (ec) {
                break;
            }
            piece = std::make_unique<char[]>(kTunnelPieceBytes);
        } else if (!held) {
            held = std::make_unique<char[]>(kTunnelPieceBytes);
        }
        char* const data = waitFirst ? piece.get() : held.get();
        const std::size_t n = co_await from.async_read_some(asio::buffer(data, kTunnelPieceBytes), withError(ec));
        if (ec || n == 0) {
            break;
        }
        co_await asio::async_write(to, asio::buffer(data, n), withError(ec));
    }
    if (--tunnel->running == 1) {
        tunnel->close();
    }
    tunnel->ended.cancel();
}

} // namespace

Task<void> joinConnections(beast::tcp_stream& client, beast::flat_buffer& clientBuffered, beast::tcp_stream& upstream,
                           beast::flat_buffer& upstreamBuffered, SteadyTime deadline, TlsStream* clientTls) {
    const auto executor = co_await asio::this_coro::executor;
    // The tunnel lives as long as the request may: no per-operation timeouts, one deadline for the whole.
    client.expires_never();
    upstream.expires_never();
    auto tunnel = std::make_shared<Tunnel>(Tunnel{client, upstream, asio::steady_timer(executor), 2});
    tcp::socket& clientSocket = client.socket();
    tcp::socket& upstreamSocket = upstream.socket();
    if (clientTls) {
        asio::co_spawn(executor, copyDirection(tunnel, *clientTls, clientSocket, false, clientBuffered, upstreamSocket),
                       asio::detached);
        asio::co_spawn(executor,
                       copyDirection(tunnel, upstreamSocket, upstreamSocket, true, upstreamBuffered, *clientTls),
                       asio::detached);
    } else {
        asio::co_spawn(executor,
                       copyDirection(tunnel, clientSocket, clientSocket, true, clientBuffered, upstreamSocket),
                       asio::detached);
        asio::co_spawn(executor,
                       copyDirection(tunnel, upstreamSocket, upstreamSocket, true, upstreamBuffered, clientSocket),
                       asio::detached);
    }
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
