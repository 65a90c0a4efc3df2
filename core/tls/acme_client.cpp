// acme_client.cpp — RFC 8555 over HTTPS: one TLS connection per request (an issuance is a dozen requests, minutes
// or months apart), each run to completion on a private io_context so that one deadline covers name resolution,
// connect, handshake, request and answer.
// SPDX-License-Identifier: Apache-2.0
#include "tls/acme_client.h"

#include "net/asio.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#pragma GCC diagnostic pop

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <sstream>

namespace maelstrom::core::tls {

namespace asio = net::asio;
namespace beast = net::beast;
namespace http = net::http;
namespace ssl = boost::asio::ssl;
using net::tcp;
using JsonObject = Poco::JSON::Object::Ptr;

namespace {

constexpr std::string_view kProblemPrefix = "urn:ietf:params:acme:error:";
constexpr int kBadNonceRetries = 5;
constexpr std::size_t kBodyLimit = 1024 * 1024;

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

/// The body squeezed onto one short line for an error message.
std::string oneLine(const std::string& text, std::size_t limit = 200) {
    std::string out;
    for (const char c : text.substr(0, limit)) {
        out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    }
    return text.size() > limit ? out + "…" : out;
}

/// Joins message parts into one string without a temporary per `+`.
template <typename... Parts>
std::string concat(const Parts&... parts) {
    std::string out;
    (out += ... += parts);
    return out;
}

std::string shortType(const std::string& type) {
    return type.rfind(kProblemPrefix, 0) == 0 ? type.substr(kProblemPrefix.size()) : type;
}

JsonObject parseObject(const std::string& body, const std::string& what) {
    try {
        const Poco::Dynamic::Var value = Poco::JSON::Parser().parse(body);
        if (value.type() == typeid(JsonObject)) {
            return value.extract<JsonObject>();
        }
    } catch (const Poco::Exception&) {
    }
    throw AcmeError(what + ": the server's answer is not a JSON object: " + oneLine(body));
}

std::string stringField(const JsonObject& object, const std::string& name) {
    if (!object || !object->has(name) || object->get(name).isEmpty()) {
        return {};
    }
    try {
        return object->get(name).convert<std::string>();
    } catch (const Poco::Exception&) {
        return {};
    }
}

/// Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3); 0 when absent or unreadable.
std::int64_t retryAfterSeconds(const std::string& value) {
    if (value.empty()) {
        return 0;
    }
    if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
        return value.size() > 9 ? 999999999 : std::stoll(value);
    }
    Poco::DateTime when;
    int zone = 0;
    if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::HTTP_FORMAT, value, when, zone)) {
        return 0;
    }
    const auto seconds = (when.timestamp() - Poco::Timestamp()) / Poco::Timestamp::resolution();
    return std::max<std::int64_t>(0, seconds);
}

/// The validation error an invalid authorization carries (in its challenges), as an AcmeError.
AcmeError validationError(const JsonObject& authorization, const std::string& hostname) {
    const auto challenges = authorization->getArray("challenges");
    for (std::size_t i = 0; challenges && i < challenges->size(); ++i) {
        const auto challenge = challenges->getObject(static_cast<unsigned>(i));
        const auto error = challenge ? challenge->getObject("error") : nullptr;
        if (error) {
            const std::string type = stringField(error, "type");
            int status = 0;
            try {
                status = error->has("status") ? error->getValue<int>("status") : 0;
            } catch (const Poco::Exception&) {
            }
            return AcmeError("ACME validation of " + hostname + " failed: " +
                                 oneLine(stringField(error, "detail"), 400) + " (" + shortType(type) + ")",
                             type, status);
        }
    }
    return AcmeError("ACME validation of " + hostname + " failed (the server gave no reason)");
}

void checkHostname(const std::string& hostname) {
    if (hostname.rfind("*.", 0) == 0) {
        throw AcmeError("cannot order a certificate for " + hostname +
                        ": wildcard names need DNS-01 validation, and maelstrom answers HTTP-01 only");
    }
    const bool valid = !hostname.empty() && hostname.size() <= 253 && hostname.front() != '.' &&
                       hostname.front() != '-' && hostname.back() != '.' && hostname.find("..") == std::string::npos &&
                       std::all_of(hostname.begin(), hostname.end(), [](unsigned char c) {
                           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
                       });
    if (!valid) {
        throw AcmeError("cannot order a certificate for '" + oneLine(hostname, 80) + "': not a DNS name");
    }
}

} // namespace

std::string AcmeClient::Response::header(const std::string& lowercaseName) const {
    const auto it = headers.find(lowercaseName);
    return it == headers.end() ? std::string() : it->second;
}

AcmeError acmeProblem(const AcmeClient::Response& response, const std::string& what) {
    const std::int64_t retryAfter = retryAfterSeconds(response.header("retry-after"));
    std::string type;
    std::string detail;
    try {
        const Poco::Dynamic::Var value = Poco::JSON::Parser().parse(response.body);
        if (value.type() == typeid(JsonObject)) {
            const auto& object = value.extract<JsonObject>();
            type = stringField(object, "type");
            detail = stringField(object, "detail");
            // A compound problem (several identifiers) names each one's cause in its subproblems.
            const auto subproblems = object->getArray("subproblems");
            for (std::size_t i = 0; subproblems && i < subproblems->size(); ++i) {
                const auto sub = subproblems->getObject(static_cast<unsigned>(i));
                const auto identifier = sub ? sub->getObject("identifier") : nullptr;
                detail += "; " + stringField(identifier, "value") + ": " + stringField(sub, "detail");
            }
        }
    } catch (const Poco::Exception&) {
    }
    std::string message = what + ": ";
    if (type.empty() && detail.empty()) {
        message += "HTTP " + std::to_string(response.status) +
                   (response.body.empty() ? std::string() : " " + oneLine(response.body));
    } else {
        message += oneLine(detail, 400) + " (" + shortType(type) + ", HTTP " + std::to_string(response.status) + ")";
    }
    if (retryAfter > 0) {
        message += "; retry after " + std::to_string(retryAfter) + " s";
    }
    return AcmeError(message, type, response.status, retryAfter);
}

struct AcmeClient::Tls {
    ssl::context context{ssl::context::tls_client};
    mutable std::mutex mutex;
    std::condition_variable wake;       ///< signalled by cancel()
    bool cancelled = false;             ///< guarded by mutex
    asio::io_context* active = nullptr; ///< the request in progress; guarded by mutex
};

void AcmeClient::cancel() {
    const std::lock_guard lock(tls_->mutex);
    tls_->cancelled = true;
    if (tls_->active != nullptr) {
        tls_->active->stop();
    }
    tls_->wake.notify_all();
}

bool AcmeClient::cancelled() const {
    const std::lock_guard lock(tls_->mutex);
    return tls_->cancelled;
}

void AcmeClient::throwCancelled() const {
    throw AcmeError("ACME client for " + settings_.directoryUrl + ": cancelled");
}

AcmeClient::AcmeClient(AcmeSettings settings, std::string accountKeyPem)
    : settings_(std::move(settings)), key_([&] {
          try {
              return accountKeyPem.empty() ? EcKey::generate() : EcKey::fromPem(accountKeyPem);
          } catch (const AcmeCryptoError& e) {
              throw AcmeError(std::string("ACME account key: ") + e.what());
          }
      }()),
      tls_(std::make_unique<Tls>()) {
    accountKeyPem_ = accountKeyPem.empty() ? key_.pem() : std::move(accountKeyPem);
    jwk_ = key_.jwkJson();
    thumbprint_ = key_.thumbprint();
    parseUrl(settings_.directoryUrl); // a malformed URL fails here, at configuration time

    SSL_CTX* ctx = tls_->context.native_handle();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    boost::system::error_code ec;
    tls_->context.set_default_verify_paths(ec);
    if (!settings_.caFile.empty()) {
        tls_->context.load_verify_file(settings_.caFile, ec);
        if (ec) {
            throw AcmeError("cannot read the ACME CA file " + settings_.caFile + ": " + ec.message());
        }
    }
    tls_->context.set_verify_mode(ssl::verify_peer);
}

AcmeClient::~AcmeClient() = default;

AcmeClient::Url AcmeClient::parseUrl(const std::string& url) {
    constexpr std::string_view scheme = "https://";
    if (lower(url.substr(0, scheme.size())) != scheme) {
        throw AcmeError("ACME URL '" + oneLine(url, 200) + "' is not an https:// URL");
    }
    const std::string rest = url.substr(scheme.size());
    const auto slash = rest.find_first_of("/?#");
    const std::string authority = rest.substr(0, slash);
    Url out;
    out.target = slash == std::string::npos ? "/" : rest.substr(slash);
    if (out.target.front() != '/') {
        out.target.insert(0, "/");
    }
    if (const auto hash = out.target.find('#'); hash != std::string::npos) {
        out.target.resize(hash);
    }
    std::string portText;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) {
            throw AcmeError("ACME URL '" + oneLine(url, 200) + "' has an unterminated IPv6 address");
        }
        out.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') {
                throw AcmeError("ACME URL '" + oneLine(url, 200) + "' has a malformed host");
            }
            portText = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        out.host = authority.substr(0, colon);
        if (colon != std::string::npos) {
            portText = authority.substr(colon + 1);
        }
    }
    if (out.host.empty() || out.host.find('@') != std::string::npos) {
        throw AcmeError("ACME URL '" + oneLine(url, 200) + "' has no usable host");
    }
    if (!portText.empty()) {
        const bool digits = portText.size() <= 5 && std::all_of(portText.begin(), portText.end(),
                                                                [](unsigned char c) { return std::isdigit(c) != 0; });
        if (!digits || std::stoi(portText) < 1 || std::stoi(portText) > 65535) {
            throw AcmeError("ACME URL '" + oneLine(url, 200) + "' has an invalid port");
        }
    }
    out.port = portText.empty() ? "443" : portText;
    return out;
}

AcmeClient::Response AcmeClient::request(const std::string& method, const std::string& url, const std::string& body,
                                         const std::string& contentType, const std::string& accept) {
    const Url target = parseUrl(url);
    const bool ipv6 = target.host.find(':') != std::string::npos;
    const std::string where = (ipv6 ? "[" + target.host + "]" : target.host) + ":" + target.port;
    asio::io_context io;
    tcp::resolver resolver(io);
    beast::ssl_stream<beast::tcp_stream> stream(io, tls_->context);

    // Server name and certificate: SNI for DNS names (RFC 6066 forbids addresses there); OpenSSL's own host or
    // IP check, so a mismatch is reported by the verification result rather than as a bare handshake failure.
    SSL* ssl = stream.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    boost::system::error_code notAddress;
    asio::ip::make_address(target.host, notAddress);
    if (notAddress) {
        SSL_set_tlsext_host_name(ssl, target.host.c_str());
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(param, target.host.c_str(), 0);
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(param, target.host.c_str());
    }

    http::request<http::string_body> req{http::string_to_verb(method), target.target, 11};
    req.set(http::field::host, target.port == "443" ? (ipv6 ? "[" + target.host + "]" : target.host) : where);
    req.set(http::field::user_agent, "maelstrom-acme");
    req.set(http::field::connection, "close");
    if (!accept.empty()) {
        req.set(http::field::accept, accept);
    }
    if (!contentType.empty()) {
        req.set(http::field::content_type, contentType);
    }
    if (method == "POST") {
        req.body() = body;
        req.prepare_payload();
    }

    Response response;
    std::string step = "resolving " + target.host;
    std::exception_ptr failure;
    bool done = false;
    const auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(settings_.timeout);
    asio::co_spawn(
        io,
        [&]() -> net::Task<void> {
            const auto endpoints = co_await resolver.async_resolve(target.host, target.port, asio::use_awaitable);
            step = "connecting to " + where;
            beast::get_lowest_layer(stream).expires_after(timeout);
            co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
            step = "TLS handshake with " + where;
            co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);
            step = "sending the request to " + where;
            co_await http::async_write(stream, req, asio::use_awaitable);
            step = "reading the answer of " + where;
            beast::flat_buffer buffer;
            http::response_parser<http::string_body> parser;
            parser.body_limit(kBodyLimit);
            parser.skip(method == "HEAD");
            co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
            const auto& answer = parser.get();
            response.status = static_cast<int>(answer.result_int());
            for (const auto& field : answer) {
                auto& value = response.headers[lower(std::string(field.name_string()))];
                value += (value.empty() ? "" : ", ") + std::string(field.value());
            }
            response.body = answer.body();
            boost::system::error_code ignored;
            beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
        },
        [&](std::exception_ptr error) {
            failure = error;
            done = true;
        });
    {
        const std::lock_guard lock(tls_->mutex);
        if (tls_->cancelled) {
            throwCancelled();
        }
        tls_->active = &io;
    }
    // The stream's own timer covers connect to answer; this covers the resolver too. cancel() stops the context.
    io.run_for(timeout + std::chrono::seconds(1));
    bool cancelledNow = false;
    {
        const std::lock_guard lock(tls_->mutex);
        tls_->active = nullptr;
        cancelledNow = tls_->cancelled;
    }
    if (!done) {
        // Unfinished: end the coroutine's operations and let it unwind before the objects it uses go away.
        resolver.cancel();
        beast::get_lowest_layer(stream).close();
        io.restart();
        io.run();
        if (cancelledNow) {
            throwCancelled();
        }
        failure = std::make_exception_ptr(boost::system::system_error(beast::error::timeout));
    }
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const boost::system::system_error& e) {
            const std::string prefix = "ACME server " + where + ": ";
            if (e.code() == beast::error::timeout) {
                throw AcmeError(prefix + "no answer within " + std::to_string(settings_.timeout.count()) + " s (" +
                                step + ")");
            }
            const long verify = SSL_get_verify_result(ssl);
            if (step.rfind("TLS handshake", 0) == 0 && verify != X509_V_OK) {
                throw AcmeError(prefix +
                                "TLS certificate verification failed: " + X509_verify_cert_error_string(verify) +
                                (settings_.caFile.empty() ? " (a private CA must be trusted with MAEL_ACME_CA_FILE)"
                                                          : " (trusted: system CAs and " + settings_.caFile + ")"));
            }
            throw AcmeError(prefix + step + " failed: " + e.code().message());
        } catch (const std::exception& e) {
            throw AcmeError("ACME server " + where + ": " + step + " failed: " + e.what());
        }
    }
    if (const auto fresh = response.header("replay-nonce"); !fresh.empty()) {
        nonce_ = fresh;
    }
    // One line per exchange for someone debugging a CA (the manager logs the outcomes).
    Poco::Logger& logger = Poco::Logger::get("maelstrom.acme");
    if (logger.debug()) {
        logger.debug(concat("acme: ", method, " ", url, " → ", std::to_string(response.status),
                            response.status >= 400 ? " " + oneLine(response.body) : std::string()));
    }
    return response;
}

void AcmeClient::loadDirectory() {
    if (!directory_.empty()) {
        return;
    }
    const std::string what = "ACME directory " + settings_.directoryUrl;
    const Response response = request("GET", settings_.directoryUrl, {}, {}, "application/json");
    if (response.status != 200) {
        throw acmeProblem(response, what);
    }
    const auto object = parseObject(response.body, what);
    std::map<std::string, std::string> directory;
    for (const char* name : {"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange"}) {
        directory[name] = stringField(object, name);
    }
    if (directory["newNonce"].empty() || directory["newAccount"].empty() || directory["newOrder"].empty()) {
        throw AcmeError(what + " is not an ACME directory (newNonce, newAccount or newOrder missing)");
    }
    const auto meta = object->getObject("meta");
    if (meta && meta->has("externalAccountRequired") && meta->optValue<bool>("externalAccountRequired", false)) {
        throw AcmeError(what + " requires external account binding, which maelstrom does not support");
    }
    directory_ = std::move(directory);
}

std::string AcmeClient::nonce() {
    if (nonce_.empty()) {
        loadDirectory();
        const Response response = request("HEAD", directory_["newNonce"], {}, {});
        if (nonce_.empty()) {
            throw AcmeError("ACME newNonce " + directory_["newNonce"] + ": no Replay-Nonce in the answer (HTTP " +
                            std::to_string(response.status) + ")");
        }
    }
    return std::exchange(nonce_, {});
}

AcmeClient::Response AcmeClient::post(const std::string& url, const std::optional<std::string>& payload,
                                      const std::string& what, bool withJwk, const std::string& accept) {
    if (!withJwk && accountUrl_.empty()) {
        registerAccount();
    }
    for (int attempt = 0;; ++attempt) {
        Poco::JSON::Object header;
        header.set("alg", "ES256");
        header.set("nonce", nonce());
        header.set("url", url);
        std::string headerJson;
        {
            std::ostringstream out;
            header.stringify(out);
            headerJson = out.str();
        }
        // The JWK is inserted as text: it is already canonical JSON, and Poco would re-encode it.
        headerJson.pop_back();
        headerJson += withJwk ? ",\"jwk\":" + jwk_ + "}" : ",\"kid\":\"" + accountUrl_ + "\"}";
        const std::string jws = jwsEs256(key_, headerJson, payload.value_or(std::string()));
        Response response = request("POST", url, jws, "application/jose+json", accept);
        if (response.status < 400) {
            return response;
        }
        AcmeError error = acmeProblem(response, what);
        // A nonce the server does not accept (stale, or rejected on purpose as pebble does): the error answer carries
        // a fresh one (request() kept it), with which the request is simply sent again.
        if (error.type != std::string(kProblemPrefix) + "badNonce" || attempt >= kBadNonceRetries) {
            throw error;
        }
        ++badNonceRetries_;
    }
}

bool AcmeClient::pause(const Response& response, std::chrono::milliseconds fallback,
                       std::chrono::steady_clock::time_point deadline) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
        return false;
    }
    const std::int64_t retryAfter = retryAfterSeconds(response.header("retry-after"));
    std::chrono::steady_clock::duration wait = fallback;
    if (retryAfter > 0) {
        wait = std::chrono::seconds(std::min<std::int64_t>(retryAfter, 3600));
    }
    std::unique_lock lock(tls_->mutex);
    if (tls_->wake.wait_for(lock, std::min(wait, deadline - now), [&] { return tls_->cancelled; })) {
        throwCancelled();
    }
    return true;
}

std::string AcmeClient::registerAccount() {
    loadDirectory();
    Poco::JSON::Object payload;
    payload.set("termsOfServiceAgreed", true);
    Poco::JSON::Array contact;
    if (!settings_.email.empty()) {
        contact.add("mailto:" + settings_.email);
    }
    payload.set("contact", contact);
    std::ostringstream payloadJson;
    payload.stringify(payloadJson);
    const std::string what = "ACME account registration at " + settings_.directoryUrl;
    const Response response = post(directory_["newAccount"], payloadJson.str(), what, true);
    const std::string location = response.header("location");
    if (location.empty()) {
        throw AcmeError(what + ": no account URL (Location) in the answer (HTTP " + std::to_string(response.status) +
                        ")");
    }
    const auto account = parseObject(response.body, what);
    if (const auto status = stringField(account, "status"); !status.empty() && status != "valid") {
        throw AcmeError(what + ": the account is " + status);
    }
    accountUrl_ = location;
    return accountUrl_;
}

AcmeClient::Order AcmeClient::newOrder(const std::vector<std::string>& hostnames) {
    Order order;
    for (const auto& name : hostnames) {
        order.hostnames.push_back(lower(name));
        checkHostname(order.hostnames.back());
    }
    if (order.hostnames.empty()) {
        throw AcmeError("cannot order a certificate without a hostname");
    }
    loadDirectory();
    Poco::JSON::Object payload;
    Poco::JSON::Array identifiers;
    for (const auto& name : order.hostnames) {
        Poco::JSON::Object identifier;
        identifier.set("type", "dns");
        identifier.set("value", name);
        identifiers.add(identifier);
    }
    payload.set("identifiers", identifiers);
    std::ostringstream payloadJson;
    payload.stringify(payloadJson);
    std::string names;
    for (const auto& name : order.hostnames) {
        names += (names.empty() ? "" : ", ") + name;
    }
    const std::string what = "ACME order for " + names;
    const Response response = post(directory_["newOrder"], payloadJson.str(), what);
    const auto object = parseObject(response.body, what);
    order.url = response.header("location");
    order.status = stringField(object, "status");
    order.finalizeUrl = stringField(object, "finalize");
    const auto authorizations = object->getArray("authorizations");
    if (order.url.empty() || order.finalizeUrl.empty() || !authorizations) {
        throw AcmeError(what + ": the answer lacks the order URL, finalize URL or authorizations");
    }
    for (std::size_t i = 0; i < authorizations->size(); ++i) {
        const std::string authorizationUrl = authorizations->getElement<std::string>(static_cast<unsigned>(i));
        const Response authorizationAnswer = post(authorizationUrl, std::nullopt, what + " (authorization)");
        const auto authorization = parseObject(authorizationAnswer.body, what + " (authorization)");
        const std::string hostname = stringField(authorization->getObject("identifier"), "value");
        const std::string status = stringField(authorization, "status");
        if (status == "valid") {
            continue;
        }
        if (status != "pending") {
            throw AcmeError(concat(what, ": the authorization for ", hostname, " is ", status));
        }
        const auto challenges = authorization->getArray("challenges");
        bool found = false;
        for (std::size_t c = 0; challenges && c < challenges->size() && !found; ++c) {
            const auto challenge = challenges->getObject(static_cast<unsigned>(c));
            if (stringField(challenge, "type") != "http-01") {
                continue;
            }
            Http01 http01;
            http01.hostname = hostname;
            http01.token = stringField(challenge, "token");
            http01.keyAuthorization = keyAuthorization(http01.token);
            http01.challengeUrl = stringField(challenge, "url");
            http01.authorizationUrl = authorizationUrl;
            if (http01.token.empty() || http01.challengeUrl.empty()) {
                throw AcmeError(concat(what, ": the http-01 challenge for ", hostname, " lacks its token or URL"));
            }
            order.challenges.push_back(std::move(http01));
            found = true;
        }
        if (!found) {
            throw AcmeError(concat(what, ": the server offers no http-01 challenge for ", hostname));
        }
    }
    return order;
}

void AcmeClient::acceptChallenge(const Http01& challenge) {
    post(challenge.challengeUrl, std::string("{}"), "ACME challenge for " + challenge.hostname);
}

void AcmeClient::waitForAuthorization(const Http01& challenge, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    const std::string what = "ACME authorization for " + challenge.hostname;
    std::chrono::milliseconds fallback(250);
    for (;;) {
        const Response response = post(challenge.authorizationUrl, std::nullopt, what);
        const auto authorization = parseObject(response.body, what);
        const std::string status = stringField(authorization, "status");
        if (status == "valid") {
            return;
        }
        if (status == "invalid") {
            throw validationError(authorization, challenge.hostname);
        }
        if (status != "pending") {
            throw AcmeError(concat(what, ": the authorization is ", status));
        }
        if (!pause(response, fallback, deadline)) {
            throw AcmeError("ACME validation of " + challenge.hostname + " still pending after " +
                            std::to_string(limit.count()) + " s");
        }
        fallback = std::min(fallback * 2, std::chrono::milliseconds(2000));
    }
}

AcmeClient::Issued AcmeClient::finalize(const Order& order, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string names;
    for (const auto& name : order.hostnames) {
        names += (names.empty() ? "" : ", ") + name;
    }
    const std::string what = "ACME order for " + names;

    // Polls the order while it is in `waiting`; returns it in any other state.
    auto pollWhile = [&](const std::string& waiting, JsonObject object, const Response& first) {
        std::chrono::milliseconds fallback(250);
        Response last = first;
        while (stringField(object, "status") == waiting) {
            if (!pause(last, fallback, deadline)) {
                throw AcmeError(concat(what, ": still ", waiting, " after ", std::to_string(limit.count()), " s"));
            }
            fallback = std::min(fallback * 2, std::chrono::milliseconds(2000));
            last = post(order.url, std::nullopt, what);
            object = parseObject(last.body, what);
        }
        const std::string status = stringField(object, "status");
        if (status == "invalid") {
            const auto error = object->getObject("error");
            throw AcmeError(what + " is invalid" +
                                (error ? ": " + oneLine(stringField(error, "detail"), 400) + " (" +
                                             shortType(stringField(error, "type")) + ")"
                                       : std::string()),
                            stringField(error, "type"));
        }
        return object;
    };

    Response current = post(order.url, std::nullopt, what);
    JsonObject object = pollWhile("pending", parseObject(current.body, what), current);
    if (stringField(object, "status") != "ready") {
        throw AcmeError(what + ": expected the order to be ready for finalization, it is " +
                        stringField(object, "status"));
    }

    EcKey certificateKey = EcKey::generate();
    Poco::JSON::Object payload;
    payload.set("csr", base64Url(makeCsrDer(certificateKey, order.hostnames)));
    std::ostringstream payloadJson;
    payload.stringify(payloadJson);
    current = post(order.finalizeUrl, payloadJson.str(), what + " (finalize)");
    object = parseObject(current.body, what + " (finalize)");
    if (stringField(object, "status") == "ready") { // some servers answer before they start processing
        object->set("status", "processing");
    }
    object = pollWhile("processing", object, current);
    const std::string certificateUrl = stringField(object, "certificate");
    if (stringField(object, "status") != "valid" || certificateUrl.empty()) {
        throw AcmeError(what + ": expected a valid order with a certificate URL, it is " +
                        stringField(object, "status"));
    }

    const Response download = post(certificateUrl, std::nullopt, what + " (certificate download)", false,
                                   "application/pem-certificate-chain");
    Issued issued;
    issued.chainPem = download.body;
    issued.keyPem = certificateKey.pem();
    try {
        const LeafInfo leaf = inspectLeaf(issued.chainPem, &certificateKey);
        for (const auto& name : order.hostnames) {
            if (std::find(leaf.dnsNames.begin(), leaf.dnsNames.end(), name) == leaf.dnsNames.end()) {
                throw AcmeError(concat(what, ": the issued certificate does not name ", name));
            }
        }
        issued.issuer = leaf.issuer;
        issued.notBefore = leaf.notBefore;
        issued.notAfter = leaf.notAfter;
    } catch (const AcmeCryptoError& e) {
        throw AcmeError(what + ": unusable certificate from " + certificateUrl + ": " + e.what());
    }
    return issued;
}

} // namespace maelstrom::core::tls
