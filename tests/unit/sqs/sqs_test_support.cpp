// sqs_test_support.cpp — see sqs_test_support.h.
// SPDX-License-Identifier: Apache-2.0
#include "sqs_test_support.h"

#include "model_builders.h"

#include <maelstrom/sdk/errors.h>

#include <algorithm>
#include <thread>

namespace maelstrom::testing::sqs {

// ---- FakeSqs ----

std::string FakeSqs::urlOf(const std::string& name) {
    return "https://sqs.eu-west-1.amazonaws.com/123456789012/" + name;
}

std::string FakeSqs::createQueue(const std::string& name) {
    std::lock_guard lock(mutex_);
    queues_.try_emplace(urlOf(name));
    return urlOf(name);
}

void FakeSqs::deleteQueue(const std::string& name) {
    std::lock_guard lock(mutex_);
    queues_.erase(urlOf(name));
}

std::string FakeSqs::send(const std::string& queueName, const std::string& body) {
    std::string id;
    {
        std::lock_guard lock(mutex_);
        auto& queue = queues_.at(urlOf(queueName));
        id = "m" + std::to_string(nextId_++);
        queue.push_back(Message{.id = id,
                                .body = body,
                                .receiveCount = 0,
                                .visibleAt = clock_.steadyNow(),
                                .receiptHandle = {},
                                .deleted = false});
    }
    cv_.notify_all();
    return id;
}

void FakeSqs::throwIfFailing(const std::string& operation) const {
    if (const auto it = failures_.find(operation); it != failures_.end()) {
        throw it->second;
    }
}

std::optional<std::string> FakeSqs::queueUrl(const std::string& name) {
    std::lock_guard lock(mutex_);
    ++lookups_;
    throwIfFailing("queueUrl");
    if (!queues_.contains(urlOf(name))) {
        return std::nullopt;
    }
    return urlOf(name);
}

std::vector<std::string> FakeSqs::listQueueUrls(const std::string& prefix) {
    std::lock_guard lock(mutex_);
    ++lookups_;
    throwIfFailing("listQueueUrls");
    std::vector<std::string> urls;
    const auto base = urlOf(prefix);
    for (const auto& [url, messages] : queues_) {
        if (url.compare(0, base.size(), base) == 0) {
            urls.push_back(url);
        }
    }
    // Deliberately not sorted: the driver sorts (the real client does too).
    std::reverse(urls.begin(), urls.end());
    return urls;
}

std::vector<aws::SqsMessage> FakeSqs::receive(const std::string& queueUrl, int maxMessages,
                                              int visibilityTimeoutSeconds, int waitTimeSeconds,
                                              const std::atomic<bool>& aborted) {
    std::unique_lock lock(mutex_);
    const std::size_t call = receives_.size();
    receives_.push_back(ReceiveCall{.queueUrl = queueUrl,
                                    .maxMessages = maxMessages,
                                    .visibilityTimeout = visibilityTimeoutSeconds,
                                    .waitTimeSeconds = waitTimeSeconds,
                                    .fakeStart = clock_.steadyNow(),
                                    .realStart = Steady::now(),
                                    .realEnd = {},
                                    .returned = 0});
    ++receivesInProgress_;
    const auto finish = [&](std::size_t returned) {
        receives_[call].realEnd = Steady::now();
        receives_[call].returned = returned;
        --receivesInProgress_;
    };
    const auto deadline = Steady::now() + realWaitPerSecond * waitTimeSeconds;
    try {
        while (true) {
            if (aborted) {
                throw aws::AwsError("Aborted", "the client was aborted");
            }
            throwIfFailing("receive");
            const auto queue = queues_.find(queueUrl);
            if (queue == queues_.end()) {
                throw aws::AwsError("AWS.SimpleQueueService.NonExistentQueue",
                                    "The specified queue does not exist for this wsdl version.", 400);
            }
            std::vector<aws::SqsMessage> out;
            const auto now = clock_.steadyNow();
            for (auto& message : queue->second) {
                if (static_cast<int>(out.size()) >= maxMessages) {
                    break;
                }
                if (message.deleted || message.visibleAt > now) {
                    continue;
                }
                ++message.receiveCount;
                message.visibleAt = now + std::chrono::seconds(visibilityTimeoutSeconds);
                message.receiptHandle = message.id + "#" + std::to_string(message.receiveCount);
                out.push_back(aws::SqsMessage{message.id, message.receiptHandle, message.body});
            }
            if (!out.empty() || Steady::now() >= deadline) {
                finish(out.size());
                return out;
            }
            // Re-checks every 2 ms: the fake clock may have made a message visible again.
            cv_.wait_until(lock, std::min(deadline, Steady::now() + std::chrono::milliseconds(2)));
        }
    } catch (...) {
        finish(0);
        throw;
    }
}

void FakeSqs::deleteMessage(const std::string& queueUrl, const std::string& receiptHandle,
                            const std::atomic<bool>& aborted) {
    std::string id;
    std::function<void(const std::string&, const std::string&)> hook;
    {
        std::lock_guard lock(mutex_);
        if (aborted) {
            throw aws::AwsError("Aborted", "the client was aborted");
        }
        throwIfFailing("delete");
        const auto queue = queues_.find(queueUrl);
        if (queue == queues_.end()) {
            throw aws::AwsError("AWS.SimpleQueueService.NonExistentQueue", "no such queue", 400);
        }
        for (auto& message : queue->second) {
            if (!message.deleted && message.receiptHandle == receiptHandle) {
                message.deleted = true;
                id = message.id;
            }
        }
        hook = onDelete_;
    }
    if (hook && !id.empty()) {
        hook(id, receiptHandle);
    }
}

void FakeSqs::wakeAll() {
    std::lock_guard lock(mutex_);
    cv_.notify_all();
}

void FakeSqs::fail(const std::string& operation, std::optional<aws::AwsError> error) {
    std::lock_guard lock(mutex_);
    if (error) {
        failures_.insert_or_assign(operation, *error);
    } else {
        failures_.erase(operation);
    }
}

void FakeSqs::onDelete(std::function<void(const std::string&, const std::string&)> hook) {
    std::lock_guard lock(mutex_);
    onDelete_ = std::move(hook);
}

std::vector<ReceiveCall> FakeSqs::receiveCalls() const {
    std::lock_guard lock(mutex_);
    return receives_;
}

int FakeSqs::receivesInProgress() const {
    std::lock_guard lock(mutex_);
    return receivesInProgress_;
}

std::size_t FakeSqs::lookups() const {
    std::lock_guard lock(mutex_);
    return lookups_;
}

bool FakeSqs::deleted(const std::string& messageId) const {
    std::lock_guard lock(mutex_);
    for (const auto& [url, messages] : queues_) {
        for (const auto& message : messages) {
            if (message.id == messageId) {
                return message.deleted;
            }
        }
    }
    return false;
}

std::size_t FakeSqs::deletedCount() const {
    std::lock_guard lock(mutex_);
    std::size_t count = 0;
    for (const auto& [url, messages] : queues_) {
        count += std::count_if(messages.begin(), messages.end(), [](const Message& m) { return m.deleted; });
    }
    return count;
}

std::size_t FakeSqs::invisibleCount() const {
    std::lock_guard lock(mutex_);
    const auto now = clock_.steadyNow();
    std::size_t count = 0;
    for (const auto& [url, messages] : queues_) {
        count += std::count_if(messages.begin(), messages.end(),
                               [&](const Message& m) { return !m.deleted && m.visibleAt > now; });
    }
    return count;
}

std::size_t FakeSqs::remaining(const std::string& queueName) const {
    std::lock_guard lock(mutex_);
    const auto& messages = queues_.at(urlOf(queueName));
    return std::count_if(messages.begin(), messages.end(), [](const Message& m) { return !m.deleted; });
}

int FakeSqs::receiveCount(const std::string& messageId) const {
    std::lock_guard lock(mutex_);
    for (const auto& [url, messages] : queues_) {
        for (const auto& message : messages) {
            if (message.id == messageId) {
                return message.receiveCount;
            }
        }
    }
    return 0;
}

// ---- nodes ----

void ClientList::add(std::shared_ptr<FakeSqsClient> client) {
    std::lock_guard lock(mutex_);
    clients_.push_back(std::move(client));
}

std::vector<std::shared_ptr<FakeSqsClient>> ClientList::all() const {
    std::lock_guard lock(mutex_);
    return clients_;
}

plugins::sqs::SqsSettings testSettings() {
    plugins::sqs::SqsSettings settings;
    settings.reloadEvery = std::chrono::seconds(5);
    settings.receiveWaitSeconds = 1;
    return settings;
}

SqsNode::SqsNode(std::string nodeName, FakeClock& clock, FakeSqs& sqs, RoleTable& table,
                 std::shared_ptr<FakeCapacity> nodeCapacity, plugins::sqs::SqsSettings settings)
    : name(std::move(nodeName)), invoker(std::make_shared<ScriptedInvoker>(clock)),
      roleLocks(std::make_shared<FakeRoleLocks>(table, name)), capacity(std::move(nodeCapacity)) {
    auto calls = factoryCalls;
    auto list = clients;
    driver = std::make_shared<plugins::sqs::SqsDriver>(settings, [calls, list, &sqs] {
        ++*calls;
        auto client = std::make_shared<FakeSqsClient>(sqs);
        list->add(client);
        return client;
    });
    sdk::EventSourceHost host;
    host.invoker = invoker;
    host.roles = roleLocks;
    host.clock = &clock;
    host.logger = logLines.logger();
    host.nodeId = name;
    host.capacity = capacity;
    driver->start(host);
}

SqsNode::~SqsNode() { driver->shutdown(); }

std::set<std::string> SqsNode::roles() const {
    std::set<std::string> out;
    for (const auto& poller : driver->pollers()) {
        if (!poller.stopping) {
            out.insert(poller.roleId);
        }
    }
    return out;
}

bool SqsNode::waitForReload(FakeClock& clock, std::chrono::milliseconds step) const {
    const auto before = driver->reloads();
    // Two: one that was under way when this was called may have read the state from before.
    return clock.advanceUntil([&] { return driver->reloads() >= before + 2; }, step);
}

sdk::EventSource sqsSource(const std::string& name, const std::string& queue, bool nameAsPrefix,
                           const std::string& path, const std::string& component) {
    auto source = projectEventSource(name, component);
    source.sqs = sdk::SqsEventSource{};
    source.sqs->queueName = queue;
    source.sqs->nameAsPrefix = nameAsPrefix;
    source.sqs->path = path;
    return source;
}

sdk::InvokeResponse answer(int status, std::int64_t pause) {
    sdk::InvokeResponse response;
    response.status = status;
    if (pause > 0) {
        response.headers.push_back({"Pause-Seconds", std::to_string(pause)});
    }
    return response;
}

} // namespace maelstrom::testing::sqs
