// gateway.h — the HTTP gateway (reference-interfaces §6): answers the health check, resolves a request to a
// component (public: HTTP event sources; private: the MAELSTROM-COMPONENT header first), computes its deadline,
// waits for a slot on one of the component's instances (Router) and proxies the request there.
// SPDX-License-Identifier: Apache-2.0
//
// The same Gateway serves the public listener (PublicServer) and the private port's catch-all (PrivateServer).
// Answers of its own: 400 ambiguous framing or bad URI, 404 `No component matches the request`, 500
// `Server Error`, 503 + Retry-After when the router's queue bound is reached, 504 at the deadline, 502 when
// the instance cannot be reached (reverse_proxy.h).
// Thread-safety: handle() runs on any number of server threads concurrently. The resolver, cache and router
// registry must outlive the Gateway.
#pragma once

#include "gateway/component_cache.h"
#include "gateway/session_pool.h"
#include "routing/resolver.h"
#include "routing/router_registry.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace maelstrom::core {

inline constexpr const char* kHealthCheckPath = "/_mael_health_check";

class Gateway {
public:
    Gateway(HttpResolver& resolver, ComponentCache& components, RouterRegistry& routers);

    /// Serves one request; never throws.
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response, bool privateGateway);

    /// A Poco handler that calls handle() (for HTTPRequestHandlerFactory implementations).
    Poco::Net::HTTPRequestHandler* newHandler(bool privateGateway);

private:
    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response, bool privateGateway);
    /// The session pool of an instance registered without one (handle null): one per endpoint.
    std::shared_ptr<SessionPool> poolFor(const std::string& endpoint);

    HttpResolver& resolver_;
    ComponentCache& components_;
    RouterRegistry& routers_;
    std::mutex poolsMutex_;
    std::unordered_map<std::string, std::shared_ptr<SessionPool>> pools_; ///< guarded by poolsMutex_
};

} // namespace maelstrom::core
