// role_claims.h — which of an event source's poller roles this node holds, so that the pollers of a source spread
// over the nodes of the cluster instead of going to the node that reloads first.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "poller_roles.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/event_source.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace maelstrom::plugins::queue_pollers {

/// Fair-share claiming of the roles of each source, called by a driver at every reload (one thread only; not
/// thread-safe). With n roles and N nodes (nodeCount, this one included) a node's share is ceil(n / N):
///   - a role this node holds is renewed and kept while the node holds at most its share; above it (a node
///     joined, the source needs fewer roles) the highest indices are given up: the driver stops their pollers and
///     releases the roles once their work in flight is done, and a node below its share takes them at its reload;
///   - a free role is taken only while the node holds less than its share, so the other nodes find some left;
///   - but a role seen free for longer than `grace` is taken whatever the share: the node that should take it may
///     be down though still in the view, or unable to reach AWS, and a role nobody polls is worse than an uneven
///     spread. Such an overflow role is kept while the node count stays as it was when it was taken and for at
///     most `overflowHold`; after that it counts like any other, so a node that comes back gets its share (at the
///     cost of one grace without a poller for that role when nobody else takes it after all).
/// The role calls are the driver's RoleLocks; a failed call (exception) leaves the role's state as it was.
class RoleClaims {
public:
    enum class Decision {
        Hold,          ///< this node holds the role (taken or renewed just now): its poller runs
        HeldElsewhere, ///< another node holds it
        LeftToOthers,  ///< not held here (free, or still being released by this node): this node has its share
        GiveUp,        ///< held here beyond this node's share: stop its poller, then release the role
        Failed,        ///< the role call failed (`error`): a poller that holds it runs on while its lease lasts
    };
    struct Claim {
        std::string roleId;
        Decision decision = Decision::Failed;
        std::string error;                                 ///< when Failed
        std::chrono::steady_clock::time_point callStart{}; ///< when Hold: the lease runs from about here
    };

    /// `lease`: of each acquireOrRenew; `grace`: how long a role stays free before any node takes it (see
    /// graceFor); `overflowHold`: how long a role taken past the share is kept while the node count stays (0:
    /// 10 × grace).
    RoleClaims(const sdk::Clock& clock, std::chrono::milliseconds lease, std::chrono::milliseconds grace,
               std::chrono::milliseconds overflowHold = std::chrono::milliseconds{0});

    /// The grace of a driver that reloads every `reloadEvery`: two reloads, at least 5 s, so every node has had a
    /// reload in which to take a free role before one above its share does.
    static std::chrono::milliseconds graceFor(std::chrono::milliseconds reloadEvery);

    /// Decides for each of `roles` (the roles source `source` needs now, in index order) with `nodeCount` nodes,
    /// making the role calls through `locks`. The claims come back in the order of `roles`.
    std::vector<Claim> claim(sdk::RoleLocks& locks, const std::string& source, const std::vector<PollerRole>& roles,
                             int nodeCount);
    /// Forgets the sources not in `sources` (the driver stops and releases their roles itself).
    void retain(const std::set<std::string>& sources);
    /// The roles this node considers its own now (held or renewed at the last claim), for tests and logs.
    std::set<std::string> held() const;

private:
    struct RoleState {
        bool held = false;
        std::optional<std::chrono::steady_clock::time_point> freeSince; ///< first seen free (not held anywhere)
        std::optional<int> overflowNodes;                               ///< taken past the share, with this node count
        std::chrono::steady_clock::time_point overflowSince{};
    };

    const sdk::Clock& clock_;
    const std::chrono::milliseconds lease_;
    const std::chrono::milliseconds grace_;
    const std::chrono::milliseconds overflowHold_;
    std::map<std::string, std::map<std::string, RoleState>> sources_; ///< source → role id → state
};

} // namespace maelstrom::plugins::queue_pollers
