// upstream_pool.h — keep-alive connections from one event loop to the instances it proxies to, reused across
// requests so the proxy does not open a TCP connection per request.
// SPDX-License-Identifier: Apache-2.0
//
// One pool per loop thread (thread_local): a connection is used only by the loop that opened it, so taking and
// giving back needs no lock; the pool ends with its thread, before the loop's io_context. Connections are kept
// per endpoint (at most kMaxIdlePerEndpoint each); one idle for longer than kUpstreamIdleTimeout is closed
// instead of reused (the instance may have closed it; a stale one that slips through is retried by the proxy
// when that is safe). A connection that saw an error, or whose response was not read to its end, is never given
// back.
#pragma once

#include "net/asio.h"
#include "routing/activity.h"

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace maelstrom::core {

inline constexpr std::size_t kMaxIdlePerEndpoint = 64;
inline constexpr std::chrono::seconds kUpstreamIdleTimeout{30};
/// Read buffer of an upstream connection (a response head and one body piece).
inline constexpr std::size_t kUpstreamReadBytes = 64 * 1024;

struct UpstreamConnection {
    explicit UpstreamConnection(const net::asio::any_io_executor& executor) : stream(executor) {}
    net::beast::tcp_stream stream;
    net::beast::flat_buffer buffer; ///< bytes read from the instance and not parsed yet
    SteadyTime idleSince;
    bool reused = false; ///< taken from the pool (it may have gone stale)
};

class UpstreamPool {
public:
    /// The calling loop thread's pool.
    static UpstreamPool& local();

    /// An idle connection to `endpoint` ("http://host:port"), or null.
    std::unique_ptr<UpstreamConnection> take(const std::string& endpoint);
    /// Keeps a connection whose last response was read completely.
    void give(const std::string& endpoint, std::unique_ptr<UpstreamConnection> connection);

private:
    std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;
    SteadyTime nextSweep_{};
    void sweep(SteadyTime now);
};

/// A new connection to `endpoint` ("http://host:port"; host an IP address or a name) made by `deadline`.
net::Task<std::unique_ptr<UpstreamConnection>> connectUpstream(const std::string& endpoint, SteadyTime deadline,
                                                               boost::system::error_code& ec);

} // namespace maelstrom::core
