// maelstrom_service.cpp — MaelstromService: validation, naming, project diff, database calls, notifications.
#include "api/maelstrom_service.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/rpc_transport.h>
#include <maelstrom/sdk/text.h>

#include <Poco/Logger.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace maelstrom::core {
namespace {

constexpr std::size_t kMaxProjectName = 20;
constexpr std::size_t kMaxComponentName = 60;
constexpr std::size_t kMaxEventSourceName = 60;

constexpr sdk::RpcCode kInvalid = sdk::RpcCode::InvalidInput;
constexpr sdk::RpcCode kExists = sdk::RpcCode::AlreadyExists;
constexpr sdk::RpcCode kNotFound = sdk::RpcCode::NotFound;
constexpr sdk::RpcCode kVersion = sdk::RpcCode::VersionConflict;
constexpr sdk::RpcCode kDbError = sdk::RpcCode::DatabaseError;

std::string ensureStartsWith(const std::string& prefix, const std::string& s) {
    return s.rfind(prefix, 0) == 0 ? s : prefix + s;
}

// Runs a database call and maps the plugin's errors to the API's codes. `op` names the operation as the
// reference's messages do ("PutComponent").
template <class F>
auto dbCall(const std::string& op, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const sdk::AlreadyExists&) {
        throw sdk::RpcError(kExists, op + ": already exists with key");
    } catch (const sdk::VersionConflict&) {
        throw sdk::RpcError(kVersion, op + ": previousVersion is incorrect");
    } catch (const sdk::InvalidInput& e) {
        // A value the database refused (too long for its column...): the caller's input, not a database failure.
        throw sdk::RpcError(kInvalid, op + ": " + e.what());
    } catch (const sdk::RpcError&) {
        throw;
    } catch (const std::exception& e) {
        Poco::Logger::get("maelstrom.api").error(op + " failed: " + e.what());
        throw sdk::RpcError(kDbError, op + " failed: " + e.what());
    }
}

void validateEventSource(const std::string& prefix, const sdk::EventSource& es) {
    validateName(prefix + ".name", es.name, kMaxEventSourceName);
    validateName(prefix + ".componentName", es.componentName, kMaxComponentName);
    if (!es.type()) {
        throw sdk::RpcError(kInvalid, "No event source sub-type provided (e.g. http)");
    }
    if (es.http && es.http->hostname.empty() && es.http->pathPrefix.empty()) {
        throw sdk::RpcError(kInvalid, prefix + " http.hostname or http.pathPrefix must be provided");
    }
    if (es.cron) {
        if (es.cron->http.method.empty()) {
            throw sdk::RpcError(kInvalid, prefix + " cron.http.method must be provided");
        }
        if (es.cron->http.path.empty()) {
            throw sdk::RpcError(kInvalid, prefix + " cron.http.path must be provided");
        }
    }
}

// Improvement over the reference (which crashes later): a component must say how to run it.
void requireDocker(const std::string& prefix, const sdk::Component& c) {
    if (!c.docker) {
        throw sdk::RpcError(kInvalid, prefix + ".docker is required");
    }
    if (sdk::trimSpace(c.docker->image).empty()) {
        throw sdk::RpcError(kInvalid, prefix + ".docker.image is required");
    }
}

} // namespace

std::string validateName(const std::string& prefix, const std::string& name, std::size_t maxLength) {
    const std::string trimmed(sdk::trimSpace(name));
    if (trimmed.empty()) {
        throw sdk::RpcError(kInvalid, prefix + " is required");
    }
    if (trimmed.size() > maxLength) {
        throw sdk::RpcError(kInvalid, prefix + " exceeds max length of " + std::to_string(maxLength) + " bytes");
    }
    for (unsigned char c : trimmed) {
        if (!(std::isalnum(c) || c == '_' || c == '-') || c > 127) {
            throw sdk::RpcError(kInvalid, prefix + " is invalid (only alpha-numeric chars, _ - are valid)");
        }
    }
    return trimmed;
}

MaelstromService::MaelstromService(std::shared_ptr<sdk::Database> database, DataChanges& changes, Clock clock)
    : database_(std::move(database)), changes_(changes), clock_(clock ? std::move(clock) : Clock(&sdk::unixMillis)) {}

void MaelstromService::notifyPut(const std::string& componentName) {
    ComponentChange change;
    change.kind = ComponentChange::Kind::ComponentPut;
    change.componentName = componentName;
    try {
        change.component = database_->getComponent(componentName);
    } catch (const std::exception& e) {
        Poco::Logger::get("maelstrom.api").error("notify put of " + componentName + ": cannot reload it: " + e.what());
    }
    if (change.component) {
        changes_.publish(change);
    }
}

void MaelstromService::notifyRemove(const std::string& componentName, bool found) {
    ComponentChange change;
    change.kind = ComponentChange::Kind::ComponentRemoved;
    change.componentName = componentName;
    change.found = found;
    changes_.publish(change);
}

// ---- Projects ----

std::vector<sdk::ProjectInfo> MaelstromService::listProjects(const std::string& namePrefix) {
    auto projects = dbCall("ListProjects", [&] { return database_->listProjects(sdk::asciiLower(namePrefix)); });
    std::sort(projects.begin(), projects.end(),
              [](const sdk::ProjectInfo& a, const sdk::ProjectInfo& b) { return a.projectName < b.projectName; });
    return projects;
}

sdk::Project MaelstromService::loadProject(const std::string& projectName) {
    sdk::Project project;
    project.name = projectName;
    const auto components = dbCall("ListComponents", [&] {
        return sdk::allPages<sdk::Component>([&](const sdk::PageRequest& page) {
            return database_->listComponents({"", projectName}, page);
        });
    });
    for (const auto& c : components) {
        sdk::ComponentWithEventSources entry;
        entry.component = c;
        entry.eventSources = dbCall("ListEventSources", [&] {
            return sdk::allPages<sdk::EventSourceWithStatus>([&](const sdk::PageRequest& page) {
                sdk::EventSourceFilter filter;
                filter.componentName = c.name;
                return database_->listEventSources(filter, page);
            });
        });
        project.components.push_back(std::move(entry));
    }
    return project;
}

namespace {

/// The names of a project's components and of its event sources.
struct ProjectNames {
    std::set<std::string> components;
    std::set<std::string> eventSources;
};

/// What is stored of a project, by name (event sources matched across components). Points into the
/// sdk::Project it was built from.
struct StoredProject {
    std::map<std::string, const sdk::Component*> components;
    std::map<std::string, const sdk::EventSourceWithStatus*> eventSources;
};

/// Naming, with projectName forced to the lowercased project name. Returns the (trimmed) project name.
std::string normalizeNames(sdk::Project& project) {
    project.name = sdk::asciiLower(project.name);
    const std::string projectName(sdk::trimSpace(project.name));
    const std::string prefix = projectName + "_";
    for (auto& c : project.components) {
        c.component.name = ensureStartsWith(prefix, sdk::asciiLower(sdk::trimSpace(c.component.name)));
        c.component.projectName = projectName;
        for (auto& es : c.eventSources) {
            es.eventSource.name = ensureStartsWith(prefix, sdk::asciiLower(sdk::trimSpace(es.eventSource.name)));
            es.eventSource.componentName = c.component.name;
            es.eventSource.projectName = projectName;
        }
    }
    return projectName;
}

/// Validation: nothing is written when any of it fails. Returns the names, each used once in the project.
ProjectNames validateProject(const sdk::Project& project) {
    validateName("input.project.name", project.name, kMaxProjectName);
    if (project.components.empty()) {
        throw sdk::RpcError(kInvalid, "input.project.components array cannot be empty");
    }
    ProjectNames names;
    for (std::size_t i = 0; i < project.components.size(); ++i) {
        const auto& c = project.components[i];
        const std::string cPrefix = "input.project.components[" + std::to_string(i) + "].component";
        validateName(cPrefix, c.component.name, kMaxComponentName);
        requireDocker(cPrefix, c.component);
        if (!names.components.insert(c.component.name).second) {
            throw sdk::RpcError(kInvalid, cPrefix + ": component name used twice in the project: " + c.component.name);
        }
        for (std::size_t j = 0; j < c.eventSources.size(); ++j) {
            const std::string esPrefix =
                "input.project.components[" + std::to_string(i) + "].eventSources[" + std::to_string(j) + "]";
            validateEventSource(esPrefix, c.eventSources[j].eventSource);
            if (!names.eventSources.insert(c.eventSources[j].eventSource.name).second) {
                throw sdk::RpcError(kInvalid, esPrefix + ": event source name used twice in the project: " +
                                                  c.eventSources[j].eventSource.name);
            }
        }
    }
    return names;
}

StoredProject indexStored(const sdk::Project& old) {
    StoredProject stored;
    for (const auto& c : old.components) {
        stored.components[c.component.name] = &c.component;
        for (const auto& es : c.eventSources) {
            stored.eventSources[es.eventSource.name] = &es;
        }
    }
    return stored;
}

/// Stored components and event sources the project no longer has. Returns the removed components.
std::set<std::string> diffRemovals(const StoredProject& stored, const ProjectNames& names, PutProjectResult& result,
                                   sdk::ProjectChanges& changes) {
    for (const auto& [name, component] : stored.components) {
        if (!names.components.count(name)) {
            result.componentsRemoved.push_back(name);
            changes.removeComponents.push_back(name);
        }
    }
    std::set<std::string> removedComponents(result.componentsRemoved.begin(), result.componentsRemoved.end());
    for (const auto& [name, es] : stored.eventSources) {
        // Event sources of removed components go with them (the database removes them with the component).
        if (!names.eventSources.count(name)) {
            result.eventSourcesRemoved.push_back(name);
            if (!removedComponents.count(es->eventSource.componentName)) {
                changes.removeEventSources.push_back(name);
            }
        }
    }
    return removedComponents;
}

/// A component of the project: added, updated (stamped `now`) or unchanged.
void diffComponent(const sdk::Component& wanted, const StoredProject& stored, std::int64_t now,
                   PutProjectResult& result, sdk::ProjectChanges& changes) {
    sdk::Component component = wanted;
    if (const auto it = stored.components.find(component.name); it != stored.components.end()) {
        component.version = it->second->version;
        component.modifiedAt = it->second->modifiedAt;
        if (!(component == *it->second)) {
            result.componentsUpdated.push_back(component);
            component.modifiedAt = now;
            changes.putComponents.push_back(component);
        }
    } else {
        component.version = 0;
        component.modifiedAt = 0;
        result.componentsAdded.push_back(component);
        component.modifiedAt = now;
        changes.putComponents.push_back(component);
    }
}

/// An event source of the project: added, updated (stamped `now`) or unchanged.
void diffEventSource(const sdk::EventSource& wanted, const StoredProject& stored,
                     const std::set<std::string>& removedComponents, std::int64_t now, PutProjectResult& result,
                     sdk::ProjectChanges& changes) {
    sdk::EventSource es = wanted;
    if (const auto it = stored.eventSources.find(es.name); it != stored.eventSources.end()) {
        const sdk::EventSource& storedEs = it->second->eventSource;
        es.version = storedEs.version;
        es.modifiedAt = storedEs.modifiedAt;
        // The enabled flag is not part of the comparison: putting a project never re-enables a
        // disabled event source, so an unchanged disabled one is not "updated".
        if (!(es == storedEs)) {
            result.eventSourcesUpdated.push_back(es);
            es.modifiedAt = now;
            // Its old component is removed in the same transaction, which removes it too: re-create it.
            if (removedComponents.count(storedEs.componentName)) {
                es.version = 0;
            }
            changes.putEventSources.push_back(es);
        }
    } else {
        es.version = 0;
        es.modifiedAt = 0;
        result.eventSourcesAdded.push_back(es);
        es.modifiedAt = now;
        changes.putEventSources.push_back(es);
    }
}

/// The components whose event sources the changes put or remove.
std::set<std::string> componentsWithEventSourceChanges(const sdk::ProjectChanges& changes,
                                                       const StoredProject& stored) {
    std::set<std::string> touched;
    for (const auto& es : changes.putEventSources) {
        touched.insert(es.componentName);
    }
    for (const auto& name : changes.removeEventSources) {
        touched.insert(stored.eventSources.at(name)->eventSource.componentName);
    }
    return touched;
}

} // namespace

PutProjectResult MaelstromService::putProject(sdk::Project project, bool diffOnly) {
    const std::string projectName = normalizeNames(project);
    const ProjectNames names = validateProject(project);

    // Diff against what is stored (event sources matched across components).
    const sdk::Project old = loadProject(projectName);
    const StoredProject stored = indexStored(old);
    PutProjectResult result;
    result.name = projectName;
    sdk::ProjectChanges changes;
    const std::set<std::string> removedComponents = diffRemovals(stored, names, result, changes);
    const std::int64_t now = clock_();
    for (const auto& c : project.components) {
        diffComponent(c.component, stored, now, result, changes);
        for (const auto& entry : c.eventSources) {
            diffEventSource(entry.eventSource, stored, removedComponents, now, result, changes);
        }
    }

    if (!diffOnly) {
        commitProjectChanges(changes, componentsWithEventSourceChanges(changes, stored));
    }
    return result;
}

void MaelstromService::commitProjectChanges(const sdk::ProjectChanges& changes,
                                            const std::set<std::string>& eventSourcesChangedOf) {
    // All of it in one transaction, then the subscribers are told.
    dbCall("PutProject", [&] { database_->applyProjectChanges(changes); });
    for (const auto& name : changes.removeComponents) {
        notifyRemove(name, true);
    }
    for (const auto& c : changes.putComponents) {
        notifyPut(c.name);
    }
    for (const auto& name : eventSourcesChangedOf) {
        ComponentChange change;
        change.kind = ComponentChange::Kind::EventSourcesChanged;
        change.componentName = name;
        changes_.publish(change);
    }
    changes_.settle();
}

sdk::Project MaelstromService::getProject(const std::string& name) {
    const std::string projectName = sdk::asciiLower(name);
    sdk::Project project = loadProject(projectName);
    if (project.components.empty()) {
        throw sdk::RpcError(kNotFound, "No Project found with name: " + projectName);
    }
    return project;
}

NameFound MaelstromService::removeProject(const std::string& name) {
    const std::string projectName = sdk::asciiLower(name);
    const auto components = dbCall("ListComponents", [&] {
        return sdk::allPages<sdk::Component>([&](const sdk::PageRequest& page) {
            return database_->listComponents({"", projectName}, page);
        });
    });
    sdk::ProjectChanges changes;
    for (const auto& c : components) {
        changes.removeComponents.push_back(c.name);
    }
    if (!changes.removeComponents.empty()) {
        dbCall("RemoveProject", [&] { database_->applyProjectChanges(changes); });
    }
    for (const auto& c : components) {
        notifyRemove(c.name, true);
    }
    changes_.settle();
    return {projectName, !components.empty()};
}

// ---- Components ----

NameVersion MaelstromService::putComponent(sdk::Component component) {
    component.name = sdk::asciiLower(component.name);
    component.projectName = sdk::asciiLower(sdk::trimSpace(component.projectName));
    component.name = validateName("input.name", component.name, kMaxComponentName);
    requireDocker("input.component", component);
    component.modifiedAt = clock_();
    const std::int64_t version = dbCall("PutComponent", [&] { return database_->putComponent(component); });
    notifyPut(component.name);
    changes_.settle();
    return {component.name, version};
}

sdk::Component MaelstromService::getComponent(const std::string& name) {
    const std::string key = sdk::asciiLower(name);
    auto component = dbCall("GetComponent", [&] { return database_->getComponent(key); });
    if (!component) {
        throw sdk::RpcError(kNotFound, "No Component found with name: " + key);
    }
    return *component;
}

NameFound MaelstromService::removeComponent(const std::string& name) {
    const std::string key = validateName("input.name", sdk::asciiLower(name), kMaxComponentName);
    const bool found = dbCall("RemoveComponent", [&] { return database_->removeComponent(key); });
    notifyRemove(key, found);
    changes_.settle();
    return {key, found};
}

sdk::Page<sdk::Component> MaelstromService::listComponents(const std::string& namePrefix,
                                                           const std::string& projectName,
                                                           const sdk::PageRequest& page) {
    return dbCall("ListComponents", [&] {
        return database_->listComponents({sdk::asciiLower(namePrefix), sdk::asciiLower(projectName)}, page);
    });
}

// ---- Event sources ----

NameVersion MaelstromService::putEventSource(sdk::EventSource es) {
    es.name = sdk::asciiLower(sdk::trimSpace(es.name));
    es.componentName = sdk::asciiLower(sdk::trimSpace(es.componentName));
    validateEventSource("input.eventSource", es);
    const auto component = dbCall("GetComponent", [&] { return database_->getComponent(es.componentName); });
    if (!component) {
        throw sdk::RpcError(kNotFound, "eventSource.component not found: " + es.componentName);
    }
    es.projectName = component->projectName;
    es.modifiedAt = clock_();
    const std::int64_t version = dbCall("PutEventSource", [&] { return database_->putEventSource(es); });
    ComponentChange change;
    change.kind = ComponentChange::Kind::EventSourcesChanged;
    change.componentName = es.componentName;
    changes_.publish(change);
    changes_.settle();
    return {es.name, version};
}

sdk::EventSource MaelstromService::getEventSource(const std::string& name) {
    const std::string key = sdk::asciiLower(name);
    auto es = dbCall("GetEventSource", [&] { return database_->getEventSource(key); });
    if (!es) {
        throw sdk::RpcError(kNotFound, "No event source found with name: " + key);
    }
    return *es;
}

NameFound MaelstromService::removeEventSource(const std::string& name) {
    const std::string key = validateName("input.name", sdk::asciiLower(name), kMaxEventSourceName);
    const auto existing = dbCall("GetEventSource", [&] { return database_->getEventSource(key); });
    const bool found = dbCall("RemoveEventSource", [&] { return database_->removeEventSource(key); });
    if (found && existing) {
        ComponentChange change;
        change.kind = ComponentChange::Kind::EventSourcesChanged;
        change.componentName = existing->componentName;
        changes_.publish(change);
    }
    changes_.settle();
    return {key, found};
}

sdk::EventSourceFilter MaelstromService::filterOf(const EventSourceQuery& query) const {
    sdk::EventSourceFilter filter;
    filter.namePrefix = sdk::asciiLower(query.namePrefix);
    filter.componentName = sdk::asciiLower(query.componentName);
    filter.projectName = sdk::asciiLower(query.projectName);
    if (!query.eventSourceType.empty()) {
        filter.type = sdk::eventSourceTypeFromName(sdk::asciiLower(query.eventSourceType));
        if (!filter.type) {
            throw sdk::RpcError(sdk::RpcCode::InvalidParams,
                                "Value '" + query.eventSourceType +
                                    "' not in enum values: 'http', 'cron', 'sqs', 'awsstepfunc'");
        }
    }
    return filter;
}

ToggleResult MaelstromService::toggleEventSources(bool enabled, const EventSourceQuery& query) {
    const auto filter = filterOf(query);
    ToggleResult result;
    result.enabled = enabled;
    result.eventSourceNames =
        dbCall("ToggleEventSources", [&] { return database_->toggleEventSources(filter, enabled); });
    if (!result.eventSourceNames.empty()) {
        ComponentChange change;
        change.kind = ComponentChange::Kind::EventSourcesChanged;
        change.componentName = filter.componentName; // may be "" (several components)
        changes_.publish(change);
    }
    changes_.settle();
    return result;
}

sdk::Page<sdk::EventSourceWithStatus> MaelstromService::listEventSources(const EventSourceQuery& query,
                                                                         const sdk::PageRequest& page) {
    const auto filter = filterOf(query);
    return dbCall("ListEventSources", [&] { return database_->listEventSources(filter, page); });
}

} // namespace maelstrom::core
