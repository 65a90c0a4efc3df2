// session_pool.h — keep-alive HTTP client sessions to one upstream instance, reused across requests so the
// proxy does not open a TCP connection per request. A session that saw an error is dropped, never returned.
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: take()/give() are thread-safe (one mutex); a taken session belongs to one thread until given
// back. Instances are registered with the router with a SessionPool as their InstanceSpec::upstreams
// (makeInstanceSpec); the proxy falls back to a pool per endpoint when it is null.
#pragma once

#include "routing/router.h"

#include <Poco/Net/HTTPClientSession.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace maelstrom::core {

/// A pooled upstream session that sets its socket timeouts (two setsockopt calls) only when they change
/// noticeably: a request's remaining time is about the same as the previous one's, so the proxy's per-read
/// limitWait() costs no system call in the common case. Every (re)connect applies the current limit.
/// Thread-safety: one thread at a time (as HTTPClientSession).
class UpstreamSession : public Poco::Net::HTTPClientSession {
public:
    using Poco::Net::HTTPClientSession::HTTPClientSession;

    /// Whether the keep-alive timeout passed since the last request (sendRequest would reconnect).
    bool expired() const { return mustReconnect(); }

    /// Connects, reads and writes wait at most `timeout` from now on. The socket keeps its current timeout
    /// when that differs by at most 1 % (at most 100 ms): a read may then end that much before or after
    /// the caller's deadline, which the caller checks anyway.
    void limitWait(Poco::Timespan timeout);

protected:
    void connect(const Poco::Net::SocketAddress& address) override;

private:
    Poco::Timespan wanted_;  ///< the last limitWait() value
    Poco::Timespan applied_; ///< what the connected socket has; 0 = nothing yet
};

class SessionPool {
public:
    /// `endpoint` like "http://127.0.0.1:32768". @throws std::invalid_argument when it is not http://host:port.
    explicit SessionPool(const std::string& endpoint, std::size_t maxIdle = 64);

    /// An idle session, or a new unconnected one. `reused` says which (a reused one may have gone stale). An
    /// idle session past its keep-alive timeout is closed instead of reused, so a taken session never
    /// reconnects behind the caller's back (its appliedTimeout stays true).
    std::unique_ptr<UpstreamSession> take(bool& reused);
    /// Returns a healthy session whose last response was read completely; dropped when the pool is full.
    void give(std::unique_ptr<UpstreamSession> session);

    const std::string& host() const noexcept { return host_; }
    std::uint16_t port() const noexcept { return port_; }

private:
    std::string host_;
    std::uint16_t port_ = 0;
    const std::size_t maxIdle_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<UpstreamSession>> idle_; ///< guarded by mutex_
};

/// An InstanceSpec whose upstreams are a fresh SessionPool for `endpoint` (what the lifecycle code and the tests
/// register with Router::addInstance).
InstanceSpec makeInstanceSpec(std::string id, std::string endpoint, std::int64_t capacity, bool remote = false);

} // namespace maelstrom::core
