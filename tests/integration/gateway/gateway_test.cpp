// gateway_test.cpp — the HTTP gateway, built in-process (resolver, component cache, routers with the
// round-robin plugin, Gateway, public and private listeners on 127.0.0.1) in front of real upstreams: hello-http
// processes and an in-test echo server that reports the headers and body size it received. Covers routing by
// host, prefix and header, stripprefix, 404/502/504, Expect: 100-continue, the concurrency cap, round-robin
// spread, streamed bodies, smuggling and oversized headers, client disconnects; and maelstromd's public port.
#include "gateway/component_cache.h"
#include "gateway/gateway.h"
#include "gateway/public_server.h"
#include "gateway_test_env.h"
#include "http/private_server.h"
#include "model_builders.h"
#include "registry/plugin_loader.h"
#include "routing/resolver.h"
#include "routing/router.h"
#include "routing/router_registry.h"
#include "test_support.h"
#include "tls/certificate_store.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/StreamCopier.h>

#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

using namespace maelstrom;
using namespace maelstrom::core;
using namespace maelstrom::testing;

namespace {

// ---- upstreams (hello-http processes and the round-robin balancer: gateway_test_env.h) ----

/// In-process upstream: answers with the request line, every header and the number of body bytes it read
/// (read in chunks, never stored).
class EchoHandler : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        std::int64_t bytes = 0;
        if (request.getChunkedTransferEncoding() || request.hasContentLength()) {
            std::vector<char> buffer(65536);
            std::istream& in = request.stream();
            while (in) {
                in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                bytes += in.gcount();
            }
        }
        std::ostringstream body;
        body << "uri: " << request.getURI() << "\n";
        for (const auto& [name, value] : request) {
            body << "h " << name << ": " << value << "\n";
        }
        body << "body-bytes: " << bytes << "\n";
        response.set("Connection", "keep-alive, X-Upstream-Hop");
        response.set("X-Upstream-Hop", "secret");
        response.set("X-Upstream", "yes");
        response.setContentType("text/plain");
        const std::string text = body.str();
        response.setContentLength(static_cast<std::streamsize>(text.size()));
        response.send() << text;
    }
};

/// WebSocket upgrade: echoes every frame back with "echo: " in front, until the client closes.
class WebSocketEchoHandler : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        try {
            Poco::Net::WebSocket ws(request, response);
            ws.setReceiveTimeout(Poco::Timespan(10, 0));
            for (;;) {
                Poco::Buffer<char> buffer(0);
                int flags = 0;
                const int n = ws.receiveFrame(buffer, flags);
                if (n <= 0 ||
                    (flags & Poco::Net::WebSocket::FRAME_OP_BITMASK) == Poco::Net::WebSocket::FRAME_OP_CLOSE) {
                    break;
                }
                const std::string reply = "echo: " + std::string(buffer.begin(), buffer.size());
                ws.sendFrame(reply.data(), static_cast<int>(reply.size()));
            }
        } catch (const Poco::Exception&) {
        }
    }
};

class EchoFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override {
        if (Poco::icompare(request.get("Upgrade", ""), "websocket") == 0) {
            return new WebSocketEchoHandler;
        }
        return new EchoHandler;
    }
};

struct EchoServer {
    std::unique_ptr<Poco::Net::HTTPServer> server;
    EchoServer() {
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        auto* params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(16);
        server = std::make_unique<Poco::Net::HTTPServer>(new EchoFactory, socket, params);
        server->start();
    }
    ~EchoServer() { server->stopAll(true); }
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

// ---- the gateway under test ----

sdk::Component component(const std::string& name, std::int64_t maxDurationSeconds = 30) {
    sdk::Component c = testing::testComponent(name);
    c.maxDurationSeconds = maxDurationSeconds;
    return c;
}

NodeSettings testSettings() {
    NodeSettings settings;
    settings.publicPort = 0;
    settings.privatePort = 0;
    settings.httpReadTimeoutSeconds = 30;
    settings.httpIdleTimeoutSeconds = 30;
    return settings;
}

struct InProcessGateway {
    HttpResolver resolver;
    ComponentCache components;
    RouterRegistry routers{roundRobin(), {}}; // no cold starts: the tests register instances
    Gateway gateway{resolver, components, routers};
    PublicServer publicServer{testSettings(), gateway, "127.0.0.1"};
    std::unique_ptr<PrivateServer> privateServer;

    InProcessGateway() {
        publicServer.start();
        PrivateRoutes routes;
        routes.gateway = &gateway;
        privateServer = std::make_unique<PrivateServer>(testSettings(), routes);
        privateServer->start();
    }
    ~InProcessGateway() {
        publicServer.stop();
        privateServer->stop();
    }
    void addInstance(const std::string& comp, const std::string& id, const std::string& endpoint,
                     std::int64_t capacity = 1) {
        routers.byComponent(comp)->addInstance(makeInstanceSpec(id, endpoint, capacity));
    }
    int port() const { return publicServer.port(); }
    int privatePort() const { return privateServer->port(); }
};

/// The gateway with TLS on: HTTPS (a self-signed certificate made with openssl) and the plain port's TLS answers,
/// with an ACME challenge lookup that knows one token and takes `lookupDelay` (it may block: a database read).
struct TlsGateway {
    TempDir dir;
    HttpResolver resolver;
    ComponentCache components;
    RouterRegistry routers{roundRobin(), {}};
    Gateway gateway{resolver, components, routers};
    std::unique_ptr<PublicServer> publicServer;
    std::atomic<int> lookups{0};
    std::shared_ptr<TlsMetrics> metrics = std::make_shared<TlsMetrics>();

    explicit TlsGateway(std::chrono::milliseconds lookupDelay, std::int64_t readTimeoutSeconds = 30) {
        const auto r =
            runProcess({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "1", "-subj", "/CN=ws.test", "-addext", "subjectAltName=DNS:ws.test", "-keyout",
                        (dir.path() / "key.pem").string(), "-out", (dir.path() / "cert.pem").string()});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.err, 0, r.exitCode);
        auto store = std::make_shared<tls::CertificateStore>();
        const auto read = [](const std::filesystem::path& p) {
            std::ifstream in(p);
            return std::string(std::istreambuf_iterator<char>(in), {});
        };
        store->setDefault(read(dir.path() / "cert.pem"), read(dir.path() / "key.pem"));
        NodeSettings settings = testSettings();
        settings.publicHttpsPort = 0;
        settings.httpEventLoops = 1; // a lookup blocking the loop would stall every other request
        settings.httpReadTimeoutSeconds = readTimeoutSeconds; // the handshake's deadline: min(this, 10 s)
        publicServer = std::make_unique<PublicServer>(settings, gateway, "127.0.0.1");
        publicServer->enableTls(store, metrics);
        publicServer->setAcmeChallengeLookup(
            [this, lookupDelay](const std::string& token) -> std::optional<std::string> {
                ++lookups;
                std::this_thread::sleep_for(lookupDelay);
                if (token == "boom") {
                    throw std::runtime_error("database unavailable");
                }
                return token == "tok_1-A" ? std::optional<std::string>("tok_1-A.thumbprint") : std::nullopt;
            });
        publicServer->start();
    }
    ~TlsGateway() { publicServer->stop(); }
};

/// A TLS client connection (no certificate check: the test's own self-signed one) with blocking reads and writes.
class TlsClient {
public:
    TlsClient(int port, const char* sni) : ctx_(SSL_CTX_new(TLS_client_method())) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval timeout{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        CPPUNIT_ASSERT_EQUAL(0, ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address));
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        SSL_set_tlsext_host_name(ssl_, sni);
        CPPUNIT_ASSERT_EQUAL(1, SSL_connect(ssl_));
    }
    ~TlsClient() {
        SSL_free(ssl_);
        SSL_CTX_free(ctx_);
        ::close(fd_);
    }
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;
    void send(const std::string& bytes) {
        CPPUNIT_ASSERT_EQUAL(static_cast<int>(bytes.size()),
                             SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())));
    }
    /// Reads until `bytes` are in (or the connection ends / 10 s pass).
    std::string read(std::size_t bytes) {
        std::string out;
        char buffer[16384];
        while (out.size() < bytes) {
            const int n = SSL_read(ssl_, buffer, sizeof buffer);
            if (n <= 0) {
                break;
            }
            out.append(buffer, static_cast<std::size_t>(n));
        }
        return out;
    }
    /// Reads a response head (through the empty line).
    std::string readHead() {
        std::string out;
        char c = 0;
        while (out.find("\r\n\r\n") == std::string::npos && SSL_read(ssl_, &c, 1) == 1) {
            out += c;
        }
        return out;
    }

private:
    SSL_CTX* ctx_;
    SSL* ssl_ = nullptr;
    int fd_ = -1;
};

/// A masked client text frame (RFC 6455 §5.2) with a payload of up to 65535 bytes.
std::string clientFrame(const std::string& payload) {
    std::string frame = "\x81";
    if (payload.size() < 126) {
        frame += static_cast<char>(0x80 | payload.size());
    } else {
        frame += static_cast<char>(0x80 | 126);
        frame += static_cast<char>(payload.size() >> 8);
        frame += static_cast<char>(payload.size() & 0xff);
    }
    const char mask[4] = {0x11, 0x22, 0x33, 0x44};
    frame.append(mask, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) {
        frame += static_cast<char>(payload[i] ^ mask[i % 4]);
    }
    return frame;
}

// ---- client helpers ----

// Reply, send() and get(): gateway_test_env.h

/// Writes raw bytes and returns what the server answers until it closes (or 10 s pass).
std::string rawExchange(int port, const std::string& bytes) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
    socket.setReceiveTimeout(Poco::Timespan(10, 0));
    socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    std::string answer;
    char buffer[4096];
    try {
        for (;;) {
            const int n = socket.receiveBytes(buffer, sizeof buffer);
            if (n <= 0) {
                break;
            }
            answer.append(buffer, static_cast<std::size_t>(n));
        }
    } catch (const Poco::Exception&) {
    }
    return answer;
}

std::string statusLine(const std::string& answer) { return answer.substr(0, answer.find("\r\n")); }

std::string instanceOf(const Reply& reply) {
    const auto pos = reply.body.find("INSTANCE_NAME=");
    if (pos == std::string::npos) {
        return "";
    }
    return reply.body.substr(pos + 14, reply.body.find('\n', pos) - pos - 14);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

class GatewayTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(GatewayTest);
    CPPUNIT_TEST(testHealthCheck);
    CPPUNIT_TEST(testRoutingByHostPrefixAndHeader);
    CPPUNIT_TEST(testForwardedHeaders);
    CPPUNIT_TEST(testUpstreamDown502);
    CPPUNIT_TEST(testDeadline504);
    CPPUNIT_TEST(testConcurrencyCap);
    CPPUNIT_TEST(testRoundRobinSpread);
    CPPUNIT_TEST(testStreamedUpload);
    CPPUNIT_TEST(testExpectContinue);
    CPPUNIT_TEST(testAmbiguousFramingRejected);
    CPPUNIT_TEST(testHugeHeaderRejected);
    CPPUNIT_TEST(testClientDisconnect);
    CPPUNIT_TEST(testWebSocketTunnel);
    CPPUNIT_TEST(testDaemonPublicPort);
    CPPUNIT_TEST(testTlsPlainPortAndAcmeLookupOffTheLoop);
    CPPUNIT_TEST(testWebSocketTunnelOverTls);
    CPPUNIT_TEST(testTlsHandshakeDeadlineAndGarbage);
    CPPUNIT_TEST_SUITE_END();

public:
    void testHealthCheck() {
        InProcessGateway gw;
        const Reply reply = get(gw.port(), "/_mael_health_check", "anything");
        CPPUNIT_ASSERT_EQUAL(200, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string("OK"), reply.body);
        CPPUNIT_ASSERT_EQUAL(404, get(gw.port(), "/_mael_health_check?x=1", "anything").status);
        CPPUNIT_ASSERT_EQUAL(200, get(gw.privatePort(), "/_mael_health_check", "anything").status);
    }

    void testRoutingByHostPrefixAndHeader() {
        InProcessGateway gw;
        auto& h = hellos();
        gw.components.replace({component("web"), component("api")});
        gw.resolver.replace({testing::httpEventSource("web-host", "web", "web.test", ""),
                             testing::httpEventSource("api-prefix", "api", "", "/api/", true),
                             testing::httpEventSource("web-keep", "web", "", "/keep/", false)});
        gw.addInstance("web", "web-1", h[0].endpoint());
        gw.addInstance("api", "api-1", h[1].endpoint());

        Reply reply = get(gw.port(), "/env", "web.test:8080");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.body, 200, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string("alpha"), instanceOf(reply));

        // stripprefix: /api/env?x=1 reaches the container as /env?x=1
        reply = get(gw.port(), "/api/env?x=1", "other.test");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.body, 200, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string("beta"), instanceOf(reply));
        // without stripprefix the path is kept: hello-http has no /keep/env
        CPPUNIT_ASSERT_EQUAL(404, get(gw.port(), "/keep/env", "other.test").status);
        CPPUNIT_ASSERT_EQUAL(std::string("not found\n"), get(gw.port(), "/keep/env", "other.test").body);

        // No match: 404 with the reference's body.
        reply = get(gw.port(), "/env", "nobody.test");
        CPPUNIT_ASSERT_EQUAL(404, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string("No component matches the request"), reply.body);

        // The header routes on the private gateway only.
        reply = get(gw.privatePort(), "/env", "nobody.test", {{"MAELSTROM-COMPONENT", "api"}});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.body, 200, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string("beta"), instanceOf(reply));
        CPPUNIT_ASSERT_EQUAL(404, get(gw.port(), "/env", "nobody.test", {{"MAELSTROM-COMPONENT", "api"}}).status);
        // ... and wins over the event sources there; an unknown name is the same 404.
        reply = get(gw.privatePort(), "/env", "web.test", {{"MAELSTROM-COMPONENT", "api"}});
        CPPUNIT_ASSERT_EQUAL(std::string("beta"), instanceOf(reply));
        reply = get(gw.privatePort(), "/env", "web.test", {{"MAELSTROM-COMPONENT", "missing"}});
        CPPUNIT_ASSERT_EQUAL(404, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string("No component matches the request"), reply.body);
        // The private gateway also serves event-source routing.
        CPPUNIT_ASSERT_EQUAL(std::string("alpha"), instanceOf(get(gw.privatePort(), "/env", "web.test")));
        // A rule whose component does not exist: 404.
        gw.resolver.replace({testing::httpEventSource("ghost", "ghost", "ghost.test", "")});
        CPPUNIT_ASSERT_EQUAL(404, get(gw.port(), "/env", "ghost.test").status);
    }

    void testForwardedHeaders() {
        InProcessGateway gw;
        EchoServer echo;
        gw.components.replace({component("echo")});
        gw.resolver.replace({testing::httpEventSource("echo-es", "echo", "echo.test", "")});
        gw.addInstance("echo", "echo-1", echo.endpoint());

        const auto before = std::chrono::system_clock::now().time_since_epoch();
        // Raw, so the client library does not rewrite Connection.
        const std::string raw = rawExchange(gw.port(), "GET /a/b?q=1&r=%20 HTTP/1.1\r\nHost: echo.test\r\n"
                                                       "Connection: close, X-Hop\r\nX-Hop: drop me\r\n"
                                                       "Keep-Alive: timeout=5\r\nX-Custom: kept\r\n"
                                                       "X-Forwarded-For: 10.1.2.3\r\nProxy-Authorization: x\r\n\r\n");
        CPPUNIT_ASSERT_MESSAGE(raw, statusLine(raw).find(" 200 ") != std::string::npos);
        Reply reply;
        reply.body = raw.substr(raw.find("\r\n\r\n") + 4);
        CPPUNIT_ASSERT_MESSAGE(raw, contains(raw, "\r\nX-Upstream: yes\r\n"));
        CPPUNIT_ASSERT_MESSAGE(raw, !contains(raw.substr(0, raw.find("\r\n\r\n")), "X-Upstream-Hop"));
        const std::string& b = reply.body;
        CPPUNIT_ASSERT_MESSAGE(b, contains(b, "uri: /a/b?q=1&r=%20\n"));
        CPPUNIT_ASSERT_MESSAGE(b, contains(b, "h X-Custom: kept\n"));
        CPPUNIT_ASSERT_MESSAGE(b, contains(b, "h Host: echo.test\n"));
        CPPUNIT_ASSERT_MESSAGE(b, contains(b, "h X-Forwarded-For: 10.1.2.3, 127.0.0.1\n"));
        CPPUNIT_ASSERT_MESSAGE(b, contains(b, "h X-Forwarded-Host: echo.test\n"));
        CPPUNIT_ASSERT_MESSAGE(b, contains(b, "h X-Forwarded-Proto: http\n"));
        CPPUNIT_ASSERT_MESSAGE(b, !contains(b, "X-Hop"));
        CPPUNIT_ASSERT_MESSAGE(b, !contains(b, "timeout=5"));
        CPPUNIT_ASSERT_MESSAGE(b, !contains(b, "Proxy-Authorization"));
        // Deadline = now + maxDurationSeconds (30 s), in Unix nanoseconds.
        const auto pos = b.find("h MAELSTROM-DEADLINE-NANO: ");
        CPPUNIT_ASSERT_MESSAGE(b, pos != std::string::npos);
        const std::int64_t deadline = std::stoll(b.substr(pos + 27));
        const std::int64_t expected =
            std::chrono::duration_cast<std::chrono::nanoseconds>(before).count() + 30'000'000'000LL;
        CPPUNIT_ASSERT_MESSAGE(b, deadline >= expected - 1'000'000'000LL && deadline <= expected + 5'000'000'000LL);
        CPPUNIT_ASSERT_MESSAGE(b, contains(b, "h MAELSTROM-START-NANO: "));

        // Existing deadline headers are not overwritten (and on the private gateway they are the deadline: one
        // in the past times out at once).
        reply = get(gw.privatePort(), "/", "x", {{"MAELSTROM-COMPONENT", "echo"}, {"MAELSTROM-DEADLINE-NANO", "1000"}});
        CPPUNIT_ASSERT_EQUAL(504, reply.status);
        const std::string later = std::to_string(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count() +
            60'000'000'000LL);
        reply = get(
            gw.privatePort(), "/", "x",
            {{"MAELSTROM-COMPONENT", "echo"}, {"MAELSTROM-DEADLINE-NANO", later}, {"MAELSTROM-START-NANO", "12345"}});
        CPPUNIT_ASSERT_MESSAGE(reply.body, contains(reply.body, "h MAELSTROM-DEADLINE-NANO: " + later + "\n"));
        CPPUNIT_ASSERT_MESSAGE(reply.body, contains(reply.body, "h MAELSTROM-START-NANO: 12345\n"));

        // A chunked upload is forwarded chunked and arrives whole.
        {
            Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gw.port()));
            Poco::Net::HTTPRequest request("POST", "/upload", Poco::Net::HTTPMessage::HTTP_1_1);
            request.setHost("echo.test");
            request.setChunkedTransferEncoding(true);
            std::ostream& out = session.sendRequest(request);
            const std::string piece(1000, 'x');
            for (int i = 0; i < 300; ++i) {
                out << piece;
            }
            Poco::Net::HTTPResponse response;
            std::string body;
            Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 200, static_cast<int>(response.getStatus()));
            CPPUNIT_ASSERT_MESSAGE(body, contains(body, "body-bytes: 300000\n"));
            CPPUNIT_ASSERT_MESSAGE(body, contains(body, "h Transfer-Encoding: chunked\n"));
        }
    }

    void testUpstreamDown502() {
        InProcessGateway gw;
        gw.components.replace({component("down")});
        gw.resolver.replace({testing::httpEventSource("down-es", "down", "down.test", "")});
        gw.addInstance("down", "down-1", "http://127.0.0.1:" + std::to_string(freePort()));
        const Reply reply = get(gw.port(), "/", "down.test");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.body, 502, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string(), reply.body);
        // The slot was released: the next request gets the same answer, not a timeout.
        CPPUNIT_ASSERT_EQUAL(502, get(gw.port(), "/", "down.test").status);
    }

    void testDeadline504() {
        InProcessGateway gw;
        auto& h = hellos();
        gw.components.replace({component("slow", 1), component("empty", 1)});
        gw.resolver.replace({testing::httpEventSource("slow-es", "slow", "slow.test", ""),
                             testing::httpEventSource("empty-es", "empty", "empty.test", "")});
        gw.addInstance("slow", "slow-1", h[2].endpoint());

        auto start = std::chrono::steady_clock::now();
        Reply reply = get(gw.port(), "/sleep?ms=3000", "slow.test");
        auto elapsed = std::chrono::steady_clock::now() - start;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.body, 504, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string("gateway: Timeout proxying component: slow"), reply.body);
        CPPUNIT_ASSERT(elapsed >= std::chrono::milliseconds(900));

        // No instance at all (no lifecycle yet): the request waits until its deadline.
        start = std::chrono::steady_clock::now();
        reply = get(gw.port(), "/", "empty.test");
        elapsed = std::chrono::steady_clock::now() - start;
        CPPUNIT_ASSERT_EQUAL(504, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string("gateway: Timeout proxying component: empty"), reply.body);
        CPPUNIT_ASSERT(elapsed >= std::chrono::milliseconds(900));

        // The instance works again after the timed-out request (its slot came back).
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/", "slow.test").status);
    }

    void testConcurrencyCap() {
        // Two instances with one slot each: 20 requests sleeping 150 ms need at least 10 rounds.
        InProcessGateway gw;
        auto& h = hellos();
        gw.components.replace({component("capped")});
        gw.resolver.replace({testing::httpEventSource("capped-es", "capped", "capped.test", "")});
        gw.addInstance("capped", "c-1", h[0].endpoint());
        gw.addInstance("capped", "c-2", h[1].endpoint());
        std::vector<int> statuses(20, 0);
        std::vector<std::thread> threads;
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < 20; ++i) {
            threads.emplace_back([&, i] { statuses[i] = get(gw.port(), "/sleep?ms=150", "capped.test").status; });
        }
        for (auto& t : threads) {
            t.join();
        }
        const auto elapsed = std::chrono::steady_clock::now() - start;
        for (int s : statuses) {
            CPPUNIT_ASSERT_EQUAL(200, s);
        }
        CPPUNIT_ASSERT_MESSAGE(std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()),
                               elapsed >= std::chrono::milliseconds(1450));
        const auto activity = gw.routers.byComponent("capped")->activity();
        CPPUNIT_ASSERT_EQUAL(std::int64_t{20}, activity.totalRequests);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, activity.inFlight);
    }

    void testRoundRobinSpread() {
        InProcessGateway gw;
        auto& h = hellos();
        gw.components.replace({component("spread")});
        gw.resolver.replace({testing::httpEventSource("spread-es", "spread", "", "/")});
        // Unlimited slots, so every instance is always a candidate and the spread depends on the picker only.
        gw.addInstance("spread", "s-1", h[0].endpoint(), 0);
        gw.addInstance("spread", "s-2", h[1].endpoint(), 0);
        gw.addInstance("spread", "s-3", h[2].endpoint(), 0);
        std::map<std::string, int> counts;
        for (int i = 0; i < 30; ++i) {
            const Reply reply = get(gw.port(), "/env", "any.test");
            CPPUNIT_ASSERT_EQUAL(200, reply.status);
            ++counts[instanceOf(reply)];
        }
        std::string summary;
        for (const auto& [name, n] : counts) {
            summary += name + "=" + std::to_string(n) + " ";
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(summary, std::size_t{3}, counts.size());
        for (const auto& [name, n] : counts) {
            CPPUNIT_ASSERT_MESSAGE(summary, n == 10);
        }
    }

    void testStreamedUpload() {
        // 64 MiB through the proxy to the echo server: counted on arrival, and the process (client, gateway and
        // upstream all in it) does not grow by anything near the body size.
        InProcessGateway gw;
        EchoServer echo;
        gw.components.replace({component("sink")});
        gw.resolver.replace({testing::httpEventSource("sink-es", "sink", "sink.test", "")});
        gw.addInstance("sink", "sink-1", echo.endpoint());
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/", "sink.test").status); // warm up threads and buffers

        const std::int64_t total = 64LL * 1024 * 1024;
        const std::int64_t rssBefore = rssKiB();
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gw.port()));
        session.setTimeout(Poco::Timespan(120, 0));
        Poco::Net::HTTPRequest request("POST", "/big", Poco::Net::HTTPMessage::HTTP_1_1);
        request.setHost("sink.test");
        request.setContentLength64(total);
        std::ostream& out = session.sendRequest(request);
        const std::string chunk(64 * 1024, 'z');
        for (std::int64_t sent = 0; sent < total; sent += static_cast<std::int64_t>(chunk.size())) {
            out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        }
        Poco::Net::HTTPResponse response;
        std::string body;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
        const std::int64_t growthKiB = rssKiB() - rssBefore;
        std::cerr << "64 MiB upload through the proxy: RSS grew by " << growthKiB << " KiB\n";
        CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 200, static_cast<int>(response.getStatus()));
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, "body-bytes: " + std::to_string(total) + "\n"));
        CPPUNIT_ASSERT_MESSAGE("RSS grew by " + std::to_string(growthKiB) + " KiB", growthKiB < 24 * 1024);

        // The same upload to hello-http (which discards it) through the public route.
        gw.components.put(component("hello"));
        gw.resolver.replace({testing::httpEventSource("hello-es", "hello", "hello.test", "")});
        gw.addInstance("hello", "h-1", hellos()[0].endpoint());
        Poco::Net::HTTPClientSession s2("127.0.0.1", static_cast<Poco::UInt16>(gw.port()));
        s2.setTimeout(Poco::Timespan(120, 0));
        Poco::Net::HTTPRequest r2("POST", "/", Poco::Net::HTTPMessage::HTTP_1_1);
        r2.setHost("hello.test");
        r2.setContentLength64(16LL * 1024 * 1024);
        std::ostream& o2 = s2.sendRequest(r2);
        for (int i = 0; i < 256; ++i) {
            o2.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        }
        Poco::Net::HTTPResponse resp2;
        std::string body2;
        Poco::StreamCopier::copyToString(s2.receiveResponse(resp2), body2);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(body2, 200, static_cast<int>(resp2.getStatus()));
    }

    void testExpectContinue() {
        // A client that waits for "100 Continue" before its body (curl does for large uploads) gets it from the
        // gateway, and the body then reaches the instance; Expect itself is not forwarded.
        InProcessGateway gw;
        EchoServer echo;
        gw.components.replace({component("echo")});
        gw.resolver.replace({testing::httpEventSource("echo-es", "echo", "echo.test", "")});
        gw.addInstance("echo", "echo-1", echo.endpoint());
        Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(gw.port())));
        socket.setReceiveTimeout(Poco::Timespan(10, 0));
        const std::string head = "PUT /up HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 5\r\n"
                                 "Expect: 100-continue\r\nConnection: close\r\n\r\n";
        socket.sendBytes(head.data(), static_cast<int>(head.size()));
        char buffer[4096];
        const int n = socket.receiveBytes(buffer, sizeof buffer);
        const std::string interim(buffer, static_cast<std::size_t>(std::max(n, 0)));
        CPPUNIT_ASSERT_MESSAGE(interim, interim.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0);
        socket.sendBytes("hello", 5);
        std::string answer = interim.substr(interim.find("\r\n\r\n") + 4);
        for (int r; (r = socket.receiveBytes(buffer, sizeof buffer)) > 0;) {
            answer.append(buffer, static_cast<std::size_t>(r));
        }
        CPPUNIT_ASSERT_MESSAGE(answer, statusLine(answer).find(" 200 ") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(answer, contains(answer, "body-bytes: 5\n"));
        CPPUNIT_ASSERT_MESSAGE(answer, !contains(answer, "h Expect:"));
    }

    void testAmbiguousFramingRejected() {
        InProcessGateway gw;
        EchoServer echo;
        gw.components.replace({component("echo")});
        gw.resolver.replace({testing::httpEventSource("echo-es", "echo", "echo.test", "")});
        gw.addInstance("echo", "echo-1", echo.endpoint());
        std::string answer =
            rawExchange(gw.port(), "POST / HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 5\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n"
                                   "Host: echo.test\r\n\r\n");
        CPPUNIT_ASSERT_MESSAGE(answer, statusLine(answer).find(" 400 ") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(answer, !contains(answer, "smuggled"));
        answer = rawExchange(gw.port(), "POST / HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 5\r\n"
                                        "Content-Length: 6\r\n\r\nhello!");
        CPPUNIT_ASSERT_MESSAGE(answer, statusLine(answer).find(" 400 ") != std::string::npos);
        // Even identical duplicates are refused: a server behind another proxy may read them differently.
        answer = rawExchange(gw.port(), "POST / HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 5\r\n"
                                        "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
        CPPUNIT_ASSERT_MESSAGE(answer, statusLine(answer).find(" 400 ") != std::string::npos);
        // A well-formed request on a new connection still passes.
        answer = rawExchange(gw.port(), "POST / HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 5\r\n"
                                        "Connection: close\r\n\r\nhello");
        CPPUNIT_ASSERT_MESSAGE(answer, statusLine(answer).find(" 200 ") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(answer, contains(answer, "body-bytes: 5\n"));
    }

    void testHugeHeaderRejected() {
        InProcessGateway gw;
        const std::string answer =
            rawExchange(gw.port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n");
        const std::string line = statusLine(answer);
        CPPUNIT_ASSERT_MESSAGE(answer.substr(0, 200),
                               line.find(" 400 ") != std::string::npos || line.find(" 431 ") != std::string::npos);
        // Still serving.
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/_mael_health_check", "x").status);
    }

    void testClientDisconnect() {
        InProcessGateway gw;
        auto& h = hellos();
        gw.components.replace({component("web")});
        gw.resolver.replace({testing::httpEventSource("web-host", "web", "web.test", "")});
        gw.addInstance("web", "web-1", h[0].endpoint());
        for (int i = 0; i < 5; ++i) {
            Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(gw.port())));
            const std::string request = "GET /sleep?ms=300 HTTP/1.1\r\nHost: web.test\r\n\r\n";
            socket.sendBytes(request.data(), static_cast<int>(request.size()));
            socket.close();
        }
        {
            // A body cut short.
            Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(gw.port())));
            const std::string request = "POST / HTTP/1.1\r\nHost: web.test\r\nContent-Length: 100000\r\n\r\nshort";
            socket.sendBytes(request.data(), static_cast<int>(request.size()));
            socket.close();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(800));
        const Reply reply = get(gw.port(), "/", "web.test");
        CPPUNIT_ASSERT_EQUAL(200, reply.status);
        CPPUNIT_ASSERT(waitUntil([&] { return gw.routers.byComponent("web")->activity().inFlight == 0; },
                                 std::chrono::seconds(10)));
    }

    void testWebSocketTunnel() {
        InProcessGateway gw;
        EchoServer echo;
        gw.components.replace({component("ws")});
        gw.resolver.replace({testing::httpEventSource("ws-es", "ws", "ws.test", "/chat/", true)});
        gw.addInstance("ws", "ws-1", echo.endpoint());
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gw.port()));
        Poco::Net::HTTPRequest request("GET", "/chat/socket", Poco::Net::HTTPMessage::HTTP_1_1);
        request.setHost("ws.test");
        Poco::Net::HTTPResponse response;
        Poco::Net::WebSocket ws(session, request, response);
        CPPUNIT_ASSERT_EQUAL(101, static_cast<int>(response.getStatus()));
        ws.setReceiveTimeout(Poco::Timespan(10, 0));
        for (const std::string& message : {std::string("hello"), std::string(100000, 'w')}) {
            ws.sendFrame(message.data(), static_cast<int>(message.size()));
            Poco::Buffer<char> buffer(0);
            int flags = 0;
            const int n = ws.receiveFrame(buffer, flags);
            CPPUNIT_ASSERT_EQUAL(static_cast<int>(message.size()) + 6, n);
            CPPUNIT_ASSERT(std::string(buffer.begin(), buffer.size()) == "echo: " + message);
        }
        ws.shutdown();
        ws.close();
        // The tunnel ends and frees its slot.
        CPPUNIT_ASSERT(waitUntil([&] { return gw.routers.byComponent("ws")->activity().inFlight == 0; },
                                 std::chrono::seconds(20)));
        // Plain requests to the same instance still work.
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/chat/x", "ws.test").status);
    }

    void testTlsPlainPortAndAcmeLookupOffTheLoop() {
        TlsGateway gw(std::chrono::milliseconds(800));
        const int plain = gw.publicServer->port();
        const int https = gw.publicServer->httpsPort();
        CPPUNIT_ASSERT(https > 0 && https != plain);
        // A challenge is answered from the lookup (slowly); meanwhile the loop serves others at once.
        std::string challenge;
        std::thread slow([&] {
            challenge = rawExchange(plain, "GET /.well-known/acme-challenge/tok_1-A HTTP/1.1\r\nHost: ws.test\r\n"
                                           "Connection: close\r\n\r\n");
        });
        CPPUNIT_ASSERT(waitUntil([&] { return gw.lookups.load() == 1; }, std::chrono::seconds(5)));
        const auto t0 = std::chrono::steady_clock::now();
        const Reply health = get(plain, "/_mael_health_check", "ws.test");
        const auto healthMs =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        slow.join();
        CPPUNIT_ASSERT_EQUAL(200, health.status);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(healthMs) + " ms: the lookup held the loop", healthMs < 400);
        CPPUNIT_ASSERT_MESSAGE(challenge, challenge.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(challenge, challenge.ends_with("\r\n\r\ntok_1-A.thumbprint"));
        // Unknown token, a failing lookup, a token that cannot be one (never looked up): 404.
        for (const char* token : {"unknown", "boom", "a.b"}) {
            const std::string answer =
                rawExchange(plain, "GET /.well-known/acme-challenge/" + std::string(token) +
                                       " HTTP/1.1\r\nHost: ws.test\r\nConnection: close\r\n\r\n");
            CPPUNIT_ASSERT_MESSAGE(answer, answer.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
        }
        CPPUNIT_ASSERT_EQUAL(3, gw.lookups.load());
        // Everything else: 301 to the HTTPS port; a request without a usable Host: 400.
        std::string answer = rawExchange(plain, "GET /x?y HTTP/1.1\r\nHost: WS.test:81\r\nConnection: close\r\n\r\n");
        CPPUNIT_ASSERT_MESSAGE(answer, answer.find("\r\nLocation: https://WS.test:" + std::to_string(https) +
                                                   "/x?y\r\n") != std::string::npos);
        answer = rawExchange(plain, "GET / HTTP/1.0\r\n\r\n");
        CPPUNIT_ASSERT_MESSAGE(answer, answer.rfind("HTTP/1.0 400 Bad Request\r\n", 0) == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("https://h:8443/p"), httpsRedirectLocation("h:80", "/p", 8443));
        CPPUNIT_ASSERT_EQUAL(std::string("https://h/p"), httpsRedirectLocation("h", "/p", 443));
        CPPUNIT_ASSERT_EQUAL(std::string("https://[2001:db8::1]/"),
                             httpsRedirectLocation("[2001:db8::1]:80", "/", 443));
        CPPUNIT_ASSERT_EQUAL(std::string("https://h/q?a"), httpsRedirectLocation("h", "http://h/q?a", 443));
        CPPUNIT_ASSERT_EQUAL(std::string(""), httpsRedirectLocation("evil.test/x", "/", 443));
        CPPUNIT_ASSERT_EQUAL(std::string(""), httpsRedirectLocation("[zz]", "/", 443));
        // The HTTPS port serves the gateway (no route here: the gateway's own 404).
        TlsClient client(https, "ws.test");
        client.send("GET /nothing HTTP/1.1\r\nHost: ws.test\r\n\r\n");
        CPPUNIT_ASSERT_MESSAGE("", client.readHead().rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
    }

    void testTlsHandshakeDeadlineAndGarbage() {
        TlsGateway gw(std::chrono::milliseconds(0), 1);
        const int https = gw.publicServer->httpsPort();
        // A client that never starts the handshake is cut at the deadline (1 s here); plain HTTP to the TLS port is
        // refused at once. Both are counted, neither reaches the gateway.
        Poco::Net::StreamSocket silent(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(https)));
        silent.setReceiveTimeout(Poco::Timespan(5, 0));
        const auto t0 = std::chrono::steady_clock::now();
        char byte = 0;
        int n = -1;
        try {
            n = silent.receiveBytes(&byte, 1);
        } catch (const Poco::Exception&) {
            n = 0; // reset: cut as well
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        CPPUNIT_ASSERT_EQUAL(0, n);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(seconds), seconds > 0.8 && seconds < 3);
        CPPUNIT_ASSERT(
            waitUntil([&] { return gw.metrics->failed(TlsFailure::Timeout) == 1; }, std::chrono::seconds(2)));
        const std::string answer = rawExchange(https, "GET / HTTP/1.1\r\nHost: ws.test\r\n\r\n");
        CPPUNIT_ASSERT_MESSAGE(answer, answer.find("HTTP/1.1") == std::string::npos);
        CPPUNIT_ASSERT(waitUntil(
            [&] { return gw.metrics->failed(TlsFailure::Version) + gw.metrics->failed(TlsFailure::Other) == 1; },
            std::chrono::seconds(2)));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), gw.metrics->ok());
    }

    void testWebSocketTunnelOverTls() {
        TlsGateway gw(std::chrono::milliseconds(0));
        EchoServer echo;
        gw.components.replace({component("ws")});
        gw.resolver.replace({testing::httpEventSource("ws-es", "ws", "ws.test", "/chat/", true)});
        gw.routers.byComponent("ws")->addInstance(makeInstanceSpec("ws-1", echo.endpoint(), 1));
        TlsClient client(gw.publicServer->httpsPort(), "ws.test");
        client.send("GET /chat/socket HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        const std::string head = client.readHead();
        CPPUNIT_ASSERT_MESSAGE(head, head.rfind("HTTP/1.1 101 ", 0) == 0);
        for (const std::string& message : {std::string("hello"), std::string(40000, 'w')}) {
            client.send(clientFrame(message));
            const std::string reply = "echo: " + message;
            const std::size_t headBytes = reply.size() < 126 ? 2 : 4;
            const std::string frame = client.read(headBytes + reply.size());
            CPPUNIT_ASSERT_EQUAL(headBytes + reply.size(), frame.size());
            CPPUNIT_ASSERT(frame.substr(headBytes) == reply);
        }
    }

    void testDaemonPublicPort() {
        TempDir dir;
        const int publicPort = freePort();
        const int privatePort = freePort();
        const std::string yaml =
            "services:\n  database:\n    plugin: sqlite\n    settings:\n      path: " +
            (dir.path() / "maelstrom.db").string() +
            "\n  load_balancer:\n    plugin: round-robin\n  rpc_transport:\n    plugin: jsonrpc-http\n";
        const auto file = dir.write("maelstromd.yml", yaml);
        BackgroundProcess daemon({(binDir() / "maelstromd").string(), "--config", file.string()},
                                 {{"MAEL_PUBLIC_PORT", std::to_string(publicPort)},
                                  {"MAEL_PRIVATE_PORT", std::to_string(privatePort)},
                                  {"MAEL_DATA_DIR", dir.path().string()},
                                  {"-MAEL_SQL_DRIVER", ""},
                                  {"-MAEL_SQL_DSN", ""}});
        std::string body;
        CPPUNIT_ASSERT_MESSAGE(daemon.output(),
                               waitUntil([&] { return httpGetStatus(publicPort, "/_mael_health_check", &body) == 200; },
                                         std::chrono::seconds(60)));
        CPPUNIT_ASSERT_EQUAL(std::string("OK"), body);
        Reply reply = get(publicPort, "/anything", "unknown.test");
        CPPUNIT_ASSERT_EQUAL(404, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string("No component matches the request"), reply.body);
        reply = get(privatePort, "/anything", "unknown.test", {{"MAELSTROM-COMPONENT", "nope"}});
        CPPUNIT_ASSERT_EQUAL(404, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string("No component matches the request"), reply.body);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.output(), 0, daemon.stop(SIGTERM));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayTest);
