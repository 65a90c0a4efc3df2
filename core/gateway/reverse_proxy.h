// reverse_proxy.h — forwards one request received by a Poco HTTPServer to one upstream instance and streams the
// answer back: hop-by-hop headers removed both ways, X-Forwarded-* added,
// the maelstrom deadline headers set when absent, bodies copied in fixed-size chunks (never held whole), the
// deadline enforced on every upstream read and write.
// SPDX-License-Identifier: Apache-2.0
//
// Failures map to the reference's answers: upstream unreachable or broken before the response head → 502 with
// an empty body; deadline passed before the response head → 504 `gateway: Timeout proxying component: <name>`.
// Once the response head went out a failure can only cut the client connection (never a clean-looking
// truncated body). A client that disconnects just ends the exchange. Nothing here throws.
// Thread-safety: proxy() is reentrant; the SessionPool is shared.
#pragma once

#include "gateway/session_pool.h"
#include "routing/activity.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstdint>
#include <string>

namespace maelstrom::core {

struct ProxyTarget {
    std::string componentName;          ///< for the 504 body
    std::string pathAndQuery;           ///< request target sent upstream (after stripprefix)
    SteadyTime deadline;                ///< steady-clock deadline of the whole request
    std::int64_t deadlineUnixNanos = 0; ///< MAELSTROM-DEADLINE-NANO when the request has none
    std::int64_t startUnixNanos = 0;    ///< MAELSTROM-START-NANO when the request has none
};

enum class ProxyOutcome {
    Completed,     ///< upstream response relayed in full
    UpstreamError, ///< 502 sent (or the client connection cut after the head)
    Timeout,       ///< 504 sent (or the client connection cut after the head)
    ClientGone,    ///< the client disconnected or sent a short body
};

/// Chunk size of every body copy.
inline constexpr std::size_t kProxyBufferBytes = 64 * 1024;

ProxyOutcome proxyRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                          SessionPool& pool, const ProxyTarget& target);

/// The request sent upstream: method and target, end-to-end headers of the client (hop-by-hop removed, Host
/// kept), X-Forwarded-For/-Host/-Proto, MAELSTROM-DEADLINE-NANO and MAELSTROM-START-NANO when absent, the
/// client's framing (chunked or Content-Length). Also used by the WebSocket tunnel.
Poco::Net::HTTPRequest upstreamRequest(const Poco::Net::HTTPServerRequest& request, const ProxyTarget& target);

/// Sends a small text/plain answer (gateway errors); swallows a client disconnect.
void sendGatewayText(Poco::Net::HTTPServerResponse& response, int status, const std::string& body);

} // namespace maelstrom::core
