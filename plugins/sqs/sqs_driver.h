// sqs_driver.h — the sqs event-source driver: polls the SQS queue(s) of each enabled sqs event source and POSTs
// every message to its component through the host's invoker, deleting it when the component answers 200.
// SPDX-License-Identifier: Apache-2.0
//
// Reload: on every update() whose set differs from the last one, every `reloadEvery`, and sooner (backoffInitial
// doubling to backoffMax) after a reload in which a lookup or a role call failed, the driver
//   - looks up each source's queues: nameAsPrefix → ListQueues(queueName) sorted ascending (the first is polled
//     first), else GetQueueUrl(queueName); a source without a queue gets no poller (one warning per change, tried
//     again at each reload); when a lookup fails the source keeps the queues found before;
//   - sizes its pollers from host.capacity->handlerCount(component) (pollerRoles() in sqs_common.h);
//   - claims the pollers' roles for `roleLease` through RoleClaims (its fair share over host.capacity->nodeCount()
//     nodes, a role left free longer than a grace of two reloads whatever the share) and runs the pollers whose
//     role this node holds.
// A poller whose role is no longer produced (source removed, disabled, changed or resized; queue gone), is held by
// another node, is beyond this node's share, or whose lease ran out without a renewal, is stopped; once its threads have ended the role is
// released, so another node can take it at once. New pollers of a source start only when its stopping pollers
// have ended, so a source never has more messages in flight on this node than the concurrency it asks for.
// update() itself stops the pollers of sources that left the set or changed (no network call: a receive in
// progress ends within receiveWaitSeconds), and the reload that follows does the rest.
// Idle: no SQS client is made, and so no region, credential or endpoint lookup happens, before the first reload
// with at least one source; then the factory is called twice: a client for lookups and receives (aborted at
// shutdown to end long polls at once) and one for deletes (left alone, so work finishing during shutdown is still
// deleted).
// Threads: one reload thread; per poller one receiving thread and `concurrency` workers.
#pragma once

#include "aws/sqs.h"
#include "role_claims.h"
#include "sqs_common.h"
#include "sqs_poller.h"
#include "throttled_log.h"

#include <maelstrom/sdk/event_source.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::plugins::sqs {

/// Makes an SQS client; called only once there is something to poll (tests pass fakes).
using SqsApiFactory = std::function<std::shared_ptr<aws::SqsApi>()>;

class SqsDriver final : public sdk::EventSourceDriver {
public:
    SqsDriver(SqsSettings settings, SqsApiFactory factory);
    ~SqsDriver() override;

    sdk::EventSourceType type() const override { return sdk::EventSourceType::Sqs; }
    void start(const sdk::EventSourceHost& host) override;
    void update(const std::vector<sdk::EventSource>& sources) override;
    void shutdown() override;

    /// A poller of this node, for tests and diagnostics.
    struct PollerInfo {
        std::string roleId;
        std::string eventSourceName;
        int concurrency = 0;
        std::vector<std::string> queues;
        bool stopping = false; ///< told to stop, threads not all ended yet
    };
    std::vector<PollerInfo> pollers() const;
    /// The sum of the concurrency of the pollers whose threads have not all ended: a bound on the messages in
    /// flight on this node.
    int concurrencyInUse() const;
    /// How many reloads have completed (tests wait for one).
    std::size_t reloads() const;

private:
    struct Planned {
        sdk::EventSource source;
        PollerRole role;
        std::vector<std::string> queues;
        std::chrono::steady_clock::time_point leaseValidUntil{};
    };
    /// The queue lookup of one source, kept between reloads (reload thread only).
    struct Resolved {
        std::string key; ///< what was looked up ("name:..." or "prefix:..."); another key starts afresh
        std::vector<std::string> queues;
        bool missingReported = false;
    };

    void loop(std::stop_token stop);
    /// One reload; false when a lookup or a role call failed (the next one comes sooner). mutex_ not held.
    bool reload();
    /// Makes the clients if needed. mutex_ not held.
    bool ensureClients();
    std::vector<std::string> resolve(const sdk::EventSource& source, bool& ok);
    /// Joins the pollers that have ended and releases the roles nothing needs any more. mutex_ not held.
    void reap();
    /// Stops the running pollers whose lease ran out. mutex_ held.
    void expireLeases();
    /// Creates the pollers to start (mutex_ held); the caller starts them after unlocking.
    std::vector<std::shared_ptr<Poller>> takeStartable();
    /// Moves a running poller to stopping_. mutex_ held.
    void stopLocked(const std::string& roleId, const std::string& reason);
    PollerEnvironment environment(); ///< mutex_ held

    const SqsSettings settings_;
    const SqsApiFactory factory_;
    sdk::EventSourceHost host_;
    const sdk::Clock* clock_ = nullptr;
    std::shared_ptr<queue_pollers::ThrottledLog> warnings_;

    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    std::map<std::string, sdk::EventSource> sources_;        ///< from update(), by name; guarded by mutex_
    bool changed_ = false;                                   ///< a reload is due now; guarded
    bool pollerFinished_ = false;                            ///< a poller's threads ended; guarded
    bool shuttingDown_ = false;                              ///< guarded
    std::size_t reloads_ = 0;                                ///< guarded
    std::shared_ptr<aws::SqsApi> receiver_;                  ///< guarded
    std::shared_ptr<aws::SqsApi> deleter_;                   ///< guarded
    std::map<std::string, Planned> plan_;                    ///< held roles to run, by role id; guarded
    std::map<std::string, std::shared_ptr<Poller>> running_; ///< by role id; guarded
    std::vector<std::shared_ptr<Poller>> stopping_;          ///< told to stop, not yet joined; guarded

    std::set<std::string> held_;                        ///< roles this node took; reload thread (then shutdown) only
    std::unique_ptr<queue_pollers::RoleClaims> claims_; ///< made in start(); reload thread only
    std::map<std::string, Resolved> resolved_;          ///< by source name; reload thread only
    std::chrono::milliseconds backoff_{};               ///< reload thread only
    std::jthread thread_;
    bool shutDown_ = false;
};

} // namespace maelstrom::plugins::sqs
