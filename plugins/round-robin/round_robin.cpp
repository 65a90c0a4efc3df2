// round_robin.cpp — see round_robin.h.
// SPDX-License-Identifier: Apache-2.0
#include "round_robin.h"

#include <maelstrom/sdk/errors.h>

namespace maelstrom::plugins::round_robin {

std::size_t RoundRobinPicker::pick(std::span<const sdk::Candidate> candidates) {
    if (candidates.empty()) {
        // The router never does this (contract); fail loudly rather than index an empty list.
        throw sdk::InvalidInput("round-robin: pick() called with no candidates");
    }
    // A lone candidate is the answer, but its pick is still recorded: otherwise an instance picked alone many
    // times (its peers busy) would look "least recently picked" the moment its peers are offered again.
    std::lock_guard lock(mutex_);
    std::size_t best = 0;
    std::uint64_t bestStamp = UINT64_MAX;
    auto bestEntry = recency_.end();
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const auto it = recency_.find(candidates[i].instanceId);
        const std::uint64_t stamp = recency_.stampOf(it); // never picked: 0, first in line
        if (stamp < bestStamp) {                          // strict: among never-picked instances the first offered wins
            best = i;
            bestStamp = stamp;
            bestEntry = it;
            if (stamp == 0) {
                break; // nothing beats "never picked"
            }
        }
    }
    recency_.record(bestEntry, candidates[best].instanceId);
    return best;
}

void RoundRobinPicker::forget(std::string_view instanceId) {
    std::lock_guard lock(mutex_);
    recency_.forget(instanceId);
}

std::size_t RoundRobinPicker::trackedInstances() const {
    std::lock_guard lock(mutex_);
    return recency_.size();
}

std::unique_ptr<sdk::InstancePicker> RoundRobinBalancer::newPicker(const std::string& /*componentName*/) {
    return std::make_unique<RoundRobinPicker>();
}

} // namespace maelstrom::plugins::round_robin
