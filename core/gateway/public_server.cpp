// public_server.cpp — the public listeners and the plain port's answers when TLS is on.
// SPDX-License-Identifier: Apache-2.0
#include "gateway/public_server.h"

#include "tls/server_context.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <thread>

namespace maelstrom::core {

using namespace std::string_view_literals;

namespace {

constexpr std::string_view kAcmeChallengePrefix = "/.well-known/acme-challenge/";

bool hostNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

/// ACME tokens are base64url (RFC 8555 §8.3); anything else cannot be one.
bool validToken(std::string_view token) {
    return !token.empty() && token.size() <= 256 && std::all_of(token.begin(), token.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

} // namespace

net::ServerLimits serverLimits(const NodeSettings& settings) {
    net::ServerLimits limits;
    const auto seconds = [](std::int64_t s) { return std::chrono::milliseconds(std::max<std::int64_t>(s, 1) * 1000); };
    limits.readTimeout = seconds(settings.httpReadTimeoutSeconds);
    limits.writeTimeout = seconds(settings.httpWriteTimeoutSeconds);
    limits.idleTimeout = seconds(settings.httpIdleTimeoutSeconds);
    limits.headerTimeout = std::min(limits.readTimeout, std::chrono::milliseconds(10'000));
    limits.maxConnections = static_cast<std::size_t>(std::max<std::int64_t>(settings.httpMaxConnections, 1));
    return limits;
}

std::string httpsRedirectLocation(std::string_view host, std::string_view target, int httpsPort) {
    std::string_view name;
    if (!host.empty() && host.front() == '[') {
        // An IPv6 literal keeps its brackets; its own colons are not a port.
        const auto close = host.find(']');
        if (close == std::string_view::npos) {
            return {};
        }
        name = host.substr(0, close + 1);
        const std::string_view inside = name.substr(1, name.size() - 2);
        if (inside.empty() || !std::all_of(inside.begin(), inside.end(), [](char c) {
                return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
                       c == '.';
            })) {
            return {};
        }
    } else {
        name = host.substr(0, host.find(':'));
        if (name.empty() || !std::all_of(name.begin(), name.end(), hostNameChar)) {
            return {};
        }
    }
    std::string location = "https://";
    location += name;
    if (httpsPort != 443) {
        location += ':' + std::to_string(httpsPort);
    }
    if (target.empty() || target.front() != '/') {
        // Absolute form (a proxy's request): keep its path and query. Asterisk form: the root.
        const auto scheme = target.find("://");
        const auto slash = scheme == std::string_view::npos ? std::string_view::npos : target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? "/"sv : target.substr(slash);
    }
    location += target;
    return location;
}

PublicServer::PublicServer(const NodeSettings& settings, Gateway& gateway, std::string bindAddress,
                           std::shared_ptr<net::EventLoops> loops)
    : settings_(settings), gateway_(gateway), bindAddress_(std::move(bindAddress)), loops_(std::move(loops)) {}

PublicServer::~PublicServer() { stop(); }

void PublicServer::enableTls(std::shared_ptr<tls::CertificateStore> store, std::shared_ptr<TlsMetrics> metrics) {
    tls_ = std::make_shared<tls::ServerContext>(std::move(store), std::move(metrics));
}

void PublicServer::setAcmeChallengeLookup(AcmeChallengeLookup lookup) { acmeChallenge_ = std::move(lookup); }

net::Task<std::optional<std::string>> PublicServer::lookUpChallenge(std::string token) {
    // The lookup runs on the pool; its result comes back to this loop through a timer the pool's task cancels
    // (posted to this loop, so the timer is only ever touched here).
    struct Pending {
        explicit Pending(const net::asio::any_io_executor& executor) : done(executor) {}
        net::asio::steady_timer done;
        std::optional<std::string> answer;
        bool finished = false;
    };
    auto pending = std::make_shared<Pending>(co_await net::asio::this_coro::executor);
    pending->done.expires_at(net::asio::steady_timer::time_point::max());
    net::asio::post(*lookups_, [pending, lookup = acmeChallenge_, token = std::move(token)] {
        std::optional<std::string> answer;
        try {
            answer = lookup(token);
        } catch (const std::exception& e) {
            Poco::Logger::get("maelstrom.gateway").warning("ACME challenge lookup failed: " + std::string(e.what()));
        }
        net::asio::post(pending->done.get_executor(), [pending, answer = std::move(answer)]() mutable {
            pending->answer = std::move(answer);
            pending->finished = true;
            pending->done.cancel();
        });
    });
    while (!pending->finished) {
        boost::system::error_code ec;
        co_await pending->done.async_wait(net::withError(ec));
    }
    co_return std::move(pending->answer);
}

net::Task<void> PublicServer::handlePlainWithTls(net::HttpExchange& exchange) {
    const std::string_view target = exchange.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == kHealthCheckPath) {
        co_await exchange.sendText(200, "OK"sv);
        co_return;
    }
    if (path.substr(0, kAcmeChallengePrefix.size()) == kAcmeChallengePrefix) {
        const std::string token(path.substr(kAcmeChallengePrefix.size()));
        std::optional<std::string> answer;
        if (acmeChallenge_ && validToken(token)) {
            answer = co_await lookUpChallenge(token);
        }
        if (answer) {
            co_await exchange.sendText(200, *answer);
        } else {
            co_await exchange.sendText(404, "Not Found: no such ACME challenge"sv);
        }
        co_return;
    }
    const std::string location =
        httpsRedirectLocation(exchange.header("Host"), target, httpsServer_ ? httpsServer_->port() : 443);
    if (location.empty()) {
        co_await exchange.sendText(400, "Bad Request: a Host header naming this server is needed to redirect to "
                                        "HTTPS"sv);
        co_return;
    }
    co_await exchange.sendText(301, "Moved Permanently: HTTPS only\n"sv, "Location: " + location + "\r\n");
}

void PublicServer::start() {
    if (!loops_) {
        loops_ = std::make_shared<net::EventLoops>(static_cast<std::size_t>(settings_.httpEventLoops), "mael-public");
    }
    const net::ServerLimits limits = serverLimits(settings_);
    const auto toGateway = [this](net::HttpExchange& exchange) { return gateway_.handle(exchange, false); };
    try {
        if (tls_) {
            if (acmeChallenge_) {
                lookups_ = std::make_unique<net::asio::thread_pool>(2);
            }
            // HTTPS first: the plain port's redirects name its port (0 in tests: known once bound).
            httpsServer_ = std::make_unique<net::HttpServer>("public HTTPS port", *loops_, toGateway, limits, tls_);
            httpsServer_->start(bindAddress_, static_cast<int>(settings_.publicHttpsPort));
            server_ = std::make_unique<net::HttpServer>(
                "public port", *loops_, [this](net::HttpExchange& exchange) { return handlePlainWithTls(exchange); },
                limits);
        } else {
            server_ = std::make_unique<net::HttpServer>("public port", *loops_, toGateway, limits);
        }
        server_->start(bindAddress_, static_cast<int>(settings_.publicPort));
    } catch (...) {
        stop();
        throw;
    }
}

void PublicServer::stop() {
    // Both ports drain at the same time: a graceful stop waits for one drain timeout, not two.
    std::thread https;
    if (httpsServer_) {
        https = std::thread([this] { httpsServer_->stop(); });
    }
    if (server_) {
        server_->stop();
        server_.reset();
    }
    if (https.joinable()) {
        https.join();
        httpsServer_.reset();
    }
    if (lookups_) {
        lookups_->join();
        lookups_.reset();
    }
}

int PublicServer::port() const { return server_ ? server_->port() : 0; }

int PublicServer::httpsPort() const { return httpsServer_ ? httpsServer_->port() : 0; }

std::size_t PublicServer::connections() const {
    return (server_ ? server_->connections() : 0) + (httpsServer_ ? httpsServer_->connections() : 0);
}

} // namespace maelstrom::core
