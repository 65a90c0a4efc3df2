// node_service.h — NodeService, the node-to-node half of the control plane: this node's fresh status, the
// cluster view as this node knows it, status broadcasts received from peers, StartStopComponents (the instance
// counts placement and the autoscaler ask of this node, under the optimistic version check), and TerminateNode.
// It is also how placement and the autoscaler address any node: the same call goes to this node's lifecycle
// directly or to a peer over RPC.
// SPDX-License-Identifier: Apache-2.0
//
// StartStopComponents: refused once the node is terminating ("nodesvc: StartStopComponents: node is terminated");
// each component is loaded from the database; a targetVersion that is not the node's current version changes
// nothing and answers targetVersionMismatch; the answer always carries the node's status after the call.
// TerminateNode: when the hook's InstanceId is this node's instance id (both non-empty), the node answers
// acceptedMessage = true and hands the hook to `accepted` (the AWS lifecycle: delete the queue message, start the
// graceful shutdown, complete the lifecycle action after it); the reference always answered false.
// Threads: every method is thread-safe; startStop and the fan-out calls block (RPC worker threads).
#pragma once

#include "cluster/cluster_view.h"
#include "cluster/local_node.h"
#include "cluster/peer_client.h"
#include "lifecycle/converger.h"

#include <maelstrom/sdk/database.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace maelstrom::core {

class LifecycleManager;

class NodeService {
public:
    /// `database` and `lifecycle` may be null/expired (no instance can be started here: StartStopComponents
    /// fails). `accepted` receives a TerminateNode hook naming this instance (it starts the graceful shutdown).
    NodeService(LocalNode& node, ClusterView& view, PeerClient& peers, std::shared_ptr<sdk::Database> database,
                std::weak_ptr<LifecycleManager> lifecycle, std::string instanceId,
                std::function<void(const AwsLifecycleHook&)> accepted);

    /// The lifecycle StartStopComponents drives (created after this service). Call before serving.
    void attachLifecycle(std::weak_ptr<LifecycleManager> lifecycle) { lifecycle_ = std::move(lifecycle); }

    const std::string& nodeId() const { return node_.nodeId(); }
    const std::string& peerUrl() const { return node_.peerUrl(); }
    ClusterView& view() { return view_; }
    PeerClient& peers() { return peers_; }

    /// GetStatus: this node's status computed now.
    sdk::NodeStatus status() const { return node_.status(); }
    /// StatusChanged from a peer: `exiting` removes it from the view, otherwise its status is stored if newer.
    void statusChanged(const std::string& nodeId, bool exiting, const sdk::NodeStatus* status);
    /// ListNodeStatus: the view (this node's own entry fresh); with `forceRefresh` every node is asked for its
    /// status first. @throws sdk::RpcError -32000 when a refresh call failed.
    std::vector<sdk::NodeStatus> listNodeStatus(bool forceRefresh);
    /// StartStopComponents on this node.
    StartStopResult startStop(const StartStopRequest& request);
    /// ListRolloutStatus: the state of every component converger of this node (instances, the start in progress,
    /// the last failed start); empty when no lifecycle is attached.
    std::vector<Converger::State> rolloutStatus() const;
    /// TerminateNode on this node (RPC or the local lifecycle-queue poller).
    TerminateAnswer terminate(const AwsLifecycleHook& hook);

    /// StartStopComponents on `node` (this node directly, a peer over RPC); the answer's status is stored in the
    /// view. @throws sdk::RpcError.
    StartStopResult startStopOn(const sdk::NodeStatus& node, const StartStopRequest& request);
    /// A fresh status of `node` (GetStatus), stored in the view. @throws sdk::RpcError.
    sdk::NodeStatus refresh(const sdk::NodeStatus& node);
    /// Fresh statuses of every node in the view, in parallel; nodes that do not answer are left out.
    std::vector<sdk::NodeStatus> refreshAll();

    /// From now on StartStopComponents is refused (graceful shutdown).
    void markTerminating() { terminating_ = true; }
    bool terminating() const { return terminating_; }

private:
    LocalNode& node_;
    ClusterView& view_;
    PeerClient& peers_;
    std::shared_ptr<sdk::Database> database_;
    std::weak_ptr<LifecycleManager> lifecycle_;
    const std::string instanceId_;
    std::function<void(const AwsLifecycleHook&)> accepted_;
    std::atomic<bool> terminating_{false};
};

} // namespace maelstrom::core
