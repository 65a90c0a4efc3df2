// placement_plan.cpp — see placement_plan.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster/placement_plan.h"

#include <algorithm>
#include <tuple>

namespace maelstrom::core {

namespace {

constexpr const char* kStoppingStatus = "stopping";

/// The reservation a running entry holds: its memoryReservedMiB, the default when unset.
std::int64_t effectiveReserve(const sdk::ComponentInfo& info) {
    return info.memoryReservedMiB > 0 ? info.memoryReservedMiB : kDefaultReserveMiB;
}

std::int64_t runningCount(const sdk::NodeStatus& node, const std::string& component) {
    return static_cast<std::int64_t>(
        std::count_if(node.runningComponents.begin(), node.runningComponents.end(),
                      [&](const sdk::ComponentInfo& info) { return info.componentName == component; }));
}

const ComponentTarget* findTarget(const PlacementOption& option, const std::string& component) {
    for (const auto& target : option.targets) {
        if (target.componentName == component) {
            return &target;
        }
    }
    return nullptr;
}

std::int64_t countOf(const std::map<std::string, std::int64_t>& counts, const std::string& component) {
    const auto it = counts.find(component);
    return it == counts.end() ? 0 : it->second;
}

/// The largest reservation the option already knows for `component` (running entries and target), 0 if none.
std::int64_t knownReserve(const PlacementOption& option, const std::string& component) {
    std::int64_t ram = 0;
    for (const auto& info : option.node.runningComponents) {
        if (info.componentName == component) {
            ram = std::max(ram, effectiveReserve(info));
        }
    }
    if (const ComponentTarget* target = findTarget(option, component)) {
        ram = std::max(ram, target->requiredMemoryMiB);
    }
    return ram;
}

/// Strict "better than" of the cost order, for `component`. Each option already includes its proposed change.
bool cheaper(const PlacementOption& a, const PlacementOption& b, const std::string& component) {
    const std::int64_t countA = countOf(a.containerCounts(), component);
    const std::int64_t countB = countOf(b.containerCounts(), component);
    if (countA != countB) {
        return countA < countB;
    }
    const std::int64_t downsA = a.scaleDowns();
    const std::int64_t downsB = b.scaleDowns();
    if (downsA != downsB) {
        return downsA < downsB;
    }
    const bool nearlyEmptyA = a.containerCount() <= 1;
    const bool nearlyEmptyB = b.containerCount() <= 1;
    if (nearlyEmptyA != nearlyEmptyB) {
        return nearlyEmptyA;
    }
    if (a.node.loadAvg1m != b.node.loadAvg1m) {
        return a.node.loadAvg1m < b.node.loadAvg1m;
    }
    return a.node.nodeId < b.node.nodeId;
}

/// Whether `option` may still change its count of `component` in this plan: a node's count of one component
/// changes by at most one per plan, so a component that already has a target there is not offered again (the
/// earlier target wins).
bool untouched(const PlacementOption& option, const std::string& component) {
    return findTarget(option, component) == nullptr;
}

/// Whether moving the count of `component` on `option` by `delta` keeps it within one of the running count.
bool withinOne(const PlacementOption& option, const std::string& component, std::int64_t delta) {
    const ComponentTarget* target = findTarget(option, component);
    const std::int64_t running = runningCount(option.node, component);
    const std::int64_t next = (target != nullptr ? target->targetCount : running) + delta;
    return next >= 0 && next - running <= 1 && running - next <= 1;
}

/// `options` (sorted by node id) with `changed` in place of the option of the same node.
void replaceOption(std::vector<PlacementOption>& options, PlacementOption changed) {
    for (auto& option : options) {
        if (option.node.nodeId == changed.node.nodeId) {
            option = std::move(changed);
            return;
        }
    }
}

std::vector<PlacementOption> optionsWithout(const std::vector<PlacementOption>& options, const std::string& component) {
    std::vector<PlacementOption> result;
    for (const auto& option : options) {
        if (untouched(option, component)) {
            result.push_back(option);
        }
    }
    return result;
}

/// One instance moved onto each node that reserves nothing (and is not relay-only), from the first node in
/// node id order that runs more than one container and has a component that fits and respects its limits.
void rebalanceOntoEmptyNodes(std::vector<PlacementOption>& options, const std::vector<ScaleDelta>& deltas) {
    const auto maxPerNodeOf = [&](const std::string& component) {
        std::int64_t limit = 0;
        for (const auto& d : deltas) {
            if (d.componentName == component && d.maxPerNode > 0) {
                limit = limit > 0 ? std::min(limit, d.maxPerNode) : d.maxPerNode;
            }
        }
        return limit;
    };
    for (std::size_t empty = 0; empty < options.size(); ++empty) {
        if (options[empty].node.totalMemoryMiB <= 0 || options[empty].ramUsed() != 0) {
            continue;
        }
        bool moved = false;
        for (std::size_t from = 0; from < options.size() && !moved; ++from) {
            if (from == empty || options[from].containerCount() <= 1) {
                continue;
            }
            std::vector<std::string> candidates;
            for (const auto& info : options[from].node.runningComponents) {
                candidates.push_back(info.componentName);
            }
            for (const auto& target : options[from].targets) {
                candidates.push_back(target.componentName);
            }
            const auto counts = options[from].containerCounts();
            for (const auto& component : candidates) {
                const std::int64_t ram = options[from].ramFor(component);
                const std::int64_t limit = maxPerNodeOf(component);
                if (countOf(counts, component) <= 0 || ram > options[empty].node.totalMemoryMiB ||
                    (limit > 0 && countOf(options[empty].containerCounts(), component) + 1 > limit) ||
                    !withinOne(options[from], component, -1) || !withinOne(options[empty], component, +1)) {
                    continue;
                }
                options[from] = options[from].withDelta(component, -1, ram);
                options[empty] = options[empty].withDelta(component, +1, ram);
                moved = true;
                break;
            }
        }
    }
}

} // namespace

std::map<std::string, std::int64_t> PlacementOption::containerCounts() const {
    std::map<std::string, std::int64_t> counts;
    for (const auto& info : node.runningComponents) {
        ++counts[info.componentName];
    }
    for (const auto& target : targets) {
        counts[target.componentName] = target.targetCount;
    }
    return counts;
}

std::int64_t PlacementOption::containerCount() const {
    std::int64_t total = 0;
    for (const auto& [component, count] : containerCounts()) {
        total += count;
    }
    return total;
}

std::int64_t PlacementOption::ramUsed() const {
    std::int64_t used = 0;
    for (const auto& target : targets) {
        used += target.targetCount * target.requiredMemoryMiB;
    }
    for (const auto& info : node.runningComponents) {
        if (findTarget(*this, info.componentName) == nullptr) {
            used += effectiveReserve(info);
        }
    }
    return used;
}

std::int64_t PlacementOption::ramFor(const std::string& component) const {
    const std::int64_t ram = knownReserve(*this, component);
    return ram > 0 ? ram : kDefaultReserveMiB;
}

PlacementOption PlacementOption::withDelta(const std::string& component, std::int64_t delta,
                                           std::int64_t ramMiB) const {
    PlacementOption copy;
    copy.node = node;
    const ComponentTarget* current = findTarget(*this, component);
    const std::int64_t base = current != nullptr ? current->targetCount : runningCount(node, component);
    for (const auto& target : targets) {
        if (target.componentName != component) {
            copy.targets.push_back(target);
        }
    }
    ComponentTarget changed{component, ramMiB, base + delta};
    const auto at = std::lower_bound(
        copy.targets.begin(), copy.targets.end(), component,
        [](const ComponentTarget& target, const std::string& name) { return target.componentName < name; });
    copy.targets.insert(at, std::move(changed));
    return copy;
}

std::int64_t PlacementOption::scaleUps() const {
    std::int64_t ups = 0;
    for (const auto& target : targets) {
        ups += target.targetCount > runningCount(node, target.componentName) ? 1 : 0;
    }
    return ups;
}

std::int64_t PlacementOption::scaleDowns() const {
    std::int64_t downs = 0;
    for (const auto& target : targets) {
        downs += target.targetCount < runningCount(node, target.componentName) ? 1 : 0;
    }
    return downs;
}

std::vector<PlacementOption> freshOptions(const std::vector<sdk::NodeStatus>& nodes) {
    std::vector<PlacementOption> options;
    options.reserve(nodes.size());
    for (const auto& node : nodes) {
        options.push_back(PlacementOption{node, {}});
    }
    return options;
}

std::optional<PlacementOption> bestStartOption(const std::vector<PlacementOption>& options,
                                               const std::string& component, std::int64_t requiredMiB,
                                               std::int64_t maxPerNode, bool displace) {
    const std::int64_t required = requiredMiB > 0 ? requiredMiB : kDefaultReserveMiB;
    std::optional<PlacementOption> best;
    for (const auto& candidate : options) {
        const std::int64_t total = candidate.node.totalMemoryMiB;
        auto counts = candidate.containerCounts();
        if (total <= 0 || total < required || (maxPerNode > 0 && countOf(counts, component) >= maxPerNode)) {
            continue;
        }
        // The instances already there may reserve more than `required` (an older version): the target then
        // counts every instance at the larger reservation, so the plan never undercounts.
        const std::int64_t ram = std::max(required, knownReserve(candidate, component));
        PlacementOption option = candidate;
        const auto fits = [&](const PlacementOption& o) { return o.withDelta(component, +1, ram).ramUsed() <= total; };
        if (!fits(option) && displace) {
            std::vector<const sdk::ComponentInfo*> victims;
            for (const auto& info : candidate.node.runningComponents) {
                if (info.componentName != component) {
                    victims.push_back(&info);
                }
            }
            std::stable_sort(victims.begin(), victims.end(), [](const auto* a, const auto* b) {
                return std::tie(a->lastRequestTime, a->startTime) < std::tie(b->lastRequestTime, b->startTime);
            });
            for (const auto* victim : victims) {
                if (fits(option)) {
                    break;
                }
                auto& remaining = counts[victim->componentName];
                if (remaining <= 0) {
                    continue;
                }
                --remaining;
                option = option.withDelta(victim->componentName, -1, option.ramFor(victim->componentName));
            }
        }
        if (!fits(option)) {
            continue;
        }
        PlacementOption result = option.withDelta(component, +1, ram);
        if (!best || cheaper(result, *best, component)) {
            best = std::move(result);
        }
    }
    return best;
}

std::optional<PlacementOption> bestStopOption(const std::vector<PlacementOption>& options,
                                              const std::string& component) {
    std::optional<PlacementOption> worst;
    for (const auto& candidate : options) {
        if (countOf(candidate.containerCounts(), component) <= 0) {
            continue;
        }
        PlacementOption result = candidate.withDelta(component, -1, candidate.ramFor(component));
        if (!worst || cheaper(*worst, result, component)) {
            worst = std::move(result);
        }
    }
    return worst;
}

std::vector<PlacementOption> planScale(const std::vector<sdk::NodeStatus>& nodes,
                                       const std::vector<ScaleDelta>& deltas) {
    std::vector<sdk::NodeStatus> active;
    active.reserve(nodes.size());
    for (const auto& node : nodes) {
        active.push_back(withoutStopping(node));
    }
    std::vector<PlacementOption> options = freshOptions(active);
    std::stable_sort(options.begin(), options.end(),
                     [](const PlacementOption& a, const PlacementOption& b) { return a.node.nodeId < b.node.nodeId; });

    std::vector<ScaleDelta> sorted = deltas;
    std::stable_sort(sorted.begin(), sorted.end(), [](const ScaleDelta& a, const ScaleDelta& b) {
        return std::tie(a.delta, a.componentName) < std::tie(b.delta, b.componentName);
    });
    for (const auto& d : sorted) {
        for (std::int64_t i = 0; i < -d.delta; ++i) {
            auto option = bestStopOption(optionsWithout(options, d.componentName), d.componentName);
            if (!option) {
                break;
            }
            replaceOption(options, std::move(*option));
        }
    }
    for (const auto& d : sorted) {
        for (std::int64_t i = 0; i < d.delta; ++i) {
            auto option = bestStartOption(optionsWithout(options, d.componentName), d.componentName, d.requiredMiB,
                                          d.maxPerNode, false);
            if (!option) {
                break;
            }
            replaceOption(options, std::move(*option));
        }
    }
    rebalanceOntoEmptyNodes(options, deltas);

    std::vector<PlacementOption> result;
    for (auto& option : options) {
        if (!option.targets.empty()) {
            result.push_back(std::move(option));
        }
    }
    return result;
}

sdk::NodeStatus withoutStopping(sdk::NodeStatus status) {
    auto& running = status.runningComponents;
    running.erase(std::remove_if(running.begin(), running.end(),
                                 [](const sdk::ComponentInfo& info) { return info.status == kStoppingStatus; }),
                  running.end());
    return status;
}

sdk::NodeStatus withoutPaused(sdk::NodeStatus status) {
    auto& running = status.runningComponents;
    running.erase(
        std::remove_if(running.begin(), running.end(), [](const sdk::ComponentInfo& info) { return info.paused; }),
        running.end());
    return status;
}

bool hasPaused(const sdk::NodeStatus& status, const std::string& component) {
    return std::any_of(status.runningComponents.begin(), status.runningComponents.end(),
                       [&](const sdk::ComponentInfo& info) { return info.paused && info.componentName == component; });
}

} // namespace maelstrom::core
