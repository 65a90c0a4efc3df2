// plugin.cpp — maelstrom plugin cron: the descriptor and factory (the driver is in cron_scheduler.h).
// SPDX-License-Identifier: Apache-2.0
#include "cron_scheduler.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>

namespace {

using maelstrom::sdk::SettingType;

const maelstrom::sdk::PluginDescriptor& cronDescriptor() {
    static const maelstrom::sdk::PluginDescriptor descriptor{
        .kind = maelstrom::sdk::ServiceKind::EventSource,
        .name = "cron",
        .version = MAELSTROM_SDK_VERSION,
        .description = "fires cron event sources (robfig/cron v3 schedules) on the node that holds the cron role",
        .settings =
            {
                {.name = "lease_seconds",
                 .type = SettingType::Int,
                 .defaultValue = "10",
                 .description = "how long the cron role is held per renewal; a killed holder is replaced within "
                                "lease_seconds + renew_seconds"},
                {.name = "renew_seconds",
                 .type = SettingType::Int,
                 .defaultValue = "3",
                 .description = "how often the holder renews the role and the other nodes try to take it"},
                {.name = "allow_overlap",
                 .type = SettingType::Bool,
                 .defaultValue = "false",
                 .description = "start a firing even when the previous firing of the same event source still runs "
                                "(false: that tick is logged and skipped)"},
            },
        .create = [](const maelstrom::sdk::Settings& settings,
                     const maelstrom::sdk::HostContext&) -> std::shared_ptr<maelstrom::sdk::Service> {
            maelstrom::plugins::cron::CronSettings s;
            const auto lease = settings.getInt("lease_seconds", 10);
            const auto renew = settings.getInt("renew_seconds", 3);
            if (renew < 1) {
                throw maelstrom::sdk::InvalidConfig("renew_seconds", "renew_seconds must be at least 1");
            }
            if (lease < renew + 2) {
                throw maelstrom::sdk::InvalidConfig("lease_seconds",
                                                    "lease_seconds must be at least renew_seconds + 2, so a "
                                                    "renewal always comes before the lease ends");
            }
            s.lease = std::chrono::seconds(lease);
            s.renewEvery = std::chrono::seconds(renew);
            s.allowOverlap = settings.getBool("allow_overlap", false);
            return std::make_shared<maelstrom::plugins::cron::CronScheduler>(s);
        },
    };
    return descriptor;
}

} // namespace

MAELSTROM_PLUGIN(cronDescriptor)
