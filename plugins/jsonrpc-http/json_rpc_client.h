// json_rpc_client.h — jsonrpc-http: the client side: calls "Interface.Function" on a remote maelstromd with
// the barrister-compatible envelope over HTTP POST <baseUrl>/_mael/v1.
// SPDX-License-Identifier: Apache-2.0
//
// Each call sends {"jsonrpc":"2.0","id":"<40 hex>","method":...,"params":[<input>]} with Content-Type
// application/json and, when a token is set, Authorization: Bearer <token>. Answers:
//   * result → its JSON text (re-written compactly by the SDK codec: valid UTF-8);
//   * error  → sdk::RpcError with the server's code and message;
//   * HTTP 401 → RpcError(-32603, "... requires a bearer token ..." or "... rejected the bearer token ...");
//   * any other transport problem (cannot connect, timeout, connection dropped, non-200 status without a
//     JSON-RPC error body, undecodable body) → RpcError(-32603,
//     "barrister: <method>: Transport error during request: <what> (<url>)").
// Responses of the Go reference server (`\UXXXXXXXX` escapes) are understood.
//
// Connections: HTTP/1.1 keep-alive sessions (Poco::Net::HTTPClientSession) in a small pool; a call takes an
// idle session or opens one, and gives it back after a complete exchange. A call that fails on a reused
// session before any answer arrived (the server closed the idle connection) is retried once on a new one.
// The timeout applies to connecting and to each send/receive (Poco's socket timeouts).
//
// Thread-safety: call() may run concurrently from any number of threads; the pool is mutex-protected and
// sessions are never shared by two calls at a time.
#pragma once

#include <maelstrom/sdk/rpc_transport.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Poco::Net {
class HTTPClientSession;
}

namespace maelstrom::plugins::jsonrpc_http {

class JsonRpcClient final : public sdk::RpcClient {
public:
    /// `baseUrl` is "http://host:port" (a path prefix and a trailing slash are allowed). A URL that cannot be
    /// used (not http, no host) makes every call() fail with -32603 naming it.
    JsonRpcClient(const std::string& baseUrl, const sdk::RpcClientOptions& options);
    ~JsonRpcClient() override;

    std::string call(const std::string& method, const std::string& inputJson) override;

    /// The endpoint URL ("http://127.0.0.1:8374/_mael/v1").
    const std::string& url() const noexcept { return url_; }

private:
    /// What the server answered to one POST.
    struct HttpReply {
        int status = 0;
        std::string reason;
        std::string body;
    };

    /// Sends `body` (a JSON-RPC request for `method`) and reads the answer, on a pooled keep-alive connection;
    /// a reused connection the server had closed is retried once on a fresh one, never after a status line
    /// arrived. @throws RpcError (transport error) when no answer came.
    HttpReply post(const std::string& method, const std::string& body);
    /// The `result` of a JSON-RPC response as JSON text. @throws RpcError: the response's error, or a transport
    /// error for an HTTP failure or an undecodable response.
    std::string resultOf(const std::string& method, HttpReply& reply) const;
    std::unique_ptr<Poco::Net::HTTPClientSession> takeSession(bool& reused);
    void giveBack(std::unique_ptr<Poco::Net::HTTPClientSession> session);
    [[noreturn]] void transportError(const std::string& method, const std::string& what) const;

    std::string url_;
    std::string host_;
    unsigned short port_ = 0;
    std::string path_;
    std::string urlError_; ///< non-empty when baseUrl cannot be used
    sdk::RpcClientOptions options_;

    std::mutex mutex_; // guards idle_
    std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> idle_;
};

/// 20 random bytes as 40 lowercase hex characters (the Go client's request id). Thread-safe.
std::string newRequestId();

} // namespace maelstrom::plugins::jsonrpc_http
