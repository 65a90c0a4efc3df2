// placement_plan.h — where instances go in the cluster: the placement options of a cold start (best node, with
// displacement of other components when memory is short), the stop choice of a scale-down, and the autoscaler's
// per-node plan (scale-downs, scale-ups, one move onto each empty node). Pure: no I/O, no clock, unit-tested.
// SPDX-License-Identifier: Apache-2.0
//
// An option is one node and the absolute instance counts proposed for it (a StartStopComponents input).
// Memory is accounted by reservations (each instance's reserveMemoryMiB, 128 when unset), never by the free
// memory a node reports. A node whose totalMemoryMiB is 0 is relay-only: nothing is ever placed on it.
//
// Cost order of options (better first): fewer instances of the component on the node (anti-affinity); fewer
// scale-downs; nodes left with at most one container first; lower 1-minute load; then the node id, so ties
// are broken the same way on every node and in every run (the original broke them at random).
// Displacement (cold start only) stops instances of other components on the node, least recently used first
// (the original displaced the most recently used first), until the new instance fits.
#pragma once

#include <maelstrom/sdk/model.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace maelstrom::core {

/// Default reservation of an instance whose component sets no reserveMemoryMiB.
inline constexpr std::int64_t kDefaultReserveMiB = 128;

/// One absolute instance count of StartStopComponents (wire: ComponentTarget).
struct ComponentTarget {
    std::string componentName;
    std::int64_t requiredMemoryMiB = 0; ///< reservation of one instance
    std::int64_t targetCount = 0;
    bool operator==(const ComponentTarget&) const = default;
};

/// A node and the counts proposed for it. `node.runningComponents` is what runs there now; `targets` replaces the
/// count of each component it names.
struct PlacementOption {
    sdk::NodeStatus node;
    std::vector<ComponentTarget> targets; ///< at most one entry per component

    /// Instances per component after the change (running entries counted one each, then replaced by targets).
    std::map<std::string, std::int64_t> containerCounts() const;
    /// Total instances after the change.
    std::int64_t containerCount() const;
    /// MiB reserved after the change: Σ targetCount × requiredMemoryMiB over targets, plus the reservations
    /// (effective, 128 when unset) of running entries whose component has no target.
    std::int64_t ramUsed() const;
    /// Reservation of one instance of `component` on this node: the largest among its running entries and its
    /// target; kDefaultReserveMiB when neither says.
    std::int64_t ramFor(const std::string& component) const;
    /// A copy whose target for `component` is (its current target, else its running count) + delta, with
    /// requiredMemoryMiB = `ramMiB`.
    PlacementOption withDelta(const std::string& component, std::int64_t delta, std::int64_t ramMiB) const;
    /// Targets above the running count (scale-ups) and below it (scale-downs).
    std::int64_t scaleUps() const;
    std::int64_t scaleDowns() const;
};

/// A fresh option for each node: no targets.
std::vector<PlacementOption> freshOptions(const std::vector<sdk::NodeStatus>& nodes);

/// The best option that adds one instance of `component` (reservation `requiredMiB`, 128 when <= 0) to one of
/// `options`: nodes under `maxPerNode` (<= 0: no limit) whose totalMemoryMiB is at least requiredMiB (and not 0)
/// and whose reservations leave room for it (ramUsed() + requiredMiB <= totalMemoryMiB); when they do not and
/// `displace` is set, instances of other components are stopped, least recently used first, until it fits. The
/// component's target counts every instance on the node at the larger of requiredMiB and the reservation of the
/// instances already there, so the accounting never undercounts. Targets of the result are sorted by component
/// name. Nothing when no node can take it.
std::optional<PlacementOption> bestStartOption(const std::vector<PlacementOption>& options,
                                               const std::string& component, std::int64_t requiredMiB,
                                               std::int64_t maxPerNode, bool displace);

/// The option that removes one instance of `component` from the node where that hurts least: the last by the
/// cost order, i.e. the most instances of it, then the most scale-downs, then a node left with more than one
/// container, then the highest load, then the highest node id.
std::optional<PlacementOption> bestStopOption(const std::vector<PlacementOption>& options,
                                              const std::string& component);

/// How many instances one component should gain (> 0) or lose (< 0) cluster-wide.
struct ScaleDelta {
    std::string componentName;
    std::int64_t delta = 0;
    std::int64_t requiredMiB = kDefaultReserveMiB; ///< effective reservation of one instance
    std::int64_t maxPerNode = 0;                   ///< maxInstancesPerNode (<= 0: no limit)
};

/// The autoscaler's plan over `nodes` (entries with status "stopping" are ignored): scale-downs first (most
/// negative delta first, each instance from bestStopOption), then scale-ups (bestStartOption without
/// displacement; when an instance fits nowhere, the rest of that delta is skipped), then for each node that
/// reserves nothing and is not relay-only, one instance moved there from a node that runs more than one container
/// (sources in node id order, each one's running entries then its targets in order; the component must fit the
/// empty node and stay within its maxPerNode). Each node's count of one component changes by at most one per plan
/// (the next pass, a second later, does the rest): the earlier target wins, so a node that already has a target
/// for a component is not offered again for it and the next best node is tried instead. Equal deltas are taken in
/// component name order. Only options with targets are returned, sorted by node id, each one's targets sorted by
/// component name.
std::vector<PlacementOption> planScale(const std::vector<sdk::NodeStatus>& nodes,
                                       const std::vector<ScaleDelta>& deltas);

/// `status` without its "stopping" entries.
sdk::NodeStatus withoutStopping(sdk::NodeStatus status);
/// `status` without its paused entries: a paused instance serves nothing and its memory is given up when a start
/// on its node needs it.
sdk::NodeStatus withoutPaused(sdk::NodeStatus status);
/// Whether `status` lists a paused instance of `component` (a start there is a wake).
bool hasPaused(const sdk::NodeStatus& status, const std::string& component);

} // namespace maelstrom::core
