// prometheus_text.h — what every metrics block of the private port's `/_mael/metrics` shares: the text exposition
// format 0.0.4 (HELP/TYPE lines, samples, label escaping) and a lock-free latency histogram.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace maelstrom::core {

namespace prometheus {
/// Label value escaping of the text format: backslash, double quote and newline.
std::string escapeLabel(std::string_view value);
/// A sample value as the format writes floating point numbers.
std::string formatDouble(double value);
/// The `# HELP` and `# TYPE` lines of a metric.
void header(std::string& out, const char* name, const char* type, const char* help);
/// `name{labels} value` (no braces when `labels` is empty).
void sample(std::string& out, const std::string& name, const std::string& labels, std::uint64_t value);
} // namespace prometheus

/// Upper bounds (seconds) of the latency histogram buckets: 1 ms to 300 s (the default deadline), then +Inf.
inline constexpr std::array<double, 17> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                           1,     2.5,    5,     10,   30,    60,   120, 300};

/// A lock-free histogram: one counter per bucket (not cumulative; render() accumulates), sum in nanoseconds.
class LatencyHistogram {
public:
    void observe(std::chrono::nanoseconds value) noexcept;
    /// Appends the `_bucket`, `_sum` and `_count` lines of `name` with the given label text (`component="x"`).
    void render(std::string& out, const std::string& name, const std::string& labels) const;

private:
    std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size() + 1> buckets_{};
    std::atomic<std::uint64_t> sumNanos_{0};
};

} // namespace maelstrom::core
