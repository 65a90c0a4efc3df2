// duration.cpp — Go's time.ParseDuration (see duration.h).
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/duration.h>

namespace maelstrom::sdk {

namespace {

__extension__ typedef unsigned __int128 u128; // sums are checked against 2^63 without overflowing themselves

constexpr u128 kLimit = u128{1} << 63;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::uint64_t unitNanoseconds(std::string_view unit) {
    if (unit == "ns")
        return 1;
    if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
        return 1000;
    if (unit == "ms")
        return 1000000;
    if (unit == "s")
        return 1000000000ULL;
    if (unit == "m")
        return 60ULL * 1000000000ULL;
    if (unit == "h")
        return 3600ULL * 1000000000ULL;
    return 0;
}

} // namespace

std::optional<std::int64_t> parseGoDuration(std::string_view s, bool* overflow) {
    const auto fail = [overflow](bool outOfRange) -> std::optional<std::int64_t> {
        if (overflow != nullptr)
            *overflow = outOfRange;
        return std::nullopt;
    };
    if (overflow != nullptr)
        *overflow = false;
    bool negative = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s == "0")
        return 0;
    if (s.empty())
        return fail(false);
    u128 total = 0;
    while (!s.empty()) {
        if (!(s.front() == '.' || isDigit(s.front())))
            return fail(false);
        u128 whole = 0;
        std::size_t i = 0;
        while (i < s.size() && isDigit(s[i])) {
            whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
            if (whole > kLimit)
                return fail(true);
            ++i;
        }
        const bool digitsBefore = i > 0;
        s.remove_prefix(i);
        bool digitsAfter = false;
        long double fraction = 0;
        long double scale = 1;
        if (!s.empty() && s.front() == '.') {
            s.remove_prefix(1);
            i = 0;
            while (i < s.size() && isDigit(s[i])) {
                if (scale < 1e30L) { // further digits cannot change a nanosecond count
                    fraction = fraction * 10 + (s[i] - '0');
                    scale *= 10;
                }
                ++i;
            }
            digitsAfter = i > 0;
            s.remove_prefix(i);
        }
        if (!digitsBefore && !digitsAfter)
            return fail(false);
        // The unit is the run up to the next number, looked up exactly (as Go reads it).
        i = 0;
        while (i < s.size() && !(s[i] == '.' || isDigit(s[i])))
            ++i;
        const std::uint64_t unit = unitNanoseconds(s.substr(0, i));
        if (unit == 0)
            return fail(false); // missing or unknown unit
        s.remove_prefix(i);
        if (whole > kLimit / unit)
            return fail(true);
        u128 value = whole * unit;
        if (fraction > 0) {
            value += static_cast<u128>(fraction * (static_cast<long double>(unit) / scale));
            if (value > kLimit)
                return fail(true);
        }
        total += value;
        if (total > kLimit)
            return fail(true);
    }
    if (negative)
        return total == kLimit ? INT64_MIN : -static_cast<std::int64_t>(total);
    if (total > kLimit - 1)
        return fail(true);
    return static_cast<std::int64_t>(total);
}

} // namespace maelstrom::sdk
