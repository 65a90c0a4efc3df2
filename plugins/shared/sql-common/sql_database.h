// sql_database.h — sql-common: the database service (sdk::Database) on Poco::Data, shared by the sqlite,
// mysql and postgres plugins. Stores components and event sources whole (JSON) with the filter columns the
// queries need, node status rows, role leases, start counters and TLS records; applies the schema migrations when it is
// created; maps engine errors onto the SDK taxonomy (AlreadyExists, VersionConflict, Unavailable, PluginError).
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: every public method may be called from many threads at once; each call runs on its own
// pooled session (SessionPool), so calls only wait for each other inside the database. The pool and the
// dialect are the only shared state; the dialect is immutable.
// Recovery: a connection error drops the session (and the idle ones), reports Unavailable, and the next call
// opens a fresh connection; calls whose second run answers like the first (reads, upserts, acquiring a lease)
// retry once on a fresh session when a reused one was dead. Removes do not: a connection lost during the
// commit may have removed the row, and the retry would then answer "not found" for a remove that happened;
// they report Unavailable (outcome unknown) instead.
// Transient conflicts (deadlocks, serialization failures, SQLite busy) are retried a few times.
#pragma once

#include "dialect.h"
#include "session_pool.h"

#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/plugin.h>

#include <memory>

namespace maelstrom::plugins::sql {

class SqlDatabase final : public sdk::Database {
public:
    /// Connects and applies the migrations. Throws sdk::Unavailable when the server cannot be reached,
    /// sdk::PluginError when the schema is not ours (checksum mismatch, newer schema).
    /// `idleCheck`: a pooled session idle for longer is probed (SELECT 1) before reuse and replaced when dead.
    SqlDatabase(std::unique_ptr<Dialect> dialect, sdk::PluginLogger logger,
                std::chrono::milliseconds idleCheck = std::chrono::seconds(30),
                std::chrono::milliseconds poolWait = std::chrono::seconds(30));
    ~SqlDatabase() override;

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

    void shutdown() override;

    /// Applies the migrations (also run by the constructor; idempotent). @return how many were applied.
    int migrate();

private:
    template <class F>
    auto run(const char* operation, bool idempotent, F&& body);
    template <class F>
    auto transact(const char* operation, bool idempotent, F&& body);

    std::unique_ptr<Dialect> dialect_;
    sdk::PluginLogger logger_;
    SessionPool pool_;
};

} // namespace maelstrom::plugins::sql
