// role_claims.cpp — see role_claims.h.
// SPDX-License-Identifier: Apache-2.0
#include "role_claims.h"

#include <algorithm>
#include <exception>

namespace maelstrom::plugins::queue_pollers {

RoleClaims::RoleClaims(const sdk::Clock& clock, std::chrono::milliseconds lease, std::chrono::milliseconds grace,
                       std::chrono::milliseconds overflowHold)
    : clock_(clock), lease_(lease), grace_(grace),
      overflowHold_(overflowHold > std::chrono::milliseconds::zero() ? overflowHold : 10 * grace) {}

std::chrono::milliseconds RoleClaims::graceFor(std::chrono::milliseconds reloadEvery) {
    return std::max(2 * reloadEvery, std::chrono::milliseconds{5'000});
}

std::vector<RoleClaims::Claim> RoleClaims::claim(sdk::RoleLocks& locks, const std::string& source,
                                                 const std::vector<PollerRole>& roles, int nodeCount) {
    auto& states = sources_[source];
    std::erase_if(states, [&](const auto& entry) {
        return std::none_of(roles.begin(), roles.end(), [&](const auto& role) { return role.roleId == entry.first; });
    });
    const int nodes = std::max(1, nodeCount);
    const auto count = static_cast<int>(roles.size());
    const int share = (count + nodes - 1) / nodes;
    const auto now = clock_.steadyNow();

    std::vector<Claim> claims(roles.size());
    for (std::size_t i = 0; i < roles.size(); ++i) {
        claims[i].roleId = roles[i].roleId;
    }

    // Overflow lapses when the cluster changed size (the node it stood in for may be back) or after a while.
    for (auto& [roleId, state] : states) {
        if (state.overflowNodes && (*state.overflowNodes != nodes || now - state.overflowSince >= overflowHold_)) {
            state.overflowNodes.reset();
        }
    }
    // Above the share: keep the lowest indices, give up the rest (the highest first).
    int kept = 0;
    for (std::size_t i = 0; i < roles.size(); ++i) {
        auto& state = states[roles[i].roleId];
        if (!state.held || state.overflowNodes) {
            continue;
        }
        if (kept < share) {
            ++kept;
        } else {
            state.held = false;
            state.freeSince.reset(); // still ours in the table until the driver releases it
            claims[i].decision = Decision::GiveUp;
        }
    }

    // Renew what is kept first, so that the count of roles held is known before a free one is considered.
    int holding = 0;
    std::vector<std::size_t> others;
    for (std::size_t i = 0; i < roles.size(); ++i) {
        auto& state = states[roles[i].roleId];
        if (claims[i].decision == Decision::GiveUp) {
            continue;
        }
        if (!state.held) {
            others.push_back(i);
            continue;
        }
        claims[i].callStart = clock_.steadyNow();
        try {
            if (locks.acquireOrRenew(roles[i].roleId, lease_)) {
                claims[i].decision = Decision::Hold;
                ++holding;
            } else {
                state = RoleState{};
                claims[i].decision = Decision::HeldElsewhere;
            }
        } catch (const std::exception& e) {
            claims[i].decision = Decision::Failed;
            claims[i].error = e.what();
            ++holding; // its poller runs on while the lease lasts
        }
    }

    for (const auto i : others) {
        auto& state = states[roles[i].roleId];
        auto& result = claims[i];
        try {
            bool take = holding < share;
            bool overflow = false;
            if (!take) {
                if (locks.holder(roles[i].roleId)) {
                    state.freeSince.reset();
                    result.decision = Decision::LeftToOthers;
                    continue;
                }
                if (!state.freeSince) {
                    state.freeSince = now;
                }
                take = overflow = now - *state.freeSince >= grace_;
                if (!take) {
                    result.decision = Decision::LeftToOthers;
                    continue;
                }
            }
            result.callStart = clock_.steadyNow();
            if (locks.acquireOrRenew(roles[i].roleId, lease_)) {
                state = RoleState{
                    .held = true, .freeSince = std::nullopt, .overflowNodes = std::nullopt, .overflowSince = {}};
                if (overflow) {
                    state.overflowNodes = nodes;
                    state.overflowSince = now;
                }
                result.decision = Decision::Hold;
                ++holding;
            } else {
                state.freeSince.reset();
                result.decision = Decision::HeldElsewhere;
            }
        } catch (const std::exception& e) {
            result.decision = Decision::Failed;
            result.error = e.what();
        }
    }
    return claims;
}

void RoleClaims::retain(const std::set<std::string>& sources) {
    std::erase_if(sources_, [&](const auto& entry) { return !sources.contains(entry.first); });
}

std::set<std::string> RoleClaims::held() const {
    std::set<std::string> roles;
    for (const auto& [source, states] : sources_) {
        for (const auto& [roleId, state] : states) {
            if (state.held) {
                roles.insert(roleId);
            }
        }
    }
    return roles;
}

} // namespace maelstrom::plugins::queue_pollers
