// session_pool.cpp — keep-alive upstream sessions.
#include "gateway/session_pool.h"

#include <Poco/URI.h>

#include <algorithm>
#include <stdexcept>

namespace maelstrom::core {

void UpstreamSession::limitWait(Poco::Timespan timeout) {
    wanted_ = timeout;
    setTimeout(timeout, timeout, timeout); // stored only; applied by the next connect
    if (!connected()) {
        return;
    }
    const Poco::Timespan tolerance = std::min<Poco::Timespan::TimeDiff>(timeout.totalMicroseconds() / 100, 100000);
    const Poco::Timespan::TimeDiff drift = applied_.totalMicroseconds() - timeout.totalMicroseconds();
    if (applied_.totalMicroseconds() == 0 || drift > tolerance.totalMicroseconds() ||
        -drift > tolerance.totalMicroseconds()) {
        socket().setReceiveTimeout(timeout);
        socket().setSendTimeout(timeout);
        applied_ = timeout;
    }
}

void UpstreamSession::connect(const Poco::Net::SocketAddress& address) {
    applied_ = 0;
    HTTPClientSession::connect(address); // connection timeout from setTimeout, TCP_NODELAY
    if (wanted_.totalMicroseconds() > 0) {
        socket().setReceiveTimeout(wanted_);
        socket().setSendTimeout(wanted_);
        applied_ = wanted_;
    }
}

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

std::unique_ptr<UpstreamSession> SessionPool::take(bool& reused) {
    std::unique_ptr<UpstreamSession> expired;
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto session = std::move(idle_.back());
            idle_.pop_back();
            if (!session->expired()) {
                reused = true;
                return session;
            }
            expired = std::move(session); // closed outside the lock
        }
    }
    expired.reset();
    reused = false;
    auto session = std::make_unique<UpstreamSession>(host_, port_);
    session->setKeepAlive(true);
    // Upstreams commonly close idle connections after a few seconds; reconnect before that rather than
    // failing a request on a connection the other side already closed.
    session->setKeepAliveTimeout(Poco::Timespan(4, 0));
    return session;
}

void SessionPool::give(std::unique_ptr<UpstreamSession> session) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < maxIdle_) {
        idle_.push_back(std::move(session));
    }
}

InstanceSpec makeInstanceSpec(std::string id, std::string endpoint, std::int64_t capacity, bool remote) {
    InstanceSpec spec;
    spec.upstreams = std::make_shared<SessionPool>(endpoint);
    spec.id = std::move(id);
    spec.endpoint = std::move(endpoint);
    spec.capacity = capacity;
    spec.remote = remote;
    return spec;
}

} // namespace maelstrom::core
