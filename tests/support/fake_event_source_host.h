// fake_event_source_host.h — in-memory fakes of what an event source plugin's host hands it (the services of
// sdk::EventSourceHost), for the unit tests of the event source drivers: a scriptable recording invoker, role
// leases of a whole simulated cluster with one RoleLocks view per node, a settable component capacity, and a
// log sink that keeps the lines.
// SPDX-License-Identifier: Apache-2.0
//
// Contract:
//   - Times (invocations, lease expiry) come from the clock given (a FakeClock in most tests; the real clocks by
//     default).
//   - Thread-safe: the drivers call these from their own threads while the test inspects them.
#pragma once

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/event_source.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace maelstrom::testing {

struct Invocation {
    sdk::InvokeRequest request;
    std::chrono::steady_clock::time_point at{}; ///< the clock's steady time when invoke() was called
};

/// Answers through the handler (default: 200 with the request body); records every request and the most
/// invocations in flight at once; hold() makes invoke() wait for release() (a slow container).
class ScriptedInvoker final : public sdk::Invoker {
public:
    using Handler = std::function<sdk::InvokeResponse(const sdk::InvokeRequest&)>;
    explicit ScriptedInvoker(const sdk::Clock& clock = sdk::systemClock()) : clock_(clock) {}
    sdk::InvokeResponse invoke(const sdk::InvokeRequest& request) override;

    void setHandler(Handler handler);
    /// Called at the start of each invoke with the number in flight (this one included).
    void setOnStart(std::function<void(int inFlight, const sdk::InvokeRequest&)> onStart);
    void hold();
    void release();

    std::vector<Invocation> calls() const;
    std::vector<sdk::InvokeRequest> requests() const;
    std::vector<std::string> bodies() const;
    std::size_t count() const;
    std::atomic<int> inFlight{0};
    std::atomic<int> maxInFlight{0};

private:
    const sdk::Clock& clock_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool held_ = false;
    Handler handler_;
    std::function<void(int, const sdk::InvokeRequest&)> onStart_;
    std::vector<Invocation> calls_;
};

/// Role leases of a whole simulated cluster, as the database keeps them, expiring on `clock`.
class RoleTable {
public:
    explicit RoleTable(const sdk::Clock& clock = sdk::systemClock()) : clock_(clock) {}
    bool acquireOrRenew(const std::string& roleId, const std::string& node, std::chrono::milliseconds lease);
    void release(const std::string& roleId, const std::string& node);
    std::optional<std::string> holder(const std::string& roleId) const;
    /// Gives the role to `node` whoever holds it (a node the driver does not know took it).
    void assign(const std::string& roleId, const std::string& node, std::chrono::milliseconds lease);
    /// Roles held now by `node`.
    std::set<std::string> heldBy(const std::string& node) const;
    /// acquireOrRenew + release calls so far.
    std::size_t calls() const;

private:
    struct Lease {
        std::string node;
        std::chrono::steady_clock::time_point expiresAt{};
    };
    const sdk::Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, Lease> leases_;
    std::size_t calls_ = 0;
};

/// One node's view of the RoleTable.
class FakeRoleLocks final : public sdk::RoleLocks {
public:
    FakeRoleLocks(RoleTable& table, std::string node) : table_(table), node_(std::move(node)) {}
    bool acquireOrRenew(const std::string& roleId, std::chrono::milliseconds lease) override;
    void release(const std::string& roleId) override;
    std::optional<std::string> holder(const std::string& roleId) override;
    std::atomic<int> releases{0};

private:
    RoleTable& table_;
    std::string node_;
};

/// Handler counts set by the test (0 for a component never set).
class FakeCapacity final : public sdk::ComponentCapacity {
public:
    int handlerCount(const std::string& component) override;
    void set(const std::string& component, int handlers);
    /// The cluster's size as the driver sees it (1 until set).
    int nodeCount() override { return nodes_.load(); }
    void setNodes(int nodes) { nodes_ = nodes; }
    /// handlerCount() calls so far.
    std::size_t calls() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, int> handlers_;
    std::atomic<int> nodes_{1};
    std::size_t calls_ = 0;
};

/// A log sink that keeps every line with its level.
class LogLines {
public:
    sdk::PluginLogger logger();
    /// Every line as "<level>: <text>".
    std::vector<std::string> lines() const;
    /// How many lines' text contains `needle` (the level is not searched).
    std::size_t count(const std::string& needle) const;
    /// All lines, one per line (for failure messages).
    std::string dump() const;

private:
    struct Line {
        sdk::LogLevel level;
        std::string text;
    };
    mutable std::mutex mutex_;
    std::vector<Line> lines_;
};

} // namespace maelstrom::testing
