// prometheus_text.cpp — see prometheus_text.h.
// SPDX-License-Identifier: Apache-2.0
#include "metrics/prometheus_text.h"

#include <algorithm>
#include <cstdio>

namespace maelstrom::core {
namespace prometheus {

std::string escapeLabel(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string formatDouble(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    return buffer;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(std::string& out, const std::string& name, const std::string& labels, std::uint64_t value) {
    out += name;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

} // namespace prometheus

void LatencyHistogram::observe(std::chrono::nanoseconds value) noexcept {
    const std::int64_t nanos = std::max<std::int64_t>(value.count(), 0);
    const double seconds = static_cast<double>(nanos) / 1e9;
    std::size_t bucket = 0;
    while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) {
        ++bucket;
    }
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sumNanos_.fetch_add(static_cast<std::uint64_t>(nanos), std::memory_order_relaxed);
}

void LatencyHistogram::render(std::string& out, const std::string& name, const std::string& labels) const {
    std::uint64_t cumulative = 0;
    const std::string prefix = labels.empty() ? std::string() : labels + ",";
    for (std::size_t i = 0; i <= kLatencyBuckets.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        const std::string le = i < kLatencyBuckets.size() ? prometheus::formatDouble(kLatencyBuckets[i]) : "+Inf";
        prometheus::sample(out, name + "_bucket", prefix + "le=\"" + le + "\"", cumulative);
    }
    out += name + "_sum";
    out += labels.empty() ? "" : "{" + labels + "}";
    out += ' ';
    out += prometheus::formatDouble(static_cast<double>(sumNanos_.load(std::memory_order_relaxed)) / 1e9);
    out += '\n';
    prometheus::sample(out, name + "_count", labels, cumulative);
}

} // namespace maelstrom::core
