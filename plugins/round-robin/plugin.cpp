// plugin.cpp — maelstrom plugin round-robin: the descriptor and factory (the balancer is in round_robin.h).
// SPDX-License-Identifier: Apache-2.0
#include "round_robin.h"

#include <maelstrom/sdk/plugin.h>

namespace {

const maelstrom::sdk::PluginDescriptor& roundRobinDescriptor() {
    static const maelstrom::sdk::PluginDescriptor descriptor{
        .kind = maelstrom::sdk::ServiceKind::LoadBalancer,
        .name = "round-robin",
        .version = MAELSTROM_SDK_VERSION,
        .description = "each request goes to the free instance that was picked least recently (default)",
        .settings = {},
        .create = [](const maelstrom::sdk::Settings&,
                     const maelstrom::sdk::HostContext&) -> std::shared_ptr<maelstrom::sdk::Service> {
            return std::make_shared<maelstrom::plugins::round_robin::RoundRobinBalancer>();
        },
    };
    return descriptor;
}

} // namespace

MAELSTROM_PLUGIN(roundRobinDescriptor)
