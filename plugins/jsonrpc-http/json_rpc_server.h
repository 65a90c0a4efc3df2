// json_rpc_server.h — jsonrpc-http: the server side of the barrister-compatible JSON-RPC wire format:
// one HTTP request body in, the envelope(s) decoded, the core's RpcDispatcher called, the response body out.
// SPDX-License-Identifier: Apache-2.0
//
// What this layer owns (the core's dispatcher owns method lookup and the per-method type checks):
//   * body size (maxBodyBytes) and nesting depth (maxJsonDepth) limits, with errors that name the setting;
//   * JSON syntax → -32700 "Unable to parse JSON: ..."; invalid UTF-8 is repaired (U+FFFD) as Go does, and the
//     reference client's `\UXXXXXXXX` escapes are read as the code points they mean;
//   * batches: the first '[' before the first '{' makes a batch, answered in order; `[]` → `[]`; a batch that
//     does not decode → `[` one -32700 error with id "" `]`;
//   * envelope members: id a string (absent/null → ""; any other type → -32700, as Go's decoder fails),
//     method a string (absent/null → ""), jsonrpc unchecked unless it is not a string; params an array of
//     exactly one element, else -32602 "Method X expects 1 params but was passed N" (-32601 first when X is
//     not a method of the IDL); member names match ignoring ASCII case when there is no exact match, as
//     with Go's encoding/json ("ID", "Method");
//   * the special method `barrister-idl`;
//   * exceptions from the dispatcher: RpcError keeps its code; the SDK's error types map to their codes
//     (JsonError -32602, InvalidInput 1001, AlreadyExists 1002, NotFound 1003, VersionConflict 1004); anything
//     else → -32000 "barrister: method 'X' raised unknown error: <what>".
// Responses: {"jsonrpc":"2.0","id":"<id>","result":<dispatcher's JSON as is>} or
// {"jsonrpc":"2.0","id":"<id>","error":{"code":N,"message":"..."}}; HTTP 200, Content-Type application/json.
// The one exception is a body above maxBodyBytes: HTTP 413 (what the core answers before calling handle())
// with a -32700 error envelope naming the limit.
//
// Thread-safety: const after construction; handle() and handleBody() may run concurrently.
#pragma once

#include <maelstrom/sdk/rpc_transport.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace maelstrom::plugins::jsonrpc_http {

struct ServerLimits {
    std::int64_t maxBodyBytes = 8 * 1024 * 1024; ///< setting max_body_bytes
    int maxJsonDepth = 64;                       ///< setting max_json_depth: nested arrays/objects in a body
};

class JsonRpcServer {
public:
    explicit JsonRpcServer(ServerLimits limits = {});

    const ServerLimits& limits() const noexcept { return limits_; }

    /// The whole HTTP exchange (see the header comment). Never throws.
    sdk::RpcHttpResponse handle(const sdk::RpcHttpRequest& request, sdk::RpcDispatcher& dispatcher) const noexcept;

    /// The response body for a request body (no size check). Never throws except std::bad_alloc.
    std::string handleBody(std::string_view body, sdk::RpcDispatcher& dispatcher) const;

private:
    ServerLimits limits_;
};

} // namespace maelstrom::plugins::jsonrpc_http
