// event_stream.h — docker plugin: the Engine's event stream (container start, die, oom, health_status; image
// tag) delivered to a callback, re-subscribed automatically when the stream ends (daemon restart, socket
// error) until cancelled.
// SPDX-License-Identifier: Apache-2.0
//
// Threads: each subscription owns one thread that reads the stream and calls the sink; the sink must not
// block for long (it delays the next events). cancel() may be called from any thread, including the sink's
// own (then the thread is detached instead of joined; the thread keeps the object alive until it returns, so
// even dropping the last handle from inside the sink is safe). After a reconnect, events are asked for `since` the
// last one seen, and events already delivered are skipped, so a broken connection loses nothing the daemon
// still remembers (a restarted daemon remembers nothing from before its restart).
#pragma once

#include "engine_client.h"

#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/plugin.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace maelstrom::plugins::docker {

/// Maps one decoded Engine event to the SDK's event; empty for kinds the SDK does not carry.
std::optional<sdk::ContainerEvent> toContainerEvent(const Poco::JSON::Object::Ptr& message);

/// The filters query value for GET /events.
std::string eventFilters();

class EventSubscription : public sdk::Subscription, public std::enable_shared_from_this<EventSubscription> {
public:
    using Sink = std::function<void(const sdk::ContainerEvent&)>;
    EventSubscription(std::shared_ptr<EngineClient> client, sdk::PluginLogger logger, Sink sink);
    /// Starts the reader thread (once, after construction by make_shared).
    void start();
    ~EventSubscription() override;
    void cancel() override;
    /// How many times the stream was (re)opened successfully (for diagnostics and tests).
    int connections() const;

private:
    void run();
    bool waitBackoff(std::chrono::milliseconds delay); // false when cancelled

    std::shared_ptr<EngineClient> client_;
    sdk::PluginLogger logger_;
    Sink sink_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool cancelled_ = false;          // guarded by mutex_
    EngineStream* current_ = nullptr; // guarded by mutex_: the open stream, to cancel a blocking read
    int connections_ = 0;             // guarded by mutex_
    std::int64_t lastTimeNano_ = 0;   // reader thread only
    std::set<std::string> lastKeys_;  // reader thread only: events delivered at lastTimeNano_
    std::mutex threadMutex_;          // guards thread_ (never taken by the reader thread)
    std::thread thread_;
};

} // namespace maelstrom::plugins::docker
