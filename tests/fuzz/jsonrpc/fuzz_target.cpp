// fuzz_target.cpp — libFuzzer target for the jsonrpc-http server side: any byte string is a request body fed
// to JsonRpcServer::handle() with a trivial dispatcher. Checked on every input: no crash / sanitizer report,
// no exception, HTTP 200 (413 above the limit), and the response is valid UTF-8 JSON of the wire format.
// Built and run by tests/fuzz/run-fuzzer.sh jsonrpc <seconds> (sources in sources.txt).
// SPDX-License-Identifier: Apache-2.0
#include "json_rpc_server.h"
#include "json_text.h"
#include <maelstrom/sdk/poco/json_codec.h>

#include <maelstrom/sdk/rpc_transport.h>
#include <maelstrom/sdk/utf8.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace {

namespace rpc = maelstrom::plugins::jsonrpc_http;

/// Echoes the input for most methods; the method's length picks an error path for the others.
class FuzzDispatcher : public maelstrom::sdk::RpcDispatcher {
public:
    std::string call(const std::string& method, const std::string& inputJson) override {
        switch (method.size() % 5) {
        case 1:
            throw maelstrom::sdk::RpcError(1001 + static_cast<int>(method.size() % 4), "rejected: " + method);
        case 2:
            throw std::runtime_error("boom: " + method);
        case 3:
            throw maelstrom::sdk::NotFound("not found: " + method);
        default:
            return inputJson;
        }
    }
};

bool validUtf8(const std::string& text) { return maelstrom::sdk::utf8::isValid(text); }

[[noreturn]] void fail(const char* what, const std::string& body) {
    std::fprintf(stderr, "jsonrpc fuzz invariant broken: %s\nresponse: %.400s\n", what, body.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const rpc::JsonRpcServer server(rpc::ServerLimits{.maxBodyBytes = 64 * 1024, .maxJsonDepth = 64});
    static FuzzDispatcher dispatcher;

    const std::string body(reinterpret_cast<const char*>(data), size);
    std::string rewritten;
    rpc::rewriteGoUnicodeEscapes(body, rewritten);
    (void)rpc::nestingDepth(body, 64);

    const maelstrom::sdk::RpcHttpRequest request{"POST", "/_mael/v1", {}, body};
    const auto response = server.handle(request, dispatcher);
    if (response.status != 200 && response.status != 413)
        fail("unexpected HTTP status", response.body);
    if (!validUtf8(response.body))
        fail("response is not valid UTF-8", response.body);
    Poco::Dynamic::Var parsed;
    try {
        parsed = maelstrom::sdk::json::codec::parse(response.body, 512);
    } catch (const std::exception& e) {
        fail(e.what(), response.body);
    }
    const bool isArray = parsed.type() == typeid(Poco::JSON::Array::Ptr);
    const bool isObject = parsed.type() == typeid(Poco::JSON::Object::Ptr);
    if (!isArray && !isObject)
        fail("response is neither an object nor an array", response.body);
    if (isArray != rpc::looksLikeBatch(body) && response.status == 200)
        fail("batch shape mismatch", response.body);
    return 0;
}
