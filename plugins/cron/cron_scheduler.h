// cron_scheduler.h — the cron event-source driver: fires each enabled cron event source at the times of its
// schedule, on the one node that holds the `cron` role, through the host's invoker (the private gateway path).
// SPDX-License-Identifier: Apache-2.0
//
// Role: every `renewEvery` the scheduler takes or renews the role `cron` for `lease`. Only the holder fires, and only
// while its lease is certainly valid (until the renewal call's start + lease − 1 s by its own clock), so two nodes
// never fire the same tick; a holder that cannot reach the database stops firing when its lease runs out. A node
// that takes the role over computes every schedule's next time from that moment: ticks missed while no node held the
// role are not replayed. shutdown() releases the role, so another node takes over at its next try (`renewEvery`);
// a killed holder's role is taken within lease + renewEvery.
//
// Firing (as the reference): the request's method (GET when empty), path ("/" when empty), headers as configured
// (added in order) and body (only when the method is not GET and the data is not empty), with
// `Maelstrom-Component: <component>`. Each firing runs on its own thread. A firing still running when its event
// source's next tick comes is not started twice unless `allowOverlap` (the tick is logged and skipped). A status
// outside 200..299, or no answer, is logged with the event source, the component and the status; nothing is
// retried.
// Schedules: sdk::CronSchedule (robfig/cron v3 dialect). One that does not parse is logged once (per version of
// the event source) and skipped; the others keep firing.
// Changes: update() replaces the set; an event source whose definition did not change keeps its next time and its
// running firing; a changed or new one starts from now.
// Threads: one scheduling thread plus one per firing in progress; update() and shutdown() from the host's thread.
#pragma once

#include <maelstrom/sdk/cron_schedule.h>
#include <maelstrom/sdk/event_source.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::plugins::cron {

struct CronSettings {
    std::chrono::milliseconds lease{10'000};     ///< how long the role is held per renewal
    std::chrono::milliseconds renewEvery{3'000}; ///< how often the holder renews and the others try to take it
    bool allowOverlap = false;                   ///< start a firing even while the previous one still runs
    std::string roleId = "cron";
};

class CronScheduler final : public sdk::EventSourceDriver {
public:
    explicit CronScheduler(CronSettings settings);
    ~CronScheduler() override;

    sdk::EventSourceType type() const override { return sdk::EventSourceType::Cron; }
    void start(const sdk::EventSourceHost& host) override;
    void update(const std::vector<sdk::EventSource>& sources) override;
    void shutdown() override;

    /// Whether this node fires now (held role, lease valid). For tests and logs.
    bool holdsRole() const;
    /// The next due time (Unix ms) of an event source on this node, when it holds the role and the schedule is valid.
    std::optional<std::int64_t> nextDue(const std::string& eventSourceName) const;

private:
    struct Job {
        sdk::EventSource source;
        std::optional<sdk::CronSchedule> schedule; ///< empty: the schedule did not parse
        std::optional<std::int64_t> nextDue;       ///< Unix ms; empty while the role is not held
        std::shared_ptr<std::atomic<int>> running = std::make_shared<std::atomic<int>>(0);
    };
    struct Firing {
        std::jthread thread;
        std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
    };

    void loop(std::stop_token stop);
    /// Takes or renews the role; updates held_ and leaseValidUntil_. Called with mutex_ not held.
    void renewRole();
    /// Starts the firings that are due (mutex_ held).
    void fireDue(std::int64_t nowUnix);
    void fire(const Job& job, std::int64_t due);
    void reapFirings();

    const CronSettings settings_;
    sdk::EventSourceHost host_;
    const sdk::Clock* clock_ = nullptr;

    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    std::map<std::string, Job> jobs_;                         ///< by event-source name; guarded by mutex_
    std::set<std::string> reportedInvalid_;                   ///< "name@version" logged as invalid; guarded by mutex_
    bool held_ = false;                                       ///< guarded by mutex_
    std::chrono::steady_clock::time_point leaseValidUntil_{}; ///< guarded by mutex_
    bool changed_ = false;                                    ///< update() came; guarded by mutex_
    std::list<Firing> firings_;                               ///< guarded by firingsMutex_
    std::mutex firingsMutex_;
    std::string lastRoleError_; ///< only touched by the scheduling thread
    std::jthread thread_;
    bool shutDown_ = false;
};

} // namespace maelstrom::plugins::cron
