// event_loops.h — the data plane's threads: one io_context per loop, each run by exactly one thread, and a
// bounded pool of worker threads for blocking work (RPC methods, database, Docker, log streams).
// SPDX-License-Identifier: Apache-2.0
//
// A connection is owned by one loop for its whole life, so everything it touches on that loop (its buffers, the
// loop's upstream connection pool) needs no lock. A loop thread never blocks: work that may block is handed to the
// WorkerPool with runBlocking(), and the coroutine resumes on its own loop with the answer.
// State that belongs to one loop (the upstream connection pools) is thread_local on the loop threads: it is
// destroyed when the loop's thread ends, before its io_context.
// Threads: construct/stop from one thread; loop(i), next() and size() from any thread.
#pragma once

#include "net/asio.h"

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::core::net {

/// Loops when the setting is 0: one per core.
std::size_t defaultLoopCount();

class EventLoops {
public:
    /// Starts `count` loops (0 = defaultLoopCount()); `name` names the threads ("mael-loop-<i>").
    explicit EventLoops(std::size_t count = 0, const std::string& name = "mael-loop");
    /// Calls stop().
    ~EventLoops();
    EventLoops(const EventLoops&) = delete;
    EventLoops& operator=(const EventLoops&) = delete;

    std::size_t size() const noexcept { return loops_.size(); }
    asio::io_context& loop(std::size_t index) { return *loops_[index]->io; }
    /// The next loop in turn (round robin).
    asio::io_context& next();

    /// Ends every loop (pending work is abandoned: servers stop and drain their connections first) and joins
    /// the threads. Idempotent.
    void stop();

private:
    struct Loop {
        std::unique_ptr<asio::io_context> io;
        std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
        std::thread thread;
    };
    std::vector<std::unique_ptr<Loop>> loops_;
    std::atomic<std::size_t> next_{0};
};

/// A bounded pool for blocking work. runBlocking() runs a function there and resumes the caller on its own
/// executor with the result; when `maxPending` calls are queued or running already, the caller gets nothing
/// (busy) instead of growing the queue.
class WorkerPool {
public:
    WorkerPool(std::size_t threads, std::size_t maxPending);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Runs `fn` on a worker; false when the pool is saturated (fn not run).
    template <typename Fn>
    Task<bool> runBlocking(Fn fn) {
        if (pending_.fetch_add(1) >= maxPending_) {
            pending_.fetch_sub(1);
            co_return false;
        }
        struct Done {
            std::atomic<std::size_t>& pending;
            ~Done() { pending.fetch_sub(1); }
        } done{pending_};
        // co_spawn on the pool runs fn there; awaiting it resumes this coroutine on its own executor.
        co_await asio::co_spawn(
            pool_,
            [&fn]() -> Task<void> {
                fn();
                co_return;
            },
            asio::use_awaitable);
        co_return true;
    }

    /// Waits for running work and joins the threads. Idempotent.
    void stop();

private:
    asio::thread_pool pool_;
    const std::size_t maxPending_;
    std::atomic<std::size_t> pending_{0};
};

} // namespace maelstrom::core::net
