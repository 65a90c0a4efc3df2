// settings.h — maelstrom SDK: how a plugin declares its settings, and the validated values it receives.
// SPDX-License-Identifier: Apache-2.0
//
// A plugin lists its settings in a table (name, type, default, description, flags). The core validates the
// registry's `settings:` block against that table before the plugin sees anything: unknown keys, missing
// required keys and values of the wrong type are configuration errors that stop the daemon. The same table
// drives `maelstromd --describe-plugin` and the redaction of secrets in logs and `--check-config`.
#pragma once

#include <maelstrom/sdk/export.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace maelstrom::sdk {

enum class SettingType {
    String,
    Int,  ///< a decimal or 0x-prefixed 64-bit integer
    Bool, ///< true/false, yes/no, on/off, 1/0
    Double,
    StringList, ///< a YAML sequence of scalars
};

/// "string", "int", "bool", "double", "list".
MAELSTROM_SDK_API const char* settingTypeName(SettingType type) noexcept;

/// One row of a plugin's settings table.
struct SettingDescriptor {
    std::string name{}; ///< the YAML key, snake_case
    SettingType type = SettingType::String;
    std::optional<std::string> defaultValue{}; ///< textual default, parsed like user input (lists: comma separated)
    std::string description{};                 ///< one sentence, shown by --describe-plugin
    bool required = false;                     ///< must be given (a default makes no sense then)
    bool secret = false;                       ///< never printed: logs and --check-config show "********"
    std::vector<std::string> allowed{};        ///< for String: the accepted values (empty = anything)
};

using SettingsSpec = std::vector<SettingDescriptor>;

/// Raw settings as read from the registry: scalars as text, sequences as lists of text.
struct RawSettings {
    std::map<std::string, std::string> scalars{};
    std::map<std::string, std::vector<std::string>> lists{};
};

/// Validated settings handed to a plugin: every declared key that has a value or a default is present,
/// and every value parses as its declared type. Getters throw InvalidConfig for an undeclared name (a
/// default-constructed Settings has no table: its getters return the fallback).
class MAELSTROM_SDK_API Settings {
public:
    Settings() = default;

    bool has(const std::string& name) const;
    std::string getString(const std::string& name, const std::string& fallback = "") const;
    std::int64_t getInt(const std::string& name, std::int64_t fallback = 0) const;
    bool getBool(const std::string& name, bool fallback = false) const;
    double getDouble(const std::string& name, double fallback = 0.0) const;
    std::vector<std::string> getList(const std::string& name) const;

    /// The values as text, with secrets replaced by "********" (for logs and --check-config).
    std::map<std::string, std::string> redacted() const;

    /// Validates `raw` against `spec` and returns the settings the plugin will see.
    /// @throws InvalidConfig naming the first offending key (unknown keys list the valid ones).
    static Settings validate(const SettingsSpec& spec, const RawSettings& raw);

private:
    struct Value {
        SettingType type = SettingType::String;
        bool secret = false;
        std::string text;              // scalars
        std::vector<std::string> list; // StringList
    };
    const Value* find(const std::string& name) const;
    std::map<std::string, Value> values_{};
    std::vector<std::string> declared_{}; // every name of the table, sorted (to reject undeclared names)
    bool validated_ = false;              // made by validate(): declared_ is meaningful
};

/// Parsing helpers shared by the core and plugins (same rules everywhere).
/// @throws InvalidConfig(setting, message) when the text does not parse.
MAELSTROM_SDK_API std::int64_t parseInt(const std::string& setting, const std::string& text);
MAELSTROM_SDK_API bool parseBool(const std::string& setting, const std::string& text);
MAELSTROM_SDK_API double parseDouble(const std::string& setting, const std::string& text);

} // namespace maelstrom::sdk
