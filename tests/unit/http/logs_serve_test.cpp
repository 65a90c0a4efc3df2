// logs_serve_test.cpp — `/_mael/logs` served straight on a socket (LogStreams::serve, with a socketpair standing in
// for the client's connection and the fake container runtime for Docker): status answers (400, 501, 503), the
// chunked 200 stream (head, log lines, PING), its end when the client goes away or maelstromd stops; the merge of
// the peers' streams (fake peers: Poco HTTP servers on 127.0.0.1 that stream JSON lines and PINGs): their lines
// relayed with their node, the local ones tagged with this node, `local=1` asking no peer, a peer that is down,
// refuses or ends its stream, peers listed later; and the framing of the blocking response writer (complete
// answers, chunks, a gone or stalled peer, cancellation).
// SPDX-License-Identifier: Apache-2.0
#include "fake_container_runtime.h"
#include "http/blocking_response.h"
#include "http/logs_handler.h"
#include "model_builders.h"
#include "test_support.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <maelstrom/sdk/clock.h>

using namespace maelstrom;
using namespace maelstrom::core;
using namespace std::chrono_literals;
using testing::FakeContainerRuntime;

namespace {

using Clock = std::chrono::steady_clock;

// A connected pair of stream sockets: `server` is what serve() writes to, `client` is the test's end.
class SocketPair {
public:
    SocketPair() {
        int fds[2];
        CPPUNIT_ASSERT_EQUAL(0, ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
        server = fds[0];
        client = fds[1];
    }
    ~SocketPair() {
        closeServer();
        closeClient();
    }
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;

    void closeServer() {
        if (server >= 0) {
            ::close(server);
            server = -1;
        }
    }
    void closeClient() {
        if (client >= 0) {
            ::close(client);
            client = -1;
        }
    }

    /// Reads from the client end into `received` until `done(received)` holds, EOF, or `timeout`; returns
    /// done(received).
    bool readUntil(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        while (!done(received)) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left <= 0ms) {
                return false;
            }
            pollfd p{client, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                continue;
            }
            char buffer[65536];
            const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
            if (n <= 0) {
                return done(received);
            }
            received.append(buffer, static_cast<std::size_t>(n));
        }
        return true;
    }

    /// Reads until EOF (the server end must be closed) or `timeout`.
    std::string readToEnd(std::chrono::milliseconds timeout = 5s) {
        bool eof = false;
        const auto deadline = Clock::now() + timeout;
        while (!eof && Clock::now() < deadline) {
            pollfd p{client, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) {
                continue;
            }
            char buffer[65536];
            const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
            eof = n <= 0;
            if (n > 0) {
                received.append(buffer, static_cast<std::size_t>(n));
            }
        }
        CPPUNIT_ASSERT_MESSAGE("the answer did not end", eof);
        return received;
    }

    int server = -1;
    int client = -1;
    std::string received; ///< what the client end read so far
};

struct Response {
    std::string statusLine;
    std::map<std::string, std::string> headers; ///< names as sent
    std::string rest;                           ///< what follows the head
};

/// Splits an answer into head and rest; nothing when the head is incomplete.
std::optional<Response> parseHead(const std::string& text) {
    const auto end = text.find("\r\n\r\n");
    if (end == std::string::npos) {
        return std::nullopt;
    }
    Response r;
    std::size_t at = text.find("\r\n");
    r.statusLine = text.substr(0, at);
    while (at < end) {
        const std::size_t next = text.find("\r\n", at + 2);
        const std::string line = text.substr(at + 2, next - at - 2);
        const auto colon = line.find(": ");
        CPPUNIT_ASSERT_MESSAGE(line, colon != std::string::npos);
        r.headers[line.substr(0, colon)] = line.substr(colon + 2);
        at = next;
    }
    r.rest = text.substr(end + 4);
    return r;
}

bool headComplete(const std::string& text) { return text.find("\r\n\r\n") != std::string::npos; }

struct Chunks {
    std::vector<std::string> chunks; ///< data chunks, in order
    bool last = false;               ///< the last chunk (`0\r\n\r\n`) arrived
    bool malformed = false;
    std::string body() const {
        std::string all;
        for (const auto& c : chunks) {
            all += c;
        }
        return all;
    }
};

/// Decodes the complete chunks at the start of `body`.
Chunks dechunk(const std::string& body) {
    Chunks out;
    std::size_t at = 0;
    while (!out.last) {
        const auto eol = body.find("\r\n", at);
        if (eol == std::string::npos) {
            break;
        }
        std::size_t size = 0;
        try {
            std::size_t used = 0;
            size = std::stoul(body.substr(at, eol - at), &used, 16);
            out.malformed = used != eol - at;
        } catch (const std::exception&) {
            out.malformed = true;
        }
        if (out.malformed || body.size() < eol + 2 + size + 2) {
            break;
        }
        if (body.compare(eol + 2 + size, 2, "\r\n") != 0) {
            out.malformed = true;
            break;
        }
        if (size == 0) {
            out.last = true;
        } else {
            out.chunks.push_back(body.substr(eol + 2, size));
        }
        at = eol + 2 + size + 2;
    }
    return out;
}

/// The body of a complete answer with Content-Length.
std::string fixedBody(const Response& r) {
    CPPUNIT_ASSERT(r.headers.count("Content-Length"));
    const auto length = std::stoul(r.headers.at("Content-Length"));
    CPPUNIT_ASSERT_EQUAL(std::size_t(length), r.rest.size());
    return r.rest;
}

// serve() on a thread of its own, as the private port runs it.
class ServeThread {
public:
    ServeThread(LogStreams& streams, std::string target, int fd) : streams_(streams) {
        thread_ = std::thread([this, &streams, target = std::move(target), fd] {
            streams.serve(LogsRequest{target, "127.0.0.1:5555"}, fd);
            done_ = true;
        });
    }
    /// Stops the streams first, so that a test that failed with its stream open ends instead of hanging.
    ~ServeThread() {
        if (!done_) {
            streams_.stop();
        }
        join();
    }
    ServeThread(const ServeThread&) = delete;
    ServeThread& operator=(const ServeThread&) = delete;

    bool waitDone(std::chrono::milliseconds timeout) {
        return testing::waitUntil([this] { return done_.load(); }, timeout);
    }
    void join() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    LogStreams& streams_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

/// Serves `target` on the calling thread and returns the complete answer.
Response serveOnce(LogStreams& streams, const std::string& target) {
    SocketPair sockets;
    streams.serve(LogsRequest{target, "127.0.0.1:5555"}, sockets.server);
    sockets.closeServer();
    const auto r = parseHead(sockets.readToEnd());
    CPPUNIT_ASSERT(r.has_value());
    return *r;
}

std::shared_ptr<FakeContainerRuntime> runtimeWithLogs() {
    auto runtime = std::make_shared<FakeContainerRuntime>();
    runtime->setLogsSupported(true);
    return runtime;
}

std::string startContainer(FakeContainerRuntime& runtime, const std::string& component) {
    sdk::ContainerSpec spec;
    spec.component = testing::testComponent(component);
    return runtime.start(spec).id;
}

LogStreamLimits quickLimits() {
    LogStreamLimits limits;
    limits.pingInterval = 1000ms;
    limits.pollInterval = 100ms;
    return limits;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A readUntil() condition: the chunked body received so far contains `part`.
std::function<bool(const std::string&)> bodyHas(const std::string& part) {
    return [part](const std::string& text) {
        const auto r = parseHead(text);
        return r && contains(dechunk(r->rest).body(), part);
    };
}

std::string bodyOf(const SocketPair& sockets) {
    const auto r = parseHead(sockets.received);
    return r ? dechunk(r->rest).body() : std::string();
}

/// The value of `name` in the query of `target` ("" when absent).
std::string queryValue(const std::string& target, const std::string& name) {
    const auto q = target.find('?');
    if (q == std::string::npos) {
        return {};
    }
    const std::string query = "&" + target.substr(q + 1) + "&";
    const auto at = query.find("&" + name + "=");
    if (at == std::string::npos) {
        return {};
    }
    const auto begin = at + name.size() + 2;
    return query.substr(begin, query.find('&', begin) - begin);
}

// A peer's private port, played by a Poco HTTP server on 127.0.0.1: every request is recorded; the first
// `refusals` answer 503; the others get a chunked stream of `lines`, then (unless `endAfterLines`) a PING every
// 100 ms until the client goes away or the peer is destroyed.
class FakePeer {
public:
    struct Seen {
        std::string target;
        std::string authorization;
        int status = 0;
    };

    explicit FakePeer(std::vector<std::string> lines, int refusals = 0, bool endAfterLines = false)
        : shared_(std::make_shared<Shared>()) {
        shared_->lines = std::move(lines);
        shared_->refusals = refusals;
        shared_->endAfterLines = endAfterLines;
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        auto* params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(8);
        params->setKeepAlive(false);
        server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(shared_), socket, params);
        server_->start();
    }
    ~FakePeer() {
        shared_->stopping = true;
        server_->stopAll(true);
    }
    FakePeer(const FakePeer&) = delete;
    FakePeer& operator=(const FakePeer&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
    std::vector<Seen> seen() const {
        std::lock_guard lock(shared_->m);
        return shared_->seen;
    }
    /// Streams being written now.
    int streaming() const { return shared_->streaming.load(); }

private:
    struct Shared {
        std::vector<std::string> lines;
        int refusals = 0;
        bool endAfterLines = false;
        mutable std::mutex m;
        std::vector<Seen> seen; // guarded by m
        std::atomic<int> streaming{0};
        std::atomic<bool> stopping{false};
    };

    class Handler : public Poco::Net::HTTPRequestHandler {
    public:
        explicit Handler(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
            Seen seen{request.getURI(), request.get("Authorization", ""), 200};
            {
                std::lock_guard lock(shared_->m);
                if (static_cast<int>(shared_->seen.size()) < shared_->refusals) {
                    seen.status = 503;
                }
                shared_->seen.push_back(seen);
            }
            if (seen.status != 200) {
                response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
                response.setContentType("text/plain");
                response.setContentLength(4);
                response.send() << "busy";
                return;
            }
            response.setContentType("text/plain; charset=utf-8");
            response.setChunkedTransferEncoding(true);
            std::ostream& out = response.send();
            ++shared_->streaming;
            out << "PING\r\n";
            for (const auto& line : shared_->lines) {
                out << line << "\r\n";
            }
            out << std::flush;
            while (!shared_->endAfterLines && !shared_->stopping && out.good()) {
                std::this_thread::sleep_for(100ms);
                out << "PING\r\n" << std::flush;
            }
            --shared_->streaming;
        }

    private:
        std::shared_ptr<Shared> shared_;
    };

    class Factory : public Poco::Net::HTTPRequestHandlerFactory {
    public:
        explicit Factory(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
        Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
            return new Handler(shared_);
        }

    private:
        std::shared_ptr<Shared> shared_;
    };

    std::shared_ptr<Shared> shared_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

/// The message a peer sends (with its node, or without one as an older maelstromd).
std::string peerLine(const std::string& data, const std::string& node = "node-b") {
    return R"({"Component":"api","Stream":"stdout","Data":")" + data + R"(\n")" +
           (node.empty() ? "" : R"(,"Node":")" + node + "\"") + "}";
}

/// A peer list that can change while a stream is open, counting its calls.
class PeerList {
public:
    void set(std::vector<PeerLogSource> peers) {
        std::lock_guard lock(m_);
        peers_ = std::move(peers);
    }
    std::function<std::vector<PeerLogSource>()> callback() {
        return [this] {
            ++calls;
            std::lock_guard lock(m_);
            return peers_;
        };
    }
    std::atomic<int> calls{0};

private:
    std::mutex m_;
    std::vector<PeerLogSource> peers_;
};

} // namespace

class LogsServeTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LogsServeTest);
    CPPUNIT_TEST(sendTextWritesACompleteAnswer);
    CPPUNIT_TEST(chunksFollowTheFlushes);
    CPPUNIT_TEST(goneOrStalledPeerFailsTheWriter);
    CPPUNIT_TEST(cancelEndsAWaitingWrite);
    CPPUNIT_TEST(badSinceAnswers400);
    CPPUNIT_TEST(runtimeWithoutLogsAnswers501);
    CPPUNIT_TEST(streamSendsHeadLinesAndPing);
    CPPUNIT_TEST(clientClosingEndsTheStream);
    CPPUNIT_TEST(stopEndsTheStreamWithTheLastChunk);
    CPPUNIT_TEST(tooManyStreamsAnswer503);
    CPPUNIT_TEST(badLocalAnswers400);
    CPPUNIT_TEST(mergedStreamRelaysThePeers);
    CPPUNIT_TEST(localStreamAsksNoPeer);
    CPPUNIT_TEST(peersRetriedAndFollowedWhenListedLater);
    CPPUNIT_TEST_SUITE_END();

public:
    // ---- BlockingResponse ----

    void sendTextWritesACompleteAnswer() {
        SocketPair sockets;
        {
            BlockingResponse response(sockets.server);
            CPPUNIT_ASSERT(
                response.sendText(503, "busy", {{"Retry-After", "5"}, {"X-Bad", "a\r\nInjected: 1"}, {"", "x"}}));
            CPPUNIT_ASSERT(!response.sendText(200, "again")); // one answer per object
            CPPUNIT_ASSERT(!response.startChunked(200).good());
            CPPUNIT_ASSERT(!response.finish());
        }
        sockets.closeServer();
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 503 Service Unavailable\r\n"
                                         "Content-Type: text/plain; charset=utf-8\r\n"
                                         "Content-Length: 4\r\n"
                                         "Connection: close\r\n"
                                         "Retry-After: 5\r\n"
                                         "\r\n"
                                         "busy"),
                             sockets.readToEnd());
        CPPUNIT_ASSERT_EQUAL(std::string("Not Implemented"), std::string(BlockingResponse::reasonPhrase(501)));
        CPPUNIT_ASSERT_EQUAL(std::string("Unknown"), std::string(BlockingResponse::reasonPhrase(599)));
    }

    void chunksFollowTheFlushes() {
        SocketPair sockets;
        const std::string big(BlockingResponse::kChunkBufferBytes + 10, 'x');
        {
            BlockingResponse response(sockets.server);
            std::ostream& out = response.startChunked(200, {{"Cache-Control", "no-cache"}});
            CPPUNIT_ASSERT(out.good());
            out << "hello" << std::flush;
            out << std::flush; // nothing pending: no chunk (an empty one would end the body)
            out << "a"
                << "b";
            out.write(big.data(), static_cast<std::streamsize>(big.size())); // fills the buffer: a chunk by itself
            out << std::flush;
            CPPUNIT_ASSERT(out.good());
            CPPUNIT_ASSERT(response.finish());
            CPPUNIT_ASSERT(response.finish()); // once
            CPPUNIT_ASSERT(response.ok());
        }
        sockets.closeServer();
        const auto r = parseHead(sockets.readToEnd());
        CPPUNIT_ASSERT(r.has_value());
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK"), r->statusLine);
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), r->headers.at("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("chunked"), r->headers.at("Transfer-Encoding"));
        CPPUNIT_ASSERT_EQUAL(std::string("close"), r->headers.at("Connection"));
        CPPUNIT_ASSERT_EQUAL(std::string("no-cache"), r->headers.at("Cache-Control"));
        CPPUNIT_ASSERT(!r->headers.count("Content-Length"));
        // Exact framing: "5\r\nhello\r\n", then a full buffer (4000 hex = 16384), then the remaining 12 bytes.
        CPPUNIT_ASSERT_EQUAL(std::string("5\r\nhello\r\n4000\r\n"), r->rest.substr(0, 16));
        const Chunks chunks = dechunk(r->rest);
        CPPUNIT_ASSERT(!chunks.malformed);
        CPPUNIT_ASSERT(chunks.last);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), chunks.chunks.size());
        CPPUNIT_ASSERT_EQUAL(std::string("hello"), chunks.chunks[0]);
        CPPUNIT_ASSERT_EQUAL(BlockingResponse::kChunkBufferBytes, chunks.chunks[1].size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(12), chunks.chunks[2].size());
        CPPUNIT_ASSERT_EQUAL("hello" + std::string("ab") + big, chunks.body());
        CPPUNIT_ASSERT(contains(r->rest, "\r\nc\r\n"));                                         // 12 in lowercase hex
        CPPUNIT_ASSERT_EQUAL(std::string("\r\n0\r\n\r\n"), r->rest.substr(r->rest.size() - 7)); // ends there
    }

    void goneOrStalledPeerFailsTheWriter() {
        { // the client closed its end: no SIGPIPE, the writer fails
            SocketPair sockets;
            sockets.closeClient();
            BlockingResponse response(sockets.server);
            CPPUNIT_ASSERT(!response.sendText(200, "lost"));
            CPPUNIT_ASSERT(!response.ok());
        }
        { // gone in the middle of a chunked answer
            SocketPair sockets;
            BlockingResponse response(sockets.server);
            std::ostream& out = response.startChunked(200);
            CPPUNIT_ASSERT(out.good());
            sockets.closeClient();
            out << "line\r\n" << std::flush;
            CPPUNIT_ASSERT(!out.good());
            CPPUNIT_ASSERT(!response.finish());
            CPPUNIT_ASSERT(!response.ok());
        }
        { // a client that takes nothing: the write timeout ends the answer
            SocketPair sockets;
            BlockingResponse response(sockets.server, 200ms);
            std::ostream& out = response.startChunked(200);
            const std::string block(BlockingResponse::kChunkBufferBytes, 'y');
            const auto began = Clock::now();
            for (int i = 0; i < 10000 && out.good(); ++i) {
                out.write(block.data(), static_cast<std::streamsize>(block.size()));
            }
            CPPUNIT_ASSERT(!out.good());
            CPPUNIT_ASSERT(!response.ok());
            CPPUNIT_ASSERT(Clock::now() - began < 5s);
        }
    }

    void cancelEndsAWaitingWrite() {
        SocketPair sockets;
        std::stop_source cancel;
        BlockingResponse response(sockets.server, 60s, cancel.get_token());
        std::ostream& out = response.startChunked(200);
        const std::string block(BlockingResponse::kChunkBufferBytes, 'z');
        std::jthread canceller([&] {
            std::this_thread::sleep_for(300ms);
            cancel.request_stop();
        });
        const auto began = Clock::now();
        for (int i = 0; i < 100000 && out.good(); ++i) {
            out.write(block.data(), static_cast<std::streamsize>(block.size()));
        }
        CPPUNIT_ASSERT(!out.good());
        CPPUNIT_ASSERT(Clock::now() - began < 3s);
        // Once cancelled, a write that can go through at once (here: into an empty socket buffer) still does.
        SocketPair fresh;
        BlockingResponse late(fresh.server, 60s, cancel.get_token());
        CPPUNIT_ASSERT(late.startChunked(200).good());
        CPPUNIT_ASSERT(late.finish());
    }

    // ---- LogStreams::serve ----

    void badSinceAnswers400() {
        LogStreams streams(runtimeWithLogs(), quickLimits());
        const Response r = serveOnce(streams, "/_mael/logs?components=api&since=yesterday");
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 400 Bad Request"), r.statusLine);
        CPPUNIT_ASSERT_EQUAL(std::string("close"), r.headers.at("Connection"));
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), r.headers.at("Content-Type"));
        const std::string body = fixedBody(r);
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, "invalid since 'yesterday'"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), streams.openStreams());
    }

    void runtimeWithoutLogsAnswers501() {
        LogStreams streams(std::make_shared<FakeContainerRuntime>(), quickLimits());
        const Response r = serveOnce(streams, "/_mael/logs");
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 501 Not Implemented"), r.statusLine);
        CPPUNIT_ASSERT_EQUAL(std::string("close"), r.headers.at("Connection"));
        CPPUNIT_ASSERT(contains(fixedBody(r), "cannot read logs"));
    }

    void streamSendsHeadLinesAndPing() {
        auto runtime = runtimeWithLogs();
        const std::string api = startContainer(*runtime, "api");
        const std::string web = startContainer(*runtime, "web");
        CPPUNIT_ASSERT(runtime->appendLog(api, "hello from api"));
        CPPUNIT_ASSERT(runtime->appendLog(web, "hello from web"));
        LogStreams streams(runtime, quickLimits());
        SocketPair sockets;
        const auto began = Clock::now();
        ServeThread serving(streams, "/_mael/logs?components=api&since=5m", sockets.server);

        CPPUNIT_ASSERT(sockets.readUntil(headComplete, 1500ms));
        const auto head = parseHead(sockets.received);
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK"), head->statusLine);
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), head->headers.at("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("chunked"), head->headers.at("Transfer-Encoding"));
        CPPUNIT_ASSERT_EQUAL(std::string("no-cache"), head->headers.at("Cache-Control"));
        CPPUNIT_ASSERT_EQUAL(std::string("close"), head->headers.at("Connection"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), streams.openStreams());

        const auto bodyHas = [](const std::string& part) {
            return [part](const std::string& text) {
                const auto r = parseHead(text);
                return r && contains(dechunk(r->rest).body(), part);
            };
        };
        CPPUNIT_ASSERT(sockets.readUntil(bodyHas("hello from api"), 1500ms));
        CPPUNIT_ASSERT(sockets.readUntil(bodyHas("PING\r\n"), 1500ms));
        CPPUNIT_ASSERT(Clock::now() - began < 2500ms);
        // A line logged while the stream is open follows.
        CPPUNIT_ASSERT(runtime->appendLog(api, "later", true));
        CPPUNIT_ASSERT(sockets.readUntil(bodyHas("later"), 1500ms));

        const Chunks chunks = dechunk(parseHead(sockets.received)->rest);
        CPPUNIT_ASSERT(!chunks.malformed);
        CPPUNIT_ASSERT(!chunks.last);
        const std::string body = chunks.body();
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, "{\"Component\":\"api\",\"Stream\":\"stdout\","
                                                    "\"Data\":\"hello from api\\n\"}\r\n"));
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, "{\"Component\":\"api\",\"Stream\":\"stderr\","
                                                    "\"Data\":\"later\\n\"}\r\n"));
        CPPUNIT_ASSERT_MESSAGE(body, !contains(body, "web"));

        streams.stop();
        CPPUNIT_ASSERT(serving.waitDone(2s));
    }

    void clientClosingEndsTheStream() {
        auto runtime = runtimeWithLogs();
        startContainer(*runtime, "api");
        LogStreams streams(runtime, quickLimits());
        SocketPair sockets;
        ServeThread serving(streams, "/_mael/logs", sockets.server);
        CPPUNIT_ASSERT(sockets.readUntil(headComplete, 1500ms));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), streams.openStreams());

        const auto closed = Clock::now();
        sockets.closeClient();
        CPPUNIT_ASSERT(serving.waitDone(1000ms));
        CPPUNIT_ASSERT(Clock::now() - closed < 1000ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), streams.openStreams());
    }

    void stopEndsTheStreamWithTheLastChunk() {
        auto runtime = runtimeWithLogs();
        startContainer(*runtime, "api");
        LogStreams streams(runtime, quickLimits());
        SocketPair sockets;
        ServeThread serving(streams, "/_mael/logs?since=1m", sockets.server);
        CPPUNIT_ASSERT(sockets.readUntil(headComplete, 1500ms));

        const auto stopping = Clock::now();
        streams.stop();
        CPPUNIT_ASSERT(serving.waitDone(1000ms));
        CPPUNIT_ASSERT(Clock::now() - stopping < 1000ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), streams.openStreams());
        serving.join();
        sockets.closeServer(); // the caller's job: serve() never closes the socket
        const auto r = parseHead(sockets.readToEnd());
        const Chunks chunks = dechunk(r->rest);
        CPPUNIT_ASSERT(!chunks.malformed);
        CPPUNIT_ASSERT(chunks.last);
        CPPUNIT_ASSERT_MESSAGE(r->rest, r->rest.size() >= 5 && r->rest.substr(r->rest.size() - 5) == "0\r\n\r\n");

        // Stopped: later requests are refused, to be retried.
        const Response refused = serveOnce(streams, "/_mael/logs");
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 503 Service Unavailable"), refused.statusLine);
        CPPUNIT_ASSERT_EQUAL(std::string("5"), refused.headers.at("Retry-After"));
        CPPUNIT_ASSERT_EQUAL(std::string("close"), refused.headers.at("Connection"));
        CPPUNIT_ASSERT(contains(fixedBody(refused), "shutting down"));
    }

    void tooManyStreamsAnswer503() {
        auto runtime = runtimeWithLogs();
        LogStreamLimits limits = quickLimits();
        limits.maxStreams = 1;
        LogStreams streams(runtime, limits);
        SocketPair sockets;
        ServeThread serving(streams, "/_mael/logs", sockets.server);
        CPPUNIT_ASSERT(sockets.readUntil(headComplete, 1500ms));

        const Response refused = serveOnce(streams, "/_mael/logs");
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 503 Service Unavailable"), refused.statusLine);
        CPPUNIT_ASSERT_EQUAL(std::string("5"), refused.headers.at("Retry-After"));
        CPPUNIT_ASSERT(contains(fixedBody(refused), "too many log streams open (limit 1)"));

        sockets.closeClient();
        CPPUNIT_ASSERT(serving.waitDone(1000ms));
    }

    // ---- merging the peers' streams ----

    void badLocalAnswers400() {
        LogStreams streams(runtimeWithLogs(), quickLimits());
        for (const std::string value : {"yes", "", "2", "true"}) {
            const Response r = serveOnce(streams, "/_mael/logs?since=1m&local=" + value);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(value, std::string("HTTP/1.1 400 Bad Request"), r.statusLine);
            CPPUNIT_ASSERT_MESSAGE(value, contains(fixedBody(r), "invalid local '" + value + "'"));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), streams.openStreams());
    }

    void mergedStreamRelaysThePeers() {
        auto runtime = runtimeWithLogs();
        const std::string api = startContainer(*runtime, "api");
        CPPUNIT_ASSERT(runtime->appendLog(api, "from a"));
        FakePeer peer({peerLine("from b"), peerLine("from an older b", ""), "not a message", "", "PING"});
        FakePeer self({peerLine("must not be asked", "node-a")});
        const std::string down = "http://127.0.0.1:" + std::to_string(testing::freePort()); // nothing listens
        PeerList peers;
        peers.set({{"node-a", self.url()}, {"node-b", peer.url()}, {"node-c", down}});
        LogStreams streams(runtime, quickLimits());
        streams.setCluster("node-a", peers.callback(), "secret");

        SocketPair sockets;
        const std::int64_t opened = sdk::unixMillis();
        ServeThread serving(streams, "/_mael/logs?components=api%2Cweb&since=5m", sockets.server);
        CPPUNIT_ASSERT(sockets.readUntil(bodyHas("from an older b"), 3s));
        CPPUNIT_ASSERT(sockets.readUntil(bodyHas("from a\\n"), 3s));
        const auto pings = [&] {
            std::size_t n = 0;
            for (auto at = bodyOf(sockets).find("PING\r\n"); at != std::string::npos;
                 at = bodyOf(sockets).find("PING\r\n", at + 1)) {
                ++n;
            }
            return n;
        };
        CPPUNIT_ASSERT(sockets.readUntil([&](const std::string&) { return pings() >= 2; }, 3s)); // keeps going

        const std::string body = bodyOf(sockets);
        // Local lines carry this node; the peer's keep theirs; one without a node gets the peer's.
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, R"({"Component":"api","Stream":"stdout","Data":"from a\n",)"
                                                    R"("Node":"node-a"})"
                                                    "\r\n"));
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, peerLine("from b") + "\r\n"));
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, peerLine("from an older b") + "\r\n"));
        CPPUNIT_ASSERT_MESSAGE(body, !contains(body, "not a message"));
        CPPUNIT_ASSERT_MESSAGE(body, !contains(body, "must not be asked"));
        // Only the peer's PINGs are dropped: ours come once a second.
        CPPUNIT_ASSERT_MESSAGE(body, pings() <= 3);

        // The peer was asked for its own containers only, with the same components and start, and the token.
        const auto seen = peer.seen();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), seen.size());
        CPPUNIT_ASSERT_EQUAL(std::string("Bearer secret"), seen[0].authorization);
        CPPUNIT_ASSERT_MESSAGE(seen[0].target, seen[0].target.rfind("/_mael/logs?", 0) == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("api%2Cweb"), queryValue(seen[0].target, "components"));
        CPPUNIT_ASSERT_EQUAL(std::string("1"), queryValue(seen[0].target, "local"));
        const double since = std::stod(queryValue(seen[0].target, "since"));
        CPPUNIT_ASSERT_MESSAGE(seen[0].target, std::abs(since * 1000 - static_cast<double>(opened - 300000)) < 5000);
        CPPUNIT_ASSERT(self.seen().empty()); // this node, although listed
        CPPUNIT_ASSERT_EQUAL(1, peer.streaming());

        // The client goes away: the stream ends and so does the peer's.
        sockets.closeClient();
        CPPUNIT_ASSERT(serving.waitDone(1000ms));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), streams.openStreams());
        CPPUNIT_ASSERT(testing::waitUntil([&] { return peer.streaming() == 0; }, 2000ms));
    }

    void localStreamAsksNoPeer() {
        auto runtime = runtimeWithLogs();
        const std::string api = startContainer(*runtime, "api");
        CPPUNIT_ASSERT(runtime->appendLog(api, "only here"));
        FakePeer peer({peerLine("from b")});
        PeerList peers;
        peers.set({{"node-b", peer.url()}});
        LogStreams streams(runtime, quickLimits());
        streams.setCluster("node-a", peers.callback(), "");

        SocketPair sockets;
        ServeThread serving(streams, "/_mael/logs?since=5m&local=1", sockets.server);
        CPPUNIT_ASSERT(sockets.readUntil(bodyHas(R"("Data":"only here\n","Node":"node-a"})"), 3s));
        CPPUNIT_ASSERT(sockets.readUntil(bodyHas("PING\r\n"), 3s));
        std::this_thread::sleep_for(300ms); // three poll intervals
        CPPUNIT_ASSERT_EQUAL(0, peers.calls.load());
        CPPUNIT_ASSERT(peer.seen().empty());
        CPPUNIT_ASSERT(!contains(bodyOf(sockets), "from b"));
        streams.stop();
        CPPUNIT_ASSERT(serving.waitDone(2s));

        // local=0 is the merged stream; without a token no Authorization is sent.
        LogStreams merged(runtime, quickLimits());
        merged.setCluster("node-a", peers.callback(), "");
        SocketPair again;
        ServeThread servingAgain(merged, "/_mael/logs?since=5m&local=0", again.server);
        CPPUNIT_ASSERT(again.readUntil(bodyHas("from b"), 3s));
        CPPUNIT_ASSERT_EQUAL(std::string(), peer.seen().at(0).authorization);
        CPPUNIT_ASSERT_EQUAL(std::string(), queryValue(peer.seen().at(0).target, "components"));
        merged.stop();
        CPPUNIT_ASSERT(servingAgain.waitDone(2s));
    }

    void peersRetriedAndFollowedWhenListedLater() {
        auto runtime = runtimeWithLogs();
        startContainer(*runtime, "api");
        FakePeer refusing({peerLine("after a refusal", "node-b")}, 1);
        FakePeer ending({peerLine("short stream", "node-c")}, 0, true);
        PeerList peers;
        LogStreams streams(runtime, quickLimits());
        streams.setCluster("node-a", peers.callback(), "secret");

        SocketPair sockets;
        ServeThread serving(streams, "/_mael/logs?since=1m", sockets.server);
        CPPUNIT_ASSERT(sockets.readUntil(headComplete, 1500ms));
        std::this_thread::sleep_for(300ms);
        CPPUNIT_ASSERT(refusing.seen().empty());
        // Listed while the stream is open: followed within a poll interval.
        peers.set({{"node-b", refusing.url()}, {"node-c", ending.url()}});

        // A 503 is retried after the first backoff.
        CPPUNIT_ASSERT(sockets.readUntil(bodyHas("after a refusal"), 3s));
        const auto refused = refusing.seen();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), refused.size());
        CPPUNIT_ASSERT_EQUAL(503, refused[0].status);
        CPPUNIT_ASSERT_EQUAL(refused[0].target, refused[1].target); // nothing was received: the same start

        // A stream that ends is reconnected, from its last sign of life on.
        CPPUNIT_ASSERT(sockets.readUntil(bodyHas("short stream"), 3s));
        CPPUNIT_ASSERT(testing::waitUntil([&] { return ending.seen().size() >= 2; }, 3000ms));
        const auto ended = ending.seen();
        const double first = std::stod(queryValue(ended[0].target, "since"));
        const double second = std::stod(queryValue(ended[1].target, "since"));
        CPPUNIT_ASSERT_MESSAGE(ended[0].target + " " + ended[1].target, second > first + 50);

        // stop() ends the stream with its relays connected, promptly.
        const auto stopping = Clock::now();
        streams.stop();
        CPPUNIT_ASSERT(serving.waitDone(2s));
        CPPUNIT_ASSERT(Clock::now() - stopping < 1500ms);
        CPPUNIT_ASSERT(testing::waitUntil([&] { return refusing.streaming() == 0; }, 2000ms));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogsServeTest);
