// route_refresher.h — keeps the gateway's view of the database current: reloads the HTTP event-source rules
// (HttpResolver) and the component cache every period (1 s, §6.3) and at once when notify() is called (a local
// component or event-source change, DataChanges).
// SPDX-License-Identifier: Apache-2.0
//
// Threads: one background thread, started by start() and joined by stop() (idempotent, also in the
// destructor). notify() is thread-safe and never blocks on the database. Database errors are logged (once per
// distinct message) and retried on the next period; the last good rules stay in force.
#pragma once

#include "gateway/component_cache.h"
#include "routing/resolver.h"

#include <maelstrom/sdk/database.h>

#include <chrono>
#include <condition_variable>
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
    std::condition_variable wake_;
    bool stopping_ = false; ///< guarded by mutex_
    bool pending_ = false;  ///< guarded by mutex_
    std::string lastError_; ///< only touched by the refreshing thread
    std::thread thread_;
};

} // namespace maelstrom::core
