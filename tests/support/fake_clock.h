// fake_clock.h — an sdk::Clock whose time moves only when a test advances it (header-only).
// SPDX-License-Identifier: Apache-2.0
//
// Contract:
//   - steadyNow() starts at kStart (a fixed point far from the steady clock's epoch, so "never" stamped as the
//     epoch is long ago) and unixMillis() at the value given to the constructor; advance() moves both by the
//     same amount. Time never moves by itself, so whatever the code under test decides on time is decided by
//     the test.
//   - waitUntil() returns when `ready()` holds, `stop` is requested, or the fake time reaches the deadline.
//     advance() wakes every thread waiting in it at once; besides, a waiter re-checks every kPoll of real time
//     (that covers an advance() racing the start of a wait, and stop requests nobody notifies).
//   - Only the time is fake: code that waits on std::chrono clocks directly (the router's deadlines) still
//     waits in real time, and steady times taken from std::chrono::steady_clock are not comparable with
//     steadyNow().
//   - Thread-safe. Must outlive every thread waiting in waitUntil().
#pragma once

#include <maelstrom/sdk/clock.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <stop_token>
#include <thread>

namespace maelstrom::testing {

class FakeClock final : public sdk::Clock {
public:
    using TimePoint = std::chrono::steady_clock::time_point;
    static constexpr TimePoint kStart = TimePoint{} + std::chrono::hours(24 * 365);
    /// Real time between two checks of a waiter.
    static constexpr std::chrono::milliseconds kPoll{2};

    explicit FakeClock(std::int64_t unixMillisAtStart = 1'700'000'000'000) : unixMillis_(unixMillisAtStart) {}

    TimePoint steadyNow() const override {
        std::lock_guard lock(mutex_);
        return now_;
    }
    std::int64_t unixMillis() const override {
        std::lock_guard lock(mutex_);
        return unixMillis_;
    }

    /// Moves both clocks forward by `by` (>= 0) and wakes the waiters.
    void advance(std::chrono::steady_clock::duration by) {
        std::lock_guard lock(mutex_);
        now_ += by;
        unixMillis_ += std::chrono::duration_cast<std::chrono::milliseconds>(by).count();
        for (auto* cv : waiting_) {
            cv->notify_all();
        }
    }

    /// Polls `done` every 5 ms of real time, for up to ~10 s, advancing the fake time by `step` before each poll
    /// (0: time stands still). For tests whose code under test runs on threads of its own. @return done().
    bool advanceUntil(const std::function<bool()>& done, std::chrono::steady_clock::duration step = {}) {
        for (int i = 0; i < 2000; ++i) {
            if (done()) {
                return true;
            }
            if (step > std::chrono::steady_clock::duration::zero()) {
                advance(step);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return done();
    }

    /// How long the fake time moved since construction.
    std::chrono::steady_clock::duration elapsed() const { return steadyNow() - kStart; }

    /// How many threads are in waitUntil() now.
    std::size_t waiters() const {
        std::lock_guard lock(mutex_);
        return waiting_.size();
    }

    bool waitUntil(std::condition_variable_any& cv, std::unique_lock<std::mutex>& lock, std::stop_token stop,
                   TimePoint deadline, const std::function<bool()>& ready) const override {
        const Registration registration(*this, cv);
        while (!ready()) {
            if (stop.stop_requested() || steadyNow() >= deadline) {
                return ready();
            }
            cv.wait_for(lock, kPoll); // ends early on the owner's notify or advance()
        }
        return true;
    }

private:
    /// Lists `cv` as waited on for the lifetime of the object.
    class Registration {
    public:
        Registration(const FakeClock& clock, std::condition_variable_any& cv) : clock_(clock) {
            std::lock_guard lock(clock_.mutex_);
            it_ = clock_.waiting_.insert(&cv);
        }
        ~Registration() {
            std::lock_guard lock(clock_.mutex_);
            clock_.waiting_.erase(it_);
        }
        Registration(const Registration&) = delete;
        Registration& operator=(const Registration&) = delete;

    private:
        const FakeClock& clock_;
        std::multiset<std::condition_variable_any*>::iterator it_;
    };

    mutable std::mutex mutex_;
    TimePoint now_ = kStart;                                      ///< guarded by mutex_
    std::int64_t unixMillis_;                                     ///< guarded
    mutable std::multiset<std::condition_variable_any*> waiting_; ///< guarded; one entry per waiting thread
};

} // namespace maelstrom::testing
