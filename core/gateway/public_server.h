// public_server.h — the public listeners: HTTP (node setting public_port, default 80) and, when TLS is on, HTTPS
// (public_https_port, default 443). Without TLS every plain request goes to the Gateway as a public request
// (event-source routing only); `/_mael_health_check` answers 200 "OK".
// SPDX-License-Identifier: Apache-2.0
//
// With TLS on (enableTls()), the HTTPS port serves the Gateway exactly as the plain port does without TLS, and the
// plain port only answers what must stay plain: `/.well-known/acme-challenge/<token>` (ACME HTTP-01: the lookup's
// key authorization, 200 text/plain, or 404), `/_mael_health_check` (200: load balancers keep probing the plain
// port), and everything else is a 301 to `https://<host>[:<https port> unless 443]<target>`.
//
// Served on event loops (net/http_server.h: strict parsing, timeouts, the connection bound); the loops are the
// node's shared ones when given, else the server's own (http_event_loops of them). The challenge lookup may block
// (a database read): it runs on a thread of the server's own, never on a loop.
// Threads: start()/stop() and the setters from one thread; setters before start().
#pragma once

#include "config/node_settings.h"
#include "gateway/gateway.h"
#include "metrics/tls_metrics.h"
#include "net/event_loops.h"
#include "net/http_server.h"
#include "tls/certificate_store.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace maelstrom::core {

namespace tls {
class ServerContext;
}

/// The listener limits of the node settings (http_* rows): the head deadline is min(read timeout, 10 s).
net::ServerLimits serverLimits(const NodeSettings& settings);

/// The 301 target for a plain request when TLS is on: `https://<Host without port>[:<httpsPort>]<target>`; empty
/// when the Host header is missing or not a plain host name / IP literal.
std::string httpsRedirectLocation(std::string_view host, std::string_view target, int httpsPort);

/// ACME HTTP-01: the key authorization of `token`, or nothing (404). May block; never runs on an event loop.
using AcmeChallengeLookup = std::function<std::optional<std::string>(const std::string& token)>;

class PublicServer {
public:
    /// `gateway` must outlive the server. `bindAddress` "0.0.0.0" in the daemon, "127.0.0.1" in tests. `loops`:
    /// the node's event loops (null: the server starts its own).
    PublicServer(const NodeSettings& settings, Gateway& gateway, std::string bindAddress = "0.0.0.0",
                 std::shared_ptr<net::EventLoops> loops = nullptr);
    ~PublicServer();
    PublicServer(const PublicServer&) = delete;
    PublicServer& operator=(const PublicServer&) = delete;

    /// Turns TLS on: start() also listens on public_https_port with certificates from `store`, counting handshakes
    /// in `metrics`; the plain port answers as described above. Before start().
    /// @throws tls::TlsError when OpenSSL refuses the TLS settings.
    void enableTls(std::shared_ptr<tls::CertificateStore> store, std::shared_ptr<TlsMetrics> metrics);
    /// ACME HTTP-01 answers of the plain port (TLS on only; unset: every challenge is 404). Before start().
    void setAcmeChallengeLookup(AcmeChallengeLookup lookup);

    /// Binds <bindAddress>:<public_port> (0 = any free port), and <bindAddress>:<public_https_port> with TLS on, and
    /// starts serving. @throws ConfigError when a port cannot be bound (nothing is left listening then).
    void start();
    /// Stops accepting, lets requests in progress finish (bounded), closes the connections. Idempotent.
    void stop();
    int port() const;
    /// The HTTPS port (0 without TLS or before start()).
    int httpsPort() const;
    /// Open connections (both ports).
    std::size_t connections() const;

private:
    net::Task<void> handlePlainWithTls(net::HttpExchange& exchange);
    net::Task<std::optional<std::string>> lookUpChallenge(std::string token);

    NodeSettings settings_;
    Gateway& gateway_;
    std::string bindAddress_;
    std::shared_ptr<net::EventLoops> loops_;
    std::shared_ptr<tls::ServerContext> tls_;
    AcmeChallengeLookup acmeChallenge_;
    std::unique_ptr<net::asio::thread_pool> lookups_; ///< runs acmeChallenge_ (blocking) off the loops
    std::unique_ptr<net::HttpServer> server_;
    std::unique_ptr<net::HttpServer> httpsServer_;
};

} // namespace maelstrom::core
