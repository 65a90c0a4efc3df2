// error.h — aws: the one exception type of the AWS client library (service errors and our own failures).
// SPDX-License-Identifier: Apache-2.0
//
// code() is the AWS error code as the service sent it ("AWS.SimpleQueueService.NonExistentQueue",
// "ThrottlingException", "TaskTimedOut", ...) or one of ours:
//   "NoCredentials"  no provider of the chain had credentials (or IMDS is disabled)
//   "NoRegion"       neither the environment nor the config file names a region
//   "Network"        connection refused/reset, DNS, TLS — nothing (or nothing whole) came back
//   "Timeout"        the answer did not come within the request's timeout
//   "Aborted"        AwsContext::abort() was called (shutdown); never retried
//   "InvalidEndpoint", "InvalidResponse", "Http" (an answer without a parsable AWS error; see httpStatus())
#pragma once

#include <stdexcept>
#include <string>

namespace maelstrom::aws {

class AwsError : public std::runtime_error {
public:
    AwsError(std::string code, const std::string& message, int httpStatus = 0, bool retryable = false);

    /// The AWS error code, or one of ours (see above).
    const std::string& code() const { return code_; }
    /// The HTTP status of the answer; 0 when there was no answer.
    int httpStatus() const { return httpStatus_; }
    /// True when trying the same request again may succeed (throttling, 5xx, network trouble).
    bool retryable() const { return retryable_; }

private:
    std::string code_;
    int httpStatus_;
    bool retryable_;
};

/// True for the error codes AWS services use to say "slow down" (ThrottlingException, RequestLimitExceeded,
/// AWS.SimpleQueueService.RequestThrottled, ...): these are retried with backoff whatever the HTTP status.
bool isThrottlingCode(const std::string& code);

/// The retry decision for an AWS error answer: 5xx, 429 and throttling codes.
bool isRetryableAnswer(int httpStatus, const std::string& code);

} // namespace maelstrom::aws
