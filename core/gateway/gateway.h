// gateway.h — the HTTP gateway: answers the health check, resolves a request to a
// component (public: HTTP event sources; private: the MAELSTROM-COMPONENT header first), computes its deadline,
// waits for a slot on one of the component's instances (Router) and proxies the request there.
// SPDX-License-Identifier: Apache-2.0
//
// The same Gateway serves the public listener (PublicServer) and the private port's catch-all (PrivateServer).
// Answers of its own: 400 ambiguous framing or bad URI, 404 `No component matches the request`, 500
// `Server Error`, 503 + Retry-After when the router's queue bound is reached, 504 at the deadline, 502 when
// the instance cannot be reached (reverse_proxy.h).
// Every answer is counted in the GatewayMetrics when one is given (gateway_metrics.h: status codes, 5xx causes,
// queue wait, proxy duration; 499 when the client went away). New routers start from the RouterRegistry's default
// settings (router_max_queued), with the component's cold-start retry period.
// Thread-safety: handle() runs on any number of server threads concurrently. The resolver, cache, router
// registry and metrics must outlive the Gateway.
#pragma once

#include "config/node_settings.h"
#include "gateway/component_cache.h"
#include "gateway/session_pool.h"
#include "metrics/gateway_metrics.h"
#include "routing/resolver.h"
#include "routing/router_registry.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace maelstrom::core {

struct ProxyTarget;

inline constexpr const char* kHealthCheckPath = "/_mael_health_check";

/// The RouterRegistry defaults of the node settings: maxQueued = router_max_queued (negative → 0, unbounded).
RouterSettings defaultRouterSettings(const NodeSettings& node);

class Gateway {
public:
    /// `metrics` may be null (nothing counted).
    Gateway(HttpResolver& resolver, ComponentCache& components, RouterRegistry& routers,
            GatewayMetrics* metrics = nullptr);

    /// Serves one request; never throws.
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response, bool privateGateway);

    /// A Poco handler that calls handle() (for HTTPRequestHandlerFactory implementations).
    Poco::Net::HTTPRequestHandler* newHandler(bool privateGateway);

private:
    /// What a request resolved to: the matched route and the component's settings.
    struct Route {
        RouteMatch match;
        std::shared_ptr<const sdk::Component> component;
    };

    /// `counted` is set to the component's metrics once it is known (for the 500 of handle()).
    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response, bool privateGateway,
               ComponentMetrics*& counted);
    /// The parsed request target, or nothing once 400 was answered (ambiguous framing, malformed target).
    std::optional<Poco::URI> requestTarget(const Poco::Net::HTTPServerRequest& request,
                                           Poco::Net::HTTPServerResponse& response);
    /// The component the request is for (`path`: the decoded URL path), or nothing when no route or no such
    /// component matches.
    std::optional<Route> resolveComponent(const Poco::Net::HTTPServerRequest& request, const std::string& path,
                                          bool privateGateway) const;
    /// Waits until `deadline` for a slot on one of the component's instances.
    AcquireResult acquireSlot(const sdk::Component& component, SteadyTime deadline, SteadyTime start);
    /// Proxies (or tunnels an upgrade) to the leased instance, frees the slot, counts the answer. `start` is
    /// when the gateway started the request.
    void proxyToInstance(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response, Lease& lease,
                         const ProxyTarget& target, SteadyTime start, ComponentMetrics* stats);
    void countUnrouted(int status) noexcept;
    /// The session pool of an instance registered without one (upstreams null): one per endpoint.
    std::shared_ptr<SessionPool> poolFor(const std::string& endpoint);

    HttpResolver& resolver_;
    ComponentCache& components_;
    RouterRegistry& routers_;
    GatewayMetrics* const metrics_;
    std::mutex poolsMutex_;
    std::unordered_map<std::string, std::shared_ptr<SessionPool>> pools_; ///< guarded by poolsMutex_
};

} // namespace maelstrom::core
