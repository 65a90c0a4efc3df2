// engine_client.cpp — Docker Engine API client: connections, version negotiation, error mapping, JSON helpers.
// SPDX-License-Identifier: Apache-2.0
#include "engine_client.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/NumberParser.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include <sstream>
#include <vector>

namespace maelstrom::plugins::docker {

namespace sdk = maelstrom::sdk;

EngineAddress parseEngineAddress(const std::string& endpoint) {
    EngineAddress a;
    a.text = endpoint;
    auto startsWith = [&](const char* prefix) { return endpoint.rfind(prefix, 0) == 0; };
    if (startsWith("unix://")) {
        a.unixSocket = true;
        a.path = endpoint.substr(7);
        if (a.path.empty() || a.path[0] != '/') {
            throw sdk::InvalidConfig(
                "endpoint", "'" + endpoint + "' must name an absolute socket path (unix:///var/run/docker.sock)");
        }
        return a;
    }
    std::string rest;
    if (startsWith("tcp://")) {
        rest = endpoint.substr(6);
    } else if (startsWith("http://")) {
        rest = endpoint.substr(7);
    } else {
        throw sdk::InvalidConfig("endpoint", "'" + endpoint + "' is neither unix://<path> nor tcp://<host>:<port>");
    }
    while (!rest.empty() && rest.back() == '/') {
        rest.pop_back();
    }
    std::size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || rest.find(']', colon) != std::string::npos) {
        throw sdk::InvalidConfig("endpoint", "'" + endpoint + "' needs a port (tcp://host:port)");
    }
    a.unixSocket = false;
    a.host = rest.substr(0, colon);
    if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']') {
        a.host = a.host.substr(1, a.host.size() - 2);
    }
    unsigned port = 0;
    if (!Poco::NumberParser::tryParseUnsigned(rest.substr(colon + 1), port) || port == 0 || port > 65535) {
        throw sdk::InvalidConfig("endpoint", "'" + endpoint + "' has an invalid port");
    }
    a.port = static_cast<std::uint16_t>(port);
    return a;
}

int compareApiVersions(const std::string& a, const std::string& b) {
    auto parts = [](const std::string& v) {
        std::vector<long> out;
        std::stringstream ss(v);
        std::string item;
        while (std::getline(ss, item, '.')) {
            out.push_back(std::strtol(item.c_str(), nullptr, 10));
        }
        return out;
    };
    auto pa = parts(a);
    auto pb = parts(b);
    for (std::size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
        long x = i < pa.size() ? pa[i] : 0;
        long y = i < pb.size() ? pb[i] : 0;
        if (x != y) {
            return x < y ? -1 : 1;
        }
    }
    return 0;
}

// ---- EngineStream ----

EngineStream::EngineStream(Poco::Net::StreamSocket socket, std::unique_ptr<Poco::Net::HTTPClientSession> session,
                           std::unique_ptr<Poco::Net::HTTPResponse> response, std::istream* body)
    : socket_(std::move(socket)), session_(std::move(session)), response_(std::move(response)), body_(body) {
    // Exceptions from the socket (timeouts) reach the reader instead of silently setting badbit.
    body_->exceptions(std::ios::badbit);
}

EngineStream::~EngineStream() = default;

int EngineStream::status() const { return static_cast<int>(response_->getStatus()); }

std::string EngineStream::header(const std::string& name) const { return response_->get(name, ""); }

std::size_t EngineStream::read(char* buffer, std::size_t size) {
    body_->read(buffer, static_cast<std::streamsize>(size));
    auto n = body_->gcount();
    if (n == 0 && body_->eof()) {
        return 0;
    }
    if (body_->eof()) {
        body_->clear(std::ios::eofbit); // keep returning what we got; next call sees 0
    }
    return static_cast<std::size_t>(n);
}

std::string EngineStream::readAll() {
    std::string out;
    Poco::StreamCopier::copyToString(*body_, out);
    return out;
}

void EngineStream::setReadTimeout(std::chrono::milliseconds timeout) {
    socket_.setReceiveTimeout(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeout.count()) * 1000));
}

void EngineStream::cancel() {
    try {
        socket_.shutdown();
    } catch (...) {
        // already closed or never connected: nothing left to wake up
    }
}

// ---- EngineClient ----

EngineClient::EngineClient(EngineClientOptions options) : options_(std::move(options)) {}

Poco::Net::StreamSocket EngineClient::connect(const std::string& what) {
    Poco::Net::StreamSocket socket;
    try {
        Poco::Timespan timeout(static_cast<Poco::Timespan::TimeDiff>(options_.connectTimeout.count()) * 1000);
        if (options_.address.unixSocket) {
            socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, options_.address.path),
                           timeout);
        } else {
            socket.connect(Poco::Net::SocketAddress(options_.address.host, options_.address.port), timeout);
            socket.setNoDelay(true);
        }
    } catch (const Poco::Exception& e) {
        throw sdk::Unavailable("docker: " + what + ": cannot reach the Docker daemon at " + options_.address.text +
                               " (" + e.displayText() + ")");
    }
    return socket;
}

std::unique_ptr<EngineStream> EngineClient::send(const std::string& method, const std::string& fullPath,
                                                 const std::string& what, const std::string& body,
                                                 const std::map<std::string, std::string>& headers,
                                                 std::chrono::milliseconds timeout) {
    if (timeout.count() <= 0) {
        timeout = options_.requestTimeout;
    }
    Poco::Net::StreamSocket socket = connect(what);
    try {
        Poco::Timespan t(static_cast<Poco::Timespan::TimeDiff>(timeout.count()) * 1000);
        socket.setReceiveTimeout(t);
        socket.setSendTimeout(t);
        auto session = std::make_unique<Poco::Net::HTTPClientSession>(socket);
        Poco::Net::HTTPRequest request(method, fullPath, Poco::Net::HTTPMessage::HTTP_1_1);
        if (options_.address.unixSocket) {
            request.setHost("docker");
        } else {
            request.setHost(options_.address.host, options_.address.port);
        }
        request.setKeepAlive(false);
        request.set("User-Agent", "maelstrom-docker-plugin");
        for (const auto& [name, value] : headers) {
            request.set(name, value);
        }
        if (!body.empty()) {
            if (!request.has("Content-Type")) {
                request.setContentType("application/json");
            }
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        } else if (method == "POST" || method == "PUT") {
            request.setContentLength(0);
        }
        std::ostream& out = session->sendRequest(request);
        out << body;
        out.flush();
        auto response = std::make_unique<Poco::Net::HTTPResponse>();
        std::istream& in = session->receiveResponse(*response);
        return std::make_unique<EngineStream>(socket, std::move(session), std::move(response), &in);
    } catch (const Poco::TimeoutException&) {
        throw sdk::Unavailable("docker: " + what + ": the Docker daemon at " + options_.address.text +
                               " did not answer within " + std::to_string(timeout.count() / 1000.0).substr(0, 6) +
                               " s");
    } catch (const Poco::Exception& e) {
        throw sdk::Unavailable("docker: " + what + ": connection to the Docker daemon at " + options_.address.text +
                               " failed (" + e.displayText() + ")");
    }
}

std::string EngineClient::apiVersion() {
    std::lock_guard lock(versionMutex_);
    if (!version_.empty()) {
        return version_;
    }
    if (options_.pinnedApiVersion) {
        version_ = *options_.pinnedApiVersion;
        return version_;
    }
    auto stream = send("GET", "/version", "negotiate the API version", {}, {}, std::chrono::milliseconds(0));
    std::string text;
    try {
        text = stream->readAll();
    } catch (const Poco::Exception& e) {
        throw sdk::Unavailable("docker: negotiate the API version: reading GET /version from " + options_.address.text +
                               " failed (" + e.displayText() + ")");
    }
    if (stream->status() != 200) {
        throwEngineError(stream->status(), text, "negotiate the API version (GET /version)");
    }
    auto v = parseJson(text, "GET /version").extract<Poco::JSON::Object::Ptr>();
    std::string server = jsonString(v, "ApiVersion");
    std::string serverMin = jsonString(v, "MinAPIVersion");
    if (server.empty()) {
        throw sdk::PluginError("docker: negotiate the API version: GET /version at " + options_.address.text +
                               " carries no ApiVersion");
    }
    std::string chosen = compareApiVersions(server, kMaxApiVersion) < 0 ? server : kMaxApiVersion;
    if (compareApiVersions(chosen, kMinApiVersion) < 0) {
        throw sdk::PluginError("docker: the daemon at " + options_.address.text + " speaks API " + server +
                               ", older than " + kMinApiVersion + " which this plugin needs");
    }
    if (!serverMin.empty() && compareApiVersions(chosen, serverMin) < 0) {
        throw sdk::PluginError("docker: the daemon at " + options_.address.text + " needs API " + serverMin +
                               " or newer; this plugin speaks at most " + kMaxApiVersion);
    }
    version_ = chosen;
    return version_;
}

void EngineClient::resetApiVersion() {
    std::lock_guard lock(versionMutex_);
    version_.clear();
}

std::unique_ptr<EngineStream> EngineClient::openStream(const std::string& method, const std::string& path,
                                                       const std::string& what, const std::string& body,
                                                       const std::map<std::string, std::string>& headers,
                                                       std::chrono::milliseconds timeout) {
    std::string version;
    try {
        version = apiVersion();
    } catch (const sdk::Unavailable& e) {
        // Name the operation the caller asked for, not only the negotiation that failed under it.
        std::string cause = e.what();
        if (cause.rfind("docker: ", 0) == 0)
            cause = cause.substr(8);
        throw sdk::Unavailable("docker: " + what + ": " + cause);
    }
    std::string prefix = "/v" + version;
    try {
        return send(method, prefix + path, what, body, headers, timeout);
    } catch (const sdk::Unavailable&) {
        // The daemon went away: it may come back with another version; negotiate again next time.
        if (!options_.pinnedApiVersion) {
            resetApiVersion();
        }
        throw;
    }
}

EngineResponse EngineClient::request(const std::string& method, const std::string& path, const std::string& what,
                                     const std::string& body, const std::map<std::string, std::string>& headers,
                                     std::chrono::milliseconds timeout) {
    auto stream = openStream(method, path, what, body, headers, timeout);
    EngineResponse r;
    r.status = stream->status();
    r.contentType = stream->header("Content-Type");
    try {
        r.body = stream->readAll();
    } catch (const Poco::TimeoutException&) {
        throw sdk::Unavailable("docker: " + what + ": the Docker daemon at " + options_.address.text +
                               " stopped sending the response (timeout)");
    } catch (const Poco::Exception& e) {
        throw sdk::Unavailable("docker: " + what + ": reading the response from " + options_.address.text +
                               " failed (" + e.displayText() + ")");
    } catch (const std::ios_base::failure& e) {
        throw sdk::Unavailable("docker: " + what + ": reading the response from " + options_.address.text +
                               " failed (" + e.what() + ")");
    }
    return r;
}

Poco::Dynamic::Var EngineClient::json(const std::string& method, const std::string& path, const std::string& what,
                                      const std::string& body, const std::map<std::string, std::string>& headers,
                                      std::chrono::milliseconds timeout) {
    EngineResponse r = request(method, path, what, body, headers, timeout);
    if (r.status >= 400) {
        throwEngineError(r.status, r.body, what);
    }
    if (r.body.empty()) {
        return {};
    }
    return parseJson(r.body, what);
}

// ---- errors and JSON helpers ----

std::string dockerMessage(const std::string& body) {
    try {
        Poco::JSON::Parser parser;
        auto v = parser.parse(body);
        if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
            auto o = v.extract<Poco::JSON::Object::Ptr>();
            std::string m = jsonString(o, "message");
            if (!m.empty()) {
                return m;
            }
        }
    } catch (...) {
        // not JSON: fall through to the raw text
    }
    return Poco::trim(body);
}

void throwEngineError(int status, const std::string& body, const std::string& what) {
    std::string message = dockerMessage(body);
    if (message.empty()) {
        message = "no message";
    }
    std::string text = "docker: " + what + ": " + message + " (HTTP " + std::to_string(status) + ")";
    switch (status) {
    case 400:
        throw sdk::InvalidInput(text);
    case 401:
    case 403:
        throw sdk::PluginError(text);
    case 404:
        throw sdk::NotFound(text);
    case 409:
        if (message.find("already in use") != std::string::npos) {
            throw sdk::AlreadyExists(text);
        }
        throw sdk::PluginError(text);
    case 502:
    case 503:
    case 504:
        throw sdk::Unavailable(text);
    default:
        throw sdk::PluginError(text);
    }
}

Poco::Dynamic::Var parseJson(const std::string& text, const std::string& what) {
    try {
        Poco::JSON::Parser parser;
        return parser.parse(text);
    } catch (const Poco::Exception& e) {
        throw sdk::PluginError("docker: " + what + ": the daemon's answer is not JSON (" + e.displayText() +
                               "): " + text.substr(0, 200));
    }
}

std::string toJson(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(value, out);
    return out.str();
}

std::string urlEncode(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (unsigned char c : text) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string jsonString(const Poco::JSON::Object::Ptr& object, const std::string& key) {
    if (!object || !object->has(key)) {
        return {};
    }
    auto v = object->get(key);
    if (v.isEmpty()) {
        return {};
    }
    try {
        return v.convert<std::string>();
    } catch (const Poco::Exception&) {
        return {};
    }
}

std::int64_t jsonInt(const Poco::JSON::Object::Ptr& object, const std::string& key) {
    if (!object || !object->has(key)) {
        return 0;
    }
    auto v = object->get(key);
    if (v.isEmpty()) {
        return 0;
    }
    try {
        return v.convert<Poco::Int64>();
    } catch (const Poco::Exception&) {
        try {
            return static_cast<std::int64_t>(v.convert<double>());
        } catch (const Poco::Exception&) {
            return 0;
        }
    }
}

bool jsonBool(const Poco::JSON::Object::Ptr& object, const std::string& key) {
    if (!object || !object->has(key)) {
        return false;
    }
    auto v = object->get(key);
    if (v.isEmpty()) {
        return false;
    }
    try {
        return v.convert<bool>();
    } catch (const Poco::Exception&) {
        return false;
    }
}

Poco::JSON::Object::Ptr jsonObject(const Poco::JSON::Object::Ptr& object, const std::string& key) {
    if (!object || !object->has(key) || object->isNull(key)) {
        return nullptr;
    }
    return object->getObject(key);
}

Poco::JSON::Array::Ptr jsonArray(const Poco::JSON::Object::Ptr& object, const std::string& key) {
    if (!object || !object->has(key) || object->isNull(key)) {
        return nullptr;
    }
    return object->getArray(key);
}

} // namespace maelstrom::plugins::docker
