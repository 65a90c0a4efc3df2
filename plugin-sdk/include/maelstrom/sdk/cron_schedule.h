// cron_schedule.h — maelstrom SDK: cron schedules as the original's scheduler reads them (robfig/cron v3.0.0,
// standard parser): parse one, check one, compute its next firing time. The one implementation behind
// `maelctl project put` (validation), `maelctl es ls --type=cron` (next firing) and the cron event-source
// plugin (firing), so the three can never disagree.
// SPDX-License-Identifier: Apache-2.0
//
// The language:
//   * an optional `CRON_TZ=<zone> ` or `TZ=<zone> ` prefix; the zone ends at the first space, which must exist.
//     <zone> is an IANA name read from /usr/share/zoneinfo (tzdata), or `UTC`, `Local` or empty (UTC). UTC and
//     its aliases (`Etc/UTC`, `GMT`...) need no file. Without a prefix the zone is `Local`: the TZ environment
//     variable when set (":Name", "Name" or an absolute path to a TZif file; one that does not load means UTC,
//     and TZ="" means UTC), else /etc/localtime, else UTC — Go's time.Local;
//   * then a descriptor: @yearly = @annually (0 0 1 1 *), @monthly (0 0 1 * *), @weekly (0 0 * * 0),
//     @daily = @midnight (0 0 * * *), @hourly (0 * * * *), or `@every <duration>` with a Go duration (`90s`,
//     `1h30m`, `1.5h`, `300ms`; units ns us µs ms s m h; a bare `0`; a sign). The interval is rounded down to
//     whole seconds, 1 s at least; it fires at the last whole second plus the interval (`@every 1.5s` and
//     `@every 300ms` both fire every second);
//   * or exactly 5 whitespace-separated fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12 or
//     JAN-DEC) day-of-week (0-6 or SUN-SAT, 0 = Sunday; 7 is not Sunday). A field is a comma list of `*`,
//     `?` (same as `*`), `N`, `N-M`, each with an optional `/step` (step >= 1; `N/step` means N..max, `*/step`
//     min..max). Names are case-insensitive. No seconds field: a schedule fires at second 0.
// Day rule (Vixie cron's): when day-of-month or day-of-week is unrestricted — an item `*` or `?` without a
// step above 1 (`*/1` still counts as unrestricted, `*/2` does not) — a day must match both; otherwise either.
// So `0 0 13 * 5` fires on every 13th and every Friday, `0 0 * * 5` on Fridays only.
// Quirks kept for parity: `*-5` reads as `*`; empty list items (`1,,2`) are ignored; `1-5/1` is restricted.
//
// Firing times follow robfig's SpecSchedule.Next in the schedule's zone, with Go's time arithmetic: from the
// next whole second, it moves month by month, day by day (calendar days), hour by hour (absolute hours) and
// minute by minute until every field matches. Consequences at DST changes: a wall time that a change skips
// does not fire that day (America/New_York `30 2 * * *` skips 2026-03-08), and one the change repeats fires
// twice (`30 1 * * *` fires at 01:30 EDT and again at 01:30 EST on 2026-11-01). When no firing exists within
// the next 5 calendar years (`0 0 30 2 *`), there is none.
//
// Zones are loaded once and cached. All functions are thread-safe; a CronSchedule is an immutable value.
#pragma once

#include <maelstrom/sdk/export.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace maelstrom::sdk {

namespace detail {
class TimeZone;
}

class MAELSTROM_SDK_API CronSchedule {
public:
    /// Parses `spec`. @throws std::invalid_argument with a one-line message, e.g. "minute field: end of range
    /// (60) above maximum (59): 0-60", "provided bad location Mars/Base: unknown time zone Mars/Base".
    static CronSchedule parse(std::string_view spec);

    /// Empty when `spec` is valid, else the message parse() would throw.
    static std::optional<std::string> check(std::string_view spec);

    /// The first firing strictly after `afterUnixMillis` (Unix milliseconds), or nothing when there is none
    /// within 5 years (e.g. "0 0 30 2 *"). Firings are on whole seconds.
    std::optional<std::int64_t> next(std::int64_t afterUnixMillis) const;

    /// The interval of an `@every` schedule in milliseconds (whole seconds, at least 1000); nothing otherwise.
    std::optional<std::int64_t> everyMillis() const;

    /// The schedule as given to parse().
    const std::string& spec() const { return spec_; }

    /// "Local" when the schedule has no zone prefix, else the zone as written ("Europe/Berlin", "UTC", "").
    const std::string& zoneName() const { return zoneName_; }

private:
    CronSchedule() = default;
    static std::optional<std::string> build(std::string_view spec, CronSchedule& out);
    std::optional<std::int64_t> nextSpec(std::int64_t afterUnixMillis) const;

    std::string spec_;
    std::string zoneName_;
    std::shared_ptr<const detail::TimeZone> zone_;
    std::optional<std::int64_t> everyMillis_;
    // One bit per allowed value, bit 63 set when the field was unrestricted (robfig's star bit).
    std::uint64_t minute_ = 0;
    std::uint64_t hour_ = 0;
    std::uint64_t dayOfMonth_ = 0;
    std::uint64_t month_ = 0;
    std::uint64_t dayOfWeek_ = 0;
};

} // namespace maelstrom::sdk
