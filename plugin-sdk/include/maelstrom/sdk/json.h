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

#include <string>
#include <string_view>

namespace maelstrom::sdk::json {

MAELSTROM_SDK_API std::string toJson(const NameValue& v);
MAELSTROM_SDK_API std::string toJson(const VolumeMount& v);
MAELSTROM_SDK_API std::string toJson(const DockerComponent& v);
MAELSTROM_SDK_API std::string toJson(const Component& v);
MAELSTROM_SDK_API std::string toJson(const HttpEventSource& v);
MAELSTROM_SDK_API std::string toJson(const CronEventSource& v);
MAELSTROM_SDK_API std::string toJson(const SqsEventSource& v);
MAELSTROM_SDK_API std::string toJson(const AwsStepFunctionEventSource& v);
MAELSTROM_SDK_API std::string toJson(const EventSource& v);
MAELSTROM_SDK_API std::string toJson(const EventSourceWithStatus& v);
MAELSTROM_SDK_API std::string toJson(const ComponentWithEventSources& v);
MAELSTROM_SDK_API std::string toJson(const Project& v);
MAELSTROM_SDK_API std::string toJson(const ProjectInfo& v);
MAELSTROM_SDK_API std::string toJson(const ComponentActivity& v);
MAELSTROM_SDK_API std::string toJson(const ComponentInfo& v);
MAELSTROM_SDK_API std::string toJson(const NodeStatus& v);

/// Decodes `text` into `out`. `path` is the name used for the top-level value in error messages.
/// @throws JsonError
MAELSTROM_SDK_API void fromJson(std::string_view text, NameValue& out, const std::string& path = "nameValue");
MAELSTROM_SDK_API void fromJson(std::string_view text, VolumeMount& out, const std::string& path = "volume");
MAELSTROM_SDK_API void fromJson(std::string_view text, DockerComponent& out, const std::string& path = "docker");
MAELSTROM_SDK_API void fromJson(std::string_view text, Component& out, const std::string& path = "component");
MAELSTROM_SDK_API void fromJson(std::string_view text, EventSource& out, const std::string& path = "eventSource");
MAELSTROM_SDK_API void fromJson(std::string_view text, EventSourceWithStatus& out,
                                const std::string& path = "eventSourceWithStatus");
MAELSTROM_SDK_API void fromJson(std::string_view text, ComponentWithEventSources& out,
                                const std::string& path = "componentWithEventSources");
MAELSTROM_SDK_API void fromJson(std::string_view text, Project& out, const std::string& path = "project");
MAELSTROM_SDK_API void fromJson(std::string_view text, ProjectInfo& out, const std::string& path = "projectInfo");
MAELSTROM_SDK_API void fromJson(std::string_view text, ComponentInfo& out, const std::string& path = "componentInfo");
MAELSTROM_SDK_API void fromJson(std::string_view text, NodeStatus& out, const std::string& path = "nodeStatus");

/// Convenience: `auto c = json::decode<Component>(text);`
template <class T>
T decode(std::string_view text) {
    T value{};
    fromJson(text, value);
    return value;
}

} // namespace maelstrom::sdk::json
