// cron_test_support.h — what the cron driver's unit tests share: a recording invoker, role locks over a fake
// database that a test can cut off (a partitioned or killed node), and a node = scheduler + its host.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "cron_scheduler.h"
#include "fake_clock.h"
#include "fake_database.h"
#include "fake_event_source_host.h"

#include <maelstrom/sdk/event_source.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace maelstrom::testing::cron {

using maelstrom::testing::LogLines;

/// 2026-12-06T00:00:00Z.
inline constexpr std::int64_t kMidnight = 1'796'515'200'000;

struct Fired {
    std::string node;
    std::int64_t startedAt = 0; ///< fake Unix ms when invoke() was called
    sdk::InvokeRequest request;
};

/// Every node's invoker appends to one shared list, so a test sees the whole cluster's firings in order.
class FiringLog {
public:
    void add(Fired fired);
    std::vector<Fired> all() const;
    std::size_t count() const;
    /// The firings of one event source.
    std::vector<Fired> of(const std::string& eventSource) const;

private:
    mutable std::mutex mutex_;
    std::vector<Fired> fired_;
};

class RecordingInvoker final : public sdk::Invoker {
public:
    RecordingInvoker(std::string node, FakeClock& clock, FiringLog& log)
        : node_(std::move(node)), clock_(clock), log_(log) {}
    sdk::InvokeResponse invoke(const sdk::InvokeRequest& request) override;
    /// While held, invoke() blocks until release() (a slow container).
    void hold();
    void release();
    std::atomic<int> status{200};
    std::atomic<int> inProgress{0};

private:
    std::string node_;
    FakeClock& clock_;
    FiringLog& log_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool held_ = false;
};

/// Role locks of one node on the shared fake database; cut() makes every call fail as if the node lost its
/// database connection.
class CuttableRoleLocks final : public sdk::RoleLocks {
public:
    CuttableRoleLocks(FakeDatabase& database, std::string node) : database_(database), node_(std::move(node)) {}
    bool acquireOrRenew(const std::string& roleId, std::chrono::milliseconds lease) override;
    void release(const std::string& roleId) override;
    std::optional<std::string> holder(const std::string& roleId) override;
    std::atomic<bool> cut{false};

private:
    FakeDatabase& database_;
    std::string node_;
};

/// One node: a started CronScheduler with its invoker and role locks.
struct CronNode {
    CronNode(std::string name, FakeClock& clock, FakeDatabase& database, FiringLog& log,
             plugins::cron::CronSettings settings = {});
    ~CronNode();
    std::string name;
    std::shared_ptr<RecordingInvoker> invoker;
    std::shared_ptr<CuttableRoleLocks> roles;
    LogLines logLines;
    std::shared_ptr<plugins::cron::CronScheduler> scheduler;
};

/// A cron event source named `name` for component `component`.
sdk::EventSource cronSource(const std::string& name, const std::string& schedule, const std::string& path = "/tick",
                            const std::string& component = "proj_worker");

} // namespace maelstrom::testing::cron
