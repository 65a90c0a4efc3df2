// membership.cpp — see membership.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster/membership.h"

#include <maelstrom/sdk/clock.h>

#include <Poco/Logger.h>

#include <future>
#include <set>

namespace maelstrom::core {
namespace {

Poco::Logger& log() { return Poco::Logger::get("maelstrom.cluster"); }

using std::chrono::steady_clock;

/// Runs `call` for each peer in parallel and waits for all.
template <class F>
void forEachPeer(const std::vector<sdk::NodeStatus>& peers, F call) {
    std::vector<std::future<void>> calls;
    for (const auto& p : peers) {
        calls.push_back(std::async(std::launch::async, [&call, p] { call(p); }));
    }
    for (auto& c : calls) {
        c.get();
    }
}

} // namespace

Membership::Membership(NodeService& nodes, std::shared_ptr<sdk::Database> database, std::int64_t livenessSeconds)
    : nodes_(nodes), database_(std::move(database)), livenessSeconds_(livenessSeconds) {}

Membership::~Membership() {
    if (thread_.joinable()) {
        thread_.request_stop();
        thread_.join();
    }
}

void Membership::start() {
    nodes_.view().setNode(nodes_.status());
    publish(false);
    readRows();
    publish(true); // every node found learns about this one now, not at its next pass
    thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void Membership::containersChanged() {
    {
        std::lock_guard lock(mutex_);
        changed_ = true;
    }
    wake_.notify_all();
}

void Membership::stop() {
    if (thread_.joinable()) {
        thread_.request_stop();
        wake_.notify_all();
        thread_.join();
    }
    nodes_.markTerminating();
    const std::string me = nodes_.nodeId();
    try {
        database_->removeNodeStatus(me);
    } catch (const std::exception& e) {
        log().warning(std::string("cluster: deleting this node's status row: ") + e.what());
    }
    forEachPeer(nodes_.view().peers(), [&](const sdk::NodeStatus& peer) {
        try {
            nodes_.peers().statusChanged(peer.peerUrl, me, true, nullptr);
        } catch (const std::exception& e) {
            log().warning("cluster: telling node " + peer.nodeId + " that this node exits: " + e.what());
        }
    });
    log().information("cluster: left the cluster");
}

void Membership::loop(std::stop_token stop) {
    auto nextCheck = steady_clock::now() + kPeerCheckPeriod;
    auto nextRow = steady_clock::now() + kRowRefreshPeriod;
    auto nextRead = steady_clock::now() + kMembershipPassPeriod;
    while (!stop.stop_requested()) {
        bool changed = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_until(lock, stop, std::min({nextCheck, nextRow, nextRead}), [&] { return changed_; });
            changed = changed_;
            changed_ = false;
        }
        if (stop.stop_requested()) {
            break;
        }
        try {
            const auto now = steady_clock::now();
            if (changed || now >= nextRow) {
                publish(changed);
                nextRow = now + kRowRefreshPeriod;
            }
            if (now >= nextRead) {
                readRows();
                nextRead = now + kMembershipPassPeriod;
            }
            if (now >= nextCheck) {
                checkPeers();
                nextCheck = steady_clock::now() + kPeerCheckPeriod;
            }
        } catch (const std::exception& e) {
            log().error(std::string("cluster: membership pass: ") + e.what());
        }
    }
}

void Membership::publish(bool broadcast) {
    const sdk::NodeStatus status = nodes_.status();
    nodes_.view().setNode(status);
    if (nodes_.terminating()) {
        return;
    }
    try {
        database_->putNodeStatus(status);
        dbRecovered();
    } catch (const std::exception& e) {
        dbFailed("writing this node's status", e);
    }
    if (!broadcast) {
        return;
    }
    forEachPeer(nodes_.view().peers(), [&](const sdk::NodeStatus& peer) {
        try {
            nodes_.peers().statusChanged(peer.peerUrl, status.nodeId, false, &status);
        } catch (const std::exception& e) {
            log().debug("cluster: status broadcast to node " + peer.nodeId + ": " + e.what());
        }
    });
}

bool Membership::readRows() {
    std::vector<sdk::NodeStatus> rows;
    try {
        if (livenessSeconds_ > 0) {
            database_->removeNodeStatusOlderThan(sdk::unixMillis() - livenessSeconds_ * 1000);
        }
        rows = database_->listNodeStatus();
        dbRecovered();
    } catch (const std::exception& e) {
        dbFailed("reading the node status table", e);
        return false;
    }
    const std::string me = nodes_.nodeId();
    const std::string& myUrl = nodes_.peerUrl();
    std::vector<sdk::NodeStatus> unknown;
    for (const auto& row : rows) {
        if (row.nodeId == me) {
            continue;
        }
        if (row.peerUrl == myUrl) {
            log().information("cluster: deleting the row of node " + row.nodeId + ": it had this node's peer URL");
            try {
                database_->removeNodeStatus(row.nodeId);
            } catch (const std::exception& e) {
                dbFailed("deleting a stale node row", e);
            }
            continue;
        }
        if (!nodes_.view().contains(row.nodeId)) {
            unknown.push_back(row);
        }
    }
    std::mutex joinedMutex;
    std::vector<sdk::NodeStatus> joined;
    forEachPeer(unknown, [&](const sdk::NodeStatus& row) {
        if (PeerClient::healthy(row.peerUrl, kPeerCheckTimeout)) {
            sdk::NodeStatus status = row;
            try {
                status = nodes_.peers().getStatus(row.peerUrl);
            } catch (const std::exception&) {
                // the row will do until its node broadcasts
            }
            std::lock_guard lock(joinedMutex);
            joined.push_back(status);
        }
    });
    for (const auto& status : joined) {
        if (nodes_.view().setNode(status)) {
            log().information("cluster: node " + status.nodeId + " joined (" + status.peerUrl + ")");
        }
    }
    return true;
}

void Membership::checkPeers() {
    const auto peers = nodes_.view().peers();
    std::mutex resultsMutex;
    std::map<std::string, bool> results;
    forEachPeer(peers, [&](const sdk::NodeStatus& peer) {
        const bool ok = PeerClient::healthy(peer.peerUrl, kPeerCheckTimeout);
        std::lock_guard lock(resultsMutex);
        results[peer.nodeId] = ok;
    });
    for (const auto& [id, ok] : results) {
        if (ok) {
            failedChecks_.erase(id);
            continue;
        }
        if (++failedChecks_[id] >= 2) {
            failedChecks_.erase(id);
            if (nodes_.view().removeNode(id)) {
                log().warning("cluster: node " + id + " does not answer its health check: out of the cluster view");
            }
        }
    }
    std::erase_if(failedChecks_, [&](const auto& entry) { return results.count(entry.first) == 0; });
}

void Membership::dbFailed(const std::string& what, const std::exception& e) {
    if (!dbDown_) {
        log().error("cluster: database unavailable (" + what + "): " + e.what() +
                    "; serving what runs and retrying every second");
    }
    dbDown_ = true;
}

void Membership::dbRecovered() {
    if (dbDown_) {
        log().information("cluster: database available again");
    }
    dbDown_ = false;
}

} // namespace maelstrom::core
