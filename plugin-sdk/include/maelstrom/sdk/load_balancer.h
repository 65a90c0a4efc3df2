// load_balancer.h — maelstrom SDK: the load-balancer service kind: which free instance of a component gets
// the next request. Plugins: round-robin (default), least-outstanding.
// SPDX-License-Identifier: Apache-2.0
//
// The router owns instances, capacity and queueing; it asks the balancer only to choose among instances that
// have a free slot right now. A balancer keeps its own per-component state (cursor, counters) inside the
// InstancePicker it creates for each component.
#pragma once

#include <maelstrom/sdk/export.h>
#include <maelstrom/sdk/service.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace maelstrom::sdk {

/// An instance that can take one more request now.
struct Candidate {
    std::string_view instanceId; ///< stable for the instance's life (container id or peer handler id)
    std::int64_t inFlight = 0;   ///< requests it is serving now
    std::int64_t capacity = 0;   ///< its concurrency cap; 0 = unlimited (soft limit)
};

/// Chooses among candidates for one component.
class MAELSTROM_SDK_API InstancePicker {
public:
    virtual ~InstancePicker();
    /// Returns the index of the chosen candidate. `candidates` is never empty; the same instance keeps the
    /// same id across calls, but the set and its order may change from one call to the next.
    /// Thread-safe: may be called concurrently from many request threads. Must not block.
    virtual std::size_t pick(std::span<const Candidate> candidates) = 0;
    /// The instance is gone for good; forget any state kept for it. Thread-safe.
    virtual void forget(std::string_view /*instanceId*/) {}
};

class MAELSTROM_SDK_API LoadBalancer : public Service {
public:
    ~LoadBalancer() override;
    /// A picker for one component; the router keeps it as long as the component's router lives.
    /// Thread-safe.
    virtual std::unique_ptr<InstancePicker> newPicker(const std::string& componentName) = 0;
};

} // namespace maelstrom::sdk
