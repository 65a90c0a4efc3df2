// event_sources.cpp — see event_sources.h.
// SPDX-License-Identifier: Apache-2.0
#include "event_sources/event_sources.h"

#include "config/config_error.h"
#include "event_sources/database_role_locks.h"
#include "registry/service_registry.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <map>

namespace maelstrom::core {
namespace {

Poco::Logger& log() { return Poco::Logger::get("maelstrom.event_source"); }

// The enabled event sources of `type`, every page, sorted by name.
std::vector<sdk::EventSource> loadEnabled(sdk::Database& database, sdk::EventSourceType type) {
    sdk::EventSourceFilter filter;
    filter.type = type;
    filter.enabled = true;
    std::vector<sdk::EventSource> loaded;
    for (auto& item : sdk::allPages<sdk::EventSourceWithStatus>(
             [&](const sdk::PageRequest& page) { return database.listEventSources(filter, page); })) {
        if (item.enabled && item.eventSource.type() == type) {
            loaded.push_back(std::move(item.eventSource));
        }
    }
    std::sort(loaded.begin(), loaded.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return loaded;
}

} // namespace

EventSources::EventSources(std::vector<Driver> drivers, std::shared_ptr<sdk::Database> database, std::string nodeId,
                           const ComponentCache& components, EventSourceMetrics& metrics,
                           std::chrono::milliseconds period)
    : database_(std::move(database)), nodeId_(std::move(nodeId)), components_(components), metrics_(metrics),
      period_(period) {
    std::map<sdk::EventSourceType, std::string> served;
    for (auto& d : drivers) {
        const auto type = d.driver->type();
        if (const auto [it, inserted] = served.emplace(type, d.plugin); !inserted) {
            throw ConfigError("event_sources: plugins '" + it->second + "' and '" + d.plugin + "' both serve type " +
                              sdk::eventSourceTypeName(type) + " (list one)");
        }
        running_.push_back(Running{std::move(d), type, nullptr, {}, false});
    }
}

EventSources::~EventSources() { stop(); }

void EventSources::start(const InvokeTarget& target, std::shared_ptr<sdk::ComponentCapacity> capacity) {
    auto roles = std::make_shared<DatabaseRoleLocks>(database_, nodeId_);
    for (auto& r : running_) {
        r.invoker = std::make_shared<GatewayInvoker>(target, sdk::eventSourceTypeName(r.type), components_, metrics_);
        sdk::EventSourceHost host;
        host.invoker = r.invoker;
        host.roles = roles;
        host.logger = pluginLogger(sdk::ServiceKind::EventSource, r.driver.plugin);
        host.nodeId = nodeId_;
        host.capacity = capacity;
        r.driver.driver->start(host);
        log().information(std::string("event sources: ") + sdk::eventSourceTypeName(r.type) + " served by plugin " +
                          r.driver.plugin);
    }
    started_ = true;
    feedOnce();
    if (!running_.empty()) {
        thread_ = std::thread([this] { run(); });
    }
}

void EventSources::notify() {
    {
        std::lock_guard lock(mutex_);
        pending_ = true;
    }
    wake_.notify_one();
}

bool EventSources::feedOnce() {
    std::lock_guard feed(feedMutex_);
    try {
        for (auto& r : running_) {
            auto loaded = loadEnabled(*database_, r.type);
            if (r.fed && loaded == r.last) {
                continue;
            }
            r.driver.driver->update(loaded);
            r.last = std::move(loaded);
            r.fed = true;
        }
        lastError_.clear();
        return true;
    } catch (const std::exception& e) {
        if (lastError_ != e.what()) {
            lastError_ = e.what();
            log().warning(std::string("event sources: cannot reload them (the drivers keep the last ones): ") +
                          e.what());
        }
        return false;
    }
}

void EventSources::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, period_, [this] { return stopping_ || pending_; });
        if (stopping_) {
            break;
        }
        pending_ = false;
        lock.unlock();
        feedOnce();
        lock.lock();
    }
}

void EventSources::stop(std::chrono::milliseconds grace) {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) {
        thread_.join();
    }
    // The grace is shared: firings of every type finish in parallel, and the first invoker waits the longest.
    const auto until = std::chrono::steady_clock::now() + grace;
    for (auto& r : running_) {
        if (r.invoker) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::max(until - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration::zero()));
            r.invoker->stop(left);
        }
    }
    for (auto& r : running_) {
        if (!started_) {
            break;
        }
        try {
            r.driver.driver->shutdown();
        } catch (const std::exception& e) {
            log().error("event sources: shutdown of plugin " + r.driver.plugin + " failed: " + e.what());
        }
    }
}

} // namespace maelstrom::core
