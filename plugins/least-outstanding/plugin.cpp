// plugin.cpp — maelstrom plugin least-outstanding: the descriptor and factory (the balancer is in
// least_outstanding.h).
// SPDX-License-Identifier: Apache-2.0
#include "least_outstanding.h"

#include <maelstrom/sdk/plugin.h>

namespace {

const maelstrom::sdk::PluginDescriptor& leastOutstandingDescriptor() {
    static const maelstrom::sdk::PluginDescriptor descriptor{
        .kind = maelstrom::sdk::ServiceKind::LoadBalancer,
        .name = "least-outstanding",
        .version = MAELSTROM_SDK_VERSION,
        .description = "each request goes to the free instance with the fewest in-flight requests relative to "
                       "its capacity; ties round-robin",
        .settings = {},
        .create = [](const maelstrom::sdk::Settings&,
                     const maelstrom::sdk::HostContext&) -> std::shared_ptr<maelstrom::sdk::Service> {
            return std::make_shared<maelstrom::plugins::least_outstanding::LeastOutstandingBalancer>();
        },
    };
    return descriptor;
}

} // namespace

MAELSTROM_PLUGIN(leastOutstandingDescriptor)
