// fake_database.cpp — see fake_database.h.
// SPDX-License-Identifier: Apache-2.0
#include "fake_database.h"

#include <maelstrom/sdk/errors.h>

#include <set>

namespace maelstrom::testing {

namespace {

bool hasPrefix(const std::string& name, const std::string& prefix) {
    return name.compare(0, prefix.size(), prefix) == 0;
}

/// One page of `rows` (keyed and ordered by name) keeping the rows for which `keep` holds; the next token is the
/// name of the last row returned when more rows follow.
template <class Row, class Map, class Keep>
sdk::Page<Row> pageOf(const Map& rows, const sdk::PageRequest& page, Keep keep) {
    const auto limit = static_cast<std::size_t>(sdk::clampPageLimit(page.limit));
    sdk::Page<Row> out;
    std::string lastName;
    for (auto it = page.nextToken.empty() ? rows.begin() : rows.upper_bound(page.nextToken); it != rows.end(); ++it) {
        if (!keep(it->second)) {
            continue;
        }
        if (out.items.size() == limit) {
            out.nextToken = lastName;
            break;
        }
        out.items.push_back(it->second);
        lastName = it->first;
    }
    return out;
}

} // namespace

void FakeDatabase::setUnavailable(bool unavailable) {
    std::lock_guard lock(mutex_);
    unavailable_ = unavailable;
}

void FakeDatabase::checkAvailableLocked() const {
    if (unavailable_) {
        throw sdk::Unavailable("fake database: the server is not answering");
    }
}

std::int64_t FakeDatabase::putComponentIn(Tables& tables, const sdk::Component& component) {
    const auto it = tables.components.find(component.name);
    if (component.version == 0) {
        if (it != tables.components.end()) {
            throw sdk::AlreadyExists("component already exists: " + component.name);
        }
    } else if (it == tables.components.end() || it->second.version != component.version) {
        throw sdk::VersionConflict("component " + component.name + " is not at version " +
                                   std::to_string(component.version));
    }
    sdk::Component stored = component;
    stored.version = component.version + 1;
    tables.components[component.name] = stored;
    return stored.version;
}

std::int64_t FakeDatabase::putEventSourceIn(Tables& tables, const sdk::EventSource& eventSource) {
    if (!eventSource.type()) {
        throw sdk::InvalidInput("event source " + eventSource.name + " has no type");
    }
    const auto it = tables.eventSources.find(eventSource.name);
    if (eventSource.version == 0) {
        if (it != tables.eventSources.end()) {
            throw sdk::AlreadyExists("event source already exists: " + eventSource.name);
        }
    } else if (it == tables.eventSources.end() || it->second.eventSource.version != eventSource.version) {
        throw sdk::VersionConflict("event source " + eventSource.name + " is not at version " +
                                   std::to_string(eventSource.version));
    }
    const bool enabled = it == tables.eventSources.end() || it->second.enabled;
    sdk::EventSourceWithStatus row{eventSource, enabled};
    row.eventSource.version = eventSource.version + 1;
    tables.eventSources[eventSource.name] = row;
    return row.eventSource.version;
}

bool FakeDatabase::removeComponentIn(Tables& tables, const std::string& name) {
    const bool existed = tables.components.erase(name) > 0;
    std::erase_if(tables.eventSources,
                  [&](const auto& entry) { return entry.second.eventSource.componentName == name; });
    return existed;
}

bool FakeDatabase::matches(const sdk::EventSourceFilter& filter, const sdk::EventSourceWithStatus& row) {
    const sdk::EventSource& es = row.eventSource;
    return hasPrefix(es.name, filter.namePrefix) &&
           (filter.componentName.empty() || es.componentName == filter.componentName) &&
           (filter.projectName.empty() || es.projectName == filter.projectName) &&
           (!filter.type || es.type() == filter.type) && (!filter.enabled || *filter.enabled == row.enabled);
}

std::int64_t FakeDatabase::putComponent(const sdk::Component& component) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    return putComponentIn(tables_, component);
}

std::optional<sdk::Component> FakeDatabase::getComponent(const std::string& name) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    const auto it = tables_.components.find(name);
    return it == tables_.components.end() ? std::nullopt : std::optional(it->second);
}

bool FakeDatabase::removeComponent(const std::string& name) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    return removeComponentIn(tables_, name);
}

sdk::Page<sdk::Component> FakeDatabase::listComponents(const sdk::ComponentFilter& filter,
                                                       const sdk::PageRequest& page) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    return pageOf<sdk::Component>(tables_.components, page, [&](const sdk::Component& c) {
        return hasPrefix(c.name, filter.namePrefix) &&
               (filter.projectName.empty() || c.projectName == filter.projectName);
    });
}

std::int64_t FakeDatabase::putEventSource(const sdk::EventSource& eventSource) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    return putEventSourceIn(tables_, eventSource);
}

std::optional<sdk::EventSource> FakeDatabase::getEventSource(const std::string& name) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    const auto it = tables_.eventSources.find(name);
    return it == tables_.eventSources.end() ? std::nullopt : std::optional(it->second.eventSource);
}

bool FakeDatabase::removeEventSource(const std::string& name) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    return tables_.eventSources.erase(name) > 0;
}

sdk::Page<sdk::EventSourceWithStatus> FakeDatabase::listEventSources(const sdk::EventSourceFilter& filter,
                                                                     const sdk::PageRequest& page) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    return pageOf<sdk::EventSourceWithStatus>(
        tables_.eventSources, page, [&](const sdk::EventSourceWithStatus& row) { return matches(filter, row); });
}

std::vector<std::string> FakeDatabase::toggleEventSources(const sdk::EventSourceFilter& filter, bool enabled) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    sdk::EventSourceFilter any = filter;
    any.enabled.reset();
    std::vector<std::string> changed;
    for (auto& [name, row] : tables_.eventSources) {
        if (matches(any, row) && row.enabled != enabled) {
            row.enabled = enabled;
            changed.push_back(name);
        }
    }
    return changed;
}

std::vector<sdk::ProjectInfo> FakeDatabase::listProjects(const std::string& namePrefix) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    std::map<std::string, sdk::ProjectInfo> projects;
    for (const auto& [name, c] : tables_.components) {
        if (!c.projectName.empty() && hasPrefix(c.projectName, namePrefix)) {
            auto& info = projects[c.projectName];
            info.projectName = c.projectName;
            ++info.componentCount;
        }
    }
    for (const auto& [name, row] : tables_.eventSources) {
        if (const auto it = projects.find(row.eventSource.projectName); it != projects.end()) {
            ++it->second.eventSourceCount;
        }
    }
    std::vector<sdk::ProjectInfo> out;
    for (auto& [name, info] : projects) {
        out.push_back(info);
    }
    return out;
}

void FakeDatabase::applyProjectChanges(const sdk::ProjectChanges& changes) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    Tables next = tables_;
    for (const auto& name : changes.removeComponents) {
        removeComponentIn(next, name);
    }
    for (const auto& name : changes.removeEventSources) {
        next.eventSources.erase(name);
    }
    for (const auto& c : changes.putComponents) {
        putComponentIn(next, c);
    }
    for (const auto& es : changes.putEventSources) {
        putEventSourceIn(next, es);
    }
    tables_ = std::move(next);
}

void FakeDatabase::putNodeStatus(const sdk::NodeStatus& status) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    tables_.nodes[status.nodeId] = status;
}

std::vector<sdk::NodeStatus> FakeDatabase::listNodeStatus() {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    std::vector<sdk::NodeStatus> out;
    for (const auto& [id, status] : tables_.nodes) {
        out.push_back(status);
    }
    return out;
}

bool FakeDatabase::removeNodeStatus(const std::string& nodeId) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    return tables_.nodes.erase(nodeId) > 0;
}

std::int64_t FakeDatabase::removeNodeStatusOlderThan(std::int64_t observedBefore) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    return static_cast<std::int64_t>(
        std::erase_if(tables_.nodes, [&](const auto& entry) { return entry.second.observedAt < observedBefore; }));
}

sdk::RoleLease FakeDatabase::acquireOrRenewRole(const std::string& roleId, const std::string& nodeId,
                                                std::int64_t leaseMillis) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    const std::int64_t now = clock_.unixMillis();
    auto& lease = tables_.roles[roleId];
    if (lease.holderNodeId.empty() || lease.holderNodeId == nodeId || lease.expiresAt <= now) {
        lease = sdk::RoleLease{true, nodeId, now + leaseMillis};
        return lease;
    }
    return sdk::RoleLease{false, lease.holderNodeId, lease.expiresAt};
}

bool FakeDatabase::releaseRole(const std::string& roleId, const std::string& nodeId) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    const auto it = tables_.roles.find(roleId);
    if (it == tables_.roles.end() || it->second.holderNodeId != nodeId) {
        return false;
    }
    tables_.roles.erase(it);
    return true;
}

void FakeDatabase::releaseAllRoles(const std::string& nodeId) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    std::erase_if(tables_.roles, [&](const auto& entry) { return entry.second.holderNodeId == nodeId; });
}

std::optional<sdk::RoleLease> FakeDatabase::roleHolder(const std::string& roleId) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    const auto it = tables_.roles.find(roleId);
    if (it == tables_.roles.end() || it->second.expiresAt <= clock_.unixMillis()) {
        return std::nullopt;
    }
    return sdk::RoleLease{false, it->second.holderNodeId, it->second.expiresAt};
}

std::int64_t FakeDatabase::incrementComponentStartCount(const std::string& name, std::int64_t version) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    const std::int64_t now = clock_.unixMillis();
    auto& count = tables_.starts[{name, version}];
    if (count.startCount == 0) {
        count.firstStartedAt = now;
    }
    count.lastStartedAt = now;
    return ++count.startCount;
}

sdk::ComponentStartCount FakeDatabase::componentStartCount(const std::string& name, std::int64_t version) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    const auto it = tables_.starts.find({name, version});
    return it == tables_.starts.end() ? sdk::ComponentStartCount{} : it->second;
}

void FakeDatabase::putTlsRecord(const sdk::TlsRecord& record) {
    if (record.kind.empty() || record.name.empty()) {
        throw sdk::InvalidInput("a TLS record needs a kind and a name");
    }
    if (record.value.size() > sdk::kMaxTlsRecordValueBytes) {
        throw sdk::InvalidInput("TLS record " + record.kind + " '" + record.name + "' is too large to store");
    }
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    sdk::TlsRecord stored = record;
    stored.modifiedAt = clock_.unixMillis();
    tables_.tlsRecords[{record.kind, record.name}] = std::move(stored);
}

std::optional<sdk::TlsRecord> FakeDatabase::getTlsRecord(const std::string& kind, const std::string& name) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    const auto it = tables_.tlsRecords.find({kind, name});
    if (it == tables_.tlsRecords.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::vector<sdk::TlsRecord> FakeDatabase::listTlsRecords(const std::string& kind) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    std::vector<sdk::TlsRecord> out;
    for (auto it = tables_.tlsRecords.lower_bound({kind, ""});
         it != tables_.tlsRecords.end() && it->first.first == kind; ++it) {
        out.push_back(it->second);
    }
    return out;
}

bool FakeDatabase::removeTlsRecord(const std::string& kind, const std::string& name) {
    std::lock_guard lock(mutex_);
    checkAvailableLocked();
    return tables_.tlsRecords.erase({kind, name}) > 0;
}

} // namespace maelstrom::testing
