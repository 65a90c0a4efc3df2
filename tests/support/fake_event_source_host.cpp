// fake_event_source_host.cpp — see fake_event_source_host.h.
// SPDX-License-Identifier: Apache-2.0
#include "fake_event_source_host.h"

#include <algorithm>

namespace maelstrom::testing {

// ---- ScriptedInvoker ----

sdk::InvokeResponse ScriptedInvoker::invoke(const sdk::InvokeRequest& request) {
    const int now = ++inFlight;
    int seen = maxInFlight.load();
    while (now > seen && !maxInFlight.compare_exchange_weak(seen, now)) {
    }
    // Leaves the count on every way out, a throwing handler included.
    struct Leave {
        std::atomic<int>& inFlight;
        ~Leave() { --inFlight; }
    } leave{inFlight};
    Handler handler;
    std::function<void(int, const sdk::InvokeRequest&)> onStart;
    {
        std::lock_guard lock(mutex_);
        calls_.push_back(Invocation{request, clock_.steadyNow()});
        handler = handler_;
        onStart = onStart_;
    }
    if (onStart) {
        onStart(now, request);
    }
    {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return !held_; });
    }
    if (handler) {
        return handler(request);
    }
    sdk::InvokeResponse response;
    response.status = 200;
    response.body = request.body;
    return response;
}

void ScriptedInvoker::setHandler(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
}

void ScriptedInvoker::setOnStart(std::function<void(int, const sdk::InvokeRequest&)> onStart) {
    std::lock_guard lock(mutex_);
    onStart_ = std::move(onStart);
}

void ScriptedInvoker::hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
}

void ScriptedInvoker::release() {
    {
        std::lock_guard lock(mutex_);
        held_ = false;
    }
    cv_.notify_all();
}

std::vector<Invocation> ScriptedInvoker::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

std::vector<sdk::InvokeRequest> ScriptedInvoker::requests() const {
    std::lock_guard lock(mutex_);
    std::vector<sdk::InvokeRequest> out;
    for (const auto& call : calls_) {
        out.push_back(call.request);
    }
    return out;
}

std::vector<std::string> ScriptedInvoker::bodies() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& call : calls_) {
        out.push_back(call.request.body);
    }
    return out;
}

std::size_t ScriptedInvoker::count() const {
    std::lock_guard lock(mutex_);
    return calls_.size();
}

// ---- RoleTable, FakeRoleLocks ----

bool RoleTable::acquireOrRenew(const std::string& roleId, const std::string& node, std::chrono::milliseconds lease) {
    std::lock_guard lock(mutex_);
    ++calls_;
    const auto now = clock_.steadyNow();
    const auto it = leases_.find(roleId);
    if (it != leases_.end() && it->second.node != node && it->second.expiresAt > now) {
        return false;
    }
    leases_.insert_or_assign(roleId, Lease{node, now + lease});
    return true;
}

void RoleTable::release(const std::string& roleId, const std::string& node) {
    std::lock_guard lock(mutex_);
    ++calls_;
    const auto it = leases_.find(roleId);
    if (it != leases_.end() && it->second.node == node) {
        leases_.erase(it);
    }
}

std::optional<std::string> RoleTable::holder(const std::string& roleId) const {
    std::lock_guard lock(mutex_);
    const auto it = leases_.find(roleId);
    if (it == leases_.end() || it->second.expiresAt <= clock_.steadyNow()) {
        return std::nullopt;
    }
    return it->second.node;
}

void RoleTable::assign(const std::string& roleId, const std::string& node, std::chrono::milliseconds lease) {
    std::lock_guard lock(mutex_);
    leases_.insert_or_assign(roleId, Lease{node, clock_.steadyNow() + lease});
}

std::set<std::string> RoleTable::heldBy(const std::string& node) const {
    std::lock_guard lock(mutex_);
    std::set<std::string> held;
    const auto now = clock_.steadyNow();
    for (const auto& [roleId, lease] : leases_) {
        if (lease.node == node && lease.expiresAt > now) {
            held.insert(roleId);
        }
    }
    return held;
}

std::size_t RoleTable::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

bool FakeRoleLocks::acquireOrRenew(const std::string& roleId, std::chrono::milliseconds lease) {
    return table_.acquireOrRenew(roleId, node_, lease);
}

void FakeRoleLocks::release(const std::string& roleId) {
    ++releases;
    table_.release(roleId, node_);
}

std::optional<std::string> FakeRoleLocks::holder(const std::string& roleId) { return table_.holder(roleId); }

// ---- FakeCapacity ----

int FakeCapacity::handlerCount(const std::string& component) {
    std::lock_guard lock(mutex_);
    ++calls_;
    const auto it = handlers_.find(component);
    return it == handlers_.end() ? 0 : it->second;
}

void FakeCapacity::set(const std::string& component, int handlers) {
    std::lock_guard lock(mutex_);
    handlers_[component] = handlers;
}

std::size_t FakeCapacity::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

// ---- LogLines ----

namespace {

const char* levelName(sdk::LogLevel level) {
    switch (level) {
    case sdk::LogLevel::Debug:
        return "debug";
    case sdk::LogLevel::Information:
        return "information";
    case sdk::LogLevel::Warning:
        return "warning";
    case sdk::LogLevel::Error:
        return "error";
    }
    return "?";
}

} // namespace

sdk::PluginLogger LogLines::logger() {
    return sdk::PluginLogger([this](sdk::LogLevel level, const std::string& text) {
        std::lock_guard lock(mutex_);
        lines_.push_back(Line{level, text});
    });
}

std::vector<std::string> LogLines::lines() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& line : lines_) {
        out.push_back(std::string(levelName(line.level)) + ": " + line.text);
    }
    return out;
}

std::size_t LogLines::count(const std::string& needle) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(
        lines_.begin(), lines_.end(), [&](const Line& line) { return line.text.find(needle) != std::string::npos; }));
}

std::string LogLines::dump() const {
    std::string out;
    for (const auto& line : lines()) {
        out += line + "\n";
    }
    return out;
}

} // namespace maelstrom::testing
