// stepfunc_test_support.cpp — see stepfunc_test_support.h.
// SPDX-License-Identifier: Apache-2.0
#include "stepfunc_test_support.h"

#include "model_builders.h"

#include <thread>

namespace maelstrom::testing::stepfunc {

using plugins::awsstepfunc::TaskReport;

// --- FakeCloud ------------------------------------------------------------------------------------------------

std::string FakeCloud::addActivity(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto& arn = activities_[name];
    if (arn.empty()) {
        arn = "arn:aws:states:us-east-1:123456789012:activity:" + name + ":" + std::to_string(++nextArn_);
    }
    return arn;
}

void FakeCloud::removeActivity(const std::string& name) {
    std::lock_guard lock(mutex_);
    activities_.erase(name);
}

std::optional<std::string> FakeCloud::arnOf(const std::string& name) const {
    std::lock_guard lock(mutex_);
    const auto it = activities_.find(name);
    return it == activities_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::string FakeCloud::addTask(const std::string& arn, const std::string& input) {
    std::string token;
    {
        std::lock_guard lock(mutex_);
        token = "token-" + std::to_string(++nextToken_);
        queues_[arn].push_back(aws::ActivityTask{token, input});
    }
    cv_.notify_all();
    return token;
}

void FakeCloud::expire(const std::string& token) {
    std::lock_guard lock(mutex_);
    gone_.insert(token);
}

std::vector<Report> FakeCloud::reportsOf(const std::string& token) const {
    std::lock_guard lock(mutex_);
    const auto it = reports_.find(token);
    return it == reports_.end() ? std::vector<Report>{} : it->second;
}

std::size_t FakeCloud::reportCount() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [token, reports] : reports_) {
        n += reports.size();
    }
    return n;
}

int FakeCloud::heartbeatsOf(const std::string& token) const {
    std::lock_guard lock(mutex_);
    const auto it = heartbeats_.find(token);
    return it == heartbeats_.end() ? 0 : it->second;
}

int FakeCloud::lateReportsOf(const std::string& token) const {
    std::lock_guard lock(mutex_);
    const auto it = lateReports_.find(token);
    return it == lateReports_.end() ? 0 : it->second;
}

int FakeCloud::pollsOn(const std::string& arn) const {
    std::lock_guard lock(mutex_);
    const auto it = polls_.find(arn);
    return it == polls_.end() ? 0 : it->second;
}

std::set<std::string> FakeCloud::workerNames() const {
    std::lock_guard lock(mutex_);
    return workerNames_;
}

int FakeCloud::listCalls() const {
    std::lock_guard lock(mutex_);
    return listCalls_;
}

int FakeCloud::createCalls() const {
    std::lock_guard lock(mutex_);
    return createCalls_;
}

std::size_t FakeCloud::queued() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [arn, queue] : queues_) {
        n += queue.size();
    }
    return n;
}

void FakeCloud::failPolls(std::optional<std::string> code) {
    std::lock_guard lock(mutex_);
    pollError_ = std::move(code);
}

void FakeCloud::failPollsRandomly(double probability, std::uint64_t seed) {
    std::lock_guard lock(mutex_);
    pollFailureProbability_ = probability;
    random_.seed(seed);
}

// --- FakeStepFunctions ----------------------------------------------------------------------------------------

void FakeStepFunctions::checkAborted() const {
    if (aborted_) {
        throw aws::AwsError("Aborted", "the client was aborted");
    }
}

std::optional<std::string> FakeStepFunctions::findActivityArn(const std::string& name) {
    checkAborted();
    std::lock_guard lock(cloud_.mutex_);
    ++cloud_.listCalls_;
    const auto it = cloud_.activities_.find(name);
    return it == cloud_.activities_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::string FakeStepFunctions::createActivity(const std::string& name) {
    checkAborted();
    {
        std::lock_guard lock(cloud_.mutex_);
        ++cloud_.createCalls_;
    }
    return cloud_.addActivity(name);
}

std::optional<aws::ActivityTask> FakeStepFunctions::getActivityTask(const std::string& activityArn,
                                                                    const std::string& workerName) {
    checkAborted();
    ++polls;
    const int inFlight = ++pollsInFlight;
    int seen = maxConcurrentPolls.load();
    while (inFlight > seen && !maxConcurrentPolls.compare_exchange_weak(seen, inFlight)) {
    }
    struct Leave {
        std::atomic<int>& n;
        ~Leave() { --n; }
    } leave{pollsInFlight};

    std::unique_lock lock(cloud_.mutex_);
    ++cloud_.polls_[activityArn];
    cloud_.workerNames_.insert(workerName);
    if (cloud_.pollError_) {
        throw aws::AwsError(*cloud_.pollError_, "Step Functions GetActivityTask failed: " + *cloud_.pollError_, 400,
                            *cloud_.pollError_ == "ThrottlingException");
    }
    if (cloud_.pollFailureProbability_ > 0 &&
        std::uniform_real_distribution<double>(0, 1)(cloud_.random_) < cloud_.pollFailureProbability_) {
        throw aws::AwsError("ThrottlingException", "Rate exceeded (fake)", 400, true);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(cloud_.pollWaitMillis.load());
    while (true) {
        if (aborted_) {
            throw aws::AwsError("Aborted", "the client was aborted");
        }
        auto& queue = cloud_.queues_[activityArn];
        if (!queue.empty()) {
            auto task = queue.front();
            queue.pop_front();
            return task;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        cloud_.cv_.wait_until(lock, deadline);
    }
}

void FakeStepFunctions::report(const std::string& token, TaskReport report) {
    checkAborted();
    std::lock_guard lock(cloud_.mutex_);
    if (cloud_.gone_.contains(token)) {
        ++cloud_.lateReports_[token];
        throw aws::AwsError("TaskTimedOut", "Task Timed Out: '" + token + "'", 400, false);
    }
    cloud_.reports_[token].push_back(Report{std::move(report), node_});
}

void FakeStepFunctions::sendTaskSuccess(const std::string& token, const std::string& outputJson) {
    report(token, TaskReport{true, outputJson, {}, {}});
}

void FakeStepFunctions::sendTaskFailure(const std::string& token, const std::string& error, const std::string& cause) {
    report(token, TaskReport{false, {}, error, cause});
}

void FakeStepFunctions::sendTaskHeartbeat(const std::string& token) {
    checkAborted();
    std::lock_guard lock(cloud_.mutex_);
    ++cloud_.heartbeats_[token];
    if (cloud_.gone_.contains(token)) {
        throw aws::AwsError("TaskTimedOut", "Task Timed Out: '" + token + "'", 400, false);
    }
    if (cloud_.reports_.contains(token)) {
        throw aws::AwsError("TaskDoesNotExist", "Task does not exist: '" + token + "'", 400, false);
    }
}

void FakeStepFunctions::abort() {
    ++aborts;
    aborted_ = true;
    std::lock_guard lock(cloud_.mutex_); // a poll about to wait sees the flag or gets the notification
    cloud_.cv_.notify_all();
}

// --- Node -----------------------------------------------------------------------------------------------------

Node::Node(std::string nodeName, FakeCloud& cloud, RoleTable& roleTable,
           plugins::awsstepfunc::StepFuncSettings settings, std::shared_ptr<ScriptedInvoker> sharedInvoker)
    : name(std::move(nodeName)),
      invoker(sharedInvoker ? std::move(sharedInvoker) : std::make_shared<ScriptedInvoker>()),
      roles(std::make_shared<FakeRoleLocks>(roleTable, name)), capacity(std::make_shared<FakeCapacity>()) {
    driver = std::make_shared<plugins::awsstepfunc::StepFuncDriver>(settings, [this, &cloud] {
        auto client = std::make_shared<FakeStepFunctions>(cloud, name);
        std::lock_guard lock(mutex_);
        clients_.push_back(client);
        return client;
    });
    sdk::EventSourceHost host;
    host.invoker = invoker;
    host.roles = roles;
    host.logger = logLines.logger();
    host.nodeId = name;
    host.capacity = capacity;
    driver->start(host);
}

Node::~Node() { driver->shutdown(); }

std::vector<std::shared_ptr<FakeStepFunctions>> Node::clients() const {
    std::lock_guard lock(mutex_);
    return clients_;
}

int Node::factoryCalls() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(clients_.size());
}

plugins::awsstepfunc::StepFuncSettings fastSettings() {
    plugins::awsstepfunc::StepFuncSettings settings;
    settings.reloadEvery = std::chrono::milliseconds(200);
    settings.heartbeatEvery = std::chrono::seconds(10);
    settings.errorBackoff = std::chrono::milliseconds(100);
    return settings;
}

sdk::EventSource stepSource(const std::string& name, const std::string& activity, const std::string& path,
                            std::int64_t maxConcurrency, std::int64_t concurrencyPerPoller,
                            const std::string& component) {
    auto es = projectEventSource(name, component);
    es.awsstepfunc = sdk::AwsStepFunctionEventSource{};
    es.awsstepfunc->activityName = activity;
    es.awsstepfunc->path = path;
    es.awsstepfunc->maxConcurrency = maxConcurrency;
    es.awsstepfunc->concurrencyPerPoller = concurrencyPerPoller;
    return es;
}

bool eventually(const std::function<bool()>& probe, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (probe()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return probe();
}

} // namespace maelstrom::testing::stepfunc
