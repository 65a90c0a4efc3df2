// public_server.cpp — the public listener.
#include "gateway/public_server.h"

#include <Poco/Net/HTTPRequestHandlerFactory.h>

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

PublicServer::PublicServer(const NodeSettings& settings, Gateway& gateway, std::string bindAddress)
    : settings_(settings), gateway_(gateway), bindAddress_(std::move(bindAddress)) {}

PublicServer::~PublicServer() { stop(); }

void PublicServer::start() {
    listener_ =
        std::make_unique<HttpListener>("public port", new PublicRequestRouter(gateway_), listenerLimits(settings_));
    try {
        listener_->start(bindAddress_, static_cast<int>(settings_.publicPort));
    } catch (...) {
        listener_.reset();
        throw;
    }
}

void PublicServer::stop() {
    if (listener_) {
        listener_->stop();
        listener_.reset();
    }
}

int PublicServer::port() const { return listener_ ? listener_->port() : 0; }

} // namespace maelstrom::core
