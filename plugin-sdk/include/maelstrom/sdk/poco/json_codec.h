// json_codec.h — maelstrom SDK, optional Poco layer: the JSON codec of the model types over Poco::Dynamic::Var,
// for code that already speaks Poco JSON (an RPC transport, the core, maelctl).
// SPDX-License-Identifier: Apache-2.0
//
// Public and installed, but outside the core SDK: json.h speaks text and keeps Poco out of the interface every
// plugin sees; this header needs Poco (JSON, Foundation) and is linked as MaelstromSDK::codec (the functions
// live in libmaelstrom-sdk; the target adds Poco to the consumer). The jsonrpc-http transport is built on it
// exactly as an out-of-tree transport would be. Typical use in an RPC layer, which holds parsed documents and
// builds responses as Poco objects:
//
//   Var doc = codec::parse(body);                               // text → Var, UTF-8 repaired, depth-limited
//   codec::ObjectReader in(params[0], "param[0]");              // an RPC input struct that is not a model type
//   Component c;
//   codec::fromVar(in.require("component"), c, in.childPath("component"));
//   out->set("component", codec::toVar(c));                     // model → Var without going through text
//   std::string body = codec::stringify(response);              // Var → valid UTF-8 JSON text
//
// Wire format (see json.h): required fields always written, optional
// fields omitted at their zero value, required arrays written as [], optional sub-structs omitted when absent.
// Decoding: required = present and non-null; null = absent for optional fields; no type coercion; ints must be
// integral and within int64; enums checked; unknown keys ignored. Every violation throws
// maelstrom::sdk::JsonError(path, message) where path is built from the caller's root name
// ("component.docker.httpPort", "project.components[2].component.name"); syntax errors have path "".
//
// Vars produced here: objects are Poco::JSON::Object::Ptr, arrays Poco::JSON::Array::Ptr, strings std::string,
// ints Poco::Int64, floats double, bools bool, null an empty Var. fromVar/ObjectReader also accept Object/Array
// held by value, std::vector<Var> as an array, and any Poco integer/float type as a number.
//
// Use codec::stringify, not Poco's Stringifier: Poco 1.11 copies invalid UTF-8 bytes into its output verbatim.
// codec::stringify writes non-ASCII raw, escapes control characters as \u00XX (or \n, \t ...), replaces invalid
// UTF-8 bytes with U+FFFD, writes non-finite floats as null (the model encoders write them as 0), and writes an
// object's members in Poco's map order (sorted by key). json::toJson writes the declaration order of the
// struct instead (the reference's order) — same JSON value, different key order.
//
// Thread-safety: every function is reentrant and keeps no state; a Var must not be mutated while it is read.
#pragma once

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/export.h>
#include <maelstrom/sdk/json_string.h>
#include <maelstrom/sdk/model.h>
#include <maelstrom/sdk/model_types.h>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace maelstrom::sdk::json::codec {

/// Nesting limit of parse() by default: deeper documents are rejected (the model nests 5 levels at most).
inline constexpr int kDefaultMaxDepth = 64;

/// Parses one JSON document (RFC 8259, any value including a top-level scalar) with the codec's own strict
/// parser (faster than Poco's, and json::fromJson decodes from its tree without building Poco objects).
/// Invalid UTF-8 bytes are replaced with U+FFFD first, and so is a lone surrogate in a \u escape (both as
/// Go's encoding/json does); more than `maxDepth` nested arrays/objects are rejected (the limit is clamped to
/// 1..256). Integers that fit are Int64 (UInt64 up to 2^64-1), other numbers double; a number beyond the
/// double range is an error. Duplicate keys: the last one wins. Messages end with "at offset <byte>".
/// @throws JsonError("", "Unable to parse JSON: <reason> at offset <n>")
MAELSTROM_SDK_API Poco::Dynamic::Var parse(std::string_view text, int maxDepth = kDefaultMaxDepth);

/// Compact JSON text of `value` (see the header comment for the rules). Appends to `out`.
/// @throws JsonError("", ...) for a value that has no JSON form or nests deeper than 512 levels.
MAELSTROM_SDK_API void stringifyTo(std::string& out, const Poco::Dynamic::Var& value);
MAELSTROM_SDK_API std::string stringify(const Poco::Dynamic::Var& value);

/// For every model type T (model_types.h):
///   Poco::Dynamic::Var toVar(const T& value);        model → Var (an Object::Ptr), omissions as json::toJson
///   void writeJson(std::string& out, const T& value); model → compact JSON text appended to `out` (what
///                                                     json::toJson returns), written directly without a Var
///   void fromVar(const Poco::Dynamic::Var& value, T& out, const std::string& path);
///                                                     Var → model; `path` names `value` in error messages
///                                                     ("param[0].component"). On error `out` is unchanged
///                                                     (strong guarantee); on success it is replaced entirely
///                                                     (fields absent from the JSON get their zero value).
///                                                     @throws JsonError
#define MAELSTROM_SDK_DECLARE_CODEC(T, rootName)                                                                       \
    MAELSTROM_SDK_API Poco::Dynamic::Var toVar(const T& value);                                                        \
    MAELSTROM_SDK_API void writeJson(std::string& out, const T& value);                                                \
    MAELSTROM_SDK_API void fromVar(const Poco::Dynamic::Var& value, T& out, const std::string& path);
MAELSTROM_SDK_MODEL_TYPES(MAELSTROM_SDK_DECLARE_CODEC)
#undef MAELSTROM_SDK_DECLARE_CODEC

/// A list of model values (or strings) → Var holding an Array::Ptr; always an array, [] when empty.
template <class T>
Poco::Dynamic::Var toVarArray(const std::vector<T>& items) {
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array();
    for (const auto& item : items) {
        if constexpr (std::is_same_v<T, std::string>) {
            array->add(item);
        } else {
            array->add(toVar(item));
        }
    }
    return array;
}

/// Writes one JSON object member by member, straight to text (the RPC input and output structs that are not
/// model types). Required members are always written; the optional* ones are left out at their zero value,
/// as the reference's omitempty does.
class ObjectWriter {
public:
    ObjectWriter& string(const char* key, std::string_view value) {
        this->key(key);
        appendJsonString(out_, value);
        return *this;
    }
    ObjectWriter& optionalString(const char* key, std::string_view value) {
        return value.empty() ? *this : string(key, value);
    }
    ObjectWriter& integer(const char* key, std::int64_t value) {
        this->key(key);
        out_ += std::to_string(value);
        return *this;
    }
    ObjectWriter& boolean(const char* key, bool value) {
        this->key(key);
        out_ += value ? "true" : "false";
        return *this;
    }
    ObjectWriter& optionalBool(const char* key, bool value) { return value ? boolean(key, true) : *this; }
    /// A member whose value is JSON text already.
    ObjectWriter& raw(const char* key, std::string_view json) {
        this->key(key);
        out_ += json;
        return *this;
    }
    template <class T>
    ObjectWriter& model(const char* key, const T& value) {
        this->key(key);
        writeJson(out_, value);
        return *this;
    }
    /// A list of model values or strings; always an array ([] when empty).
    template <class T>
    ObjectWriter& list(const char* key, const std::vector<T>& items) {
        this->key(key);
        out_ += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) {
                out_ += ',';
            }
            if constexpr (std::is_same_v<T, std::string>) {
                appendJsonString(out_, items[i]);
            } else {
                writeJson(out_, items[i]);
            }
        }
        out_ += ']';
        return *this;
    }
    /// The object's text (the writer can go on being used: this is a snapshot).
    std::string text() const { return out_ + "}"; }

private:
    void key(const char* name) {
        if (out_.size() > 1) {
            out_ += ',';
        }
        appendJsonString(out_, name);
        out_ += ':';
    }
    std::string out_ = "{";
};

/// Reads the members of one JSON object with the decoders' rules, for structs that are not model types (the
/// RPC input structs: PutComponentInput, ListComponentsInput...). Holds pointers into `value`, which must
/// outlive the reader. Getters of optional members return the zero value when the member is absent or null;
/// `required` members that are absent or null throw JsonError(childPath(key), "is required").
class MAELSTROM_SDK_API ObjectReader {
public:
    /// @throws JsonError(path, "expected object, got <type>")
    ObjectReader(const Poco::Dynamic::Var& value, std::string path);

    const std::string& path() const noexcept { return path_; }
    /// path() + "." + key ("key" alone when path() is empty).
    std::string childPath(std::string_view key) const;

    /// The member, or nullptr when it is absent or null.
    const Poco::Dynamic::Var* find(std::string_view key) const noexcept;
    /// The member; throws "is required" when it is absent or null.
    const Poco::Dynamic::Var& require(std::string_view key) const;

    std::string getString(std::string_view key, bool required = false) const;
    std::int64_t getInt(std::string_view key, bool required = false) const;
    double getFloat(std::string_view key, bool required = false) const;
    bool getBool(std::string_view key, bool required = false) const;
    std::vector<std::string> getStringList(std::string_view key, bool required = false) const;
    /// A string that must be one of `values` when present ("" is rejected too).
    std::string getEnum(std::string_view key, std::span<const char* const> values, bool required = false) const;

    /// Decodes a model-typed member with fromVar; returns false (leaving `out` alone) when absent or null.
    template <class T>
    bool getObject(std::string_view key, T& out, bool required = false) const {
        const Poco::Dynamic::Var* v = required ? &require(key) : find(key);
        if (v == nullptr) {
            return false;
        }
        fromVar(*v, out, childPath(key));
        return true;
    }

private:
    std::string path_;
    std::vector<std::pair<std::string_view, const Poco::Dynamic::Var*>> members_; // sorted by key
};

} // namespace maelstrom::sdk::json::codec
