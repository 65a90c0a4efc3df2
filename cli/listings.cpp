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

// The CN of an RFC 2253 name ("CN=R3,O=Let's Encrypt,C=US" → "R3", escapes undone); the text itself when it has
// none.
std::string commonName(const std::string& name) {
    std::size_t start = 0;
    while (start < name.size()) {
        std::string value;
        std::size_t i = start;
        for (; i < name.size() && name[i] != ','; ++i) {
            if (name[i] == '\\' && i + 1 < name.size()) {
                ++i; // an escaped character (a comma, a plus...) belongs to the value
            }
            value += name[i];
        }
        if (value.rfind("CN=", 0) == 0) {
            return value.substr(3);
        }
        start = i + 1;
    }
    return name;
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

std::string expiryText(std::int64_t notAfterSeconds, std::int64_t nowMillis) {
    if (notAfterSeconds == 0) {
        return "not issued yet";
    }
    const std::int64_t left = notAfterSeconds - nowMillis / 1000;
    if (left <= 0) {
        return "expired " + relativeTime(notAfterSeconds * 1000, nowMillis);
    }
    struct Unit {
        std::int64_t seconds;
        const char* name;
    };
    // Days down to two of them (what renewal plans in), then hours, minutes, seconds.
    for (const Unit unit : {Unit{86400, "days"}, Unit{3600, "hours"}, Unit{60, "minutes"}}) {
        if (left >= 2 * unit.seconds) {
            return "in " + std::to_string(left / unit.seconds) + " " + unit.name;
        }
    }
    return left == 1 ? "in 1 second" : "in " + std::to_string(left) + " seconds";
}

std::string certificateTable(const std::vector<CertificateRow>& rows, std::int64_t nowMillis) {
    if (rows.empty()) {
        return "No certificates found: HTTPS needs tls_cert_file and tls_key_file (MAEL_TLS_CERT_FILE, "
               "MAEL_TLS_KEY_FILE) or letsencrypt_email (LETSENCRYPT_EMAIL) on maelstromd; with ACME, hostnames "
               "appear once an enabled HTTP event source names them\n";
    }
    std::string out;
    appendf(out, "%-30s  %-6s  %-24s  %-18s  %-15s  %s\n", "Hostname", "Source", "Issuer", "Expires", "Last Renewal",
            "Last Error");
    appendf(out, "%s\n", dashes(113).c_str());
    for (const auto& r : rows) {
        const std::string issuer = commonName(r.issuer);
        const std::string renewed = r.source == "file" ? "(file)"
                                    : r.issuedAt == 0  ? "-"
                                                       : relativeTime(r.issuedAt * 1000, nowMillis);
        std::string error = r.lastError.empty() ? "-" : r.lastError;
        if (r.nextAttemptAt != 0 && !r.lastError.empty()) {
            error += " (next attempt " + relativeTime(r.nextAttemptAt * 1000, nowMillis) + ")";
        }
        appendf(out, "%-30s  %-6s  %-24s  %-18s  %-15s  %s\n", trunc(r.hostname, 30).c_str(), r.source.c_str(),
                trunc(issuer.empty() ? "-" : issuer, 24).c_str(), expiryText(r.notAfter, nowMillis).c_str(),
                renewed.c_str(), error.c_str());
    }
    return out;
}

} // namespace maelstrom::cli
