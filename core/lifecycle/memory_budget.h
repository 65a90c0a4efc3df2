// memory_budget.h — the memory this node may reserve for containers (MAEL_TOTAL_MEMORY, or the runtime's
// total) and what the running ones reserve (each component's reserveMemoryMiB, 128 when unset). A start
// that does not fit is refused (as in the original, placement accounts reservations, not free memory).
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: every method is thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <mutex>

namespace maelstrom::core {

class MemoryBudget {
public:
    /// `totalMiB` <= 0: unlimited.
    explicit MemoryBudget(std::int64_t totalMiB) : totalMiB_(totalMiB) {}

    /// Reserves `mib` when it fits. @return whether it was reserved.
    bool reserve(std::int64_t mib) {
        std::lock_guard lock(mutex_);
        if (totalMiB_ > 0 && reservedMiB_ + mib > totalMiB_) {
            return false;
        }
        reservedMiB_ += mib;
        return true;
    }
    void release(std::int64_t mib) {
        std::lock_guard lock(mutex_);
        reservedMiB_ = reservedMiB_ > mib ? reservedMiB_ - mib : 0;
    }
    std::int64_t totalMiB() const { return totalMiB_; }
    std::int64_t reservedMiB() const {
        std::lock_guard lock(mutex_);
        return reservedMiB_;
    }

private:
    const std::int64_t totalMiB_;
    mutable std::mutex mutex_;
    std::int64_t reservedMiB_ = 0; ///< guarded by mutex_
};

} // namespace maelstrom::core
