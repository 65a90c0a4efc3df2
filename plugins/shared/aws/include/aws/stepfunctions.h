// stepfunctions.h — aws: the AWS Step Functions activity-worker calls the awsstepfunc event source makes, over
// the AWS JSON 1.0 protocol (POST / with X-Amz-Target). StepFunctionsApi is the seam its driver is tested with.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "aws/context.h"

#include <memory>
#include <optional>
#include <string>

namespace maelstrom::aws {

struct ActivityTask {
    std::string taskToken;
    std::string input; ///< the task's JSON input, as sent
};

class StepFunctionsApi {
public:
    virtual ~StepFunctionsApi();
    /// ListActivities (every page, following nextToken); the ARN of the activity with that name, if any.
    virtual std::optional<std::string> findActivityArn(const std::string& name) = 0;
    /// CreateActivity (idempotent for the same name); returns its activityArn.
    virtual std::string createActivity(const std::string& name) = 0;
    /// GetActivityTask: a long poll (AWS holds it up to 60 s; our timeout 70 s); nullopt when no task came
    /// (taskToken empty or absent).
    virtual std::optional<ActivityTask> getActivityTask(const std::string& activityArn,
                                                        const std::string& workerName) = 0;
    virtual void sendTaskSuccess(const std::string& token, const std::string& outputJson) = 0;
    virtual void sendTaskFailure(const std::string& token, const std::string& error, const std::string& cause) = 0;
    /// Throws AwsError "TaskTimedOut" / "TaskDoesNotExist" when the task is gone.
    virtual void sendTaskHeartbeat(const std::string& token) = 0;
    /// Ends calls in flight and makes later ones throw AwsError "Aborted" (shutdown).
    virtual void abort() = 0;
};

/// The real service at context->endpoint("states", "SFN"), signed for "states". Errors throw AwsError with the
/// answer's __type (namespace before '#' stripped) and message. abort() aborts the whole context.
class StepFunctionsClient : public StepFunctionsApi {
public:
    explicit StepFunctionsClient(std::shared_ptr<AwsContext> context);

    std::optional<std::string> findActivityArn(const std::string& name) override;
    std::string createActivity(const std::string& name) override;
    std::optional<ActivityTask> getActivityTask(const std::string& activityArn, const std::string& workerName) override;
    void sendTaskSuccess(const std::string& token, const std::string& outputJson) override;
    void sendTaskFailure(const std::string& token, const std::string& error, const std::string& cause) override;
    void sendTaskHeartbeat(const std::string& token) override;
    void abort() override;

    /// One call: POST / with X-Amz-Target: AWSStepFunctions.<action> and the JSON request; returns the JSON
    /// answer of a 2xx (throws AwsError otherwise).
    std::string call(const std::string& action, const std::string& requestJson, std::chrono::milliseconds timeout);

private:
    std::shared_ptr<AwsContext> context_;
};

} // namespace maelstrom::aws
