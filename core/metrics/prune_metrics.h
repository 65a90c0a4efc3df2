// prune_metrics.h — metrics of the container runtime's prune timer on the private port's `/_mael/metrics`.
// SPDX-License-Identifier: Apache-2.0
//
// Names:
//   maelstrom_docker_prune_runs_total{outcome}  counter  prune runs of this node: ok (the runtime pruned), error (the
//                                                        role lock, the component list or the prune failed), skipped
//                                                        (another node on the same engine holds the prune role)
//   maelstrom_docker_pruned_total{kind}         counter  what this node's runs removed: container, image
// Both families appear once the timer runs (every label at 0 at first); nothing while pruning is off.
// Thread-safety: every method is thread-safe (lock-free counters).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace maelstrom::core {

enum class PruneOutcome { Ok, Error, Skipped };

class PruneMetrics {
public:
    /// From now on render() shows both families (the timer is running).
    void enable() noexcept { enabled_.store(true); }
    void recordRun(PruneOutcome outcome) noexcept;
    void recordPruned(std::uint64_t containers, std::uint64_t images) noexcept;

    std::uint64_t runs(PruneOutcome outcome) const noexcept;
    std::uint64_t prunedContainers() const noexcept { return containers_.load(); }
    std::uint64_t prunedImages() const noexcept { return images_.load(); }

    /// The exposition text; empty unless enable() was called.
    std::string render() const;

private:
    std::atomic<bool> enabled_{false};
    std::atomic<std::uint64_t> ok_{0};
    std::atomic<std::uint64_t> error_{0};
    std::atomic<std::uint64_t> skipped_{0};
    std::atomic<std::uint64_t> containers_{0};
    std::atomic<std::uint64_t> images_{0};
};

} // namespace maelstrom::core
