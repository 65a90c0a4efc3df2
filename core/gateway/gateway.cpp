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

Gateway::Gateway(HttpResolver& resolver, ComponentCache& components, RouterRegistry& routers,
                 GatewayMetrics* metrics)
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

void Gateway::serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                    bool privateGateway, ComponentMetrics*& counted) {
    if (request.getURI() == kHealthCheckPath) {
        sendGatewayText(response, 200, "OK");
        return;
    }
    if (const auto why = ambiguousFraming(request)) {
        // The body cannot be read safely, so the connection cannot be reused either.
        response.setKeepAlive(false);
        sendGatewayText(response, 400, "Bad Request: " + *why);
        countUnrouted(400);
        return;
    }

    Poco::URI uri;
    try {
        uri = Poco::URI(request.getURI());
    } catch (const Poco::Exception&) {
        response.setKeepAlive(false);
        sendGatewayText(response, 400, "Bad Request: malformed request target");
        countUnrouted(400);
        return;
    }
    const std::string path = uri.getPath();

    RouteRequest route;
    route.privateGateway = privateGateway;
    const auto componentHeader = request.find("MAELSTROM-COMPONENT");
    if (privateGateway && componentHeader != request.end()) {
        route.componentHeader = std::string_view(componentHeader->second);
    }
    const std::string host = request.get("Host", "");
    route.host = host;
    route.path = path;
    const auto match = resolver_.resolve(route);
    if (!match) {
        sendGatewayText(response, 404, kNoComponentMatches);
        countUnrouted(404);
        return;
    }
    const auto component = components_.find(match->componentName);
    if (!component) {
        sendGatewayText(response, 404, kNoComponentMatches);
        countUnrouted(404);
        return;
    }
    ComponentMetrics* const stats = metrics_ != nullptr ? &metrics_->component(component->name) : nullptr;
    counted = stats;

    // Start and deadline: the private gateway honours the caller's headers.
    const SteadyTime steadyNow = SteadyClock::now();
    const SystemClock::time_point systemNow = SystemClock::now();
    const std::int64_t nowNanos = unixNanos(systemNow);
    SteadyTime deadline = requestDeadline(steadyNow, component->maxDurationSeconds);
    std::int64_t startNanos = nowNanos;
    if (privateGateway) {
        if (const auto d = headerNanos(request, "MAELSTROM-DEADLINE-NANO")) {
            deadline = steadyNow + std::chrono::nanoseconds(*d - nowNanos);
        }
        if (const auto s = headerNanos(request, "MAELSTROM-START-NANO")) {
            startNanos = *s;
        }
    }

    ProxyTarget target;
    target.componentName = component->name;
    target.deadline = deadline;
    target.startUnixNanos = startNanos;
    target.deadlineUnixNanos =
        nowNanos + std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - steadyNow).count();
    if (match->stripPrefix && !match->pathPrefix.empty()) {
        std::string encoded;
        Poco::URI::encode(upstreamPath(path, *match), "?#", encoded);
        target.pathAndQuery = encoded;
    } else {
        // The client's target as sent (encoding untouched); an absolute-form target is reduced to its path.
        const std::string& raw = request.getURI();
        target.pathAndQuery = !raw.empty() && raw[0] == '/' ? raw : uri.getPathEtc();
        const auto fragment = target.pathAndQuery.find('#');
        if (fragment != std::string::npos) {
            target.pathAndQuery.resize(fragment);
        }
        if (target.pathAndQuery.empty()) {
            target.pathAndQuery = "/";
        }
    }
    if (match->stripPrefix && !match->pathPrefix.empty() && !uri.getRawQuery().empty()) {
        target.pathAndQuery += "?" + uri.getRawQuery();
    }

    RouterSettings settings = routers_.defaults();
    if (component->docker && component->docker->httpStartHealthCheckSeconds > 0) {
        settings.coldStartRetry = std::chrono::seconds(component->docker->httpStartHealthCheckSeconds);
    }
    const auto router = routers_.byComponent(component->name, settings);
    AcquireOptions options;
    options.deadline = deadline;
    options.start = steadyNow;
    AcquireResult acquired = router->acquire(options);
    if (acquired.status == AcquireStatus::QueueFull) {
        response.set("Retry-After", std::to_string(kQueueFullRetryAfterSeconds));
        sendGatewayText(response, 503, "gateway: too many requests waiting for component: " + component->name);
        if (stats != nullptr) {
            stats->countRequest(503);
            stats->countError(ErrorCause::QueueFull);
        }
        return;
    }
    if (acquired.status != AcquireStatus::Acquired) {
        sendGatewayText(response, 504, timeoutBody(component->name));
        if (stats != nullptr) {
            stats->countRequest(504);
            stats->countError(ErrorCause::Timeout);
        }
        return;
    }
    const SteadyTime leased = SteadyClock::now();
    std::shared_ptr<SessionPool> pool = acquired.lease.upstreams();
    if (!pool) {
        pool = poolFor(acquired.lease.endpoint());
    }
    const bool upgrade = isUpgradeRequest(request);
    const ProxyOutcome outcome = upgrade ? tunnelUpgrade(request, response, pool->host(), pool->port(), target)
                                         : proxyRequest(request, response, *pool, target);
    acquired.lease.release();
    if (outcome == ProxyOutcome::ClientGone) {
        // A client that vanished or stalled past the read/write timeout: never wait on that connection for a
        // next request (Poco would keep it for the idle timeout).
        response.setKeepAlive(false);
    }
    if (stats != nullptr) {
        stats->queueWait.observe(leased - steadyNow);
        if (!upgrade) {
            stats->proxyDuration.observe(SteadyClock::now() - leased);
        }
        // The status the client saw (a relayed one, or the gateway's 502/504); 499 when it went away first.
        stats->countRequest(outcome == ProxyOutcome::ClientGone ? 499 : static_cast<int>(response.getStatus()));
        if (outcome == ProxyOutcome::UpstreamError) {
            stats->countError(ErrorCause::UpstreamError);
        } else if (outcome == ProxyOutcome::Timeout) {
            stats->countError(ErrorCause::Timeout);
        }
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
