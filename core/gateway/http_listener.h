// http_listener.h — one HTTP listener (the public port or the private port) on Poco's HTTPServer, with the node's
// limits really applied: its own thread pool of http_max_threads workers (Poco's shared default pool would
// otherwise cap both listeners together), http_max_queued accepted connections waiting for a worker, the read
// timeout on every receive, a write timeout on every send (Poco has none: a client that stops reading would
// hold a worker forever), the idle timeout between keep-alive requests, and a request-head deadline.
// SPDX-License-Identifier: Apache-2.0
//
// Slow clients (slow-loris). Poco serves one connection per worker thread, and its read timeout applies to each
// receive: a client dribbling one header byte every few seconds would keep a worker for ever, and a few
// hundred such connections would starve every other client. The defence has three parts:
//  1. a deadline on the whole request head (headerTimeout, default min(read timeout, 10 s)): it starts when the
//     connection is accepted (first request) or when the first byte of a later keep-alive request arrives, and
//     is checked before every receive of the head, so a dribbling client is cut after headerTimeout whatever
//     its pace. The body keeps the (longer) per-receive read timeout: uploads may legitimately be slow;
//  2. enough workers (http_max_threads default 1024): a worker mostly waits (on the instance, a cold start, a
//     keep-alive client), so threads are cheap compared with refusing clients, and an attacker needs that many
//     connections to fill them — each of which the head deadline recycles within headerTimeout;
//  3. the fast path stays free: the head is read with a non-blocking recv first; only when no byte is ready
//     does the listener poll() with the remaining head time (no extra syscall for a head that is already there).
// The phase of each connection (head or body) is tracked by the accepted socket itself (GuardedSocketImpl in
// the .cpp): the handler factory marks "head done" when Poco has parsed it, the handler wrapper marks "await
// next head" when the request is answered.
//
// Threads: start()/stop() from one thread; requests run on the listener's pool.
#pragma once

#include "config/node_settings.h"

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>

#include <memory>
#include <string>

namespace maelstrom::core {

/// Longest head deadline the listeners use (the read timeout when that is shorter).
inline constexpr std::int64_t kMaxHeaderTimeoutSeconds = 10;

struct ListenerLimits {
    int maxThreads = 1024;
    int maxQueued = 256;
    Poco::Timespan readTimeout{300, 0};  ///< per receive (body, and the wait for a first request byte)
    Poco::Timespan writeTimeout{310, 0}; ///< per send: no progress for this long closes the connection
    Poco::Timespan idleTimeout{310, 0};  ///< between keep-alive requests
    Poco::Timespan headerTimeout{10, 0}; ///< the whole request head
};

/// The limits of the node settings (http_* rows): headerTimeout = min(read timeout, 10 s).
ListenerLimits listenerLimits(const NodeSettings& settings);

class HttpListener {
public:
    /// `name` ("public port", "private port") appears in errors. `factory` answers the requests.
    HttpListener(std::string name, Poco::Net::HTTPRequestHandlerFactory::Ptr factory, ListenerLimits limits);
    ~HttpListener();
    HttpListener(const HttpListener&) = delete;
    HttpListener& operator=(const HttpListener&) = delete;

    /// Binds <bindAddress>:<port> (0 = any free port) and starts serving.
    /// @throws ConfigError when the port cannot be bound.
    void start(const std::string& bindAddress, int port);
    /// Stops accepting, lets requests in progress finish (bounded by their deadlines), joins the workers.
    /// Idempotent.
    void stop();
    /// The bound port (0 before start()).
    int port() const;

private:
    std::string name_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
    ListenerLimits limits_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

} // namespace maelstrom::core
