// lifecycle_metrics.cpp — see lifecycle_metrics.h.
// SPDX-License-Identifier: Apache-2.0
#include "metrics/lifecycle_metrics.h"

#include <algorithm>

namespace maelstrom::core {
namespace {

std::string componentLabel(const std::string& component) {
    return "component=\"" + prometheus::escapeLabel(component) + "\"";
}

} // namespace

void LifecycleMetrics::recordColdStart(std::chrono::nanoseconds pull, std::chrono::nanoseconds create,
                                       std::chrono::nanoseconds start, std::chrono::nanoseconds health) {
    pull_.observe(pull);
    create_.observe(create);
    start_.observe(start);
    health_.observe(health);
    std::lock_guard lock(mutex_);
    started_ = true;
}

void LifecycleMetrics::recordWake(const std::string& component, std::chrono::nanoseconds latency) {
    std::lock_guard lock(mutex_);
    auto& slot = wakes_[component];
    if (!slot) {
        slot = std::make_unique<Wakes>();
    }
    ++slot->count;
    slot->latency.observe(latency);
}

void LifecycleMetrics::addPaused(const std::string& component, std::int64_t delta) {
    std::lock_guard lock(mutex_);
    auto& count = paused_[component];
    count = std::max<std::int64_t>(0, count + delta);
}

std::string LifecycleMetrics::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    if (started_) {
        prometheus::header(out, "maelstrom_cold_start_phase_seconds", "histogram",
                           "Phases of a container start: pull, create, start, health (first passing health check).");
        pull_.render(out, "maelstrom_cold_start_phase_seconds", "phase=\"pull\"");
        create_.render(out, "maelstrom_cold_start_phase_seconds", "phase=\"create\"");
        start_.render(out, "maelstrom_cold_start_phase_seconds", "phase=\"start\"");
        health_.render(out, "maelstrom_cold_start_phase_seconds", "phase=\"health\"");
    }
    if (!wakes_.empty()) {
        prometheus::header(out, "maelstrom_instance_wakes_total", "counter",
                           "Paused instances thawed because a request waited for them.");
        for (const auto& [component, w] : wakes_) {
            prometheus::sample(out, "maelstrom_instance_wakes_total", componentLabel(component), w->count);
        }
        prometheus::header(out, "maelstrom_instance_wake_seconds", "histogram",
                           "From the thaw request to the instance serving again.");
        for (const auto& [component, w] : wakes_) {
            w->latency.render(out, "maelstrom_instance_wake_seconds", componentLabel(component));
        }
    }
    if (!paused_.empty()) {
        prometheus::header(out, "maelstrom_paused_instances", "gauge", "Instances paused on this node now.");
        for (const auto& [component, count] : paused_) {
            prometheus::sample(out, "maelstrom_paused_instances", componentLabel(component),
                               static_cast<std::uint64_t>(count));
        }
    }
    return out;
}

} // namespace maelstrom::core
