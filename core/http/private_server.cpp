// private_server.cpp — the private port's HTTP server and its request routing.
#include "http/private_server.h"

#include "config/config_error.h"
#include "gateway/gateway.h"
#include "gateway/http_listener.h"
#include "http/logs_handler.h"
#include "metrics/gateway_metrics.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>

#include <algorithm>
#include <malloc.h>

namespace maelstrom::core {
namespace {

void sendText(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
              const std::string& body) {
    response.setStatus(status);
    response.setContentType("text/plain");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
}

// Health check of the reference: exact raw URI, any method.
class HealthCheckHandler : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
        sendText(response, Poco::Net::HTTPResponse::HTTP_OK, "OK");
    }
};

class TextHandler : public Poco::Net::HTTPRequestHandler {
public:
    TextHandler(Poco::Net::HTTPResponse::HTTPStatus status, std::string body, bool askForToken = false)
        : status_(status), body_(std::move(body)), askForToken_(askForToken) {}
    void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
        if (askForToken_) {
            response.set("WWW-Authenticate", "Bearer realm=\"maelstrom\"");
        }
        sendText(response, status_, body_);
    }

private:
    Poco::Net::HTTPResponse::HTTPStatus status_;
    std::string body_;
    bool askForToken_;
};

// The control plane: reads the whole body (bounded by the transport's limit) and lets the transport answer.
/// A request or answer at least this large (a project of hundreds of components, a long listing) is decoded
/// through parse trees many times its size.
constexpr std::size_t kLargeRpcBytes = 64 * 1024;

class RpcHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit RpcHandler(const PrivateRoutes& routes) : routes_(routes) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        std::size_t largest = 0;
        serve(request, response, largest);
        if (largest >= kLargeRpcBytes) {
            // Everything the call allocated is free now, but glibc keeps freed pages mapped in the thread's arena:
            // without this, maelstromd's RSS would stay at the peak of its largest call (a 1,000-component project
            // put peaks at ~25 MB of heap for ~4 MB in use afterwards). Costs a few ms, only after large calls.
            malloc_trim(0);
        }
    }

private:
    /// Reads the body (within the transport's limit), hands it to the transport, writes its answer. `largest`
    /// receives the larger of the body's and the answer's sizes.
    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response, std::size_t& largest) {
        const std::int64_t limit = routes_.transport->maxBodyBytes();
        if (request.hasContentLength() && request.getContentLength64() > limit) {
            sendText(response, Poco::Net::HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE,
                     "request body larger than " + std::to_string(limit) + " bytes");
            return;
        }
        sdk::RpcHttpRequest rpc;
        rpc.method = request.getMethod();
        rpc.uri = request.getURI();
        for (const auto& [name, value] : request) {
            rpc.headers.push_back({name, value});
        }
        std::istream& in = request.stream();
        char buffer[16384];
        while (in) {
            in.read(buffer, sizeof buffer);
            rpc.body.append(buffer, static_cast<std::size_t>(in.gcount()));
            if (static_cast<std::int64_t>(rpc.body.size()) > limit) {
                response.setKeepAlive(false); // the rest of the body is not read
                sendText(response, Poco::Net::HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE,
                         "request body larger than " + std::to_string(limit) + " bytes");
                return;
            }
        }
        const sdk::RpcHttpResponse answer = routes_.transport->handle(rpc, *routes_.dispatcher);
        largest = std::max(rpc.body.size(), answer.body.size());
        response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
        for (const auto& header : answer.headers) {
            response.set(header.name, header.value);
        }
        response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
        response.send().write(answer.body.data(), static_cast<std::streamsize>(answer.body.size()));
    }

    const PrivateRoutes& routes_;
};

// Prometheus scrape: the whole exposition text, rendered per request.
class MetricsHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit MetricsHandler(const GatewayMetrics& metrics) : metrics_(metrics) {}
    void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
        const std::string text = metrics_.render();
        response.setContentType(kPrometheusContentType);
        response.setContentLength(static_cast<std::streamsize>(text.size()));
        response.send().write(text.data(), static_cast<std::streamsize>(text.size()));
    }

private:
    const GatewayMetrics& metrics_;
};

class PrivateRequestRouter : public Poco::Net::HTTPRequestHandlerFactory {
public:
    PrivateRequestRouter(const PrivateRoutes& routes, const std::string& token) : routes_(routes), token_(token) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override {
        const std::string& uri = request.getURI();
        // Peers and load balancers probe the health check without credentials; it reveals nothing.
        if (uri == "/_mael_health_check") {
            return new HealthCheckHandler;
        }
        if (!token_.empty() && !bearerTokenMatches(request.get("Authorization", ""), token_)) {
            return new TextHandler(Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED,
                                   "maelstromd requires 'Authorization: Bearer <token>' on the private port "
                                   "(maelctl: set MAELSTROM_PRIVATE_TOKEN)",
                                   true);
        }
        const std::string path = uri.substr(0, uri.find('?'));
        if (routes_.transport && routes_.dispatcher && path == routes_.transport->path()) {
            return new RpcHandler(routes_);
        }
        if (routes_.metrics && path == "/_mael/metrics") {
            return new MetricsHandler(*routes_.metrics);
        }
        if (routes_.logs && path == "/_mael/logs") {
            return routes_.logs->newHandler();
        }
        if (routes_.gateway) {
            return routes_.gateway->newHandler(true);
        }
        return new TextHandler(Poco::Net::HTTPResponse::HTTP_NOT_FOUND, "No component matches the request");
    }

private:
    const PrivateRoutes& routes_;
    std::string token_;
};

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

PrivateServer::PrivateServer(const NodeSettings& settings, PrivateRoutes routes)
    : settings_(settings), routes_(std::move(routes)) {}

PrivateServer::~PrivateServer() { stop(); }

void PrivateServer::start() {
    listener_ = std::make_unique<HttpListener>(
        "private port", new PrivateRequestRouter(routes_, settings_.privateToken), listenerLimits(settings_));
    try {
        listener_->start("0.0.0.0", static_cast<int>(settings_.privatePort));
    } catch (...) {
        listener_.reset();
        throw;
    }
}

void PrivateServer::stop() {
    if (listener_) {
        listener_->stop();
        listener_.reset();
    }
}

int PrivateServer::port() const { return listener_ ? listener_->port() : 0; }

} // namespace maelstrom::core
