// event_loops.cpp — loop threads and the worker pool.
// SPDX-License-Identifier: Apache-2.0
#include "net/event_loops.h"

#include <Poco/Logger.h>

#include <pthread.h>

namespace maelstrom::core::net {

std::size_t defaultLoopCount() {
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : cores;
}

EventLoops::EventLoops(std::size_t count, const std::string& name) {
    if (count == 0) {
        count = defaultLoopCount();
    }
    for (std::size_t i = 0; i < count; ++i) {
        auto loop = std::make_unique<Loop>();
        // Concurrency hint 1: each io_context is run by one thread, so Asio may skip its internal locking.
        loop->io = std::make_unique<asio::io_context>(1);
        loop->work.emplace(asio::make_work_guard(*loop->io));
        loops_.push_back(std::move(loop));
    }
    for (std::size_t i = 0; i < loops_.size(); ++i) {
        Loop& loop = *loops_[i];
        const std::string threadName = (name + "-" + std::to_string(i)).substr(0, 15);
        loop.thread = std::thread([&loop, threadName] {
            pthread_setname_np(pthread_self(), threadName.c_str());
            for (;;) {
                try {
                    loop.io->run();
                    return;
                } catch (const std::exception& e) {
                    // A handler that throws must not take the loop (and every connection on it) down.
                    Poco::Logger::get("maelstrom.net").error(std::string("event loop: ") + e.what());
                }
            }
        });
    }
}

EventLoops::~EventLoops() { stop(); }

asio::io_context& EventLoops::next() { return loop(next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()); }

void EventLoops::stop() {
    for (auto& loop : loops_) {
        loop->work.reset();
        loop->io->stop();
    }
    for (auto& loop : loops_) {
        if (loop->thread.joinable()) {
            loop->thread.join();
        }
    }
}

WorkerPool::WorkerPool(std::size_t threads, std::size_t maxPending)
    : pool_(threads == 0 ? 1 : threads), maxPending_(maxPending == 0 ? 1 : maxPending) {}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::stop() { pool_.join(); }

} // namespace maelstrom::core::net
