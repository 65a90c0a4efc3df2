// json_value.h — INTERNAL to libmaelstrom-sdk (not installed): what the codec's parser, writers and readers
// share: the kinds of a JSON value, the classification of a Poco Var, the parsed-text tree (JNode), and number
// formatting.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace maelstrom::sdk::json::codec::detail {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

enum class Kind { Null, Bool, String, Int, UInt, Float, Object, Array, Other };

/// The kind of `v`: Poco's own JSON types, std::vector<Var> (an array), and any Poco number, string or bool.
Kind kindOf(const Var& v);
/// "null", "bool", "string", "number", "object", "array" or "unsupported value", for error messages.
const char* kindName(Kind kind) noexcept;
/// The object `v` holds (as Object::Ptr or by value), or null.
const Object* objectOf(const Var& v);
/// The items of the array `v` holds (Array::Ptr, Array or std::vector<Var>), or nothing.
std::optional<std::span<const Var>> arrayOf(const Var& v);

template <class Int>
void appendInteger(std::string& out, Int value) {
    char buf[24];
    const auto result = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, result.ptr);
}

/// Shortest text that reads back as the same double; JSON has no NaN/Infinity, so those become null.
void appendDouble(std::string& out, double value);
std::string formatDouble(double value);

/// One value of a document parsed by TextParser. Strings point into the source text (or into the document's
/// store when they had escapes); an object's members are sorted by key (stable: among duplicates the last
/// one wins, as with Poco's map).
struct JNode {
    Kind kind = Kind::Null;
    union {
        bool boolean;
        std::int64_t integer;          // Kind::Int
        std::uint64_t unsignedInteger; // Kind::UInt: above INT64_MAX
        double number;                 // Kind::Float
    };
    std::string_view text;   // Kind::String
    std::string_view key;    // the member name, for a member of an object
    std::uint32_t first = 0; // Object/Array: children are the document's nodes [first, first + count)
    std::uint32_t count = 0;
    const JNode* children = nullptr; // set once parsing is done (the node vector no longer moves)

    JNode() : integer(0) {}
};

inline Kind kindOf(const JNode& n) noexcept { return n.kind; }

inline std::optional<std::span<const JNode>> arrayOf(const JNode& n) {
    if (n.kind != Kind::Array) {
        return std::nullopt;
    }
    return std::span<const JNode>(n.children, n.count);
}

} // namespace maelstrom::sdk::json::codec::detail
