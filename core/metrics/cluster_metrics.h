// cluster_metrics.h — the cluster's decisions and shape on the private port's `/_mael/metrics`: placements made
// here (cold starts placed on a node), the autoscaler's scale-up and scale-down decisions while this node decides,
// and the instances of every component on every node of this node's cluster view.
// SPDX-License-Identifier: Apache-2.0
//
// Names:
//   maelstrom_placement_decisions_total{outcome,node}        counter  placements this node decided: outcome
//        started (a start was ordered on `node`), already_running (`node` runs one already), retried (`node`
//        changed meanwhile; decided again), unplaceable (fits on no node; node=""), failed (the start on `node`
//        failed)
//   maelstrom_autoscale_decisions_total{component,direction} counter  autoscaler passes on this node that changed
//        a component's target instance count (direction up or down)
//   maelstrom_autoscale_actions_total{node,outcome}          counter  scaling orders sent to `node`: applied,
//        version_mismatch (the node changed meanwhile; decided again next pass), failed
//   maelstrom_cluster_instances{component,node,state}        gauge    instances per component and node (state
//        active, starting, stopping, paused), this node's from its lifecycle now and the peers' as last reported
//   maelstrom_cluster_nodes                                  gauge    nodes in this node's view (itself included)
// Decisions are rare (a few per second at most): one mutex guards the counters. The gauges are read from the
// nodes source when scraped. Thread-safety: every method is thread-safe; setNodesSource() before serving.
#pragma once

#include <maelstrom/sdk/model.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace maelstrom::core {

class ClusterMetrics {
public:
    using NodesSource = std::function<std::vector<sdk::NodeStatus>()>;

    /// Where the instances gauge reads the nodes from (this node and its peers).
    void setNodesSource(NodesSource source);

    /// A placement decided here: `outcome` (started, already_running, retried, unplaceable, failed) on `node`.
    void countPlacement(const std::string& outcome, const std::string& node);
    /// The autoscaler changed `component`'s target count: up (more instances) or down.
    void countScaleDecision(const std::string& component, bool up);
    /// A scaling order sent to `node` ended with `outcome` (applied, version_mismatch, failed).
    void countScaleAction(const std::string& node, const std::string& outcome);

    std::uint64_t placements(const std::string& outcome, const std::string& node) const;
    std::uint64_t scaleDecisions(const std::string& component, bool up) const;

    /// The exposition text (the decision families always, with HELP and TYPE; the gauges when a source is set).
    std::string render() const;

private:
    using Pair = std::pair<std::string, std::string>;
    mutable std::mutex mutex_;
    std::map<Pair, std::uint64_t> placements_;     ///< guarded; (outcome, node)
    std::map<Pair, std::uint64_t> scaleDecisions_; ///< guarded; (component, direction)
    std::map<Pair, std::uint64_t> scaleActions_;   ///< guarded; (node, outcome)
    NodesSource nodes_;                            ///< set before serving
};

} // namespace maelstrom::core
