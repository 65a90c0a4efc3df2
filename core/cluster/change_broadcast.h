// change_broadcast.h — tells every peer about the component changes made through this node
// (MaelstromService.NotifyDataChanged), so their convergers, resolvers and image pullers act at once instead of
// at their next refresh. Changes that came from a peer are not sent again. A change of a component's event sources
// (put, remove, toggle) goes out as a put of that component, which the protocol's receivers answer by re-reading
// it and reloading their routes and event sources; so the node that fires cron sees it within a second.
// SPDX-License-Identifier: Apache-2.0
//
// Threads: the DataChanges subscriber only queues (it must return at once); a thread of its own sends each batch
// to all peers in parallel. A peer that does not answer is logged and left to its periodic refresh.
#pragma once

#include "api/data_changes.h"
#include "cluster/node_service.h"
#include "gateway/component_cache.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace maelstrom::core {

class ChangeBroadcast {
public:
    /// `components` (the component cache, which must outlive this) supplies the component an event-source change
    /// is announced with.
    ChangeBroadcast(NodeService& nodes, DataChanges& changes, const ComponentCache& components);
    ~ChangeBroadcast();
    ChangeBroadcast(const ChangeBroadcast&) = delete;
    ChangeBroadcast& operator=(const ChangeBroadcast&) = delete;

private:
    void queue(const ComponentChange& change);
    void loop(std::stop_token stop);

    NodeService& nodes_;
    const ComponentCache& components_;
    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::vector<DataChangeNotice> pending_; ///< guarded by mutex_
    std::jthread thread_;
    DataChanges::Subscription subscription_; ///< last: ends before the thread stops
};

} // namespace maelstrom::core
