// duration.h — maelstrom SDK: Go's duration syntax ("90s", "1h30m", "1.5h", "-250ms"), which the original's
// settings, cron `@every` schedules and `maelctl logs --since` use.
// SPDX-License-Identifier: Apache-2.0
//
// Exactly Go's time.ParseDuration: an optional sign, then one or more decimal numbers (fraction allowed) each
// followed by a unit — ns, us (also µs in either Unicode spelling), ms, s, m, h; "0" alone needs no unit.
// The result is in nanoseconds and must fit an int64 (about ±292 years) as in Go. Pure; thread-safe.
#pragma once

#include <maelstrom/sdk/export.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace maelstrom::sdk {

/// The duration in nanoseconds, or nothing when `text` is not a Go duration. When `overflow` is given it is
/// set to whether the text was well formed but out of the int64 range (Go's "invalid duration" either way).
MAELSTROM_SDK_API std::optional<std::int64_t> parseGoDuration(std::string_view text, bool* overflow = nullptr);

} // namespace maelstrom::sdk
