// plugin.cpp — maelstrom plugin sqs: the descriptor and factory (the driver is in sqs_driver.h).
// SPDX-License-Identifier: Apache-2.0
#include "aws/context.h"
#include "aws/sqs.h"
#include "sqs_driver.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>

namespace {

using maelstrom::sdk::SettingType;

const maelstrom::sdk::PluginDescriptor& sqsDescriptor() {
    static const maelstrom::sdk::PluginDescriptor descriptor{
        .kind = maelstrom::sdk::ServiceKind::EventSource,
        .name = "sqs",
        .version = MAELSTROM_SDK_VERSION,
        .description = "polls the Amazon SQS queues of sqs event sources and POSTs each message to its component "
                       "(deleted on 200); pollers spread over the cluster through role locks",
        .settings =
            {
                {.name = "reload_seconds",
                 .type = SettingType::Int,
                 .defaultValue = "60",
                 .description = "how often (1-90 s) queues are looked up again, pollers resized to the component's "
                                "running instances and their 2-minute role leases renewed (also at every change of "
                                "the event sources)"},
                {.name = "receive_wait_seconds",
                 .type = SettingType::Int,
                 .defaultValue = "1",
                 .description = "WaitTimeSeconds of each ReceiveMessage (0-20): longer means fewer calls on an empty "
                                "queue, and a disabled or moved source's poller may still be in a receive that long"},
            },
        .create = [](const maelstrom::sdk::Settings& settings,
                     const maelstrom::sdk::HostContext&) -> std::shared_ptr<maelstrom::sdk::Service> {
            maelstrom::plugins::sqs::SqsSettings s;
            const auto reload = settings.getInt("reload_seconds", 60);
            const auto wait = settings.getInt("receive_wait_seconds", 1);
            if (reload < 1 || reload > 90) {
                throw maelstrom::sdk::InvalidConfig("reload_seconds",
                                                    "reload_seconds must be 1 to 90, so the 2-minute role leases "
                                                    "are renewed in time");
            }
            if (wait < 0 || wait > 20) {
                throw maelstrom::sdk::InvalidConfig("receive_wait_seconds",
                                                    "receive_wait_seconds must be 0 to 20 (SQS's range)");
            }
            s.reloadEvery = std::chrono::seconds(reload);
            s.receiveWaitSeconds = static_cast<int>(wait);
            // One context per client: AwsContext::abort() ends every call of its context, and the driver aborts
            // only its receiving client at shutdown. Creating a context does no I/O: the region and the
            // credentials are looked up at the first call, which comes with the first sqs event source.
            auto factory = []() -> std::shared_ptr<maelstrom::aws::SqsApi> {
                return std::make_shared<maelstrom::aws::SqsClient>(maelstrom::aws::AwsContext::create());
            };
            return std::make_shared<maelstrom::plugins::sqs::SqsDriver>(s, factory);
        },
    };
    return descriptor;
}

} // namespace

MAELSTROM_PLUGIN(sqsDescriptor)
