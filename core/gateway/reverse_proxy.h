// reverse_proxy.h — forwards one request to one upstream instance and streams the answer back, on the event loop
// that owns the client connection: hop-by-hop headers removed both ways, X-Forwarded-* added, the maelstrom
// deadline headers set when absent; bodies streamed piece by piece both ways (each piece read from one side is
// written to the other before the next is read, so a slow reader slows the writer instead of growing a buffer,
// and a server-sent event reaches the client as soon as the instance writes it); the deadline enforced on every
// upstream read and write; a client that goes away while the instance works cancels the upstream request.
// SPDX-License-Identifier: Apache-2.0
//
// Failures map to the reference's answers: upstream unreachable or broken before the response head → 502 with
// an empty body; deadline passed before the response head → 504 `gateway: Timeout proxying component: <name>`;
// a malformed request body (bad chunk) → 400, and the upstream connection is dropped without the body's end, so
// the instance never sees a complete request. Once the response head went out a failure can only cut the
// client connection (never a clean-looking truncated body). Upgrades (WebSocket) are relayed through the
// handshake and then joined byte for byte (websocket_tunnel.h). Nothing here throws but std::bad_alloc.
#pragma once

#include "net/http_server.h"
#include "routing/activity.h"

#include <cstdint>
#include <string>

namespace maelstrom::core {

struct ProxyTarget {
    std::string componentName;          ///< for the 504 body
    std::string pathAndQuery;           ///< request target sent upstream (after stripprefix)
    SteadyTime deadline;                ///< steady-clock deadline of the whole request
    std::int64_t deadlineUnixNanos = 0; ///< MAELSTROM-DEADLINE-NANO when the request has none
    std::int64_t startUnixNanos = 0;    ///< MAELSTROM-START-NANO when the request has none
    /// Set when the upstream is a peer node's private gateway: the request goes with MAELSTROM-COMPONENT and this
    /// MAELSTROM-RELAY-PATH (the node ids it went through), and with MAELSTROM-RELAY-TOKEN when `relayToken`
    /// is set. Those headers coming from the client are never passed on otherwise.
    std::string relayPath;
    std::string relayToken;
    /// The connection to the upstream is made before anything of the request is read or sent; when it fails the
    /// client is not answered (ProxyOutcome::Unreachable) so the caller may try another instance.
    bool connectFirst = false;
};

enum class ProxyOutcome {
    Completed,     ///< upstream response relayed in full (or a tunnel ran and ended)
    UpstreamError, ///< 502 sent (or the client connection cut after the head)
    Timeout,       ///< 504 sent (or the client connection cut after the head)
    ClientGone,    ///< the client disconnected or sent a short body
    BadRequest,    ///< 400 sent: the client's body was malformed
    Unreachable,   ///< connectFirst and the connection failed: nothing sent either way, the client not answered
};

struct ProxyResult {
    ProxyOutcome outcome = ProxyOutcome::UpstreamError;
    int status = 502;    ///< the status the client saw (or would have)
    bool tunnel = false; ///< the exchange became a tunnel (101)
};

/// Body pieces are read and written in pieces of at most this size.
inline constexpr std::size_t kProxyBufferBytes = 64 * 1024;

/// The names of the headers a relay between nodes carries.
inline constexpr const char* kRelayPathHeader = "MAELSTROM-RELAY-PATH";
inline constexpr const char* kRelayTokenHeader = "MAELSTROM-RELAY-TOKEN";
inline constexpr const char* kComponentHeader = "MAELSTROM-COMPONENT";

/// Proxies the exchange to `endpoint` ("http://host:port").
net::Task<ProxyResult> proxyRequest(net::HttpExchange& exchange, const std::string& endpoint,
                                    const ProxyTarget& target);

/// True for a request asking to switch protocols: an Upgrade header and "upgrade" among the Connection tokens.
bool isUpgradeRequest(const net::HttpExchange& exchange);

} // namespace maelstrom::core
