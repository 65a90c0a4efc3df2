// model.cpp — names of model enums and the "default applied at use time" rules of the original.
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/model.h>

namespace maelstrom::sdk {

const char* eventSourceTypeName(EventSourceType type) noexcept {
    switch (type) {
    case EventSourceType::Http:
        return "http";
    case EventSourceType::Cron:
        return "cron";
    case EventSourceType::Sqs:
        return "sqs";
    case EventSourceType::AwsStepFunc:
        return "awsstepfunc";
    }
    return "unknown";
}

std::optional<EventSourceType> eventSourceTypeFromName(const std::string& name) noexcept {
    for (auto t : {EventSourceType::Http, EventSourceType::Cron, EventSourceType::Sqs, EventSourceType::AwsStepFunc}) {
        if (name == eventSourceTypeName(t)) {
            return t;
        }
    }
    return std::nullopt;
}

std::int64_t effectiveMaxConcurrency(const Component& c) noexcept {
    return c.maxConcurrency <= 0 ? 1 : c.maxConcurrency;
}
std::int64_t effectiveMaxDurationSeconds(const Component& c) noexcept {
    return c.maxDurationSeconds <= 0 ? 300 : c.maxDurationSeconds;
}
double effectiveScaleUpPct(const Component& c) noexcept {
    return c.scaleUpConcurrencyPct <= 0 ? 0.75 : c.scaleUpConcurrencyPct;
}
double effectiveScaleDownPct(const Component& c) noexcept {
    return c.scaleDownConcurrencyPct <= 0 ? 0.25 : c.scaleDownConcurrencyPct;
}
// Stored values were validated against kStartParallelismValues / kRestartOrderValues; anything else (only a
// row written around the API) gets the default.
StartParallelism effectiveStartParallelism(const Component& c) noexcept {
    if (c.startParallelism == "series") {
        return StartParallelism::Series;
    }
    if (c.startParallelism == "seriesfirst") {
        return StartParallelism::SeriesFirst;
    }
    return StartParallelism::Parallel;
}
RestartOrder effectiveRestartOrder(const Component& c) noexcept {
    return c.restartOrder == "startstop" ? RestartOrder::StartStop : RestartOrder::StopStart;
}
std::int64_t effectiveReserveMemoryMiB(const DockerComponent& d) noexcept {
    return d.reserveMemoryMiB <= 0 ? 128 : d.reserveMemoryMiB;
}
std::int64_t effectiveIdleTimeoutSeconds(const DockerComponent& d) noexcept {
    return d.idleTimeoutSeconds <= 0 ? 300 : d.idleTimeoutSeconds;
}
std::int64_t effectivePausedTimeoutSeconds(const DockerComponent& d) noexcept {
    return d.pausedTimeoutSeconds <= 0 ? 1800 : d.pausedTimeoutSeconds;
}
std::int64_t effectiveHealthCheckSeconds(const DockerComponent& d) noexcept {
    return d.httpHealthCheckSeconds <= 0 ? 10 : d.httpHealthCheckSeconds;
}
std::int64_t effectiveHealthCheckMaxFailures(const DockerComponent& d) noexcept {
    return d.httpHealthCheckMaxFailures <= 0 ? 1 : d.httpHealthCheckMaxFailures;
}
std::string effectiveHealthCheckPath(const DockerComponent& d) {
    return d.httpHealthCheckPath.empty() ? "/" : d.httpHealthCheckPath;
}
std::int64_t effectiveStartHealthCheckSeconds(const DockerComponent& d) noexcept {
    return d.httpStartHealthCheckSeconds == 0 ? 60 : d.httpStartHealthCheckSeconds;
}

} // namespace maelstrom::sdk
