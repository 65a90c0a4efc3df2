// json_value.cpp — see json_value.h.
// SPDX-License-Identifier: Apache-2.0
#include "codec/json_value.h"

#include <cmath>

namespace maelstrom::sdk::json::codec::detail {

Kind kindOf(const Var& v) {
    if (v.isEmpty()) {
        return Kind::Null;
    }
    const std::type_info& t = v.type();
    if (t == typeid(std::string))
        return Kind::String;
    if (t == typeid(Poco::Int64))
        return Kind::Int;
    if (t == typeid(double))
        return Kind::Float;
    if (t == typeid(bool))
        return Kind::Bool;
    if (t == typeid(Object::Ptr))
        return v.extract<Object::Ptr>().isNull() ? Kind::Null : Kind::Object;
    if (t == typeid(Array::Ptr))
        return v.extract<Array::Ptr>().isNull() ? Kind::Null : Kind::Array;
    if (t == typeid(Object))
        return Kind::Object;
    if (t == typeid(Array) || t == typeid(std::vector<Var>))
        return Kind::Array;
    if (t == typeid(Poco::UInt64))
        return Kind::UInt;
    if (v.isBoolean())
        return Kind::Bool;
    if (v.isInteger())
        return v.isSigned() ? Kind::Int : Kind::UInt;
    if (v.isNumeric())
        return Kind::Float;
    if (v.isString())
        return Kind::String;
    return Kind::Other;
}

const char* kindName(Kind kind) noexcept {
    switch (kind) {
    case Kind::Null:
        return "null";
    case Kind::Bool:
        return "bool";
    case Kind::String:
        return "string";
    case Kind::Int:
    case Kind::UInt:
    case Kind::Float:
        return "number";
    case Kind::Object:
        return "object";
    case Kind::Array:
        return "array";
    case Kind::Other:
        break;
    }
    return "unsupported value";
}

const Object* objectOf(const Var& v) {
    if (v.isEmpty()) {
        return nullptr;
    }
    const std::type_info& t = v.type();
    if (t == typeid(Object::Ptr))
        return v.extract<Object::Ptr>().get();
    if (t == typeid(Object))
        return &v.extract<Object>();
    return nullptr;
}

std::optional<std::span<const Var>> arrayOf(const Var& v) {
    if (v.isEmpty()) {
        return std::nullopt;
    }
    const std::type_info& t = v.type();
    if (t == typeid(Array::Ptr)) {
        const Array* a = v.extract<Array::Ptr>().get();
        if (a == nullptr)
            return std::nullopt;
        return std::span<const Var>(a->begin(), a->end());
    }
    if (t == typeid(Array)) {
        const Array& a = v.extract<Array>();
        return std::span<const Var>(a.begin(), a.end());
    }
    if (t == typeid(std::vector<Var>)) {
        const auto& a = v.extract<std::vector<Var>>();
        return std::span<const Var>(a.begin(), a.end());
    }
    return std::nullopt;
}

void appendDouble(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out.append("null");
        return;
    }
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, result.ptr);
}

std::string formatDouble(double value) {
    std::string s;
    appendDouble(s, value);
    return s;
}

} // namespace maelstrom::sdk::json::codec::detail
