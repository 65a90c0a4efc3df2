// call_metrics.h — calls the core makes into the database and container runtime plugins, counted by operation,
// with their failures by error class, on the private port's `/_mael/metrics`.
// SPDX-License-Identifier: Apache-2.0
//
// Names (the service registry hands out the counting wrappers below, so every caller in the core is counted):
//   maelstrom_database_calls_total{operation}              counter  calls into the database plugin
//   maelstrom_database_call_errors_total{operation,error}  counter  calls that threw, by error class
//   maelstrom_docker_calls_total{operation}                counter  calls into the container runtime plugin
//   maelstrom_docker_call_errors_total{operation,error}    counter  calls that threw, by error class
// operation: the plugin method in snake case (put_component, list_node_status, ensure_image, start, inspect...).
// error: invalid_config, invalid_input, not_found, already_exists, version_conflict, not_supported, unavailable,
// json, plugin_error, other (the SDK error class thrown; not_found and version_conflict are often expected
// answers, e.g. inspecting a container that is gone or a concurrent update, so dashboards may leave them out).
// Counting is a relaxed atomic increment per call and per failure; no lock.
// Thread-safety: every method is thread-safe.
#pragma once

#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/database.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>

namespace maelstrom::core {

/// The counters of one plugin's calls, one slot per operation.
class CallCounters {
public:
    static constexpr std::size_t kErrorClasses = 10;

    /// `family` is the name prefix ("maelstrom_database"), `what` the plugin named in the HELP text,
    /// `operations` the operation names (static strings), indexed by the `operation` arguments below.
    CallCounters(const char* family, const char* what, std::span<const char* const> operations);
    CallCounters(const CallCounters&) = delete;
    CallCounters& operator=(const CallCounters&) = delete;

    void called(std::size_t operation) noexcept;
    /// A call of `operation` threw `error` (classified by its SDK error class).
    void failed(std::size_t operation, const std::exception_ptr& error) noexcept;

    std::uint64_t calls(std::size_t operation) const noexcept;
    /// Failures of `operation` of every error class.
    std::uint64_t failures(std::size_t operation) const noexcept;

    /// Both families (HELP and TYPE always; samples of the operations called so far, errors only when non-zero).
    std::string render() const;

    /// Runs `call` as operation `operation`: counts it, and its failure when it throws (rethrown).
    template <class Call>
    decltype(auto) count(std::size_t operation, Call&& call) {
        called(operation);
        try {
            return call();
        } catch (...) {
            failed(operation, std::current_exception());
            throw;
        }
    }

private:
    struct Slot {
        std::atomic<std::uint64_t> calls{0};
        std::array<std::atomic<std::uint64_t>, kErrorClasses> errors{};
    };
    std::string family_;
    std::string what_;
    std::span<const char* const> operations_;
    std::unique_ptr<Slot[]> slots_;
};

/// The error class label of `error`: "not_found", "unavailable"... ("other" for anything not from the SDK).
const char* errorClassName(const std::exception_ptr& error) noexcept;

/// The database plugin with every call counted in `counters` (made by databaseCallCounters()).
class CountingDatabase final : public sdk::Database {
public:
    CountingDatabase(std::shared_ptr<sdk::Database> inner, std::shared_ptr<CallCounters> counters);

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

private:
    std::shared_ptr<sdk::Database> inner_;
    std::shared_ptr<CallCounters> counters_;
};

/// The container runtime plugin with every call counted in `counters` (made by dockerCallCounters()).
class CountingContainerRuntime final : public sdk::ContainerRuntime {
public:
    CountingContainerRuntime(std::shared_ptr<sdk::ContainerRuntime> inner, std::shared_ptr<CallCounters> counters);

    sdk::RuntimeCapabilities capabilities() const override;
    sdk::RuntimeInfo info() override;
    void ensureImage(const sdk::DockerComponent& docker, sdk::PullPolicy policy,
                     const sdk::PullProgress& progress) override;
    sdk::ContainerSummary start(const sdk::ContainerSpec& spec) override;
    void stop(const std::string& containerId, std::chrono::seconds grace) override;
    void remove(const std::string& containerId, bool force) override;
    sdk::ContainerSummary inspect(const std::string& containerId) override;
    std::vector<sdk::ContainerSummary> listManaged(bool all) override;
    sdk::ExecResult exec(const std::string& containerId, const std::vector<std::string>& argv,
                         std::chrono::seconds timeout) override;
    void logs(const std::string& containerId, const sdk::LogOptions& options,
              const std::function<void(const sdk::LogLine&)>& sink, std::stop_token stop) override;
    std::unique_ptr<sdk::Subscription> subscribe(std::function<void(const sdk::ContainerEvent&)> sink) override;
    sdk::PruneReport prune(const sdk::PruneOptions& options) override;
    void pause(const std::string& containerId) override;
    void unpause(const std::string& containerId) override;
    sdk::ContainerSummary create(const sdk::ContainerSpec& spec) override;
    sdk::ContainerSummary startCreated(const std::string& containerId) override;
    void shutdown() override;

private:
    std::shared_ptr<sdk::ContainerRuntime> inner_;
    std::shared_ptr<CallCounters> counters_;
};

/// Counters named maelstrom_database_* with the operations of CountingDatabase.
std::shared_ptr<CallCounters> databaseCallCounters();
/// Counters named maelstrom_docker_* with the operations of CountingContainerRuntime.
std::shared_ptr<CallCounters> dockerCallCounters();

} // namespace maelstrom::core
