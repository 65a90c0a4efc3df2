// remote_instances.cpp — see remote_instances.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster/remote_instances.h"

namespace maelstrom::core {

std::string remoteInstanceId(const std::string& nodeId) { return "peer:" + nodeId; }

void RemoteInstances::update(const std::vector<sdk::NodeStatus>& nodes) {
    // component → node → (active instances, maxConcurrency as reported)
    std::map<std::string, std::map<std::string, std::pair<std::int64_t, std::int64_t>>> active;
    std::map<std::string, std::string> urls;
    for (const auto& node : nodes) {
        if (node.nodeId == selfId_) {
            continue;
        }
        urls[node.nodeId] = node.peerUrl;
        for (const auto& info : node.runningComponents) {
            if (info.status == "active") {
                auto& entry = active[info.componentName][node.nodeId];
                ++entry.first;
                entry.second = info.maxConcurrency;
            }
        }
    }
    std::map<std::string, std::map<std::string, std::int64_t>> wanted;
    for (const auto& [component, byNode] : active) {
        const auto cached = components_.find(component);
        for (const auto& [nodeId, counts] : byNode) {
            const std::int64_t perInstance =
                cached ? instanceCapacity(cached->maxConcurrency, cached->softConcurrencyLimit)
                       : instanceCapacity(counts.second, false);
            wanted[component][nodeId] = perInstance == 0 ? 0 : counts.first * perInstance;
        }
    }
    // Remove what is gone, then add or resize what is wanted.
    for (auto& [component, byNode] : registered_) {
        const auto w = wanted.find(component);
        for (auto it = byNode.begin(); it != byNode.end();) {
            if (w == wanted.end() || w->second.count(it->first) == 0) {
                if (const auto router = routers_.find(component)) {
                    router->removeInstance(remoteInstanceId(it->first));
                }
                it = byNode.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (const auto& [component, byNode] : wanted) {
        for (const auto& [nodeId, slots] : byNode) {
            auto& known = registered_[component];
            // Announced again even when unchanged: the gateway drops a peer it cannot reach, and the next view
            // change brings it back.
            routers_.byComponent(component)->addInstance(
                makeInstanceSpec(remoteInstanceId(nodeId), urls[nodeId], slots, true));
            known[nodeId] = slots;
        }
    }
    std::erase_if(registered_, [](const auto& entry) { return entry.second.empty(); });
}

} // namespace maelstrom::core
