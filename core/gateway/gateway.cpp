// gateway.cpp — request resolution, deadline, slot and proxy.
#include "gateway/gateway.h"

#include "gateway/http_framing.h"
#include "gateway/reverse_proxy.h"
#include "gateway/websocket_tunnel.h"

#include <Poco/Logger.h>
#include <Poco/URI.h>

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

Gateway::Gateway(HttpResolver& resolver, ComponentCache& components, RouterRegistry& routers)
    : resolver_(resolver), components_(components), routers_(routers) {}

Poco::Net::HTTPRequestHandler* Gateway::newHandler(bool privateGateway) {
    return new GatewayHandler(*this, privateGateway);
}

void Gateway::handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                     bool privateGateway) {
    try {
        serve(request, response, privateGateway);
    } catch (const std::exception& e) {
        Poco::Logger::get("maelstrom.gateway").error(std::string("gateway: ") + e.what());
        response.setKeepAlive(false);
        sendGatewayText(response, 500, "Server Error");
    } catch (...) {
        response.setKeepAlive(false);
        sendGatewayText(response, 500, "Server Error");
    }
}

void Gateway::serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                    bool privateGateway) {
    if (request.getURI() == kHealthCheckPath) {
        sendGatewayText(response, 200, "OK");
        return;
    }
    if (const auto why = ambiguousFraming(request)) {
        // The body cannot be read safely, so the connection cannot be reused either.
        response.setKeepAlive(false);
        sendGatewayText(response, 400, "Bad Request: " + *why);
        return;
    }

    Poco::URI uri;
    try {
        uri = Poco::URI(request.getURI());
    } catch (const Poco::Exception&) {
        response.setKeepAlive(false);
        sendGatewayText(response, 400, "Bad Request: malformed request target");
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
        return;
    }
    const auto component = components_.find(match->componentName);
    if (!component) {
        sendGatewayText(response, 404, kNoComponentMatches);
        return;
    }

    // Start and deadline (§6.5): the private gateway honours the caller's headers.
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

    RouterSettings settings;
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
        return;
    }
    if (acquired.status != AcquireStatus::Acquired) {
        sendGatewayText(response, 504, timeoutBody(component->name));
        return;
    }
    std::shared_ptr<SessionPool> pool = std::static_pointer_cast<SessionPool>(acquired.lease.handle());
    if (!pool) {
        pool = poolFor(acquired.lease.endpoint());
    }
    if (isUpgradeRequest(request)) {
        tunnelUpgrade(request, response, pool->host(), pool->port(), target);
    } else {
        proxyRequest(request, response, *pool, target);
    }
    acquired.lease.release();
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
