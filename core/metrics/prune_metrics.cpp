// prune_metrics.cpp — see prune_metrics.h.
// SPDX-License-Identifier: Apache-2.0
#include "metrics/prune_metrics.h"

#include "metrics/prometheus_text.h"

namespace maelstrom::core {

void PruneMetrics::recordRun(PruneOutcome outcome) noexcept {
    switch (outcome) {
    case PruneOutcome::Ok:
        ok_.fetch_add(1);
        break;
    case PruneOutcome::Error:
        error_.fetch_add(1);
        break;
    case PruneOutcome::Skipped:
        skipped_.fetch_add(1);
        break;
    }
}

void PruneMetrics::recordPruned(std::uint64_t containers, std::uint64_t images) noexcept {
    containers_.fetch_add(containers);
    images_.fetch_add(images);
}

std::uint64_t PruneMetrics::runs(PruneOutcome outcome) const noexcept {
    switch (outcome) {
    case PruneOutcome::Ok:
        return ok_.load();
    case PruneOutcome::Error:
        return error_.load();
    case PruneOutcome::Skipped:
        return skipped_.load();
    }
    return 0;
}

std::string PruneMetrics::render() const {
    std::string out;
    if (!enabled_.load()) {
        return out;
    }
    prometheus::header(out, "maelstrom_docker_prune_runs_total", "counter",
                       "Prune runs of the container runtime by this node, by outcome (skipped: another node on the "
                       "same engine holds the prune role).");
    prometheus::sample(out, "maelstrom_docker_prune_runs_total", "outcome=\"ok\"", ok_.load());
    prometheus::sample(out, "maelstrom_docker_prune_runs_total", "outcome=\"error\"", error_.load());
    prometheus::sample(out, "maelstrom_docker_prune_runs_total", "outcome=\"skipped\"", skipped_.load());
    prometheus::header(out, "maelstrom_docker_pruned_total", "counter",
                       "Stopped containers and images removed by this node's prune runs.");
    prometheus::sample(out, "maelstrom_docker_pruned_total", "kind=\"container\"", containers_.load());
    prometheus::sample(out, "maelstrom_docker_pruned_total", "kind=\"image\"", images_.load());
    return out;
}

} // namespace maelstrom::core
