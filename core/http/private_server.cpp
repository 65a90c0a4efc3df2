// private_server.cpp — the private port's request routing.
// SPDX-License-Identifier: Apache-2.0
#include "http/private_server.h"

#include "gateway/reverse_proxy.h"

#include "cluster/aws_lifecycle.h"
#include "gateway/gateway.h"
#include "gateway/http_framing.h"
#include "gateway/public_server.h"
#include "http/logs_handler.h"
#include "metrics/event_source_metrics.h"
#include "metrics/gateway_metrics.h"
#include "metrics/lifecycle_metrics.h"
#include "net/http_server.h"

#include <algorithm>
#include <malloc.h>
#include <vector>

namespace maelstrom::core {

using namespace std::string_view_literals;

using namespace net;

namespace {

/// A request or answer at least this large (a project of hundreds of components, a long listing) is decoded
/// through parse trees many times its size.
constexpr std::size_t kLargeRpcBytes = 64 * 1024;
/// Log streams open at once beyond which the private port answers 503 itself (LogStreams has its own, lower
/// bound and answers 503 with its reason below this).
constexpr std::size_t kMaxLogThreads = 16;

} // namespace

bool bearerTokenMatches(const std::string& header, const std::string& token) {
    const std::string expected = "Bearer " + token;
    // Constant time in the length of what was sent: no early exit on the first differing byte.
    unsigned char diff = header.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < header.size(); ++i) {
        diff |= static_cast<unsigned char>(header[i] ^ expected[i % expected.size()]);
    }
    return diff == 0;
}

PrivateServer::PrivateServer(const NodeSettings& settings, PrivateRoutes routes, std::shared_ptr<EventLoops> loops)
    : settings_(settings), routes_(std::move(routes)), loops_(std::move(loops)) {}

PrivateServer::~PrivateServer() { stop(); }

void PrivateServer::start() {
    if (!loops_) {
        loops_ = std::make_shared<EventLoops>(static_cast<std::size_t>(settings_.httpEventLoops), "mael-private");
    }
    const auto threads = static_cast<std::size_t>(std::max<std::int64_t>(settings_.httpWorkerThreads, 1));
    workers_ = std::make_unique<WorkerPool>(threads, threads * 32);
    logThreads_ = std::make_unique<WorkerPool>(kMaxLogThreads, kMaxLogThreads);
    server_ = std::make_unique<HttpServer>(
        "private port", *loops_, [this](HttpExchange& exchange) { return handle(exchange); }, serverLimits(settings_));
    try {
        server_->start("0.0.0.0", static_cast<int>(settings_.privatePort));
    } catch (...) {
        server_.reset();
        throw;
    }
}

void PrivateServer::stop() {
    if (server_) {
        server_->stop();
        server_.reset();
    }
    if (workers_) {
        workers_->stop();
        logThreads_->stop();
    }
}

int PrivateServer::port() const { return server_ ? server_->port() : 0; }

Task<void> PrivateServer::handle(HttpExchange& exchange) {
    const std::string_view target = exchange.target();
    // Peers and load balancers probe the health check without credentials; it reveals nothing.
    if (target == kHealthCheckPath) {
        co_await exchange.sendText(200, "OK"sv);
        co_return;
    }
    const std::string& token = settings_.privateToken;
    // A request a peer relays keeps the client's own Authorization header for the instance; it proves itself with
    // MAELSTROM-RELAY-TOKEN instead (removed before the instance sees the request).
    if (!token.empty() && !bearerTokenMatches(std::string(exchange.header("Authorization")), token) &&
        !bearerTokenMatches("Bearer " + std::string(exchange.header(kRelayTokenHeader)), token)) {
        co_await exchange.sendText(401,
                                   "maelstromd requires 'Authorization: Bearer <token>' on the private port "sv
                                   "(maelctl: set MAELSTROM_PRIVATE_TOKEN)"sv,
                                   "WWW-Authenticate: Bearer realm=\"maelstrom\"\r\n"sv);
        co_return;
    }
    const std::string_view path = target.substr(0, target.find('?'));
    if (routes_.transport && routes_.dispatcher && path == routes_.transport->path()) {
        co_await serveRpc(exchange);
    } else if (routes_.metrics && path == "/_mael/metrics") {
        std::string text = routes_.metrics->render();
        if (routes_.lifecycleMetrics) {
            text += routes_.lifecycleMetrics->render();
        }
        if (routes_.eventSourceMetrics) {
            text += routes_.eventSourceMetrics->render();
        }
        if (routes_.awsLifecycle) {
            text += routes_.awsLifecycle->renderMetrics();
        }
        for (const auto& block : routes_.metricsBlocks) {
            text += block();
        }
        std::string head = statusLine(200, exchange.version() >= 11 ? 11 : 10);
        head += std::string("Content-Type: ") + kPrometheusContentType +
                "\r\nContent-Length: " + std::to_string(text.size()) + "\r\n\r\n";
        exchange.markAnswered();
        boost::system::error_code ec;
        BufferList buffers(head.data(), head.size());
        buffers.add(text);
        co_await exchange.write(buffers, ec);
    } else if (routes_.logs && path == "/_mael/logs") {
        co_await serveLogs(exchange);
    } else if (routes_.gateway) {
        co_await routes_.gateway->handle(exchange, true);
    } else {
        co_await exchange.sendText(404, "No component matches the request"sv);
    }
}

Task<void> PrivateServer::serveRpc(HttpExchange& exchange) {
    // The control plane: reads the whole body (bounded by the transport's limit) and lets the transport answer
    // on a worker thread (methods reach the database and Docker).
    const std::int64_t limit = routes_.transport->maxBodyBytes();
    const std::string tooLarge = "request body larger than " + std::to_string(limit) + " bytes";
    if (exchange.contentLength() && static_cast<std::int64_t>(*exchange.contentLength()) > limit) {
        co_await exchange.sendText(413, tooLarge);
        co_return;
    }
    sdk::RpcHttpRequest rpc;
    rpc.method = std::string(exchange.method());
    rpc.uri = std::string(exchange.target());
    for (const auto& field : exchange.head()) {
        rpc.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    std::vector<char> piece(16 * 1024);
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = co_await exchange.readBody(piece.data(), piece.size(), ec);
        if (ec) {
            exchange.closeAfter();
            co_await exchange.sendText(400, std::string("Bad Request: ") + ec.message());
            co_return;
        }
        rpc.body.append(piece.data(), n);
        if (static_cast<std::int64_t>(rpc.body.size()) > limit) {
            exchange.closeAfter(); // the rest of the body is not read
            co_await exchange.sendText(413, tooLarge);
            co_return;
        }
        if (n == 0 || exchange.bodyDone()) {
            break;
        }
    }
    sdk::RpcHttpResponse answer;
    const bool ran = co_await workers_->runBlocking([&] {
        answer = routes_.transport->handle(rpc, *routes_.dispatcher);
        if (std::max(rpc.body.size(), answer.body.size()) >= kLargeRpcBytes) {
            // Everything the call allocated is free once it returns, but glibc keeps freed pages mapped in the
            // thread's arena: without this, maelstromd's RSS would stay at the peak of its largest call (a
            // 1,000-component project put peaks at ~25 MB of heap for ~4 MB in use afterwards).
            rpc.body.clear();
            rpc.body.shrink_to_fit();
            malloc_trim(0);
        }
    });
    if (!ran) {
        co_await exchange.sendText(503, "maelstromd is busy: too many control-plane calls in progress"sv,
                                   "Retry-After: 1\r\n"sv);
        co_return;
    }
    std::string head = statusLine(answer.status, exchange.version() >= 11 ? 11 : 10);
    for (const auto& header : answer.headers) {
        if (iequalsAscii(header.name, "content-length") || iequalsAscii(header.name, "connection")) {
            continue;
        }
        head += header.name + ": " + header.value + "\r\n";
    }
    head += "Content-Length: " + std::to_string(answer.body.size()) + "\r\n";
    if (!exchange.keepAlive()) {
        head += "Connection: close\r\n";
    }
    head += "\r\n";
    exchange.markAnswered();
    boost::system::error_code ec;
    BufferList buffers(head.data(), head.size());
    buffers.add(answer.body);
    co_await exchange.write(buffers, ec);
}

Task<void> PrivateServer::serveLogs(HttpExchange& exchange) {
    // A log stream lasts as long as the client reads it and is written by blocking code: it gets a thread of its
    // own and the connection's socket (blocking from now on); the connection closes afterwards.
    exchange.closeAfter();
    LogsRequest request;
    request.target = std::string(exchange.target());
    request.clientAddress = exchange.clientIp() + ":" + std::to_string(exchange.clientPort());
    auto& socket = exchange.stream().socket();
    exchange.stream().expires_never();
    boost::system::error_code ec;
    socket.native_non_blocking(false, ec);
    const int fd = socket.native_handle();
    LogStreams* const logs = routes_.logs;
    const bool ran = co_await logThreads_->runBlocking([logs, &request, fd] { logs->serve(request, fd); });
    if (!ran) {
        socket.native_non_blocking(true, ec);
        co_await exchange.sendText(503, "too many log streams open"sv, "Retry-After: 5\r\n"sv);
    }
    exchange.markAnswered();
}

} // namespace maelstrom::core
