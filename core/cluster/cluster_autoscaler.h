// cluster_autoscaler.h — scaling across the cluster: every kAutoscalePeriod the holder of the `autoscale` role
// lock takes fresh statuses of every node, computes each component's target instance count from the
// concurrency windows and idle time of all its instances (lifecycle/autoscale.h), turns the differences into
// per-node counts (placement_plan.h: scale-downs, scale-ups spread by anti-affinity, minInstances, one instance
// moved onto each empty node) and applies them with StartStopComponents under the version check: starts first,
// then start+stop changes, then stops, so new capacity is up before anything goes.
// SPDX-License-Identifier: Apache-2.0
//
// The reference ran this once a minute (first run after a minute) with a one-minute lease; here the pass runs
// every second with a kAutoscaleLease lease renewed at each pass, so idle components stop within about a second
// of their idle timeout, a new node receives work within a few seconds, and a holder that dies is replaced
// within one lease. Components considered: every component with minInstances > 0 or an instance somewhere.
// Threads: start()/stop() from the owner's thread; the pass runs on a thread of its own.
#pragma once

#include "cluster/node_service.h"
#include "gateway/component_cache.h"
#include "metrics/cluster_metrics.h"

#include <maelstrom/sdk/database.h>

#include <chrono>
#include <memory>
#include <thread>

namespace maelstrom::core {

inline constexpr std::chrono::milliseconds kAutoscalePeriod{1000};
inline constexpr std::chrono::seconds kAutoscaleLease{10};

class ClusterAutoscaler {
public:
    ClusterAutoscaler(NodeService& nodes, std::shared_ptr<sdk::Database> database, ComponentCache& components);
    ~ClusterAutoscaler();
    ClusterAutoscaler(const ClusterAutoscaler&) = delete;
    ClusterAutoscaler& operator=(const ClusterAutoscaler&) = delete;

    void start();
    /// Stops the loop and releases the role.
    void stop();
    /// Where the decisions are counted (may be null; outlives this). Set before start().
    void setMetrics(ClusterMetrics* metrics) { metrics_ = metrics; }

private:
    void loop(std::stop_token stop);
    bool holdRole();
    void pass();

    NodeService& nodes_;
    std::shared_ptr<sdk::Database> database_;
    ComponentCache& components_;
    ClusterMetrics* metrics_ = nullptr;
    bool holding_ = false; ///< loop thread only
    std::jthread thread_;
};

} // namespace maelstrom::core
