// stepfunc_test_support.h — what the awsstepfunc driver's unit tests share: a fake Step Functions service (one
// "cloud" state; one client object per factory call, each abortable on its own and counting its concurrent long
// polls) and a node = driver + its host (whose fakes are fake_event_source_host.h's).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "aws/error.h"
#include "aws/stepfunctions.h"
#include "fake_event_source_host.h"
#include "stepfunc_driver.h"

#include <maelstrom/sdk/event_source.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace maelstrom::testing::stepfunc {

using maelstrom::testing::FakeCapacity;
using maelstrom::testing::FakeRoleLocks;
using maelstrom::testing::LogLines;
using maelstrom::testing::RoleTable;
using maelstrom::testing::ScriptedInvoker;

/// One SendTaskSuccess or SendTaskFailure that Step Functions accepted.
struct Report {
    plugins::awsstepfunc::TaskReport report;
    std::string client; ///< the node whose driver sent it
};

/// The service's state, shared by every client.
class FakeCloud {
public:
    /// An activity that exists already; returns its ARN.
    std::string addActivity(const std::string& name);
    void removeActivity(const std::string& name);
    std::optional<std::string> arnOf(const std::string& name) const;
    /// Queues a task for the activity ARN; returns its token.
    std::string addTask(const std::string& arn, const std::string& input);
    /// The task is gone (timed out): heartbeats and results for it get TaskTimedOut.
    void expire(const std::string& token);

    std::vector<Report> reportsOf(const std::string& token) const;
    std::size_t reportCount() const;
    /// Heartbeat calls for `token` (accepted or not).
    int heartbeatsOf(const std::string& token) const;
    /// Results sent for a gone task (answered TaskTimedOut).
    int lateReportsOf(const std::string& token) const;
    /// GetActivityTask calls per ARN / worker name so far.
    int pollsOn(const std::string& arn) const;
    std::set<std::string> workerNames() const;
    int listCalls() const;
    int createCalls() const;
    /// Tasks waiting to be taken.
    std::size_t queued() const;

    /// How long an empty long poll waits (AWS: 60 s).
    std::atomic<int> pollWaitMillis{100};
    /// When set, every GetActivityTask fails with this error code.
    void failPolls(std::optional<std::string> code);
    /// Each GetActivityTask fails (ThrottlingException) with this probability (randomized test), from `seed`.
    void failPollsRandomly(double probability, std::uint64_t seed);

private:
    friend class FakeStepFunctions;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::string, std::string> activities_; ///< name → ARN
    int nextArn_ = 0;
    int nextToken_ = 0;
    std::map<std::string, std::deque<aws::ActivityTask>> queues_; ///< by ARN
    std::set<std::string> gone_;
    std::map<std::string, std::vector<Report>> reports_;
    std::map<std::string, int> heartbeats_;
    std::map<std::string, int> lateReports_;
    std::map<std::string, int> polls_;
    std::set<std::string> workerNames_;
    int listCalls_ = 0;
    int createCalls_ = 0;
    std::optional<std::string> pollError_;
    double pollFailureProbability_ = 0;
    std::mt19937_64 random_;
};

/// One client (one factory call): its own abort, and the most GetActivityTask calls it had in flight at once.
class FakeStepFunctions final : public aws::StepFunctionsApi {
public:
    FakeStepFunctions(FakeCloud& cloud, std::string node) : cloud_(cloud), node_(std::move(node)) {}
    std::optional<std::string> findActivityArn(const std::string& name) override;
    std::string createActivity(const std::string& name) override;
    std::optional<aws::ActivityTask> getActivityTask(const std::string& activityArn,
                                                     const std::string& workerName) override;
    void sendTaskSuccess(const std::string& token, const std::string& outputJson) override;
    void sendTaskFailure(const std::string& token, const std::string& error, const std::string& cause) override;
    void sendTaskHeartbeat(const std::string& token) override;
    void abort() override;

    std::atomic<int> aborts{0};
    std::atomic<int> polls{0};
    std::atomic<int> maxConcurrentPolls{0};
    std::atomic<int> pollsInFlight{0};

private:
    void checkAborted() const;
    void report(const std::string& token, plugins::awsstepfunc::TaskReport report);

    FakeCloud& cloud_;
    std::string node_;
    std::atomic<bool> aborted_{false};
};

/// One node: a started StepFuncDriver whose factory makes FakeStepFunctions clients on `cloud`.
struct Node {
    Node(std::string name, FakeCloud& cloud, RoleTable& roleTable, plugins::awsstepfunc::StepFuncSettings settings,
         std::shared_ptr<ScriptedInvoker> invoker = nullptr);
    ~Node();
    std::vector<std::shared_ptr<FakeStepFunctions>> clients() const;
    int factoryCalls() const;

    std::string name;
    std::shared_ptr<ScriptedInvoker> invoker;
    std::shared_ptr<FakeRoleLocks> roles;
    std::shared_ptr<FakeCapacity> capacity;
    LogLines logLines;
    std::shared_ptr<plugins::awsstepfunc::StepFuncDriver> driver;

private:
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<FakeStepFunctions>> clients_;
};

/// Settings with short periods for tests (reload 200 ms, heartbeat 10 s, backoff 100 ms).
plugins::awsstepfunc::StepFuncSettings fastSettings();

/// An awsstepfunc event source.
sdk::EventSource stepSource(const std::string& name, const std::string& activity, const std::string& path = "/task",
                            std::int64_t maxConcurrency = 0, std::int64_t concurrencyPerPoller = 0,
                            const std::string& component = "proj_worker");

/// Polls `probe` every 5 ms for up to `timeout`.
bool eventually(const std::function<bool()>& probe, std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace maelstrom::testing::stepfunc
