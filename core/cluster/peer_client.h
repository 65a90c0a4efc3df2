// peer_client.h — calls to other maelstromd nodes: NodeService and MaelstromService methods over the RPC
// transport plugin's client (authenticated with the private token when one is set), and the plain health check
// (`GET <peerUrl>/_mael_health_check`). One client per peer URL and timeout class is kept (connections stay
// alive between calls).
// SPDX-License-Identifier: Apache-2.0
//
// Timeouts: status calls (GetStatus, StatusChanged, NotifyDataChanged) 5 s, so a dead peer never holds a
// broadcast for long; placement calls (PlaceComponent, StartStopComponents) 3 minutes, as long as a start may take;
// TerminateNode the same 3 minutes (the accepting peer deletes the queue message before it answers, with AWS's
// retries).
// Threads: every method is thread-safe and blocks for at most its timeout. Errors are thrown as sdk::RpcError
// (transport failures -32603, remote errors with their code).
#pragma once

#include "cluster/placement_plan.h"

#include <maelstrom/sdk/model.h>
#include <maelstrom/sdk/rpc_transport.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace maelstrom::core {

/// StartStopComponents input (wire: StartStopComponentsInput).
struct StartStopRequest {
    std::string clientNodeId;
    std::int64_t targetVersion = 0;
    std::vector<ComponentTarget> targetCounts;
    bool returnStatus = true;
    bool block = false;
};

/// StartStopComponents output; `started`, `stopped` and `errors` travel as empty lists, as in the reference.
struct StartStopResult {
    bool targetVersionMismatch = false;
    sdk::NodeStatus targetStatus;
};

/// One entry of NotifyDataChanged: a component put (the stored component) or removed.
struct DataChangeNotice {
    std::optional<sdk::Component> putComponent;
    std::string removedName; ///< set for a removal
    bool removedFound = false;
};

/// The Auto Scaling lifecycle-hook notice TerminateNode carries (wire: AwsLifecycleHook, keys capitalised as the
/// reference writes them): which queue message it came from, and what CompleteLifecycleAction needs.
struct AwsLifecycleHook {
    std::string queueUrl;             ///< QueueUrl
    std::string messageReceiptHandle; ///< MessageReceiptHandle
    std::string autoScalingGroupName; ///< AutoScalingGroupName
    std::string instanceId;           ///< InstanceId
    std::string lifecycleActionToken; ///< LifecycleActionToken
    std::string lifecycleHookName;    ///< LifecycleHookName
};

/// TerminateNode output.
struct TerminateAnswer {
    bool acceptedMessage = false;
    std::string nodeId;
    std::string instanceId;
};

/// Wire encoding of the NodeService structs shared by the server (ApiDispatcher) and the client side.
std::string encodeAwsLifecycleHook(const AwsLifecycleHook& hook);
std::string encodeTerminateAnswer(const TerminateAnswer& answer);
std::string encodeStartStopRequest(const StartStopRequest& request);
std::string encodeStartStopResult(const StartStopResult& result);
std::string encodeDataChanges(const std::string& nodeId, const std::vector<DataChangeNotice>& changes);

class PeerClient {
public:
    /// `transport` may be null (no peer calls possible: every call throws). `privateToken` may be empty.
    PeerClient(std::shared_ptr<sdk::RpcTransport> transport, std::string privateToken);

    sdk::NodeStatus getStatus(const std::string& peerUrl);
    void statusChanged(const std::string& peerUrl, const std::string& nodeId, bool exiting,
                       const sdk::NodeStatus* status);
    /// @return the placing node's answer: the node that runs the component.
    sdk::NodeStatus placeComponent(const std::string& peerUrl, const std::string& componentName);
    StartStopResult startStopComponents(const std::string& peerUrl, const StartStopRequest& request);
    void notifyDataChanged(const std::string& peerUrl, const std::string& nodeId,
                           const std::vector<DataChangeNotice>& changes);
    /// TerminateNode with `hook` (the peer deletes the queue message and shuts down when the instance is its own).
    TerminateAnswer terminateNode(const std::string& peerUrl, const AwsLifecycleHook& hook);
    /// GET <peerUrl>/_mael_health_check within `timeout`. @return whether it answered 200.
    static bool healthy(const std::string& peerUrl, std::chrono::milliseconds timeout);

    const std::string& privateToken() const noexcept { return token_; }

private:
    std::string call(const std::string& peerUrl, const std::string& method, const std::string& input, bool longCall);

    std::shared_ptr<sdk::RpcTransport> transport_;
    const std::string token_;
    std::mutex mutex_;
    std::map<std::pair<std::string, bool>, std::shared_ptr<sdk::RpcClient>> clients_; ///< guarded by mutex_
};

/// Decodes StartStopComponentsOutput / StartStopComponentsInput JSON text. @throws sdk::JsonError.
StartStopResult decodeStartStopResult(const std::string& json);

} // namespace maelstrom::core
