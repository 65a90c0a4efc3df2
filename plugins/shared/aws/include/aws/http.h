// http.h — aws: one HTTP(S) exchange with an AWS endpoint, over Poco, that another thread can abort.
// SPDX-License-Identifier: Apache-2.0
//
// AwsContext (retries, signing) and ImdsClient (the metadata service) both send through an HttpTransport; its
// abort() shuts the sockets of the exchanges in flight down so a 20-60 s long poll ends at once on shutdown.
#pragma once

#include "aws/sigv4.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace maelstrom::aws {

struct HttpResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// The first header of that name (case-insensitive), nullopt when absent.
    std::optional<std::string> header(const std::string& name) const;
};

/// An endpoint or queue URL taken apart: scheme "http" or "https", host, port (the scheme's default when the URL
/// has none) and the path as written (percent-encoded, may be empty; no query).
struct Url {
    std::string scheme;
    std::string host;
    std::uint16_t port = 0;
    std::string path;

    /// The Host header value: host, plus ":port" when not the scheme's default (what the request is signed with).
    std::string hostHeader() const;
};

/// Parses "scheme://host[:port][/path]" (IPv6 literals in brackets); throws AwsError "InvalidEndpoint".
Url parseUrl(const std::string& url);

/// application/x-www-form-urlencoded body of the query protocol (SQS, Auto Scaling): name=value pairs joined with
/// '&', both RFC 3986 encoded.
std::string formBody(const std::vector<std::pair<std::string, std::string>>& parameters);

/// Sends requests; thread-safe; abort() is permanent.
class HttpTransport {
public:
    HttpTransport();
    ~HttpTransport();
    HttpTransport(const HttpTransport&) = delete;
    HttpTransport& operator=(const HttpTransport&) = delete;

    /// One exchange: request.target is sent as is to url's host and port; a Host header is added when missing.
    /// `timeout` bounds the connect and each wait for data. Any answer (4xx and 5xx too) is returned; throws
    /// AwsError "Network" (retryable), "Timeout" (retryable) or "Aborted".
    HttpResponse send(const Url& url, const SignableRequest& request, std::chrono::milliseconds timeout);

    /// Ends the exchanges in flight (they throw "Aborted") and makes later send() calls throw "Aborted".
    void abort();
    bool aborted() const;

private:
    struct InFlight;
    mutable std::mutex mutex_;
    bool aborted_ = false;
    std::set<InFlight*> inFlight_;
};

} // namespace maelstrom::aws
