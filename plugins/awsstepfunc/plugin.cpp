// plugin.cpp — maelstrom plugin awsstepfunc: the descriptor and factory (the driver is in stepfunc_driver.h).
// SPDX-License-Identifier: Apache-2.0
#include "stepfunc_driver.h"

#include "aws/context.h"
#include "aws/credentials.h"
#include "aws/imds.h"
#include "aws/stepfunctions.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>

#include <mutex>

namespace {

using maelstrom::sdk::SettingType;

/// Real clients, one AwsContext each: AwsContext::abort() ends every request of its context, and a cancelled
/// poller must not end the others' long polls. The credentials (and the IMDS client behind them) are shared, so
/// the chain is read and cached once per plugin; each context gets an IMDS client of its own that its abort()
/// may close without touching the shared one. Nothing is made before the first call (the driver's first source).
class ClientFactory {
public:
    std::shared_ptr<maelstrom::aws::StepFunctionsApi> operator()() {
        std::lock_guard lock(mutex_);
        const auto env = maelstrom::aws::processEnvironment();
        if (!credentials_) {
            credentials_ =
                maelstrom::aws::defaultCredentialsChain(env, std::make_shared<maelstrom::aws::ImdsClient>(env));
        }
        maelstrom::aws::AwsContextOptions options;
        options.credentials = credentials_;
        options.imds = std::make_shared<maelstrom::aws::ImdsClient>(env);
        return std::make_shared<maelstrom::aws::StepFunctionsClient>(
            maelstrom::aws::AwsContext::create(env, std::move(options)));
    }

private:
    std::mutex mutex_;
    std::shared_ptr<maelstrom::aws::CredentialsProvider> credentials_;
};

std::chrono::milliseconds seconds(const maelstrom::sdk::Settings& settings, const std::string& name,
                                  std::int64_t fallback, std::int64_t min, std::int64_t max, const std::string& why) {
    const auto value = settings.getInt(name, fallback);
    if (value < min || value > max) {
        throw maelstrom::sdk::InvalidConfig(name, name + " must be between " + std::to_string(min) + " and " +
                                                      std::to_string(max) + why);
    }
    return std::chrono::seconds(value);
}

const maelstrom::sdk::PluginDescriptor& awsStepFuncDescriptor() {
    static const maelstrom::sdk::PluginDescriptor descriptor{
        .kind = maelstrom::sdk::ServiceKind::EventSource,
        .name = "awsstepfunc",
        .version = MAELSTROM_SDK_VERSION,
        .description = "runs AWS Step Functions activity tasks as POST requests to components, reporting each "
                       "answer as the task's result",
        .settings =
            {
                {.name = "reload_seconds",
                 .type = SettingType::Int,
                 .defaultValue = "60",
                 .description = "how often the activity ARNs are looked up again, the pollers resized from the "
                                "components' handlers and their 2-minute roles renewed (also at every change of "
                                "the event sources)"},
                {.name = "heartbeat_seconds",
                 .type = SettingType::Int,
                 .defaultValue = "30",
                 .description = "SendTaskHeartbeat period while a task's request runs; keep it below the Task "
                                "state's HeartbeatSeconds"},
                {.name = "error_backoff_seconds",
                 .type = SettingType::Int,
                 .defaultValue = "5",
                 .description = "pause of a poller after a failed GetActivityTask, and the retry delay of an "
                                "activity that could not be looked up"},
            },
        .create = [](const maelstrom::sdk::Settings& settings,
                     const maelstrom::sdk::HostContext&) -> std::shared_ptr<maelstrom::sdk::Service> {
            maelstrom::plugins::awsstepfunc::StepFuncSettings s;
            s.reloadEvery = seconds(settings, "reload_seconds", 60, 1, 100,
                                    ", so that every poller role (2-minute lease) is renewed in time");
            s.heartbeatEvery = seconds(settings, "heartbeat_seconds", 30, 1, 86'400, "");
            s.errorBackoff = seconds(settings, "error_backoff_seconds", 5, 1, 3'600, "");
            auto factory = std::make_shared<ClientFactory>();
            return std::make_shared<maelstrom::plugins::awsstepfunc::StepFuncDriver>(
                s, [factory] { return (*factory)(); });
        },
    };
    return descriptor;
}

} // namespace

MAELSTROM_PLUGIN(awsStepFuncDescriptor)
