// text.h — maelstrom SDK: the one whitespace trimmer and ASCII lowercaser of the project (standard library only).
// SPDX-License-Identifier: Apache-2.0
//
// Whitespace is ASCII: space, tab, CR, LF, vertical tab and form feed (what isspace() takes in the C locale).
// Thread-safety: pure functions.
#pragma once

#include <maelstrom/sdk/export.h>

#include <string>
#include <string_view>

namespace maelstrom::sdk {

/// ASCII whitespace, as isspace() in the C locale.
inline constexpr std::string_view kAsciiSpace = " \t\r\n\v\f";

/// `text` without the ASCII whitespace at both ends (a view into `text`; empty when it is all whitespace).
MAELSTROM_SDK_API std::string_view trimSpace(std::string_view text) noexcept;

/// `text` with the ASCII letters A-Z lowercased; every other byte (UTF-8 included) as it was.
MAELSTROM_SDK_API std::string asciiLower(std::string_view text);

} // namespace maelstrom::sdk
