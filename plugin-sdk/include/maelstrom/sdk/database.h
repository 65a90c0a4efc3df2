// database.h — maelstrom SDK: the database service kind (cluster state: components, event sources,
// node status, role locks, start counters, TLS records). Plugins: sqlite (embedded default), mysql, postgres.
// SPDX-License-Identifier: Apache-2.0
//
// Contract for every method:
//   - thread-safe: the core calls from many threads at once (RPC handlers, loops, the router's resolver);
//   - blocking: a call returns when the database has answered (or fails);
//   - names are compared exactly (the core lowercases before calling); prefix filters match literally,
//     never as SQL wildcards ('%' and '_' in a prefix are plain characters);
//   - a database that cannot be reached, or fails transiently, raises Unavailable (worth retrying); the plugin
//     must recover by itself on a later call once the server is back, without being re-created;
//   - times are Unix milliseconds.
// Schema migrations are applied by the plugin when it is created (idempotent, safe when several daemons
// start against the same empty database at once).
#pragma once

#include <maelstrom/sdk/export.h>
#include <maelstrom/sdk/model.h>
#include <maelstrom/sdk/service.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace maelstrom::sdk {

/// Page request: limit outside 1..1000 (0 included) means 1000; nextToken is the
/// opaque token of a previous page ("" or a non-numeric token = the start).
struct PageRequest {
    std::int64_t limit = 0;
    std::string nextToken;
};

/// Clamps a requested limit to 1..1000 as the reference does (anything else → 1000).
inline std::int64_t clampPageLimit(std::int64_t limit) noexcept { return (limit < 1 || limit > 1000) ? 1000 : limit; }

template <class T>
struct Page {
    std::vector<T> items;
    std::string nextToken; ///< empty when this is the last page
};

/// Every item of a paged listing: calls `list(PageRequest)` (returning a Page<T>) page after page, 1000 items at a
/// time, until the last page. Blocking as `list` is; rethrows what it throws.
template <class T, class List>
std::vector<T> allPages(List&& list) {
    std::vector<T> all;
    PageRequest page{1000, ""};
    for (;;) {
        auto result = list(page);
        for (auto& item : result.items) {
            all.push_back(std::move(item));
        }
        if (result.nextToken.empty()) {
            return all;
        }
        page.nextToken = std::move(result.nextToken);
    }
}

struct ComponentFilter {
    std::string namePrefix;  ///< literal prefix of the name ("" = any)
    std::string projectName; ///< exact project ("" = any)
};

struct EventSourceFilter {
    std::string namePrefix;    ///< literal prefix of the name ("" = any)
    std::string componentName; ///< exact ("" = any)
    std::string projectName;   ///< exact ("" = any)
    std::optional<EventSourceType> type;
    std::optional<bool> enabled; ///< only enabled / only disabled; empty = both
};

/// What a project write changes, applied as one transaction: all or nothing.
/// Order inside the transaction: remove components (with their event sources), remove event sources,
/// put components, put event sources. Put rules are those of putComponent / putEventSource.
struct ProjectChanges {
    std::vector<std::string> removeComponents;
    std::vector<std::string> removeEventSources;
    std::vector<Component> putComponents;
    std::vector<EventSource> putEventSources;
};

/// Result of acquireOrRenewRole.
struct RoleLease {
    bool acquired = false;      ///< true: `nodeId` (the caller) holds the role until expiresAt
    std::string holderNodeId;   ///< who holds it now (the caller when acquired)
    std::int64_t expiresAt = 0; ///< when the current lease ends
};

struct ComponentStartCount {
    std::int64_t startCount = 0;
    std::int64_t firstStartedAt = 0;
    std::int64_t lastStartedAt = 0;
};

/// One TLS object the nodes share: kind "acme-account" (name: directory URL), "acme-challenge" (name: token),
/// "certificate" (name: hostname). `value` is opaque to the database (JSON written by the core; private keys in it
/// are sealed by the core before they get here).
struct TlsRecord {
    std::string kind;
    std::string name;
    std::string value;           ///< at most kMaxTlsRecordValueBytes bytes
    std::int64_t modifiedAt = 0; ///< set by putTlsRecord (the caller's value is ignored)
};

/// Largest TlsRecord::value a database stores (a chain of a few certificates and a sealed key fit with room).
inline constexpr std::size_t kMaxTlsRecordValueBytes = 64 * 1024;

class MAELSTROM_SDK_API Database : public Service {
public:
    ~Database() override;

    // ---- Components ----

    /// Optimistic put. component.version == 0 inserts (stored version 1) and throws AlreadyExists when the
    /// name exists; version N > 0 updates the row currently at version N (stored N + 1) and throws
    /// VersionConflict when the stored version differs or the row is gone. The stored JSON is the component
    /// as given with the new version; projectName and modifiedAt are stored as given.
    /// @return the stored version.
    virtual std::int64_t putComponent(const Component& component) = 0;
    virtual std::optional<Component> getComponent(const std::string& name) = 0;
    /// Removes the component and every event source whose componentName is `name`. @return whether it existed.
    virtual bool removeComponent(const std::string& name) = 0;
    /// Ordered by name ascending (byte order).
    virtual Page<Component> listComponents(const ComponentFilter& filter, const PageRequest& page) = 0;

    // ---- Event sources ----

    /// Same version rules as putComponent. A new row is enabled; an update never changes the enabled flag.
    /// The type column follows eventSource.type(); an event source without any sub-type is InvalidInput.
    virtual std::int64_t putEventSource(const EventSource& eventSource) = 0;
    virtual std::optional<EventSource> getEventSource(const std::string& name) = 0;
    virtual bool removeEventSource(const std::string& name) = 0;
    /// Ordered by name ascending.
    virtual Page<EventSourceWithStatus> listEventSources(const EventSourceFilter& filter, const PageRequest& page) = 0;
    /// Sets enabled on every matching event source whose flag differs (filter.enabled is ignored);
    /// version and modifiedAt stay. @return the names it changed, by name ascending.
    virtual std::vector<std::string> toggleEventSources(const EventSourceFilter& filter, bool enabled) = 0;

    // ---- Projects ----

    /// One entry per distinct component projectName matching the literal prefix, with its component count
    /// and the count of event sources carrying that projectName; ordered by projectName.
    virtual std::vector<ProjectInfo> listProjects(const std::string& namePrefix) = 0;
    /// Applies every change in one transaction; on any error nothing is changed and the error is rethrown
    /// (AlreadyExists / VersionConflict / Unavailable / PluginError).
    virtual void applyProjectChanges(const ProjectChanges& changes) = 0;

    // ---- Node status ----

    /// Inserts or replaces the row of status.nodeId (observedAt column = status.observedAt).
    virtual void putNodeStatus(const NodeStatus& status) = 0;
    /// Every stored row, ordered by nodeId.
    virtual std::vector<NodeStatus> listNodeStatus() = 0;
    virtual bool removeNodeStatus(const std::string& nodeId) = 0;
    /// Deletes rows whose observedAt < `observedBefore`. @return how many were deleted.
    virtual std::int64_t removeNodeStatusOlderThan(std::int64_t observedBefore) = 0;

    // ---- Role locks (cluster-wide leases) ----

    /// Takes the role when it is free or expired, renews it when `nodeId` holds it; otherwise reports the
    /// holder. Never lets two nodes hold an unexpired lease at once, whatever the concurrency.
    virtual RoleLease acquireOrRenewRole(const std::string& roleId, const std::string& nodeId,
                                         std::int64_t leaseMillis) = 0;
    /// Releases the role if `nodeId` holds it. @return whether a lease was released.
    virtual bool releaseRole(const std::string& roleId, const std::string& nodeId) = 0;
    /// Releases every role `nodeId` holds (on exit).
    virtual void releaseAllRoles(const std::string& nodeId) = 0;
    /// The current unexpired holder of a role, if any.
    virtual std::optional<RoleLease> roleHolder(const std::string& roleId) = 0;

    // ---- Component start counters ----

    /// Counts one successful start of (name, version). @return the new count.
    virtual std::int64_t incrementComponentStartCount(const std::string& name, std::int64_t version) = 0;
    /// The count for (name, version); zero values when never started.
    virtual ComponentStartCount componentStartCount(const std::string& name, std::int64_t version) = 0;

    // ---- TLS records (ACME account, pending challenges, certificates) ----

    /// Inserts or replaces the record (kind, name), stamping modifiedAt with the database call's time.
    /// An empty kind or name, or a value over kMaxTlsRecordValueBytes, is InvalidInput.
    virtual void putTlsRecord(const TlsRecord& record) = 0;
    virtual std::optional<TlsRecord> getTlsRecord(const std::string& kind, const std::string& name) = 0;
    /// Every record of `kind`, ordered by name ascending.
    virtual std::vector<TlsRecord> listTlsRecords(const std::string& kind) = 0;
    /// @return whether the record existed.
    virtual bool removeTlsRecord(const std::string& kind, const std::string& name) = 0;
};

} // namespace maelstrom::sdk
