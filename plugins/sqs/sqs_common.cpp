// sqs_common.cpp — see sqs_common.h.
// SPDX-License-Identifier: Apache-2.0
#include "sqs_common.h"

#include "text.h"

#include <maelstrom/sdk/text.h>

#include <algorithm>
#include <charconv>

namespace maelstrom::plugins::sqs {

std::vector<PollerRole> pollerRoles(const sdk::EventSource& source, int handlers) {
    const auto& sqs = *source.sqs;
    const std::int64_t perPoll = sqs.messagesPerPoll > 0 ? sqs.messagesPerPoll : 1;
    return queue_pollers::pollerRoles("aws-sqs", source.name,
                                      sqs.maxConcurrency > 0 ? sqs.maxConcurrency : kDefaultMaxConcurrency,
                                      sqs.concurrencyPerPoller > 0 ? sqs.concurrencyPerPoller : perPoll, handlers);
}

int messagesPerReceive(const sdk::SqsEventSource& sqs) {
    return static_cast<int>(std::clamp<std::int64_t>(sqs.messagesPerPoll, 1, 10));
}

int visibilityTimeoutSeconds(const sdk::SqsEventSource& sqs) {
    return static_cast<int>(sqs.visibilityTimeout > 0 ? std::min<std::int64_t>(sqs.visibilityTimeout, 43'200)
                                                      : kDefaultVisibilityTimeout);
}

std::int64_t pauseSeconds(const std::vector<sdk::NameValue>& headers) {
    std::int64_t pause = 0;
    for (const auto& header : headers) {
        if (!queue_pollers::equalsIgnoreCase(header.name, "pause-seconds")) {
            continue;
        }
        const auto value = sdk::trimSpace(header.value);
        std::int64_t parsed = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
        if (error == std::errc::result_out_of_range && !value.empty() && value.front() != '-') {
            pause = kMaxPauseSeconds;
        } else if (error == std::errc() && end == value.data() + value.size() && parsed > 0) {
            pause = std::min(parsed, kMaxPauseSeconds);
        } else {
            pause = 0; // the last one counts, and a value that is not a positive integer means "no pause"
        }
    }
    return pause;
}

std::string describe(const aws::AwsError& error) {
    if (error.code() == "NoCredentials") {
        return std::string("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile in "
                           "~/.aws/credentials (AWS_PROFILE), or run on EC2 with an instance role (") +
               error.what() + ")";
    }
    if (error.code() == "NoRegion") {
        return std::string("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION) or `region` in the profile of "
                           "~/.aws/config (") +
               error.what() + ")";
    }
    std::string text = error.code();
    if (error.httpStatus() != 0) {
        text += " (HTTP " + std::to_string(error.httpStatus()) + ")";
    }
    const std::string message = error.what();
    if (!message.empty() && message != error.code()) {
        text += ": " + message;
    }
    return text;
}

} // namespace maelstrom::plugins::sqs
