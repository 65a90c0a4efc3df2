// stringify.cpp — codec::stringify: any Poco Var (objects, arrays, DynamicStruct, numbers, strings, dates...)
// as compact, valid UTF-8 JSON text, with the codec's string and number rules.
// SPDX-License-Identifier: Apache-2.0
#include "codec/json_value.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/json_string.h>
#include <maelstrom/sdk/poco/json_codec.h>

#include <Poco/Dynamic/Struct.h>
#include <Poco/Exception.h>

namespace maelstrom::sdk::json::codec {

namespace {

using namespace detail;

constexpr int kMaxStringifyDepth = 512;

void stringifyValue(std::string& out, const Var& v, int depth);

template <class It>
void stringifyMembers(std::string& out, It begin, It end, int depth) {
    out.push_back('{');
    for (It it = begin; it != end; ++it) {
        if (it != begin)
            out.push_back(',');
        appendJsonString(out, it->first);
        out.push_back(':');
        stringifyValue(out, it->second, depth + 1);
    }
    out.push_back('}');
}

void stringifyValue(std::string& out, const Var& v, int depth) {
    if (depth > kMaxStringifyDepth) {
        throw JsonError("", "cannot write JSON: value nested deeper than " + std::to_string(kMaxStringifyDepth) +
                                " levels");
    }
    if (v.isEmpty()) {
        out.append("null");
        return;
    }
    const std::type_info& t = v.type();
    if (t == typeid(std::string)) {
        appendJsonString(out, v.extract<std::string>());
    } else if (t == typeid(Poco::Int64)) {
        appendInteger(out, v.extract<Poco::Int64>());
    } else if (t == typeid(double)) {
        appendDouble(out, v.extract<double>());
    } else if (t == typeid(bool)) {
        out.append(v.extract<bool>() ? "true" : "false");
    } else if (const Object* object = objectOf(v)) {
        stringifyMembers(out, object->begin(), object->end(), depth);
    } else if (const auto items = arrayOf(v)) {
        out.push_back('[');
        for (std::size_t i = 0; i < items->size(); ++i) {
            if (i)
                out.push_back(',');
            stringifyValue(out, (*items)[i], depth + 1);
        }
        out.push_back(']');
    } else if (t == typeid(Poco::DynamicStruct)) {
        const auto& s = v.extract<Poco::DynamicStruct>();
        stringifyMembers(out, s.begin(), s.end(), depth);
    } else if (t == typeid(Poco::OrderedDynamicStruct)) {
        const auto& s = v.extract<Poco::OrderedDynamicStruct>();
        stringifyMembers(out, s.begin(), s.end(), depth);
    } else {
        switch (kindOf(v)) {
        case Kind::Null:
            out.append("null");
            break; // a null Object::Ptr / Array::Ptr
        case Kind::Bool:
            out.append(v.convert<bool>() ? "true" : "false");
            break;
        case Kind::Int:
            appendInteger(out, v.convert<Poco::Int64>());
            break;
        case Kind::UInt:
            appendInteger(out, v.convert<Poco::UInt64>());
            break;
        case Kind::Float:
            appendDouble(out, v.convert<double>());
            break;
        default: {
            std::string text;
            try {
                text = v.convert<std::string>(); // dates, UUIDs...: their text form, as Poco would write them
            } catch (const Poco::Exception&) {
                throw JsonError("",
                                std::string("cannot write JSON: a value of type ") + t.name() + " has no JSON form");
            }
            appendJsonString(out, text);
        }
        }
    }
}

} // namespace

void stringifyTo(std::string& out, const Poco::Dynamic::Var& value) { stringifyValue(out, value, 0); }

std::string stringify(const Poco::Dynamic::Var& value) {
    std::string out;
    stringifyValue(out, value, 0);
    return out;
}

} // namespace maelstrom::sdk::json::codec
