// converger.h — one component's containers on this node, driven towards a target (component version, instance
// count) by a thread of its own: start = ensure image → create/start → start health
// check → register with the router; periodic health checks (failed command, then replacement); stop =
// unregister → drain the requests the instance accepted → stop with grace → remove. Rolling deploys follow
// from a new target version through the plan of converge_plan.h.
//
// Faster starts, when the runtime can:
// - Pause before stop (component idlePause, runtime capability `pause`): when the target drops to zero (idle),
//   one instance is frozen instead of stopped. It leaves the router, keeps its memory reservation and gets no
//   health checks. The next start of the same version thaws it (a wake: milliseconds) instead of starting a
//   container. It is stopped after pausedTimeoutSeconds, when the version changes, when another start on this node
//   needs its memory (LifecycleContext::reclaimPaused) and on shutdown with containers stopped.
// - Pre-created containers (capability `precreate`): once the component has run here, one container of its
//   current version is kept created but not started, so the next cold start is start + health check only. It
//   reserves no memory until started and is replaced when the version changes.
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
#include "metrics/lifecycle_metrics.h"
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
#include <optional>
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
    /// Stops paused instances (of any component, least recently paused first) until `mib` more MiB fit in the
    /// memory budget or none is left. Called from a converger's thread, no lock held. May be empty.
    std::function<void(std::int64_t mib)> reclaimPaused;
    LifecycleMetrics* metrics = nullptr; ///< cold-start phases, wakes, paused instances; may be null
};

/// Grace period between SIGTERM and SIGKILL when a container is stopped (docker stop's default).
inline constexpr std::chrono::seconds kStopGrace{10};
/// How often a converger re-runs its plan without a trigger (a failed pass is retried).
inline constexpr std::chrono::seconds kConvergeRetryPeriod{5};

enum class ContainerStatus { Starting, Active, Paused, Stopping };

/// A container of the converger, as reported to the autoscaler, node status and tests.
struct ConvergerContainer {
    std::string id;
    std::int64_t version = 0;
    ContainerStatus status = ContainerStatus::Starting;
    std::int64_t startedAtUnixMs = 0;
    std::int64_t reservedMiB = 0;
    std::int64_t pausedAtUnixMs = 0; ///< when Paused: since when
};

/// What a converger's starts are doing and how the last one ended, for clients that follow a rollout
/// (`maelctl project put --wait` through NodeService.ListRolloutStatus).
struct StartActivity {
    /// "pulling" (the runtime reported pull progress), "starting" (create, start, start health check) or ""
    std::string phase;
    std::int64_t phaseVersion = 0;  ///< the component version being started
    std::string pullStatus;         ///< the runtime's last pull progress line of this start
    std::int64_t failedVersion = 0; ///< the version whose start failed last; 0 after a success of that version
    std::string failure;            ///< why it failed (the converge pass's error)
    std::int64_t failedAtUnixMs = 0;
    std::int64_t failures = 0; ///< failed starts of failedVersion in a row
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
    /// with the router; a paused one stays paused (its pause time restarts now); a created one of the current
    /// version becomes the pre-created container. Call before start().
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
    /// A request waits for this component and nothing serves it: when an instance of the current version is
    /// paused, raise the target by one so the converger thaws it at once. @return whether one is paused.
    bool wakePaused();
    /// When this converger has a paused instance: since when (steady time), for least-recently-paused-first.
    std::optional<std::chrono::steady_clock::time_point> oldestPaused() const;
    /// Stops the least recently paused instance on the calling thread. @return the MiB it reserved (0: none).
    std::int64_t stopOldestPaused(const std::string& reason);
    /// The id of the container created ahead for the next start, if any.
    std::optional<std::string> precreatedId() const;

    struct State {
        sdk::Component component;
        std::int64_t targetCount = 0;
        std::vector<ConvergerContainer> containers; ///< creation order (paused ones included)
        StartActivity starts;
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
        std::chrono::steady_clock::time_point pausedSince; ///< when Paused
        bool frozen = false;                               ///< the runtime holds it paused (until a successful unpause)
    };
    /// A container created ahead for the next start (not started, no memory reserved).
    struct Precreated {
        std::string id;
        std::int64_t version = 0;
    };
    /// How long each phase of one start took (for the log line and the metrics).
    struct StartPhases {
        std::chrono::steady_clock::duration pull{0}, create{0}, start{0}, health{0};
    };

    void run(std::stop_token stop);
    void handleDied();
    void runHealthChecks(std::stop_token stop);
    void converge(std::stop_token stop);
    /// Thaws a paused instance of the component's version when there is one (then nothing else is done), else:
    /// start lock (when `lock`) → image → memory reservation → runtime start (of the pre-created container when
    /// there is one) → start health check → active and registered with the router → start counted. @throws when
    /// the container could not be started healthy (whatever was created is removed first).
    void startContainer(const sdk::Component& component, bool lock, std::stop_token stop);
    /// Thaws the paused container `container` (already marked Starting) and makes it active. @return false when
    /// the runtime failed (the container is then stopped and removed).
    bool resumePaused(const std::shared_ptr<Container>& container, const sdk::Component& component);
    /// Freezes `container` instead of stopping it (unregistered and drained first). Falls back to a stop.
    void pauseContainer(const std::shared_ptr<Container>& container, const sdk::Component& component);
    /// Stops paused instances that outlived pausedTimeoutSeconds or run another version.
    void expirePaused();
    /// The paused container frozen longest ago, or null. Caller holds mutex_.
    std::shared_ptr<Container> oldestPausedLocked() const;
    /// Has the runtime make sure the component's image is present (`policy`), its pull progress logged.
    void ensureImage(const sdk::Component& component, sdk::PullPolicy policy);
    /// What the runtime needs to create a container of `component` on this node.
    sdk::ContainerSpec specFor(const sdk::Component& component) const;
    /// Keeps one container of the current version created ahead (when the runtime can and the component ran
    /// here); removes one of another version. Failures are logged and retried at the next pass.
    void maintainPrecreated(std::stop_token stop);
    /// Removes the pre-created container (version change, shutdown).
    void removePrecreated(const std::string& why);
    /// Reserves the component's memory, stopping paused instances of this node when it does not fit.
    /// @return the MiB reserved. @throws when the node's budget is exhausted.
    std::int64_t reserveMemory(const sdk::DockerComponent& docker);
    /// Has the runtime start a container (the pre-created one when it matches), listed as Starting. Releases
    /// `mib` when the runtime fails.
    std::shared_ptr<Container> createContainer(const sdk::Component& component, std::int64_t mib, StartPhases& phases);
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
    std::shared_ptr<Container> findContainer(const std::string& containerId) const;
    /// Unregisters, drains, stops and removes one container (any thread; the converger thread or shutdown); a
    /// paused one is thawed first so it can take its SIGTERM.
    void retire(const std::shared_ptr<Container>& container, const sdk::Component& component,
                const std::string& reason);
    void registerWithRouter(const Container& container, const sdk::Component& component);
    bool acquireStartLock(const sdk::Component& component, std::stop_token stop);
    /// Records the phase of the start in progress (`phase` empty: none). Takes mutex_.
    void setStartPhase(const std::string& phase, std::int64_t version);
    /// Records a failed start of `version` (a converge pass that threw, a container that exited). Takes mutex_.
    void recordStartFailure(std::int64_t version, const std::string& why);
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
    std::optional<Precreated> precreated_;               ///< guarded
    bool ranHere_ = false;                               ///< guarded; a container of it started or was adopted
    std::optional<std::chrono::steady_clock::time_point> wakeRequested_; ///< guarded; by wakePaused()
    StartActivity starts_;                                               ///< guarded
    bool imageEnsured_ = false; ///< converger thread; the image was ensured during this converge pass
    std::jthread thread_;
};

} // namespace maelstrom::core
