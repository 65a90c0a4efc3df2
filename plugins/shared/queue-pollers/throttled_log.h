// throttled_log.h — warnings about failures that repeat, written at most once per key and period, the next one
// saying how many were left out.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/plugin.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace maelstrom::plugins::queue_pollers {

/// A warning of a key written less than a period ago (by the given clock) is left out and counted; the next one
/// written for that key ends with " (<n> more since the last report)". Thread-safe; lines are written outside the
/// lock.
class ThrottledLog {
public:
    /// Which warnings of a key count as repeats of the last one written.
    enum class Repeats {
        AnyText,  ///< every warning of the key (the key names the failure)
        SameText, ///< only one with the same text; a different text is written at once (the key names a place)
    };

    ThrottledLog(sdk::PluginLogger logger, const sdk::Clock& clock, std::chrono::milliseconds every,
                 Repeats repeats = Repeats::AnyText)
        : logger_(std::move(logger)), clock_(clock), every_(every), repeats_(repeats) {}

    /// Writes `text` as a warning unless it repeats a warning of `key` written less than a period ago.
    void warn(const std::string& key, const std::string& text);
    /// A failure ended: writes `text` as an information line if a warning of a key starting with `keyPrefix` was
    /// written since the last such call (a failure whose warnings were all left out ends silently too). The keys
    /// stay throttled, so a failure that comes and goes does not get a warning each time.
    void recovered(const std::string& keyPrefix, const std::string& text);
    /// A failure ended, quietly: the next warning of `key` is written whatever came before.
    void clear(const std::string& key);

private:
    struct Entry {
        std::chrono::steady_clock::time_point last{};
        std::string text; ///< of the last warning written, for Repeats::SameText
        std::size_t suppressed = 0;
        bool announced = false; ///< a warning was written and its recovery not yet
    };
    sdk::PluginLogger logger_;
    const sdk::Clock& clock_;
    const std::chrono::milliseconds every_;
    const Repeats repeats_;
    std::mutex mutex_;
    std::map<std::string, Entry> entries_; ///< guarded by mutex_
};

} // namespace maelstrom::plugins::queue_pollers
