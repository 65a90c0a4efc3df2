// clock.cpp — the system clock behind sdk::Clock.
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/clock.h>

namespace maelstrom::sdk {

Clock::~Clock() = default;

namespace {

class SystemClock final : public Clock {
public:
    std::chrono::steady_clock::time_point steadyNow() const override { return std::chrono::steady_clock::now(); }
    std::int64_t unixMillis() const override { return sdk::unixMillis(); }
};

} // namespace

const Clock& systemClock() noexcept {
    static const SystemClock clock;
    return clock;
}

} // namespace maelstrom::sdk
