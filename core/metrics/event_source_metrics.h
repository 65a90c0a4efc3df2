// event_source_metrics.h — metrics of the event sources (cron, queues...) on the private port's `/_mael/metrics`:
// per event source, how many firings were sent, how many failed, and how late they started.
// SPDX-License-Identifier: Apache-2.0
//
// Names (all prefixed maelstrom_event_source_), labels event_source, component, type:
//   firings_total     counter   requests sent for the event source (one per firing or message)
//   failures_total    counter   firings answered outside 200..299 or not answered at all
//   lateness_seconds  histogram when the firing was due → when its request started (firings with a due time)
// Event sources are few and fire at most a few times a second each, so one mutex guards the table.
// Thread-safety: every method is thread-safe.
#pragma once

#include "metrics/prometheus_text.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

namespace maelstrom::core {

class EventSourceMetrics {
public:
    /// One firing of `eventSource` (of `type`, for `component`) started `lateness` after it was due
    /// (nullopt: it had no due time) and ended `ok` (2xx) or not.
    void recordFiring(const std::string& eventSource, const std::string& component, const std::string& type, bool ok,
                      std::optional<std::chrono::nanoseconds> lateness);

    /// The exposition text of every event source seen, sorted by name (the families' HELP and TYPE also when none
    /// fired yet, so dashboards and alerts find them).
    std::string render() const;

private:
    struct Counters {
        std::uint64_t firings = 0;
        std::uint64_t failures = 0;
        LatencyHistogram lateness;
    };
    using Key = std::tuple<std::string, std::string, std::string>; ///< event source, component, type

    mutable std::mutex mutex_;
    std::map<Key, std::unique_ptr<Counters>> counters_; ///< guarded by mutex_
};

} // namespace maelstrom::core
