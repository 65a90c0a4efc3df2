// plugin.cpp — docker plugin: the descriptor (settings table) and the factory of the ContainerRuntime.
// SPDX-License-Identifier: Apache-2.0
#include "docker_runtime.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>

#include <cstdlib>

namespace maelstrom::plugins::docker {

namespace sdk = maelstrom::sdk;

namespace {

std::chrono::milliseconds positiveSeconds(const sdk::Settings& s, const std::string& name) {
    std::int64_t v = s.getInt(name);
    if (v <= 0) {
        throw sdk::InvalidConfig(name, "must be a positive number of seconds, got " + std::to_string(v));
    }
    return std::chrono::seconds(v);
}

std::shared_ptr<sdk::Service> create(const sdk::Settings& settings, const sdk::HostContext& host) {
    DockerRuntimeOptions o;
    std::string endpoint = settings.getString("endpoint");
    if (endpoint.empty()) {
        const char* env = std::getenv("DOCKER_HOST");
        endpoint = env != nullptr && *env != '\0' ? env : "unix:///var/run/docker.sock";
    }
    o.engine.address = parseEngineAddress(endpoint);
    std::string pinned = settings.getString("api_version");
    if (!pinned.empty()) {
        bool valid = pinned.size() > 2 && pinned.rfind("1.", 0) == 0 &&
                     pinned.find_first_not_of("0123456789", 2) == std::string::npos;
        if (!valid) {
            throw sdk::InvalidConfig("api_version", "'" + pinned + "' is not an Engine API version like 1.41");
        }
        o.engine.pinnedApiVersion = pinned;
    }
    o.engine.connectTimeout = positiveSeconds(settings, "connect_timeout_seconds");
    o.engine.requestTimeout = positiveSeconds(settings, "request_timeout_seconds");
    o.pullTimeout = positiveSeconds(settings, "pull_timeout_seconds");
    o.address = settings.getString("address", "published") == "container-ip" ? AddressMode::ContainerIp
                                                                             : AddressMode::Published;
    o.logger = host.logger;
    return std::make_shared<DockerRuntime>(std::move(o));
}

} // namespace

const sdk::PluginDescriptor& descriptor() {
    static const sdk::PluginDescriptor d{
        .kind = sdk::ServiceKind::ContainerRuntime,
        .name = "docker",
        .version = "0.1.0",
        .description = "Docker Engine API (unix socket or tcp://): images, containers, exec, logs, events, prune",
        .settings =
            {
                {.name = "endpoint",
                 .type = sdk::SettingType::String,
                 .defaultValue = std::nullopt,
                 .description = "Engine address: unix:///path or tcp://host:port (default: $DOCKER_HOST, else "
                                "unix:///var/run/docker.sock)"},
                {.name = "address",
                 .type = sdk::SettingType::String,
                 .defaultValue = "published",
                 .description = "How the proxy reaches containers: published (httpport published on 127.0.0.1, "
                                "ephemeral port) or container-ip (the bridge IP, as the reference did)",
                 .allowed = {"published", "container-ip"}},
                {.name = "api_version",
                 .type = sdk::SettingType::String,
                 .defaultValue = std::nullopt,
                 .description = "Pin the Engine API version (e.g. 1.41) instead of negotiating it from /version"},
                {.name = "connect_timeout_seconds",
                 .type = sdk::SettingType::Int,
                 .defaultValue = "5",
                 .description = "Timeout for connecting to the engine"},
                {.name = "request_timeout_seconds",
                 .type = sdk::SettingType::Int,
                 .defaultValue = "120",
                 .description = "Longest wait for an answer to one Engine API request (stop adds its grace period)"},
                {.name = "pull_timeout_seconds",
                 .type = sdk::SettingType::Int,
                 .defaultValue = "600",
                 .description = "Longest pause in a pull's progress (API pulls) or run time of a pullcommand"},
            },
        .create = create,
    };
    return d;
}

} // namespace maelstrom::plugins::docker

MAELSTROM_PLUGIN(maelstrom::plugins::docker::descriptor)
