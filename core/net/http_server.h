// http_server.h — one HTTP/1.1 listener (the public port or the private port) on the node's event loops: one
// acceptor hands the connections to the loops in turn; each connection's coroutine reads and strictly validates
// each request head and hands the request to a coroutine handler as an HttpExchange. Keep-alive, pipelining (requests answered in
// order), HTTP/1.0, timeouts and limits live here; what a request means lives in the handler.
// SPDX-License-Identifier: Apache-2.0
//
// Strictness. A proxy that reads a request differently from the server behind it lets a client smuggle a second
// request, so the head is checked byte by byte before Beast's parser sees it (request_head.h) and the framing
// headers once it has: anything ambiguous is answered 400 (or 414 / 431 / 501 / 505 where they fit) and the
// connection closed; the handler never sees such a request, so nothing of it reaches a container.
//
// Slow clients cost a coroutine frame and a small buffer, never a thread. Deadlines: the first request byte must
// come within the read timeout (first request) or the idle timeout (keep-alive); the whole head within
// headerTimeout of its first byte; each body read within the read timeout; each write within the write timeout.
// At maxConnections open connections a new one is closed at once (logged at most every 10 s).
//
// TLS (the HTTPS listener): with a tls::ServerContext each connection first completes a TLS handshake within the
// header timeout (failures are counted in the TLS metrics and logged at debug level only), then is served exactly
// like a plain one: the exchange reads and writes through the TLS stream when there is one (a branch, not a virtual
// call), and the TCP stream beneath keeps the deadlines.
//
// Threads: start()/stop() from one thread; the handler runs on the loop that owns the connection.
#pragma once

#include "net/asio.h"
#include "net/event_loops.h"
#include "net/tls_stream.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace maelstrom::core::tls {
class ServerContext;
}

namespace maelstrom::core::net {

struct ServerLimits {
    std::chrono::milliseconds readTimeout{300'000};  ///< per body read, and the wait for a first request byte
    std::chrono::milliseconds writeTimeout{310'000}; ///< per write: no progress for this long closes it
    std::chrono::milliseconds idleTimeout{310'000};  ///< between keep-alive requests
    std::chrono::milliseconds headerTimeout{10'000}; ///< the whole request head, from its first byte
    std::size_t maxConnections = 20'000;             ///< open connections; more are closed at once
    std::size_t maxHeadBytes = 64 * 1024;            ///< request line + headers (431 beyond)
    std::size_t maxRequestLineBytes = 16 * 1024;     ///< request line alone (414 beyond)
    std::chrono::milliseconds drainTimeout{10'000};  ///< stop(): how long requests in progress may finish
};

/// What every connection's coroutine shares with the server that accepted it (kept alive by the connections).
struct ServerState;
/// One connection's state as the server sees it (for stop()).
struct ConnectionState;

/// One request on one connection, as the handler sees it. The head is parsed and valid; the body is read through
/// readBody(); the answer is written through the write functions. Lives on the connection's coroutine frame.
class HttpExchange {
public:
    using Request = http::request_parser<http::buffer_body>;

    /// `tls`: the TLS stream over `stream` on the HTTPS listener, else null.
    HttpExchange(beast::tcp_stream& stream, TlsStream* tls, beast::flat_buffer& buffer, Request& parser,
                 const ServerLimits& limits, ConnectionState& connection, std::string_view clientIp,
                 std::uint16_t clientPort);

    const http::request_header<>& head() const { return parser_.get().base(); }
    std::string_view method() const { return head().method_string(); }
    std::string_view target() const { return head().target(); }
    /// 10 or 11.
    unsigned version() const { return head().version(); }
    /// The value of the first header `name`, or empty.
    std::string_view header(std::string_view name) const;
    bool hasHeader(std::string_view name) const;
    bool chunked() const { return parser_.chunked(); }
    /// Content-Length when given.
    std::optional<std::uint64_t> contentLength() const;
    /// Whether a body follows the head (chunked, or Content-Length > 0).
    bool hasBody() const { return chunked() || contentLength().value_or(0) > 0; }
    /// Whether the client's body has been read to its end.
    bool bodyDone() const { return parser_.is_done(); }
    const std::string& clientIp() const { return clientIp_; }
    std::uint16_t clientPort() const { return clientPort_; }

    /// Reads the next piece of the body into `data` (at most `size` bytes). 0 with no error: the body ended.
    /// Errors: the client went away or timed out (read timeout), or the body is malformed (http::error::*).
    Task<std::size_t> readBody(char* data, std::size_t size, boost::system::error_code& ec);
    /// `HTTP/1.1 100 Continue` when the client asked for it (Expect: 100-continue) and it was not sent yet.
    Task<void> sendContinueIfExpected(boost::system::error_code& ec);

    /// Writes bytes to the client (head, body pieces) within the write timeout.
    Task<void> write(const BufferList& buffers, boost::system::error_code& ec);
    Task<void> write(std::string_view bytes, boost::system::error_code& ec);
    /// A complete small answer: status line, `headers` (each "Name: value\r\n"), Content-Type text/plain,
    /// Content-Length, `Connection: close` when the connection will close; then `body` (not for HEAD).
    Task<void> sendText(int status, std::string_view body, std::string_view headers = {});

    /// The connection closes after this answer (instead of waiting for the next request).
    void closeAfter() noexcept { keepAlive_ = false; }
    /// Whether the connection may carry another request after this answer.
    bool keepAlive() const noexcept { return keepAlive_; }
    /// Whether the answer's head went out (then errors can only cut the connection).
    bool answered() const noexcept { return answered_; }
    void markAnswered() noexcept { answered_ = true; }

    /// The TCP connection (beneath the TLS stream on the HTTPS listener), for deadlines, closing and hand-offs;
    /// the exchange closes it afterwards. Bytes go through tls() when there is one.
    beast::tcp_stream& stream() noexcept { return stream_; }
    /// The TLS stream of an HTTPS connection (protocol upgrades read and write through it), else null.
    TlsStream* tls() noexcept { return tls_; }
    /// Whether the request came over TLS.
    bool secure() const noexcept { return tls_ != nullptr; }
    /// Bytes the client sent after the head that the parser has not consumed (a tunnel forwards them first).
    beast::flat_buffer& buffer() noexcept { return buffer_; }
    const ServerLimits& limits() const noexcept { return limits_; }
    /// Registers `cancel` to run when the server force-closes this connection at stop() (e.g. closing the
    /// upstream socket the handler waits on); null clears it. Runs on this connection's loop.
    void onForceClose(std::function<void()> cancel);

private:
    beast::tcp_stream& stream_;
    TlsStream* tls_;
    beast::flat_buffer& buffer_;
    Request& parser_;
    const ServerLimits& limits_;
    ConnectionState& connection_;
    std::string clientIp_;
    std::uint16_t clientPort_;
    bool keepAlive_;
    bool answered_ = false;
    bool continueSent_ = false;
};

/// The request handler: answers one exchange (never throws; the server answers 500 when it does).
using HttpHandler = std::function<Task<void>(HttpExchange&)>;

class HttpServer {
public:
    /// `name` ("public port", "private port") appears in logs and errors. `loops` must outlive the server.
    /// `tls`: serve HTTPS with this context (null: plain HTTP).
    HttpServer(std::string name, EventLoops& loops, HttpHandler handler, ServerLimits limits,
               std::shared_ptr<tls::ServerContext> tls = nullptr);
    /// Calls stop().
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds <bindAddress>:<port> (0 = any free port) and starts serving.
    /// @throws ConfigError when the port cannot be bound.
    void start(const std::string& bindAddress, int port);
    /// Stops accepting; closes idle connections; lets requests in progress finish within drainTimeout, then
    /// closes what is left, and returns when every connection coroutine has ended. Idempotent.
    void stop();
    int port() const noexcept { return port_; }
    /// Connections open now.
    std::size_t connections() const;

private:
    std::string name_;
    EventLoops& loops_;
    std::shared_ptr<ServerState> state_;
    int port_ = 0;
    bool started_ = false;
};

/// `HTTP/1.1 <status> <reason>\r\n` for the gateway's own answers.
std::string statusLine(int status, unsigned version = 11);

} // namespace maelstrom::core::net
