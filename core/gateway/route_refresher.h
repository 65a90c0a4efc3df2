// route_refresher.h — keeps the gateway's view of the database current: reloads the HTTP event-source rules
// (HttpResolver) and the component cache every period (1 s) and at once when notify() is called (a local
// component or event-source change, DataChanges).
// SPDX-License-Identifier: Apache-2.0
//
// awaitRefresh() is the read-your-writes path: the caller (an RPC thread that has just written) blocks until a
// reload that started after its call has finished. Concurrent callers share reloads: however many writes
// arrive at once, at most one reload runs and one more is queued behind it.
// Threads: one background thread, started by start() and joined by stop() (idempotent, also in the
// destructor). notify() is thread-safe and never blocks on the database; awaitRefresh() is thread-safe and
// blocks for at most its timeout. Database errors are logged (once per distinct message) and retried on the
// next period; the last good rules stay in force.
#pragma once

#include "gateway/component_cache.h"
#include "routing/resolver.h"

#include <maelstrom/sdk/database.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace maelstrom::core {

class RouteRefresher {
public:
    RouteRefresher(std::shared_ptr<sdk::Database> db, HttpResolver& resolver, ComponentCache& components,
                   std::chrono::milliseconds period = std::chrono::seconds(1));
    ~RouteRefresher();
    RouteRefresher(const RouteRefresher&) = delete;
    RouteRefresher& operator=(const RouteRefresher&) = delete;

    /// Loads once synchronously (so the first requests see the rules), then starts the thread.
    void start();
    /// Asks for a reload as soon as possible.
    void notify();
    /// Asks for a reload and waits until one that started after this call has finished (or `timeout`, or
    /// stop()). Before start() the reload runs on the caller's thread. @return whether it finished in time.
    bool awaitRefresh(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    void stop();

    /// One reload now, on the caller's thread. @return false when the database failed (logged).
    bool refreshOnce();

private:
    void run();

    const std::shared_ptr<sdk::Database> db_;
    HttpResolver& resolver_;
    ComponentCache& components_;
    const std::chrono::milliseconds period_;
    std::mutex mutex_;
    std::condition_variable wake_;     ///< wakes the thread
    std::condition_variable finished_; ///< wakes awaitRefresh() callers
    bool stopping_ = false;            ///< guarded by mutex_
    bool pending_ = false;             ///< guarded by mutex_
    bool running_ = false;             ///< the thread runs; guarded by mutex_
    std::uint64_t requested_ = 0;      ///< awaitRefresh() tickets handed out; guarded by mutex_
    std::uint64_t completed_ = 0;      ///< tickets covered by a finished reload; guarded by mutex_
    std::string lastError_;            ///< only touched by the refreshing thread
    std::thread thread_;
};

} // namespace maelstrom::core
