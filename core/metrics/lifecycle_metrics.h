// lifecycle_metrics.h — metrics of the container lifecycle on the private port's `/_mael/metrics`: how long each
// phase of a cold start took, how many cold starts each component had (and how many failed), how often and how fast
// paused instances were woken, and how many are paused now.
// SPDX-License-Identifier: Apache-2.0
//
// Names:
//   maelstrom_cold_start_phase_seconds{phase}   histogram  pull (image present or pulled), create, start, health
//                                                          (first passing start health check); create is 0 for a
//                                                          pre-created container
//   maelstrom_cold_starts_total{component}      counter    containers started and healthy (wakes not included)
//   maelstrom_cold_start_seconds{component}     histogram  the whole start: pull + create + start + health
//   maelstrom_cold_start_failures_total{component} counter starts that ended in an error (pull, create, start or
//                                                          health check failed)
//   maelstrom_instance_wakes_total{component}   counter    paused instances thawed for a request
//   maelstrom_instance_wake_seconds{component}  histogram  thaw requested → instance serving again
//   maelstrom_paused_instances{component}       gauge      instances paused on this node now
// Thread-safety: every method is thread-safe (starts and wakes are rare next to requests: one mutex).
#pragma once

#include "metrics/prometheus_text.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace maelstrom::core {

class LifecycleMetrics {
public:
    /// One container of `component` started: the duration of each phase.
    void recordColdStart(const std::string& component, std::chrono::nanoseconds pull, std::chrono::nanoseconds create,
                         std::chrono::nanoseconds start, std::chrono::nanoseconds health);
    /// A start of a container of `component` failed.
    void recordColdStartFailure(const std::string& component);
    /// A paused instance of `component` was thawed in `latency`.
    void recordWake(const std::string& component, std::chrono::nanoseconds latency);
    /// The number of paused instances of `component` changed by `delta`.
    void addPaused(const std::string& component, std::int64_t delta);

    /// The exposition text: every family's HELP and TYPE, also before anything was recorded (no samples then).
    std::string render() const;

private:
    struct ColdStarts {
        std::uint64_t count = 0;
        std::uint64_t failures = 0;
        LatencyHistogram duration;
    };
    struct Wakes {
        std::uint64_t count = 0;
        LatencyHistogram latency;
    };

    mutable std::mutex mutex_;
    bool started_ = false;                                          ///< guarded; a cold start was recorded
    LatencyHistogram pull_, create_, start_, health_;               ///< lock-free themselves
    std::map<std::string, std::unique_ptr<ColdStarts>> coldStarts_; ///< guarded
    std::map<std::string, std::unique_ptr<Wakes>> wakes_;           ///< guarded
    std::map<std::string, std::int64_t> paused_;                    ///< guarded
};

} // namespace maelstrom::core
