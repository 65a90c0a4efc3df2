// cluster_autoscaler.cpp — see cluster_autoscaler.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster/cluster_autoscaler.h"

#include "cluster/placement_plan.h"
#include "lifecycle/autoscale.h"

#include <maelstrom/sdk/clock.h>

#include <Poco/Logger.h>

#include <condition_variable>
#include <future>
#include <map>
#include <set>

namespace maelstrom::core {
namespace {

Poco::Logger& log() { return Poco::Logger::get("maelstrom.autoscale"); }

constexpr const char* kAutoscaleRole = "autoscale";

enum class Group { StartOnly, StartStop, StopOnly };

Group groupOf(const PlacementOption& option) {
    if (option.scaleUps() > 0) {
        return option.scaleDowns() > 0 ? Group::StartStop : Group::StartOnly;
    }
    return Group::StopOnly;
}

std::string describe(const PlacementOption& option) {
    const auto counts = freshOptions({option.node}).front().containerCounts();
    std::string text;
    for (const auto& t : option.targets) {
        const auto it = counts.find(t.componentName);
        const std::int64_t before = it == counts.end() ? 0 : it->second;
        text += (text.empty() ? "" : ", ") + t.componentName + " " + std::to_string(before) + " -> " +
                std::to_string(t.targetCount);
    }
    return text;
}

} // namespace

ClusterAutoscaler::ClusterAutoscaler(NodeService& nodes, std::shared_ptr<sdk::Database> database,
                                     ComponentCache& components)
    : nodes_(nodes), database_(std::move(database)), components_(components) {}

ClusterAutoscaler::~ClusterAutoscaler() { stop(); }

void ClusterAutoscaler::start() {
    thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void ClusterAutoscaler::stop() {
    if (!thread_.joinable()) {
        return;
    }
    thread_.request_stop();
    thread_.join();
    if (holding_) {
        try {
            database_->releaseRole(kAutoscaleRole, nodes_.nodeId());
        } catch (const std::exception& e) {
            log().warning(std::string("autoscale: releasing the role (it expires by itself): ") + e.what());
        }
        holding_ = false;
    }
}

void ClusterAutoscaler::loop(std::stop_token stop) {
    std::mutex sleepMutex;
    std::condition_variable_any sleep; // nobody notifies it: the pause ends on time or on stop
    while (!stop.stop_requested()) {
        try {
            if (holdRole()) {
                pass();
            }
        } catch (const std::exception& e) {
            log().error(std::string("autoscale pass: ") + e.what());
        }
        std::unique_lock lock(sleepMutex);
        sleep.wait_for(lock, stop, kAutoscalePeriod, [] { return false; });
    }
}

bool ClusterAutoscaler::holdRole() {
    bool acquired = false;
    try {
        acquired =
            database_
                ->acquireOrRenewRole(kAutoscaleRole, nodes_.nodeId(),
                                     std::chrono::duration_cast<std::chrono::milliseconds>(kAutoscaleLease).count())
                .acquired;
    } catch (const std::exception& e) {
        if (holding_) {
            log().warning(std::string("autoscale: cannot renew the autoscale role: ") + e.what());
        }
        acquired = false;
    }
    if (acquired != holding_) {
        log().information(acquired ? "autoscale: this node now decides scaling for the cluster"
                                   : "autoscale: another node decides scaling now");
    }
    holding_ = acquired;
    return acquired;
}

void ClusterAutoscaler::pass() {
    if (!components_.loaded() || nodes_.terminating()) {
        return;
    }
    std::vector<sdk::NodeStatus> nodes;
    for (auto& n : nodes_.refreshAll()) {
        nodes.push_back(withoutStopping(std::move(n)));
    }
    if (nodes.empty()) {
        return;
    }
    const auto all = components_.all();
    std::set<std::string> running;
    for (const auto& n : nodes) {
        for (const auto& info : n.runningComponents) {
            running.insert(info.componentName);
        }
    }
    const std::int64_t nowMs = sdk::unixMillis();
    std::vector<ScaleDelta> deltas;
    for (const auto& [name, component] : *all) {
        if (!component.docker || (component.minInstances <= 0 && running.count(name) == 0)) {
            continue;
        }
        const AutoscaleInput input = clusterAutoscaleInput(name, nodes, nowMs);
        const std::int64_t current = static_cast<std::int64_t>(input.instanceWindows.size());
        const std::int64_t target = autoscaleTarget(component, input);
        if (target != current) {
            deltas.push_back(ScaleDelta{name, target - current, sdk::effectiveReserveMemoryMiB(*component.docker),
                                        component.maxInstancesPerNode});
            if (metrics_) {
                metrics_->countScaleDecision(name, target > current);
            }
            if (target < current && target == 0) {
                log().information("component " + name + ": idle for " + std::to_string(input.secondsIdle) +
                                  " s: scaling to zero");
            }
        }
    }
    // Instances of components that no longer exist are the converger's to remove (component removal), not ours.
    // Without deltas the plan may still move an instance onto an empty node.
    const auto plan = planScale(nodes, deltas);
    for (const Group group : {Group::StartOnly, Group::StartStop, Group::StopOnly}) {
        std::vector<const PlacementOption*> options;
        for (const auto& o : plan) {
            if (groupOf(o) == group) {
                options.push_back(&o);
            }
        }
        if (options.empty()) {
            continue;
        }
        if (!holdRole()) {
            log().warning("autoscale: lost the autoscale role while applying a plan");
            return;
        }
        std::vector<std::future<bool>> calls;
        for (const PlacementOption* o : options) {
            calls.push_back(std::async(std::launch::async, [this, o] {
                StartStopRequest request;
                request.clientNodeId = nodes_.nodeId();
                request.targetVersion = o->node.version;
                request.targetCounts = o->targets;
                request.block = true;
                try {
                    const auto result = nodes_.startStopOn(o->node, request);
                    if (metrics_) {
                        metrics_->countScaleAction(o->node.nodeId,
                                                   result.targetVersionMismatch ? "version_mismatch" : "applied");
                    }
                    if (!result.targetVersionMismatch) {
                        log().information("autoscale: node " + o->node.nodeId + ": " + describe(*o));
                    }
                    return true; // a mismatch is no error: the next pass decides on fresher state
                } catch (const std::exception& e) {
                    if (metrics_) {
                        metrics_->countScaleAction(o->node.nodeId, "failed");
                    }
                    log().warning("autoscale: node " + o->node.nodeId + ": " + e.what());
                    return false;
                }
            }));
        }
        bool ok = true;
        for (auto& c : calls) {
            ok = c.get() && ok;
        }
        if (!ok) {
            return; // the remaining groups wait for the next pass
        }
    }
}

} // namespace maelstrom::core
