// rollout.h — maelctl project put --wait: what a rollout of one component looks like from the cluster's instance
// list (NodeService.ListNodeStatus) and the convergers' start reports (NodeService.ListRolloutStatus), and how
// maelctl prints it. Pure: no I/O, so it is unit-tested (tests/unit/cli).
//
// When a component is ready: it "should run" when it has mininstances >= 1 or had instances (not paused) before
// the put; then max(mininstances, 1) instances of the new version must be active and none of an older version
// may be left (starting, active, paused or stopping). A component that should not run (mininstances 0, nothing
// ran) has nothing to roll: "no instances required" once no old instance is left; it starts on its first
// request. A failed start of the new version on any node (pull, create, start health check, the container
// exiting) fails the rollout at once — the daemon would retry it, but the cause needs a person.
#pragma once

#include "terminal.h"

#include <cstdint>
#include <string>
#include <vector>

namespace maelstrom::cli {

struct RolloutTarget {
    std::string name;
    std::int64_t version = 0; ///< the version the put stored
    std::string image;
    std::int64_t minInstances = 0;
    bool hadInstances = false; ///< instances (not paused) ran before the put
    bool sawOld = false;       ///< an instance of an older version was seen during the wait (set by the caller)
};

/// One instance of the cluster (NodeStatus.runningComponents).
struct RolloutInstance {
    std::string nodeId;
    std::string componentName;
    std::int64_t version = 0;
    std::string status; ///< starting, active, stopping
    bool paused = false;
};

/// One node's converger of a component (NodeService.ListRolloutStatus).
struct RolloutStart {
    std::string nodeId;
    std::string componentName;
    std::string phase; ///< pulling, starting or ""
    std::int64_t phaseVersion = 0;
    std::string pullStatus;
    std::int64_t failedVersion = 0;
    std::string failure;
};

enum class RolloutPhase { Waiting, Pulling, Starting, Draining, Done, NothingToRun, Failed };

struct RolloutProgress {
    RolloutPhase phase = RolloutPhase::Waiting;
    std::int64_t required = 0; ///< active instances of the new version needed
    std::int64_t active = 0;   ///< active instances of the new version (or newer)
    std::int64_t starting = 0; ///< starting instances of the new version
    std::int64_t old = 0;      ///< instances of older versions, in any state
    std::string detail;        ///< the pull progress line (Pulling) or why it failed (Failed)
    std::string nodeId;        ///< where it pulls or failed
};

RolloutProgress evaluateRollout(const RolloutTarget& target, const std::vector<RolloutInstance>& instances,
                                const std::vector<RolloutStart>& starts);

/// Done, NothingToRun or Failed: nothing more to wait for.
bool rolloutFinished(RolloutPhase phase);

/// The state in words, without the component's name: "pulling example/web:2", "starting (0/1 healthy)",
/// "healthy (1/1 on v3), draining 1 old instance", "healthy: 1 instance of v3, old version drained",
/// "no instances required (...)", "FAILED on node n1: ...". `withDetail` adds the pull progress line.
std::string rolloutText(const RolloutTarget& target, const RolloutProgress& progress, bool withDetail);

/// What tells one state from the next in plain output (one line per change): the text without the pull progress.
std::string rolloutKey(const RolloutTarget& target, const RolloutProgress& progress);

/// What to do about a failed rollout: check the image name, the health check settings, the logs...
std::string rolloutNextStep(const RolloutTarget& target, const RolloutProgress& progress);

/// One line of the rollout: "<name> v<version>: <text>" — coloured (green done, red failed, yellow under way)
/// and with a spinner frame (`tick`) for an unfinished one when `style.live`, its text cut to `width` columns
/// (0: no limit). Plain (not live): "<name> v<version>: <text>" without the pull progress, no escape bytes.
std::string rolloutLine(const TerminalStyle& style, const RolloutTarget& target, const RolloutProgress& progress,
                        unsigned tick, std::size_t width = 0);

/// A live frame: moves the cursor up over the `previousLines` lines drawn last time and redraws one line per
/// component, each cleared to its end and cut to `width` columns (0: no limit).
std::string liveFrame(const TerminalStyle& style, const std::vector<RolloutTarget>& targets,
                      const std::vector<RolloutProgress>& progress, unsigned tick, std::size_t previousLines,
                      std::size_t width = 0);

} // namespace maelstrom::cli
