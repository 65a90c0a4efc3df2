// router_registry.h — one Router per component name, created on first use and shared by the gateways, the
// lifecycle code (which registers instances) and the autoscaler (which reads activity).
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: every method is thread-safe (mutex_ guards the map); routers are shared_ptrs, so a router
// handed out stays valid even if it is later dropped from the registry.
#pragma once

#include "routing/router.h"

#include <maelstrom/sdk/event_source.h>
#include <maelstrom/sdk/load_balancer.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace maelstrom::core {

class RouterRegistry {
public:
    /// `balancer` makes each router's picker (null = first free instance). `coldStarter` may be empty; routers
    /// hold it weakly, so it may go away before them (then they ask nobody for cold starts).
    RouterRegistry(std::shared_ptr<sdk::LoadBalancer> balancer, std::weak_ptr<ColdStarter> coldStarter,
                   RouterSettings defaults = {});

    /// Sets the cold starter of the routers created from now on (the lifecycle manager needs the registry, so it
    /// is created after it). Call before serving requests.
    void setColdStarter(std::weak_ptr<ColdStarter> coldStarter);

    /// The router of `component`, created with `settings` (or the defaults) if it does not exist yet; an
    /// existing router keeps its settings (use Router::setSettings to change them).
    std::shared_ptr<Router> byComponent(const std::string& component);
    std::shared_ptr<Router> byComponent(const std::string& component, const RouterSettings& settings);
    /// The settings routers are created with by default (the gateway starts from them per component).
    const RouterSettings& defaults() const noexcept { return defaults_; }
    /// Null when no router exists for `component`.
    std::shared_ptr<Router> find(const std::string& component) const;
    /// Every router, for activity reports.
    std::vector<std::shared_ptr<Router>> all() const;
    /// Drops the router when it has no instance, no request in flight and none waiting. @return whether dropped.
    bool removeIfIdle(const std::string& component);

private:
    const std::shared_ptr<sdk::LoadBalancer> balancer_;
    std::weak_ptr<ColdStarter> coldStarter_; ///< guarded by mutex_
    const RouterSettings defaults_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Router>> routers_; ///< guarded by mutex_
};

/// The event-source drivers' view of what each component can take at once: its router's handler count (local and
/// remote instances, as this node routes to them), and how many nodes share the pollers (`nodeCount`, from the
/// cluster view; null = 1). The registry must outlive it.
class RouterCapacity : public sdk::ComponentCapacity {
public:
    explicit RouterCapacity(const RouterRegistry& routers, std::function<std::size_t()> nodeCount = nullptr)
        : routers_(routers), nodeCount_(std::move(nodeCount)) {}
    int handlerCount(const std::string& component) override;
    int nodeCount() override;

private:
    const RouterRegistry& routers_;
    const std::function<std::size_t()> nodeCount_;
};

} // namespace maelstrom::core
