// remote_instances.h — the peers' instances as seen by this node's routers: for each component and each other
// node in the cluster view that runs active instances of it, one remote router instance whose endpoint is that
// node's peer URL and whose slots are its active instances × the component's concurrency (unlimited with
// softConcurrencyLimit). A request that finds no free local slot may take one of those and is relayed to the
// peer's private gateway, where the peer's own router enforces the per-container limit.
// SPDX-License-Identifier: Apache-2.0
//
// The reference gave each peer N dispensers of N slots each (up to N² requests in flight towards it); here the
// peer gets exactly N slots, which is what its containers can take at once.
// Threads: update() is the cluster view's observer; calls are serialised by the view.
#pragma once

#include "gateway/component_cache.h"
#include "routing/router_registry.h"

#include <maelstrom/sdk/model.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace maelstrom::core {

/// The router instance id of node `nodeId`'s instances ("peer:<nodeId>").
std::string remoteInstanceId(const std::string& nodeId);

class RemoteInstances {
public:
    RemoteInstances(std::string selfId, RouterRegistry& routers, ComponentCache& components)
        : selfId_(std::move(selfId)), routers_(routers), components_(components) {}

    /// Brings the routers' remote instances in line with `nodes` (the whole cluster view).
    void update(const std::vector<sdk::NodeStatus>& nodes);

private:
    const std::string selfId_;
    RouterRegistry& routers_;
    ComponentCache& components_;
    /// What is registered: component → node id → slots.
    std::map<std::string, std::map<std::string, std::int64_t>> registered_;
};

} // namespace maelstrom::core
