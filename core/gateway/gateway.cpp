// gateway.cpp — request resolution, deadline, slot and proxy.
// SPDX-License-Identifier: Apache-2.0
#include "gateway/gateway.h"

#include "gateway/http_framing.h"

#include <Poco/Logger.h>
#include <Poco/URI.h>

#include <algorithm>
#include <charconv>

namespace maelstrom::core {

using namespace std::string_view_literals;

using namespace net;

namespace {

using SystemClock = std::chrono::system_clock;

std::optional<std::int64_t> headerNanos(const HttpExchange& exchange, const char* name) {
    const std::string_view text = exchange.header(name);
    if (text.empty()) {
        return std::nullopt;
    }
    std::int64_t value = 0;
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
RequestTimes requestTimes(const HttpExchange& exchange, const sdk::Component& component, bool privateGateway) {
    RequestTimes times;
    times.steadyNow = SteadyClock::now();
    times.nowNanos = unixNanos(SystemClock::now());
    times.deadline = requestDeadline(times.steadyNow, component.maxDurationSeconds);
    times.startNanos = times.nowNanos;
    if (privateGateway) {
        if (const auto d = headerNanos(exchange, "MAELSTROM-DEADLINE-NANO")) {
            times.deadline = times.steadyNow + std::chrono::nanoseconds(*d - times.nowNanos);
        }
        if (const auto s = headerNanos(exchange, "MAELSTROM-START-NANO")) {
            times.startNanos = *s;
        }
    }
    return times;
}

/// The request target sent upstream: the stripped path re-encoded plus the raw query, or the client's target.
std::string upstreamTarget(std::string_view raw, const Poco::URI& uri, const RouteMatch& match) {
    std::string pathAndQuery;
    if (match.stripPrefix && !match.pathPrefix.empty()) {
        Poco::URI::encode(upstreamPath(uri.getPath(), match), "?#", pathAndQuery);
        if (!uri.getRawQuery().empty()) {
            pathAndQuery += "?" + uri.getRawQuery();
        }
        return pathAndQuery;
    }
    // The client's target as sent (encoding untouched); an absolute-form target is reduced to its path.
    pathAndQuery = !raw.empty() && raw[0] == '/' ? std::string(raw) : uri.getPathEtc();
    const auto fragment = pathAndQuery.find('#');
    if (fragment != std::string::npos) {
        pathAndQuery.resize(fragment);
    }
    if (pathAndQuery.empty()) {
        pathAndQuery = "/";
    }
    return pathAndQuery;
}

/// Counts a proxied (or tunnelled) request: queue wait, proxy duration, status and 5xx cause.
void countProxied(ComponentMetrics& stats, const ProxyResult& result, SteadyTime start, SteadyTime leased) {
    stats.queueWait.observe(leased - start);
    if (!result.tunnel) {
        stats.proxyDuration.observe(SteadyClock::now() - leased);
    }
    // The status the client saw (a relayed one, or the gateway's 502/504); 499 when it went away first.
    stats.countRequest(result.outcome == ProxyOutcome::ClientGone ? 499 : result.status);
    if (result.outcome == ProxyOutcome::UpstreamError) {
        stats.countError(ErrorCause::UpstreamError);
    } else if (result.outcome == ProxyOutcome::Timeout) {
        stats.countError(ErrorCause::Timeout);
    }
}

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

Task<void> Gateway::handle(HttpExchange& exchange, bool privateGateway) {
    if (exchange.target() == kHealthCheckPath) {
        co_await exchange.sendText(200, "OK"sv);
        co_return;
    }
    std::optional<Poco::URI> uri;
    try {
        uri.emplace(std::string(exchange.target()));
    } catch (const Poco::Exception&) {
    }
    if (!uri) {
        exchange.closeAfter();
        co_await exchange.sendText(400, "Bad Request: malformed request target"sv);
        countUnrouted(400);
        co_return;
    }
    const std::optional<Route> route = resolveComponent(exchange, uri->getPath(), privateGateway);
    if (!route) {
        co_await exchange.sendText(404, kNoComponentMatches);
        countUnrouted(404);
        co_return;
    }
    const sdk::Component& component = *route->component;
    ComponentMetrics* const stats = metrics_ != nullptr ? &metrics_->component(component.name) : nullptr;

    const RequestTimes times = requestTimes(exchange, component, privateGateway);
    ProxyTarget target;
    target.componentName = component.name;
    target.deadline = times.deadline;
    target.startUnixNanos = times.startNanos;
    target.deadlineUnixNanos =
        times.nowNanos + std::chrono::duration_cast<std::chrono::nanoseconds>(times.deadline - times.steadyNow).count();
    target.pathAndQuery = upstreamTarget(exchange.target(), *uri, route->match);

    AcquireOptions options;
    options.deadline = times.deadline;
    options.start = times.steadyNow;
    if (privateGateway && exchange.hasHeader(kRelayPathHeader)) {
        const auto window = std::chrono::seconds(std::max<std::int64_t>(1, component.maxDurationSeconds / 10));
        options.localOnlyUntil = std::min(times.deadline, times.steadyNow + window);
    }
    AcquireResult acquired = co_await acquireSlot(exchange, component, options);
    ProxyResult result;
    SteadyTime leased;
    for (;;) {
        if (acquired.status == AcquireStatus::QueueFull) {
            co_await exchange.sendText(
                503, std::string("gateway: too many requests waiting for component: ") + component.name,
                std::string("Retry-After: ") + std::to_string(kQueueFullRetryAfterSeconds) + std::string("\r\n"));
            if (stats != nullptr) {
                stats->countRequest(503);
                stats->countError(ErrorCause::QueueFull);
            }
            co_return;
        }
        if (acquired.status != AcquireStatus::Acquired) {
            co_await exchange.sendText(504, timeoutBody(component.name));
            if (stats != nullptr) {
                stats->countRequest(504);
                stats->countError(ErrorCause::Timeout);
            }
            co_return;
        }
        leased = SteadyClock::now();
        const bool remote = acquired.lease.remote();
        target.relayPath = remote ? relayPathOf(exchange, privateGateway) : std::string();
        target.relayToken = remote ? relayToken_ : std::string();
        target.connectFirst = remote;
        // The lease (and the endpoint it refers to) is held until the exchange is over.
        result = co_await proxyRequest(exchange, acquired.lease.endpoint(), target);
        if (result.outcome != ProxyOutcome::Unreachable) {
            break;
        }
        // A peer that cannot be reached loses its slots and the request takes another: nothing of it was sent.
        const std::string peer = acquired.lease.instanceId();
        acquired.lease.release();
        if (const auto router = routers_.find(component.name); router && router->removeInstance(peer)) {
            Poco::Logger::get("maelstrom.gateway")
                .warning("gateway: " + peer + " cannot be reached for " + component.name +
                         ": removed from its router until the node reports again");
        }
        acquired = co_await acquireSlot(exchange, component, options);
    }
    acquired.lease.release();
    if (result.outcome == ProxyOutcome::ClientGone) {
        exchange.closeAfter(); // never wait on that connection for a next request
    }
    if (stats != nullptr) {
        countProxied(*stats, result, times.steadyNow, leased);
    }
}

std::optional<Gateway::Route> Gateway::resolveComponent(const HttpExchange& exchange, const std::string& path,
                                                        bool privateGateway) const {
    RouteRequest route;
    route.privateGateway = privateGateway;
    if (privateGateway && exchange.hasHeader("MAELSTROM-COMPONENT")) {
        route.componentHeader = exchange.header("MAELSTROM-COMPONENT");
    }
    route.host = exchange.header("Host");
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

std::string Gateway::relayPathOf(const HttpExchange& exchange, bool privateGateway) const {
    const std::string_view incoming = privateGateway ? exchange.header(kRelayPathHeader) : std::string_view();
    if (incoming.empty()) {
        return nodeId_;
    }
    if (incoming.size() >= 1024) {
        return std::string(incoming); // as the reference: the path stops growing, the request still goes
    }
    return std::string(incoming) + "|" + nodeId_;
}

Task<AcquireResult> Gateway::acquireSlot(HttpExchange& exchange, const sdk::Component& component,
                                         const AcquireOptions& options) {
    RouterSettings settings = routers_.defaults();
    if (component.docker && component.docker->httpStartHealthCheckSeconds > 0) {
        settings.coldStartRetry = std::chrono::seconds(component.docker->httpStartHealthCheckSeconds);
    }
    const auto router = routers_.byComponent(component.name, settings);
    // The router wakes the request by cancelling its timer on the request's own loop.
    const auto executor = co_await asio::this_coro::executor;
    const auto timer = std::make_shared<asio::steady_timer>(executor);
    AsyncAcquire acquire(router, options, [timer, executor] { asio::post(executor, [timer] { timer->cancel(); }); });
    bool aborted = false;
    exchange.onForceClose([timer, &aborted] {
        aborted = true;
        timer->cancel();
    });
    for (;;) {
        SteadyTime wakeAt;
        if (auto result = acquire.poll(wakeAt)) {
            exchange.onForceClose(nullptr);
            co_return std::move(*result);
        }
        if (aborted) {
            acquire.cancel();
            exchange.onForceClose(nullptr);
            co_return AcquireResult{AcquireStatus::Timeout, {}};
        }
        boost::system::error_code ec;
        timer->expires_at(wakeAt);
        co_await timer->async_wait(withError(ec));
    }
}

} // namespace maelstrom::core
