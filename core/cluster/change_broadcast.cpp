// change_broadcast.cpp — see change_broadcast.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster/change_broadcast.h"

#include <Poco/Logger.h>

#include <future>

namespace maelstrom::core {

ChangeBroadcast::ChangeBroadcast(NodeService& nodes, DataChanges& changes, const ComponentCache& components)
    : nodes_(nodes), components_(components) {
    thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
    subscription_ = changes.subscribe([this](const ComponentChange& change) { queue(change); });
}

ChangeBroadcast::~ChangeBroadcast() {
    subscription_.reset();
    thread_.request_stop();
    wake_.notify_all();
}

void ChangeBroadcast::queue(const ComponentChange& change) {
    if (change.fromPeer) {
        return;
    }
    DataChangeNotice notice;
    if (change.kind == ComponentChange::Kind::ComponentPut && change.component) {
        notice.putComponent = change.component;
    } else if (change.kind == ComponentChange::Kind::ComponentRemoved) {
        notice.removedName = change.componentName;
        notice.removedFound = change.found;
    } else if (const auto component = components_.find(change.componentName)) {
        notice.putComponent = *component; // event sources changed: peers re-read the component and reload
    } else {
        return; // not cached yet: the peers' one-second reload picks the change up
    }
    {
        std::lock_guard lock(mutex_);
        pending_.push_back(std::move(notice));
    }
    wake_.notify_all();
}

void ChangeBroadcast::loop(std::stop_token stop) {
    while (!stop.stop_requested()) {
        std::vector<DataChangeNotice> batch;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, stop, [&] { return !pending_.empty(); });
            batch.swap(pending_);
        }
        if (batch.empty()) {
            continue;
        }
        std::vector<std::future<void>> calls;
        for (const auto& peer : nodes_.view().peers()) {
            calls.push_back(std::async(std::launch::async, [this, peer, &batch] {
                try {
                    nodes_.peers().notifyDataChanged(peer.peerUrl, nodes_.nodeId(), batch);
                } catch (const std::exception& e) {
                    Poco::Logger::get("maelstrom.cluster")
                        .warning("cluster: telling node " + peer.nodeId + " about component changes: " + e.what());
                }
            }));
        }
        for (auto& c : calls) {
            c.get();
        }
    }
}

} // namespace maelstrom::core
