// local_server.h — aws tests: a small HTTP server on 127.0.0.1 that records each request and answers what the
// test's handler says (canned SQS XML, IMDS tokens, 500s to retry, an answer that never comes).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace maelstrom::testing::aws {

struct RecordedRequest {
    std::string method;
    std::string uri; ///< path?query as received
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// The first header of that name (case-insensitive), nullopt when absent.
    std::optional<std::string> header(const std::string& name) const;
    /// The value of one name=value pair of a form-encoded body (decoded), "" when absent.
    std::string formValue(const std::string& name) const;
};

struct CannedResponse {
    CannedResponse(int status = 200, std::string body = {}) : status(status), body(std::move(body)) {}
    /// An answer that never comes: the handler waits until the server is destroyed (a request stuck on a
    /// silent server).
    static CannedResponse silence() {
        CannedResponse response;
        response.hang = true;
        return response;
    }

    int status;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool hang = false;
};

/// PEM files of the server's certificate and key, for an HTTPS server.
struct TlsFiles {
    std::string certificate;
    std::string privateKey;
};

class LocalServer {
public:
    using Handler = std::function<CannedResponse(const RecordedRequest&)>;

    /// Plain HTTP, or HTTPS with `tls`.
    explicit LocalServer(Handler handler, std::optional<TlsFiles> tls = std::nullopt);
    ~LocalServer();
    LocalServer(const LocalServer&) = delete;
    LocalServer& operator=(const LocalServer&) = delete;

    /// "http://127.0.0.1:<port>" ("https://..." with TLS)
    std::string url() const;
    std::uint16_t port() const;
    void setHandler(Handler handler);
    std::vector<RecordedRequest> requests() const;
    std::size_t requestCount() const;

    struct State; // shared with the request handlers

private:
    std::shared_ptr<State> state_;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// One canned answer for every request.
LocalServer::Handler always(CannedResponse response);

} // namespace maelstrom::testing::aws
