// json_rpc_client.cpp — jsonrpc-http: client side of the wire format (see json_rpc_client.h).
// SPDX-License-Identifier: Apache-2.0
#include "json_rpc_client.h"

#include "json_text.h"
#include <maelstrom/sdk/poco/json_codec.h>

#include <maelstrom/sdk/errors.h>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <istream>
#include <ostream>
#include <random>

namespace maelstrom::plugins::jsonrpc_http {

namespace codec = sdk::json::codec;
using Poco::Dynamic::Var;

namespace {

constexpr sdk::RpcCode kTransportError = sdk::RpcCode::TransportError;
constexpr std::size_t kMaxIdleSessions = 8;
constexpr int kResponseMaxDepth = 128;

/// Why a call failed before any answer arrived on a reused connection: worth one retry on a new one.
bool staleConnection(const Poco::Exception& e) {
    return dynamic_cast<const Poco::Net::NoMessageException*>(&e) != nullptr ||
           dynamic_cast<const Poco::Net::ConnectionResetException*>(&e) != nullptr ||
           dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&e) != nullptr ||
           dynamic_cast<const Poco::Net::MessageException*>(&e) != nullptr;
}

} // namespace

std::string newRequestId() {
    thread_local std::mt19937_64 generator{[] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(40, '0');
    for (std::size_t i = 0; i < id.size(); i += 16) {
        std::uint64_t bits = generator();
        for (std::size_t k = i; k < i + 16 && k < id.size(); ++k, bits >>= 4) {
            id[k] = kHex[bits & 0xF];
        }
    }
    return id;
}

JsonRpcClient::JsonRpcClient(const std::string& baseUrl, const sdk::RpcClientOptions& options) : options_(options) {
    std::string base = baseUrl;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    url_ = base + "/_mael/v1";
    try {
        const Poco::URI uri(base);
        if (uri.getScheme() != "http") {
            urlError_ = "unsupported URL scheme '" + uri.getScheme() + "' (only http:// is supported)";
        } else if (uri.getHost().empty()) {
            urlError_ = "the URL has no host";
        } else {
            host_ = uri.getHost();
            port_ = uri.getPort();
            path_ = uri.getPath() + "/_mael/v1";
        }
    } catch (const Poco::Exception& e) {
        urlError_ = "invalid URL: " + e.displayText();
    }
    if (options_.timeout <= std::chrono::milliseconds::zero()) {
        options_.timeout = std::chrono::minutes(5);
    }
}

JsonRpcClient::~JsonRpcClient() = default;

std::unique_ptr<Poco::Net::HTTPClientSession> JsonRpcClient::takeSession(bool& reused) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!idle_.empty()) {
            auto session = std::move(idle_.back());
            idle_.pop_back();
            reused = true;
            return session;
        }
    }
    reused = false;
    auto session = std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
    session->setKeepAlive(true);
    return session;
}

void JsonRpcClient::giveBack(std::unique_ptr<Poco::Net::HTTPClientSession> session) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.size() < kMaxIdleSessions) {
        idle_.push_back(std::move(session));
    }
}

void JsonRpcClient::transportError(const std::string& method, const std::string& what) const {
    throw sdk::RpcError(kTransportError,
                        "barrister: " + method + ": Transport error during request: " + what + " (" + url_ + ")");
}

std::string JsonRpcClient::call(const std::string& method, const std::string& inputJson) {
    if (!urlError_.empty()) {
        transportError(method, urlError_);
    }
    std::string body;
    body.reserve(inputJson.size() + method.size() + 96);
    body.append(R"({"jsonrpc":"2.0","id":)");
    sdk::appendJsonString(body, newRequestId());
    body.append(R"(,"method":)");
    sdk::appendJsonString(body, method);
    body.append(R"(,"params":[)");
    body.append(inputJson);
    body.append("]}");
    HttpReply reply = post(method, body);
    return resultOf(method, reply);
}

JsonRpcClient::HttpReply JsonRpcClient::post(const std::string& method, const std::string& body) {
    const auto timeoutUs = std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count();
    for (int attempt = 0;; ++attempt) {
        bool reused = false;
        auto session = takeSession(reused);
        bool answered = false; // a status line arrived: never retry after that
        try {
            session->setTimeout(Poco::Timespan(timeoutUs));
            Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path_, Poco::Net::HTTPMessage::HTTP_1_1);
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
            request.setKeepAlive(true);
            if (!options_.bearerToken.empty()) {
                request.set("Authorization", "Bearer " + options_.bearerToken);
            }
            std::ostream& out = session->sendRequest(request);
            out.write(body.data(), static_cast<std::streamsize>(body.size()));
            out.flush();
            Poco::Net::HTTPResponse response;
            std::istream& in = session->receiveResponse(response);
            answered = true;
            HttpReply reply{static_cast<int>(response.getStatus()), response.getReason(), {}};
            Poco::StreamCopier::copyToString(in, reply.body);
            if (response.getKeepAlive()) {
                giveBack(std::move(session));
            }
            return reply;
        } catch (const Poco::Exception& e) {
            if (reused && !answered && attempt == 0 && staleConnection(e)) {
                continue; // the server closed the idle connection: once more on a fresh one
            }
            transportError(method, e.displayText());
        } catch (const std::exception& e) {
            transportError(method, e.what());
        }
    }
}

std::string JsonRpcClient::resultOf(const std::string& method, HttpReply& reply) const {
    const int status = reply.status;
    const auto httpFailure = [&] { return "HTTP " + std::to_string(status) + " " + reply.reason; };
    if (status == Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED) {
        transportError(method, options_.bearerToken.empty()
                                   ? "HTTP 401 Unauthorized: the daemon requires a bearer token (Authorization: "
                                     "Bearer <token>) and none is configured"
                                   : "HTTP 401 Unauthorized: the daemon rejected the bearer token");
    }
    std::string rewritten;
    if (rewriteGoUnicodeEscapes(reply.body, rewritten)) { // a Go reference server in forceASCII mode
        reply.body.swap(rewritten);
    }
    Var doc;
    try {
        doc = codec::parse(reply.body, kResponseMaxDepth);
    } catch (const sdk::JsonError& e) {
        if (status != Poco::Net::HTTPResponse::HTTP_OK) {
            transportError(method, httpFailure());
        }
        transportError(method, std::string("cannot decode the response: ") + e.what());
    }
    if (doc.isEmpty() || doc.type() != typeid(Poco::JSON::Object::Ptr)) {
        transportError(method, status != Poco::Net::HTTPResponse::HTTP_OK
                                   ? httpFailure()
                                   : std::string("the response is not a JSON object"));
    }
    const auto& object = *doc.extract<Poco::JSON::Object::Ptr>();
    const Var error = object.get("error");
    if (!error.isEmpty()) {
        try {
            const codec::ObjectReader reader(error, "error");
            throw sdk::RpcError(static_cast<int>(reader.getInt("code", true)), reader.getString("message"));
        } catch (const sdk::JsonError& e) {
            transportError(method, std::string("cannot decode the response's error: ") + e.what());
        }
    }
    if (status != Poco::Net::HTTPResponse::HTTP_OK) {
        transportError(method, httpFailure());
    }
    const Var result = object.get("result");
    if (result.isEmpty()) {
        transportError(method, "the response has neither result nor error");
    }
    try {
        return codec::stringify(result);
    } catch (const sdk::JsonError& e) {
        transportError(method, std::string("cannot re-encode the result: ") + e.what());
    }
}

} // namespace maelstrom::plugins::jsonrpc_http
