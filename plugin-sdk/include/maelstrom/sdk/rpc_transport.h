// rpc_transport.h — maelstrom SDK: the RPC transport service kind: the wire format of the control plane
// (`/_mael/v1` on the private port), server and client side. Plugin: jsonrpc-http (barrister-compatible).
// SPDX-License-Identifier: Apache-2.0
//
// The core owns the HTTP server and the services (MaelstromService, NodeService). A transport turns an HTTP
// request into calls of the core's RpcDispatcher and the results into an HTTP response; on the client side
// it turns calls into requests to a peer or daemon. Method inputs and outputs travel as JSON text in the
// reference's wire structures, so every transport shares the SDK's model codec and type rules (json.h).
#pragma once

#include <maelstrom/sdk/export.h>
#include <maelstrom/sdk/service.h>

#include <chrono>
#include <stdexcept>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace maelstrom::sdk {

/// An error a method reports, with the reference's numeric codes: -32700 parse, -32601 unknown method,
/// -32602 invalid params, -32000 misc, -32001 database, 1001 invalid value, 1002 exists, 1003 not found,
/// 1004 version conflict.
class MAELSTROM_SDK_API RpcError : public std::runtime_error {
public:
    RpcError(int code, const std::string& message);
    ~RpcError() override;
    int code() const noexcept { return code_; }

private:
    int code_;
};

/// Implemented by the core: runs one method. Thread-safe; called from the HTTP server's threads.
class MAELSTROM_SDK_API RpcDispatcher {
public:
    virtual ~RpcDispatcher();
    /// `method` is "Interface.Function" ("MaelstromService.GetComponent"); `inputJson` the single input struct.
    /// @return the output struct as JSON. @throws RpcError (unknown method → -32601, bad input → -32602 or
    /// 1001, service errors with their codes).
    virtual std::string call(const std::string& method, const std::string& inputJson) = 0;
};

struct HttpHeader {
    std::string name;
    std::string value;
};

/// A whole HTTP request as the core's server received it (the body already read, within maxBodyBytes()).
struct RpcHttpRequest {
    std::string method;  ///< "POST"
    std::string uri;     ///< path and query
    std::vector<HttpHeader> headers;
    std::string body;
};

struct RpcHttpResponse {
    int status = 200;
    std::vector<HttpHeader> headers; ///< Content-Type among them
    std::string body;
};

/// Client side: calls methods on a remote maelstromd. Thread-safe; keeps connections alive between calls.
class MAELSTROM_SDK_API RpcClient {
public:
    virtual ~RpcClient();
    /// @return the output struct as JSON. @throws RpcError (remote errors keep their code; transport
    /// failures are -32603 naming the URL).
    virtual std::string call(const std::string& method, const std::string& inputJson) = 0;
};

struct RpcClientOptions {
    std::string bearerToken;                       ///< sent as Authorization: Bearer <token> when not empty
    std::chrono::milliseconds timeout{std::chrono::minutes(5)};
};

class MAELSTROM_SDK_API RpcTransport : public Service {
public:
    ~RpcTransport() override;
    /// The path the core routes to handle() on the private port ("/_mael/v1").
    virtual std::string path() const = 0;
    /// Largest request body the transport accepts; the core answers 413 beyond it without calling handle().
    virtual std::int64_t maxBodyBytes() const = 0;
    /// Serves one HTTP request: decodes the envelope(s), calls the dispatcher, encodes the answer(s).
    /// Thread-safe. Never throws: every failure becomes an error response of the wire format.
    virtual RpcHttpResponse handle(const RpcHttpRequest& request, RpcDispatcher& dispatcher) = 0;
    /// A client for the maelstromd whose private URL is `baseUrl` ("http://127.0.0.1:8374").
    virtual std::unique_ptr<RpcClient> newClient(const std::string& baseUrl, const RpcClientOptions& options) = 0;
};

} // namespace maelstrom::sdk
