// stepfunc_driver.h — the awsstepfunc event-source driver: polls AWS Step Functions activities for tasks and runs
// each one as a POST to a component through the host's invoker, reporting the answer back as the task's result.
// SPDX-License-Identifier: Apache-2.0
//
// Activities: at every reload (an update() with a changed set, and every `reloadEvery`) each source's activity ARN
// is looked up by name (ListActivities, all pages) and created when there is none (CreateActivity). The ARN is
// cached per source name + activity name: when a lookup fails the cached ARN keeps the pollers going; without
// one the source has no pollers and the reload is retried after `errorBackoff`.
// Pollers: sized from the component's handler count (sdk::ComponentCapacity): maxConc = min(maxConcurrency,
// max(1, handlers)), ceil(maxConc / concurrencyPerPoller) pollers, the i-th with concurrency c =
// min(concurrencyPerPoller, what remains); each one runs only while this node holds its role
// `aws-stepfunc-<event source>-<i>-<c>` (lease 2 min, renewed at every reload). Roles are claimed through
// queue_pollers::RoleClaims: this node's fair share over host.capacity->nodeCount() nodes, and a role left free
// longer than a grace of two reloads whatever the share. A poller whose role id is no longer produced (source
// removed, disabled, resized), is held elsewhere or is beyond this node's share is cancelled; roles held here are
// released once the cancelled poller's tasks have reported, and at shutdown.
// A poller with concurrency c runs c workers sharing one GetActivityTask at a time (the long poll is serialised
// per poller) and one AWS client of its own from the factory: cancelling a poller aborts that client, which ends
// its long poll at once without touching any other poller. Worker name: "<nodeId>/<role id>". A poll error other
// than an abort is logged (rate-limited) and the poller waits `errorBackoff` (cut short by a cancel).
// Tasks: POST source.path (default "/") with the task input as the body and Content-Type application/json. A 200
// answer → SendTaskSuccess with the body as output (wrapped as a JSON string when it is not valid JSON); any other
// status → SendTaskFailure with the `step-func-error` / `step-func-cause` response headers (cut to 256 / 32768
// characters) or fallbacks; no answer (sdk::Unavailable) → SendTaskFailure "maelstrom_unavailable". A task whose
// invocation runs longer than `heartbeatEvery` gets SendTaskHeartbeat every `heartbeatEvery` until it ends; when
// Step Functions says the task is gone (TaskTimedOut / TaskDoesNotExist) heartbeats stop and the late result's
// error is dropped quietly. Results and heartbeats go through one more client that is only aborted at shutdown,
// after every task has reported, so a cancelled poller's tasks still finish and report.
// Idle: until update() delivers a source nothing is called (no factory call, no role, no AWS request).
// Threads: one manager thread (reloads, roles, reaping), one heartbeat thread, c workers per poller; update() and
// shutdown() from the host's thread. shutdown() aborts every client's requests in flight and returns once every
// thread has ended (tasks in progress end with the invoker's deadline and still report).
#pragma once

#include "aws/stepfunctions.h"
#include "poller_roles.h"
#include "role_claims.h"
#include "throttled_log.h"

#include <maelstrom/sdk/event_source.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace maelstrom::plugins::awsstepfunc {

struct StepFuncSettings {
    std::chrono::milliseconds reloadEvery{60'000};    ///< ARN lookup and role renewal at least this often
    std::chrono::milliseconds heartbeatEvery{30'000}; ///< SendTaskHeartbeat period while an invocation runs
    std::chrono::milliseconds errorBackoff{5'000};    ///< pause of a poller after a failed GetActivityTask
    std::chrono::milliseconds roleLease{120'000};     ///< lease of each poller role
};

/// Makes a new Step Functions client; each poller gets one of its own (abort() ends only that client's requests).
using StepFunctionsFactory = std::function<std::shared_ptr<aws::StepFunctionsApi>()>;

/// One poller's role: "aws-stepfunc-<event source>-<i>-<c>" with concurrency c (queue_pollers::pollerRoles; the
/// defaults of maxConcurrency and concurrencyPerPoller, 1, are what it makes of values ≤ 0).
using queue_pollers::PollerRole;

/// What a task reports: SendTaskSuccess(output) or SendTaskFailure(error, cause).
struct TaskReport {
    bool success = false;
    std::string output; ///< valid JSON, when success
    std::string error;  ///< at most 256 characters, when not
    std::string cause;  ///< at most 32768 characters, when not
    bool operator==(const TaskReport&) const = default;
};

/// The report for a component's answer.
TaskReport reportFor(const sdk::InvokeResponse& response);
/// `body` when it is valid JSON (RFC 8259, UTF-8), else `body` as a JSON string literal.
std::string outputJson(std::string_view body);
/// Whether `text` is one JSON value (RFC 8259), optionally surrounded by whitespace.
bool isJson(std::string_view text);
/// The first `maxCharacters` characters (code points; a byte that is not valid UTF-8 counts as one) of `text`.
std::string cutCharacters(std::string_view text, std::size_t maxCharacters);

class StepFuncDriver final : public sdk::EventSourceDriver {
public:
    StepFuncDriver(StepFuncSettings settings, StepFunctionsFactory factory);
    ~StepFuncDriver() override;

    sdk::EventSourceType type() const override { return sdk::EventSourceType::AwsStepFunc; }
    void start(const sdk::EventSourceHost& host) override;
    void update(const std::vector<sdk::EventSource>& sources) override;
    void shutdown() override;

    /// The role ids of the pollers running here now, sorted. For tests and logs.
    std::vector<std::string> pollingRoles() const;

private:
    struct Target {
        std::string arn;
        sdk::EventSource source;
    };
    class Poller;
    class Heartbeats;

    void loop(std::stop_token stop);
    /// Looks up ARNs and reconciles the pollers with `sources`. @return whether a lookup failed with no cached ARN.
    bool reload(const std::vector<sdk::EventSource>& sources, const std::stop_token& stop);
    std::optional<std::string> resolveArn(const sdk::EventSource& source, const std::string& cacheKey);
    void reconcileRole(const PollerRole& role, const Target& target, const queue_pollers::RoleClaims::Claim& claim);
    /// Moves an active poller to stopping_ (cancelled); `holdsRole`: release its role once its tasks are done.
    void cancelPoller(const std::string& roleId, bool holdsRole, const std::string& reason);
    /// Joins the cancelled pollers whose workers ended (all of them when `all`) and releases their roles.
    void reap(bool all);
    void releaseRole(const std::string& roleId);
    /// Called by the last worker of a poller as it ends.
    void pollerFinished();
    /// Runs one task: invoke, heartbeats, report.
    void runTask(const Target& target, const aws::ActivityTask& task);
    std::shared_ptr<aws::StepFunctionsApi> control();
    std::shared_ptr<aws::StepFunctionsApi> newClient();

    const StepFuncSettings settings_;
    const StepFunctionsFactory factory_;
    sdk::EventSourceHost host_;
    const sdk::Clock* clock_ = &sdk::systemClock();
    std::unique_ptr<queue_pollers::ThrottledLog> log_;
    std::unique_ptr<Heartbeats> heartbeats_;
    std::unique_ptr<queue_pollers::RoleClaims> claims_; ///< made in start(); manager thread only

    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::vector<sdk::EventSource> sources_; ///< guarded by mutex_
    bool changed_ = false;                  ///< update() brought a different set; guarded by mutex_
    bool reapPending_ = false;              ///< a cancelled poller's workers ended; guarded by mutex_

    std::mutex clientsMutex_;
    bool clientsAborted_ = false;                            ///< shutdown began; guarded by clientsMutex_
    std::shared_ptr<aws::StepFunctionsApi> control_;         ///< ARN lookups; guarded by clientsMutex_
    std::shared_ptr<aws::StepFunctionsApi> reporter_;        ///< results and heartbeats; guarded by clientsMutex_
    std::map<std::string, std::string> arns_;                ///< "<source>\n<activity>" → ARN; manager thread only
    std::set<std::string> reportedInvalid_;                  ///< "<source>@<version>" logged; manager thread only
    mutable std::mutex pollersMutex_;                        ///< guards pollers_ and stopping_
    std::map<std::string, std::unique_ptr<Poller>> pollers_; ///< running, by role id
    std::list<std::unique_ptr<Poller>> stopping_;            ///< cancelled, tasks may still run
    std::jthread thread_;
    bool started_ = false;
    bool shutDown_ = false;
};

} // namespace maelstrom::plugins::awsstepfunc
