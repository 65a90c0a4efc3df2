// autoscaling.cpp — aws: CompleteLifecycleAction over the query protocol (Version=2011-01-01, XML answers).
// SPDX-License-Identifier: Apache-2.0
#include "aws/autoscaling.h"

#include "aws/error.h"
#include "xml_util.h"

namespace maelstrom::aws {

namespace {

constexpr std::chrono::milliseconds kCallTimeout{20000};

} // namespace

AutoScalingApi::~AutoScalingApi() = default;

AutoScalingClient::AutoScalingClient(std::shared_ptr<AwsContext> context) : context_(std::move(context)) {}

void AutoScalingClient::completeLifecycleAction(const std::string& group, const std::string& hookName,
                                                const std::string& token, const std::string& instanceId,
                                                const std::string& result) {
    std::vector<std::pair<std::string, std::string>> form{
        {"Action", "CompleteLifecycleAction"},
        {"Version", "2011-01-01"},
        {"AutoScalingGroupName", group},
        {"LifecycleHookName", hookName},
    };
    if (!token.empty()) {
        form.emplace_back("LifecycleActionToken", token);
    }
    if (!instanceId.empty()) {
        form.emplace_back("InstanceId", instanceId);
    }
    form.emplace_back("LifecycleActionResult", result);
    SignableRequest request{
        "POST", "", {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, formBody(form)};
    const auto response = context_->send(context_->endpoint("autoscaling", "AUTO_SCALING"), std::move(request),
                                         "autoscaling", kCallTimeout);
    if (response.status >= 200 && response.status < 300) {
        return;
    }
    const auto error = xml::errorInfo(response.body);
    const auto code = error.code.empty() ? std::string("Http") : error.code;
    throw AwsError(code,
                   "Auto Scaling CompleteLifecycleAction failed: " + code +
                       (error.message.empty() ? "" : ": " + error.message) + " (HTTP " +
                       std::to_string(response.status) + ")",
                   response.status, isRetryableAnswer(response.status, error.code));
}

} // namespace maelstrom::aws
