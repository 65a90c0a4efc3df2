// converge_plan.h — the ordered steps that take one component's containers on this node from what runs now
// to a target (component version, instance count), as the original plans it. Pure: no I/O, unit-tested.
// SPDX-License-Identifier: Apache-2.0
//
// Containers are considered in creation order (oldest first): the oldest ones of the target version are kept
// up to the target count; the rest, and every container of another version or with a terminate reason, are
// stopped. Starts and stops alternate — beginning with a start for restart order `startstop` (new healthy
// first, then the old one drained) or with a stop for `stopstart` (the default) — and when one list runs out
// the rest of the other follows. A start takes the component's cluster-wide start lock unless the start
// parallelism is `parallel`; with `seriesfirst` only the first start does.
#pragma once

#include <maelstrom/sdk/model.h>

#include <cstdint>
#include <string>
#include <vector>

namespace maelstrom::core {

/// One container as the planner sees it, in creation order.
struct PlanContainer {
    std::string id;
    std::int64_t version = 0;
    std::string terminateReason; ///< non-empty: must be replaced (health check failed, image updated...)
};

/// PlanStep::reason of a stop that only lowers the count (the instance is healthy and of the target version).
inline constexpr const char* kScaleDownReason = "scale down";

struct PlanStep {
    enum class Kind { Start, Stop } kind = Kind::Start;
    std::string containerId; ///< Stop: the container
    std::string reason;      ///< Stop: why ("scale down", "component version changed", a terminate reason)
    bool lock = false;       ///< Start: take the cluster-wide start lock first
    bool operator==(const PlanStep&) const = default;
};

struct ConvergePlan {
    std::vector<PlanStep> steps;
    std::int64_t starts = 0; ///< how many Start steps (an image is ensured first when > 0)
};

/// `startParallelism` and `restartOrder` are the component's effective policies.
ConvergePlan planConvergence(const std::vector<PlanContainer>& containers, std::int64_t targetVersion,
                             std::int64_t targetCount, sdk::StartParallelism startParallelism,
                             sdk::RestartOrder restartOrder);

} // namespace maelstrom::core
