// autoscale.h — the target instance count of one component from its instances' concurrency windows and how
// long it has been idle: the original's formula, evaluated on this node every second (the reference runs it
// once a minute cluster-wide; the cluster issue distributes it). Pure: no I/O, unit-tested.
// SPDX-License-Identifier: Apache-2.0
//
// Scale up on the AVERAGE concurrency of the ~200 s of windows or on the concurrency of the last second (so
// sustained overload is answered within about two autoscaler passes, not when a 20-second window closes), scale
// down on the PEAK (of the windows and of the one-second averages over the same ~200 s: the stability window, so a
// burst that just ended is not answered with a scale-down), both sizing the fleet so that load sits at
// scaleUpConcurrencyPct of capacity. While the component is not idle
// (secondsIdle <= idleTimeoutSeconds) at least one instance is kept; after that the target drops to
// minInstances, which is what stops idle components (scale to zero). maxInstances caps the target when it is
// not below the effective minimum. maxInstancesPerNode is not applied here: it limits each node, and the
// placement of the instances enforces it.
#pragma once

#include <maelstrom/sdk/model.h>

#include <cstdint>
#include <string>
#include <vector>

namespace maelstrom::core {

struct AutoscaleInput {
    /// Per running (starting or active, not stopping) instance: the concurrency of its closed windows, newest
    /// first; empty for an instance younger than one window. The vector's size is the current count.
    std::vector<std::vector<double>> instanceWindows;
    /// Seconds since the last request, the last start or the last demand (cold start); 0 when busy now.
    std::int64_t secondsIdle = 0;
    /// Per instance (same order; missing entries count as 0): requests in flight averaged over the last second.
    std::vector<double> recentConcurrency;
    /// Per instance (same order; missing entries count as 0): the highest one-second average over ~200 s.
    std::vector<double> peakConcurrency;
};

/// The instance count `component` should have (>= 0): on this node, or cluster-wide from clusterAutoscaleInput.
std::int64_t autoscaleTarget(const sdk::Component& component, const AutoscaleInput& input);

/// The input of `component` over the whole cluster: every entry of it that is not "stopping" (nor paused) in any
/// node's runningComponents is one instance, its windows the concurrency of its activity (newest first, as given),
/// with its recent and peak concurrency.
/// secondsIdle counts from the latest last request or start among those instances (never negative); with no
/// instance the component is idle (a very large secondsIdle). Times are Unix milliseconds.
AutoscaleInput clusterAutoscaleInput(const std::string& component, const std::vector<sdk::NodeStatus>& nodes,
                                     std::int64_t nowUnixMs);

} // namespace maelstrom::core
