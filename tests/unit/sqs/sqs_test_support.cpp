// sqs_test_support.cpp — see sqs_test_support.h.
// SPDX-License-Identifier: Apache-2.0
#include "sqs_test_support.h"

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

// ---- ScriptedInvoker ----

sdk::InvokeResponse ScriptedInvoker::invoke(const sdk::InvokeRequest& request) {
    const int now = ++inFlight;
    int seen = maxInFlight.load();
    while (now > seen && !maxInFlight.compare_exchange_weak(seen, now)) {
    }
    std::function<sdk::InvokeResponse(const sdk::InvokeRequest&)> handler;
    std::function<void(int, const sdk::InvokeRequest&)> onStart;
    {
        std::unique_lock lock(mutex_);
        calls_.push_back(Invocation{request, clock_.steadyNow()});
        handler = handler_;
        onStart = onStart_;
    }
    if (onStart) {
        onStart(now, request);
    }
    {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return !held_; });
    }
    struct Leave {
        std::atomic<int>& inFlight;
        ~Leave() { --inFlight; }
    } leave{inFlight};
    return handler ? handler(request) : answer(200);
}

void ScriptedInvoker::setHandler(std::function<sdk::InvokeResponse(const sdk::InvokeRequest&)> handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
}

void ScriptedInvoker::setOnStart(std::function<void(int, const sdk::InvokeRequest&)> onStart) {
    std::lock_guard lock(mutex_);
    onStart_ = std::move(onStart);
}

void ScriptedInvoker::hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
}

void ScriptedInvoker::release() {
    {
        std::lock_guard lock(mutex_);
        held_ = false;
    }
    cv_.notify_all();
}

std::vector<Invocation> ScriptedInvoker::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

std::vector<std::string> ScriptedInvoker::bodies() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& call : calls_) {
        out.push_back(call.request.body);
    }
    return out;
}

std::size_t ScriptedInvoker::count() const {
    std::lock_guard lock(mutex_);
    return calls_.size();
}

// ---- roles, capacity ----

bool RoleTable::acquireOrRenew(const std::string& roleId, const std::string& node, std::chrono::milliseconds lease) {
    std::lock_guard lock(mutex_);
    ++calls_;
    const auto now = clock_.steadyNow();
    auto it = leases_.find(roleId);
    if (it != leases_.end() && it->second.node != node && it->second.expiresAt > now) {
        return false;
    }
    leases_.insert_or_assign(roleId, Lease{node, now + lease});
    return true;
}

void RoleTable::release(const std::string& roleId, const std::string& node) {
    std::lock_guard lock(mutex_);
    ++calls_;
    const auto it = leases_.find(roleId);
    if (it != leases_.end() && it->second.node == node) {
        leases_.erase(it);
    }
}

std::optional<std::string> RoleTable::holder(const std::string& roleId) const {
    std::lock_guard lock(mutex_);
    const auto it = leases_.find(roleId);
    if (it == leases_.end() || it->second.expiresAt <= clock_.steadyNow()) {
        return std::nullopt;
    }
    return it->second.node;
}

void RoleTable::assign(const std::string& roleId, const std::string& node, std::chrono::milliseconds lease) {
    std::lock_guard lock(mutex_);
    leases_.insert_or_assign(roleId, Lease{node, clock_.steadyNow() + lease});
}

std::size_t RoleTable::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

bool FakeRoleLocks::acquireOrRenew(const std::string& roleId, std::chrono::milliseconds lease) {
    return table_.acquireOrRenew(roleId, node_, lease);
}

void FakeRoleLocks::release(const std::string& roleId) { table_.release(roleId, node_); }

std::optional<std::string> FakeRoleLocks::holder(const std::string& roleId) { return table_.holder(roleId); }

int FakeCapacity::handlerCount(const std::string& component) {
    std::lock_guard lock(mutex_);
    ++calls_;
    const auto it = handlers_.find(component);
    return it == handlers_.end() ? 0 : it->second;
}

void FakeCapacity::set(const std::string& component, int handlers) {
    std::lock_guard lock(mutex_);
    handlers_[component] = handlers;
}

std::size_t FakeCapacity::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

// ---- logs ----

sdk::PluginLogger LogLines::logger() {
    return sdk::PluginLogger([this](sdk::LogLevel level, const std::string& line) {
        static const char* const names[] = {"debug", "information", "warning", "error"};
        std::lock_guard lock(mutex_);
        lines_.push_back(std::string(names[static_cast<int>(level)]) + ": " + line);
    });
}

std::vector<std::string> LogLines::lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
}

std::size_t LogLines::count(const std::string& needle) const {
    std::lock_guard lock(mutex_);
    return std::count_if(lines_.begin(), lines_.end(),
                         [&](const std::string& line) { return line.find(needle) != std::string::npos; });
}

std::string LogLines::dump() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& line : lines_) {
        out += line + "\n";
    }
    return out;
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
    sdk::EventSource source;
    source.name = name;
    source.componentName = component;
    source.projectName = "proj";
    source.version = 1;
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
