// sqs_common.h — what the sqs driver and its pollers share: settings, the sizing of a source's pollers into
// role ids, the `pause-seconds` answer header, AWS error texts and a rate-limited warning log.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "aws/error.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/model.h>
#include <maelstrom/sdk/plugin.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
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

/// One poller a source asks for: its cluster-wide role and how many messages it handles at once.
struct PollerRole {
    std::string roleId; ///< aws-sqs-<eventSourceName>-<index>-<concurrency>
    int index = 0;
    int concurrency = 1;
    bool operator==(const PollerRole&) const = default;
};

/// The pollers of `source` for a component whose running instances take `handlers` requests at once:
/// maxConc = min(maxConcurrency, max(1, handlers)) split into pollers of concurrencyPerPoller (the last one gets
/// the rest). No instance → one poller of 1, whose messages cold-start the component.
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

/// Warnings about repeating failures, at most one per key per period (by the driver's clock); the next one after
/// a quiet period says how many were left out. Thread-safe.
class WarningLog {
public:
    WarningLog(sdk::PluginLogger logger, const sdk::Clock& clock, std::chrono::milliseconds every)
        : logger_(std::move(logger)), clock_(clock), every_(every) {}

    /// Writes `text` as a warning unless the same `key` was written less than a period ago.
    void warn(const std::string& key, const std::string& text);
    /// A failure ended: writes `text` as an information line if a warning of a key starting with `keyPrefix` was
    /// written since the last such call (a failure whose warnings were all left out ends silently too).
    void recovered(const std::string& keyPrefix, const std::string& text);

private:
    struct Entry {
        std::chrono::steady_clock::time_point last{};
        int suppressed = 0;
        bool announced = false; ///< a warning was written and its recovery not yet
    };
    sdk::PluginLogger logger_;
    const sdk::Clock& clock_;
    const std::chrono::milliseconds every_;
    std::mutex mutex_;
    std::map<std::string, Entry> entries_; ///< guarded by mutex_
};

} // namespace maelstrom::plugins::sqs
