// health_probe.h — one HTTP GET of a container's health-check path: healthy
// means status 200. Used for the start health check (every 50 ms until healthy or the deadline), the
// periodic checks and before adopting a container after a restart. The lifecycle calls it through a
// HealthProbe so that unit tests can answer for fake containers.
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: stateless; call from any thread.
#pragma once

#include <maelstrom/sdk/clock.h>

#include <chrono>
#include <functional>
#include <string>

namespace maelstrom::core {

/// Pause after the first failed attempt of the start health check; it doubles after each further failure up to
/// kStartHealthCheckMaxInterval. Most servers listen within a few milliseconds of their start, so a tight first
/// retry adds no latency to a cold start, and the back-off keeps a slow starter from being probed 500 times a second.
inline constexpr std::chrono::milliseconds kStartHealthCheckFirstInterval{2};
inline constexpr std::chrono::milliseconds kStartHealthCheckMaxInterval{50};
/// Client timeout of one health-check GET (the reference's 15 s).
inline constexpr std::chrono::seconds kHealthCheckTimeout{15};

/// GETs http://host:port<path>. @return the status code, or 0 when no HTTP answer came (refused, timeout...);
/// `error` (optional) receives the reason then.
int probeHealth(const std::string& host, int port, const std::string& path, std::chrono::milliseconds timeout,
                std::string* error = nullptr);

/// A function with probeHealth's signature and contract (thread-safe).
using HealthProbe = std::function<int(const std::string& host, int port, const std::string& path,
                                      std::chrono::milliseconds timeout, std::string* error)>;

/// Probes with `probe` (adaptively: kStartHealthCheckFirstInterval, doubling up to kStartHealthCheckMaxInterval, on
/// `clock`) until a 200, the deadline (on `clock`), or
/// `cancelled()` returns true. @return whether it became healthy; `lastError` receives the last failure.
bool waitHealthy(const std::string& host, int port, const std::string& path,
                 std::chrono::steady_clock::time_point deadline, const std::function<bool()>& cancelled,
                 std::string& lastError, const HealthProbe& probe = probeHealth,
                 const sdk::Clock& clock = sdk::systemClock());

} // namespace maelstrom::core
