// event_source_metrics.cpp — see event_source_metrics.h.
// SPDX-License-Identifier: Apache-2.0
#include "metrics/event_source_metrics.h"

namespace maelstrom::core {

void EventSourceMetrics::recordFiring(const std::string& eventSource, const std::string& component,
                                      const std::string& type, bool ok,
                                      std::optional<std::chrono::nanoseconds> lateness) {
    std::lock_guard lock(mutex_);
    auto& slot = counters_[Key{eventSource, component, type}];
    if (!slot) {
        slot = std::make_unique<Counters>();
    }
    ++slot->firings;
    if (!ok) {
        ++slot->failures;
    }
    if (lateness) {
        slot->lateness.observe(*lateness);
    }
}

std::string EventSourceMetrics::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    auto labelsOf = [](const Key& key) {
        return "event_source=\"" + prometheus::escapeLabel(std::get<0>(key)) + "\",component=\"" +
               prometheus::escapeLabel(std::get<1>(key)) + "\",type=\"" + prometheus::escapeLabel(std::get<2>(key)) +
               "\"";
    };
    prometheus::header(out, "maelstrom_event_source_firings_total", "counter",
                       "Requests sent for an event source (one per firing or message).");
    for (const auto& [key, c] : counters_) {
        prometheus::sample(out, "maelstrom_event_source_firings_total", labelsOf(key), c->firings);
    }
    prometheus::header(out, "maelstrom_event_source_failures_total", "counter",
                       "Firings answered outside 200..299 or not answered at all.");
    for (const auto& [key, c] : counters_) {
        prometheus::sample(out, "maelstrom_event_source_failures_total", labelsOf(key), c->failures);
    }
    prometheus::header(out, "maelstrom_event_source_lateness_seconds", "histogram",
                       "From when a firing was due to when its request started.");
    for (const auto& [key, c] : counters_) {
        c->lateness.render(out, "maelstrom_event_source_lateness_seconds", labelsOf(key));
    }
    return out;
}

} // namespace maelstrom::core
