// gateway_metrics.h — the data plane's Prometheus metrics (served at `/_mael/metrics` on the private port, text
// exposition format 0.0.4): requests by component and status code, queue-wait and proxy-duration histograms,
// errors (5xx) by cause, requests no component matched; in-flight, queued and instance gauges read from the
// routers when scraped.
// SPDX-License-Identifier: Apache-2.0
//
// Names (all prefixed maelstrom_gateway_):
//   requests_total{component,code}            counter   every routed request by the status sent (499: the client
//                                                        went away before the answer was complete)
//   errors_total{component,cause}             counter   cause: upstream_error (502), timeout (504, waiting for a
//                                                        slot or proxying), queue_full (503), internal (500)
//   unrouted_requests_total{code}             counter   answered before a component was known: 404 no route,
//                                                        400 bad framing or target
//   queue_wait_seconds{component}             histogram arrival → slot leased (requests that got a slot)
//   proxy_duration_seconds{component}         histogram slot leased → answer relayed (WebSocket tunnels excluded)
//   in_flight{component}, queued{component}, instances{component}   gauges (from Router::activity())
//
// Hot path: a request looks its component's block up once (one shard of a 16-way sharded map under a shared
// lock; blocks are created once and never freed while the registry lives), then only touches relaxed atomics.
// There is no lock common to all requests. Thread-safety: every method is thread-safe; render() may run
// concurrently with recording (the figures of one scrape are not a single atomic snapshot).
#pragma once

#include "metrics/prometheus_text.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace maelstrom::core {

class RouterRegistry;

enum class ErrorCause { UpstreamError, Timeout, QueueFull, Internal };

/// The counters of one component. Obtained from GatewayMetrics::component(); valid while the registry lives.
class ComponentMetrics {
public:
    /// A request answered with `status` (100..599; anything else counts as 0 → rendered "other").
    void countRequest(int status) noexcept;
    void countError(ErrorCause cause) noexcept;
    LatencyHistogram queueWait;
    LatencyHistogram proxyDuration;

private:
    friend class GatewayMetrics;
    std::array<std::atomic<std::uint64_t>, 600> byStatus_{}; ///< index = status code; 0 = out of range
    std::array<std::atomic<std::uint64_t>, 4> byCause_{};
};

class GatewayMetrics {
public:
    /// `routers` (may be null) feeds the in-flight/queued/instances gauges; it must outlive the registry.
    explicit GatewayMetrics(const RouterRegistry* routers = nullptr);
    GatewayMetrics(const GatewayMetrics&) = delete;
    GatewayMetrics& operator=(const GatewayMetrics&) = delete;

    /// The block of `component`, created on first use.
    ComponentMetrics& component(std::string_view name);
    /// A request no component was resolved for, answered with `status` (404, 400...).
    void countUnrouted(int status) noexcept;

    /// The whole exposition text (Content-Type `text/plain; version=0.0.4`), components sorted by name.
    std::string render() const;

private:
    static constexpr std::size_t kShards = 16;
    struct Shard {
        mutable std::shared_mutex mutex;
        std::unordered_map<std::string, std::unique_ptr<ComponentMetrics>> components; ///< guarded by mutex
    };

    const RouterRegistry* routers_;
    std::array<Shard, kShards> shards_;
    std::array<std::atomic<std::uint64_t>, 600> unrouted_{};
};

/// Content-Type of render()'s text.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

} // namespace maelstrom::core
