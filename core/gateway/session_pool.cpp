// session_pool.cpp — keep-alive upstream sessions.
#include "gateway/session_pool.h"

#include <Poco/URI.h>

#include <stdexcept>

namespace maelstrom::core {

SessionPool::SessionPool(const std::string& endpoint, std::size_t maxIdle) : maxIdle_(maxIdle) {
    Poco::URI uri;
    try {
        uri = Poco::URI(endpoint);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("upstream endpoint '" + endpoint + "': " + e.displayText());
    }
    if (uri.getScheme() != "http" || uri.getHost().empty() || uri.getPort() == 0) {
        throw std::invalid_argument("upstream endpoint '" + endpoint + "' is not http://host:port");
    }
    host_ = uri.getHost();
    port_ = uri.getPort();
}

std::unique_ptr<Poco::Net::HTTPClientSession> SessionPool::take(bool& reused) {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto session = std::move(idle_.back());
            idle_.pop_back();
            reused = true;
            return session;
        }
    }
    reused = false;
    auto session = std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
    session->setKeepAlive(true);
    // Upstreams commonly close idle connections after a few seconds; reconnect before that rather than
    // failing a request on a connection the other side already closed.
    session->setKeepAliveTimeout(Poco::Timespan(4, 0));
    return session;
}

void SessionPool::give(std::unique_ptr<Poco::Net::HTTPClientSession> session) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < maxIdle_) {
        idle_.push_back(std::move(session));
    }
}

InstanceSpec makeInstanceSpec(std::string id, std::string endpoint, std::int64_t capacity, bool remote) {
    InstanceSpec spec;
    spec.handle = std::make_shared<SessionPool>(endpoint);
    spec.id = std::move(id);
    spec.endpoint = std::move(endpoint);
    spec.capacity = capacity;
    spec.remote = remote;
    return spec;
}

} // namespace maelstrom::core
