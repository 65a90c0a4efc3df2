// log_format.cpp — see log_format.h.
// SPDX-License-Identifier: Apache-2.0
#include "logs/log_format.h"

#include <maelstrom/sdk/duration.h>
#include <maelstrom/sdk/json_string.h>
#include <maelstrom/sdk/text.h>

#include <cctype>
#include <cmath>
#include <ctime>
#include <optional>

namespace maelstrom::core {
namespace {

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool endsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Docker's Unix timestamp form: seconds[.fraction].
std::optional<long double> parseUnixSeconds(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    const auto dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    const std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    if (whole.empty() || whole.size() > 12 || (dot != std::string_view::npos && (frac.empty() || frac.size() > 9))) {
        return std::nullopt;
    }
    long double value = 0;
    for (char c : whole) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    long double scale = 0.1L;
    for (char c : frac) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
        value += (c - '0') * scale;
        scale /= 10;
    }
    return value;
}

// Reads exactly n digits at s[pos].
std::optional<int> digitsAt(std::string_view s, std::size_t& pos, std::size_t n) {
    if (pos + n > s.size())
        return std::nullopt;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
        v = v * 10 + (c - '0');
    }
    pos += n;
    return v;
}

// YYYY-MM-DD[THH[:MM[:SS[.frac]]]][Z|±HH:MM] → Unix milliseconds (local time without a zone).
std::optional<std::int64_t> parseDateTime(std::string_view s) {
    std::size_t pos = 0;
    std::tm tm{};
    auto year = digitsAt(s, pos, 4);
    if (!year || pos >= s.size() || s[pos++] != '-')
        return std::nullopt;
    auto month = digitsAt(s, pos, 2);
    if (!month || pos >= s.size() || s[pos++] != '-')
        return std::nullopt;
    auto day = digitsAt(s, pos, 2);
    if (!day || *month < 1 || *month > 12 || *day < 1 || *day > 31)
        return std::nullopt;
    tm.tm_year = *year - 1900;
    tm.tm_mon = *month - 1;
    tm.tm_mday = *day;
    std::int64_t fracMillis = 0;
    if (pos < s.size() && s[pos] == 'T') {
        ++pos;
        auto hour = digitsAt(s, pos, 2);
        if (!hour || *hour > 23)
            return std::nullopt;
        tm.tm_hour = *hour;
        if (pos < s.size() && s[pos] == ':') {
            ++pos;
            auto minute = digitsAt(s, pos, 2);
            if (!minute || *minute > 59)
                return std::nullopt;
            tm.tm_min = *minute;
            if (pos < s.size() && s[pos] == ':') {
                ++pos;
                auto second = digitsAt(s, pos, 2);
                if (!second || *second > 60)
                    return std::nullopt;
                tm.tm_sec = *second;
                if (pos < s.size() && s[pos] == '.') {
                    ++pos;
                    std::size_t n = 0;
                    long double frac = 0, scale = 0.1L;
                    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
                        frac += (s[pos] - '0') * scale;
                        scale /= 10;
                        ++pos;
                        ++n;
                    }
                    if (n == 0 || n > 9)
                        return std::nullopt;
                    fracMillis = static_cast<std::int64_t>(frac * 1000);
                }
            }
        }
    }
    std::optional<std::int64_t> offsetSeconds;
    if (pos < s.size()) {
        if (s[pos] == 'Z' || s[pos] == 'z') {
            ++pos;
            offsetSeconds = 0;
        } else if (s[pos] == '+' || s[pos] == '-') {
            const int sign = s[pos] == '-' ? -1 : 1;
            ++pos;
            auto oh = digitsAt(s, pos, 2);
            if (!oh || pos >= s.size() || s[pos++] != ':')
                return std::nullopt;
            auto om = digitsAt(s, pos, 2);
            if (!om || *oh > 23 || *om > 59)
                return std::nullopt;
            offsetSeconds = sign * (*oh * 3600 + *om * 60);
        } else {
            return std::nullopt;
        }
    }
    if (pos != s.size())
        return std::nullopt;
    std::int64_t seconds;
    if (offsetSeconds) {
        seconds = static_cast<std::int64_t>(timegm(&tm)) - *offsetSeconds;
    } else {
        tm.tm_isdst = -1;
        seconds = static_cast<std::int64_t>(std::mktime(&tm));
    }
    return seconds * 1000 + fracMillis;
}

} // namespace

ComponentFilter::ComponentFilter(const std::string& list) {
    std::size_t start = 0;
    while (start <= list.size()) {
        const auto comma = list.find(',', start);
        const std::string item(sdk::trimSpace(
            std::string_view(list).substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (item == "*") {
            all_ = true;
            items_.clear();
            return;
        }
        if (!item.empty()) {
            items_.push_back(item);
        }
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    all_ = items_.empty();
}

bool ComponentFilter::matches(const std::string& component) const {
    if (component.empty()) {
        return false;
    }
    if (all_) {
        return true;
    }
    for (const auto& k : items_) {
        if (k.size() > 2 && k.front() == '*' && k.back() == '*') {
            if (component.find(k.substr(1, k.size() - 2)) != std::string::npos)
                return true;
        } else if (k.front() == '*') {
            if (endsWith(component, std::string_view(k).substr(1)))
                return true;
        } else if (k.back() == '*') {
            if (startsWith(component, std::string_view(k).substr(0, k.size() - 1)))
                return true;
        } else if (k == component) {
            return true;
        }
    }
    return false;
}

std::int64_t parseSince(const std::string& raw, std::int64_t nowMillis) {
    const std::string value(sdk::trimSpace(raw));
    const auto invalid = [&](const std::string& why) {
        return InvalidSince("invalid since '" + raw + "': " + why +
                            " (use a duration such as 30s, 10m or 2h, a Unix timestamp, or a time such as "
                            "2024-01-02T15:04:05Z)");
    };
    if (value.empty()) {
        throw invalid("empty");
    }
    // "0" is not a duration here: Docker reads it as the timestamp 0.
    bool overflow = false;
    if (auto ns = value == "0" ? std::nullopt : sdk::parseGoDuration(value, &overflow)) {
        const std::int64_t millis = nowMillis - *ns / 1000000;
        return millis > 0 ? millis : 0;
    }
    if (overflow) {
        throw invalid("duration out of range");
    }
    if (auto seconds = parseUnixSeconds(value)) {
        return static_cast<std::int64_t>(*seconds * 1000);
    }
    if (auto millis = parseDateTime(value)) {
        return *millis > 0 ? *millis : 0;
    }
    throw invalid("not a duration, Unix timestamp or date/time");
}

std::string logMessageJson(std::string_view component, bool stderrStream, std::string_view data,
                           std::string_view node) {
    std::string out;
    out.reserve(data.size() + component.size() + node.size() + 60);
    out += "{\"Component\":";
    sdk::appendJsonString(out, component, sdk::JsonStringStyle::GoHtmlSafe);
    out += stderrStream ? ",\"Stream\":\"stderr\",\"Data\":" : ",\"Stream\":\"stdout\",\"Data\":";
    sdk::appendJsonString(out, data, sdk::JsonStringStyle::GoHtmlSafe);
    if (!node.empty()) {
        out += ",\"Node\":";
        sdk::appendJsonString(out, node, sdk::JsonStringStyle::GoHtmlSafe);
    }
    out += '}';
    return out;
}

} // namespace maelstrom::core
