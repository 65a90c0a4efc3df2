// public_server.cpp — the public listener.
#include "gateway/public_server.h"

#include "config/config_error.h"

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/ServerSocket.h>

namespace maelstrom::core {
namespace {

class PublicRequestRouter : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit PublicRequestRouter(Gateway& gateway) : gateway_(gateway) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return gateway_.newHandler(false);
    }

private:
    Gateway& gateway_;
};

} // namespace

Poco::Net::HTTPServerParams::Ptr httpServerParams(const NodeSettings& settings) {
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(static_cast<int>(settings.httpMaxThreads));
    params->setMaxQueued(static_cast<int>(settings.httpMaxQueued));
    params->setKeepAlive(true);
    params->setTimeout(Poco::Timespan(settings.httpReadTimeoutSeconds, 0));
    params->setKeepAliveTimeout(Poco::Timespan(settings.httpIdleTimeoutSeconds, 0));
    params->setServerName("maelstromd");
    return params;
}

PublicServer::PublicServer(const NodeSettings& settings, Gateway& gateway, std::string bindAddress)
    : settings_(settings), gateway_(gateway), bindAddress_(std::move(bindAddress)) {}

PublicServer::~PublicServer() { stop(); }

void PublicServer::start() {
    Poco::Net::ServerSocket socket;
    try {
        socket.bind(Poco::Net::SocketAddress(bindAddress_, static_cast<Poco::UInt16>(settings_.publicPort)), true,
                    false);
        socket.listen(static_cast<int>(settings_.httpMaxQueued));
    } catch (const Poco::Exception& e) {
        throw ConfigError("cannot listen on the public port " + std::to_string(settings_.publicPort) + ": " +
                          e.displayText());
    }
    server_ = std::make_unique<Poco::Net::HTTPServer>(new PublicRequestRouter(gateway_), socket,
                                                      httpServerParams(settings_));
    server_->start();
}

void PublicServer::stop() {
    if (server_) {
        server_->stopAll(false);
        server_.reset();
    }
}

int PublicServer::port() const { return server_ ? server_->port() : 0; }

} // namespace maelstrom::core
