// cron_schedule.h — checks a cron schedule the way the daemon's scheduler will read it, so `project put`
// rejects a bad one with the file and line instead of the server storing an event source that never fires.
// SPDX-License-Identifier: Apache-2.0
//
// The accepted language is that of the original's scheduler (robfig/cron v3, standard parser):
//   * an optional `CRON_TZ=<zone> ` or `TZ=<zone> ` prefix (the zone must be followed by a space);
//   * a descriptor: @yearly @annually @monthly @weekly @daily @midnight @hourly, or `@every <duration>` with a
//     Go duration (`90s`, `1h30m`, `1.5h`, `300ms`; units ns us µs ms s m h; a bare `0` is allowed);
//   * or exactly 5 whitespace-separated fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12 or
//     JAN-DEC) day-of-week (0-6 or SUN-SAT). A field is a comma list of `*`, `?`, `N`, `N-M`, each with an
//     optional `/step` (step >= 1; `N/step` means N..max). Names are case-insensitive. No seconds field.
// Quirks kept for parity (the daemon accepts them too): `*-5` is read as `*`; empty list items (`1,,2`) are
// ignored. Zone names are checked for shape; when /usr/share/zoneinfo exists the zone must exist there.
// Pure functions (apart from the zoneinfo lookup); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace maelstrom::cli {

/// Empty when `schedule` is valid, otherwise what is wrong (one line, e.g.
/// "minute field: end of range (60) above maximum (59): 0-60").
std::optional<std::string> checkCronSchedule(std::string_view schedule);

} // namespace maelstrom::cli
