// clock.h — maelstrom SDK: the time the core and plugins read, behind an interface a test can replace.
// SPDX-License-Identifier: Apache-2.0
//
// Two clocks with two jobs: the steady clock measures intervals and deadlines (timeouts, idle periods, health
// check periods) and never jumps; Unix milliseconds are wall time, for what is stored, sent or shown
// (node status, start times, log timestamps). Code that decides on time takes a `const Clock&` so a unit test
// can drive it with a fake; code that only stamps a record may call unixMillis() directly. Code that waits for a
// time waits through Clock::waitUntil, so that a fake clock ends the wait when a test advances it.
#pragma once

#include <maelstrom/sdk/export.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stop_token>

namespace maelstrom::sdk {

/// Milliseconds since the Unix epoch, from the system clock.
inline std::int64_t unixMillis() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// The clock as a service. Implementations are thread-safe.
class MAELSTROM_SDK_API Clock {
public:
    virtual ~Clock();
    virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
    virtual std::int64_t unixMillis() const = 0;

    /// Waits on `cv` (with `lock` held, as std::condition_variable_any::wait_until does) until `ready()` is
    /// true, `stop` is requested or steadyNow() reaches `deadline`. `ready` runs with `lock` held. Blocking.
    /// The default waits on std::chrono::steady_clock, which is right for any clock whose steadyNow() is that
    /// clock; a clock with a time of its own (a test's fake) overrides it. @return ready() at the end.
    virtual bool waitUntil(std::condition_variable_any& cv, std::unique_lock<std::mutex>& lock, std::stop_token stop,
                           std::chrono::steady_clock::time_point deadline, const std::function<bool()>& ready) const {
        return cv.wait_until(lock, stop, deadline, ready);
    }
};

/// The real clocks (std::chrono::steady_clock and the system clock). Lives as long as the process.
MAELSTROM_SDK_API const Clock& systemClock() noexcept;

} // namespace maelstrom::sdk
