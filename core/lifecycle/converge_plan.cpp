// converge_plan.cpp — see converge_plan.h.
#include "lifecycle/converge_plan.h"

#include <deque>

namespace maelstrom::core {

ConvergePlan planConvergence(const std::vector<PlanContainer>& containers, std::int64_t targetVersion,
                             std::int64_t targetCount, sdk::StartParallelism startParallelism,
                             sdk::RestartOrder restartOrder) {
    std::deque<PlanStep> toStop;
    std::int64_t active = 0;
    for (const auto& c : containers) {
        std::string reason;
        if (active >= targetCount) {
            reason = kScaleDownReason;
        } else if (!c.terminateReason.empty()) {
            reason = c.terminateReason;
        } else if (c.version == targetVersion) {
            ++active;
            continue;
        } else {
            reason = "component version changed";
        }
        toStop.push_back(PlanStep{PlanStep::Kind::Stop, c.id, reason, false});
    }

    ConvergePlan plan;
    std::int64_t toStart = targetCount > active ? targetCount - active : 0;
    bool lock = startParallelism != sdk::StartParallelism::Parallel;
    bool nextIsStart = restartOrder == sdk::RestartOrder::StartStop;
    while (toStart > 0 || !toStop.empty()) {
        if (nextIsStart) {
            nextIsStart = false;
            if (toStart > 0) {
                plan.steps.push_back(PlanStep{PlanStep::Kind::Start, {}, {}, lock});
                ++plan.starts;
                --toStart;
                if (startParallelism == sdk::StartParallelism::SeriesFirst) {
                    lock = false;
                }
            }
        } else {
            nextIsStart = true;
            if (!toStop.empty()) {
                plan.steps.push_back(std::move(toStop.front()));
                toStop.pop_front();
            }
        }
    }
    return plan;
}

} // namespace maelstrom::core
