// poller_roles.h — the sizing of a queue event source's pollers, one cluster-wide role id each.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace maelstrom::plugins::queue_pollers {

/// One poller a source asks for: its cluster-wide role and how many requests it runs at once.
struct PollerRole {
    std::string roleId; ///< <prefix>-<eventSourceName>-<index>-<concurrency>
    int index = 0;
    int concurrency = 1;
    bool operator==(const PollerRole&) const = default;
};

/// The pollers of event source `eventSourceName` for a component whose running instances take `handlers`
/// requests at once: maxConc = min(maxConcurrency, max(1, handlers)) split into ceil(maxConc /
/// concurrencyPerPoller) pollers, the i-th with concurrency c = min(concurrencyPerPoller, what remains) and the
/// role id "<rolePrefix>-<eventSourceName>-<i>-<c>". No instance → one poller of 1, whose requests cold-start the
/// component. maxConcurrency and concurrencyPerPoller ≤ 0 count as 1 (a plugin with other defaults resolves them
/// first).
std::vector<PollerRole> pollerRoles(std::string_view rolePrefix, const std::string& eventSourceName,
                                    std::int64_t maxConcurrency, std::int64_t concurrencyPerPoller, int handlers);

} // namespace maelstrom::plugins::queue_pollers
