// placement.h — cold starts across the cluster: the routers' ColdStarter and NodeService.PlaceComponent. Exactly
// one node (the holder of the `placement` role lock) decides; the others hand it the work; the decision is made
// on fresh statuses of every node and carried out with StartStopComponents under the optimistic version check,
// so concurrent cold starts of one component on any number of nodes start one container.
// SPDX-License-Identifier: Apache-2.0
//
// placeComponent(name):
// 1. Take or renew the `placement` role (lease kPlacementLease). Held by another node that is in the view: the
//    whole call is delegated to it (PlaceComponent RPC) and its answer returned. Otherwise retried every 50-250 ms
//    (the reference: 2-5 s) for up to 70 s.
// 2. Concurrent calls for one component on this node share one placement.
// 3. With fresh statuses of all nodes: a node already running (starting or active) an instance answers at once;
//    otherwise the best node (placement_plan.h, displacing least recently used instances of other components
//    when memory is short) gets StartStopComponents{block}. A version mismatch (the node changed meanwhile) is
//    retried at once with fresh statuses. A component whose reservation fits on no node fails with a log line
//    naming the reservation and the largest node; its waiting requests end at their deadline.
// The lease is renewed while placements run here and the role is released when the last one ends (the reference released it when the
// first ended, while others were still placing).
// Threads: requestStart() returns at once (the work runs on a thread of its own per component);
// placeComponent() blocks. Destruction waits for placements in progress.
#pragma once

#include "cluster/node_service.h"
#include "metrics/cluster_metrics.h"
#include "routing/router.h"

#include <maelstrom/sdk/database.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::core {

/// The placement role's lease, renewed every kPlacementRenewal while placements run here: a holder that dies
/// mid-placement blocks the others' cold starts for at most this long (the reference: a one-minute lease).
inline constexpr std::chrono::seconds kPlacementLease{10};
inline constexpr std::chrono::seconds kPlacementRenewal{3};
inline constexpr std::chrono::seconds kPlacementRoleWait{70};
inline constexpr std::chrono::minutes kPlacementDeadline{3};

class Placement : public ColdStarter {
public:
    Placement(NodeService& nodes, std::shared_ptr<sdk::Database> database);
    ~Placement() override;
    Placement(const Placement&) = delete;
    Placement& operator=(const Placement&) = delete;

    /// ColdStarter: places `component` in the background (one placement per component at a time).
    void requestStart(const std::string& component) override;
    /// PlaceComponent. @return the status of the node that runs the component. @throws sdk::RpcError
    /// (1003 unknown component, -32000 cannot be placed, -32001 role neither taken nor delegated).
    sdk::NodeStatus placeComponent(const std::string& component);
    /// No new placements; waits for those in progress (bounded by their own deadlines).
    void stop();
    /// Where the decisions are counted (may be null; outlives this). Set before the first placement.
    void setMetrics(ClusterMetrics* metrics) { metrics_ = metrics; }

private:
    struct Shared; ///< one placement in progress, shared by the calls waiting for it
    /// Takes the role (true), or delegates the placement to its holder (`delegated` set).
    bool takeRole(const std::string& component, std::optional<sdk::NodeStatus>& delegated);
    void leaveRole();
    /// Renews the role every kPlacementRenewal until stopped.
    void renewRole(const std::string& me, std::stop_token stop);
    sdk::NodeStatus placeShared(const std::string& component);
    sdk::NodeStatus placeHere(const std::string& component);
    /// One attempt on fresh statuses; nothing when the chosen node changed meanwhile (retry at once).
    std::optional<sdk::NodeStatus> placeOnce(const sdk::Component& component);

    NodeService& nodes_;
    std::shared_ptr<sdk::Database> database_;
    std::mutex mutex_;
    std::condition_variable done_;
    std::map<std::string, std::shared_ptr<Shared>> inProgress_; ///< guarded by mutex_
    std::set<std::string> background_;                          ///< guarded; components placed by requestStart
    int running_ = 0;                                           ///< guarded; requestStart threads alive
    bool stopped_ = false;                                      ///< guarded
    std::mutex roleMutex_;                                      ///< orders role acquire/release with holding_
    int holding_ = 0;                                           ///< guarded by roleMutex_
    std::jthread renewer_;                                      ///< guarded; renews the lease while holding_ > 0
    ClusterMetrics* metrics_ = nullptr;
};

} // namespace maelstrom::core
