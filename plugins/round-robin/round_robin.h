// round_robin.h — maelstrom plugin round-robin: the default load balancer. Each pick returns the offered
// candidate that was picked least recently (never-picked instances first, in offered order).
// SPDX-License-Identifier: Apache-2.0
//
// Why "least recently picked" rather than a cursor: the router offers only the instances that have a free
// slot right now, so the candidate set and its order change between calls. A cursor over a changing list
// skips or repeats instances; remembering when each instance was last picked does not:
//   * when every instance is offered every time (in any order), the picks are an exact rotation;
//   * while two instances are both offered, neither is picked twice before the other is picked once, so an
//     instance that is free is never starved — it waits at most (number of instances − 1) picks.
// Cost per pick: one hash lookup per candidate under a mutex, no allocation once every instance has been
// picked once (the first pick of an instance stores its id).
#pragma once

#include "recency_table.h"

#include <maelstrom/sdk/load_balancer.h>

#include <mutex>

namespace maelstrom::plugins::round_robin {

/// Per-component picker. Thread-safe: every method takes mutex_.
class RoundRobinPicker final : public sdk::InstancePicker {
public:
    std::size_t pick(std::span<const sdk::Candidate> candidates) override;
    void forget(std::string_view instanceId) override;

    /// How many instances the picker keeps state for (tests: forget() must shrink it).
    std::size_t trackedInstances() const;

private:
    mutable std::mutex mutex_;
    load_balancing::RecencyTable recency_; ///< guarded by mutex_
};

/// The service object: a factory of pickers. Stateless, thread-safe.
class RoundRobinBalancer final : public sdk::LoadBalancer {
public:
    std::unique_ptr<sdk::InstancePicker> newPicker(const std::string& componentName) override;
};

} // namespace maelstrom::plugins::round_robin
