// fake_database.h — an in-memory sdk::Database for unit tests: the contract of database.h (versions, filters,
// paging, role leases, start counters, TLS records) without a server, plus a switch that makes it unreachable.
// SPDX-License-Identifier: Apache-2.0
//
// Contract:
//   - Behaves as database.h specifies; role leases expire on `clock` (a FakeClock in most tests).
//   - While setUnavailable(true) holds, every call throws Unavailable and changes nothing.
//   - Thread-safe (one mutex around everything).
#pragma once

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/database.h>

#include <map>
#include <mutex>
#include <string>

namespace maelstrom::testing {

class FakeDatabase final : public sdk::Database {
public:
    explicit FakeDatabase(const sdk::Clock& clock = sdk::systemClock()) : clock_(clock) {}

    void setUnavailable(bool unavailable);

    std::int64_t putComponent(const sdk::Component& component) override;
    std::optional<sdk::Component> getComponent(const std::string& name) override;
    bool removeComponent(const std::string& name) override;
    sdk::Page<sdk::Component> listComponents(const sdk::ComponentFilter& filter, const sdk::PageRequest& page) override;

    std::int64_t putEventSource(const sdk::EventSource& eventSource) override;
    std::optional<sdk::EventSource> getEventSource(const std::string& name) override;
    bool removeEventSource(const std::string& name) override;
    sdk::Page<sdk::EventSourceWithStatus> listEventSources(const sdk::EventSourceFilter& filter,
                                                           const sdk::PageRequest& page) override;
    std::vector<std::string> toggleEventSources(const sdk::EventSourceFilter& filter, bool enabled) override;

    std::vector<sdk::ProjectInfo> listProjects(const std::string& namePrefix) override;
    void applyProjectChanges(const sdk::ProjectChanges& changes) override;

    void putNodeStatus(const sdk::NodeStatus& status) override;
    std::vector<sdk::NodeStatus> listNodeStatus() override;
    bool removeNodeStatus(const std::string& nodeId) override;
    std::int64_t removeNodeStatusOlderThan(std::int64_t observedBefore) override;

    sdk::RoleLease acquireOrRenewRole(const std::string& roleId, const std::string& nodeId,
                                      std::int64_t leaseMillis) override;
    bool releaseRole(const std::string& roleId, const std::string& nodeId) override;
    void releaseAllRoles(const std::string& nodeId) override;
    std::optional<sdk::RoleLease> roleHolder(const std::string& roleId) override;

    std::int64_t incrementComponentStartCount(const std::string& name, std::int64_t version) override;
    sdk::ComponentStartCount componentStartCount(const std::string& name, std::int64_t version) override;

    void putTlsRecord(const sdk::TlsRecord& record) override;
    std::optional<sdk::TlsRecord> getTlsRecord(const std::string& kind, const std::string& name) override;
    std::vector<sdk::TlsRecord> listTlsRecords(const std::string& kind) override;
    bool removeTlsRecord(const std::string& kind, const std::string& name) override;

private:
    /// Everything stored; applyProjectChanges works on a copy and swaps it in, so a failure changes nothing.
    struct Tables {
        std::map<std::string, sdk::Component> components;
        std::map<std::string, sdk::EventSourceWithStatus> eventSources;
        std::map<std::string, sdk::NodeStatus> nodes;
        std::map<std::string, sdk::RoleLease> roles;
        std::map<std::pair<std::string, std::int64_t>, sdk::ComponentStartCount> starts;
        std::map<std::pair<std::string, std::string>, sdk::TlsRecord> tlsRecords; ///< by (kind, name)
    };

    void checkAvailableLocked() const;
    static std::int64_t putComponentIn(Tables& tables, const sdk::Component& component);
    static std::int64_t putEventSourceIn(Tables& tables, const sdk::EventSource& eventSource);
    static bool removeComponentIn(Tables& tables, const std::string& name);
    static bool matches(const sdk::EventSourceFilter& filter, const sdk::EventSourceWithStatus& row);

    const sdk::Clock& clock_;
    mutable std::mutex mutex_;
    Tables tables_;            ///< guarded by mutex_
    bool unavailable_ = false; ///< guarded
};

} // namespace maelstrom::testing
