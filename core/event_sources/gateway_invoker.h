// gateway_invoker.h — the Invoker an event-source driver fires through: an HTTP request to this node's own private
// port with the `MAELSTROM-COMPONENT` header, so a firing takes exactly the path of any private-gateway request
// (deadline, FIFO queue, cold start, relay to the node that runs the component) and is counted like one.
// SPDX-License-Identifier: Apache-2.0
//
// With a private token the request carries it as MAELSTROM-RELAY-TOKEN, which the private port accepts and the
// proxy strips, so an `Authorization` header the event source configures reaches the container untouched.
// The socket timeout is the component's deadline (maxDurationSeconds) plus a margin: the gateway answers 504 at the
// deadline, the timeout only guards against a private port that stopped answering.
// Every firing is recorded in the EventSourceMetrics (firings, failures, lateness against dueAtUnixMillis).
// Thread-safety: invoke() runs on any number of driver threads at once; stop() from the host's thread.
#pragma once

#include "gateway/component_cache.h"
#include "metrics/event_source_metrics.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/event_source.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

namespace Poco::Net {
class HTTPClientSession;
}

namespace maelstrom::core {

/// Where firings go: this node's private port.
struct InvokeTarget {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string privateToken; ///< empty: none
};

class GatewayInvoker final : public sdk::Invoker {
public:
    /// `type` labels the metrics ("cron"). `components` and `metrics` must outlive the invoker.
    GatewayInvoker(InvokeTarget target, std::string type, const ComponentCache& components, EventSourceMetrics& metrics,
                   const sdk::Clock& clock = sdk::systemClock());

    /// @throws sdk::Unavailable (not sent or not answered: refused, timed out, stopping) and
    /// std::invalid_argument (a method, header or path that cannot be sent).
    sdk::InvokeResponse invoke(const sdk::InvokeRequest& request) override;

    /// Refuses new requests, lets those in progress finish for up to `grace`, then cuts the rest (their callers get
    /// Unavailable). Idempotent.
    void stop(std::chrono::milliseconds grace);

    /// The most body bytes an InvokeResponse keeps.
    static constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

private:
    sdk::InvokeResponse send(const sdk::InvokeRequest& request, Poco::Net::HTTPClientSession& session);

    const InvokeTarget target_;
    const std::string type_;
    const ComponentCache& components_;
    EventSourceMetrics& metrics_;
    const sdk::Clock& clock_;
    std::mutex mutex_;
    std::condition_variable idle_;
    std::set<Poco::Net::HTTPClientSession*> active_; ///< guarded by mutex_
    bool stopping_ = false;                          ///< guarded by mutex_
};

} // namespace maelstrom::core
