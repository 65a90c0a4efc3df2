// time_zone.h — maelstrom SDK (private): IANA time zones read from the system's TZif files, answering the one
// question cron arithmetic asks ("what is the UTC offset at this instant, and over which span?") exactly as
// Go's time.Location does, so that CronSchedule fires when the original's Go scheduler would.
// SPDX-License-Identifier: Apache-2.0
//
// g++ 12 has no std::chrono::tzdb, hence this reader. What it keeps of a TZif file (RFC 8536): the v2+ 64-bit
// block (transition times, their type indices, each type's UTC offset and DST flag) and the POSIX TZ footer
// ("EST5EDT,M3.2.0,M11.1.0") that rules every instant after the last transition — Debian's "slim" files
// carry all future rules only there. Leap seconds, abbreviations and the std/wall flags are read past and
// ignored, as Go does. Lookups follow Go's Location.lookup (zoneinfo.go), including its choice of zone before
// the first transition and its [start, end) spans, which time.Date uses to resolve local times that a DST
// change skips or repeats. Zones are immutable once loaded; every function here is thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maelstrom::sdk::detail {

/// Go's alpha and omega: the beginning and end of time for zone spans.
inline constexpr std::int64_t kAlpha = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kOmega = std::numeric_limits<std::int64_t>::max();

/// What a lookup returns: the offset (seconds east of UTC) in effect at an instant, and the span [start, end)
/// of Unix seconds over which Go reports that same answer (only approximate far from a DST change when the
/// footer rule answers, as in Go — time.Date relies on the span only near a change).
struct ZoneOffset {
    std::int64_t offset = 0;
    std::int64_t start = kAlpha;
    std::int64_t end = kOmega;
};

/// A POSIX TZ string as a TZif footer holds it: "CET-1CEST,M3.5.0,M10.5.0/3", "<+0330>-3:30", "IST-5:30",
/// rules in the forms Mm.w.d, Jn (1..365, Feb 29 never counted) and n (0..365), each with an optional /time
/// (default 02:00, may be negative or beyond 24 h). Parsed once with Go's tzset rules (time/zoneinfo.go).
struct PosixTimeZone {
    enum class RuleKind { Julian, DayOfYear, MonthWeekDay };
    struct Rule {
        RuleKind kind = RuleKind::MonthWeekDay;
        int day = 0;  // Jn: 1..365; n: 0..365; Mm.w.d: d (0 = Sunday)
        int week = 0; // Mm.w.d: w (1..5, 5 = last)
        int month = 0;
        int time = 0; // seconds after local midnight
    };
    std::int64_t stdOffset = 0; // seconds east of UTC (the string's sign is the opposite)
    bool hasDst = false;
    std::int64_t dstOffset = 0;
    Rule start; // DST begins (given in standard time)
    Rule end;   // DST ends (given in daylight time)

    /// Nothing when Go's tzset would not accept `text` (the zone then keeps its last transition's offset).
    static std::optional<PosixTimeZone> parse(std::string_view text);
    /// Go's tzset for instant `sec`; `lastTransition` is the start reported when there is no DST.
    ZoneOffset lookup(std::int64_t lastTransition, std::int64_t sec) const;
};

class TimeZone {
public:
    /// UTC: no transitions, offset 0 for all time (Go's time.UTC; no file needed).
    static std::shared_ptr<const TimeZone> utc();
    /// Go's LoadLocationFromTZData; nullptr when `data` is not a well-formed TZif file.
    static std::shared_ptr<const TimeZone> fromTzif(std::string_view data);

    /// Go's Location.lookup for Unix second `sec`.
    ZoneOffset lookup(std::int64_t sec) const;

private:
    struct Type {
        std::int64_t offset = 0;
        bool isDst = false;
    };
    struct Transition {
        std::int64_t when = 0;
        std::uint8_t type = 0;
    };
    std::size_t firstZone() const;

    std::vector<Type> types_;             // empty: UTC
    std::vector<Transition> transitions_; // sorted by `when`; never empty when types_ is not
    std::optional<PosixTimeZone> footer_; // rules after the last transition
};

/// Go's time.LoadLocation(name), cached per name: "" and "UTC" are UTC, "Local" is localTimeZone(), any other
/// name is a file under /usr/share/zoneinfo (then Go's other system folders). UTC's aliases ("Etc/UTC", "GMT",
/// "Zulu"...) need no file. On failure returns nullptr and sets `error` to Go's reason: "invalid location name"
/// (a "..", or a leading slash), "unknown time zone <name>" (no such file, or a name no zone has: characters
/// other than letters, digits, '_', '-', '+', '/'), "malformed time zone information" (not a TZif file).
std::shared_ptr<const TimeZone> loadTimeZone(std::string_view name, std::string& error);

/// Go's time.Local: TZ unset → /etc/localtime; TZ="" → UTC; TZ=":Name" or "Name" → that zone (an absolute path
/// is read as a file); anything that does not load → UTC. Unlike Go it follows later changes of TZ (resolved
/// again, and cached, per distinct value of TZ), which tests use; a daemon never changes TZ once started.
std::shared_ptr<const TimeZone> localTimeZone();

// Proleptic Gregorian calendar arithmetic on 64-bit day counts (day 0 = 1970-01-01).

/// Days since 1970-01-01 of year-month-01 (`month` 1..12).
std::int64_t daysFromCivil(std::int64_t year, int month);

struct CivilTime {
    std::int64_t year = 1970;
    int month = 1; // 1..12
    int day = 1;   // 1..31
    int hour = 0;
    int minute = 0;
    int second = 0;
    int weekday = 4; // 0 = Sunday
    int yearDay = 0; // 0-based
};

/// The calendar fields of `localSeconds` (seconds since 1970-01-01 00:00 on the local wall clock).
CivilTime civilFromSeconds(std::int64_t localSeconds);

bool isLeapYear(std::int64_t year);
int daysInMonth(int month, std::int64_t year);

} // namespace maelstrom::sdk::detail
