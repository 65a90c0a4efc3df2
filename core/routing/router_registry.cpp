// router_registry.cpp — see router_registry.h.
// SPDX-License-Identifier: Apache-2.0
#include "routing/router_registry.h"

#include <algorithm>
#include <limits>

namespace maelstrom::core {

RouterRegistry::RouterRegistry(std::shared_ptr<sdk::LoadBalancer> balancer, std::weak_ptr<ColdStarter> coldStarter,
                               RouterSettings defaults)
    : balancer_(std::move(balancer)), coldStarter_(std::move(coldStarter)), defaults_(defaults) {}

void RouterRegistry::setColdStarter(std::weak_ptr<ColdStarter> coldStarter) {
    std::lock_guard lock(mutex_);
    coldStarter_ = std::move(coldStarter);
}

std::shared_ptr<Router> RouterRegistry::byComponent(const std::string& component) {
    return byComponent(component, defaults_);
}

std::shared_ptr<Router> RouterRegistry::byComponent(const std::string& component, const RouterSettings& settings) {
    std::lock_guard lock(mutex_);
    auto& slot = routers_[component];
    if (!slot) {
        slot = std::make_shared<Router>(component, balancer_ ? balancer_->newPicker(component) : nullptr, coldStarter_,
                                        settings);
    }
    return slot;
}

std::shared_ptr<Router> RouterRegistry::find(const std::string& component) const {
    std::lock_guard lock(mutex_);
    const auto it = routers_.find(component);
    return it == routers_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Router>> RouterRegistry::all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Router>> out;
    out.reserve(routers_.size());
    for (const auto& [name, router] : routers_) {
        out.push_back(router);
    }
    return out;
}

bool RouterRegistry::removeIfIdle(const std::string& component) {
    std::lock_guard lock(mutex_);
    const auto it = routers_.find(component);
    if (it == routers_.end()) {
        return false;
    }
    const auto activity = it->second->activity();
    if (it->second->instanceCount() > 0 || activity.inFlight > 0 || activity.queued > 0 ||
        !activity.instances.empty()) {
        return false;
    }
    routers_.erase(it);
    return true;
}

int RouterCapacity::handlerCount(const std::string& component) {
    const auto router = routers_.find(component);
    if (!router) {
        return 0;
    }
    return static_cast<int>(std::min<std::int64_t>(router->handlerCount(), std::numeric_limits<int>::max()));
}

int RouterCapacity::nodeCount() {
    const std::size_t nodes = nodeCount_ ? nodeCount_() : 1;
    return static_cast<int>(std::clamp<std::size_t>(nodes, 1, std::numeric_limits<int>::max()));
}

} // namespace maelstrom::core
