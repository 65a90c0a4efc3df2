// local_wake.cpp — see local_wake.h.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/local_wake.h"

#include "lifecycle/lifecycle_manager.h"

namespace maelstrom::core {

LocalWakeColdStarter::LocalWakeColdStarter(std::shared_ptr<ColdStarter> placement) : placement_(std::move(placement)) {}

void LocalWakeColdStarter::attach(std::weak_ptr<LifecycleManager> lifecycle) {
    std::lock_guard lock(mutex_);
    lifecycle_ = std::move(lifecycle);
}

void LocalWakeColdStarter::requestStart(const std::string& component) {
    std::shared_ptr<LifecycleManager> lifecycle;
    {
        std::lock_guard lock(mutex_);
        lifecycle = lifecycle_.lock();
    }
    if (lifecycle && lifecycle->wakePaused(component)) {
        return;
    }
    if (placement_) {
        placement_->requestStart(component);
    }
}

} // namespace maelstrom::core
