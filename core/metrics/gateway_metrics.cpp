// gateway_metrics.cpp — counters, histograms and the Prometheus text rendering.
// SPDX-License-Identifier: Apache-2.0
#include "metrics/gateway_metrics.h"

#include "metrics/prometheus_text.h"
#include "routing/router_registry.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

namespace maelstrom::core {
namespace {

constexpr const char* kCauseNames[] = {"upstream_error", "timeout", "queue_full", "internal"};

using prometheus::escapeLabel;
using prometheus::header;
using prometheus::sample;

} // namespace

void ComponentMetrics::countRequest(int status) noexcept {
    const std::size_t index = status >= 100 && status < 600 ? static_cast<std::size_t>(status) : 0;
    byStatus_[index].fetch_add(1, std::memory_order_relaxed);
}

void ComponentMetrics::countError(ErrorCause cause) noexcept {
    byCause_[static_cast<std::size_t>(cause)].fetch_add(1, std::memory_order_relaxed);
}

GatewayMetrics::GatewayMetrics(const RouterRegistry* routers) : routers_(routers) {}

ComponentMetrics& GatewayMetrics::component(std::string_view name) {
    Shard& shard = shards_[std::hash<std::string_view>{}(name) % kShards];
    {
        std::shared_lock lock(shard.mutex);
        // unordered_map<std::string> has no heterogeneous lookup in C++20 without a transparent hash; the key is
        // built once per request (component names are short, so it stays in the small-string buffer).
        const auto it = shard.components.find(std::string(name));
        if (it != shard.components.end()) {
            return *it->second;
        }
    }
    std::unique_lock lock(shard.mutex);
    auto& slot = shard.components[std::string(name)];
    if (!slot) {
        slot = std::make_unique<ComponentMetrics>();
    }
    return *slot;
}

void GatewayMetrics::countUnrouted(int status) noexcept {
    const std::size_t index = status >= 100 && status < 600 ? static_cast<std::size_t>(status) : 0;
    unrouted_[index].fetch_add(1, std::memory_order_relaxed);
}

std::string GatewayMetrics::render() const {
    // Sorted view of the blocks (pointers stay valid: blocks are never freed).
    std::map<std::string, const ComponentMetrics*> components;
    for (const Shard& shard : shards_) {
        std::shared_lock lock(shard.mutex);
        for (const auto& [name, block] : shard.components) {
            components.emplace(name, block.get());
        }
    }
    std::string out;
    out.reserve(4096 + components.size() * 4096);

    header(out, "maelstrom_gateway_requests_total", "counter", "Requests routed to a component, by status code sent.");
    for (const auto& [name, block] : components) {
        const std::string component = "component=\"" + escapeLabel(name) + "\"";
        for (std::size_t code = 0; code < block->byStatus_.size(); ++code) {
            const std::uint64_t n = block->byStatus_[code].load(std::memory_order_relaxed);
            if (n != 0) {
                sample(out, "maelstrom_gateway_requests_total",
                       component + ",code=\"" + (code == 0 ? std::string("other") : std::to_string(code)) + "\"", n);
            }
        }
    }

    header(out, "maelstrom_gateway_errors_total", "counter",
           "Gateway errors by cause: upstream_error 502, timeout 504, queue_full 503, internal 500.");
    for (const auto& [name, block] : components) {
        const std::string component = "component=\"" + escapeLabel(name) + "\"";
        for (std::size_t cause = 0; cause < block->byCause_.size(); ++cause) {
            sample(out, "maelstrom_gateway_errors_total", component + ",cause=\"" + kCauseNames[cause] + "\"",
                   block->byCause_[cause].load(std::memory_order_relaxed));
        }
    }

    header(out, "maelstrom_gateway_unrouted_requests_total", "counter",
           "Requests answered before a component was known (404 no route, 400 bad request).");
    for (std::size_t code = 0; code < unrouted_.size(); ++code) {
        const std::uint64_t n = unrouted_[code].load(std::memory_order_relaxed);
        if (n != 0) {
            sample(out, "maelstrom_gateway_unrouted_requests_total",
                   "code=\"" + (code == 0 ? std::string("other") : std::to_string(code)) + "\"", n);
        }
    }

    header(out, "maelstrom_gateway_queue_wait_seconds", "histogram",
           "Time from a request's arrival until it leased a slot on an instance (queue and cold start).");
    for (const auto& [name, block] : components) {
        block->queueWait.render(out, "maelstrom_gateway_queue_wait_seconds", "component=\"" + escapeLabel(name) + "\"");
    }
    header(out, "maelstrom_gateway_proxy_duration_seconds", "histogram",
           "Time from leasing a slot until the instance's answer was relayed (WebSocket tunnels excluded).");
    for (const auto& [name, block] : components) {
        block->proxyDuration.render(out, "maelstrom_gateway_proxy_duration_seconds",
                                    "component=\"" + escapeLabel(name) + "\"");
    }

    if (routers_ != nullptr) {
        struct Gauges {
            std::int64_t inFlight = 0;
            std::int64_t queued = 0;
            std::size_t instances = 0;
        };
        std::map<std::string, Gauges> gauges;
        for (const auto& router : routers_->all()) {
            const ComponentActivitySnapshot activity = router->activity();
            gauges[router->componentName()] = {activity.inFlight, activity.queued, router->instanceCount()};
        }
        header(out, "maelstrom_gateway_in_flight", "gauge", "Requests being proxied now (slots leased).");
        for (const auto& [name, g] : gauges) {
            sample(out, "maelstrom_gateway_in_flight", "component=\"" + escapeLabel(name) + "\"",
                   static_cast<std::uint64_t>(std::max<std::int64_t>(g.inFlight, 0)));
        }
        header(out, "maelstrom_gateway_queued", "gauge", "Requests waiting for a slot now.");
        for (const auto& [name, g] : gauges) {
            sample(out, "maelstrom_gateway_queued", "component=\"" + escapeLabel(name) + "\"",
                   static_cast<std::uint64_t>(std::max<std::int64_t>(g.queued, 0)));
        }
        header(out, "maelstrom_gateway_instances", "gauge", "Instances registered with the component's router.");
        for (const auto& [name, g] : gauges) {
            sample(out, "maelstrom_gateway_instances", "component=\"" + escapeLabel(name) + "\"", g.instances);
        }
    }
    return out;
}

} // namespace maelstrom::core
