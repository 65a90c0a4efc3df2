// private_server.cpp — the private port's HTTP server and its request routing.
#include "http/private_server.h"

#include "config/config_error.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>

namespace maelstrom::core {
namespace {

void sendText(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
              const std::string& body) {
    response.setStatus(status);
    response.setContentType("text/plain");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
}

// Health check of the reference (reference-interfaces §6.2): exact raw URI, any method.
class HealthCheckHandler : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
        sendText(response, Poco::Net::HTTPResponse::HTTP_OK, "OK");
    }
};

class NotFoundHandler : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
        sendText(response, Poco::Net::HTTPResponse::HTTP_NOT_FOUND, "No component matches the request");
    }
};

class PrivateRequestRouter : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override {
        if (request.getURI() == "/_mael_health_check") {
            return new HealthCheckHandler;
        }
        return new NotFoundHandler;
    }
};

} // namespace

PrivateServer::PrivateServer(const NodeSettings& settings) : settings_(settings) {}

PrivateServer::~PrivateServer() { stop(); }

void PrivateServer::start() {
    Poco::Net::ServerSocket socket;
    try {
        socket.bind(Poco::Net::SocketAddress("0.0.0.0", static_cast<Poco::UInt16>(settings_.privatePort)), true, false);
        socket.listen(static_cast<int>(settings_.httpMaxQueued));
    } catch (const Poco::Exception& e) {
        throw ConfigError("cannot listen on the private port " + std::to_string(settings_.privatePort) + ": " +
                          e.displayText());
    }
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(static_cast<int>(settings_.httpMaxThreads));
    params->setMaxQueued(static_cast<int>(settings_.httpMaxQueued));
    params->setKeepAlive(true);
    params->setTimeout(Poco::Timespan(settings_.httpReadTimeoutSeconds, 0));
    params->setKeepAliveTimeout(Poco::Timespan(settings_.httpIdleTimeoutSeconds, 0));
    params->setServerName("maelstromd");
    server_ = std::make_unique<Poco::Net::HTTPServer>(new PrivateRequestRouter, socket, params);
    server_->start();
}

void PrivateServer::stop() {
    if (server_) {
        server_->stopAll(false);
        server_.reset();
    }
}

int PrivateServer::port() const { return server_ ? server_->port() : 0; }

} // namespace maelstrom::core
