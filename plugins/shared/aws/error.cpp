// error.cpp — aws: AwsError and the retry classification of AWS error answers.
// SPDX-License-Identifier: Apache-2.0
#include "aws/error.h"

#include <array>
#include <string_view>
#include <utility>

namespace maelstrom::aws {

AwsError::AwsError(std::string code, const std::string& message, int httpStatus, bool retryable)
    : std::runtime_error(message), code_(std::move(code)), httpStatus_(httpStatus), retryable_(retryable) {}

bool isThrottlingCode(const std::string& code) {
    // The codes the AWS SDKs treat as throttling (their shared retry logic), SQS's own among them.
    static constexpr std::array<std::string_view, 14> kThrottling = {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    };
    std::string_view name = code;
    // SQS prefixes its codes with "AWS.SimpleQueueService." (e.g. AWS.SimpleQueueService.RequestThrottled).
    if (const auto dot = name.rfind('.'); dot != std::string_view::npos) {
        name = name.substr(dot + 1);
    }
    for (const auto& t : kThrottling) {
        if (name == t) {
            return true;
        }
    }
    return false;
}

bool isRetryableAnswer(int httpStatus, const std::string& code) {
    return httpStatus >= 500 || httpStatus == 429 || isThrottlingCode(code);
}

} // namespace maelstrom::aws
