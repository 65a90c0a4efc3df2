// activity.h — request accounting for one component instance (in-flight count, total requests, last request
// time, the 20-second concurrency windows of the original) and the per-component summary the
// autoscaler and idle stop read.
// SPDX-License-Identifier: Apache-2.0
//
// Time is passed in explicitly (steady clock) so the windows can be tested with an injected clock; the router
// supplies it. Windows roll lazily: every call that passes `now` first closes the windows that ended before it.
#pragma once

#include <maelstrom/sdk/model.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace maelstrom::core {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

/// Window length and history size, as in the original.
inline constexpr std::chrono::seconds kActivityWindow{20};
inline constexpr std::size_t kActivityWindowCount = 10;
/// The concurrency the autoscaler scales up on: requests in flight averaged over this last stretch, so sustained
/// overload is seen within about a second instead of when a 20-second window closes.
inline constexpr std::chrono::seconds kRecentConcurrencyWindow{1};
/// How far back peakConcurrency() looks (the scale-down stability window: the span of the 20-second windows).
inline constexpr std::chrono::seconds kPeakConcurrencyWindow{kActivityWindow * kActivityWindowCount};
/// Resolution of the in-flight accounting behind both.
inline constexpr std::chrono::milliseconds kConcurrencySlot{250};

/// Not thread-safe: the owner (Router) guards it with its own mutex.
class InstanceActivity {
public:
    explicit InstanceActivity(SteadyTime now);

    /// A request finished after `duration` (measured from its gateway start time, so queue wait is included).
    /// Negative durations count as a request but add no concurrency (as the reference does).
    void recordCompletion(SteadyClock::duration duration, SteadyTime now);

    /// Closed windows, newest first, at most kActivityWindowCount.
    std::vector<sdk::ComponentActivity> windows(SteadyTime now);

    /// The instance's requests in flight became `inFlight` at `now` (the router calls it on every grant and
    /// release): integrated over time into kConcurrencySlot slots.
    void setInFlight(std::int64_t inFlight, SteadyTime now);
    /// Average requests in flight over the last kRecentConcurrencyWindow (or the instance's life when shorter).
    double recentConcurrency(SteadyTime now);
    /// The highest kRecentConcurrencyWindow average over the last kPeakConcurrencyWindow, the current one included.
    double peakConcurrency(SteadyTime now);

    std::int64_t totalRequests() const noexcept { return totalRequests_; }
    /// Steady time of the last completed request; empty = never.
    std::optional<SteadyTime> lastRequest() const noexcept { return lastRequest_; }
    /// Unix milliseconds of the last completed request (0 = never), for sdk::ComponentInfo::lastRequestTime.
    std::int64_t lastRequestUnixMs() const noexcept { return lastRequestUnixMs_; }

private:
    void roll(SteadyTime now);
    /// Integrates the in-flight count up to `now`, opening slots as time passes.
    void advance(SteadyTime now);

    std::int64_t totalRequests_ = 0;
    std::optional<SteadyTime> lastRequest_;
    std::int64_t lastRequestUnixMs_ = 0;
    SteadyTime windowStart_;
    std::int64_t requestsAtWindowStart_ = 0;
    SteadyClock::duration durationSum_{0};       ///< of requests completed in the open window
    std::deque<sdk::ComponentActivity> windows_; ///< newest first

    SteadyTime created_;
    std::int64_t inFlight_ = 0;
    SteadyTime integratedUntil_;   ///< busy time is accounted up to here
    SteadyTime slotStart_;         ///< start of busySlots_.front()
    std::deque<double> busySlots_; ///< request-seconds per slot, newest (still open) first
};

/// One instance as seen by the router.
struct InstanceActivitySnapshot {
    std::string instanceId;
    bool remote = false;
    bool draining = false;     ///< removed from the router, still finishing requests
    std::int64_t capacity = 0; ///< 0 = unlimited
    std::int64_t inFlight = 0;
    std::int64_t totalRequests = 0;
    std::int64_t lastRequestUnixMs = 0;           ///< 0 = never
    std::vector<sdk::ComponentActivity> activity; ///< newest first, at most 10
    double recentConcurrency = 0;                 ///< see InstanceActivity::recentConcurrency
    double peakConcurrency = 0;                   ///< see InstanceActivity::peakConcurrency
};

/// One component as seen by its router (idle stop, autoscaler, metrics).
struct ComponentActivitySnapshot {
    std::string componentName;
    std::int64_t inFlight = 0;             ///< leases held now (requests being proxied)
    std::int64_t queued = 0;               ///< requests waiting for a slot now
    std::int64_t totalRequests = 0;        ///< completed since the router was created
    std::int64_t timeouts = 0;             ///< requests that gave up waiting (deadline)
    std::int64_t rejected = 0;             ///< requests refused because the queue bound was reached
    bool pending = false;                  ///< waiting for a cold start
    std::optional<SteadyTime> lastRequest; ///< last arrival or completion; empty = never
    std::vector<InstanceActivitySnapshot> instances;
};

} // namespace maelstrom::core
