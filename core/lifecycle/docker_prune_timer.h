// docker_prune_timer.h — maelstrom core: the container runtime's prune on a timer (docker_prune_minutes): stopped
// containers, dangling images and, with docker_prune_unreg_images, images no component refers to (minus the
// docker_prune_unreg_keep globs).
// SPDX-License-Identifier: Apache-2.0
//
// Behaviour:
//   - The first run is kDockerPruneFirstRunDelay after start(), then one every period (from the start of a run).
//   - Several maelstromd may share one Docker engine: a run prunes only while this node holds the role
//     `docker-prune-<engine id>` (lease: the period plus kDockerPruneLeaseMargin, renewed by every run), so one
//     node per engine prunes and the others count their runs as skipped. Nodes on other engines have roles of their
//     own. Without a database every node prunes its engine.
//   - The registered images are the docker.image of every component in the database, read at each run; when the
//     database cannot be read the run fails and removes nothing. Without a database no unregistered image is
//     removed (nothing says which are registered).
//   - Each run logs one line at information level (counts and names removed) or a warning (what failed), and counts
//     itself in PruneMetrics.
//   - A runtime without the prune capability: start() logs once that pruning is not available; no timer.
// Thread-safety: start(), requestStop() and stop() from one thread; runOnce() may run beside them (tests).
#pragma once

#include "metrics/prune_metrics.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/event_source.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::core {

/// The first run after start: soon, so a node restarted more often than the period still prunes, but after the
/// start-up (adoption of containers, first pulls) has settled.
inline constexpr std::chrono::seconds kDockerPruneFirstRunDelay{10};
/// How much longer than the period the prune role is leased: a run (and its renewal) always fits, and a node that
/// dies without releasing the role is replaced by another node of the engine within this margin after a period.
inline constexpr std::chrono::minutes kDockerPruneLeaseMargin{10};

struct DockerPruneSettings {
    std::chrono::milliseconds period{0}; ///< 0: off
    std::chrono::milliseconds firstRunDelay = kDockerPruneFirstRunDelay;
    bool removeUnregisteredImages = false;
    std::vector<std::string> keepGlobs;
    std::string engineId; ///< the container runtime's id (RuntimeInfo::nodeId)
};

/// The keep globs of docker_prune_unreg_keep: split on ',', each trimmed, empty ones dropped.
std::vector<std::string> parseKeepGlobs(const std::string& text);
/// The role that lets one node of an engine prune it.
std::string dockerPruneRole(const std::string& engineId);

class DockerPruneTimer {
public:
    /// `database` and `roles` may be null (no database: every node prunes, no unregistered image is removed).
    /// `metrics` and `clock` must outlive the timer.
    DockerPruneTimer(DockerPruneSettings settings, std::shared_ptr<sdk::ContainerRuntime> runtime,
                     std::shared_ptr<sdk::Database> database, std::shared_ptr<sdk::RoleLocks> roles,
                     PruneMetrics& metrics, const sdk::Clock& clock = sdk::systemClock());
    ~DockerPruneTimer();
    DockerPruneTimer(const DockerPruneTimer&) = delete;
    DockerPruneTimer& operator=(const DockerPruneTimer&) = delete;

    /// Logs what will happen and starts the timer when the period is > 0 and the runtime can prune.
    void start();
    /// No run starts from now on and the wait for the next one ends; returns at once (a run in progress finishes:
    /// the runtime's calls cannot be interrupted).
    void requestStop();
    /// requestStop(), then waits for a run in progress to end.
    void stop();
    /// Whether start() started the timer.
    bool scheduled() const { return thread_.joinable(); }

    /// One run, as the timer does it each period. Never throws.
    PruneOutcome runOnce();

private:
    void loop(std::stop_token stop);
    std::chrono::milliseconds lease() const;

    const DockerPruneSettings settings_;
    const std::shared_ptr<sdk::ContainerRuntime> runtime_;
    const std::shared_ptr<sdk::Database> database_;
    const std::shared_ptr<sdk::RoleLocks> roles_;
    PruneMetrics& metrics_;
    const sdk::Clock& clock_;
    const std::string role_;
    std::jthread thread_;
};

} // namespace maelstrom::core
