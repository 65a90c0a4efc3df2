// sqs_poller.h — one SQS poller: the receiving loop and the workers of one role (aws-sqs-<source>-<i>-<c>).
// SPDX-License-Identifier: Apache-2.0
//
// A poller with concurrency c runs c workers and one receiving thread. It receives only when a worker is free and
// asks for at most as many messages as there are free workers, so no more than c messages of this poller are in
// flight (received and not yet finished) at any time. Queues are in priority order: it stays on a queue while that
// queue returns messages, moves to the next one when a receive comes back empty, and goes back to the first one
// every priorityResetEvery and after a pause.
// A worker POSTs the message body to the source's path through the invoker, deletes the message only when the
// answer is 200 (anything else, or no answer, leaves it in the queue: SQS hands it out again after the visibility
// timeout), and passes a `pause-seconds` answer header on: the receiving thread waits that long before its next
// receive (only the latest value counts, applied once).
// AWS errors are logged through the driver's ThrottledLog (plugins/shared/queue-pollers) and followed by a wait
// (backoffInitial doubling to backoffMax).
// requestStop() ends the receiving: a receive in progress finishes (at most receiveWaitSeconds plus the round
// trip, unless the client is aborted), the messages it brought are still handed to the workers, and the workers
// finish what they hold; finished() turns true when every thread has ended, and then onFinished runs.
#pragma once

#include "aws/sqs.h"
#include "sqs_common.h"
#include "throttled_log.h"

#include <maelstrom/sdk/event_source.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::plugins::sqs {

/// What every poller of a driver uses.
struct PollerEnvironment {
    std::shared_ptr<aws::SqsApi> receiver; ///< for ReceiveMessage; aborted at shutdown to end long polls at once
    std::shared_ptr<aws::SqsApi> deleter;  ///< for DeleteMessage; not aborted, so finished work is still deleted
    std::shared_ptr<sdk::Invoker> invoker;
    sdk::PluginLogger logger;
    const sdk::Clock* clock = nullptr;
    SqsSettings settings;
    std::shared_ptr<queue_pollers::ThrottledLog> warnings;
    /// Called once, from the poller's last thread, when it has ended (must not wait for the poller).
    std::function<void()> onFinished;
    /// Called when a receive says the queue does not exist any more (the driver looks the queues up again).
    std::function<void()> onQueueGone;
};

class Poller {
public:
    Poller(PollerEnvironment environment, sdk::EventSource source, PollerRole role, std::vector<std::string> queues);
    ~Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    void start();
    /// Stops receiving (see above); does not wait. `reason` goes to the log line.
    void requestStop(const std::string& reason);
    /// Every thread has ended.
    bool finished() const { return finished_.load(); }
    /// Waits for the threads (call once finished(), or after requestStop() when waiting is fine).
    void join();
    /// Replaces the queue list (same priority rules; the next receive uses it).
    void setQueues(std::vector<std::string> queues);

    const std::string& roleId() const { return role_.roleId; }
    int concurrency() const { return role_.concurrency; }
    const sdk::EventSource& source() const { return source_; }
    std::vector<std::string> queues() const;
    bool stopRequested() const { return stop_.stop_requested(); }

private:
    struct Work {
        std::string queueUrl;
        aws::SqsMessage message;
    };

    void receiveLoop(std::stop_token stop);
    void workerLoop();
    void process(const Work& work);
    void threadEnded();
    /// Waits on the poller's clock until `until` or a stop (lock held).
    void sleepUntil(std::unique_lock<std::mutex>& lock, std::stop_token stop,
                    std::chrono::steady_clock::time_point until);
    std::string describeQueues() const; ///< mutex_ held

    const PollerEnvironment env_;
    const sdk::EventSource source_;
    const PollerRole role_;
    const std::string what_; ///< "poller <role> (event source <name>)", for log lines

    mutable std::mutex mutex_;
    std::condition_variable_any cv_;
    std::vector<std::string> queues_; ///< guarded by mutex_
    std::deque<Work> work_;           ///< received, waiting for a worker; guarded
    int free_ = 0;                    ///< workers not holding a message; guarded
    std::int64_t pauseSeconds_ = 0;   ///< the latest `pause-seconds` not yet applied; guarded
    bool receivingEnded_ = false;     ///< the receiving thread ended: workers leave once work_ is empty; guarded

    std::stop_source stop_;
    std::atomic<int> alive_{0};
    std::atomic<bool> finished_{false};
    std::vector<std::thread> threads_;
};

} // namespace maelstrom::plugins::sqs
