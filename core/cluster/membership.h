// membership.h — how nodes find each other and notice when one goes: this node's row in the database's node
// status table, the peers' rows read back, peer health checks, and StatusChanged broadcasts.
// SPDX-License-Identifier: Apache-2.0
//
// Timing (the reference: one pass every 30 s, so a new node took up to 30 s to be seen):
// - At start the row is written and every fresh row's node is health-checked, added to the view and told about
//   this node at once (StatusChanged), so all nodes know a new one within a second or two.
// - Every kPassPeriod the rows are read again (new nodes are checked and added); rows older than
//   node_liveness_seconds are deleted, as are rows of another node id with this node's peer URL (a node whose
//   id changed); every kPeerCheckPeriod each peer in the view is health-checked, and one that fails twice in a
//   row leaves the view (a killed node is gone from every view within about 5 s).
// - The row is rewritten every kRowRefreshPeriod, and at once (plus a broadcast to every peer) whenever this
//   node's containers change, so placement and relaying on other nodes see new instances within milliseconds.
// - stop(): the row is deleted and every peer told `exiting`, so they drop this node at once.
// A database that fails is logged (once per outage) and retried each pass; the view and everything running
// stay as they are, and the node rejoins when the database answers again.
// Threads: start()/stop() from the owner's thread; containersChanged() from any thread (returns at once).
#pragma once

#include "cluster/node_service.h"

#include <maelstrom/sdk/database.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace maelstrom::core {

inline constexpr std::chrono::milliseconds kMembershipPassPeriod{1000};
inline constexpr std::chrono::milliseconds kPeerCheckPeriod{2000};
inline constexpr std::chrono::milliseconds kPeerCheckTimeout{1500};
inline constexpr std::chrono::milliseconds kRowRefreshPeriod{5000};

class Membership {
public:
    Membership(NodeService& nodes, std::shared_ptr<sdk::Database> database, std::int64_t livenessSeconds);
    ~Membership();
    Membership(const Membership&) = delete;
    Membership& operator=(const Membership&) = delete;

    /// Writes this node's row, joins the nodes found in the table, and starts the loop.
    void start();
    /// This node's containers changed: rewrite the row and broadcast the status (asynchronously, coalesced).
    void containersChanged();
    /// Graceful leave: stops the loop, deletes this node's row and tells every peer that it exits.
    void stop();

private:
    void loop(std::stop_token stop);
    /// Reads the rows: adds healthy unknown nodes, deletes stale rows. @return false when the database failed.
    bool readRows();
    void checkPeers();
    /// Writes this node's row and, with `broadcast`, sends the status to every peer.
    void publish(bool broadcast);
    void dbFailed(const std::string& what, const std::exception& e);
    void dbRecovered();

    NodeService& nodes_;
    std::shared_ptr<sdk::Database> database_;
    const std::int64_t livenessSeconds_;
    std::mutex mutex_;
    std::condition_variable_any wake_;
    bool changed_ = false;                    ///< guarded by mutex_
    bool dbDown_ = false;                     ///< loop thread only
    std::map<std::string, int> failedChecks_; ///< loop thread only
    std::jthread thread_;
};

} // namespace maelstrom::core
