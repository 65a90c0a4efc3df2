// lifecycle_manager.h — the container lifecycle of this node: one Converger per component, driven to the instance
// counts the cluster asks for (applyTargets: StartStopComponents from placement and the autoscaler, with the
// optimistic version check), containers adopted at boot, the runtime's events (a container died, an image was
// re-tagged) and a periodic re-listing of the containers (events are lost while the Docker daemon restarts)
// handed to the convergers, and a maintenance pass every second that applies component changes (also those made
// on other nodes). How many instances run where is decided cluster-wide (cluster/placement.h,
// cluster/cluster_autoscaler.h), never here.
// SPDX-License-Identifier: Apache-2.0
//
// Improvements over the reference: running containers of current component versions are adopted at boot
// instead of removed; the event stream is re-subscribed and containers that vanish without an event are noticed
// within kReconcilePeriod; a StartStopComponents that lowers some counts and raises others stops first, so the
// memory of displaced instances is free before the new ones start.
//
// Threads: applyTargets() blocks (it is called from RPC worker threads and placement threads); the other public
// methods return at once. The maintenance thread and the runtime's event thread call into the convergers, whose
// own threads do the work. mutex_ guards the converger map and the version.
#pragma once

#include "api/data_changes.h"
#include "gateway/component_cache.h"
#include "lifecycle/converger.h"
#include "lifecycle/health_probe.h"
#include "lifecycle/memory_budget.h"
#include "routing/router.h"
#include "routing/router_registry.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/database.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
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
    /// Called whenever a container starts, becomes active, begins stopping or is gone (the node status).
    std::function<void()> containersChanged;
    LifecycleMetrics* metrics = nullptr; ///< cold-start phases and wakes; may be null; outlives the manager
};

/// The label naming which maelstromd (data directory) started a container.
inline constexpr const char* kLabelOwner = "maelstrom_owner";
/// The label naming the node id of the maelstromd that started a container (for operators and tests).
inline constexpr const char* kLabelNode = "maelstrom_node";
/// A short stable id for a data directory (FNV-1a, hex): two maelstromd processes sharing one Docker daemon
/// (tests, a second instance on another port) each leave the other's containers alone.
std::string ownerIdFor(const std::string& dataDir);
/// What ownerIdFor hashes for a maelstromd: its absolute data directory alone when its database is the default
/// SQLite file there (the sqlite plugin without settings, or with `path` naming <dataDir>/maelstrom.db), so a
/// restart adopts what the previous one left; otherwise also the database plugin and its settings (a DSN, another
/// path), so two maelstromd sharing a data directory with databases of their own are different owners. Secrets are
/// left out: settings whose name holds "password", "secret" or "token", and the password of a DSN's user info.
std::string ownerKeyFor(const std::string& dataDir, const std::string& databasePlugin,
                        const std::map<std::string, std::string>& databaseSettings);

/// One component's instance count in applyTargets.
struct TargetChange {
    sdk::Component component;
    std::int64_t count = 0;
};

class LifecycleManager {
public:
    /// `database` may be null (no start locks, no adoption check against stored versions: uses `components`).
    /// `clock` times the maintenance passes, idle periods and the convergers; `probe` answers every health
    /// check (both are replaced by unit tests). `clock` outlives the manager.
    LifecycleManager(sdk::ContainerRuntime& runtime, sdk::Database* database, RouterRegistry& routers,
                     ComponentCache& components, LifecycleSettings settings,
                     const sdk::Clock& clock = sdk::systemClock(), HealthProbe probe = probeHealth);
    ~LifecycleManager();
    LifecycleManager(const LifecycleManager&) = delete;
    LifecycleManager& operator=(const LifecycleManager&) = delete;

    /// Adopts the running managed containers of current component versions (health-checked) and removes the
    /// others, subscribes to the runtime's events and starts the maintenance thread. applyTargets() calls made
    /// while adoption runs wait for it, so an adopted component starts no second container.
    void start();

    /// The version of this node's targets (NodeStatus.version): the creation time in ms, +1 for each accepted
    /// applyTargets().
    std::int64_t version() const;

    /// StartStopComponents on this node. When `expectedVersion` is the current version, the version goes up by
    /// one and each component's instance count becomes the given one (a converger is created when missing);
    /// counts that go down are applied first and awaited (bounded), so freed memory is available to the starts.
    /// With `block`, also waits until the new counts run (bounded by the start health check). Components not
    /// named keep their counts. @return false on a version mismatch (nothing changed) or after shutdown began.
    bool applyTargets(std::int64_t expectedVersion, const std::vector<TargetChange>& targets, bool block);

    /// A component was put or removed on this node (DataChanges): deploy at once rather than at the next pass.
    void componentChanged(const ComponentChange& change);

    /// A request waits for `component` and nothing serves it: thaw its paused instance on this node, if any (the
    /// version goes up by one, as for a target change). @return whether one was paused (a wake is under way).
    bool wakePaused(const std::string& component);

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
    /// Waits (bounded) until the converger of `component` runs `count` instances: all active when raising, every
    /// other one gone when lowering. A raise also ends when a start of the current version fails meanwhile, so that
    /// one broken component (an image that cannot be pulled) does not hold its caller (the autoscaler) for long.
    void awaitCount(const std::shared_ptr<Converger>& converger, std::int64_t count, bool raising) const;
    void reconcile();
    void retireConverger(const std::string& name);
    /// LifecycleContext::reclaimPaused: stops paused instances, least recently paused first, until `mib` fit.
    void reclaimPaused(std::int64_t mib);
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
    std::condition_variable adopted_;                              ///< signalled when adoption ends
    std::int64_t version_ = 0;                                     ///< guarded
    /// When each converger's component was first seen missing from the cache; maintenance thread only.
    std::map<std::string, std::chrono::steady_clock::time_point> missingSince_;
    std::unique_ptr<sdk::Subscription> subscription_;
    std::jthread maintenance_;
};

} // namespace maelstrom::core
