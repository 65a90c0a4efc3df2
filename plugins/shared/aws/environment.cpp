// environment.cpp — aws: the process environment and a fixed map behind the EnvLookup seam.
// SPDX-License-Identifier: Apache-2.0
#include "aws/environment.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace maelstrom::aws {

EnvLookup processEnvironment() {
    return [](const std::string& name) -> std::optional<std::string> {
        // getenv at each call: a variable set after the context was made (tests, a reloaded daemon) is seen.
        if (const char* value = std::getenv(name.c_str())) {
            return std::string(value);
        }
        return std::nullopt;
    };
}

EnvLookup mapEnvironment(std::map<std::string, std::string> variables) {
    return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
        if (const auto it = variables.find(name); it != variables.end()) {
            return it->second;
        }
        return std::nullopt;
    };
}

std::optional<std::string> envValue(const EnvLookup& env, const std::string& name) {
    if (!env) {
        return std::nullopt;
    }
    auto value = env(name);
    if (!value || value->empty()) {
        return std::nullopt;
    }
    return value;
}

bool envFlag(const EnvLookup& env, const std::string& name) {
    auto value = envValue(env, name).value_or("");
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return value == "true";
}

} // namespace maelstrom::aws
