// humanize.h — maelctl: relative times as the original prints them (go-humanize: "now", "5 seconds ago",
// "3 minutes ago", "1 day ago", ...).
#pragma once

#include <cstdint>
#include <string>

namespace maelstrom::cli {

/// `thenMillis` relative to `nowMillis` (both Unix ms).
std::string relativeTime(std::int64_t thenMillis, std::int64_t nowMillis);

} // namespace maelstrom::cli
