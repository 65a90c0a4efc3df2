// local_wake.h — the routers' cold starter: a request for a component nothing serves first thaws a paused instance
// of it on this node (milliseconds, no placement round trip); only when there is none does the cluster place a
// start (cluster/placement.h).
// SPDX-License-Identifier: Apache-2.0
//
// Threads: requestStart() is called by request threads and event loops; it returns promptly (a wake only raises a
// converger's target; placement runs on threads of its own). attach() may be called at any time.
#pragma once

#include "routing/router.h"

#include <memory>
#include <mutex>
#include <string>

namespace maelstrom::core {

class LifecycleManager;

class LocalWakeColdStarter : public ColdStarter {
public:
    /// `placement` takes the starts no paused instance answers (may be null: then nothing is placed).
    explicit LocalWakeColdStarter(std::shared_ptr<ColdStarter> placement);

    /// The lifecycle whose paused instances are woken; held weakly (a stopped lifecycle wakes nothing).
    void attach(std::weak_ptr<LifecycleManager> lifecycle);

    void requestStart(const std::string& component) override;

private:
    const std::shared_ptr<ColdStarter> placement_;
    std::mutex mutex_;
    std::weak_ptr<LifecycleManager> lifecycle_; ///< guarded by mutex_
};

} // namespace maelstrom::core
