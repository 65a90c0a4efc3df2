// tls_metrics.h — the HTTPS listener's handshake metrics on the private port's `/_mael/metrics`.
// SPDX-License-Identifier: Apache-2.0
//
// Names:
//   maelstrom_tls_handshakes_total{outcome}          counter  ok, failed
//   maelstrom_tls_handshake_failures_total{reason}   counter  version (protocol older than TLS 1.2 or unknown),
//                                                             cipher (no shared cipher or group), unknown_name (no
//                                                             certificate for the SNI name), timeout (not done
//                                                             within the header timeout), other (anything else:
//                                                             resets, garbage, ALPN refusals)
//   maelstrom_tls_resumed_handshakes_total           counter  ok handshakes that resumed a session
// Every label appears at 0 from the start. Failed handshakes are counted here and logged at debug level only: the
// internet's scanners would fill the log otherwise.
// Thread-safety: every method is thread-safe (lock-free counters).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace maelstrom::core {

enum class TlsFailure { Version, Cipher, UnknownName, Timeout, Other };

class TlsMetrics {
public:
    void recordOk(bool resumed) noexcept;
    void recordFailure(TlsFailure reason) noexcept;

    std::uint64_t ok() const noexcept { return ok_.load(); }
    std::uint64_t resumed() const noexcept { return resumed_.load(); }
    std::uint64_t failed(TlsFailure reason) const noexcept;

    std::string render() const;

private:
    std::atomic<std::uint64_t> ok_{0};
    std::atomic<std::uint64_t> resumed_{0};
    std::array<std::atomic<std::uint64_t>, 5> failed_{};
};

} // namespace maelstrom::core
