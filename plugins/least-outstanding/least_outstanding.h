// least_outstanding.h — maelstrom plugin least-outstanding: a load balancer that sends each request to the
// offered candidate with the lowest load (in-flight requests relative to capacity); among equally loaded
// candidates, the one picked least recently (so equal load degrades to round-robin).
// SPDX-License-Identifier: Apache-2.0
//
// Load = inFlight / capacity, compared exactly by cross-multiplication. An instance with capacity 0
// (unlimited, a soft concurrency limit) counts as having the largest capacity among the candidates of that
// pick, or 1 when none has a cap — so a set of unlimited instances is compared by raw in-flight count, and an
// unlimited instance is never preferred over a capped one only because its cap is "infinite".
// Useful when request durations vary a lot: a slow instance accumulates in-flight requests and stops getting
// new ones, where round-robin would keep feeding it its share.
// Cost per pick: one hash lookup per candidate under a mutex; no allocation once every instance has been
// picked once.
#pragma once

#include "recency_table.h" // plugins/shared/load-balancing: least recently picked wins a tie

#include <maelstrom/sdk/load_balancer.h>

#include <mutex>

namespace maelstrom::plugins::least_outstanding {

/// Per-component picker. Thread-safe: every method takes mutex_.
class LeastOutstandingPicker final : public sdk::InstancePicker {
public:
    std::size_t pick(std::span<const sdk::Candidate> candidates) override;
    void forget(std::string_view instanceId) override;

    /// How many instances the picker keeps state for (tests: forget() must shrink it).
    std::size_t trackedInstances() const;

private:
    mutable std::mutex mutex_;
    load_balancing::RecencyTable recency_; ///< guarded by mutex_; the tie-breaker
};

/// The service object: a factory of pickers. Stateless, thread-safe.
class LeastOutstandingBalancer final : public sdk::LoadBalancer {
public:
    std::unique_ptr<sdk::InstancePicker> newPicker(const std::string& componentName) override;
};

} // namespace maelstrom::plugins::least_outstanding
