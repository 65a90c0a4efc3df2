// sqs_test_support.h — what the sqs driver's unit tests share: a fake SQS (queues, visibility timeouts, long polls
// scaled down to milliseconds, injected errors) and a node = driver + its host (whose fakes are
// fake_event_source_host.h's).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "fake_clock.h"
#include "fake_event_source_host.h"
#include "sqs_driver.h"

#include <maelstrom/sdk/event_source.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace maelstrom::testing::sqs {

using Steady = std::chrono::steady_clock;
using maelstrom::testing::FakeCapacity;
using maelstrom::testing::FakeRoleLocks;
using maelstrom::testing::Invocation;
using maelstrom::testing::LogLines;
using maelstrom::testing::RoleTable;
using maelstrom::testing::ScriptedInvoker;

/// One ReceiveMessage call as the fake saw it.
struct ReceiveCall {
    std::string queueUrl;
    int maxMessages = 0;
    int visibilityTimeout = 0;
    int waitTimeSeconds = 0;
    FakeClock::TimePoint fakeStart{}; ///< fake time when it began
    Steady::time_point realStart{};   ///< real time when it began
    Steady::time_point realEnd{};     ///< real time when it returned (or threw); {} while in progress
    std::size_t returned = 0;
};

/// The queues of one fake region. Messages of a queue are handed out in the order they were sent; a received
/// message is invisible until the fake clock reaches its visibility timeout; only a delete with its latest receipt
/// handle removes it. A receive on an empty queue waits `realWaitPerSecond` of real time per second of
/// WaitTimeSeconds (a long poll, scaled down), ending early when a message arrives or the client is aborted.
class FakeSqs {
public:
    explicit FakeSqs(FakeClock& clock) : clock_(clock) {}

    /// Creates the queue (if needed) and returns its URL.
    std::string createQueue(const std::string& name);
    void deleteQueue(const std::string& name);
    static std::string urlOf(const std::string& name);
    /// Adds a message to an existing queue; returns its id.
    std::string send(const std::string& queueName, const std::string& body);

    // What a client does (FakeSqsClient forwards here).
    std::optional<std::string> queueUrl(const std::string& name);
    std::vector<std::string> listQueueUrls(const std::string& prefix);
    std::vector<aws::SqsMessage> receive(const std::string& queueUrl, int maxMessages, int visibilityTimeoutSeconds,
                                         int waitTimeSeconds, const std::atomic<bool>& aborted);
    void deleteMessage(const std::string& queueUrl, const std::string& receiptHandle, const std::atomic<bool>& aborted);
    /// Wakes the receives waiting (after an abort).
    void wakeAll();

    /// Every call of `operation` ("queueUrl", "listQueueUrls", "receive", "delete") throws `error` until cleared
    /// (nullopt).
    void fail(const std::string& operation, std::optional<aws::AwsError> error);
    /// Called on each delete, with the message id and the receipt handle used (under no lock).
    void onDelete(std::function<void(const std::string& messageId, const std::string& receiptHandle)> hook);

    std::chrono::milliseconds realWaitPerSecond{5};

    std::vector<ReceiveCall> receiveCalls() const;
    int receivesInProgress() const;
    std::size_t lookups() const; ///< queueUrl + listQueueUrls calls
    bool deleted(const std::string& messageId) const;
    std::size_t deletedCount() const;
    /// Messages received and neither deleted nor visible again.
    std::size_t invisibleCount() const;
    /// Messages not deleted (visible or not).
    std::size_t remaining(const std::string& queueName) const;
    /// How often a message was received.
    int receiveCount(const std::string& messageId) const;

private:
    struct Message {
        std::string id;
        std::string body;
        int receiveCount = 0;
        FakeClock::TimePoint visibleAt{};
        std::string receiptHandle;
        bool deleted = false;
    };
    void throwIfFailing(const std::string& operation) const; ///< mutex_ held

    FakeClock& clock_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::string, std::vector<Message>> queues_; ///< by URL
    std::map<std::string, aws::AwsError> failures_;
    std::vector<ReceiveCall> receives_;
    int receivesInProgress_ = 0;
    std::size_t lookups_ = 0;
    std::size_t nextId_ = 1;
    std::function<void(const std::string&, const std::string&)> onDelete_;
};

/// A client of a FakeSqs with an abort flag of its own (like one AwsContext).
class FakeSqsClient final : public aws::SqsApi {
public:
    explicit FakeSqsClient(FakeSqs& sqs) : sqs_(sqs) {}
    std::optional<std::string> queueUrl(const std::string& name) override { return sqs_.queueUrl(name); }
    std::vector<std::string> listQueueUrls(const std::string& prefix) override { return sqs_.listQueueUrls(prefix); }
    std::vector<aws::SqsMessage> receive(const std::string& queueUrl, int maxMessages, int visibilityTimeoutSeconds,
                                         int waitTimeSeconds) override {
        return sqs_.receive(queueUrl, maxMessages, visibilityTimeoutSeconds, waitTimeSeconds, aborted);
    }
    void deleteMessage(const std::string& queueUrl, const std::string& receiptHandle) override {
        sqs_.deleteMessage(queueUrl, receiptHandle, aborted);
    }
    void abort() override {
        aborted = true;
        sqs_.wakeAll();
    }
    std::atomic<bool> aborted{false};

private:
    FakeSqs& sqs_;
};

/// Settings for tests: a 5 s reload on the fake clock, 1 s receive waits (scaled down by the fake SQS).
plugins::sqs::SqsSettings testSettings();

/// The clients a node's factory made.
class ClientList {
public:
    void add(std::shared_ptr<FakeSqsClient> client);
    std::vector<std::shared_ptr<FakeSqsClient>> all() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<FakeSqsClient>> clients_;
};

/// One node: a started SqsDriver whose factory counts its calls and makes FakeSqsClients.
struct SqsNode {
    SqsNode(std::string name, FakeClock& clock, FakeSqs& sqs, RoleTable& table, std::shared_ptr<FakeCapacity> capacity,
            plugins::sqs::SqsSettings settings = testSettings());
    ~SqsNode();
    /// The role ids of the pollers running (not stopping) on this node.
    std::set<std::string> roles() const;
    /// Advances the clock by `step` every 5 ms of real time (up to 10 s) until the driver has completed two
    /// reloads (so at least one began after the call).
    bool waitForReload(FakeClock& clock, std::chrono::milliseconds step = std::chrono::seconds(1)) const;

    std::string name;
    std::shared_ptr<ScriptedInvoker> invoker;
    std::shared_ptr<FakeRoleLocks> roleLocks;
    std::shared_ptr<FakeCapacity> capacity;
    LogLines logLines;
    std::shared_ptr<std::atomic<int>> factoryCalls = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<ClientList> clients = std::make_shared<ClientList>();
    std::shared_ptr<plugins::sqs::SqsDriver> driver;
};

/// An sqs event source for `component` polling `queue` (a prefix when nameAsPrefix) and POSTing to `path`.
sdk::EventSource sqsSource(const std::string& name, const std::string& queue, bool nameAsPrefix = false,
                           const std::string& path = "/messages", const std::string& component = "proj_worker");

/// An answer with `status` and, when pause > 0, a `pause-seconds` header.
sdk::InvokeResponse answer(int status, std::int64_t pause = 0);

} // namespace maelstrom::testing::sqs
