// poller_roles.cpp — see poller_roles.h.
// SPDX-License-Identifier: Apache-2.0
#include "poller_roles.h"

#include <algorithm>

namespace maelstrom::plugins::queue_pollers {

std::vector<PollerRole> pollerRoles(std::string_view rolePrefix, const std::string& eventSourceName,
                                    std::int64_t maxConcurrency, std::int64_t concurrencyPerPoller, int handlers) {
    const std::int64_t p = std::max<std::int64_t>(maxConcurrency, 1);
    const std::int64_t per = std::max<std::int64_t>(concurrencyPerPoller, 1);
    const std::int64_t maxConc = std::min<std::int64_t>(p, std::max(1, handlers));
    const std::int64_t count = (maxConc + per - 1) / per;
    const std::string prefix = std::string(rolePrefix) + "-" + eventSourceName + "-";
    std::vector<PollerRole> roles;
    std::int64_t remaining = maxConc;
    for (std::int64_t i = 0; i < count; ++i) {
        const auto concurrency = static_cast<int>(std::min(per, remaining));
        remaining -= concurrency;
        roles.push_back(PollerRole{.roleId = prefix + std::to_string(i) + "-" + std::to_string(concurrency),
                                   .index = static_cast<int>(i),
                                   .concurrency = concurrency});
    }
    return roles;
}

} // namespace maelstrom::plugins::queue_pollers
