// recency_table.h — load balancing: when each instance was last picked, the bookkeeping behind "least recently
// picked" (round-robin's rule, and least-outstanding's tie-break). Not thread-safe: the picker that owns it
// guards it with its own mutex. Header-only.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace maelstrom::plugins::load_balancing {

class RecencyTable {
    // Transparent hash so lookups by string_view do not build a std::string.
    struct IdHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
    };
    using Map = std::unordered_map<std::string, std::uint64_t, IdHash, std::equal_to<>>;

public:
    using Entry = Map::iterator;

    /// The entry of `id`, or end() when it was never picked.
    Entry find(std::string_view id) { return lastPicked_.find(id); }
    Entry end() { return lastPicked_.end(); }
    /// The clock value of an entry's last pick; 0 (first in line) for end().
    std::uint64_t stampOf(Entry entry) { return entry == lastPicked_.end() ? 0 : entry->second; }

    /// Records a pick of `id` (whose entry is `entry`, possibly end()). Allocates only on an instance's first pick.
    void record(Entry entry, std::string_view id) {
        const std::uint64_t now = ++clock_;
        if (entry != lastPicked_.end()) {
            entry->second = now;
        } else {
            lastPicked_.emplace(std::string(id), now);
        }
    }

    void forget(std::string_view id) {
        if (auto it = lastPicked_.find(id); it != lastPicked_.end()) {
            lastPicked_.erase(it);
        }
    }
    std::size_t size() const { return lastPicked_.size(); }

private:
    std::uint64_t clock_ = 0; ///< ticks once per pick (never wraps in practice)
    Map lastPicked_;          ///< instance id → clock_ value of its last pick (absent = never picked)
};

} // namespace maelstrom::plugins::load_balancing
