// engine_client.h — docker plugin: a Docker Engine API client over Poco::Net (unix socket or tcp://), with
// API version negotiation, streamed (chunked) responses, and Docker's JSON error bodies turned into the SDK's
// typed errors carrying Docker's own message.
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: EngineClient is safe to use from any number of threads at once: each request opens its own
// connection (a unix-socket connect costs microseconds, and it spares us half-closed keep-alive sockets after a
// daemon restart); the negotiated version is guarded by a mutex. An EngineStream belongs to one reader thread,
// except cancel(), which any thread may call to end a blocking read.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <cstdint>
#include <istream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace Poco::Net {
class HTTPClientSession;
class HTTPResponse;
} // namespace Poco::Net

namespace maelstrom::plugins::docker {

/// Where the engine listens: `unix:///var/run/docker.sock`, `tcp://host:port` (or `http://host:port`).
struct EngineAddress {
    bool unixSocket = true;
    std::string path; ///< socket path (unix)
    std::string host; ///< tcp
    std::uint16_t port = 0;
    std::string text; ///< as given, for messages
};

/// Parses an endpoint. @throws sdk::InvalidConfig("endpoint", ...) when it is neither unix:// nor tcp://.
EngineAddress parseEngineAddress(const std::string& endpoint);

/// The highest API version this client speaks (the one Debian's docker.io 20.10 serves) and the lowest it
/// accepts (Mounts, Init and the events filters need 1.25).
inline constexpr const char* kMaxApiVersion = "1.41";
inline constexpr const char* kMinApiVersion = "1.25";

/// Compares dotted versions numerically ("1.9" < "1.41"): <0, 0, >0.
int compareApiVersions(const std::string& a, const std::string& b);

struct EngineClientOptions {
    EngineAddress address;
    std::optional<std::string> pinnedApiVersion; ///< use this instead of negotiating
    std::chrono::milliseconds connectTimeout{5000};
    std::chrono::milliseconds requestTimeout{60000}; ///< default read timeout of a plain request
};

/// A response read in full.
struct EngineResponse {
    int status = 0;
    std::string body;
    std::string contentType;
};

/// An open response whose body is read as it arrives (pull progress, events, logs, exec output).
class EngineStream {
public:
    EngineStream(Poco::Net::StreamSocket socket, std::unique_ptr<Poco::Net::HTTPClientSession> session,
                 std::unique_ptr<Poco::Net::HTTPResponse> response, std::istream* body);
    ~EngineStream();
    EngineStream(const EngineStream&) = delete;
    EngineStream& operator=(const EngineStream&) = delete;

    int status() const;
    std::string header(const std::string& name) const;
    /// The body; reads block until data arrives, the stream ends, the read timeout passes (throws
    /// Poco::TimeoutException) or cancel() is called (reads then see the end of the stream).
    std::istream& body() { return *body_; }
    /// Reads at most `size` bytes; 0 at the end of the stream. Timeouts propagate as Poco exceptions.
    std::size_t read(char* buffer, std::size_t size);
    std::string readAll();
    /// Changes the read timeout (0 = wait forever).
    void setReadTimeout(std::chrono::milliseconds timeout);
    /// Ends any blocking read from another thread (shuts the socket down). Idempotent.
    void cancel();

private:
    Poco::Net::StreamSocket socket_;
    std::unique_ptr<Poco::Net::HTTPClientSession> session_;
    std::unique_ptr<Poco::Net::HTTPResponse> response_;
    std::istream* body_;
};

class EngineClient {
public:
    explicit EngineClient(EngineClientOptions options);

    const EngineAddress& address() const { return options_.address; }
    /// The API version in use ("1.41"), negotiating it from GET /version on first use.
    /// @throws sdk::Unavailable when the daemon cannot be reached.
    std::string apiVersion();
    /// Forgets the negotiated version (after the daemon went away; it may come back as another version).
    void resetApiVersion();

    /// Sends one request (path relative to the versioned prefix, e.g. "/containers/json?all=1") and reads the
    /// whole response. Never throws for an HTTP status; throws sdk::Unavailable when the daemon cannot be
    /// reached or does not answer within `timeout` (0 = the client's request timeout). `what` names the
    /// operation and its object for the messages ("inspect container 3f2a...").
    EngineResponse request(const std::string& method, const std::string& path, const std::string& what,
                           const std::string& body = {}, const std::map<std::string, std::string>& headers = {},
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

    /// Like request() but returns as soon as the status line and headers are in; the body is read from the stream.
    std::unique_ptr<EngineStream> openStream(const std::string& method, const std::string& path,
                                             const std::string& what, const std::string& body = {},
                                             const std::map<std::string, std::string>& headers = {},
                                             std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

    /// request() that throws (errorFor) for any status >= 400 and parses a JSON body (null when empty).
    Poco::Dynamic::Var json(const std::string& method, const std::string& path, const std::string& what,
                            const std::string& body = {}, const std::map<std::string, std::string>& headers = {},
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

private:
    std::unique_ptr<EngineStream> send(const std::string& method, const std::string& fullPath, const std::string& what,
                                       const std::string& body, const std::map<std::string, std::string>& headers,
                                       std::chrono::milliseconds timeout);
    Poco::Net::StreamSocket connect(const std::string& what);

    EngineClientOptions options_;
    std::mutex versionMutex_;
    std::string version_; // guarded by versionMutex_; empty until negotiated
};

/// Docker's message from an error body ({"message": "..."}), or the body itself (trimmed) when not JSON.
std::string dockerMessage(const std::string& body);

/// Throws the SDK error that matches an HTTP error status of the engine: 404 → NotFound, 409 → AlreadyExists
/// when Docker says the name is in use, else PluginError; 400 → InvalidInput; 401/403 → PluginError (denied);
/// 503 → Unavailable; anything else → PluginError. The message is "docker: <what>: <Docker's message>".
[[noreturn]] void throwEngineError(int status, const std::string& body, const std::string& what);

/// Parses a JSON text (throws sdk::PluginError naming `what` when it is not JSON).
Poco::Dynamic::Var parseJson(const std::string& text, const std::string& what);
/// Serialises a JSON value compactly.
std::string toJson(const Poco::Dynamic::Var& value);
/// Percent-encodes a query value or path segment (keeps [A-Za-z0-9-._~]).
std::string urlEncode(const std::string& text);

/// Small accessors on parsed JSON that tolerate missing keys and nulls.
std::string jsonString(const Poco::JSON::Object::Ptr& object, const std::string& key);
std::int64_t jsonInt(const Poco::JSON::Object::Ptr& object, const std::string& key);
bool jsonBool(const Poco::JSON::Object::Ptr& object, const std::string& key);
Poco::JSON::Object::Ptr jsonObject(const Poco::JSON::Object::Ptr& object, const std::string& key);
Poco::JSON::Array::Ptr jsonArray(const Poco::JSON::Object::Ptr& object, const std::string& key);

} // namespace maelstrom::plugins::docker
