// log_format.h — maelstrom core: the pure parts of container logs: the `components`
// filter, Docker's `since` syntax turned into a time, and the wire line of `/_mael/logs`.
// SPDX-License-Identifier: Apache-2.0
//
// No I/O, no state beyond the objects themselves; every function is thread-safe.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace maelstrom::core {

/// The keep-alive line of the stream (sent once a second, without JSON).
inline constexpr const char* kLogPing = "PING";

/// The `components` parameter: a comma-separated list whose items are trimmed (empty ones dropped) and are an
/// exact name, `prefix*`, `*suffix`, `*contains*` or `*` (everything). An empty list means every component.
class ComponentFilter {
public:
    ComponentFilter() = default;
    explicit ComponentFilter(const std::string& list);

    /// False for an empty component name (a container without the label is never followed).
    bool matches(const std::string& component) const;
    bool matchesAll() const { return all_; }
    const std::vector<std::string>& items() const { return items_; }

private:
    std::vector<std::string> items_;
    bool all_ = true;
};

/// A `since` value that is none of the accepted forms; the message says which forms are.
class InvalidSince : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Docker's `since` (what the reference passed to the logs API), as Unix milliseconds (0 = from the beginning):
/// a Go duration before `nowMillis` (`10s`, `1h30m`, `1.5h`, `250ms`), a Unix timestamp (`1700000000`,
/// `1700000000.5`), or a date/time (`2024-01-02`, `2024-01-02T15:04:05`, with an optional fraction and `Z` or
/// `±hh:mm`; without a zone it is local time). `0` means the beginning. @throws InvalidSince.
std::int64_t parseSince(const std::string& value, std::int64_t nowMillis);

/// One message of the stream, without the trailing CRLF:
/// {"Component":..,"Stream":"stdout"|"stderr","Data":..,"Node":..} — `Node` is the id of the node that runs the
/// container, left out when `node` is empty (clients that do not know the field ignore it). Escaped as Go's
/// encoding/json does (<, >, & and U+2028/9 as \u escapes; invalid UTF-8 becomes U+FFFD), so the output is always
/// valid UTF-8 JSON.
std::string logMessageJson(std::string_view component, bool stderrStream, std::string_view data, std::string_view node);

} // namespace maelstrom::core
