// event_source.h — maelstrom SDK: the event-source service kind: what turns something other than an HTTP
// request (a cron schedule, a queue message, a workflow activity) into requests for components.
// Plugins: cron, sqs and awsstepfunc.
// SPDX-License-Identifier: Apache-2.0
//
// One driver serves one event-source type (EventSourceType::Cron, ...). The host gives it, in start(), what it
// needs to do its work, and afterwards, through update(), the enabled event sources of its type whenever that
// set changes anywhere in the cluster (a put, remove, enable or disable through any node reaches every node within
// about a second). The driver owns its loop threads: it decides when to fire, polls its queue, takes cluster-wide
// roles so that one node fires a schedule once, and sends each firing through the Invoker, which is exactly the
// path an HTTP request to the private port takes (deadline, FIFO queue, cold start, relay to the node that runs
// the component).
//
// Order of calls, all from one host thread: start(host) once; update(...) any number of times (the first right
// after start); shutdown() once, after which nothing else is called. shutdown() must stop the driver's threads
// and return only when none of them runs plugin code any more (the shared object may be unloaded next); it may
// wait for firings in progress, which end at the latest at their request deadline.
#pragma once

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/export.h>
#include <maelstrom/sdk/model.h>
#include <maelstrom/sdk/plugin.h>
#include <maelstrom/sdk/service.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace maelstrom::sdk {

/// One request for a component, built by a driver.
struct InvokeRequest {
    std::string eventSourceName; ///< who fired (logs and metrics)
    std::string componentName;   ///< sent as `Maelstrom-Component`: the private gateway routes by it
    std::string method = "GET";
    std::string path = "/";         ///< path and query, as the container will see them
    std::vector<NameValue> headers; ///< added in order (a name may repeat); Host and framing headers are the host's
    std::string body;               ///< sent with Content-Length when not empty
    /// When the firing was due (Unix ms), if it had a due time: the host records the lateness (actual start −
    /// due) per event source.
    std::optional<std::int64_t> dueAtUnixMillis;
};

/// The answer: the container's, or the gateway's own (404 no such component, 503 queue full, 504 deadline).
struct InvokeResponse {
    int status = 0;
    std::vector<NameValue> headers;
    std::string body; ///< at most 1 MiB; longer bodies are cut (bodyTruncated)
    bool bodyTruncated = false;
};

/// Sends requests down the private gateway path of this node. Thread-safe; blocking (a call returns when the
/// answer has arrived, the component's deadline has passed or the node is shutting down).
class MAELSTROM_SDK_API Invoker {
public:
    virtual ~Invoker();
    /// @throws Unavailable when the request could not be sent or answered (the node is stopping, the private
    /// port refused it); a non-2xx status is not an error here: it is in the response.
    virtual InvokeResponse invoke(const InvokeRequest& request) = 0;
};

/// Cluster-wide roles on the database, held by this node: a role is held by at most one node at a time, for a
/// lease that the holder renews. Thread-safe; blocking.
class MAELSTROM_SDK_API RoleLocks {
public:
    virtual ~RoleLocks();
    /// Takes `roleId` when it is free or its lease expired, renews it when this node holds it.
    /// @return whether this node holds it now, until about now + lease. @throws Unavailable (database)
    virtual bool acquireOrRenew(const std::string& roleId, std::chrono::milliseconds lease) = 0;
    /// Gives the role up if this node holds it (another node may take it at once). @throws Unavailable
    virtual void release(const std::string& roleId) = 0;
    /// The node that holds the role now, if any. @throws Unavailable
    virtual std::optional<std::string> holder(const std::string& roleId) = 0;
};

/// How much a component can take at once right now, as this node sees the cluster: sizes the pollers of queue-like
/// sources (SQS, Step Functions), which should not take more work than the running instances can serve.
/// Thread-safe; reads memory only (no network, no database).
class MAELSTROM_SDK_API ComponentCapacity {
public:
    virtual ~ComponentCapacity();
    /// The concurrent requests the running instances of `component` take (local and remote, each counted with its
    /// maxConcurrency, an instance without a limit as 1); 0 when none runs (a request will cold-start one).
    virtual int handlerCount(const std::string& component) = 0;
    /// The nodes of the cluster this node knows, itself included (at least 1): a driver whose pollers are
    /// cluster-wide roles takes about its share of them, so they spread over the nodes.
    virtual int nodeCount() = 0;
};

/// What the host gives a driver in start(). The pointers stay valid until shutdown() has returned.
struct EventSourceHost {
    std::shared_ptr<Invoker> invoker;
    std::shared_ptr<RoleLocks> roles;
    const Clock* clock = &systemClock();         ///< decide and wait on this clock (tests replace it)
    PluginLogger logger{};                       ///< lines go to maelstromd's log as maelstrom.event_source.<plugin>
    std::string nodeId;                          ///< this node's id, for log lines
    std::shared_ptr<ComponentCapacity> capacity; ///< never null when given by maelstromd
};

class MAELSTROM_SDK_API EventSourceDriver : public Service {
public:
    ~EventSourceDriver() override;
    /// The event-source type it serves; the host hands it only sources of this type.
    virtual EventSourceType type() const = 0;
    /// Starts the driver's threads. Called once, before any update().
    virtual void start(const EventSourceHost& host) = 0;
    /// The complete set of enabled event sources of its type, sorted by name (each has the sub-block of its
    /// type). Called after start() and whenever the set changes. Must not block for long (no network calls).
    virtual void update(const std::vector<EventSource>& sources) = 0;
};

} // namespace maelstrom::sdk
