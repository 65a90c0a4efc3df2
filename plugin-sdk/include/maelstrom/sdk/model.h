// model.h — maelstrom SDK: the domain model (components, event sources, projects, node status).
// SPDX-License-Identifier: Apache-2.0
//
// These are the wire structures of the reference API, field for field, with
// C++ names equal to the JSON keys. Values are stored as given: defaults ("<= 0 means 300") are applied
// where a value is used, through the effective*() helpers at the bottom, never written back.
// Times are Unix milliseconds. json.h converts every type to and from JSON.
#pragma once

#include <maelstrom/sdk/export.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace maelstrom::sdk {

struct NameValue {
    std::string name;
    std::string value;
    bool operator==(const NameValue&) const = default;
};

struct VolumeMount {
    std::string type; ///< "bind" (default when empty), "volume", "tmpfs"
    std::string source;
    std::string target;
    bool readOnly = false;
    bool operator==(const VolumeMount&) const = default;
};

/// How to run a component's container (the original's DockerComponent).
struct DockerComponent {
    std::string image;
    std::vector<std::string> command;
    std::vector<std::string> entrypoint;
    std::int64_t httpPort = 0;
    std::string httpHealthCheckPath;
    std::int64_t httpStartHealthCheckSeconds = 0; ///< 0 → 60, < 0 → skip the start check
    std::int64_t httpHealthCheckSeconds = 0;      ///< <= 0 → 10
    std::int64_t httpHealthCheckMaxFailures = 0;  ///< <= 0 → 1
    std::vector<std::string> healthCheckFailedCommand;
    std::int64_t idleTimeoutSeconds = 0; ///< <= 0 → 300
    /// After idleTimeoutSeconds, freeze one instance (the runtime's pause) instead of stopping it, so the next
    /// request wakes it in milliseconds; ignored when the runtime cannot pause.
    bool idlePause = false;
    std::int64_t pausedTimeoutSeconds = 0; ///< how long an instance stays paused before it is stopped; <= 0 → 1800
    std::vector<std::string> ports;
    std::vector<VolumeMount> volumes;
    std::string networkName;
    std::string logDriver;
    std::vector<NameValue> logDriverOptions;
    std::int64_t cpuShares = 0;
    std::int64_t reserveMemoryMiB = 0; ///< <= 0 → 128
    std::int64_t limitMemoryMiB = 0;
    std::vector<std::string> pullCommand;
    std::string pullUsername;
    std::string pullPassword;
    bool pullImageOnPut = false;
    bool pullImageOnStart = false;
    std::vector<std::string> dns;
    std::vector<std::string> dnsOptions;
    std::vector<std::string> dnsSearch;
    std::vector<std::string> ulimits; ///< "name=soft[:hard]"
    bool init = false;
    std::string hostname;
    std::string domainname;
    std::string user;
    std::vector<std::string> capadd;
    std::vector<std::string> capdrop;
    bool operator==(const DockerComponent&) const = default;
};

/// Values of Component::startParallelism (the wire spelling; the enum below is what code decides on).
inline constexpr const char* kStartParallelismValues[] = {"parallel", "series", "seriesfirst"};
/// Values of Component::restartOrder.
inline constexpr const char* kRestartOrderValues[] = {"startstop", "stopstart"};

/// How the instances of a new version start across the cluster.
enum class StartParallelism {
    Parallel,    ///< every node starts at once
    Series,      ///< one start at a time, under the cluster-wide start lock
    SeriesFirst, ///< the first instance of a version under the lock, the rest in parallel
};
/// Which comes first when an old container is replaced during a deploy.
enum class RestartOrder {
    StopStart, ///< stop the old container, then start its replacement
    StartStop, ///< start the replacement, then stop the old container
};

struct Component {
    std::string name;
    std::string projectName;
    std::vector<NameValue> environment;
    std::int64_t minInstances = 0;
    std::int64_t maxInstances = 0;        ///< 0 = unlimited
    std::int64_t maxInstancesPerNode = 0; ///< 0 = unlimited
    std::int64_t maxConcurrency = 0;      ///< <= 0 → 1
    bool softConcurrencyLimit = false;
    double scaleUpConcurrencyPct = 0;    ///< <= 0 → 0.75
    double scaleDownConcurrencyPct = 0;  ///< <= 0 → 0.25
    std::int64_t maxDurationSeconds = 0; ///< <= 0 → 300
    std::string startParallelism;        ///< "" → parallel
    std::string restartOrder;            ///< JSON key "RestartOrder"; "" → stopstart
    std::int64_t version = 0;
    std::int64_t modifiedAt = 0;
    std::optional<DockerComponent> docker;
    bool operator==(const Component&) const = default;
};

struct HttpEventSource {
    std::string hostname;
    std::string pathPrefix;
    bool stripPrefix = false;
    bool operator==(const HttpEventSource&) const = default;
};

struct CronHttpRequest {
    std::string method;
    std::string path;
    std::string data;
    std::vector<NameValue> headers;
    bool operator==(const CronHttpRequest&) const = default;
};

struct CronEventSource {
    std::string schedule;
    CronHttpRequest http;
    bool operator==(const CronEventSource&) const = default;
};

struct SqsEventSource {
    std::string queueName;
    bool nameAsPrefix = false;
    std::string path;
    std::int64_t maxConcurrency = 0;       ///< default 10
    std::int64_t messagesPerPoll = 0;      ///< default 1
    std::int64_t concurrencyPerPoller = 0; ///< default messagesPerPoll
    std::int64_t visibilityTimeout = 0;    ///< seconds, default 300
    bool operator==(const SqsEventSource&) const = default;
};

struct AwsStepFunctionEventSource {
    std::string activityName;
    std::string path;
    std::int64_t maxConcurrency = 0;       ///< default 1
    std::int64_t concurrencyPerPoller = 0; ///< default 1
    bool operator==(const AwsStepFunctionEventSource&) const = default;
};

enum class EventSourceType { Http, Cron, Sqs, AwsStepFunc };

/// "http", "cron", "sqs", "awsstepfunc".
MAELSTROM_SDK_API const char* eventSourceTypeName(EventSourceType type) noexcept;
MAELSTROM_SDK_API std::optional<EventSourceType> eventSourceTypeFromName(const std::string& name) noexcept;

struct EventSource {
    std::string name;
    std::string componentName;
    std::string projectName;
    std::int64_t version = 0;
    std::int64_t modifiedAt = 0;
    std::optional<HttpEventSource> http;
    std::optional<CronEventSource> cron;
    std::optional<SqsEventSource> sqs;
    std::optional<AwsStepFunctionEventSource> awsstepfunc;
    bool operator==(const EventSource&) const = default;

    /// The first present sub-type in the order http, cron, sqs, awsstepfunc; empty when none is.
    std::optional<EventSourceType> type() const noexcept {
        if (http)
            return EventSourceType::Http;
        if (cron)
            return EventSourceType::Cron;
        if (sqs)
            return EventSourceType::Sqs;
        if (awsstepfunc)
            return EventSourceType::AwsStepFunc;
        return std::nullopt;
    }
};

struct EventSourceWithStatus {
    EventSource eventSource;
    bool enabled = true;
    bool operator==(const EventSourceWithStatus&) const = default;
};

struct ComponentWithEventSources {
    Component component;
    std::vector<EventSourceWithStatus> eventSources;
    bool operator==(const ComponentWithEventSources&) const = default;
};

struct Project {
    std::string name;
    std::vector<ComponentWithEventSources> components;
    bool operator==(const Project&) const = default;
};

struct ProjectInfo {
    std::string projectName;
    std::int64_t componentCount = 0;
    std::int64_t eventSourceCount = 0;
    bool operator==(const ProjectInfo&) const = default;
};

/// One 20-second window of a component instance's activity.
struct ComponentActivity {
    std::int64_t requests = 0; ///< requests finished in the window
    double concurrency = 0;    ///< sum of request durations / window length
    bool operator==(const ComponentActivity&) const = default;
};

/// Values of ComponentInfo::status.
inline constexpr const char* kComponentStatusValues[] = {"active", "starting", "stopping"};

/// One running instance of a component on a node.
struct ComponentInfo {
    std::string componentName;
    std::int64_t componentVersion = 0;
    /// "active", "starting" or "stopping". A paused instance is reported as "stopping" with `paused` set: it
    /// serves nothing and its memory is reclaimable, and clients that know only the reference's three values
    /// keep working.
    std::string status;
    std::int64_t maxConcurrency = 0;
    std::int64_t memoryReservedMiB = 0;
    std::int64_t startTime = 0;
    std::int64_t lastRequestTime = 0;
    std::int64_t totalRequests = 0;
    std::vector<ComponentActivity> activity; ///< newest first, at most 10
    bool paused = false;                     ///< frozen after its idle timeout; woken by the next request
    /// Average concurrency (requests in flight) over the last second: the autoscaler scales up on it.
    double recentConcurrency = 0;
    /// Highest one-second average concurrency over the scale-down stability window (200 s).
    double peakConcurrency = 0;
    bool operator==(const ComponentInfo&) const = default;
};

struct NodeStatus {
    std::string nodeId;
    std::int64_t startedAt = 0;
    std::int64_t observedAt = 0;
    std::int64_t version = 0;
    std::string peerUrl;
    std::int64_t totalMemoryMiB = 0;
    std::int64_t freeMemoryMiB = 0;
    std::int64_t numCPUs = 0;
    double loadAvg1m = 0;
    double loadAvg5m = 0;
    double loadAvg15m = 0;
    std::vector<ComponentInfo> runningComponents;
    bool operator==(const NodeStatus&) const = default;
};

// ---- Defaults applied at use time ----

MAELSTROM_SDK_API std::int64_t effectiveMaxConcurrency(const Component& c) noexcept;               // <= 0 → 1
MAELSTROM_SDK_API std::int64_t effectiveMaxDurationSeconds(const Component& c) noexcept;           // <= 0 → 300
MAELSTROM_SDK_API double effectiveScaleUpPct(const Component& c) noexcept;                         // <= 0 → 0.75
MAELSTROM_SDK_API double effectiveScaleDownPct(const Component& c) noexcept;                       // <= 0 → 0.25
MAELSTROM_SDK_API StartParallelism effectiveStartParallelism(const Component& c) noexcept;         // "" → Parallel
MAELSTROM_SDK_API RestartOrder effectiveRestartOrder(const Component& c) noexcept;                 // "" → StopStart
MAELSTROM_SDK_API std::int64_t effectiveReserveMemoryMiB(const DockerComponent& d) noexcept;       // <= 0 → 128
MAELSTROM_SDK_API std::int64_t effectiveIdleTimeoutSeconds(const DockerComponent& d) noexcept;     // <= 0 → 300
MAELSTROM_SDK_API std::int64_t effectivePausedTimeoutSeconds(const DockerComponent& d) noexcept;   // <= 0 → 1800
MAELSTROM_SDK_API std::int64_t effectiveHealthCheckSeconds(const DockerComponent& d) noexcept;     // <= 0 → 10
MAELSTROM_SDK_API std::int64_t effectiveHealthCheckMaxFailures(const DockerComponent& d) noexcept; // <= 0 → 1
MAELSTROM_SDK_API std::string effectiveHealthCheckPath(const DockerComponent& d);                  // "" → /
/// Seconds to wait for the first passing health check: 0 → 60; a negative value (skip) is returned as is.
MAELSTROM_SDK_API std::int64_t effectiveStartHealthCheckSeconds(const DockerComponent& d) noexcept;

} // namespace maelstrom::sdk
