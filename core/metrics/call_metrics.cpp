// call_metrics.cpp — see call_metrics.h.
// SPDX-License-Identifier: Apache-2.0
#include "metrics/call_metrics.h"

#include "metrics/prometheus_text.h"

#include <maelstrom/sdk/errors.h>

namespace maelstrom::core {
namespace {

constexpr std::array<const char*, CallCounters::kErrorClasses> kErrorClassNames = {
    "invalid_config", "invalid_input", "not_found", "already_exists", "version_conflict",
    "not_supported",  "unavailable",   "json",      "plugin_error",   "other"};

std::size_t errorClassIndex(const std::exception_ptr& error) noexcept {
    try {
        std::rethrow_exception(error);
    } catch (const sdk::InvalidConfig&) {
        return 0;
    } catch (const sdk::InvalidInput&) {
        return 1;
    } catch (const sdk::NotFound&) {
        return 2;
    } catch (const sdk::AlreadyExists&) {
        return 3;
    } catch (const sdk::VersionConflict&) {
        return 4;
    } catch (const sdk::NotSupported&) {
        return 5;
    } catch (const sdk::Unavailable&) {
        return 6;
    } catch (const sdk::JsonError&) {
        return 7;
    } catch (const sdk::PluginError&) {
        return 8;
    } catch (...) {
        return 9;
    }
}

enum DatabaseOp : std::size_t {
    PutComponent,
    GetComponent,
    RemoveComponent,
    ListComponents,
    PutEventSource,
    GetEventSource,
    RemoveEventSource,
    ListEventSources,
    ToggleEventSources,
    ListProjects,
    ApplyProjectChanges,
    PutNodeStatus,
    ListNodeStatus,
    RemoveNodeStatus,
    RemoveNodeStatusOlderThan,
    AcquireOrRenewRole,
    ReleaseRole,
    ReleaseAllRoles,
    RoleHolder,
    IncrementComponentStartCount,
    ComponentStartCountOp,
    PutTlsRecord,
    GetTlsRecord,
    ListTlsRecords,
    RemoveTlsRecord,
};
constexpr std::array<const char*, 25> kDatabaseOps = {"put_component",
                                                      "get_component",
                                                      "remove_component",
                                                      "list_components",
                                                      "put_event_source",
                                                      "get_event_source",
                                                      "remove_event_source",
                                                      "list_event_sources",
                                                      "toggle_event_sources",
                                                      "list_projects",
                                                      "apply_project_changes",
                                                      "put_node_status",
                                                      "list_node_status",
                                                      "remove_node_status",
                                                      "remove_node_status_older_than",
                                                      "acquire_or_renew_role",
                                                      "release_role",
                                                      "release_all_roles",
                                                      "role_holder",
                                                      "increment_component_start_count",
                                                      "component_start_count",
                                                      "put_tls_record",
                                                      "get_tls_record",
                                                      "list_tls_records",
                                                      "remove_tls_record"};

enum DockerOp : std::size_t {
    Info,
    EnsureImage,
    Start,
    Stop,
    Remove,
    Inspect,
    ListManaged,
    Exec,
    Logs,
    Subscribe,
    Prune,
    Pause,
    Unpause,
    Create,
    StartCreated,
};
constexpr std::array<const char*, 15> kDockerOps = {"info",    "ensure_image", "start",   "stop",   "remove",
                                                    "inspect", "list_managed", "exec",    "logs",   "subscribe",
                                                    "prune",   "pause",        "unpause", "create", "start_created"};

} // namespace

const char* errorClassName(const std::exception_ptr& error) noexcept {
    return kErrorClassNames[errorClassIndex(error)];
}

CallCounters::CallCounters(const char* family, const char* what, std::span<const char* const> operations)
    : family_(family), what_(what), operations_(operations), slots_(new Slot[operations.size()]) {}

void CallCounters::called(std::size_t operation) noexcept {
    slots_[operation].calls.fetch_add(1, std::memory_order_relaxed);
}

void CallCounters::failed(std::size_t operation, const std::exception_ptr& error) noexcept {
    slots_[operation].errors[errorClassIndex(error)].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t CallCounters::calls(std::size_t operation) const noexcept {
    return slots_[operation].calls.load(std::memory_order_relaxed);
}

std::uint64_t CallCounters::failures(std::size_t operation) const noexcept {
    std::uint64_t total = 0;
    for (const auto& n : slots_[operation].errors) {
        total += n.load(std::memory_order_relaxed);
    }
    return total;
}

std::string CallCounters::render() const {
    std::string out;
    const std::string calls = family_ + "_calls_total";
    const std::string errors = family_ + "_call_errors_total";
    prometheus::header(out, calls.c_str(), "counter", ("Calls into the " + what_ + " plugin, by operation.").c_str());
    for (std::size_t op = 0; op < operations_.size(); ++op) {
        const std::uint64_t n = slots_[op].calls.load(std::memory_order_relaxed);
        if (n != 0) {
            prometheus::sample(out, calls, std::string("operation=\"") + operations_[op] + "\"", n);
        }
    }
    prometheus::header(out, errors.c_str(), "counter",
                       ("Calls into the " + what_ + " plugin that failed, by operation and error class.").c_str());
    for (std::size_t op = 0; op < operations_.size(); ++op) {
        for (std::size_t e = 0; e < kErrorClasses; ++e) {
            const std::uint64_t n = slots_[op].errors[e].load(std::memory_order_relaxed);
            if (n != 0) {
                prometheus::sample(
                    out, errors,
                    std::string("operation=\"") + operations_[op] + "\",error=\"" + kErrorClassNames[e] + "\"", n);
            }
        }
    }
    return out;
}

std::shared_ptr<CallCounters> databaseCallCounters() {
    return std::make_shared<CallCounters>("maelstrom_database", "database", kDatabaseOps);
}

std::shared_ptr<CallCounters> dockerCallCounters() {
    return std::make_shared<CallCounters>("maelstrom_docker", "container runtime", kDockerOps);
}

// ---- CountingDatabase ----

CountingDatabase::CountingDatabase(std::shared_ptr<sdk::Database> inner, std::shared_ptr<CallCounters> counters)
    : inner_(std::move(inner)), counters_(std::move(counters)) {}

std::int64_t CountingDatabase::putComponent(const sdk::Component& component) {
    return counters_->count(PutComponent, [&] { return inner_->putComponent(component); });
}
std::optional<sdk::Component> CountingDatabase::getComponent(const std::string& name) {
    return counters_->count(GetComponent, [&] { return inner_->getComponent(name); });
}
bool CountingDatabase::removeComponent(const std::string& name) {
    return counters_->count(RemoveComponent, [&] { return inner_->removeComponent(name); });
}
sdk::Page<sdk::Component> CountingDatabase::listComponents(const sdk::ComponentFilter& filter,
                                                           const sdk::PageRequest& page) {
    return counters_->count(ListComponents, [&] { return inner_->listComponents(filter, page); });
}
std::int64_t CountingDatabase::putEventSource(const sdk::EventSource& eventSource) {
    return counters_->count(PutEventSource, [&] { return inner_->putEventSource(eventSource); });
}
std::optional<sdk::EventSource> CountingDatabase::getEventSource(const std::string& name) {
    return counters_->count(GetEventSource, [&] { return inner_->getEventSource(name); });
}
bool CountingDatabase::removeEventSource(const std::string& name) {
    return counters_->count(RemoveEventSource, [&] { return inner_->removeEventSource(name); });
}
sdk::Page<sdk::EventSourceWithStatus> CountingDatabase::listEventSources(const sdk::EventSourceFilter& filter,
                                                                         const sdk::PageRequest& page) {
    return counters_->count(ListEventSources, [&] { return inner_->listEventSources(filter, page); });
}
std::vector<std::string> CountingDatabase::toggleEventSources(const sdk::EventSourceFilter& filter, bool enabled) {
    return counters_->count(ToggleEventSources, [&] { return inner_->toggleEventSources(filter, enabled); });
}
std::vector<sdk::ProjectInfo> CountingDatabase::listProjects(const std::string& namePrefix) {
    return counters_->count(ListProjects, [&] { return inner_->listProjects(namePrefix); });
}
void CountingDatabase::applyProjectChanges(const sdk::ProjectChanges& changes) {
    counters_->count(ApplyProjectChanges, [&] { inner_->applyProjectChanges(changes); });
}
void CountingDatabase::putNodeStatus(const sdk::NodeStatus& status) {
    counters_->count(PutNodeStatus, [&] { inner_->putNodeStatus(status); });
}
std::vector<sdk::NodeStatus> CountingDatabase::listNodeStatus() {
    return counters_->count(ListNodeStatus, [&] { return inner_->listNodeStatus(); });
}
bool CountingDatabase::removeNodeStatus(const std::string& nodeId) {
    return counters_->count(RemoveNodeStatus, [&] { return inner_->removeNodeStatus(nodeId); });
}
std::int64_t CountingDatabase::removeNodeStatusOlderThan(std::int64_t observedBefore) {
    return counters_->count(RemoveNodeStatusOlderThan,
                            [&] { return inner_->removeNodeStatusOlderThan(observedBefore); });
}
sdk::RoleLease CountingDatabase::acquireOrRenewRole(const std::string& roleId, const std::string& nodeId,
                                                    std::int64_t leaseMillis) {
    return counters_->count(AcquireOrRenewRole,
                            [&] { return inner_->acquireOrRenewRole(roleId, nodeId, leaseMillis); });
}
bool CountingDatabase::releaseRole(const std::string& roleId, const std::string& nodeId) {
    return counters_->count(ReleaseRole, [&] { return inner_->releaseRole(roleId, nodeId); });
}
void CountingDatabase::releaseAllRoles(const std::string& nodeId) {
    counters_->count(ReleaseAllRoles, [&] { inner_->releaseAllRoles(nodeId); });
}
std::optional<sdk::RoleLease> CountingDatabase::roleHolder(const std::string& roleId) {
    return counters_->count(RoleHolder, [&] { return inner_->roleHolder(roleId); });
}
std::int64_t CountingDatabase::incrementComponentStartCount(const std::string& name, std::int64_t version) {
    return counters_->count(IncrementComponentStartCount,
                            [&] { return inner_->incrementComponentStartCount(name, version); });
}
sdk::ComponentStartCount CountingDatabase::componentStartCount(const std::string& name, std::int64_t version) {
    return counters_->count(ComponentStartCountOp, [&] { return inner_->componentStartCount(name, version); });
}
void CountingDatabase::putTlsRecord(const sdk::TlsRecord& record) {
    counters_->count(PutTlsRecord, [&] { inner_->putTlsRecord(record); });
}
std::optional<sdk::TlsRecord> CountingDatabase::getTlsRecord(const std::string& kind, const std::string& name) {
    return counters_->count(GetTlsRecord, [&] { return inner_->getTlsRecord(kind, name); });
}
std::vector<sdk::TlsRecord> CountingDatabase::listTlsRecords(const std::string& kind) {
    return counters_->count(ListTlsRecords, [&] { return inner_->listTlsRecords(kind); });
}
bool CountingDatabase::removeTlsRecord(const std::string& kind, const std::string& name) {
    return counters_->count(RemoveTlsRecord, [&] { return inner_->removeTlsRecord(kind, name); });
}
void CountingDatabase::shutdown() { inner_->shutdown(); }

// ---- CountingContainerRuntime ----

CountingContainerRuntime::CountingContainerRuntime(std::shared_ptr<sdk::ContainerRuntime> inner,
                                                   std::shared_ptr<CallCounters> counters)
    : inner_(std::move(inner)), counters_(std::move(counters)) {}

sdk::RuntimeCapabilities CountingContainerRuntime::capabilities() const { return inner_->capabilities(); }
sdk::RuntimeInfo CountingContainerRuntime::info() {
    return counters_->count(Info, [&] { return inner_->info(); });
}
void CountingContainerRuntime::ensureImage(const sdk::DockerComponent& docker, sdk::PullPolicy policy,
                                           const sdk::PullProgress& progress) {
    counters_->count(EnsureImage, [&] { inner_->ensureImage(docker, policy, progress); });
}
sdk::ContainerSummary CountingContainerRuntime::start(const sdk::ContainerSpec& spec) {
    return counters_->count(Start, [&] { return inner_->start(spec); });
}
void CountingContainerRuntime::stop(const std::string& containerId, std::chrono::seconds grace) {
    counters_->count(Stop, [&] { inner_->stop(containerId, grace); });
}
void CountingContainerRuntime::remove(const std::string& containerId, bool force) {
    counters_->count(Remove, [&] { inner_->remove(containerId, force); });
}
sdk::ContainerSummary CountingContainerRuntime::inspect(const std::string& containerId) {
    return counters_->count(Inspect, [&] { return inner_->inspect(containerId); });
}
std::vector<sdk::ContainerSummary> CountingContainerRuntime::listManaged(bool all) {
    return counters_->count(ListManaged, [&] { return inner_->listManaged(all); });
}
sdk::ExecResult CountingContainerRuntime::exec(const std::string& containerId, const std::vector<std::string>& argv,
                                               std::chrono::seconds timeout) {
    return counters_->count(Exec, [&] { return inner_->exec(containerId, argv, timeout); });
}
void CountingContainerRuntime::logs(const std::string& containerId, const sdk::LogOptions& options,
                                    const std::function<void(const sdk::LogLine&)>& sink, std::stop_token stop) {
    counters_->count(Logs, [&] { inner_->logs(containerId, options, sink, std::move(stop)); });
}
std::unique_ptr<sdk::Subscription>
CountingContainerRuntime::subscribe(std::function<void(const sdk::ContainerEvent&)> sink) {
    return counters_->count(Subscribe, [&] { return inner_->subscribe(std::move(sink)); });
}
sdk::PruneReport CountingContainerRuntime::prune(const sdk::PruneOptions& options) {
    return counters_->count(Prune, [&] { return inner_->prune(options); });
}
void CountingContainerRuntime::pause(const std::string& containerId) {
    counters_->count(Pause, [&] { inner_->pause(containerId); });
}
void CountingContainerRuntime::unpause(const std::string& containerId) {
    counters_->count(Unpause, [&] { inner_->unpause(containerId); });
}
sdk::ContainerSummary CountingContainerRuntime::create(const sdk::ContainerSpec& spec) {
    return counters_->count(Create, [&] { return inner_->create(spec); });
}
sdk::ContainerSummary CountingContainerRuntime::startCreated(const std::string& containerId) {
    return counters_->count(StartCreated, [&] { return inner_->startCreated(containerId); });
}
void CountingContainerRuntime::shutdown() { inner_->shutdown(); }

} // namespace maelstrom::core
