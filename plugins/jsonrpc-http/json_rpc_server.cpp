// json_rpc_server.cpp — jsonrpc-http: server side of the wire format (see json_rpc_server.h).
// SPDX-License-Identifier: Apache-2.0
#include "json_rpc_server.h"

#include "barrister_idl.h"
#include "json_text.h"
#include <maelstrom/sdk/poco/json_codec.h>

#include <maelstrom/sdk/errors.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <new>
#include <string>
#include <typeinfo>
#include <vector>

namespace maelstrom::plugins::jsonrpc_http {

namespace codec = sdk::json::codec;
using Poco::Dynamic::Var;

namespace {

constexpr int kParseError = static_cast<int>(sdk::RpcCode::ParseError);
constexpr int kMethodNotFound = static_cast<int>(sdk::RpcCode::MethodNotFound);
constexpr int kInvalidParams = static_cast<int>(sdk::RpcCode::InvalidParams);
constexpr int kMiscError = static_cast<int>(sdk::RpcCode::MiscError);

/// One decoded request envelope.
struct Envelope {
    std::string id;
    std::string method;
    Var params;
};

const char* jsonTypeName(const Var& v) {
    if (v.isEmpty())
        return "null";
    const std::type_info& t = v.type();
    if (t == typeid(Poco::JSON::Object::Ptr) || t == typeid(Poco::JSON::Object))
        return "object";
    if (t == typeid(Poco::JSON::Array::Ptr) || t == typeid(Poco::JSON::Array))
        return "array";
    if (t == typeid(std::string))
        return "string";
    if (t == typeid(bool))
        return "bool";
    return "number";
}

/// A member as Go's decoder finds it: the exact key, else any key equal to it ignoring ASCII case
/// ("ID", "Method"); an empty Var when there is none.
Var member(const Poco::JSON::Object& object, const std::string& key) {
    if (object.has(key)) {
        return object.get(key);
    }
    for (const auto& [name, value] : object) {
        if (name.size() == key.size() && std::equal(name.begin(), name.end(), key.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
            })) {
            return value;
        }
    }
    return {};
}

/// A string member: absent/null → "" (as Go leaves the field alone); any other type fails the decode.
bool stringMember(const Poco::JSON::Object& object, const char* key, std::string& out, std::string& error) {
    const Var value = member(object, key);
    if (value.isEmpty()) {
        out.clear();
        return true;
    }
    if (value.type() != typeid(std::string)) {
        error = std::string("Unable to parse JSON: member \"") + key + "\" of the request must be a string, got " +
                jsonTypeName(value);
        return false;
    }
    out = value.extract<std::string>();
    return true;
}

/// Var → Envelope with the rules of Go's json.Unmarshal into barrister's JsonRpcRequest.
bool decodeEnvelope(const Var& value, Envelope& out, std::string& error) {
    if (value.isEmpty()) { // `null` decodes into an empty request (and gets "Unsupported method: ")
        return true;
    }
    if (value.type() != typeid(Poco::JSON::Object::Ptr)) {
        error = std::string("Unable to parse JSON: a request must be a JSON object, got ") + jsonTypeName(value);
        return false;
    }
    const auto& object = *value.extract<Poco::JSON::Object::Ptr>();
    std::string jsonrpc;
    if (!stringMember(object, "jsonrpc", jsonrpc, error) || !stringMember(object, "id", out.id, error) ||
        !stringMember(object, "method", out.method, error)) {
        return false;
    }
    out.params = member(object, "params");
    return true;
}

void appendResponseHead(std::string& out, std::string_view id) {
    out.append(R"({"jsonrpc":"2.0","id":)");
    sdk::appendJsonString(out, id);
}

void appendError(std::string& out, std::string_view id, int code, std::string_view message) {
    appendResponseHead(out, id);
    out.append(R"(,"error":{"code":)");
    out.append(std::to_string(code));
    out.append(R"(,"message":)");
    sdk::appendJsonString(out, message);
    out.append("}}");
}

std::string parseErrorBody(bool batch, std::string_view message) {
    std::string out;
    if (batch)
        out.push_back('[');
    appendError(out, "", kParseError, message);
    if (batch)
        out.push_back(']');
    return out;
}

std::string unknownErrorMessage(const std::string& method, std::string_view what) {
    return "barrister: method '" + method + "' raised unknown error: " + std::string(what);
}

/// Runs one request and appends its response.
void invokeOne(const Envelope& request, sdk::RpcDispatcher& dispatcher, std::string& out) {
    if (request.method == "barrister-idl") { // barrister answers it before looking at params
        appendResponseHead(out, request.id);
        out.append(R"(,"result":)");
        out.append(barristerIdlJson());
        out.push_back('}');
        return;
    }
    const bool isArray = !request.params.isEmpty() && request.params.type() == typeid(Poco::JSON::Array::Ptr);
    const Poco::JSON::Array::Ptr params = isArray ? request.params.extract<Poco::JSON::Array::Ptr>() : nullptr;
    const std::size_t count = params ? params->size() : 0;
    if (count != 1) {
        if (!isIdlMethod(request.method)) {
            appendError(out, request.id, kMethodNotFound, "Unsupported method: " + request.method);
        } else {
            appendError(out, request.id, kInvalidParams,
                        "Method " + request.method + " expects 1 params but was passed " + std::to_string(count));
        }
        return;
    }

    int code = 0;
    std::string message;
    std::string result;
    try {
        result = dispatcher.call(request.method, codec::stringify(params->get(0)));
        if (result.empty()) {
            code = kMiscError;
            message = unknownErrorMessage(request.method, "the method returned no result");
        }
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        const sdk::RpcError error = sdk::toRpcError(e, request.method);
        code = error.code();
        message = error.what();
    } catch (...) {
        code = kMiscError;
        message = unknownErrorMessage(request.method, "unknown exception");
    }
    if (code != 0) {
        appendError(out, request.id, code, message);
        return;
    }
    appendResponseHead(out, request.id);
    out.append(R"(,"result":)");
    out.append(result);
    out.push_back('}');
}

} // namespace

JsonRpcServer::JsonRpcServer(ServerLimits limits) : limits_(limits) {
    if (limits_.maxJsonDepth < 2) { // an envelope with params is 2 levels deep at least
        limits_.maxJsonDepth = 2;
    }
}

std::string JsonRpcServer::handleBody(std::string_view body, sdk::RpcDispatcher& dispatcher) const {
    const bool batch = looksLikeBatch(body);
    std::string rewritten;
    if (rewriteGoUnicodeEscapes(body, rewritten)) {
        body = rewritten;
    }
    if (nestingDepth(body, limits_.maxJsonDepth) > limits_.maxJsonDepth) {
        return parseErrorBody(batch, "Unable to parse JSON: the request nests arrays/objects deeper than " +
                                         std::to_string(limits_.maxJsonDepth) + " levels (setting max_json_depth)");
    }
    Var doc;
    try {
        // The scan above is the limit; the parser's own limit (one level of slack) is only a backstop.
        doc = codec::parse(body, limits_.maxJsonDepth + 1);
    } catch (const sdk::JsonError& e) {
        return parseErrorBody(batch, e.what());
    }

    std::string error;
    std::string out;
    if (!batch) {
        Envelope request;
        if (!decodeEnvelope(doc, request, error)) {
            return parseErrorBody(false, error);
        }
        invokeOne(request, dispatcher, out);
        return out;
    }

    if (doc.isEmpty() || doc.type() != typeid(Poco::JSON::Array::Ptr)) {
        return parseErrorBody(true, std::string("Unable to parse JSON: a batch must be a JSON array, got ") +
                                        jsonTypeName(doc));
    }
    const auto items = doc.extract<Poco::JSON::Array::Ptr>();
    // Go decodes the whole batch before running anything: one bad element fails all of them.
    std::vector<Envelope> requests(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) {
        if (!decodeEnvelope(items->get(static_cast<unsigned>(i)), requests[i], error)) {
            return parseErrorBody(true, error + " (batch element " + std::to_string(i) + ")");
        }
    }
    out.push_back('[');
    for (std::size_t i = 0; i < requests.size(); ++i) {
        if (i > 0)
            out.push_back(',');
        invokeOne(requests[i], dispatcher, out);
    }
    out.push_back(']');
    return out;
}

sdk::RpcHttpResponse JsonRpcServer::handle(const sdk::RpcHttpRequest& request,
                                           sdk::RpcDispatcher& dispatcher) const noexcept {
    sdk::RpcHttpResponse response;
    try {
        response.headers.push_back({"Content-Type", "application/json"});
        if (static_cast<std::int64_t>(request.body.size()) > limits_.maxBodyBytes) {
            response.status = 413;
            response.body = parseErrorBody(looksLikeBatch(std::string_view(request.body).substr(0, 4096)),
                                           "Unable to parse JSON: the request body has " +
                                               std::to_string(request.body.size()) + " bytes, more than the limit of " +
                                               std::to_string(limits_.maxBodyBytes) + " (setting max_body_bytes)");
            return response;
        }
        response.body = handleBody(request.body, dispatcher);
    } catch (...) { // std::bad_alloc and the like: still an answer of the wire format
        response.status = 200;
        response.body =
            R"json({"jsonrpc":"2.0","id":"","error":{"code":-32000,"message":"barrister: the request could not be processed (out of memory)"}})json";
    }
    return response;
}

} // namespace maelstrom::plugins::jsonrpc_http
