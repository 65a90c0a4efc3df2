// utf8.h — maelstrom SDK: the one UTF-8 decoder, validator and repairer of the project (standard library only).
// SPDX-License-Identifier: Apache-2.0
//
// Well-formed means RFC 3629: no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
// Repairing replaces every byte that does not start a well-formed sequence by U+FFFD, one per byte, as Go does,
// so text repaired here reads the same as text a Go client repaired.
//
// Thread-safety: pure functions.
#pragma once

#include <maelstrom/sdk/export.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace maelstrom::sdk::utf8 {

/// U+FFFD REPLACEMENT CHARACTER, encoded.
inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

/// One decoded sequence: `length` 0 when the bytes at the position do not start a well-formed sequence.
struct Sequence {
    std::size_t length = 0;
    std::uint32_t codePoint = 0;
};

/// The well-formed sequence that starts at s[i] (i < s.size()).
MAELSTROM_SDK_API Sequence decode(std::string_view s, std::size_t i) noexcept;

/// Offset of the first byte that is not part of well-formed UTF-8, or npos.
MAELSTROM_SDK_API std::size_t firstInvalid(std::string_view s) noexcept;

inline bool isValid(std::string_view s) noexcept { return firstInvalid(s) == std::string_view::npos; }

/// Appends `s` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD.
MAELSTROM_SDK_API void appendRepaired(std::string& out, std::string_view s);

/// Appends code point `cp` encoded; surrogates and values above U+10FFFF become U+FFFD.
MAELSTROM_SDK_API void appendCodePoint(std::string& out, std::uint32_t cp);

} // namespace maelstrom::sdk::utf8
