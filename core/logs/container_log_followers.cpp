// container_log_followers.cpp — see container_log_followers.h.
// SPDX-License-Identifier: Apache-2.0
#include "logs/container_log_followers.h"

#include <Poco/Logger.h>

#include <set>
#include <vector>

namespace maelstrom::core {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("maelstrom.logs"); }

std::string shortId(const std::string& id) { return id.substr(0, 12); }

} // namespace

ContainerLogFollowers::ContainerLogFollowers(std::shared_ptr<sdk::ContainerRuntime> runtime, Accept accept, Sink sink,
                                             FollowerOptions options)
    : runtime_(std::move(runtime)), accept_(std::move(accept)), sink_(std::move(sink)), options_(std::move(options)) {}

ContainerLogFollowers::~ContainerLogFollowers() { stop(); }

void ContainerLogFollowers::followRunning() {
    const auto running = runtime_->listManaged(false);
    std::lock_guard lock(m_);
    follow(running);
}

void ContainerLogFollowers::startPolling() {
    std::lock_guard lock(m_);
    if (!stopped_ && !poller_.joinable()) {
        poller_ = std::jthread([this](std::stop_token stop) { pollLoop(stop); });
    }
}

void ContainerLogFollowers::follow(const std::vector<sdk::ContainerSummary>& running) {
    std::set<std::string> listed;
    for (const auto& c : running) {
        listed.insert(c.id);
    }
    // Finished followers: their threads are joined now; the entry stays while the container is still listed so
    // a broken stream is not followed (and replayed) again.
    for (auto it = followers_.begin(); it != followers_.end();) {
        if (it->second.done->load()) {
            if (it->second.thread.joinable()) {
                it->second.thread.join();
            }
            if (!listed.count(it->first)) {
                it = followers_.erase(it);
                continue;
            }
        }
        ++it;
    }
    if (stopped_) {
        return;
    }
    for (const auto& c : running) {
        if (c.state != sdk::ContainerState::Running || c.componentName.empty() || followers_.count(c.id) ||
            !accept_(c)) {
            continue;
        }
        if (countRunning() >= options_.maxFollowers) {
            if (!warnedFull_) {
                warnedFull_ = true;
                logger().warning(options_.owner + ": already following " + std::to_string(options_.maxFollowers) +
                                 " containers; container " + shortId(c.id) + " (" + c.componentName +
                                 ") and further ones are not followed");
            }
            continue;
        }
        auto done = std::make_shared<std::atomic<bool>>(false);
        sdk::LogOptions logOptions;
        logOptions.sinceMillis = options_.sinceMillis;
        logOptions.follow = true;
        Follower f;
        f.done = done;
        f.thread = std::jthread([runtime = runtime_, sink = sink_, id = c.id, component = c.componentName, logOptions,
                                 done, owner = options_.owner](std::stop_token stop) {
            try {
                runtime->logs(
                    id, logOptions,
                    [&](const sdk::LogLine& line) {
                        sink(FollowedLine{component, id, line.stderrStream, line.text});
                    },
                    stop);
            } catch (const std::exception& e) {
                // A container that went away, or a log driver that cannot be read, is skipped (as the reference).
                if (!stop.stop_requested()) {
                    logger().warning(owner + ": cannot follow the logs of container " + shortId(id) + " (" + component +
                                     "): " + e.what());
                }
            }
            done->store(true);
        });
        followers_.emplace(c.id, std::move(f));
    }
}

void ContainerLogFollowers::pollLoop(std::stop_token stop) {
    bool failing = false;
    for (;;) {
        {
            std::unique_lock lock(m_);
            wake_.wait_for(lock, stop, options_.pollInterval, [] { return false; });
            if (stop.stop_requested()) {
                return;
            }
        }
        std::vector<sdk::ContainerSummary> running;
        try {
            running = runtime_->listManaged(false);
            if (failing) {
                logger().information(options_.owner + ": listing containers works again");
            }
            failing = false;
        } catch (const std::exception& e) {
            if (!failing) {
                logger().warning(options_.owner + ": cannot list containers (retrying every " +
                                 std::to_string(options_.pollInterval.count()) + " ms): " + e.what());
            }
            failing = true;
            continue;
        }
        std::lock_guard lock(m_);
        follow(running);
    }
}

void ContainerLogFollowers::stop() {
    {
        std::lock_guard lock(m_);
        stopped_ = true;
    }
    if (poller_.joinable()) {
        poller_.request_stop();
        poller_.join();
    }
    std::map<std::string, Follower> followers;
    {
        std::lock_guard lock(m_);
        followers.swap(followers_);
    }
    // Every follower is asked first, then joined: the cancellations run in parallel.
    for (auto& [id, f] : followers) {
        f.thread.request_stop();
    }
    for (auto& [id, f] : followers) {
        if (f.thread.joinable()) {
            f.thread.join();
        }
    }
}

std::size_t ContainerLogFollowers::following() const {
    std::lock_guard lock(m_);
    return countRunning();
}

std::size_t ContainerLogFollowers::countRunning() const {
    std::size_t n = 0;
    for (const auto& [id, f] : followers_) {
        if (!f.done->load()) {
            ++n;
        }
    }
    return n;
}

} // namespace maelstrom::core
