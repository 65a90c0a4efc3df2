// http_server.cpp — accept loops, the per-connection coroutine, head reading and the exchange's I/O.
// SPDX-License-Identifier: Apache-2.0
#include "net/http_server.h"

#include "config/config_error.h"
#include "gateway/http_framing.h"
#include "net/request_head.h"
#include "tls/server_context.h"

#include <Poco/Logger.h>

#include <condition_variable>
#include <future>
#include <unordered_map>
#include <vector>

namespace maelstrom::core::net {

using namespace std::string_view_literals;

struct ConnectionState {
    beast::tcp_stream* stream = nullptr; ///< null once the connection's coroutine ended
    bool idle = true;                    ///< waiting for a request head (closing it loses nothing)
    std::function<void()> forceClose;    ///< what the handler waits on besides the client (onForceClose)
};

struct ServerState {
    std::string name;
    ServerLimits limits;
    HttpHandler handler;
    std::shared_ptr<tls::ServerContext> tls; ///< null: plain HTTP
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> open{0};
    std::mutex mutex;
    std::condition_variable closed; ///< signalled when `connections` shrinks
    /// guarded by mutex; each entry is touched only on the loop that owns the connection
    std::unordered_map<ConnectionState*, asio::any_io_executor> connections;
    std::unique_ptr<tcp::acceptor> acceptor; ///< used on loop 0 only
    std::atomic<std::int64_t> lastLimitLogMs{0};
};

namespace {

Poco::Logger& logger() { return Poco::Logger::get("maelstrom.net"); }

std::int64_t steadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// What one read of a request body asks the socket for.
constexpr std::size_t kBodyReadBytes = 64 * 1024;

/// Beast keeps a reference to the callback: one stateless object serves every parser.
auto limitChunkExtensions = [](std::uint64_t, std::string_view extensions, boost::system::error_code& ec) {
    if (extensions.size() > 4096) {
        ec = http::error::bad_chunk_extension; // a chunk extension is no place for kilobytes
    }
};

/// How reading a request head ended.
struct HeadRead {
    enum Kind { Complete, Closed, Rejected } kind = Closed;
    std::size_t length = 0; ///< Complete: bytes of the head in the buffer
    HeadRejection rejection;
};

HeadRead rejected(int status, std::string reason) {
    HeadRead r;
    r.kind = HeadRead::Rejected;
    r.rejection = {status, std::move(reason)};
    return r;
}

/// Reads until the buffer holds a whole head (it may already: a pipelined request). Leading empty lines are
/// skipped (RFC 9112 allows them between requests). `io` is `stream` itself or the TLS stream over it.
template <typename Io>
Task<HeadRead> readHead(Io& io, beast::tcp_stream& stream, beast::flat_buffer& buffer, const ServerLimits& limits,
                        bool firstRequest) {
    bool headDeadline = false;
    std::size_t scanned = 0;
    if (buffer.size() == 0) {
        // Waiting for a request holds no buffer: thousands of idle keep-alive connections would otherwise each keep
        // one. The first bytes land in the coroutine frame and are copied into a fresh buffer.
        buffer.shrink_to_fit();
        stream.expires_after(firstRequest ? limits.readTimeout : limits.idleTimeout);
        std::array<char, 1024> first;
        boost::system::error_code ec;
        const std::size_t n = co_await io.async_read_some(asio::buffer(first), withError(ec));
        if (ec || n == 0) {
            co_return HeadRead{};
        }
        buffer.commit(asio::buffer_copy(buffer.prepare(n), asio::buffer(first.data(), n)));
    }
    for (;;) {
        std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
        std::size_t skip = 0;
        while (skip + 1 < data.size() && data[skip] == '\r' && data[skip + 1] == '\n') {
            skip += 2;
        }
        if (skip > 0) {
            buffer.consume(skip);
            data.remove_prefix(skip);
            scanned = 0;
        }
        const std::size_t from = scanned > 3 ? scanned - 3 : 0;
        const auto end = data.find("\r\n\r\n", from);
        if (end != std::string_view::npos) {
            HeadRead r;
            r.kind = HeadRead::Complete;
            r.length = end + 4;
            co_return r;
        }
        scanned = data.size();
        const auto firstLf = data.find('\n');
        if ((firstLf == std::string_view::npos ? data.size() : firstLf) > limits.maxRequestLineBytes) {
            co_return rejected(414,
                               "request line longer than " + std::to_string(limits.maxRequestLineBytes) + " bytes");
        }
        if (data.size() >= limits.maxHeadBytes) {
            co_return rejected(431, "request head larger than " + std::to_string(limits.maxHeadBytes) + " bytes");
        }
        if (!headDeadline) {
            stream.expires_after(limits.headerTimeout);
            headDeadline = true;
        }
        boost::system::error_code ec;
        const std::size_t room = std::min<std::size_t>(limits.maxHeadBytes - data.size(), 16 * 1024);
        const std::size_t n = co_await io.async_read_some(buffer.prepare(room), withError(ec));
        buffer.commit(n);
        if (ec) {
            co_return HeadRead{}; // closed, reset or timed out (head deadline: cut without an answer)
        }
    }
}

std::string rejectionAnswer(const HeadRejection& rejection) {
    std::string body;
    switch (rejection.status) {
    case 414:
        body = "URI Too Long: ";
        break;
    case 431:
        body = "Request Header Fields Too Large: ";
        break;
    case 501:
        body = "Not Implemented: ";
        break;
    case 505:
        body = "HTTP Version Not Supported: ";
        break;
    default:
        body = "Bad Request: ";
    }
    body += rejection.reason;
    return statusLine(rejection.status) + "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

/// Reads and drops what is left of a body the handler did not read, so the connection can carry the next
/// request; false when that is not worth it (more than 256 KiB) or failed.
Task<bool> discardBody(HttpExchange& exchange) {
    std::vector<char> scrap(16 * 1024);
    std::size_t dropped = 0;
    while (!exchange.bodyDone()) {
        boost::system::error_code ec;
        const std::size_t n = co_await exchange.readBody(scrap.data(), scrap.size(), ec);
        dropped += n;
        if (ec || dropped > 256 * 1024 || (n == 0 && !exchange.bodyDone())) {
            co_return false;
        }
    }
    co_return true;
}

/// Closes the client connection gracefully: FIN first, so an answer written just before is not reset.
void closeConnection(beast::tcp_stream& stream) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.close();
}

/// The server side of the TLS handshake within the header timeout; counts the outcome. Failures are the internet's
/// background noise (scanners, old clients): counted, and logged at debug level only.
Task<bool> handshake(ServerState& st, TlsStream& tls, const std::string& clientIp) {
    tls.next_layer().expires_after(st.limits.headerTimeout);
    boost::system::error_code ec;
    co_await tls.async_handshake(ssl::stream_base::server, withError(ec));
    TlsMetrics& metrics = st.tls->metrics();
    if (ec && SSL_is_init_finished(tls.native_handle()) == 1) {
        // TLS 1.3: the client's Finished was verified, only sending the session tickets failed (a client that
        // leaves at once): a handshake that succeeded, on a connection that ended.
        metrics.recordOk(SSL_session_reused(tls.native_handle()) == 1);
        co_return false;
    }
    if (ec) {
        metrics.recordFailure(tls::ServerContext::classify(ec));
        if (logger().debug()) {
            logger().debug(st.name + ": TLS handshake with " + clientIp + " failed: " + ec.message());
        }
        co_return false;
    }
    metrics.recordOk(SSL_session_reused(tls.native_handle()) == 1);
    co_return true;
}

class ConnectionRegistration {
public:
    ConnectionRegistration(ServerState& server, ConnectionState& connection, asio::any_io_executor executor)
        : server_(server), connection_(connection) {
        std::lock_guard lock(server_.mutex);
        server_.connections.emplace(&connection_, std::move(executor));
    }
    ~ConnectionRegistration() {
        connection_.stream = nullptr;
        std::lock_guard lock(server_.mutex);
        server_.connections.erase(&connection_);
        server_.open.fetch_sub(1);
        server_.closed.notify_all();
    }
    ConnectionRegistration(const ConnectionRegistration&) = delete;
    ConnectionRegistration& operator=(const ConnectionRegistration&) = delete;

private:
    ServerState& server_;
    ConnectionState& connection_;
};

Task<void> serveConnection(std::shared_ptr<ServerState> server, tcp::socket socket) {
    ServerState& st = *server;
    const ServerLimits& limits = st.limits;
    ConnectionState connection;
    const ConnectionRegistration registration(st, connection, socket.get_executor());
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    const std::string clientIp = ec ? std::string() : peer.address().to_string();
    const std::uint16_t clientPort = ec ? 0 : peer.port();
    std::optional<beast::tcp_stream> plainStream;
    std::optional<TlsStream> tlsStream;
    if (st.tls) {
        tlsStream.emplace(std::move(socket), st.tls->context());
    } else {
        plainStream.emplace(std::move(socket));
    }
    beast::tcp_stream& stream = tlsStream ? tlsStream->next_layer() : *plainStream;
    TlsStream* const tls = tlsStream ? &*tlsStream : nullptr;
    connection.stream = &stream;
    if (tls && !co_await handshake(st, *tls, clientIp)) {
        closeConnection(stream);
        co_return;
    }
    // Room for a whole head plus one body read; the parser never needs more (a longer chunk-size line fails).
    beast::flat_buffer buffer(limits.maxHeadBytes + 64 * 1024);

    for (bool first = true; !st.stopping.load(std::memory_order_relaxed); first = false) {
        connection.idle = true;
        // (Not a conditional expression: g++ 12 destroys the result of a co_await in one twice.)
        HeadRead head;
        if (tls) {
            head = co_await readHead(*tls, stream, buffer, limits, first);
        } else {
            head = co_await readHead(stream, stream, buffer, limits, first);
        }
        connection.idle = false;
        if (head.kind == HeadRead::Closed) {
            break;
        }
        std::optional<HeadRejection> rejection;
        if (head.kind == HeadRead::Rejected) {
            rejection = head.rejection;
        } else {
            rejection = checkRawHead(std::string_view(static_cast<const char*>(buffer.data().data()), head.length),
                                     limits.maxRequestLineBytes);
        }
        HttpExchange::Request parser;
        if (!rejection) {
            parser.header_limit(static_cast<std::uint32_t>(limits.maxHeadBytes));
            parser.body_limit(std::numeric_limits<std::uint64_t>::max());
            parser.put(asio::buffer(buffer.data().data(), head.length), ec);
            if (ec || !parser.is_header_done()) {
                rejection = HeadRejection{400, ec ? ec.message() : "incomplete head"};
            } else {
                buffer.consume(head.length);
                rejection = checkFraming(parser.get().base());
            }
        }
        if (rejection) {
            // Nothing of the request is read further; the connection cannot be trusted to carry another one.
            stream.expires_after(limits.writeTimeout);
            const std::string answer = rejectionAnswer(*rejection);
            if (tls) {
                co_await asio::async_write(*tls, asio::buffer(answer), withError(ec));
            } else {
                co_await asio::async_write(stream, asio::buffer(answer), withError(ec));
            }
            break;
        }
        if (parser.chunked()) {
            parser.on_chunk_header(limitChunkExtensions);
        }

        HttpExchange exchange(stream, tls, buffer, parser, limits, connection, clientIp, clientPort);
        bool failed = false;
        try {
            co_await st.handler(exchange);
        } catch (const std::exception& e) {
            logger().error(st.name + ": request handler failed: " + e.what());
            failed = true;
        }
        if (failed) {
            if (!exchange.answered()) {
                co_await exchange.sendText(500, "Server Error"sv);
            }
            break;
        }
        connection.forceClose = nullptr;
        if (!exchange.keepAlive() || !stream.socket().is_open()) {
            break;
        }
        if (!exchange.bodyDone() && !co_await discardBody(exchange)) {
            break;
        }
    }
    if (tls) {
        // No close_notify is sent (its answer is not worth waiting for), but the session stays resumable: OpenSSL
        // drops the session of a connection freed without one from the cache otherwise.
        SSL_set_shutdown(tls->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    if (stream.socket().is_open()) {
        closeConnection(stream);
    }
}

void logLimitReached(ServerState& st) {
    const std::int64_t now = steadyMs();
    std::int64_t last = st.lastLimitLogMs.load();
    if (now - last >= 10'000 && st.lastLimitLogMs.compare_exchange_strong(last, now)) {
        logger().warning(st.name + ": " + std::to_string(st.limits.maxConnections) +
                         " connections open (http_max_connections): closing new connections until some end");
    }
}

Task<void> acceptLoop(std::shared_ptr<ServerState> server, tcp::acceptor& acceptor, EventLoops& loops) {
    ServerState& st = *server;
    asio::steady_timer pause(acceptor.get_executor());
    for (;;) {
        boost::system::error_code ec;
        // The accepted socket belongs to the loop it is handed to, for its whole life.
        tcp::socket socket = co_await acceptor.async_accept(loops.next(), withError(ec));
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
                co_return;
            }
            if (ec == asio::error::no_descriptors || ec.value() == ENFILE) {
                logLimitReached(st);
                pause.expires_after(std::chrono::milliseconds(50)); // let connections end before retrying
                co_await pause.async_wait(withError(ec));
            }
            continue;
        }
        if (st.stopping.load()) {
            socket.close(ec);
            continue;
        }
        if (st.open.fetch_add(1) >= st.limits.maxConnections) {
            st.open.fetch_sub(1);
            logLimitReached(st);
            socket.close(ec);
            continue;
        }
        const auto executor = socket.get_executor();
        asio::co_spawn(executor, serveConnection(server, std::move(socket)), asio::detached);
    }
}

} // namespace

std::string statusLine(int status, unsigned version) {
    const auto reason = http::obsolete_reason(static_cast<http::status>(status));
    return std::string(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ") + std::to_string(status) + " " +
           std::string(reason.data(), reason.size()) + "\r\n";
}

// ---- HttpExchange ----

HttpExchange::HttpExchange(beast::tcp_stream& stream, TlsStream* tls, beast::flat_buffer& buffer, Request& parser,
                           const ServerLimits& limits, ConnectionState& connection, std::string_view clientIp,
                           std::uint16_t clientPort)
    : stream_(stream), tls_(tls), buffer_(buffer), parser_(parser), limits_(limits), connection_(connection),
      clientIp_(clientIp), clientPort_(clientPort), keepAlive_(parser.keep_alive()) {}

std::string_view HttpExchange::header(std::string_view name) const {
    const auto it = head().find(name);
    if (it == head().end()) {
        return {};
    }
    const auto value = it->value();
    return {value.data(), value.size()};
}

bool HttpExchange::hasHeader(std::string_view name) const { return head().find(name) != head().end(); }

std::optional<std::uint64_t> HttpExchange::contentLength() const {
    if (parser_.chunked()) {
        return std::nullopt;
    }
    const auto length = parser_.content_length();
    if (!length) {
        return std::nullopt;
    }
    return *length;
}

Task<void> HttpExchange::sendContinueIfExpected(boost::system::error_code& ec) {
    if (continueSent_ || version() < 11 || !iequalsAscii(header("Expect"), "100-continue") || parser_.is_done()) {
        co_return;
    }
    continueSent_ = true;
    co_await write("HTTP/1.1 100 Continue\r\n\r\n"sv, ec);
}

Task<std::size_t> HttpExchange::readBody(char* data, std::size_t size, boost::system::error_code& ec) {
    ec = {};
    if (parser_.is_done()) {
        co_return 0;
    }
    if (!continueSent_) {
        co_await sendContinueIfExpected(ec);
        if (ec) {
            co_return 0;
        }
    }
    // Beast reads at most the buffer's free capacity (at least 512 bytes): room for a whole piece.
    const std::size_t room = std::min(buffer_.max_size(), buffer_.size() + kBodyReadBytes);
    if (buffer_.capacity() < room) {
        buffer_.reserve(room);
    }
    auto& body = parser_.get().body();
    for (;;) {
        body.data = data;
        body.size = size;
        stream_.expires_after(limits_.readTimeout);
        if (tls_) {
            co_await http::async_read_some(*tls_, buffer_, parser_, withError(ec));
        } else {
            co_await http::async_read_some(stream_, buffer_, parser_, withError(ec));
        }
        if (ec == http::error::need_buffer) {
            ec = {};
        }
        const std::size_t n = size - body.size;
        body.data = nullptr;
        if (ec) {
            keepAlive_ = false;
            co_return 0;
        }
        if (n > 0 || parser_.is_done()) {
            co_return n;
        }
    }
}

Task<void> HttpExchange::write(const BufferList& buffers, boost::system::error_code& ec) {
    stream_.expires_after(limits_.writeTimeout);
    if (tls_) {
        co_await asio::async_write(*tls_, buffers, withError(ec));
    } else {
        co_await asio::async_write(stream_, buffers, withError(ec));
    }
    if (ec) {
        keepAlive_ = false;
    }
}

Task<void> HttpExchange::write(std::string_view bytes, boost::system::error_code& ec) {
    stream_.expires_after(limits_.writeTimeout);
    if (tls_) {
        co_await asio::async_write(*tls_, asio::buffer(bytes.data(), bytes.size()), withError(ec));
    } else {
        co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), withError(ec));
    }
    if (ec) {
        keepAlive_ = false;
    }
}

Task<void> HttpExchange::sendText(int status, std::string_view body, std::string_view headers) {
    if (answered_) {
        co_return;
    }
    answered_ = true;
    if (!parser_.is_done() && status >= 400) {
        keepAlive_ = false; // the unread body would be taken for the next request otherwise
    }
    std::string head = statusLine(status, version() >= 11 ? 11 : 10);
    head += headers;
    head += "Content-Type: text/plain\r\nContent-Length: ";
    head += std::to_string(body.size());
    head += keepAlive_ ? (version() < 11 ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\n\r\n")
                       : "\r\nConnection: close\r\n\r\n";
    const bool withBody = method() != "HEAD";
    boost::system::error_code ec;
    BufferList buffers(head.data(), head.size());
    buffers.add(body.data(), withBody ? body.size() : 0);
    co_await write(buffers, ec);
}

void HttpExchange::onForceClose(std::function<void()> cancel) { connection_.forceClose = std::move(cancel); }

// ---- HttpServer ----

HttpServer::HttpServer(std::string name, EventLoops& loops, HttpHandler handler, ServerLimits limits,
                       std::shared_ptr<tls::ServerContext> tls)
    : name_(std::move(name)), loops_(loops), state_(std::make_shared<ServerState>()) {
    state_->name = name_;
    state_->tls = std::move(tls);
    state_->limits = limits;
    state_->handler = std::move(handler);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start(const std::string& bindAddress, int port) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(bindAddress, ec);
    if (ec) {
        throw ConfigError(name_ + ": invalid bind address '" + bindAddress + "'");
    }
    // One acceptor, on loop 0, hands each connection to the next loop in turn. (SO_REUSEPORT with an acceptor
    // per loop would spread accepts too, but would also let a second maelstromd bind the same port and take
    // half of its connections.)
    const tcp::endpoint endpoint(address, static_cast<std::uint16_t>(port));
    auto acceptor = std::make_unique<tcp::acceptor>(loops_.loop(0));
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        acceptor->bind(endpoint, ec);
    }
    if (!ec) {
        acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        throw ConfigError("cannot listen on the " + name_ + " " + std::to_string(port) + ": " + ec.message());
    }
    port_ = acceptor->local_endpoint().port();
    state_->acceptor = std::move(acceptor);
    asio::co_spawn(loops_.loop(0), acceptLoop(state_, *state_->acceptor, loops_), asio::detached);
    started_ = true;
}

std::size_t HttpServer::connections() const { return state_->open.load(); }

void HttpServer::stop() {
    if (!started_) {
        return;
    }
    started_ = false;
    ServerState& st = *state_;
    st.stopping = true;
    // The acceptor is used on its loop only (it is not thread-safe): closed there, and destroyed there once its
    // accept loop has seen the close.
    const auto onAcceptorLoop = [this](const std::function<void()>& fn) {
        std::promise<void> done;
        asio::post(loops_.loop(0), [&] {
            fn();
            done.set_value();
        });
        done.get_future().wait();
    };
    onAcceptorLoop([&st] {
        boost::system::error_code ec;
        st.acceptor->close(ec);
    });
    const auto closeConnections = [&st, shared = state_](bool all) {
        std::lock_guard lock(st.mutex);
        for (const auto& [connection, executor] : st.connections) {
            // The state is shared with the closure: it may run after stop() returned and the server is gone.
            asio::post(executor, [server = shared, connection = connection, all] {
                // Runs on the connection's loop; it may have ended meanwhile.
                std::lock_guard check(server->mutex);
                if (server->connections.count(connection) == 0 || connection->stream == nullptr) {
                    return;
                }
                if (all || connection->idle) {
                    connection->stream->socket().close();
                    if (all && connection->forceClose) {
                        connection->forceClose();
                    }
                }
            });
        }
    };
    closeConnections(false);
    std::unique_lock lock(st.mutex);
    if (!st.closed.wait_for(lock, st.limits.drainTimeout, [&] { return st.connections.empty(); })) {
        logger().warning(name_ + ": " + std::to_string(st.connections.size()) +
                         " connections still busy after the drain timeout: closing them");
        lock.unlock();
        closeConnections(true);
        lock.lock();
        st.closed.wait_for(lock, std::chrono::seconds(10), [&] { return st.connections.empty(); });
    }
    lock.unlock();
    onAcceptorLoop([&st] { st.acceptor.reset(); });
}

} // namespace maelstrom::core::net
