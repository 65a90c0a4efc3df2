// container_config.h — docker plugin: maps a component to the body of
// POST /containers/create: labels, environment, command, resources, ports, mounts, DNS, ulimits, logging.
// Pure functions (no I/O); thread-safe.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <maelstrom/sdk/container_runtime.h>

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace maelstrom::plugins::docker {

/// How the proxy reaches a container: a port published on 127.0.0.1 (default), or the bridge IP (reference).
enum class AddressMode { Published, ContainerIp };

/// Label carrying the component's httpPort, so listings can compute endpoints without an inspect per container.
inline constexpr const char* kLabelHttpPort = "maelstrom_http_port";

/// One binding of a Docker port spec: container port key ("80/tcp") → host ip and port ("" = ephemeral).
struct PortMapping {
    std::string containerPort;
    std::string hostIp;
    std::string hostPort;
    bool operator==(const PortMapping&) const = default;
};

/// Parses `[ip:][hostPort:]containerPort[/proto]` with ranges (`8000-8001:80-81`), like Docker's nat.ParsePortSpec.
/// @throws sdk::InvalidInput naming the spec.
std::vector<PortMapping> parsePortSpec(const std::string& spec);

struct Ulimit {
    std::string name;
    std::int64_t soft = 0;
    std::int64_t hard = 0;
    bool operator==(const Ulimit&) const = default;
};

/// Parses Docker's `name=soft[:hard]` (hard defaults to soft). @throws sdk::InvalidInput naming the text.
Ulimit parseUlimit(const std::string& text);

/// `NAME=value` entries: the component's environment without MAELSTROM_* names, then the four injected ones.
std::vector<std::string> containerEnvironment(const sdk::ContainerSpec& spec);

/// The extra labels, then maelstrom=true, maelstrom_component, maelstrom_version, maelstrom_http_port.
std::map<std::string, std::string> containerLabels(const sdk::ContainerSpec& spec);

/// True when the network mode has its own port namespace we can publish from (not host/none/container:).
bool networkPublishes(const std::string& networkName);

/// "<port>/tcp".
std::string tcpPortKey(std::int64_t port);

/// The full create body. With AddressMode::Published, httpPort is also published on 127.0.0.1 with an
/// ephemeral host port unless a `ports` entry already binds it. @throws sdk::InvalidInput (no docker block, no
/// image, a bad port spec or ulimit).
Poco::JSON::Object::Ptr containerCreateBody(const sdk::ContainerSpec& spec, AddressMode mode);

} // namespace maelstrom::plugins::docker
