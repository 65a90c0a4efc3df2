// gateway.h — the HTTP gateway: answers the health check, resolves a request to a component (public: HTTP event
// sources; private: the MAELSTROM-COMPONENT header first), computes its deadline, waits for a slot on one of the
// component's instances (Router) and proxies the request there.
// SPDX-License-Identifier: Apache-2.0
//
// The same Gateway serves the public listener (PublicServer) and the private port's catch-all (PrivateServer).
// Answers of its own: 400 bad URI, 404 `No component matches the request`, 500 `Server Error`, 503 + Retry-After
// when the router's queue bound is reached, 504 at the deadline, 502 when the instance cannot be reached
// (reverse_proxy.h). Requests with malformed framing never get here (net/request_head.h).
// Relaying: a slot on a remote instance (a peer node that runs the component) sends the request to the peer's private
// gateway with the relay headers (reverse_proxy.h). A peer that cannot be reached is taken out of the router and
// the request tries the next slot, since nothing of it was sent. A request that arrives relayed (it carries
// MAELSTROM-RELAY-PATH) is served by local instances only for max(1 s, maxDurationSeconds / 10), as in the
// reference, so it does not bounce between nodes while the instance it was sent for is still there.
// A request waiting for a slot or a cold start holds no thread: it is an AsyncAcquire woken by the router, with
// a loop timer for its deadline and the cold-start retries.
// Every answer is counted in the GatewayMetrics when one is given (gateway_metrics.h: status codes, 5xx causes,
// queue wait, proxy duration; 499 when the client went away). New routers start from the RouterRegistry's default
// settings (router_max_queued), with the component's cold-start retry period.
// Thread-safety: handle() runs on every event loop concurrently. The resolver, cache, router registry and metrics
// must outlive the Gateway.
#pragma once

#include "config/node_settings.h"
#include "gateway/component_cache.h"
#include "gateway/reverse_proxy.h"
#include "metrics/gateway_metrics.h"
#include "net/http_server.h"
#include "routing/resolver.h"
#include "routing/router_registry.h"

#include <memory>
#include <optional>
#include <string>

namespace maelstrom::core {

inline constexpr const char* kHealthCheckPath = "/_mael_health_check";

/// The RouterRegistry defaults of the node settings: maxQueued = router_max_queued (negative → 0, unbounded).
RouterSettings defaultRouterSettings(const NodeSettings& node);

class Gateway {
public:
    /// `metrics` may be null (nothing counted).
    Gateway(HttpResolver& resolver, ComponentCache& components, RouterRegistry& routers,
            GatewayMetrics* metrics = nullptr);

    /// This node's id and the private token, for requests relayed to peers (remote router instances): they carry
    /// the relay path and, when a token is set, MAELSTROM-RELAY-TOKEN. Call before serving.
    void setRelayIdentity(std::string nodeId, std::string token) {
        nodeId_ = std::move(nodeId);
        relayToken_ = std::move(token);
    }

    /// Serves one request; never throws but std::bad_alloc.
    net::Task<void> handle(net::HttpExchange& exchange, bool privateGateway);

private:
    /// What a request resolved to: the matched route and the component's settings.
    struct Route {
        RouteMatch match;
        std::shared_ptr<const sdk::Component> component;
    };

    /// The component the request is for (`path`: the decoded URL path), or nothing when no route or no such
    /// component matches.
    std::optional<Route> resolveComponent(const net::HttpExchange& exchange, const std::string& path,
                                          bool privateGateway) const;
    /// Waits until `deadline` for a slot on one of the component's instances, holding no thread.
    net::Task<AcquireResult> acquireSlot(net::HttpExchange& exchange, const sdk::Component& component,
                                         const AcquireOptions& options);
    /// The relay path a request relayed from this node carries: the incoming one (private gateway) plus this node.
    std::string relayPathOf(const net::HttpExchange& exchange, bool privateGateway) const;
    void countUnrouted(int status) noexcept;

    HttpResolver& resolver_;
    ComponentCache& components_;
    RouterRegistry& routers_;
    GatewayMetrics* const metrics_;
    std::string nodeId_;
    std::string relayToken_;
};

} // namespace maelstrom::core
