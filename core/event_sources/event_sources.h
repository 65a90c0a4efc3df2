// event_sources.h — the event-source host: runs the event-source drivers the registry names (cron, ...), keeps each
// one fed with the enabled event sources of its type, and gives them what they fire through (a GatewayInvoker
// on this node's private port), role locks on the database, the clock and a logger.
// SPDX-License-Identifier: Apache-2.0
//
// Feeding: the enabled sources of every served type are read from the database every `period` (1 s) and at once
// after notify() (a local put, remove or toggle, or a peer's change notice); a driver's update() runs only when
// its set differs from the last one it got (names, versions, sub-blocks). A database that does not answer is
// logged once and retried; the drivers keep the last set meanwhile.
// Stopping (stop(), idempotent): no more updates; the invokers refuse new firings and give those in progress
// `grace` to finish before cutting them; then each driver's shutdown() joins its threads.
// Threads: construction, start() and stop() from one thread; notify() from any; one feeding thread.
#pragma once

#include "event_sources/gateway_invoker.h"
#include "gateway/component_cache.h"
#include "metrics/event_source_metrics.h"

#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/event_source.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::core {

class EventSources {
public:
    struct Driver {
        std::string plugin; ///< the plugin's name, for logs
        std::shared_ptr<sdk::EventSourceDriver> driver;
    };

    /// @throws ConfigError when two drivers serve the same type.
    EventSources(std::vector<Driver> drivers, std::shared_ptr<sdk::Database> database, std::string nodeId,
                 const ComponentCache& components, EventSourceMetrics& metrics,
                 std::chrono::milliseconds period = std::chrono::seconds(1));
    ~EventSources();
    EventSources(const EventSources&) = delete;
    EventSources& operator=(const EventSources&) = delete;

    /// Starts every driver with an invoker on `target` and `capacity` (what each component takes at once; may be
    /// null in tests that need none), feeds them once, then starts the feeding thread.
    void start(const InvokeTarget& target, std::shared_ptr<sdk::ComponentCapacity> capacity = nullptr);
    /// Asks for a reload as soon as possible.
    void notify();
    /// See the header comment. Idempotent; also run by the destructor.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

    /// One reload now, on the caller's thread. @return false when the database failed (logged).
    bool feedOnce();

private:
    struct Running {
        Driver driver;
        sdk::EventSourceType type;
        std::shared_ptr<GatewayInvoker> invoker;
        std::vector<sdk::EventSource> last; ///< what update() got last; only touched by the feeding side
        bool fed = false;
    };
    void run();

    const std::shared_ptr<sdk::Database> database_;
    const std::string nodeId_;
    const ComponentCache& components_;
    EventSourceMetrics& metrics_;
    const std::chrono::milliseconds period_;
    std::vector<Running> running_;
    std::mutex feedMutex_;  ///< serialises feedOnce()
    std::string lastError_; ///< guarded by feedMutex_
    std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = false;  ///< guarded by mutex_
    bool stopping_ = false; ///< guarded by mutex_
    bool started_ = false;
    bool stopped_ = false;
    std::thread thread_;
};

} // namespace maelstrom::core
