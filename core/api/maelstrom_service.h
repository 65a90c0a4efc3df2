// maelstrom_service.h — maelstrom core: MaelstromService, the control-plane API over the database plugin:
// projects, components and event sources with the reference's validation, naming, error codes and sort orders,
// plus our improvements: PutProject applies its diff in one transaction, forces projectName to the lowercased
// project name, matches event sources across components (an event source may move), and does not report an
// unchanged disabled event source as updated.
// Errors are sdk::RpcError with the reference's codes (1001 invalid, 1002 exists, 1003 not found, 1004 version,
// -32001 database). Every write publishes its changes (DataChanges) and settles them before it returns, so
// this node routes by the new data from its next request on. Thread-safe: no state besides the database, which
// is thread-safe.
#pragma once

#include "api/data_changes.h"

#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/model.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace maelstrom::core {

struct PutProjectResult {
    std::string name;
    std::vector<sdk::Component> componentsAdded;
    std::vector<sdk::Component> componentsUpdated;
    std::vector<std::string> componentsRemoved;
    std::vector<sdk::EventSource> eventSourcesAdded;
    std::vector<sdk::EventSource> eventSourcesUpdated;
    std::vector<std::string> eventSourcesRemoved;
};

struct NameVersion {
    std::string name;
    std::int64_t version = 0;
};

struct NameFound {
    std::string name;
    bool found = false;
};

struct ToggleResult {
    bool enabled = false;
    std::vector<std::string> eventSourceNames;
};

struct EventSourceQuery {
    std::string namePrefix;
    std::string componentName;
    std::string projectName;
    std::string eventSourceType; ///< "" or http/cron/sqs/awsstepfunc
};

/// Validates a name as the original maelstrom does (trim, required, max bytes, [a-zA-Z0-9_-]).
/// @return the trimmed name. @throws sdk::RpcError(1001, "<prefix> is required" | ...)
std::string validateName(const std::string& prefix, const std::string& name, std::size_t maxLength);

class MaelstromService {
public:
    using Clock = std::function<std::int64_t()>; ///< Unix ms

    MaelstromService(std::shared_ptr<sdk::Database> database, DataChanges& changes, Clock clock = {});

    std::vector<sdk::ProjectInfo> listProjects(const std::string& namePrefix);
    PutProjectResult putProject(sdk::Project project, bool diffOnly);
    sdk::Project getProject(const std::string& name);
    NameFound removeProject(const std::string& name);

    NameVersion putComponent(sdk::Component component);
    sdk::Component getComponent(const std::string& name);
    NameFound removeComponent(const std::string& name);
    sdk::Page<sdk::Component> listComponents(const std::string& namePrefix, const std::string& projectName,
                                             const sdk::PageRequest& page);

    NameVersion putEventSource(sdk::EventSource eventSource);
    sdk::EventSource getEventSource(const std::string& name);
    NameFound removeEventSource(const std::string& name);
    ToggleResult toggleEventSources(bool enabled, const EventSourceQuery& query);
    sdk::Page<sdk::EventSourceWithStatus> listEventSources(const EventSourceQuery& query, const sdk::PageRequest& page);

private:
    sdk::Project loadProject(const std::string& projectName);
    /// Applies a project's changes in one transaction, then publishes them and settles: removed and put
    /// components, and EventSourcesChanged for each of `eventSourcesChangedOf`.
    void commitProjectChanges(const sdk::ProjectChanges& changes, const std::set<std::string>& eventSourcesChangedOf);
    sdk::EventSourceFilter filterOf(const EventSourceQuery& query) const;
    void notifyPut(const std::string& componentName);
    void notifyRemove(const std::string& componentName, bool found);

    std::shared_ptr<sdk::Database> database_;
    DataChanges& changes_;
    Clock clock_;
};

} // namespace maelstrom::core
