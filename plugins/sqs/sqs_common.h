// sqs_common.h — what the sqs driver and its pollers share: settings, SQS's defaults for the sizing of a source's
// pollers into role ids, the `pause-seconds` answer header and AWS error texts.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "aws/error.h"
#include "poller_roles.h"

#include <maelstrom/sdk/model.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace maelstrom::plugins::sqs {

struct SqsSettings {
    /// Queue lookups, sizing and role renewals happen on every changed set from update() and at least this often.
    /// Must stay well under roleLease so a held role is renewed before it runs out.
    std::chrono::milliseconds reloadEvery{60'000};
    /// WaitTimeSeconds of ReceiveMessage (0..20): how long a poll on an empty queue waits for a message, and so
    /// how long a poller that is told to stop may still be in a receive.
    int receiveWaitSeconds = 1;
    std::chrono::milliseconds roleLease{120'000};
    /// A poller goes back to its first (highest-priority) queue this often.
    std::chrono::milliseconds priorityResetEvery{15'000};
    /// Waits after an AWS error: the first, doubled after each further error up to the last.
    std::chrono::milliseconds backoffInitial{1'000};
    std::chrono::milliseconds backoffMax{30'000};
    /// The same warning (same place, same error code) is written at most once per this period.
    std::chrono::milliseconds warningEvery{60'000};
};

/// The values an SqsEventSource's zero fields stand for.
inline constexpr std::int64_t kDefaultMaxConcurrency = 10;
inline constexpr std::int64_t kDefaultVisibilityTimeout = 300;
/// `pause-seconds` values above this count as this (a day), so a wrong header cannot overflow the deadline.
inline constexpr std::int64_t kMaxPauseSeconds = 86'400;

using queue_pollers::PollerRole;

/// The pollers of `source` (queue_pollers::pollerRoles, roles aws-sqs-<eventSourceName>-<i>-<c>) for a component
/// whose running instances take `handlers` requests at once; maxConcurrency defaults to 10 and
/// concurrencyPerPoller to messagesPerPoll (itself 1 when not set).
std::vector<PollerRole> pollerRoles(const sdk::EventSource& source, int handlers);

/// ReceiveMessage's MaxNumberOfMessages for the source, before the free workers limit it: messagesPerPoll
/// clamped to 1..10 (SQS's range).
int messagesPerReceive(const sdk::SqsEventSource& sqs);
/// The visibility timeout in seconds (300 when not set).
int visibilityTimeoutSeconds(const sdk::SqsEventSource& sqs);

/// The `pause-seconds` header of a component's answer (any case): its value when it is an integer > 0 (at most
/// kMaxPauseSeconds), else 0.
std::int64_t pauseSeconds(const std::vector<sdk::NameValue>& headers);

/// One line about an AWS error; NoCredentials and NoRegion say where the library looked.
std::string describe(const aws::AwsError& error);

} // namespace maelstrom::plugins::sqs
