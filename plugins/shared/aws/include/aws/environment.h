// environment.h — aws: how the library reads environment variables, so tests inject a map instead of the
// process environment (no setenv races between tests, no leaking of the developer's own AWS settings).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace maelstrom::aws {

/// Looks up one environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment (getenv at each call, so a later change is seen).
EnvLookup processEnvironment();

/// A fixed map (tests).
EnvLookup mapEnvironment(std::map<std::string, std::string> variables);

/// The variable's value when set and not empty: the AWS CLI and SDKs treat an empty variable as unset.
std::optional<std::string> envValue(const EnvLookup& env, const std::string& name);

/// True when the variable is "true" in any letter case (AWS_EC2_METADATA_DISABLED and friends).
bool envFlag(const EnvLookup& env, const std::string& name);

} // namespace maelstrom::aws
