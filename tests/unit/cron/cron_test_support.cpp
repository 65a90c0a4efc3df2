// cron_test_support.cpp — see cron_test_support.h.
// SPDX-License-Identifier: Apache-2.0
#include "cron_test_support.h"

#include "model_builders.h"

#include <maelstrom/sdk/errors.h>

namespace maelstrom::testing::cron {

void FiringLog::add(Fired fired) {
    std::lock_guard lock(mutex_);
    fired_.push_back(std::move(fired));
}

std::vector<Fired> FiringLog::all() const {
    std::lock_guard lock(mutex_);
    return fired_;
}

std::size_t FiringLog::count() const {
    std::lock_guard lock(mutex_);
    return fired_.size();
}

std::vector<Fired> FiringLog::of(const std::string& eventSource) const {
    std::lock_guard lock(mutex_);
    std::vector<Fired> out;
    for (const auto& f : fired_) {
        if (f.request.eventSourceName == eventSource) {
            out.push_back(f);
        }
    }
    return out;
}

sdk::InvokeResponse RecordingInvoker::invoke(const sdk::InvokeRequest& request) {
    ++inProgress;
    log_.add(Fired{node_, clock_.unixMillis(), request});
    {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return !held_; });
    }
    --inProgress;
    sdk::InvokeResponse response;
    response.status = status.load();
    return response;
}

void RecordingInvoker::hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
}

void RecordingInvoker::release() {
    {
        std::lock_guard lock(mutex_);
        held_ = false;
    }
    cv_.notify_all();
}

bool CuttableRoleLocks::acquireOrRenew(const std::string& roleId, std::chrono::milliseconds lease) {
    if (cut) {
        throw sdk::Unavailable("database unreachable (test)");
    }
    return database_.acquireOrRenewRole(roleId, node_, lease.count()).acquired;
}

void CuttableRoleLocks::release(const std::string& roleId) {
    if (cut) {
        throw sdk::Unavailable("database unreachable (test)");
    }
    database_.releaseRole(roleId, node_);
}

std::optional<std::string> CuttableRoleLocks::holder(const std::string& roleId) {
    if (cut) {
        throw sdk::Unavailable("database unreachable (test)");
    }
    const auto lease = database_.roleHolder(roleId);
    return lease ? std::optional<std::string>(lease->holderNodeId) : std::nullopt;
}

CronNode::CronNode(std::string nodeName, FakeClock& clock, FakeDatabase& database, FiringLog& log,
                   plugins::cron::CronSettings settings)
    : name(std::move(nodeName)), invoker(std::make_shared<RecordingInvoker>(name, clock, log)),
      roles(std::make_shared<CuttableRoleLocks>(database, name)),
      scheduler(std::make_shared<plugins::cron::CronScheduler>(std::move(settings))) {
    sdk::EventSourceHost host;
    host.invoker = invoker;
    host.roles = roles;
    host.clock = &clock;
    host.logger = logLines.logger();
    host.nodeId = name;
    scheduler->start(host);
}

CronNode::~CronNode() {
    invoker->release();
    scheduler->shutdown();
}

sdk::EventSource cronSource(const std::string& name, const std::string& schedule, const std::string& path,
                            const std::string& component) {
    auto es = projectEventSource(name, component);
    es.cron = sdk::CronEventSource{};
    es.cron->schedule = schedule;
    es.cron->http.method = "GET";
    es.cron->http.path = path;
    return es;
}

} // namespace maelstrom::testing::cron
