// gateway.cpp — request resolution, deadline, slot and proxy.
#include "gateway/gateway.h"

#include "gateway/http_framing.h"
#include "gateway/reverse_proxy.h"
#include "gateway/websocket_tunnel.h"

#include <Poco/Logger.h>
#include <Poco/URI.h>

#include <algorithm>
#include <charconv>

namespace maelstrom::core {
namespace {

using SystemClock = std::chrono::system_clock;

std::optional<std::int64_t> headerNanos(const Poco::Net::HTTPServerRequest& request, const char* name) {
    const auto it = request.find(name);
    if (it == request.end()) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    const std::string& text = it->second;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::int64_t unixNanos(SystemClock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/// When one request started and must end, on the steady clock and as Unix nanoseconds.
struct RequestTimes {
    SteadyTime steadyNow;
    std::int64_t nowNanos = 0;
    SteadyTime deadline;
    std::int64_t startNanos = 0;
};

/// Start and deadline: the private gateway honours the caller's headers.
RequestTimes requestTimes(const Poco::Net::HTTPServerRequest& request, const sdk::Component& component,
                          bool privateGateway) {
    RequestTimes times;
    times.steadyNow = SteadyClock::now();
    const SystemClock::time_point systemNow = SystemClock::now();
    times.nowNanos = unixNanos(systemNow);
    times.deadline = requestDeadline(times.steadyNow, component.maxDurationSeconds);
    times.startNanos = times.nowNanos;
    if (privateGateway) {
        if (const auto d = headerNanos(request, "MAELSTROM-DEADLINE-NANO")) {
            times.deadline = times.steadyNow + std::chrono::nanoseconds(*d - times.nowNanos);
        }
        if (const auto s = headerNanos(request, "MAELSTROM-START-NANO")) {
            times.startNanos = *s;
        }
    }
    return times;
}

/// The request target sent upstream: the stripped path re-encoded plus the raw query, or the client's target.
std::string upstreamTarget(const Poco::Net::HTTPServerRequest& request, const Poco::URI& uri, const RouteMatch& match) {
    std::string pathAndQuery;
    if (match.stripPrefix && !match.pathPrefix.empty()) {
        std::string encoded;
        Poco::URI::encode(upstreamPath(uri.getPath(), match), "?#", encoded);
        pathAndQuery = encoded;
    } else {
        // The client's target as sent (encoding untouched); an absolute-form target is reduced to its path.
        const std::string& raw = request.getURI();
        pathAndQuery = !raw.empty() && raw[0] == '/' ? raw : uri.getPathEtc();
        const auto fragment = pathAndQuery.find('#');
        if (fragment != std::string::npos) {
            pathAndQuery.resize(fragment);
        }
        if (pathAndQuery.empty()) {
            pathAndQuery = "/";
        }
    }
    if (match.stripPrefix && !match.pathPrefix.empty() && !uri.getRawQuery().empty()) {
        pathAndQuery += "?" + uri.getRawQuery();
    }
    return pathAndQuery;
}

ProxyTarget proxyTarget(const Poco::Net::HTTPServerRequest& request, const Poco::URI& uri, const RouteMatch& match,
                        const std::string& componentName, const RequestTimes& times) {
    ProxyTarget target;
    target.componentName = componentName;
    target.deadline = times.deadline;
    target.startUnixNanos = times.startNanos;
    target.deadlineUnixNanos =
        times.nowNanos + std::chrono::duration_cast<std::chrono::nanoseconds>(times.deadline - times.steadyNow).count();
    target.pathAndQuery = upstreamTarget(request, uri, match);
    return target;
}

/// Answers a request that got no slot: 503 + Retry-After when the router's queue is full, 504 at the deadline.
/// False when it did get one.
bool answerNoSlot(Poco::Net::HTTPServerResponse& response, const AcquireResult& acquired,
                  const std::string& componentName, ComponentMetrics* stats) {
    if (acquired.status == AcquireStatus::QueueFull) {
        response.set("Retry-After", std::to_string(kQueueFullRetryAfterSeconds));
        sendGatewayText(response, 503, "gateway: too many requests waiting for component: " + componentName);
        if (stats != nullptr) {
            stats->countRequest(503);
            stats->countError(ErrorCause::QueueFull);
        }
        return true;
    }
    if (acquired.status != AcquireStatus::Acquired) {
        sendGatewayText(response, 504, timeoutBody(componentName));
        if (stats != nullptr) {
            stats->countRequest(504);
            stats->countError(ErrorCause::Timeout);
        }
        return true;
    }
    return false;
}

/// Counts a proxied (or tunnelled) request: queue wait, proxy duration, status and 5xx cause.
void countProxied(ComponentMetrics& stats, ProxyOutcome outcome, bool upgrade, int status, SteadyTime start,
                  SteadyTime leased) {
    stats.queueWait.observe(leased - start);
    if (!upgrade) {
        stats.proxyDuration.observe(SteadyClock::now() - leased);
    }
    // The status the client saw (a relayed one, or the gateway's 502/504); 499 when it went away first.
    stats.countRequest(outcome == ProxyOutcome::ClientGone ? 499 : status);
    if (outcome == ProxyOutcome::UpstreamError) {
        stats.countError(ErrorCause::UpstreamError);
    } else if (outcome == ProxyOutcome::Timeout) {
        stats.countError(ErrorCause::Timeout);
    }
}

class GatewayHandler : public Poco::Net::HTTPRequestHandler {
public:
    GatewayHandler(Gateway& gateway, bool privateGateway) : gateway_(gateway), private_(privateGateway) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        gateway_.handle(request, response, private_);
    }

private:
    Gateway& gateway_;
    bool private_;
};

} // namespace

RouterSettings defaultRouterSettings(const NodeSettings& node) {
    RouterSettings settings;
    settings.maxQueued = static_cast<std::size_t>(std::max<std::int64_t>(node.routerMaxQueued, 0));
    return settings;
}

Gateway::Gateway(HttpResolver& resolver, ComponentCache& components, RouterRegistry& routers, GatewayMetrics* metrics)
    : resolver_(resolver), components_(components), routers_(routers), metrics_(metrics) {}

void Gateway::countUnrouted(int status) noexcept {
    if (metrics_ != nullptr) {
        metrics_->countUnrouted(status);
    }
}

Poco::Net::HTTPRequestHandler* Gateway::newHandler(bool privateGateway) {
    return new GatewayHandler(*this, privateGateway);
}

void Gateway::handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                     bool privateGateway) {
    ComponentMetrics* counted = nullptr;
    try {
        serve(request, response, privateGateway, counted);
        return;
    } catch (const std::exception& e) {
        Poco::Logger::get("maelstrom.gateway").error(std::string("gateway: ") + e.what());
    } catch (...) {
        Poco::Logger::get("maelstrom.gateway").error("gateway: unknown exception");
    }
    response.setKeepAlive(false);
    sendGatewayText(response, 500, "Server Error");
    if (counted != nullptr) {
        counted->countRequest(500);
        counted->countError(ErrorCause::Internal);
    } else {
        countUnrouted(500);
    }
}

void Gateway::serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response, bool privateGateway,
                    ComponentMetrics*& counted) {
    if (request.getURI() == kHealthCheckPath) {
        sendGatewayText(response, 200, "OK");
        return;
    }
    const std::optional<Poco::URI> uri = requestTarget(request, response);
    if (!uri) {
        return;
    }
    const std::optional<Route> route = resolveComponent(request, uri->getPath(), privateGateway);
    if (!route) {
        sendGatewayText(response, 404, kNoComponentMatches);
        countUnrouted(404);
        return;
    }
    const sdk::Component& component = *route->component;
    ComponentMetrics* const stats = metrics_ != nullptr ? &metrics_->component(component.name) : nullptr;
    counted = stats;

    const RequestTimes times = requestTimes(request, component, privateGateway);
    const ProxyTarget target = proxyTarget(request, *uri, route->match, component.name, times);
    AcquireResult acquired = acquireSlot(component, times.deadline, times.steadyNow);
    if (answerNoSlot(response, acquired, component.name, stats)) {
        return;
    }
    proxyToInstance(request, response, acquired.lease, target, times.steadyNow, stats);
}

std::optional<Poco::URI> Gateway::requestTarget(const Poco::Net::HTTPServerRequest& request,
                                                Poco::Net::HTTPServerResponse& response) {
    if (const auto why = ambiguousFraming(request)) {
        // The body cannot be read safely, so the connection cannot be reused either.
        response.setKeepAlive(false);
        sendGatewayText(response, 400, "Bad Request: " + *why);
        countUnrouted(400);
        return std::nullopt;
    }
    try {
        return Poco::URI(request.getURI());
    } catch (const Poco::Exception&) {
        response.setKeepAlive(false);
        sendGatewayText(response, 400, "Bad Request: malformed request target");
        countUnrouted(400);
        return std::nullopt;
    }
}

std::optional<Gateway::Route> Gateway::resolveComponent(const Poco::Net::HTTPServerRequest& request,
                                                        const std::string& path, bool privateGateway) const {
    RouteRequest route;
    route.privateGateway = privateGateway;
    const auto componentHeader = request.find("MAELSTROM-COMPONENT");
    if (privateGateway && componentHeader != request.end()) {
        route.componentHeader = std::string_view(componentHeader->second);
    }
    const std::string host = request.get("Host", "");
    route.host = host;
    route.path = path;
    auto match = resolver_.resolve(route);
    if (!match) {
        return std::nullopt;
    }
    auto component = components_.find(match->componentName);
    if (!component) {
        return std::nullopt;
    }
    return Route{std::move(*match), std::move(component)};
}

AcquireResult Gateway::acquireSlot(const sdk::Component& component, SteadyTime deadline, SteadyTime start) {
    RouterSettings settings = routers_.defaults();
    if (component.docker && component.docker->httpStartHealthCheckSeconds > 0) {
        settings.coldStartRetry = std::chrono::seconds(component.docker->httpStartHealthCheckSeconds);
    }
    const auto router = routers_.byComponent(component.name, settings);
    AcquireOptions options;
    options.deadline = deadline;
    options.start = start;
    return router->acquire(options);
}

void Gateway::proxyToInstance(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                              Lease& lease, const ProxyTarget& target, SteadyTime start, ComponentMetrics* stats) {
    const SteadyTime leased = SteadyClock::now();
    std::shared_ptr<SessionPool> pool = lease.upstreams();
    if (!pool) {
        pool = poolFor(lease.endpoint());
    }
    const bool upgrade = isUpgradeRequest(request);
    const ProxyOutcome outcome = upgrade ? tunnelUpgrade(request, response, pool->host(), pool->port(), target)
                                         : proxyRequest(request, response, *pool, target);
    lease.release();
    if (outcome == ProxyOutcome::ClientGone) {
        // A client that vanished or stalled past the read/write timeout: never wait on that connection for a
        // next request (Poco would keep it for the idle timeout).
        response.setKeepAlive(false);
    }
    if (stats != nullptr) {
        countProxied(*stats, outcome, upgrade, static_cast<int>(response.getStatus()), start, leased);
    }
}

std::shared_ptr<SessionPool> Gateway::poolFor(const std::string& endpoint) {
    std::lock_guard lock(poolsMutex_);
    auto& pool = pools_[endpoint];
    if (!pool) {
        pool = std::make_shared<SessionPool>(endpoint);
    }
    return pool;
}

} // namespace maelstrom::core
