// settings.cpp — validation of a plugin's settings against its declared table, and typed access.
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/settings.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string_view>

namespace maelstrom::sdk {

const char* settingTypeName(SettingType type) noexcept {
    switch (type) {
    case SettingType::String:
        return "string";
    case SettingType::Int:
        return "int";
    case SettingType::Bool:
        return "bool";
    case SettingType::Double:
        return "double";
    case SettingType::StringList:
        return "list";
    }
    return "unknown";
}

std::int64_t parseInt(const std::string& setting, const std::string& text) {
    // The reference's strconv.ParseInt(s, 0, 64): an optional sign, then 0x / 0o / 0b or a leading 0 (octal)
    // as the base prefix, then digits only. std::from_chars, unlike strtoll, takes no spaces and no locale.
    if (text.empty()) {
        throw InvalidConfig(setting, "setting '" + setting + "': empty value, expected an integer");
    }
    std::string_view s = text;
    const bool negative = s.front() == '-';
    if (s.front() == '-' || s.front() == '+') {
        s.remove_prefix(1);
    }
    int base = 10;
    if (s.size() > 1 && s[0] == '0') {
        switch (s[1]) {
        case 'x':
        case 'X':
            base = 16;
            s.remove_prefix(2);
            break;
        case 'o':
        case 'O':
            base = 8;
            s.remove_prefix(2);
            break;
        case 'b':
        case 'B':
            base = 2;
            s.remove_prefix(2);
            break;
        default:
            base = 8;
            s.remove_prefix(1);
            break;
        }
    }
    std::uint64_t magnitude = 0;
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
    if (s.empty() || (error != std::errc() && error != std::errc::result_out_of_range) || end != s.data() + s.size()) {
        throw InvalidConfig(setting, "setting '" + setting + "': not an integer: '" + text + "'");
    }
    const std::uint64_t limit = std::uint64_t(std::numeric_limits<std::int64_t>::max()) + (negative ? 1 : 0);
    if (error == std::errc::result_out_of_range || magnitude > limit) {
        throw InvalidConfig(setting, "setting '" + setting + "': integer out of range: '" + text + "'");
    }
    return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

bool parseBool(const std::string& setting, const std::string& text) {
    // Go's ParseBool values plus yes/no and on/off (YAML 1.1 habits), in any letter case.
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static const std::set<std::string> yes = {"1", "t", "true", "yes", "on"};
    static const std::set<std::string> no = {"0", "f", "false", "no", "off"};
    if (yes.count(lower)) {
        return true;
    }
    if (no.count(lower)) {
        return false;
    }
    throw InvalidConfig(setting, "setting '" + setting + "': not a boolean: '" + text + "' (use true or false)");
}

double parseDouble(const std::string& setting, const std::string& text) {
    // std::from_chars: the same text gives the same number whatever the process locale (strtod would read
    // "0,5" under a comma-decimal locale and reject "0.5"). A leading '+' is allowed; inf and nan are not.
    std::string_view s = text;
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
    }
    double value = 0;
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || error != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
        throw InvalidConfig(setting, "setting '" + setting + "': not a number: '" + text + "'");
    }
    return value;
}

namespace {

/// "a, b,c" → {"a", "b", "c"}: items are trimmed, empty items dropped ("" is the empty list).
std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(',', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        std::string item = text.substr(start, end - start);
        const std::size_t first = item.find_first_not_of(" \t");
        if (first != std::string::npos) {
            out.push_back(item.substr(first, item.find_last_not_of(" \t") - first + 1));
        }
        start = end + 1;
    }
    return out;
}

void checkScalar(const SettingDescriptor& d, const std::string& text) {
    switch (d.type) {
    case SettingType::Int:
        parseInt(d.name, text);
        break;
    case SettingType::Bool:
        parseBool(d.name, text);
        break;
    case SettingType::Double:
        parseDouble(d.name, text);
        break;
    case SettingType::String:
        if (!d.allowed.empty()) {
            bool ok = false;
            std::string choices;
            for (const auto& a : d.allowed) {
                ok = ok || a == text;
                choices += (choices.empty() ? "" : ", ") + a;
            }
            if (!ok) {
                throw InvalidConfig(d.name, "setting '" + d.name + "': '" + text + "' is not one of: " + choices);
            }
        }
        break;
    case SettingType::StringList:
        break;
    }
}

} // namespace

Settings Settings::validate(const SettingsSpec& spec, const RawSettings& raw) {
    std::set<std::string> known;
    std::string knownList;
    for (const auto& d : spec) {
        known.insert(d.name);
        knownList += (knownList.empty() ? "" : ", ") + d.name;
    }
    auto rejectUnknown = [&](const std::string& key) {
        if (!known.count(key)) {
            throw InvalidConfig(
                key, "unknown setting '" + key + "'" +
                         (knownList.empty() ? " (this plugin takes no settings)" : " (valid: " + knownList + ")"));
        }
    };
    for (const auto& [key, value] : raw.scalars) {
        rejectUnknown(key);
    }
    for (const auto& [key, value] : raw.lists) {
        rejectUnknown(key);
    }

    Settings out;
    for (const auto& d : spec) {
        Value v;
        v.type = d.type;
        v.secret = d.secret;
        const auto scalar = raw.scalars.find(d.name);
        const auto list = raw.lists.find(d.name);
        if (d.type == SettingType::StringList) {
            if (list != raw.lists.end()) {
                v.list = list->second;
            } else if (scalar != raw.scalars.end()) {
                v.list = splitList(scalar->second); // a scalar "a,b" is accepted for a list
            } else if (d.defaultValue) {
                v.list = splitList(*d.defaultValue);
            } else if (d.required) {
                throw InvalidConfig(d.name, "missing required setting '" + d.name + "'");
            } else {
                continue;
            }
        } else {
            if (list != raw.lists.end()) {
                throw InvalidConfig(d.name, "setting '" + d.name + "': expected a single " + settingTypeName(d.type) +
                                                " value, got a list");
            }
            if (scalar != raw.scalars.end()) {
                v.text = scalar->second;
            } else if (d.defaultValue) {
                v.text = *d.defaultValue;
            } else if (d.required) {
                throw InvalidConfig(d.name, "missing required setting '" + d.name + "'");
            } else {
                continue;
            }
            checkScalar(d, v.text);
        }
        out.values_.emplace(d.name, std::move(v));
    }
    out.declared_.assign(known.begin(), known.end()); // std::set: already sorted
    out.validated_ = true;
    return out;
}

const Settings::Value* Settings::find(const std::string& name) const {
    const auto it = values_.find(name);
    if (it != values_.end()) {
        return &it->second;
    }
    // A name missing from the table is a bug in the plugin (a typo): say so rather than return the fallback.
    if (validated_ && !std::binary_search(declared_.begin(), declared_.end(), name)) {
        throw InvalidConfig(name, "setting '" + name + "' is not declared in the plugin's settings table");
    }
    return nullptr;
}

bool Settings::has(const std::string& name) const { return values_.count(name) != 0; }

std::string Settings::getString(const std::string& name, const std::string& fallback) const {
    const Value* v = find(name);
    return v ? v->text : fallback;
}

std::int64_t Settings::getInt(const std::string& name, std::int64_t fallback) const {
    const Value* v = find(name);
    return v ? parseInt(name, v->text) : fallback;
}

bool Settings::getBool(const std::string& name, bool fallback) const {
    const Value* v = find(name);
    return v ? parseBool(name, v->text) : fallback;
}

double Settings::getDouble(const std::string& name, double fallback) const {
    const Value* v = find(name);
    return v ? parseDouble(name, v->text) : fallback;
}

std::vector<std::string> Settings::getList(const std::string& name) const {
    const Value* v = find(name);
    return v ? v->list : std::vector<std::string>{};
}

std::map<std::string, std::string> Settings::redacted() const {
    std::map<std::string, std::string> out;
    for (const auto& [name, v] : values_) {
        std::string text;
        if (v.type == SettingType::StringList) {
            text.push_back('[');
            for (std::size_t i = 0; i < v.list.size(); ++i) {
                if (i)
                    text.append(", ");
                text.append(v.list[i]);
            }
            text.push_back(']');
        } else {
            text = v.text;
        }
        out[name] = v.secret && !text.empty() ? "********" : text;
    }
    return out;
}

} // namespace maelstrom::sdk
