// lifecycle_manager.h — the container lifecycle of this node: one Converger per component, created on a
// cold start (it is the routers' ColdStarter), for minInstances, or for containers adopted at boot; the
// runtime's events (a container died, an image was re-tagged) and a periodic re-listing of the containers
// (events are lost while the Docker daemon restarts) handed to the convergers; and a maintenance pass every
// second that applies component changes (also those made on other nodes), keeps minInstances, and runs the
// autoscaling formula over the routers' activity, which is also what stops idle components (scale to zero).
// SPDX-License-Identifier: Apache-2.0
//
// Improvements over the reference: running containers of current component versions are adopted
// at boot instead of removed (2); idle components stop within about a second of idleTimeoutSeconds instead
// of on a one-minute pass (5); the event stream is re-subscribed and containers that vanish without an event
// are noticed within kReconcilePeriod.
//
// Threads: requestStart() and componentChanged() are called from request and API threads and return at
// once; the maintenance thread and the runtime's event thread call into the convergers, whose own threads do
// the work. mutex_ guards the converger map.
#pragma once

#include "api/data_changes.h"
#include "gateway/component_cache.h"
#include "lifecycle/autoscale.h"
#include "lifecycle/converger.h"
#include "lifecycle/health_probe.h"
#include "lifecycle/memory_budget.h"
#include "routing/router.h"
#include "routing/router_registry.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/database.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::core {

/// Period of the maintenance pass (component changes, minInstances, autoscaling, idle stop).
inline constexpr std::chrono::seconds kMaintenancePeriod{1};
/// Period of the re-listing of running containers (catches deaths without an event).
inline constexpr std::chrono::seconds kReconcilePeriod{5};

struct LifecycleSettings {
    std::string nodeId;
    std::string privateUrl;          ///< MAELSTROM_PRIVATE_URL for containers
    std::int64_t totalMemoryMiB = 0; ///< budget for reservations; <= 0 = unlimited
    /// Value of the kLabelOwner label on the containers this maelstromd starts (see ownerIdFor); at boot only
    /// containers with this owner, or with none, are adopted or removed as stale.
    std::string ownerId;
};

/// The label naming which maelstromd (data directory) started a container.
inline constexpr const char* kLabelOwner = "maelstrom_owner";
/// A short stable id for a data directory (FNV-1a, hex): two maelstromd processes sharing one Docker daemon
/// (tests, a second instance on another port) each leave the other's containers alone.
std::string ownerIdFor(const std::string& dataDir);

/// What the autoscaling formula sees of one converger at `now` (`nowUnixMs` on the wall clock): the concurrency
/// windows of its starting and active containers of the current version (from the router's `activity`), and
/// how long the component has been idle — since the last request, demand or container start; 0 while a
/// request is in flight or queued. Pure.
AutoscaleInput autoscaleInputOf(const Converger::State& state, const ComponentActivitySnapshot& activity,
                                std::chrono::steady_clock::time_point now, std::int64_t nowUnixMs);

class LifecycleManager : public ColdStarter {
public:
    /// `database` may be null (no start locks, no adoption check against stored versions: uses `components`).
    /// `clock` times the maintenance passes, idle periods and the convergers; `probe` answers every health
    /// check (both are replaced by unit tests). `clock` outlives the manager.
    LifecycleManager(sdk::ContainerRuntime& runtime, sdk::Database* database, RouterRegistry& routers,
                     ComponentCache& components, LifecycleSettings settings,
                     const sdk::Clock& clock = sdk::systemClock(), HealthProbe probe = probeHealth);
    ~LifecycleManager() override;
    LifecycleManager(const LifecycleManager&) = delete;
    LifecycleManager& operator=(const LifecycleManager&) = delete;

    /// Adopts the running managed containers of current component versions (health-checked) and removes the
    /// others, subscribes to the runtime's events and starts the maintenance thread. Cold starts requested
    /// while adoption runs are held and replayed after it, so an adopted component starts no second container.
    void start();

    /// ColdStarter: a request waits for `component` and no instance exists.
    void requestStart(const std::string& component) override;

    /// A component was put or removed on this node (DataChanges): deploy at once rather than at the next pass.
    void componentChanged(const ComponentChange& change);

    /// Stops the maintenance thread and the event subscription: no more scaling decisions.
    void stopBackground();
    /// stopBackground(), then stops every converger in parallel: with `stopContainers` their containers are
    /// drained, stopped and removed; without, left running for the next maelstromd to adopt.
    void shutdown(bool stopContainers);

    /// The state of every converger.
    std::vector<Converger::State> state() const;
    /// One entry per container, with the router's activity (NodeStatus.runningComponents), ordered by
    /// component name then start time.
    std::vector<sdk::ComponentInfo> runningComponents() const;

private:
    /// The converger of `component`, created and started when missing (null after shutdown began).
    std::shared_ptr<Converger> converger(const sdk::Component& component);
    void adoptRunningContainers();
    void maintenanceLoop(std::stop_token stop);
    void applyComponentChanges();
    void autoscale();
    void reconcile();
    void retireConverger(const std::string& name);
    void onEvent(const sdk::ContainerEvent& event);
    std::vector<std::shared_ptr<Converger>> convergers() const;

    sdk::ContainerRuntime& runtime_;
    sdk::Database* const database_;
    RouterRegistry& routers_;
    ComponentCache& components_;
    MemoryBudget memory_;
    const std::string ownerId_;
    LifecycleContext context_;

    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Converger>> convergers_; ///< guarded by mutex_
    std::vector<std::jthread> retiring_;                           ///< guarded; convergers being stopped
    bool stopping_ = false;                                        ///< guarded
    bool adopting_ = true;                                         ///< guarded; until start() adopted
    std::set<std::string> heldColdStarts_;                         ///< guarded; requested while adopting
    /// When each converger's component was first seen missing from the cache; maintenance thread only.
    std::map<std::string, std::chrono::steady_clock::time_point> missingSince_;
    std::unique_ptr<sdk::Subscription> subscription_;
    std::jthread maintenance_;
};

} // namespace maelstrom::core
