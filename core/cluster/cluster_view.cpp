// cluster_view.cpp — see cluster_view.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster/cluster_view.h"

#include <maelstrom/sdk/clock.h>

#include <algorithm>

namespace maelstrom::core {

namespace {
/// How long an exited node's start is remembered: far longer than any status that was in flight can take.
constexpr std::int64_t kExitedMemoryMs = 10 * 60 * 1000;
} // namespace

bool isNewerStatus(const sdk::NodeStatus& candidate, const sdk::NodeStatus& known) {
    return candidate.version > known.version || candidate.observedAt > known.observedAt ||
           candidate.startedAt > known.startedAt;
}

bool ClusterView::setNode(const sdk::NodeStatus& status) {
    {
        std::lock_guard lock(mutex_);
        if (const auto gone = exited_.find(status.nodeId); gone != exited_.end()) {
            if (status.startedAt < gone->second.startedBefore) {
                return false;
            }
            exited_.erase(gone);
        }
        const auto it = nodes_.find(status.nodeId);
        if (it != nodes_.end() && !isNewerStatus(status, it->second)) {
            return false;
        }
        nodes_[status.nodeId] = status;
    }
    notify();
    return true;
}

bool ClusterView::removeNode(const std::string& nodeId) {
    {
        std::lock_guard lock(mutex_);
        if (nodes_.erase(nodeId) == 0) {
            return false;
        }
    }
    notify();
    return true;
}

bool ClusterView::removeExitedNode(const std::string& nodeId) {
    bool known = false;
    {
        std::lock_guard lock(mutex_);
        const std::int64_t now = sdk::unixMillis();
        std::erase_if(exited_, [&](const auto& entry) { return now - entry.second.noticedAt > kExitedMemoryMs; });
        const auto it = nodes_.find(nodeId);
        // Unknown here: anything started before the announcement is that process (clocks of nodes are close).
        exited_[nodeId] = Exited{it != nodes_.end() ? it->second.startedAt + 1 : now, now};
        if (it != nodes_.end()) {
            nodes_.erase(it);
            known = true;
        }
    }
    if (known) {
        notify();
    }
    return known;
}

bool ClusterView::contains(const std::string& nodeId) const {
    std::lock_guard lock(mutex_);
    return nodes_.count(nodeId) > 0;
}

std::optional<sdk::NodeStatus> ClusterView::node(const std::string& nodeId) const {
    std::lock_guard lock(mutex_);
    const auto it = nodes_.find(nodeId);
    if (it == nodes_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::vector<sdk::NodeStatus> ClusterView::nodes() const {
    std::vector<sdk::NodeStatus> all;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, status] : nodes_) {
            all.push_back(status);
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const sdk::NodeStatus& a, const sdk::NodeStatus& b) {
        return a.startedAt != b.startedAt ? a.startedAt < b.startedAt : a.nodeId < b.nodeId;
    });
    return all;
}

std::vector<sdk::NodeStatus> ClusterView::peers() const {
    auto all = nodes();
    std::erase_if(all, [&](const sdk::NodeStatus& s) { return s.nodeId == selfId_; });
    return all;
}

void ClusterView::setObserver(Observer observer) {
    std::lock_guard lock(notifyMutex_);
    observer_ = std::move(observer);
}

void ClusterView::notify() {
    std::lock_guard lock(notifyMutex_);
    if (observer_) {
        observer_(nodes());
    }
}

} // namespace maelstrom::core
