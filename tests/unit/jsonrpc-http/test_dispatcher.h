// test_dispatcher.h — a small RpcDispatcher for the jsonrpc-http tests: IDL methods echo their input, and
// Test.* methods return unicode, throw RpcError 1001..1004, SDK errors or plain exceptions.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <maelstrom/sdk/rpc_transport.h>

#include <Poco/Dynamic/Var.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace maelstrom::testing::rpc {

/// Methods:
///   *Nope*                              → RpcError(-32601, "Unsupported method: <m>")
///   MaelstromService.* / NodeService.*  → the input JSON as is (echo)
///   Test.Unicode                        → {"name":"名前-ünï-😀-\u0007"} (as UTF-8 JSON)
///   Test.Fail<code>                     → throws RpcError(code, "failure <code>") for 1001..1004, -32001
///   Test.NotFound / Test.Invalid        → throws sdk::NotFound / sdk::InvalidInput
///   Test.Crash                          → throws std::runtime_error("boom")
///   Test.Int                            → throws 42 (not an exception class)
///   Test.Spaced                         → { "z" : 1, "a" : [ ] } (spacing kept on the wire)
///   Test.Slow                           → {} after 1.5 s
///   Test.Empty                          → returns ""
///   anything else                       → RpcError(-32601, "Unsupported method: <m>")
/// Records every call. Thread-safe.
class TestDispatcher : public sdk::RpcDispatcher {
public:
    std::string call(const std::string& method, const std::string& inputJson) override;

    std::vector<std::pair<std::string, std::string>> calls() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, std::string>> calls_;
};

/// Parses a response body with the SDK codec (fails the test when it is not valid JSON).
Poco::Dynamic::Var parseJson(const std::string& text);

/// True when JSON text holds a `\U` escape (a backslash escaping 'U'; an escaped backslash before U is not).
bool hasUpperUEscape(const std::string& text);

/// True when `text` is valid UTF-8 (no overlongs, no surrogates).
bool validUtf8(const std::string& text);

} // namespace maelstrom::testing::rpc
