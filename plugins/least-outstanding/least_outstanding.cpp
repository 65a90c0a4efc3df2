// least_outstanding.cpp — see least_outstanding.h.
// SPDX-License-Identifier: Apache-2.0
#include "least_outstanding.h"

#include <maelstrom/sdk/errors.h>

#include <algorithm>

namespace maelstrom::plugins::least_outstanding {

namespace {

// Bounds that keep inFlight × capacity inside int64 (2^31 × 2^31 = 2^62); real values are far smaller.
constexpr std::int64_t kMaxValue = std::int64_t{1} << 31;

std::int64_t clampInFlight(std::int64_t v) { return std::clamp<std::int64_t>(v, 0, kMaxValue); }

} // namespace

std::size_t LeastOutstandingPicker::pick(std::span<const sdk::Candidate> candidates) {
    if (candidates.empty()) {
        // The router never does this (contract); fail loudly rather than index an empty list.
        throw sdk::InvalidInput("least-outstanding: pick() called with no candidates");
    }
    // The capacity an unlimited (0) candidate is measured against: the largest cap offered, else 1.
    std::int64_t unlimitedAs = 1;
    for (const auto& c : candidates) {
        unlimitedAs = std::max(unlimitedAs, std::min(c.capacity, kMaxValue));
    }
    const auto capacityOf = [unlimitedAs](const sdk::Candidate& c) {
        return c.capacity > 0 ? std::min(c.capacity, kMaxValue) : unlimitedAs;
    };

    std::lock_guard lock(mutex_);
    std::size_t best = 0;
    std::int64_t bestInFlight = 0;
    std::int64_t bestCapacity = 1;
    std::uint64_t bestStamp = 0;
    auto bestEntry = recency_.end();
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const std::int64_t inFlight = clampInFlight(candidates[i].inFlight);
        const std::int64_t capacity = capacityOf(candidates[i]);
        const auto it = recency_.find(candidates[i].instanceId);
        const std::uint64_t stamp = recency_.stampOf(it); // never picked: 0, first in line
        bool better = i == 0;
        if (!better) {
            // inFlight/capacity < bestInFlight/bestCapacity, exactly
            const std::int64_t lhs = inFlight * bestCapacity;
            const std::int64_t rhs = bestInFlight * capacity;
            better = lhs < rhs || (lhs == rhs && stamp < bestStamp);
        }
        if (better) {
            best = i;
            bestInFlight = inFlight;
            bestCapacity = capacity;
            bestStamp = stamp;
            bestEntry = it;
        }
    }
    recency_.record(bestEntry, candidates[best].instanceId);
    return best;
}

void LeastOutstandingPicker::forget(std::string_view instanceId) {
    std::lock_guard lock(mutex_);
    recency_.forget(instanceId);
}

std::size_t LeastOutstandingPicker::trackedInstances() const {
    std::lock_guard lock(mutex_);
    return recency_.size();
}

std::unique_ptr<sdk::InstancePicker> LeastOutstandingBalancer::newPicker(const std::string& /*componentName*/) {
    return std::make_unique<LeastOutstandingPicker>();
}

} // namespace maelstrom::plugins::least_outstanding
