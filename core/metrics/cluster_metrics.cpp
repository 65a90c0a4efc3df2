// cluster_metrics.cpp — see cluster_metrics.h.
// SPDX-License-Identifier: Apache-2.0
#include "metrics/cluster_metrics.h"

#include "metrics/prometheus_text.h"

#include <tuple>

namespace maelstrom::core {
namespace {

std::string label(const char* name, const std::string& value) {
    return std::string(name) + "=\"" + prometheus::escapeLabel(value) + "\"";
}

const char* stateOf(const sdk::ComponentInfo& info) {
    if (info.paused) {
        return "paused";
    }
    if (info.status == "starting") {
        return "starting";
    }
    if (info.status == "stopping") {
        return "stopping";
    }
    return "active";
}

} // namespace

void ClusterMetrics::setNodesSource(NodesSource source) { nodes_ = std::move(source); }

void ClusterMetrics::countPlacement(const std::string& outcome, const std::string& node) {
    std::lock_guard lock(mutex_);
    ++placements_[{outcome, node}];
}

void ClusterMetrics::countScaleDecision(const std::string& component, bool up) {
    std::lock_guard lock(mutex_);
    ++scaleDecisions_[{component, up ? "up" : "down"}];
}

void ClusterMetrics::countScaleAction(const std::string& node, const std::string& outcome) {
    std::lock_guard lock(mutex_);
    ++scaleActions_[{node, outcome}];
}

std::uint64_t ClusterMetrics::placements(const std::string& outcome, const std::string& node) const {
    std::lock_guard lock(mutex_);
    const auto it = placements_.find({outcome, node});
    return it == placements_.end() ? 0 : it->second;
}

std::uint64_t ClusterMetrics::scaleDecisions(const std::string& component, bool up) const {
    std::lock_guard lock(mutex_);
    const auto it = scaleDecisions_.find({component, up ? "up" : "down"});
    return it == scaleDecisions_.end() ? 0 : it->second;
}

std::string ClusterMetrics::render() const {
    std::string out;
    {
        std::lock_guard lock(mutex_);
        prometheus::header(out, "maelstrom_placement_decisions_total", "counter",
                           "Cold-start placements decided on this node, by outcome and chosen node.");
        for (const auto& [key, n] : placements_) {
            prometheus::sample(out, "maelstrom_placement_decisions_total",
                               label("outcome", key.first) + "," + label("node", key.second), n);
        }
        prometheus::header(out, "maelstrom_autoscale_decisions_total", "counter",
                           "Autoscaler decisions on this node that changed a component's instance count.");
        for (const auto& [key, n] : scaleDecisions_) {
            prometheus::sample(out, "maelstrom_autoscale_decisions_total",
                               label("component", key.first) + "," + label("direction", key.second), n);
        }
        prometheus::header(out, "maelstrom_autoscale_actions_total", "counter",
                           "Scaling orders the autoscaler on this node sent, by target node and outcome.");
        for (const auto& [key, n] : scaleActions_) {
            prometheus::sample(out, "maelstrom_autoscale_actions_total",
                               label("node", key.first) + "," + label("outcome", key.second), n);
        }
    }
    if (!nodes_) {
        return out;
    }
    const std::vector<sdk::NodeStatus> nodes = nodes_();
    std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> instances;
    for (const auto& node : nodes) {
        for (const auto& info : node.runningComponents) {
            ++instances[{info.componentName, node.nodeId, stateOf(info)}];
        }
    }
    prometheus::header(out, "maelstrom_cluster_instances", "gauge",
                       "Instances per component, node and state (active, starting, stopping, paused).");
    for (const auto& [key, n] : instances) {
        const auto& [component, node, state] = key;
        prometheus::sample(out, "maelstrom_cluster_instances",
                           label("component", component) + "," + label("node", node) + "," + label("state", state), n);
    }
    prometheus::header(out, "maelstrom_cluster_nodes", "gauge", "Nodes in this node's cluster view, itself included.");
    prometheus::sample(out, "maelstrom_cluster_nodes", "", nodes.size());
    return out;
}

} // namespace maelstrom::core
