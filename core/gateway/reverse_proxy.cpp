// reverse_proxy.cpp — one proxied exchange, streamed both ways.
// SPDX-License-Identifier: Apache-2.0
#include "gateway/reverse_proxy.h"

#include "gateway/http_framing.h"
#include "gateway/upstream_pool.h"
#include "gateway/websocket_tunnel.h"
#include "routing/router.h"

#include <array>
#include <cstdio>
#include <memory>
#include <vector>

namespace maelstrom::core {

using namespace std::string_view_literals;

using namespace net;

namespace {

using ErrorCode = boost::system::error_code;
using UpstreamResponse = http::response_parser<http::buffer_body>;

/// This loop's body buffers, reused across requests (a request holds one while it runs).
class BufferCache {
public:
    static std::unique_ptr<char[]> take() {
        auto& free = list();
        if (free.empty()) {
            return std::make_unique<char[]>(kProxyBufferBytes);
        }
        auto buffer = std::move(free.back());
        free.pop_back();
        return buffer;
    }
    static void give(std::unique_ptr<char[]> buffer) {
        auto& free = list();
        if (free.size() < 64) {
            free.push_back(std::move(buffer));
        }
    }

private:
    static std::vector<std::unique_ptr<char[]>>& list() {
        thread_local std::vector<std::unique_ptr<char[]>> free;
        return free;
    }
};

struct PooledBuffer {
    std::unique_ptr<char[]> data = BufferCache::take();
    ~PooledBuffer() { BufferCache::give(std::move(data)); }
    char* get() const { return data.get(); }
};

std::string_view view(std::string_view s) { return s; }

bool isTimeout(const ErrorCode& ec) { return ec == beast::error::timeout; }

/// A parser error about the bytes the client sent (bad chunk, oversized chunk extension), as opposed to the
/// client going away before its body ended.
bool isMalformedBody(const ErrorCode& ec) {
    return ec.category() == http::make_error_code(http::error::bad_chunk).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
}

/// The request head sent upstream: method and target, end-to-end headers of the client (hop-by-hop removed, Host
/// kept; Upgrade and Connection kept for an upgrade), X-Forwarded-For/-Host/-Proto, MAELSTROM-DEADLINE-NANO and
/// MAELSTROM-START-NANO when absent, the client's framing (chunked or Content-Length).
std::string upstreamHead(const HttpExchange& exchange, const ProxyTarget& target, bool upgrade) {
    const auto& head = exchange.head();
    std::string out;
    out.reserve(512);
    out += view(head.method_string());
    out += ' ';
    out += target.pathAndQuery;
    out += " HTTP/1.1\r\n";
    const HopByHopFilter hopByHop = HopByHopFilter::of(head);
    std::string_view forwardedFor;
    bool hasForwardedHost = false;
    bool hasForwardedProto = false;
    bool hasDeadline = false;
    bool hasStart = false;
    std::string_view host;
    for (const auto& field : head) {
        const std::string_view name = view(field.name_string());
        const std::string_view value = view(field.value());
        if (iequalsAscii(name, "x-forwarded-for")) {
            if (forwardedFor.empty()) {
                forwardedFor = value;
            }
            continue;
        }
        const bool keepForUpgrade = upgrade && (iequalsAscii(name, "upgrade") || iequalsAscii(name, "connection"));
        if (!keepForUpgrade &&
            (hopByHop.skip(name) || iequalsAscii(name, "content-length") || iequalsAscii(name, "expect"))) {
            continue;
        }
        if (iequalsAscii(name, kRelayTokenHeader) ||
            (!target.relayPath.empty() &&
             (iequalsAscii(name, kRelayPathHeader) || iequalsAscii(name, kComponentHeader)))) {
            continue; // set below for a relay; a client's relay token never reaches an instance
        }
        hasForwardedHost = hasForwardedHost || iequalsAscii(name, "x-forwarded-host");
        hasForwardedProto = hasForwardedProto || iequalsAscii(name, "x-forwarded-proto");
        hasDeadline = hasDeadline || iequalsAscii(name, "maelstrom-deadline-nano");
        hasStart = hasStart || iequalsAscii(name, "maelstrom-start-nano");
        if (host.empty() && iequalsAscii(name, "host")) {
            host = value;
        }
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "X-Forwarded-For: ";
    if (!forwardedFor.empty()) {
        out += forwardedFor;
        out += ", ";
    }
    out += exchange.clientIp();
    out += "\r\n";
    if (!hasForwardedHost && !host.empty()) {
        out += "X-Forwarded-Host: ";
        out += host;
        out += "\r\n";
    }
    if (!hasForwardedProto) {
        out += exchange.secure() ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n";
    }
    if (!hasDeadline) {
        out += "MAELSTROM-DEADLINE-NANO: " + std::to_string(target.deadlineUnixNanos) + "\r\n";
    }
    if (!target.relayPath.empty()) {
        out += std::string(kComponentHeader) + ": " + target.componentName + "\r\n";
        out += std::string(kRelayPathHeader) + ": " + target.relayPath + "\r\n";
        if (!target.relayToken.empty()) {
            out += std::string(kRelayTokenHeader) + ": " + target.relayToken + "\r\n";
        }
    }
    if (!hasStart) {
        out += "MAELSTROM-START-NANO: " + std::to_string(target.startUnixNanos) + "\r\n";
    }
    if (exchange.chunked()) {
        out += "Transfer-Encoding: chunked\r\n";
    } else if (const auto length = exchange.contentLength()) {
        out += "Content-Length: " + std::to_string(*length) + "\r\n";
    }
    out += "\r\n";
    return out;
}

/// The response head sent to the client: the upstream's status, reason and end-to-end headers; the framing
/// chosen here (Content-Length when the upstream gave one, else chunked for HTTP/1.1 clients, else the end of the
/// connection marks the end of the body). Sets `chunkedOut`, and closeAfter() on the exchange when needed.
std::string clientHead(HttpExchange& exchange, const UpstreamResponse& response, bool& chunkedOut) {
    const auto& head = response.get().base();
    const int status = static_cast<int>(head.result_int());
    const bool clientHttp11 = exchange.version() >= 11;
    std::string out;
    out.reserve(512);
    out += clientHttp11 ? "HTTP/1.1 " : "HTTP/1.0 ";
    out += std::to_string(status);
    out += ' ';
    out += view(head.reason());
    out += "\r\n";
    const bool switching = status == 101;
    const HopByHopFilter hopByHop = HopByHopFilter::of(head);
    for (const auto& field : head) {
        const std::string_view name = view(field.name_string());
        const bool keepForUpgrade = switching && (iequalsAscii(name, "upgrade") || iequalsAscii(name, "connection"));
        if (!keepForUpgrade && (hopByHop.skip(name) || iequalsAscii(name, "content-length"))) {
            continue;
        }
        out += name;
        out += ": ";
        out += view(field.value());
        out += "\r\n";
    }
    chunkedOut = false;
    const bool bodiless = status == 204 || status == 304 || status < 200 || exchange.method() == "HEAD";
    if (switching) {
        // The connection becomes the tunnel.
    } else if (!response.chunked() && response.content_length()) {
        out += "Content-Length: " + std::to_string(*response.content_length()) + "\r\n";
    } else if (!bodiless) {
        if (clientHttp11) {
            out += "Transfer-Encoding: chunked\r\n";
            chunkedOut = true;
        } else {
            exchange.closeAfter(); // HTTP/1.0: the body ends with the connection
        }
    }
    if (!switching) {
        if (!exchange.keepAlive()) {
            out += "Connection: close\r\n";
        } else if (!clientHttp11) {
            out += "Connection: keep-alive\r\n";
        }
    }
    out += "\r\n";
    return out;
}

/// Adds one body piece to `out`, framed as a chunk when `chunked` (`sizeLine` holds the chunk-size line).
void addBodyPiece(BufferList& out, const char* data, std::size_t size, bool chunked, std::array<char, 24>& sizeLine) {
    if (size == 0) {
        return;
    }
    if (!chunked) {
        out.add(data, size);
        return;
    }
    const int n = std::snprintf(sizeLine.data(), sizeLine.size(), "%zx\r\n", size);
    out.add(sizeLine.data(), static_cast<std::size_t>(n));
    out.add(data, size);
    out.add("\r\n", 2);
}

/// Watches the client connection while the instance works on the request: a client that closes its connection
/// (EOF or reset, not more request bytes) gets the upstream connection closed, which cancels the request there.
/// The watch is a one-byte MSG_PEEK receive with a plain completion handler: it consumes nothing (pipelined
/// bytes stay for the next request), and unlike async_wait it needs no epoll_ctl on every request, since the
/// socket is already registered edge-triggered for reading.
class ClientWatch {
public:
    ClientWatch(beast::tcp_stream& client, UpstreamConnection& upstream)
        : state_(std::make_shared<State>(State{&client, &upstream, true, false, 0})) {
        client.socket().async_receive(asio::buffer(&state_->peeked, 1), tcp::socket::message_peek,
                                      [state = state_](const ErrorCode& ec, std::size_t n) { onPeek(*state, ec, n); });
    }
    ~ClientWatch() { stop(); }
    ClientWatch(const ClientWatch&) = delete;
    ClientWatch& operator=(const ClientWatch&) = delete;

    /// Stops watching (before the client connection is read or written again).
    void stop() {
        if (state_->active) {
            state_->active = false;
            ErrorCode ec;
            state_->client->socket().cancel(ec);
        }
    }
    bool clientGone() const { return state_->gone; }

private:
    /// Shared with the completion handler, which may run after the watch is gone.
    struct State {
        beast::tcp_stream* client;
        UpstreamConnection* upstream;
        bool active;
        bool gone;
        char peeked;
    };
    static void onPeek(State& state, const ErrorCode& ec, std::size_t n) {
        if (!state.active || ec == asio::error::operation_aborted) {
            return;
        }
        if (n > 0 && !ec) {
            return; // the client sent more (a pipelined request): nothing to watch any more
        }
        state.gone = true; // EOF or a reset
        state.active = false;
        ErrorCode ignored;
        state.upstream->stream.socket().close(ignored);
    }
    std::shared_ptr<State> state_;
};

/// How sending the request and reading the response head went.
enum class Sent { Head, Stale, ClientGone, BadRequest, UpstreamError, Timeout };

struct Exchange {
    HttpExchange& client;
    const std::string& endpoint;
    const ProxyTarget& target;
    const bool upgrade;
    PooledBuffer buffer;
    std::size_t firstPiece = 0; ///< body bytes read before anything went upstream (in buffer)
    bool bodyComplete = false;  ///< the whole body is in the first piece
};

/// Reads the first piece of the client's body before anything goes upstream: a malformed body (bad chunk size)
/// is refused with nothing sent to the instance, and a body that fits in one piece may be resent on a fresh
/// connection when a pooled one turns out stale.
Task<Sent> readFirstPiece(Exchange& x) {
    if (!x.client.hasBody()) {
        x.bodyComplete = true;
        co_return Sent::Head;
    }
    ErrorCode ec;
    x.firstPiece = co_await x.client.readBody(x.buffer.get(), kProxyBufferBytes, ec);
    if (ec) {
        co_return isMalformedBody(ec) ? Sent::BadRequest : Sent::ClientGone;
    }
    x.bodyComplete = x.client.bodyDone();
    co_return Sent::Head;
}

/// Sends the head and the body (the first piece already read, the rest streamed) on `up`.
Task<Sent> sendRequest(Exchange& x, UpstreamConnection& up, const std::string& head) {
    ErrorCode ec;
    std::array<char, 24> sizeLine{};
    BufferList buffers(head.data(), head.size());
    addBodyPiece(buffers, x.buffer.get(), x.firstPiece, x.client.chunked(), sizeLine);
    if (x.bodyComplete && x.client.chunked()) {
        buffers.add("0\r\n\r\n", 5);
    }
    co_await asio::async_write(up.stream, buffers, withError(ec));
    if (ec) {
        co_return isTimeout(ec) ? Sent::Timeout : (up.reused && x.bodyComplete ? Sent::Stale : Sent::UpstreamError);
    }
    if (x.bodyComplete) {
        co_return Sent::Head;
    }
    // The rest of the body, piece by piece: nothing more is read from the client than the instance takes.
    for (;;) {
        const std::size_t n = co_await x.client.readBody(x.buffer.get(), kProxyBufferBytes, ec);
        if (ec) {
            co_return isMalformedBody(ec) ? Sent::BadRequest : Sent::ClientGone;
        }
        const bool last = x.client.bodyDone();
        BufferList piece;
        addBodyPiece(piece, x.buffer.get(), n, x.client.chunked(), sizeLine);
        if (last && x.client.chunked()) {
            piece.add("0\r\n\r\n", 5);
        }
        if (!piece.empty()) {
            co_await asio::async_write(up.stream, piece, withError(ec));
            if (ec) {
                co_return isTimeout(ec) ? Sent::Timeout : Sent::UpstreamError;
            }
        }
        if (last) {
            co_return Sent::Head;
        }
    }
}

/// One attempt: connection (pooled or new), request, response head. `up` keeps the connection.
Task<Sent> attempt(Exchange& x, const std::string& head, std::unique_ptr<UpstreamConnection>& up,
                   UpstreamResponse& response, bool allowPooled) {
    ErrorCode ec;
    if (!up) {
        up = allowPooled ? UpstreamPool::local().take(x.endpoint) : nullptr;
    }
    if (!up) {
        up = co_await connectUpstream(x.endpoint, x.target.deadline, ec);
        if (!up) {
            co_return SteadyClock::now() >= x.target.deadline || isTimeout(ec) ? Sent::Timeout : Sent::UpstreamError;
        }
    }
    up->stream.expires_at(x.target.deadline);
    const Sent sent = co_await sendRequest(x, *up, head);
    if (sent != Sent::Head) {
        co_return sent;
    }
    response.header_limit(64 * 1024);
    response.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (x.client.method() == "HEAD") {
        response.skip(true);
    }
    bool gone = false;
    {
        ClientWatch watch(x.client.stream(), *up);
        co_await http::async_read_header(up->stream, up->buffer, response, withError(ec));
        gone = watch.clientGone();
    }
    if (gone) {
        co_return Sent::ClientGone;
    }
    if (ec) {
        if (isTimeout(ec)) {
            co_return Sent::Timeout;
        }
        // A pooled connection the instance had closed: nothing reached the application, worth one fresh try.
        const bool stale = up->reused && x.bodyComplete && up->buffer.size() == 0 &&
                           (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                            ec == asio::error::eof || ec == asio::error::broken_pipe);
        co_return stale ? Sent::Stale : Sent::UpstreamError;
    }
    co_return Sent::Head;
}

/// The gateway's own answer when the exchange failed before the response head.
Task<ProxyResult> answerFailure(HttpExchange& client, const ProxyTarget& target, Sent failure) {
    switch (failure) {
    case Sent::ClientGone:
        client.closeAfter();
        co_return ProxyResult{ProxyOutcome::ClientGone, 499};
    case Sent::BadRequest:
        client.closeAfter();
        co_await client.sendText(400, "Bad Request: malformed request body"sv);
        co_return ProxyResult{ProxyOutcome::BadRequest, 400};
    case Sent::Timeout:
        co_await client.sendText(504, timeoutBody(target.componentName));
        co_return ProxyResult{ProxyOutcome::Timeout, 504};
    default:
        co_await client.sendText(502, ""sv);
        co_return ProxyResult{ProxyOutcome::UpstreamError, 502};
    }
}

/// Cuts the client connection after a partial answer: a truncated body must not look complete.
void abortClient(HttpExchange& client) {
    client.closeAfter();
    ErrorCode ec;
    client.stream().socket().shutdown(tcp::socket::shutdown_both, ec);
    client.stream().socket().close(ec);
}

/// Sends the response head and then the upstream's body to the client piece by piece. The head travels with the
/// first piece when that piece is already at hand (read along with the head): one write, one TCP segment, for
/// the common small response. When nothing of the body has arrived yet (a stream that starts later) the head
/// goes out alone at once. Returns the outcome.
Task<ProxyOutcome> relayResponse(Exchange& x, UpstreamConnection& up, UpstreamResponse& response, std::string_view head,
                                 bool chunkedOut) {
    ErrorCode ec;
    std::array<char, 24> sizeLine{};
    auto& body = response.get().body();
    bool headSent = false;
    for (;;) {
        BufferList piece;
        if (!headSent) {
            piece.add(head);
        }
        if (!response.is_done() && (headSent || up.buffer.size() > 0)) {
            body.data = x.buffer.get();
            body.size = kProxyBufferBytes;
            co_await http::async_read_some(up.stream, up.buffer, response, withError(ec));
            if (ec == http::error::need_buffer) {
                ec = {};
            }
            const std::size_t n = kProxyBufferBytes - body.size;
            body.data = nullptr;
            if (ec) {
                abortClient(x.client); // a cut connection, never a response that looks complete
                co_return isTimeout(ec) ? ProxyOutcome::Timeout : ProxyOutcome::UpstreamError;
            }
            addBodyPiece(piece, x.buffer.get(), n, chunkedOut, sizeLine);
            if (response.is_done() && chunkedOut) {
                piece.add("0\r\n\r\n", 5);
            }
        }
        headSent = true;
        if (!piece.empty()) {
            co_await x.client.write(piece, ec);
            if (ec) {
                abortClient(x.client);
                co_return ProxyOutcome::ClientGone;
            }
        }
        if (response.is_done()) {
            co_return ProxyOutcome::Completed;
        }
    }
}

} // namespace

bool isUpgradeRequest(const HttpExchange& exchange) {
    if (!exchange.hasHeader("Upgrade")) {
        return false;
    }
    return HopByHopFilter::of(exchange.head()).connectionHas("upgrade");
}

Task<ProxyResult> proxyRequest(HttpExchange& client, const std::string& endpoint, const ProxyTarget& target) {
    Exchange x{client, endpoint, target, isUpgradeRequest(client), {}};
    std::unique_ptr<UpstreamConnection> up;
    if (target.connectFirst) {
        up = x.upgrade ? nullptr : UpstreamPool::local().take(endpoint);
        if (!up) {
            ErrorCode ec;
            up = co_await connectUpstream(endpoint, target.deadline, ec);
            if (!up) {
                co_return ProxyResult{ProxyOutcome::Unreachable, 502};
            }
        }
    }
    Sent sent = co_await readFirstPiece(x);
    if (sent != Sent::Head) {
        co_return co_await answerFailure(client, target, sent);
    }
    const std::string head = upstreamHead(client, target, x.upgrade);
    auto response = std::make_unique<UpstreamResponse>();
    sent = co_await attempt(x, head, up, *response, !x.upgrade);
    if (sent == Sent::Stale) {
        response = std::make_unique<UpstreamResponse>();
        up.reset();
        sent = co_await attempt(x, head, up, *response, false);
        if (sent == Sent::Stale) {
            sent = Sent::UpstreamError;
        }
    }
    // A stop() of the server closes the upstream connection too (the client's is closed by the server).
    client.onForceClose([&up] {
        if (up) {
            ErrorCode ec;
            up->stream.socket().close(ec);
        }
    });
    if (sent != Sent::Head) {
        co_return co_await answerFailure(client, target, sent);
    }

    const int status = static_cast<int>(response->get().result_int());
    const bool switching = x.upgrade && status == 101;
    if (!client.bodyDone() && !switching) {
        client.closeAfter(); // the instance answered before the body ended: the rest is not read
    }
    bool chunkedOut = false;
    const std::string outHead = clientHead(client, *response, chunkedOut);
    client.markAnswered();
    if (switching) {
        ErrorCode ec;
        co_await client.write(std::string_view(outHead), ec);
        if (ec) {
            abortClient(client);
            co_return ProxyResult{ProxyOutcome::ClientGone, status};
        }
        client.closeAfter();
        co_await joinConnections(client.stream(), client.buffer(), up->stream, up->buffer, target.deadline,
                                 client.tls());
        co_return ProxyResult{ProxyOutcome::Completed, status, true};
    }
    const ProxyOutcome outcome = co_await relayResponse(x, *up, *response, outHead, chunkedOut);
    if (outcome == ProxyOutcome::Completed && response->keep_alive() && !x.upgrade) {
        UpstreamPool::local().give(endpoint, std::move(up));
    }
    co_return ProxyResult{outcome, status};
}

} // namespace maelstrom::core
