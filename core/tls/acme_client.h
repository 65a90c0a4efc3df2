// acme_client.h — an RFC 8555 (ACME) client for HTTP-01 issuance: account, order, challenges, finalize, download.
// SPDX-License-Identifier: Apache-2.0
//
// Synchronous: every call blocks on HTTPS requests (Boost.Beast over asio::ssl, the system's CAs plus
// AcmeSettings::caFile, server name and certificate checked) and is meant for one background thread; an object is
// not thread-safe, except cancel(). Requests are JWS signed with ES256 (an EC P-256 account key). A badNonce answer is retried with
// the nonce it carries; Retry-After is honoured while polling; an ACME problem document becomes an AcmeError.
//
// Issuance: registerAccount(), newOrder(names), for each returned challenge publish keyAuthorization at
// http://<hostname>/.well-known/acme-challenge/<token>, acceptChallenge(), waitForAuthorization(), then finalize().
#pragma once

#include "tls/acme_jws.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace maelstrom::core::tls {

struct AcmeSettings {
    std::string directoryUrl;         ///< https://host[:port]/path of the ACME directory
    std::string caFile;               ///< PEM file of extra CAs trusted for the ACME server ("" = system CAs only)
    std::string email;                ///< account contact (mailto:); "" registers without contact
    std::chrono::seconds timeout{30}; ///< per HTTPS request: connect, TLS handshake, request and answer
};

/// Anything that goes wrong talking to the ACME server. what() is one line naming the step and the cause.
class AcmeError : public std::runtime_error {
public:
    AcmeError(const std::string& message, std::string problemType = {}, int httpStatus = 0,
              std::int64_t retryAfterSeconds = 0)
        : std::runtime_error(message), type(std::move(problemType)), status(httpStatus), retryAfter(retryAfterSeconds) {
    }
    /// The problem document's type (e.g. "urn:ietf:params:acme:error:rateLimited"); "" when there was none
    /// (transport or TLS failure, unexpected answer).
    std::string type;
    /// The HTTP status; 0 when no answer arrived (connection, TLS verification, timeout).
    int status = 0;
    /// The server's Retry-After in seconds (0 when absent).
    std::int64_t retryAfter = 0;
    bool rateLimited() const { return type == "urn:ietf:params:acme:error:rateLimited"; }
};

class AcmeClient {
public:
    /// `accountKeyPem` "" → a new P-256 key (read it back with accountKeyPem() to store it).
    /// @throws AcmeError when the key is unreadable or not P-256, or the directory URL is not https://host/…
    AcmeClient(AcmeSettings settings, std::string accountKeyPem);
    ~AcmeClient();
    AcmeClient(const AcmeClient&) = delete;
    AcmeClient& operator=(const AcmeClient&) = delete;

    const std::string& accountKeyPem() const { return accountKeyPem_; }
    /// The RFC 7638 thumbprint of the account key (the second half of every key authorization).
    const std::string& thumbprint() const { return thumbprint_; }
    /// The account URL once registerAccount() ran ("" before).
    const std::string& accountUrl() const { return accountUrl_; }
    /// token + "." + thumbprint().
    std::string keyAuthorization(const std::string& token) const { return token + "." + thumbprint_; }
    /// How many requests were sent again after a badNonce answer, over this object's life.
    int badNonceRetries() const { return badNonceRetries_; }

    /// Thread-safe: ends the request or wait in progress and every later call with AcmeError("… cancelled") at once
    /// (a daemon that stops need not wait for a slow CA or a long poll).
    void cancel();
    bool cancelled() const;

    /// newAccount (terms of service agreed, mailto: contact) → the account URL. Idempotent: the same key gets the
    /// same account back. Called implicitly by the other calls when it has not run yet.
    std::string registerAccount();

    struct Http01 {
        std::string hostname;
        std::string token;
        std::string keyAuthorization; ///< what http://<hostname>/.well-known/acme-challenge/<token> must answer
        std::string challengeUrl;
        std::string authorizationUrl;
    };
    struct Order {
        std::string url;
        std::string finalizeUrl;
        std::string status;             ///< "pending", or "ready" when every authorization was already valid
        std::vector<Http01> challenges; ///< one per authorization that is not valid yet
        std::vector<std::string> hostnames;
    };
    /// newOrder for `hostnames` (DNS names; lowercased; no wildcards: those need DNS-01) and its authorizations.
    Order newOrder(const std::vector<std::string>& hostnames);
    /// Tells the server the response is published (the server then fetches it).
    void acceptChallenge(const Http01& challenge);
    /// Polls the authorization until it is valid. @throws AcmeError with the validation error when it turned
    /// invalid, or when it is still pending after `limit`.
    void waitForAuthorization(const Http01& challenge, std::chrono::seconds limit);

    struct Issued {
        std::string chainPem;       ///< leaf first, then the intermediates, as the server sent them
        std::string keyPem;         ///< the certificate's new P-256 key (PKCS#8 PEM)
        std::string issuer;         ///< RFC 2253 text of the leaf's issuer
        std::int64_t notBefore = 0; ///< unix seconds
        std::int64_t notAfter = 0;  ///< unix seconds
    };
    /// Waits (up to `limit`) until the order is ready, finalizes it with a CSR for a new P-256 key, waits until it
    /// is valid and downloads the chain. @throws AcmeError
    Issued finalize(const Order& order, std::chrono::seconds limit);

    /// One HTTP answer (public for the tests' sake).
    struct Response {
        int status = 0;
        std::map<std::string, std::string> headers; ///< names lowercased
        std::string body;
        std::string header(const std::string& lowercaseName) const;
    };

private:
    struct Url {
        std::string host; ///< without brackets for IPv6
        std::string port;
        std::string target;
    };
    static Url parseUrl(const std::string& url);
    Response request(const std::string& method, const std::string& url, const std::string& body,
                     const std::string& contentType, const std::string& accept = {});
    void loadDirectory();
    std::string nonce();
    /// A signed POST; `payload` nullopt → POST-as-GET. Throws AcmeError for problem documents (badNonce retried).
    Response post(const std::string& url, const std::optional<std::string>& payload, const std::string& what,
                  bool withJwk = false, const std::string& accept = {});
    /// Sleeps for the server's Retry-After (or `fallback`), never past `deadline`; false when the deadline passed.
    bool pause(const Response& response, std::chrono::milliseconds fallback,
               std::chrono::steady_clock::time_point deadline);
    [[noreturn]] void throwCancelled() const;

    AcmeSettings settings_;
    EcKey key_;
    std::string accountKeyPem_;
    std::string jwk_;
    std::string thumbprint_;
    std::string accountUrl_;
    std::map<std::string, std::string> directory_; ///< newNonce, newAccount, newOrder…
    std::string nonce_;                            ///< the last Replay-Nonce received, unused yet
    int badNonceRetries_ = 0;
    struct Tls;
    std::unique_ptr<Tls> tls_; ///< the asio ssl context (CAs loaded once) and the cancellation state
};

/// The AcmeError for a failed answer: an RFC 7807 problem document (type, detail, the subproblems' identifiers and
/// details, status) or any other body, with the Retry-After header (seconds or an HTTP date) in retryAfter; `what`
/// names the step and starts the message.
AcmeError acmeProblem(const AcmeClient::Response& response, const std::string& what);

} // namespace maelstrom::core::tls
