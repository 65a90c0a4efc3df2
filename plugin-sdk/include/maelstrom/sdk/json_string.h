// json_string.h — maelstrom SDK: the one JSON string-literal writer of the project (standard library only).
// SPDX-License-Identifier: Apache-2.0
//
// Both styles repair invalid UTF-8 (see utf8.h) so the output is always valid JSON and valid UTF-8:
//   - Compact: the shortest literal; only '"', '\\' and control characters are escaped (\b \f \n \r \t by
//     name, the rest as \u00XX), invalid bytes become U+FFFD as UTF-8. The API's wire format.
//   - GoHtmlSafe: what Go's encoding/json writes by default, which Docker's JSON log lines and the reference's
//     log stream use: additionally '<', '>', '&' as \u003c \u003e \u0026, U+2028/U+2029 escaped, control
//     characters other than \n \r \t as \u00XX, and invalid bytes as the escape \ufffd.
//
// Thread-safety: pure functions.
#pragma once

#include <maelstrom/sdk/export.h>

#include <string>
#include <string_view>

namespace maelstrom::sdk {

enum class JsonStringStyle { Compact, GoHtmlSafe };

/// Appends `text` to `out` as a JSON string literal, quotes included.
MAELSTROM_SDK_API void appendJsonString(std::string& out, std::string_view text,
                                        JsonStringStyle style = JsonStringStyle::Compact);

} // namespace maelstrom::sdk
