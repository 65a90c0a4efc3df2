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

void LifecycleMetrics::recordColdStart(const std::string& component, std::chrono::nanoseconds pull,
                                       std::chrono::nanoseconds create, std::chrono::nanoseconds start,
                                       std::chrono::nanoseconds health) {
    pull_.observe(pull);
    create_.observe(create);
    start_.observe(start);
    health_.observe(health);
    std::lock_guard lock(mutex_);
    started_ = true;
    auto& slot = coldStarts_[component];
    if (!slot) {
        slot = std::make_unique<ColdStarts>();
    }
    ++slot->count;
    slot->duration.observe(pull + create + start + health);
}

void LifecycleMetrics::recordColdStartFailure(const std::string& component) {
    std::lock_guard lock(mutex_);
    auto& slot = coldStarts_[component];
    if (!slot) {
        slot = std::make_unique<ColdStarts>();
    }
    ++slot->failures;
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
    prometheus::header(out, "maelstrom_cold_start_phase_seconds", "histogram",
                       "Phases of a container start: pull, create, start, health (first passing health check).");
    if (started_) {
        pull_.render(out, "maelstrom_cold_start_phase_seconds", "phase=\"pull\"");
        create_.render(out, "maelstrom_cold_start_phase_seconds", "phase=\"create\"");
        start_.render(out, "maelstrom_cold_start_phase_seconds", "phase=\"start\"");
        health_.render(out, "maelstrom_cold_start_phase_seconds", "phase=\"health\"");
    }
    prometheus::header(out, "maelstrom_cold_starts_total", "counter",
                       "Containers started until their first passing health check (wakes not included).");
    for (const auto& [component, c] : coldStarts_) {
        prometheus::sample(out, "maelstrom_cold_starts_total", componentLabel(component), c->count);
    }
    prometheus::header(out, "maelstrom_cold_start_failures_total", "counter",
                       "Container starts that failed (pull, create, start or start health check).");
    for (const auto& [component, c] : coldStarts_) {
        prometheus::sample(out, "maelstrom_cold_start_failures_total", componentLabel(component), c->failures);
    }
    prometheus::header(out, "maelstrom_cold_start_seconds", "histogram",
                       "Whole container starts: pull, create, start and health together.");
    for (const auto& [component, c] : coldStarts_) {
        c->duration.render(out, "maelstrom_cold_start_seconds", componentLabel(component));
    }
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
    prometheus::header(out, "maelstrom_paused_instances", "gauge", "Instances paused on this node now.");
    for (const auto& [component, count] : paused_) {
        prometheus::sample(out, "maelstrom_paused_instances", componentLabel(component),
                           static_cast<std::uint64_t>(count));
    }
    return out;
}

} // namespace maelstrom::core
