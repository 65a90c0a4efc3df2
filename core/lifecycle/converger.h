// converger.h — one component's containers on this node, driven towards a target (component version, instance
// count) by a thread of its own: start = ensure image → create/start → start health
// check → register with the router; periodic health checks (failed command, then replacement); stop =
// unregister → drain the requests the instance accepted → stop with grace → remove. Rolling deploys follow
// from a new target version through the plan of converge_plan.h.
// SPDX-License-Identifier: Apache-2.0
//
// Threads: the converger thread is the only one that starts, stops, health-checks or removes containers, so a
// component's steps never overlap. Every public method is thread-safe and returns at once (it records the
// request and wakes the thread), except shutdown(), which blocks. mutex_ guards the target and the container
// list; it is never held across a runtime call or a health probe.
//
// Time: every time the converger decides on (health-check periods, the start health check's deadline, retry
// passes) and every wait comes from LifecycleContext::clock, so unit tests drive it with a fake clock.
#pragma once

#include "lifecycle/health_probe.h"
#include "lifecycle/memory_budget.h"
#include "routing/router_registry.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/model.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::core {

/// What every converger of the node shares. The referenced objects outlive the convergers.
struct LifecycleContext {
    sdk::ContainerRuntime& runtime;
    sdk::Database* database = nullptr; ///< start locks and start counters; null = no cluster coordination
    RouterRegistry& routers;
    MemoryBudget& memory;
    std::string nodeId;
    std::string privateUrl;                    ///< MAELSTROM_PRIVATE_URL given to containers
    std::map<std::string, std::string> labels; ///< added to every container (the owner label)
    const sdk::Clock& clock = sdk::systemClock();
    HealthProbe probe = probeHealth; ///< start and periodic health checks
    /// Called (from a converger's thread, no lock held) whenever a container starts, becomes active, begins
    /// stopping or is gone: the node status is republished. Must return promptly. May be empty.
    std::function<void()> containersChanged;
};

/// Grace period between SIGTERM and SIGKILL when a container is stopped (docker stop's default).
inline constexpr std::chrono::seconds kStopGrace{10};
/// How often a converger re-runs its plan without a trigger (a failed pass is retried).
inline constexpr std::chrono::seconds kConvergeRetryPeriod{5};

enum class ContainerStatus { Starting, Active, Stopping };

/// A container of the converger, as reported to the autoscaler, node status and tests.
struct ConvergerContainer {
    std::string id;
    std::int64_t version = 0;
    ContainerStatus status = ContainerStatus::Starting;
    std::int64_t startedAtUnixMs = 0;
    std::int64_t reservedMiB = 0;
};

class Converger {
public:
    Converger(sdk::Component component, LifecycleContext& context);
    /// Stops the thread, leaving the containers running (use shutdown() to stop them).
    ~Converger();
    Converger(const Converger&) = delete;
    Converger& operator=(const Converger&) = delete;

    const std::string& name() const noexcept { return name_; }

    /// Takes over a running container found at boot (already health-checked by the caller) and registers it
    /// with the router. Call before start().
    void adopt(const sdk::ContainerSummary& container);
    void start();

    /// New component definition (a new version starts a rolling deploy).
    void setComponent(const sdk::Component& component);
    /// New instance count (min instances, a component put).
    void setTargetCount(std::int64_t count);
    /// The runtime reported that `containerId` died (or it vanished); ignored unless it is ours.
    void containerDied(const std::string& containerId);
    /// The image `imageName` was re-tagged: replace our containers if they run it.
    void imageTagged(const std::string& imageName);

    struct State {
        sdk::Component component;
        std::int64_t targetCount = 0;
        std::vector<ConvergerContainer> containers; ///< creation order
    };
    State state() const;

    /// Stops the thread (a start in progress is abandoned and its container removed). With
    /// `stopContainers` every container is unregistered, drained (bounded by maxDurationSeconds), stopped and
    /// removed; without, they keep running (adopted by the next maelstromd) and are only unregistered.
    void shutdown(bool stopContainers);

private:
    struct Container {
        ConvergerContainer info;
        std::string host;
        int port = 0;
        std::string terminateReason;
        int healthFailures = 0;
        std::chrono::steady_clock::time_point nextHealthCheck;
    };

    void run(std::stop_token stop);
    void handleDied();
    void runHealthChecks(std::stop_token stop);
    void converge(std::stop_token stop);
    /// Start lock (when `lock`) → memory reservation → runtime start → start health check → active and
    /// registered with the router → start counted. @throws when the container could not be started healthy
    /// (whatever was created is removed first).
    void startContainer(const sdk::Component& component, bool lock, std::stop_token stop);
    /// Reserves the component's memory. @return the MiB reserved. @throws when the node's budget is exhausted.
    std::int64_t reserveMemory(const sdk::DockerComponent& docker);
    /// Has the runtime start a container, listed as Starting. Releases `mib` when the runtime fails.
    std::shared_ptr<Container> createContainer(const sdk::Component& component, std::int64_t mib);
    /// Runs the start health check (from `began`, the start of startContainer); a container that fails it, has
    /// no endpoint or died meanwhile is discarded.
    void awaitStartHealthy(const std::shared_ptr<Container>& container, const sdk::DockerComponent& docker,
                           std::chrono::steady_clock::time_point began, std::stop_token stop);
    /// Removes a container that did not become active and releases its memory. @throws std::runtime_error
    /// naming `why`, always.
    [[noreturn]] void discardStarting(const std::shared_ptr<Container>& container, const std::string& why);
    /// Marks a healthy new container active, registers it with the router and counts the start.
    void activate(const std::shared_ptr<Container>& container, const sdk::Component& component);
    void stopContainer(const std::string& containerId, const std::string& reason);
    /// Unregisters, drains, stops and removes one container (any thread; the converger thread or shutdown).
    void retire(const std::shared_ptr<Container>& container, const sdk::Component& component,
                const std::string& reason);
    void registerWithRouter(const Container& container, const sdk::Component& component);
    bool acquireStartLock(const sdk::Component& component, std::stop_token stop);
    void wake();
    /// Tells LifecycleContext::containersChanged (when set). Call without mutex_.
    void changed() const;

    const std::string name_;
    LifecycleContext& context_;

    mutable std::mutex mutex_;
    std::condition_variable_any cv_;
    sdk::Component component_;                           ///< guarded; the target definition
    std::int64_t targetCount_ = 0;                       ///< guarded
    bool dirty_ = true;                                  ///< guarded; a converge pass is wanted
    std::set<std::string> died_;                         ///< guarded; container ids reported dead
    std::vector<std::shared_ptr<Container>> containers_; ///< guarded; creation order
    std::jthread thread_;
};

} // namespace maelstrom::core
