// activity.cpp — see activity.h.
// SPDX-License-Identifier: Apache-2.0
#include "routing/activity.h"

#include <algorithm>
#include <maelstrom/sdk/clock.h>

namespace maelstrom::core {

namespace {

/// Slots per kRecentConcurrencyWindow and slots kept (the peak window plus the one still open).
constexpr std::size_t kSlotsPerRecentWindow = kRecentConcurrencyWindow / kConcurrencySlot;
constexpr std::size_t kSlotsKept = kPeakConcurrencyWindow / kConcurrencySlot + 1;

double seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

} // namespace

InstanceActivity::InstanceActivity(SteadyTime now)
    : windowStart_(now), created_(now), integratedUntil_(now), slotStart_(now), busySlots_(1, 0.0) {}

void InstanceActivity::advance(SteadyTime now) {
    if (now <= integratedUntil_) {
        return;
    }
    const double inFlight = static_cast<double>(inFlight_);
    auto slotEnd = slotStart_ + kConcurrencySlot;
    if (now >= slotEnd) {
        busySlots_.front() += inFlight * seconds(slotEnd - integratedUntil_);
        // Whole slots between the open one and `now` all saw the same count; beyond kSlotsKept they would be
        // dropped again, so a long quiet stretch costs no more than the history it replaces.
        const auto whole = static_cast<std::size_t>((now - slotEnd) / kConcurrencySlot);
        const double full = inFlight * seconds(kConcurrencySlot);
        for (std::size_t i = 0; i < std::min(whole, kSlotsKept); ++i) {
            busySlots_.push_front(full);
        }
        slotStart_ = slotEnd + static_cast<std::int64_t>(whole) * kConcurrencySlot;
        busySlots_.push_front(0.0);
        while (busySlots_.size() > kSlotsKept) {
            busySlots_.pop_back();
        }
        integratedUntil_ = slotStart_;
    }
    busySlots_.front() += inFlight * seconds(now - integratedUntil_);
    integratedUntil_ = now;
}

void InstanceActivity::setInFlight(std::int64_t inFlight, SteadyTime now) {
    advance(now);
    inFlight_ = std::max<std::int64_t>(0, inFlight);
}

double InstanceActivity::recentConcurrency(SteadyTime now) {
    // Callers read their clock before taking the lock, so `now` may lie a little behind a time already
    // integrated; measuring up to that earlier time would divide the busy time seen so far by too short a span.
    now = std::max(now, integratedUntil_);
    advance(now);
    // The open slot plus the full slots before it, up to kRecentConcurrencyWindow of time.
    double busy = 0;
    const std::size_t slots = std::min(busySlots_.size(), kSlotsPerRecentWindow + 1);
    for (std::size_t i = 0; i < slots; ++i) {
        busy += busySlots_[i];
    }
    const SteadyClock::duration covered = (now - slotStart_) + static_cast<std::int64_t>(slots - 1) * kConcurrencySlot;
    const auto span = std::min<SteadyClock::duration>(covered, now - created_);
    if (span <= SteadyClock::duration{0}) {
        return static_cast<double>(inFlight_);
    }
    // The oldest slot may reach back past the window: count it only in proportion to the span asked for.
    const auto window = std::min<SteadyClock::duration>(span, kRecentConcurrencyWindow);
    if (covered > window && slots > 1) {
        busy -= busySlots_[slots - 1] * seconds(covered - window) / seconds(kConcurrencySlot);
    }
    return std::max(0.0, busy / seconds(window));
}

double InstanceActivity::peakConcurrency(SteadyTime now) {
    double peak = recentConcurrency(now);
    // Sliding sums over kSlotsPerRecentWindow full slots (index 0 is the open slot, left to recentConcurrency).
    double sum = 0;
    for (std::size_t i = 1; i < busySlots_.size(); ++i) {
        sum += busySlots_[i];
        if (i > kSlotsPerRecentWindow) {
            sum -= busySlots_[i - kSlotsPerRecentWindow];
        }
        if (i >= kSlotsPerRecentWindow) {
            peak = std::max(peak, sum / seconds(kRecentConcurrencyWindow));
        }
    }
    return peak;
}

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
