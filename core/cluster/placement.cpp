// placement.cpp — see placement.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster/placement.h"

#include "cluster/placement_plan.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/text.h>

#include <Poco/Logger.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <stdexcept>
#include <thread>

namespace maelstrom::core {
namespace {

Poco::Logger& log() { return Poco::Logger::get("maelstrom.placement"); }

constexpr const char* kPlacementRole = "placement";

/// A placement that no retry can make succeed (the component fits on no node).
struct Unplaceable : sdk::RpcError {
    explicit Unplaceable(const std::string& why)
        : sdk::RpcError(sdk::RpcCode::MiscError, "nodesvc: PlaceComponent:placeComponent error: " + why) {}
};

/// No node is known yet: this node is still adopting the containers a previous maelstromd left (it joins the cluster
/// after that), so a request that arrived meanwhile waits for it instead of failing as unplaceable.
struct NoNodeYet : std::runtime_error {
    NoNodeYet() : std::runtime_error("no node has joined the cluster yet") {}
};

void sleepRandomMillis(int low, int high) {
    thread_local std::mt19937 random(std::random_device{}());
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(low, high)(random)));
}

std::string describeTargets(const PlacementOption& option, const std::string& component) {
    std::string displaced;
    for (const auto& t : option.targets) {
        if (t.componentName != component) {
            displaced += (displaced.empty() ? "" : ", ") + t.componentName + " to " + std::to_string(t.targetCount);
        }
    }
    return displaced.empty() ? std::string() : " (displacing: " + displaced + ")";
}

} // namespace

struct Placement::Shared {
    bool done = false;
    std::optional<sdk::NodeStatus> node;
    std::optional<sdk::RpcError> error;
};

Placement::Placement(NodeService& nodes, std::shared_ptr<sdk::Database> database)
    : nodes_(nodes), database_(std::move(database)) {}

Placement::~Placement() { stop(); }

void Placement::stop() {
    std::unique_lock lock(mutex_);
    stopped_ = true;
    done_.wait(lock, [&] { return running_ == 0; });
}

void Placement::requestStart(const std::string& component) {
    {
        std::lock_guard lock(mutex_);
        if (stopped_ || !background_.insert(component).second) {
            return; // stopping, or a placement of it is already under way
        }
        ++running_;
    }
    std::thread([this, component] {
        try {
            const auto node = placeComponent(component);
            log().debug("cold start of " + component + ": runs on node " + node.nodeId);
        } catch (const std::exception& e) {
            log().warning("cold start of " + component + ": " + e.what());
        }
        std::lock_guard lock(mutex_);
        background_.erase(component);
        --running_;
        done_.notify_all();
    }).detach();
}

sdk::NodeStatus Placement::placeComponent(const std::string& componentName) {
    const std::string name = sdk::asciiLower(componentName);
    std::optional<sdk::NodeStatus> delegated;
    if (!takeRole(name, delegated)) {
        return *delegated;
    }
    struct Leave {
        Placement* self;
        ~Leave() { self->leaveRole(); }
    } leave{this};
    return placeShared(name);
}

bool Placement::takeRole(const std::string& component, std::optional<sdk::NodeStatus>& delegated) {
    const std::string me = nodes_.nodeId();
    const auto deadline = std::chrono::steady_clock::now() + kPlacementRoleWait;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopped_) {
                throw sdk::RpcError(sdk::RpcCode::MiscError, "nodesvc: PlaceComponent: node is terminated");
            }
        }
        std::string holder;
        try {
            std::lock_guard role(roleMutex_);
            const auto lease = database_->acquireOrRenewRole(
                kPlacementRole, me, std::chrono::duration_cast<std::chrono::milliseconds>(kPlacementLease).count());
            if (lease.acquired) {
                if (++holding_ == 1) {
                    renewer_ = std::jthread([this, me](std::stop_token stop) { renewRole(me, stop); });
                }
                return true;
            }
            holder = lease.holderNodeId;
        } catch (const std::exception& e) {
            log().warning(std::string("placement: taking the placement role: ") + e.what());
        }
        if (!holder.empty() && holder != me) {
            if (const auto node = nodes_.view().node(holder)) {
                try {
                    delegated = nodes_.peers().placeComponent(node->peerUrl, component);
                    nodes_.view().setNode(*delegated);
                    return false;
                } catch (const sdk::RpcError& e) {
                    if (e.code() != static_cast<int>(sdk::RpcCode::TransportError)) {
                        throw; // the holder answered: its verdict stands
                    }
                    log().warning("placement: the placement role holder " + holder + " does not answer: " + e.what());
                }
            }
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            throw sdk::RpcError(sdk::RpcCode::DatabaseError,
                                "nodesvc: timeout trying to acquire or delegate placement");
        }
        sleepRandomMillis(50, 250);
    }
}

void Placement::renewRole(const std::string& me, std::stop_token stop) {
    std::mutex sleepMutex;
    std::condition_variable_any sleep; // nobody notifies it: the pause ends on time or on stop
    for (;;) {
        {
            std::unique_lock lock(sleepMutex);
            if (sleep.wait_for(lock, stop, kPlacementRenewal, [] { return false; }) || stop.stop_requested()) {
                return;
            }
        }
        try {
            database_->acquireOrRenewRole(
                kPlacementRole, me, std::chrono::duration_cast<std::chrono::milliseconds>(kPlacementLease).count());
        } catch (const std::exception& e) {
            log().warning(std::string("placement: renewing the placement role: ") + e.what());
        }
    }
}

void Placement::leaveRole() {
    std::lock_guard role(roleMutex_);
    if (--holding_ > 0) {
        return;
    }
    // The renewer finishes a renewal in progress before the release, so it never takes the role back after it.
    renewer_.request_stop();
    if (renewer_.joinable()) {
        renewer_.join();
    }
    try {
        database_->releaseRole(kPlacementRole, nodes_.nodeId());
    } catch (const std::exception& e) {
        log().warning(std::string("placement: releasing the placement role (it expires by itself): ") + e.what());
    }
}

sdk::NodeStatus Placement::placeShared(const std::string& component) {
    std::shared_ptr<Shared> shared;
    bool mine = false;
    {
        std::unique_lock lock(mutex_);
        auto& slot = inProgress_[component];
        if (!slot) {
            slot = std::make_shared<Shared>();
            mine = true;
        }
        shared = slot;
        if (!mine) {
            if (!done_.wait_for(lock, kPlacementDeadline, [&] { return shared->done; })) {
                throw sdk::RpcError(sdk::RpcCode::MiscError, "nodesvc: timeout waiting for placement");
            }
            if (shared->error) {
                throw *shared->error;
            }
            return *shared->node;
        }
    }
    std::optional<sdk::NodeStatus> node;
    std::optional<sdk::RpcError> error;
    try {
        node = placeHere(component);
    } catch (const sdk::RpcError& e) {
        error = e;
    } catch (const std::exception& e) {
        error = sdk::RpcError(sdk::RpcCode::MiscError, std::string("nodesvc: PlaceComponent: ") + e.what());
    }
    {
        std::lock_guard lock(mutex_);
        shared->done = true;
        shared->node = node;
        shared->error = error;
        inProgress_.erase(component);
    }
    done_.notify_all();
    if (error) {
        throw *error;
    }
    return *node;
}

sdk::NodeStatus Placement::placeHere(const std::string& name) {
    std::optional<sdk::Component> component;
    try {
        component = database_->getComponent(name);
    } catch (const std::exception& e) {
        throw sdk::RpcError(sdk::RpcCode::DatabaseError, std::string("GetComponent failed: ") + e.what());
    }
    if (!component) {
        throw sdk::RpcError(sdk::RpcCode::NotFound, "No Component found with name: " + name);
    }
    if (!component->docker) {
        throw sdk::RpcError(sdk::RpcCode::MiscError,
                            "nodesvc: PlaceComponent: component " + name + " has no docker section");
    }
    const auto deadline = std::chrono::steady_clock::now() + kPlacementDeadline;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            if (auto node = placeOnce(*component)) {
                return *node;
            }
            continue; // the chosen node changed meanwhile: decide again on fresh statuses
        } catch (const Unplaceable& e) {
            throw sdk::RpcError(e.code(), e.what());
        } catch (const NoNodeYet&) {
            // retried quietly: this node joins within the adoption of its containers
        } catch (const sdk::RpcError& e) {
            log().warning("placement of " + name + ": " + e.what() + " (retrying)");
        } catch (const std::exception& e) {
            log().warning("placement of " + name + ": " + e.what() + " (retrying)");
        }
        {
            std::lock_guard lock(mutex_);
            if (stopped_) {
                break;
            }
        }
        sleepRandomMillis(100, 300);
    }
    throw sdk::RpcError(sdk::RpcCode::MiscError, "nodesvc: PlaceComponent deadline reached - component not started");
}

std::optional<sdk::NodeStatus> Placement::placeOnce(const sdk::Component& component) {
    const auto nodes = nodes_.refreshAll();
    if (nodes.empty()) {
        throw NoNodeYet();
    }
    for (const auto& node : nodes) {
        for (const auto& info : node.runningComponents) {
            if (info.componentName == component.name && info.status != "stopping") {
                if (metrics_) {
                    metrics_->countPlacement("already_running", node.nodeId);
                }
                return node; // already starting or running there: nothing to do
            }
        }
    }
    const std::int64_t required = sdk::effectiveReserveMemoryMiB(*component.docker);
    // Paused instances are not counted (their memory is freed when needed); a node holding a paused instance of
    // this component is chosen first when it has room, since the start there is a wake of milliseconds.
    std::vector<sdk::NodeStatus> live;
    std::vector<sdk::NodeStatus> waking;
    for (const auto& node : nodes) {
        live.push_back(withoutPaused(node));
        if (hasPaused(node, component.name)) {
            waking.push_back(live.back());
        }
    }
    auto best = waking.empty() ? std::nullopt
                               : bestStartOption(freshOptions(waking), component.name, required,
                                                 component.maxInstancesPerNode, false);
    if (!best) {
        best = bestStartOption(freshOptions(live), component.name, required, component.maxInstancesPerNode, true);
    }
    if (!best) {
        std::int64_t largest = 0;
        for (const auto& node : nodes) {
            largest = std::max(largest, node.totalMemoryMiB);
        }
        const std::string why = "component " + component.name + " reserves " + std::to_string(required) +
                                " MiB and fits on no node (largest node: " + std::to_string(largest) +
                                " MiB, relay-only nodes excluded); its requests fail at their deadline";
        log().error("placement: " + why);
        if (metrics_) {
            metrics_->countPlacement("unplaceable", "");
        }
        throw Unplaceable(why);
    }
    StartStopRequest request;
    request.clientNodeId = nodes_.nodeId();
    request.targetVersion = best->node.version;
    request.targetCounts = best->targets;
    request.block = true;
    StartStopResult result;
    try {
        result = nodes_.startStopOn(best->node, request);
    } catch (...) {
        if (metrics_) {
            metrics_->countPlacement("failed", best->node.nodeId);
        }
        throw;
    }
    if (metrics_) {
        metrics_->countPlacement(result.targetVersionMismatch ? "retried" : "started", best->node.nodeId);
    }
    if (result.targetVersionMismatch) {
        return std::nullopt;
    }
    log().information("placement: component " + component.name + " started on node " + best->node.nodeId +
                      describeTargets(*best, component.name));
    return result.targetStatus;
}

} // namespace maelstrom::core
