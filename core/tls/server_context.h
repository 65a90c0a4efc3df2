// server_context.h — the HTTPS listener's OpenSSL context: TLS 1.2 and 1.3 only with Mozilla's "intermediate"
// ciphers and groups, the certificate chosen per handshake from a CertificateStore by SNI, ALPN http/1.1, session
// resumption (server-side cache and tickets), no compression, no renegotiation.
// SPDX-License-Identifier: Apache-2.0
//
// The client's cipher order wins (intermediate leaves server preference off: every offered cipher is strong and
// clients know best which one their hardware runs fast). ALPN: a client offering protocols must offer http/1.1
// (an h2-only client gets the no_application_protocol alert); a client offering none is served HTTP/1.1.
// One context serves every hostname: the certificate, key and chain are set on the connection in the SNI callback,
// so the session cache and ticket keys are common to all names.
//
// Threads: built once; used by every loop concurrently (OpenSSL contexts are thread-safe once configured).
#pragma once

#include "metrics/tls_metrics.h"
#include "net/tls_stream.h"
#include "tls/certificate_store.h"

#include <memory>

namespace maelstrom::core::tls {

class ServerContext {
public:
    /// @throws TlsError when OpenSSL refuses the settings (an OpenSSL without the required ciphers).
    ServerContext(std::shared_ptr<CertificateStore> store, std::shared_ptr<TlsMetrics> metrics);
    ServerContext(const ServerContext&) = delete;
    ServerContext& operator=(const ServerContext&) = delete;

    net::ssl::context& context() noexcept { return context_; }
    CertificateStore& store() noexcept { return *store_; }
    TlsMetrics& metrics() noexcept { return *metrics_; }

    /// Why a server handshake failed, for the failure counter.
    static TlsFailure classify(const boost::system::error_code& ec) noexcept;

private:
    net::ssl::context context_;
    std::shared_ptr<CertificateStore> store_;
    std::shared_ptr<TlsMetrics> metrics_;
};

/// The TLS 1.2 cipher list (Mozilla intermediate, configuration version 5.7).
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
inline constexpr const char* kTls13Ciphers =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
inline constexpr const char* kGroups = "X25519:prime256v1:secp384r1";

} // namespace maelstrom::core::tls
