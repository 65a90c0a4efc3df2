// sqs_poller.cpp — see sqs_poller.h.
// SPDX-License-Identifier: Apache-2.0
#include "sqs_poller.h"

#include <algorithm>
#include <utility>

namespace maelstrom::plugins::sqs {
namespace {

std::string joinQueues(const std::vector<std::string>& queues) {
    std::string text;
    for (const auto& queue : queues) {
        text += (text.empty() ? "" : ", ") + queue;
    }
    return text.empty() ? "(no queue)" : text;
}

} // namespace

Poller::Poller(PollerEnvironment environment, sdk::EventSource source, PollerRole role, std::vector<std::string> queues)
    : env_(std::move(environment)), source_(std::move(source)), role_(std::move(role)),
      what_("sqs: poller " + role_.roleId + " (event source " + source_.name + ", component " + source_.componentName +
            ")"),
      queues_(std::move(queues)), free_(role_.concurrency) {}

Poller::~Poller() {
    if (!stop_.stop_requested()) {
        stop_.request_stop();
    }
    join();
}

void Poller::start() {
    {
        std::lock_guard lock(mutex_);
        env_.logger.information(what_ + " starts with concurrency " + std::to_string(role_.concurrency) + " on " +
                                describeQueues());
    }
    // start() holds one count itself, so a thread that ends at once cannot declare the poller finished while
    // the others are still being made.
    alive_ = 1;
    const auto spawn = [this](auto body) {
        ++alive_;
        try {
            threads_.emplace_back([this, body] {
                body();
                threadEnded();
            });
        } catch (...) {
            --alive_;
            throw;
        }
    };
    try {
        for (int i = 0; i < role_.concurrency; ++i) {
            spawn([this] { workerLoop(); });
        }
        spawn([this] { receiveLoop(stop_.get_token()); });
    } catch (const std::exception& e) {
        env_.logger.error(what_ + ": cannot start its threads: " + e.what());
        stop_.request_stop();
        std::lock_guard lock(mutex_);
        receivingEnded_ = true;
        cv_.notify_all();
    }
    threadEnded();
}

void Poller::requestStop(const std::string& reason) {
    if (stop_.stop_requested()) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        env_.logger.information(what_ + " stops (" + reason + ") on " + describeQueues());
    }
    stop_.request_stop(); // wakes the receiving thread's waits; a receive in progress ends by itself
}

void Poller::join() {
    for (auto& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
}

void Poller::setQueues(std::vector<std::string> queues) {
    std::lock_guard lock(mutex_);
    if (queues == queues_) {
        return;
    }
    queues_ = std::move(queues);
    env_.logger.information(what_ + " now polls " + describeQueues());
}

std::vector<std::string> Poller::queues() const {
    std::lock_guard lock(mutex_);
    return queues_;
}

std::string Poller::describeQueues() const {
    return (queues_.size() == 1 ? "queue " : "queues ") + joinQueues(queues_);
}

void Poller::threadEnded() {
    if (--alive_ == 0) {
        finished_ = true;
        if (env_.onFinished) {
            env_.onFinished();
        }
    }
}

void Poller::sleepUntil(std::unique_lock<std::mutex>& lock, std::stop_token stop,
                        std::chrono::steady_clock::time_point until) {
    env_.clock->waitUntil(cv_, lock, std::move(stop), until, [] { return false; });
}

void Poller::receiveLoop(std::stop_token stop) {
    const auto& settings = env_.settings;
    const int perReceive = messagesPerReceive(*source_.sqs);
    const int visibility = visibilityTimeoutSeconds(*source_.sqs);
    const std::string errorKey = role_.roleId + "|receive|";
    auto backoff = settings.backoffInitial;
    std::size_t index = 0;
    auto nextReset = env_.clock->steadyNow() + settings.priorityResetEvery;

    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        if (pauseSeconds_ > 0) {
            const auto pause = std::exchange(pauseSeconds_, 0);
            env_.logger.debug(what_ + " pauses for " + std::to_string(pause) + " s (pause-seconds)");
            sleepUntil(lock, stop, env_.clock->steadyNow() + std::chrono::seconds(pause));
            index = 0; // back to the highest-priority queue after a pause
            nextReset = env_.clock->steadyNow() + settings.priorityResetEvery;
            continue;
        }
        // Back-pressure: receive only for free workers.
        cv_.wait(lock, stop, [this] { return free_ > 0 || pauseSeconds_ > 0; });
        if (stop.stop_requested()) {
            break;
        }
        if (pauseSeconds_ > 0) {
            continue;
        }
        if (queues_.empty()) {
            sleepUntil(lock, stop, env_.clock->steadyNow() + settings.backoffInitial);
            continue;
        }
        const auto now = env_.clock->steadyNow();
        if (now >= nextReset) {
            index = 0;
            nextReset = now + settings.priorityResetEvery;
        }
        if (index >= queues_.size()) {
            index = 0;
        }
        const std::string queueUrl = queues_[index];
        const int maxMessages = std::min(perReceive, free_);
        lock.unlock();

        std::vector<aws::SqsMessage> messages;
        bool failed = false;
        try {
            messages = env_.receiver->receive(queueUrl, maxMessages, visibility, settings.receiveWaitSeconds);
        } catch (const aws::AwsError& e) {
            failed = true;
            if (e.code() != "Aborted") { // Aborted: the driver is shutting down
                const bool gone =
                    e.code().find("NonExistentQueue") != std::string::npos || e.code() == "QueueDoesNotExist";
                env_.warnings->warn(errorKey + e.code(), what_ + ": receiving from " + queueUrl +
                                                             " failed: " + describe(e) + "; retrying with backoff" +
                                                             (gone ? ", looking the queues up again" : ""));
                if (gone && env_.onQueueGone) {
                    env_.onQueueGone();
                }
            }
        } catch (const std::exception& e) {
            failed = true;
            env_.warnings->warn(errorKey + "other", what_ + ": receiving from " + queueUrl + " failed: " + e.what() +
                                                        "; retrying with backoff");
        }

        lock.lock();
        if (failed) {
            sleepUntil(lock, stop, env_.clock->steadyNow() + backoff);
            backoff = std::min(backoff * 2, settings.backoffMax);
            continue;
        }
        if (backoff != settings.backoffInitial) {
            backoff = settings.backoffInitial;
            env_.warnings->recovered(errorKey, what_ + " receives from " + queueUrl + " again");
        }
        if (messages.empty()) {
            // Drained: the next queue in priority order (a stop requested meanwhile ends the loop above).
            index = queues_.empty() ? 0 : (index + 1) % queues_.size();
            continue;
        }
        // Messages that came after a stop was requested are still handled: they are invisible to every other
        // consumer until their visibility timeout, so dropping them would only delay them.
        free_ -= static_cast<int>(messages.size());
        for (auto& message : messages) {
            work_.push_back(Work{queueUrl, std::move(message)});
        }
        cv_.notify_all();
    }
    receivingEnded_ = true;
    cv_.notify_all();
}

void Poller::workerLoop() {
    std::unique_lock lock(mutex_);
    while (true) {
        cv_.wait(lock, [this] { return !work_.empty() || receivingEnded_; });
        if (work_.empty()) {
            break;
        }
        const Work work = std::move(work_.front());
        work_.pop_front();
        lock.unlock();
        process(work);
        lock.lock();
        ++free_;
        cv_.notify_all();
    }
}

void Poller::process(const Work& work) {
    const auto& sqs = *source_.sqs;
    sdk::InvokeRequest request;
    request.eventSourceName = source_.name;
    request.componentName = source_.componentName;
    request.method = "POST";
    request.path = sqs.path.empty() ? "/" : sqs.path;
    request.body = work.message.body;
    const std::string message = "message " + work.message.messageId + " from " + work.queueUrl;

    sdk::InvokeResponse response;
    try {
        response = env_.invoker->invoke(request);
    } catch (const std::exception& e) {
        env_.warnings->warn(role_.roleId + "|invoke", what_ + ": " + message + " got no answer (" + e.what() +
                                                          "); it stays in the queue and comes back after its "
                                                          "visibility timeout");
        return;
    }
    if (const auto pause = pauseSeconds(response.headers); pause > 0) {
        std::lock_guard lock(mutex_);
        pauseSeconds_ = pause; // the latest one counts
        cv_.notify_all();
    }
    if (response.status != 200) {
        env_.warnings->warn(role_.roleId + "|status|" + std::to_string(response.status),
                            what_ + ": " + message + " was answered " + std::to_string(response.status) +
                                " (only 200 deletes it); it stays in the queue and comes back after its visibility "
                                "timeout");
        return;
    }
    try {
        env_.deleter->deleteMessage(work.queueUrl, work.message.receiptHandle);
    } catch (const aws::AwsError& e) {
        env_.warnings->warn(role_.roleId + "|delete|" + e.code(),
                            what_ + ": deleting " + message + " failed: " + describe(e) +
                                "; it will be delivered again after its visibility timeout");
    } catch (const std::exception& e) {
        env_.warnings->warn(role_.roleId + "|delete|other", what_ + ": deleting " + message + " failed: " + e.what() +
                                                                "; it will be delivered again after its visibility "
                                                                "timeout");
    }
}

} // namespace maelstrom::plugins::sqs
