// tls_metrics.cpp — see tls_metrics.h.
// SPDX-License-Identifier: Apache-2.0
#include "metrics/tls_metrics.h"

#include "metrics/prometheus_text.h"

namespace maelstrom::core {

namespace {
constexpr std::array<const char*, 5> kReasons = {"version", "cipher", "unknown_name", "timeout", "other"};
}

void TlsMetrics::recordOk(bool resumed) noexcept {
    ok_.fetch_add(1, std::memory_order_relaxed);
    if (resumed) {
        resumed_.fetch_add(1, std::memory_order_relaxed);
    }
}

void TlsMetrics::recordFailure(TlsFailure reason) noexcept {
    failed_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t TlsMetrics::failed(TlsFailure reason) const noexcept {
    return failed_[static_cast<std::size_t>(reason)].load();
}

std::string TlsMetrics::render() const {
    std::string out;
    std::uint64_t failedTotal = 0;
    for (const auto& count : failed_) {
        failedTotal += count.load();
    }
    prometheus::header(out, "maelstrom_tls_handshakes_total", "counter",
                       "TLS handshakes on the public HTTPS port, by outcome.");
    prometheus::sample(out, "maelstrom_tls_handshakes_total", "outcome=\"ok\"", ok_.load());
    prometheus::sample(out, "maelstrom_tls_handshakes_total", "outcome=\"failed\"", failedTotal);
    prometheus::header(out, "maelstrom_tls_handshake_failures_total", "counter",
                       "Failed TLS handshakes on the public HTTPS port, by reason.");
    for (std::size_t i = 0; i < kReasons.size(); ++i) {
        prometheus::sample(out, "maelstrom_tls_handshake_failures_total", std::string("reason=\"") + kReasons[i] + "\"",
                           failed_[i].load());
    }
    prometheus::header(out, "maelstrom_tls_resumed_handshakes_total", "counter",
                       "TLS handshakes on the public HTTPS port that resumed an earlier session.");
    prometheus::sample(out, "maelstrom_tls_resumed_handshakes_total", "", resumed_.load());
    return out;
}

} // namespace maelstrom::core
