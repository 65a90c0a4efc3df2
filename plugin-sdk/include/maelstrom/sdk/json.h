// json.h — maelstrom SDK: JSON codec of the model types (the original maelstrom's wire format).
// SPDX-License-Identifier: Apache-2.0
//
// Encoding: every required field is always written; optional fields are left out when they hold their zero
// value (as the reference does), except that required arrays are written as [] — never null. Output is
// valid UTF-8 JSON (non-ASCII is written raw, control characters as \u00XX).
//
// Decoding follows the reference's RPC type rules with our improvement that null means absent:
//   - a required field that is absent or null is an error;
//   - strings must be JSON strings, bools JSON bools (no coercion);
//   - ints must be integral numbers (3 and 3.0 are fine, 3.5 is not); floats accept any number;
//   - enums (startParallelism, RestartOrder, ComponentInfo.status) must be one of their values when present;
//   - unknown keys are ignored.
// Errors throw JsonError whose path() names the offending field ("component.docker.httpPort") and whose
// message says what is wrong; a syntax error has path() == "" and the parser's message.
#pragma once

#include <maelstrom/sdk/export.h>
#include <maelstrom/sdk/model.h>
#include <maelstrom/sdk/model_types.h>

#include <string>
#include <string_view>

namespace maelstrom::sdk::json {

/// For every model type T (model_types.h):
///   std::string toJson(const T& value);
///   void fromJson(std::string_view text, T& out, const std::string& path = "<the type's root name>");
/// toJson returns compact JSON text. fromJson decodes `text` into `out`; `path` names the top-level value in
/// error messages. On error `out` is unchanged. @throws JsonError
#define MAELSTROM_SDK_DECLARE_JSON(T, rootName)                                                                        \
    MAELSTROM_SDK_API std::string toJson(const T& value);                                                              \
    MAELSTROM_SDK_API void fromJson(std::string_view text, T& out, const std::string& path = rootName);
MAELSTROM_SDK_MODEL_TYPES(MAELSTROM_SDK_DECLARE_JSON)
#undef MAELSTROM_SDK_DECLARE_JSON

/// Convenience: `auto c = json::decode<Component>(text);`
template <class T>
T decode(std::string_view text) {
    T value{};
    fromJson(text, value);
    return value;
}

} // namespace maelstrom::sdk::json
