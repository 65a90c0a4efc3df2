// route_refresher.cpp — the gateway's periodic reload.
#include "gateway/route_refresher.h"

#include <Poco/Logger.h>

namespace maelstrom::core {

RouteRefresher::RouteRefresher(std::shared_ptr<sdk::Database> db, HttpResolver& resolver, ComponentCache& components,
                               std::chrono::milliseconds period)
    : db_(std::move(db)), resolver_(resolver), components_(components), period_(period) {}

RouteRefresher::~RouteRefresher() { stop(); }

void RouteRefresher::start() {
    refreshOnce();
    {
        std::lock_guard lock(mutex_);
        running_ = true;
    }
    thread_ = std::thread([this] { run(); });
}

bool RouteRefresher::awaitRefresh(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!running_) {
        if (stopping_) {
            return false;
        }
        lock.unlock();
        return refreshOnce();
    }
    const std::uint64_t ticket = ++requested_;
    wake_.notify_one();
    return finished_.wait_for(lock, timeout, [&] { return completed_ >= ticket || stopping_; }) && completed_ >= ticket;
}

void RouteRefresher::notify() {
    {
        std::lock_guard lock(mutex_);
        pending_ = true;
    }
    wake_.notify_one();
}

void RouteRefresher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    finished_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

bool RouteRefresher::refreshOnce() {
    try {
        // Components first: a rule pointing at a component not yet cached would answer 404 for a moment.
        components_.refresh(*db_);
        resolver_.refresh(*db_);
        lastError_.clear();
        return true;
    } catch (const std::exception& e) {
        if (lastError_ != e.what()) {
            lastError_ = e.what();
            Poco::Logger::get("maelstrom.gateway")
                .warning(std::string("gateway: cannot reload components and HTTP event sources: ") + e.what());
        }
        return false;
    }
}

void RouteRefresher::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, period_, [this] { return stopping_ || pending_ || requested_ > completed_; });
        if (stopping_) {
            break;
        }
        pending_ = false;
        // Every ticket handed out so far was taken after its writer's commit, and this reload starts now: it
        // reads at least what those writers wrote.
        const std::uint64_t covers = requested_;
        lock.unlock();
        refreshOnce();
        lock.lock();
        completed_ = covers;
        finished_.notify_all();
    }
    running_ = false;
    finished_.notify_all();
}

} // namespace maelstrom::core
