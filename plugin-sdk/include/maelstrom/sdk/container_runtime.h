// container_runtime.h — maelstrom SDK: the container-runtime service kind: images, containers, exec, logs,
// events. Plugin: docker (Engine API over the unix socket).
// SPDX-License-Identifier: Apache-2.0
//
// Contract for every method: thread-safe (the core's convergers, one per component, call concurrently);
// blocking unless stated; a backend that cannot be reached raises Unavailable (worth retrying); a container or
// image that does not exist raises NotFound; every error message names the container or image and the cause.
// Containers are identified by the runtime's own id (the Docker container id).
// Optional abilities are declared in capabilities(); calling one that is not declared throws NotSupported.
#pragma once

#include <maelstrom/sdk/export.h>
#include <maelstrom/sdk/model.h>
#include <maelstrom/sdk/service.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace maelstrom::sdk {

/// Labels every managed container carries.
inline constexpr const char* kLabelManaged = "maelstrom"; ///< value "true"
inline constexpr const char* kLabelComponent = "maelstrom_component";
inline constexpr const char* kLabelVersion = "maelstrom_version";

struct RuntimeCapabilities {
    bool exec = false;      ///< exec() works (healthcheckfailedcommand)
    bool logs = false;      ///< logs() works (/_mael/logs, logdriver: maelstrom)
    bool events = false;    ///< subscribe() delivers events
    bool prune = false;     ///< prune() works
    bool adopt = false;     ///< containers survive a maelstromd restart and can be listed and re-used
    bool pause = false;     ///< pause()/unpause() work (cgroup freezer): idle instances can be frozen and woken
    bool precreate = false; ///< create()/startCreated() work: a container can be created ahead and started later
};

/// Facts about the runtime's host (the engine's GET /info).
struct RuntimeInfo {
    std::string nodeId; ///< stable id of the engine (Docker daemon ID)
    std::int64_t totalMemoryBytes = 0;
    std::int64_t numCpus = 0;
    std::string engineVersion;
    std::string apiVersion;
    /// The address containers reach the host at, for MAELSTROM_PRIVATE_URL (the gateway
    /// of docker_gwbridge, else of bridge, else 172.17.0.1).
    std::string hostGateway;
};

/// Where the proxy reaches a container's HTTP port.
struct Endpoint {
    std::string host; ///< "127.0.0.1" (published port) or the container's bridge IP
    std::int64_t port = 0;
    bool operator==(const Endpoint&) const = default;
};

/// Everything needed to start one instance of a component.
struct ContainerSpec {
    Component component;                            ///< with docker set; the runtime maps every docker field
    std::string privateUrl;                         ///< injected as MAELSTROM_PRIVATE_URL
    std::map<std::string, std::string> extraLabels; ///< added to the managed labels
};

enum class ContainerState { Created, Running, Paused, Exited, Unknown };

/// A managed container as the runtime sees it.
struct ContainerSummary {
    std::string id;
    std::string image;
    std::string componentName; ///< from its labels
    std::int64_t componentVersion = 0;
    ContainerState state = ContainerState::Unknown;
    std::int64_t createdAt = 0;       ///< ms
    std::optional<Endpoint> endpoint; ///< when running and its HTTP port is reachable
    std::map<std::string, std::string> labels;
};

struct ExecResult {
    std::int64_t exitCode = 0;
    std::string output; ///< stdout and stderr as they came
};

struct LogOptions {
    std::int64_t sinceMillis = 0; ///< 0 = from the beginning
    bool follow = false;
    bool stdoutStream = true;
    bool stderrStream = true;
};

struct LogLine {
    std::string containerId;
    bool stderrStream = false;
    std::string text; ///< one line, without the newline
};

enum class ContainerEventKind { Started, Died, OomKilled, HealthStatus, ImageTagged };

struct ContainerEvent {
    ContainerEventKind kind = ContainerEventKind::Died;
    std::string containerId;                       ///< empty for image events
    std::string imageName;                         ///< for ImageTagged
    std::map<std::string, std::string> attributes; ///< the backend's (exit code, labels...)
    std::int64_t timeMillis = 0;
};

/// Pull progress: one call per status line from the backend ("Downloading", "Pull complete"...).
using PullProgress = std::function<void(const std::string& status)>;

enum class PullPolicy {
    IfMissing, ///< pull only when the image is not present
    Always,    ///< pull even when present (pullImageOnStart)
};

struct PruneOptions {
    bool removeUnregisteredImages = false;     ///< also images no component refers to
    std::vector<std::string> registeredImages; ///< image references of every component
    std::vector<std::string> keepGlobs;        ///< tags to keep: "*", "x*", "*x", "*x*" or exact
};

struct PruneReport {
    std::vector<std::string> removedContainers;
    std::vector<std::string> removedImages;
    std::int64_t reclaimedBytes = 0;
};

/// Cancels an event subscription when destroyed (or on cancel()).
class MAELSTROM_SDK_API Subscription {
public:
    virtual ~Subscription();
    virtual void cancel() = 0;
};

class MAELSTROM_SDK_API ContainerRuntime : public Service {
public:
    ~ContainerRuntime() override;

    virtual RuntimeCapabilities capabilities() const = 0;
    virtual RuntimeInfo info() = 0;

    // ---- Images ----

    /// Makes sure the component's image is present: pulls it per `policy` (registry auth from
    /// pullUsername/pullPassword, or the pullCommand with <image> replaced). Concurrent calls for the same
    /// image share one pull. @throws NotFound (no such image), PluginError (pull denied...), Unavailable.
    virtual void ensureImage(const DockerComponent& docker, PullPolicy policy, const PullProgress& progress) = 0;

    // ---- Containers ----

    /// Creates and starts a container for the spec (labels, env, resources) and
    /// returns it running, with its endpoint. On any failure removes what it created, then throws.
    virtual ContainerSummary start(const ContainerSpec& spec) = 0;
    /// Stops with a grace period (SIGTERM, then SIGKILL after `grace`). Stopping a stopped container is fine.
    virtual void stop(const std::string& containerId, std::chrono::seconds grace) = 0;
    /// Removes the container (force: kill first if running). Removing a missing container is fine.
    virtual void remove(const std::string& containerId, bool force) = 0;
    virtual ContainerSummary inspect(const std::string& containerId) = 0;
    /// Managed containers (label maelstrom=true), running or not when `all`.
    virtual std::vector<ContainerSummary> listManaged(bool all) = 0;

    // ---- Optional abilities (see capabilities()) ----

    /// Runs argv inside the container and waits (bounded by `timeout`).
    virtual ExecResult exec(const std::string& containerId, const std::vector<std::string>& argv,
                            std::chrono::seconds timeout);
    /// Delivers the container's log lines to `sink` until the logs end (not following) or `stop` is requested
    /// (following). Blocking: run it on a thread of your own.
    virtual void logs(const std::string& containerId, const LogOptions& options,
                      const std::function<void(const LogLine&)>& sink, std::stop_token stop);
    /// Delivers events to `sink` from a thread of the runtime, re-subscribing after the backend restarts,
    /// until the Subscription is cancelled or destroyed.
    virtual std::unique_ptr<Subscription> subscribe(std::function<void(const ContainerEvent&)> sink);
    /// Removes exited containers, dangling images and (optionally) images no component uses. Containers that were
    /// created and never started (see create()) are kept.
    virtual PruneReport prune(const PruneOptions& options);
    /// Freezes every process of a running container (capability `pause`). It keeps its memory and uses no CPU;
    /// listManaged() and inspect() report it as Paused. Pausing a paused container is fine.
    virtual void pause(const std::string& containerId);
    /// Thaws a paused container; it answers on the same endpoint again. Unpausing a running one is fine.
    virtual void unpause(const std::string& containerId);
    /// Creates the container for the spec without starting it (capability `precreate`): labels, env and resources
    /// as start() would set them; state Created, no endpoint. The image must be present (see ensureImage()).
    virtual ContainerSummary create(const ContainerSpec& spec);
    /// Starts a container made by create() and returns it running, with its endpoint. On failure the container is
    /// left for the caller to remove.
    virtual ContainerSummary startCreated(const std::string& containerId);
};

} // namespace maelstrom::sdk
