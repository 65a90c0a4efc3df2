// throttled_log.cpp — see throttled_log.h.
// SPDX-License-Identifier: Apache-2.0
#include "throttled_log.h"

namespace maelstrom::plugins::queue_pollers {

void ThrottledLog::warn(const std::string& key, const std::string& text) {
    const auto now = clock_.steadyNow();
    std::size_t suppressed = 0;
    {
        std::lock_guard lock(mutex_);
        const auto [it, inserted] = entries_.try_emplace(key);
        auto& entry = it->second;
        if (!inserted && now - entry.last < every_ && (repeats_ == Repeats::AnyText || entry.text == text)) {
            ++entry.suppressed;
            return;
        }
        suppressed = entry.suppressed;
        entry = Entry{.last = now,
                      .text = repeats_ == Repeats::SameText ? text : std::string(),
                      .suppressed = 0,
                      .announced = true};
    }
    logger_.warning(suppressed == 0 ? text : text + " (" + std::to_string(suppressed) + " more since the last report)");
}

void ThrottledLog::recovered(const std::string& keyPrefix, const std::string& text) {
    bool announced = false;
    {
        std::lock_guard lock(mutex_);
        for (auto it = entries_.lower_bound(keyPrefix);
             it != entries_.end() && it->first.compare(0, keyPrefix.size(), keyPrefix) == 0; ++it) {
            announced = announced || it->second.announced;
            it->second.announced = false;
        }
    }
    if (announced) {
        logger_.information(text);
    }
}

void ThrottledLog::clear(const std::string& key) {
    std::lock_guard lock(mutex_);
    entries_.erase(key);
}

} // namespace maelstrom::plugins::queue_pollers
