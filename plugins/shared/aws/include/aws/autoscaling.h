// autoscaling.h — aws: the one Amazon EC2 Auto Scaling call the daemon makes — completing a lifecycle action
// when the instance has drained (or launched) — over the query protocol (form-encoded POST, XML answers).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "aws/context.h"

#include <memory>
#include <string>

namespace maelstrom::aws {

class AutoScalingApi {
public:
    virtual ~AutoScalingApi();
    /// CompleteLifecycleAction; result "CONTINUE" or "ABANDON". Throws AwsError on failure.
    virtual void completeLifecycleAction(const std::string& group, const std::string& hookName,
                                         const std::string& token, const std::string& instanceId,
                                         const std::string& result) = 0;
};

/// The real service at context->endpoint("autoscaling", "AUTO_SCALING"), signed for "autoscaling".
class AutoScalingClient : public AutoScalingApi {
public:
    explicit AutoScalingClient(std::shared_ptr<AwsContext> context);

    /// An empty token is left out of the request (AWS then goes by the instance id).
    void completeLifecycleAction(const std::string& group, const std::string& hookName, const std::string& token,
                                 const std::string& instanceId, const std::string& result) override;

private:
    std::shared_ptr<AwsContext> context_;
};

} // namespace maelstrom::aws
