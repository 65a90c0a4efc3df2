// humanize.cpp — the magnitudes table of go-humanize's RelTime.
#include "humanize.h"

#include <cstdio>
#include <limits>

namespace maelstrom::cli {

std::string relativeTime(std::int64_t thenMillis, std::int64_t nowMillis) {
    constexpr std::int64_t second = 1;
    constexpr std::int64_t minute = 60 * second;
    constexpr std::int64_t hour = 60 * minute;
    constexpr std::int64_t day = 24 * hour;
    constexpr std::int64_t week = 7 * day;
    constexpr std::int64_t month = 30 * day;
    constexpr std::int64_t year = 12 * month;
    constexpr std::int64_t longTime = 37 * year;
    struct Magnitude {
        std::int64_t below; // seconds
        const char* format; // %d is the count, %s the direction
        std::int64_t divide;
    };
    static const Magnitude table[] = {
        {second, "now", 1},
        {2 * second, "1 second %s", 1},
        {minute, "%lld seconds %s", second},
        {2 * minute, "1 minute %s", 1},
        {hour, "%lld minutes %s", minute},
        {2 * hour, "1 hour %s", 1},
        {day, "%lld hours %s", hour},
        {2 * day, "1 day %s", 1},
        {week, "%lld days %s", day},
        {2 * week, "1 week %s", 1},
        {month, "%lld weeks %s", week},
        {2 * month, "1 month %s", 1},
        {year, "%lld months %s", month},
        {18 * month, "1 year %s", 1},
        {2 * year, "2 years %s", 1},
        {longTime, "%lld years %s", year},
        {std::numeric_limits<std::int64_t>::max(), "a long while %s", 1},
    };
    const char* direction = "ago";
    std::int64_t diff = (nowMillis - thenMillis) / 1000;
    if (diff < 0) {
        direction = "from now";
        diff = -diff;
    }
    for (const auto& m : table) {
        if (diff < m.below) {
            char text[64];
            const std::string format = m.format;
            if (format.find("%lld") != std::string::npos) {
                std::snprintf(text, sizeof text, m.format, static_cast<long long>(diff / m.divide), direction);
            } else {
                std::snprintf(text, sizeof text, m.format, direction);
            }
            return text;
        }
    }
    return "a long while ago";
}

} // namespace maelstrom::cli
