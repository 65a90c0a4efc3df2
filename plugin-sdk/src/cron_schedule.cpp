// cron_schedule.cpp — robfig/cron v3.0.0's standard parser and schedules (see cron_schedule.h). Parse errors
// are robfig's texts, prefixed with the field that is wrong so that a user can find it; firing times follow
// SpecSchedule.Next and ConstantDelaySchedule.Next, with Go's time.Date/AddDate/Add/Truncate reproduced on
// top of time_zone.h, because those are what decide where a schedule fires around DST changes.
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/cron_schedule.h>

#include "time_zone.h"

#include <maelstrom/sdk/duration.h>

#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace maelstrom::sdk {

namespace {

using detail::CivilTime;
using detail::TimeZone;

constexpr std::uint64_t kStarBit = std::uint64_t{1} << 63;

struct FieldRange {
    const char* label;
    std::uint64_t min;
    std::uint64_t max;
    const std::array<std::string_view, 12>* names; // index + min = value; nullptr when none
    std::size_t nameCount;
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr FieldRange kMinute{"minute", 0, 59, nullptr, 0};
constexpr FieldRange kHour{"hour", 0, 23, nullptr, 0};
constexpr FieldRange kDayOfMonth{"day-of-month", 1, 31, nullptr, 0};
constexpr FieldRange kMonth{"month", 1, 12, &kMonthNames, 12};
constexpr FieldRange kDayOfWeek{"day-of-week", 0, 6, &kDayNames, 7};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<std::string_view> splitFields(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && isSpace(s[i]))
            ++i;
        const std::size_t start = i;
        while (i < s.size() && !isSpace(s[i]))
            ++i;
        if (i > start)
            out.push_back(s.substr(start, i - start));
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const auto at = s.find(sep, start);
        out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos)
            return out;
        start = at + 1;
    }
}

std::string str(std::string_view s) { return std::string(s); }

// strconv.Atoi semantics (optional sign, decimal digits, int64 range), then robfig's "not negative".
std::optional<std::uint64_t> parseNonNegative(std::string_view expr, std::string& error) {
    std::string_view digits = expr;
    bool negative = false;
    if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        value > (negative ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1)) {
        error = "failed to parse int from " + str(expr);
        return std::nullopt;
    }
    if (negative && value != 0) {
        error = "negative number (-" + std::to_string(value) + ") not allowed: " + str(expr);
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint64_t> parseIntOrName(std::string_view expr, const FieldRange& range, std::string& error) {
    if (range.names != nullptr) {
        std::string lower;
        for (char c : expr)
            lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        for (std::size_t i = 0; i < range.nameCount; ++i)
            if ((*range.names)[i] == lower)
                return range.min + i;
    }
    return parseNonNegative(expr, error);
}

// robfig's getRange: the bits of one list item, plus the star bit for `*`/`?` without a step above 1.
std::optional<std::uint64_t> parseRange(std::string_view expr, const FieldRange& range, std::string& error) {
    const auto rangeAndStep = split(expr, '/');
    const auto lowAndHigh = split(rangeAndStep[0], '-');
    const bool single = lowAndHigh.size() == 1;
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::uint64_t extra = 0;
    if (lowAndHigh[0] == "*" || lowAndHigh[0] == "?") {
        start = range.min; // quirk kept: "*-5" reads as "*"
        end = range.max;
        extra = kStarBit;
    } else {
        const auto low = parseIntOrName(lowAndHigh[0], range, error);
        if (!low)
            return std::nullopt;
        start = end = *low;
        if (lowAndHigh.size() == 2) {
            const auto high = parseIntOrName(lowAndHigh[1], range, error);
            if (!high)
                return std::nullopt;
            end = *high;
        } else if (lowAndHigh.size() > 2) {
            error = "too many hyphens: " + str(expr);
            return std::nullopt;
        }
    }
    std::uint64_t step = 1;
    if (rangeAndStep.size() == 2) {
        const auto parsed = parseNonNegative(rangeAndStep[1], error);
        if (!parsed)
            return std::nullopt;
        step = *parsed;
        if (single)
            end = range.max; // "N/step" means "N-max/step"
        if (step > 1)
            extra = 0; // "*/2" restricts the field
    } else if (rangeAndStep.size() > 2) {
        error = "too many slashes: " + str(expr);
        return std::nullopt;
    }
    if (start < range.min) {
        error = "beginning of range (" + std::to_string(start) + ") below minimum (" + std::to_string(range.min) +
                "): " + str(expr);
        return std::nullopt;
    }
    if (end > range.max) {
        error = "end of range (" + std::to_string(end) + ") above maximum (" + std::to_string(range.max) +
                "): " + str(expr);
        return std::nullopt;
    }
    if (start > end) {
        error = "beginning of range (" + std::to_string(start) + ") beyond end of range (" + std::to_string(end) +
                "): " + str(expr);
        return std::nullopt;
    }
    if (step == 0) {
        error = "step of range should be a positive number: " + str(expr);
        return std::nullopt;
    }
    std::uint64_t bits = 0;
    for (std::uint64_t i = start; i <= end; i += step) // end <= 59 and step < 2^63: no overflow
        bits |= std::uint64_t{1} << i;
    return bits | extra;
}

std::optional<std::uint64_t> parseField(std::string_view field, const FieldRange& range, std::string& error) {
    std::uint64_t bits = 0;
    for (const auto item : split(field, ',')) {
        if (item.empty())
            continue; // strings.FieldsFunc drops empty items
        const auto itemBits = parseRange(item, range, error);
        if (!itemBits) {
            error.insert(0, std::string(range.label) + " field: ");
            return std::nullopt;
        }
        bits |= *itemBits;
    }
    return bits;
}

constexpr std::uint64_t bitsOf(std::uint64_t min, std::uint64_t max) {
    std::uint64_t bits = 0;
    for (std::uint64_t i = min; i <= max; ++i)
        bits |= std::uint64_t{1} << i;
    return bits;
}
constexpr std::uint64_t kAllHours = bitsOf(0, 23) | kStarBit;
constexpr std::uint64_t kAllDays = bitsOf(1, 31) | kStarBit;
constexpr std::uint64_t kAllMonths = bitsOf(1, 12) | kStarBit;
constexpr std::uint64_t kAllWeekdays = bitsOf(0, 6) | kStarBit;

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// A Go time.Time in one zone, reduced to whole Unix seconds (SpecSchedule never leaves whole seconds once it
// has moved to the next one). Each operation is the Go function of the same name.
class ZonedTime {
public:
    ZonedTime(const TimeZone& zone, std::int64_t unixSeconds) : zone_(&zone) { set(unixSeconds); }

    std::int64_t unix() const { return unix_; }
    const CivilTime& fields() const { return fields_; }

    /// time.Date(year, month, day, hour, min, sec, 0, zone): fields may overflow (month 13, day 32) and carry;
    /// a wall time that the zone skips or repeats resolves as Go resolves it — the offset in force at the wall
    /// time read as UTC, unless that instant lies outside the offset's span, then the offset at the result.
    void date(std::int64_t year, std::int64_t month, std::int64_t day, std::int64_t hour, std::int64_t minute,
              std::int64_t second) {
        const std::int64_t month0 = month - 1;
        year += floorDiv(month0, 12);
        month = month0 - floorDiv(month0, 12) * 12 + 1;
        std::int64_t unix = (detail::daysFromCivil(year, static_cast<int>(month)) + day - 1) * 86400 + hour * 3600 +
                            minute * 60 + second;
        const auto found = zone_->lookup(unix);
        std::int64_t offset = found.offset;
        if (offset != 0) {
            const std::int64_t utc = unix - offset;
            if (utc < found.start || utc >= found.end)
                offset = zone_->lookup(utc).offset;
            unix -= offset;
        }
        set(unix);
    }
    /// t.AddDate(0, months, days): the same wall clock that many calendar months/days later, via time.Date.
    void addDate(std::int64_t months, std::int64_t days) {
        const CivilTime f = fields_;
        date(f.year, f.month + months, f.day + days, f.hour, f.minute, f.second);
    }
    /// t.Add(seconds): absolute time.
    void add(std::int64_t seconds) { set(unix_ + seconds); }
    /// t.Truncate(time.Minute): down to a multiple of a minute since Go's zero time, i.e. in absolute time
    /// (the zero time, 0001-01-01 UTC, is a whole number of minutes before the Unix epoch).
    void truncateToMinute() { set(floorDiv(unix_, 60) * 60); }

private:
    void set(std::int64_t unix) {
        unix_ = unix;
        fields_ = detail::civilFromSeconds(unix + zone_->lookup(unix).offset);
    }

    const TimeZone* zone_;
    std::int64_t unix_ = 0;
    CivilTime fields_;
};

bool has(std::uint64_t bits, int value) { return (bits >> value) & 1u; }

} // namespace

std::optional<std::string> CronSchedule::build(std::string_view spec, CronSchedule& out) {
    out.spec_ = std::string(spec);
    if (spec.empty())
        return std::string("empty spec string");
    out.zoneName_ = "Local";
    if (spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=")) {
        const auto space = spec.find(' ');
        if (space == std::string_view::npos) // robfig panics on this one (slice bounds); we refuse it
            return "time zone prefix must be followed by a space and a schedule: " + str(spec);
        const auto eq = spec.find('=');
        out.zoneName_ = str(spec.substr(eq + 1, space - eq - 1));
        std::string error;
        out.zone_ = detail::loadTimeZone(out.zoneName_, error);
        if (!out.zone_)
            return "provided bad location " + out.zoneName_ + ": " + error;
        spec = spec.substr(space);
        while (!spec.empty() && isSpace(spec.front()))
            spec.remove_prefix(1);
        while (!spec.empty() && isSpace(spec.back()))
            spec.remove_suffix(1);
    } else {
        out.zone_ = detail::localTimeZone();
    }

    if (spec.starts_with("@")) {
        out.minute_ = 1;
        out.hour_ = 1;
        out.dayOfMonth_ = kAllDays;
        out.month_ = kAllMonths;
        out.dayOfWeek_ = kAllWeekdays;
        if (spec == "@yearly" || spec == "@annually") {
            out.dayOfMonth_ = std::uint64_t{1} << 1;
            out.month_ = std::uint64_t{1} << 1;
        } else if (spec == "@monthly") {
            out.dayOfMonth_ = std::uint64_t{1} << 1;
        } else if (spec == "@weekly") {
            out.dayOfWeek_ = 1;
        } else if (spec == "@daily" || spec == "@midnight") {
        } else if (spec == "@hourly") {
            out.hour_ = kAllHours;
        } else if (constexpr std::string_view kEvery = "@every "; spec.starts_with(kEvery)) {
            const auto duration = parseGoDuration(spec.substr(kEvery.size()));
            if (!duration)
                return "failed to parse duration " + str(spec) + ": invalid duration \"" +
                       str(spec.substr(kEvery.size())) + "\" (Go syntax such as 90s, 1h30m, 1.5h)";
            // cron.Every: at least a second, and whole seconds.
            constexpr std::int64_t kSecond = 1000000000;
            const std::int64_t delay = *duration < kSecond ? kSecond : *duration;
            out.everyMillis_ = (delay - delay % kSecond) / 1000000;
        } else {
            return "unrecognized descriptor: " + str(spec);
        }
        return std::nullopt;
    }

    const auto fields = splitFields(spec);
    if (fields.size() != 5)
        return "expected exactly 5 fields, found " + std::to_string(fields.size()) + ": " + str(spec);
    std::string error;
    const std::array<std::pair<const FieldRange*, std::uint64_t*>, 5> targets = {{
        {&kMinute, &out.minute_},
        {&kHour, &out.hour_},
        {&kDayOfMonth, &out.dayOfMonth_},
        {&kMonth, &out.month_},
        {&kDayOfWeek, &out.dayOfWeek_},
    }};
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto bits = parseField(fields[i], *targets[i].first, error);
        if (!bits)
            return error;
        *targets[i].second = *bits;
    }
    return std::nullopt;
}

CronSchedule CronSchedule::parse(std::string_view spec) {
    CronSchedule schedule;
    if (auto error = build(spec, schedule))
        throw std::invalid_argument(*error);
    return schedule;
}

std::optional<std::string> CronSchedule::check(std::string_view spec) {
    CronSchedule schedule;
    return build(spec, schedule);
}

std::optional<std::int64_t> CronSchedule::everyMillis() const { return everyMillis_; }

std::optional<std::int64_t> CronSchedule::next(std::int64_t afterUnixMillis) const {
    if (everyMillis_) {
        // ConstantDelaySchedule.Next: t + delay - t.Nanosecond(), i.e. from the whole second at or before t.
        std::int64_t result = 0;
        if (__builtin_add_overflow(floorDiv(afterUnixMillis, 1000) * 1000, *everyMillis_, &result))
            return std::nullopt;
        return result;
    }
    return nextSpec(afterUnixMillis);
}

// SpecSchedule.Next, loop for loop. Each loop steps one field forward until it matches; the first time any
// field has to move, the smaller fields are reset to their start (`added`). A field wrapping to its first
// value restarts from the month, since a wrap can invalidate the larger fields (WRAP). The seconds field of a
// standard schedule only holds 0.
std::optional<std::int64_t> CronSchedule::nextSpec(std::int64_t afterUnixMillis) const {
    ZonedTime t(*zone_, floorDiv(afterUnixMillis, 1000) + 1); // the next whole second
    bool added = false;
    const std::int64_t yearLimit = t.fields().year + 5;
    // Go's loops always end (within the 5-year limit); this cap guards against a zone file whose transitions
    // could make Go loop forever, far above the few thousand steps the worst real schedule takes.
    long steps = 0;
    constexpr long kMaxSteps = 10000000;
    const auto tooMany = [&steps] { return ++steps > kMaxSteps; };

wrap:
    if (t.fields().year > yearLimit || tooMany())
        return std::nullopt;

    while (!has(month_, t.fields().month)) {
        if (!added) {
            added = true;
            t.date(t.fields().year, t.fields().month, 1, 0, 0, 0);
        }
        t.addDate(1, 0);
        if (t.fields().month == 1)
            goto wrap;
        if (tooMany())
            return std::nullopt;
    }

    while (true) {
        // dayMatches: with a star in either day field both must match, else either.
        const bool domMatch = has(dayOfMonth_, t.fields().day);
        const bool dowMatch = has(dayOfWeek_, t.fields().weekday);
        const bool star = ((dayOfMonth_ | dayOfWeek_) & kStarBit) != 0;
        if (star ? (domMatch && dowMatch) : (domMatch || dowMatch))
            break;
        if (!added) {
            added = true;
            t.date(t.fields().year, t.fields().month, t.fields().day, 0, 0, 0);
        }
        t.addDate(0, 1);
        // Where DST made midnight not exist, the day starts at another hour: robfig moves to the nearest
        // midnight (forward from 13:00 or later, else backward).
        if (const int hour = t.fields().hour; hour != 0)
            t.add(hour > 12 ? (24 - hour) * 3600 : -hour * 3600);
        if (t.fields().day == 1)
            goto wrap;
        if (tooMany())
            return std::nullopt;
    }

    while (!has(hour_, t.fields().hour)) {
        if (!added) {
            added = true;
            t.date(t.fields().year, t.fields().month, t.fields().day, t.fields().hour, 0, 0);
        }
        t.add(3600);
        if (t.fields().hour == 0)
            goto wrap;
        if (tooMany())
            return std::nullopt;
    }

    while (!has(minute_, t.fields().minute)) {
        if (!added) {
            added = true;
            t.truncateToMinute();
        }
        t.add(60);
        if (t.fields().minute == 0)
            goto wrap;
        if (tooMany())
            return std::nullopt;
    }

    while (t.fields().second != 0) {
        added = true; // Truncate(time.Second) is a no-op on whole seconds
        t.add(1);
        if (t.fields().second == 0)
            goto wrap;
    }

    std::int64_t millis = 0;
    if (__builtin_mul_overflow(t.unix(), 1000, &millis))
        return std::nullopt;
    return millis;
}

} // namespace maelstrom::sdk
