// autoscale.cpp — see autoscale.h.
#include "lifecycle/autoscale.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

namespace maelstrom::core {

std::int64_t autoscaleTarget(const sdk::Component& component, const AutoscaleInput& input) {
    const std::int64_t idleTimeout =
        component.docker ? sdk::effectiveIdleTimeoutSeconds(*component.docker) : std::int64_t{300};
    const bool idle = input.secondsIdle > idleTimeout;
    std::int64_t minInstances = component.minInstances;
    if (minInstances < 1 && !idle) {
        minInstances = 1; // keep one warm while not idle
    }
    const double maxConcurrency = static_cast<double>(sdk::effectiveMaxConcurrency(component));
    const double downPct = sdk::effectiveScaleDownPct(component);
    const double upPct = sdk::effectiveScaleUpPct(component);

    auto at = [](const std::vector<double>& values, std::size_t i) {
        return i < values.size() ? std::max(0.0, values[i]) : 0.0;
    };
    double sumAvg = 0;
    double sumMax = 0;
    double sumRecent = 0;
    for (std::size_t i = 0; i < input.instanceWindows.size(); ++i) {
        const auto& windows = input.instanceWindows[i];
        sumRecent += at(input.recentConcurrency, i);
        const double windowMax = windows.empty() ? 0.0 : *std::max_element(windows.begin(), windows.end());
        // The in-flight peak holds instances through a lull between bursts; once the component is idle past its
        // timeout nothing is in flight and the user asked for it to stop, so the peak no longer counts.
        sumMax += std::max({0.0, windowMax, idle ? 0.0 : at(input.peakConcurrency, i)});
        if (!windows.empty()) {
            sumAvg += std::accumulate(windows.begin(), windows.end(), 0.0) / static_cast<double>(windows.size());
        }
    }
    const auto current = static_cast<std::int64_t>(input.instanceWindows.size());
    std::int64_t target = current;
    if (current > 0) {
        const double denominator = static_cast<double>(current) * maxConcurrency;
        const double scaleUnit = maxConcurrency * upPct;
        const double demand = std::max(sumAvg, sumRecent);
        if (demand / denominator > upPct) {
            target = static_cast<std::int64_t>(std::ceil(demand / scaleUnit));
        } else if (sumMax / denominator < downPct) {
            target = static_cast<std::int64_t>(std::ceil(sumMax / scaleUnit));
        }
    }
    target = std::max(target, minInstances);
    if (component.maxInstances > 0 && component.maxInstances >= minInstances) {
        target = std::min(target, component.maxInstances);
    }
    return std::max<std::int64_t>(target, 0);
}

AutoscaleInput clusterAutoscaleInput(const std::string& component, const std::vector<sdk::NodeStatus>& nodes,
                                     std::int64_t nowUnixMs) {
    AutoscaleInput input;
    std::optional<std::int64_t> latest;
    for (const auto& node : nodes) {
        for (const auto& info : node.runningComponents) {
            if (info.componentName != component || info.status == "stopping" || info.paused) {
                continue;
            }
            std::vector<double> windows;
            windows.reserve(info.activity.size());
            for (const auto& window : info.activity) {
                windows.push_back(window.concurrency);
            }
            input.instanceWindows.push_back(std::move(windows));
            input.recentConcurrency.push_back(info.recentConcurrency);
            input.peakConcurrency.push_back(info.peakConcurrency);
            const std::int64_t last = std::max(info.lastRequestTime, info.startTime);
            latest = latest ? std::max(*latest, last) : last;
        }
    }
    input.secondsIdle =
        latest ? std::max<std::int64_t>(0, (nowUnixMs - *latest) / 1000) : std::numeric_limits<std::int64_t>::max();
    return input;
}

} // namespace maelstrom::core
