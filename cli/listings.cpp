// listings.cpp — see listings.h. Formats are the original maelctl's, column for column.
#include "listings.h"

#include "humanize.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace maelstrom::cli {
namespace {

std::string trunc(const std::string& s, std::size_t n) { return s.size() > n ? s.substr(0, n) : s; }

std::string dashes(int n) { return std::string(static_cast<std::size_t>(n), '-'); }

// printf onto the end of `out`.
__attribute__((format(printf, 2, 3))) void appendf(std::string& out, const char* format, ...) {
    va_list args;
    va_start(args, format);
    va_list copy;
    va_copy(copy, args);
    const int size = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (size > 0) {
        const std::size_t at = out.size();
        out.resize(at + static_cast<std::size_t>(size) + 1);
        std::vsnprintf(out.data() + at, static_cast<std::size_t>(size) + 1, format, args);
        out.resize(at + static_cast<std::size_t>(size));
    }
    va_end(args);
}

bool showsIdlePause(const sdk::Component& c) {
    return c.docker && (c.docker->idlePause || c.docker->pausedTimeoutSeconds > 0);
}

} // namespace

std::string instanceStatus(const sdk::ComponentInfo& info) { return info.paused ? "paused" : info.status; }

std::string idlePauseSummary(const sdk::DockerComponent& docker) {
    const std::string after = " (stop after " + std::to_string(sdk::effectivePausedTimeoutSeconds(docker)) + " s)";
    if (docker.idlePause) {
        return "on" + after;
    }
    return docker.pausedTimeoutSeconds > 0 ? "off" + after : "off";
}

std::string componentTable(const std::vector<sdk::Component>& components, std::int64_t nowMillis) {
    if (components.empty()) {
        return "No components found\n";
    }
    const bool idlePause = std::any_of(components.begin(), components.end(), showsIdlePause);
    std::string out;
    appendf(out, "%-20s  %-30s  %-5s  %-10s%s\n", "Component", "Image", "Ver", "Last Modified",
            idlePause ? "  Idle Pause" : "");
    appendf(out, "%s\n", dashes(idlePause ? 98 : 74).c_str());
    for (const auto& c : components) {
        const std::string pause =
            idlePause ? "  " + (c.docker ? idlePauseSummary(*c.docker) : std::string("off")) : std::string();
        appendf(out, "%-20s  %-30s  %-5lld  %-13s%s\n", trunc(c.name, 20).c_str(),
                trunc(c.docker ? c.docker->image : "", 30).c_str(), static_cast<long long>(c.version),
                relativeTime(c.modifiedAt, nowMillis).c_str(), pause.c_str());
    }
    return out;
}

std::string clusterPsTable(const std::vector<sdk::NodeStatus>& nodes, std::int64_t nowMillis) {
    std::size_t count = 0;
    for (const auto& n : nodes) {
        count += n.runningComponents.size();
    }
    if (count == 0) {
        return "No running containers found\n";
    }
    std::string out;
    appendf(out, "%-30s  %-5s  %-8s  %-14s  %-7s  %-15s  %-11s  %-8s\n", "Component", "Ver", "Status", "Node ID",
            "Max RAM", "Last Request", "# Requests", "Concur %");
    appendf(out, "%s\n", dashes(113).c_str());
    for (const auto& n : nodes) {
        for (const auto& c : n.runningComponents) {
            double concurrency = 0;
            for (const auto& a : c.activity) {
                concurrency += a.concurrency;
            }
            const double pct = c.activity.empty()
                                   ? 0
                                   : 100.0 * (concurrency / static_cast<double>(c.activity.size())) /
                                         static_cast<double>(std::max<std::int64_t>(c.maxConcurrency, 1));
            appendf(out, "%-30s  %-5lld  %-8s  %-14s  %-7lld  %-15s  %-11lld  %-8.2f\n",
                    trunc(c.componentName, 30).c_str(), static_cast<long long>(c.componentVersion),
                    instanceStatus(c).c_str(), trunc(n.nodeId, 14).c_str(), static_cast<long long>(c.memoryReservedMiB),
                    c.lastRequestTime <= 0 ? "Never" : relativeTime(c.lastRequestTime, nowMillis).c_str(),
                    static_cast<long long>(c.totalRequests), pct);
        }
    }
    return out;
}

} // namespace maelstrom::cli
