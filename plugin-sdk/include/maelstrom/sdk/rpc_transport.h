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
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace maelstrom::sdk {

/// The error codes of the RPC API, as the original's clients know them (JSON-RPC's, barrister's and its own).
enum class RpcCode : int {
    ParseError = -32700,     ///< the body is not JSON
    InvalidRequest = -32600, ///< not a JSON-RPC request
    MethodNotFound = -32601, ///< "Unsupported method: <m>"
    InvalidParams = -32602,  ///< params not one input struct, or a field of the wrong type ("barrister: <path>: ...")
    TransportError = -32603, ///< client side: the server could not be reached or answered no envelope
    MiscError = -32000,      ///< any other failure inside a method
    DatabaseError = -32001,  ///< the database failed ("<Op> failed: ...")
    InvalidInput = 1001,     ///< a value the caller sent is invalid
    AlreadyExists = 1002,    ///< a put with version 0 of an existing name
    NotFound = 1003,         ///< the named thing does not exist
    VersionConflict = 1004,  ///< a put against a version that is no longer current
};

/// An error a method reports, with its RpcCode (code() gives the number on the wire).
class MAELSTROM_SDK_API RpcError : public std::runtime_error {
public:
    RpcError(int code, const std::string& message);
    RpcError(RpcCode code, const std::string& message) : RpcError(static_cast<int>(code), message) {}
    ~RpcError() override;
    int code() const noexcept { return code_; }

private:
    int code_;
};

/// The one mapping of errors onto RPC errors, used wherever an error leaves a method: an RpcError keeps its
/// code; the SDK's errors take theirs (InvalidInput 1001, AlreadyExists 1002, NotFound 1003, VersionConflict
/// 1004, JsonError -32602 with the "barrister: " prefix); anything else is -32000 with `method` named, as the
/// original words it. (Database failures are -32001: the core maps those where it calls the database.)
MAELSTROM_SDK_API RpcError toRpcError(const std::exception& error, const std::string& method);

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
    std::string method; ///< "POST"
    std::string uri;    ///< path and query
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
    std::string bearerToken; ///< sent as Authorization: Bearer <token> when not empty
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
