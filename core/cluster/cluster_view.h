// cluster_view.h — this node's in-memory view of the cluster: the last known NodeStatus of every node it
// considers alive (itself included), fed by the membership loop (database rows, peer health checks), by the
// peers' StatusChanged broadcasts and by fresh GetStatus answers. Observers (the routers' remote instances)
// are told after every change.
// SPDX-License-Identifier: Apache-2.0
//
// A status replaces the known one only when it is newer: a higher converge version or a later observedAt, so
// a late broadcast never rolls the view back. A node that announced it exits stays out: an answer or a database
// row read before the announcement (a GetStatus in flight, a membership pass under way) arrives after it and
// would otherwise list the leaving node again until its health checks fail; only a status of a later start
// brings the node id back.
// Threads: every method is thread-safe; observers run on the thread that made the change, outside the lock, one
// change at a time (a change made meanwhile is reported by a further call).
#pragma once

#include <maelstrom/sdk/model.h>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace maelstrom::core {

class ClusterView {
public:
    using Observer = std::function<void(const std::vector<sdk::NodeStatus>& nodes)>;

    explicit ClusterView(std::string selfId) : selfId_(std::move(selfId)) {}

    const std::string& selfId() const noexcept { return selfId_; }
    /// Stores `status` when its node is unknown or it is newer than the known one. @return whether stored.
    bool setNode(const sdk::NodeStatus& status);
    /// Forgets a node (it stopped answering; the same process may be back later). @return whether it was known.
    bool removeNode(const std::string& nodeId);
    /// Forgets a node that announced it exits, and refuses statuses of that start of it from now on (a status
    /// started later is a new process). @return whether it was known.
    bool removeExitedNode(const std::string& nodeId);
    bool contains(const std::string& nodeId) const;
    std::optional<sdk::NodeStatus> node(const std::string& nodeId) const;
    /// Every known node, oldest first (by startedAt, then node id).
    std::vector<sdk::NodeStatus> nodes() const;
    /// The known nodes but this one.
    std::vector<sdk::NodeStatus> peers() const;
    /// Called after every change with the nodes() of that moment. Set before the view is used.
    void setObserver(Observer observer);

private:
    void notify();

    const std::string selfId_;
    mutable std::mutex mutex_;
    std::map<std::string, sdk::NodeStatus> nodes_; ///< guarded by mutex_
    struct Exited {
        std::int64_t startedBefore; ///< statuses with an earlier startedAt (unix ms) belong to the exited process
        std::int64_t noticedAt;     ///< unix ms; forgotten after kExitedMemory
    };
    std::map<std::string, Exited> exited_; ///< guarded by mutex_
    std::mutex notifyMutex_;               ///< serialises observer calls
    Observer observer_;
};

/// Whether `candidate` should replace `known` (a newer version or observation).
bool isNewerStatus(const sdk::NodeStatus& candidate, const sdk::NodeStatus& known);

} // namespace maelstrom::core
