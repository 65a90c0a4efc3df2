// node_service.cpp — see node_service.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster/node_service.h"

#include "lifecycle/lifecycle_manager.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/Logger.h>

#include <future>
#include <thread>

namespace maelstrom::core {
namespace {

Poco::Logger& log() { return Poco::Logger::get("maelstrom.cluster"); }

} // namespace

NodeService::NodeService(LocalNode& node, ClusterView& view, PeerClient& peers, std::shared_ptr<sdk::Database> database,
                         std::weak_ptr<LifecycleManager> lifecycle, std::string instanceId,
                         std::function<void(const AwsLifecycleHook&)> accepted)
    : node_(node), view_(view), peers_(peers), database_(std::move(database)), lifecycle_(std::move(lifecycle)),
      instanceId_(std::move(instanceId)), accepted_(std::move(accepted)) {}

void NodeService::statusChanged(const std::string& nodeId, bool exiting, const sdk::NodeStatus* status) {
    if (nodeId == node_.nodeId()) {
        return; // our own entry is ours to keep
    }
    if (exiting) {
        if (view_.removeExitedNode(nodeId)) {
            log().information("cluster: node " + nodeId + " left");
        }
        return;
    }
    if (!status) {
        throw sdk::RpcError(sdk::RpcCode::InvalidParams, "barrister: param[0].status: is required unless exiting");
    }
    const bool known = view_.contains(status->nodeId);
    if (view_.setNode(*status) && !known) {
        log().information("cluster: node " + status->nodeId + " joined (" + status->peerUrl + ")");
    }
}

std::vector<sdk::NodeStatus> NodeService::listNodeStatus(bool forceRefresh) {
    view_.setNode(node_.status());
    if (forceRefresh) {
        const auto nodes = view_.peers();
        std::vector<std::future<bool>> calls;
        for (const auto& n : nodes) {
            calls.push_back(std::async(std::launch::async, [this, n] {
                try {
                    refresh(n);
                    return true;
                } catch (const std::exception& e) {
                    log().warning("cluster: refreshing the status of node " + n.nodeId + ": " + e.what());
                    return false;
                }
            }));
        }
        bool ok = true;
        for (auto& c : calls) {
            ok = c.get() && ok;
        }
        if (!ok) {
            throw sdk::RpcError(sdk::RpcCode::MiscError, "nodesvc: ListNodeStatus - error refreshing node status");
        }
    }
    return view_.nodes();
}

StartStopResult NodeService::startStop(const StartStopRequest& request) {
    if (terminating_) {
        throw sdk::RpcError(sdk::RpcCode::MiscError, "nodesvc: StartStopComponents: node is terminated");
    }
    const auto lifecycle = lifecycle_.lock();
    if (!lifecycle || !database_) {
        throw sdk::RpcError(sdk::RpcCode::MiscError,
                            "nodesvc: StartStopComponents: this node runs no containers (no container runtime)");
    }
    std::vector<TargetChange> targets;
    for (const auto& t : request.targetCounts) {
        std::optional<sdk::Component> component;
        try {
            component = database_->getComponent(t.componentName);
        } catch (const std::exception& e) {
            throw sdk::RpcError(sdk::RpcCode::MiscError,
                                "nodesvc: GetComponent failed for: " + t.componentName + ": " + e.what());
        }
        if (!component) {
            // Removed meanwhile: a count of zero still stops what runs of it here.
            if (t.targetCount > 0) {
                throw sdk::RpcError(sdk::RpcCode::MiscError, "nodesvc: GetComponent failed for: " + t.componentName);
            }
            continue;
        }
        targets.push_back(TargetChange{*component, t.targetCount});
    }
    StartStopResult result;
    result.targetVersionMismatch = !lifecycle->applyTargets(request.targetVersion, targets, request.block);
    if (terminating_) {
        throw sdk::RpcError(sdk::RpcCode::MiscError, "nodesvc: StartStopComponents: node is terminated");
    }
    result.targetStatus = node_.status();
    view_.setNode(result.targetStatus);
    return result;
}

TerminateAnswer NodeService::terminate(const AwsLifecycleHook& hook) {
    TerminateAnswer answer{false, node_.nodeId(), instanceId_};
    if (!instanceId_.empty() && hook.instanceId == instanceId_) {
        log().warning("cluster: TerminateNode for this instance (" + instanceId_ + "): shutting down gracefully");
        answer.acceptedMessage = true;
        if (accepted_) {
            accepted_(hook);
        }
    }
    return answer;
}

StartStopResult NodeService::startStopOn(const sdk::NodeStatus& node, const StartStopRequest& request) {
    if (node.nodeId == node_.nodeId()) {
        return startStop(request);
    }
    StartStopResult result = peers_.startStopComponents(node.peerUrl, request);
    if (!result.targetStatus.nodeId.empty()) {
        view_.setNode(result.targetStatus);
    }
    return result;
}

sdk::NodeStatus NodeService::refresh(const sdk::NodeStatus& node) {
    sdk::NodeStatus fresh = node.nodeId == node_.nodeId() ? node_.status() : peers_.getStatus(node.peerUrl);
    view_.setNode(fresh);
    return fresh;
}

std::vector<sdk::NodeStatus> NodeService::refreshAll() {
    const auto nodes = view_.nodes();
    std::vector<std::future<std::optional<sdk::NodeStatus>>> calls;
    for (const auto& n : nodes) {
        calls.push_back(std::async(std::launch::async, [this, n]() -> std::optional<sdk::NodeStatus> {
            try {
                return refresh(n);
            } catch (const std::exception& e) {
                log().debug("cluster: status of node " + n.nodeId + ": " + e.what());
                return std::nullopt;
            }
        }));
    }
    std::vector<sdk::NodeStatus> fresh;
    for (auto& c : calls) {
        if (auto s = c.get()) {
            fresh.push_back(std::move(*s));
        }
    }
    return fresh;
}

std::vector<Converger::State> NodeService::rolloutStatus() const {
    const auto lifecycle = lifecycle_.lock();
    return lifecycle ? lifecycle->state() : std::vector<Converger::State>{};
}

} // namespace maelstrom::core
