// interpolation.h — `${VAR}` substitution over the raw text of a project file.
// SPDX-License-Identifier: Apache-2.0
//
// Like the original maelctl, substitution runs over the WHOLE file text before YAML parsing (comments
// included), so substituted values are YAML source text. A token matches `\$?\$\{[^}]+\}`, scanned left to
// right without overlap:
//   `$${X}`          → the literal `${X}` (escape)
//   `${KEY}`         → the value of KEY, "" when unset
//   `${KEY:default}` → default only when KEY is unset (an empty value is kept)
//   `${KEY:-default}`→ default when KEY is unset or empty
// The key is everything before the first ':' (so `${A-b}` looks up a variable named "A-b"). `${}`, an
// unterminated `${`, a lone `$` and `$$name` are left untouched. Note that `[^}]` spans newlines, as in the
// original: `${A` ... `}` on a later line is one token.
//
// Because values may contain newlines, the result carries a map from each output line to the input line it
// came from, so errors found later (YAML syntax, types) can name the line of the file as written.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace maelstrom::cli {

struct InterpolatedText {
    std::string text;
    /// lineOrigin[i] = 1-based line of the input that output line i+1 comes from (size = output line count).
    std::vector<int> lineOrigin;

    /// The input line for a 1-based output line; out-of-range lines are clamped.
    int originalLine(int outputLine) const noexcept;
};

/// Substitutes every token of `input` from `env`. The output never exceeds `maxOutputBytes`: when it
/// would, std::length_error is thrown (the caller reports it with the file name).
InterpolatedText interpolate(std::string_view input, const std::map<std::string, std::string>& env,
                             std::size_t maxOutputBytes = static_cast<std::size_t>(-1));

} // namespace maelstrom::cli
