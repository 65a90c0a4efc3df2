// docker_runtime.h — docker plugin: the ContainerRuntime service over the Docker Engine API: images, containers
// (create + start with the container_config.h mapping, or create ahead and start later; pause and unpause, stop,
// remove, inspect, list), exec, logs, events, prune, and the endpoint the proxy uses (127.0.0.1 and an ephemeral
// published port, or the bridge IP).
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: every method may be called concurrently (the core runs one converger per component); the
// object holds no per-container state — Docker is the source of truth, labels carry what listings need.
#pragma once

#include "container_config.h"
#include "engine_client.h"
#include "event_stream.h"
#include "image_puller.h"

#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/plugin.h>

#include <memory>
#include <mutex>
#include <vector>

namespace maelstrom::plugins::docker {

struct DockerRuntimeOptions {
    EngineClientOptions engine;
    AddressMode address = AddressMode::Published;
    std::chrono::milliseconds pullTimeout{600000}; ///< longest pause in a pull's progress
    sdk::PluginLogger logger;
};

class DockerRuntime : public sdk::ContainerRuntime {
public:
    explicit DockerRuntime(DockerRuntimeOptions options);
    ~DockerRuntime() override;

    sdk::RuntimeCapabilities capabilities() const override;
    sdk::RuntimeInfo info() override;
    void ensureImage(const sdk::DockerComponent& docker, sdk::PullPolicy policy,
                     const sdk::PullProgress& progress) override;
    sdk::ContainerSummary start(const sdk::ContainerSpec& spec) override;
    void stop(const std::string& containerId, std::chrono::seconds grace) override;
    void remove(const std::string& containerId, bool force) override;
    sdk::ContainerSummary inspect(const std::string& containerId) override;
    std::vector<sdk::ContainerSummary> listManaged(bool all) override;
    sdk::ExecResult exec(const std::string& containerId, const std::vector<std::string>& argv,
                         std::chrono::seconds timeout) override;
    void logs(const std::string& containerId, const sdk::LogOptions& options,
              const std::function<void(const sdk::LogLine&)>& sink, std::stop_token stop) override;
    std::unique_ptr<sdk::Subscription> subscribe(std::function<void(const sdk::ContainerEvent&)> sink) override;
    sdk::PruneReport prune(const sdk::PruneOptions& options) override;
    void pause(const std::string& containerId) override;
    void unpause(const std::string& containerId) override;
    sdk::ContainerSummary create(const sdk::ContainerSpec& spec) override;
    sdk::ContainerSummary startCreated(const std::string& containerId) override;
    void shutdown() override;

    AddressMode addressMode() const { return address_; }

private:
    sdk::ContainerSummary summaryFromInspect(const Poco::JSON::Object::Ptr& inspect) const;
    sdk::ContainerSummary summaryFromList(const Poco::JSON::Object::Ptr& item) const;
    void removeQuietly(const std::string& containerId, const std::string& why);
    /// POST /containers/create for the spec; returns the new id (nothing is left behind when it throws).
    std::string createContainer(const sdk::ContainerSpec& spec, const std::string& who);
    /// Starts a created container, inspects it and returns it running with its endpoint; throws when it exited
    /// at once or has no address for its httpPort. Never removes it. `who` names the component for messages
    /// (empty: taken from the container's labels).
    sdk::ContainerSummary startContainer(const std::string& id, std::string who);
    /// "component 'x' (image 'y')" from the container's labels, or "" when it cannot be inspected.
    std::string describeQuietly(const std::string& containerId);
    void setPaused(const std::string& containerId, bool paused);

    std::shared_ptr<EngineClient> client_;
    AddressMode address_;
    sdk::PluginLogger logger_;
    ImagePuller puller_;
    std::mutex subscriptionsMutex_;
    std::vector<std::weak_ptr<EventSubscription>> subscriptions_; // guarded by subscriptionsMutex_
};

/// Parses Docker's RFC 3339 time ("2024-05-01T10:20:30.123456789Z") to Unix milliseconds (0 when unparsable).
std::int64_t parseDockerTime(const std::string& text);

} // namespace maelstrom::plugins::docker
