// activity.cpp — see activity.h.
// SPDX-License-Identifier: Apache-2.0
#include "routing/activity.h"

#include <algorithm>
#include <maelstrom/sdk/clock.h>

namespace maelstrom::core {

InstanceActivity::InstanceActivity(SteadyTime now) : windowStart_(now) {}

void InstanceActivity::roll(SteadyTime now) {
    if (now - windowStart_ < kActivityWindow) {
        return;
    }
    // Close the open window, then any empty ones after it; more than kActivityWindowCount empty windows
    // leave nothing of the old history, so jump ahead instead of looping over a long idle gap.
    const double windowSeconds = std::chrono::duration<double>(kActivityWindow).count();
    windows_.push_front(
        {totalRequests_ - requestsAtWindowStart_, std::chrono::duration<double>(durationSum_).count() / windowSeconds});
    requestsAtWindowStart_ = totalRequests_;
    durationSum_ = SteadyClock::duration{0};
    windowStart_ += kActivityWindow;
    const auto emptyWindows = (now - windowStart_) / kActivityWindow;
    const auto pushEmpty = std::min<std::int64_t>(emptyWindows, kActivityWindowCount);
    for (std::int64_t i = 0; i < pushEmpty; ++i) {
        windows_.push_front({});
    }
    windowStart_ += emptyWindows * kActivityWindow;
    while (windows_.size() > kActivityWindowCount) {
        windows_.pop_back();
    }
}

void InstanceActivity::recordCompletion(SteadyClock::duration duration, SteadyTime now) {
    roll(now);
    ++totalRequests_;
    if (duration > SteadyClock::duration{0}) {
        durationSum_ += duration;
    }
    lastRequest_ = now;
    lastRequestUnixMs_ = sdk::unixMillis();
}

std::vector<sdk::ComponentActivity> InstanceActivity::windows(SteadyTime now) {
    roll(now);
    return {windows_.begin(), windows_.end()};
}

} // namespace maelstrom::core
