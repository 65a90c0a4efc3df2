// jsonrpc_http_integration_test.cpp — the jsonrpc-http client against the jsonrpc-http server over real HTTP on
// 127.0.0.1: results, remote error codes, barrister-idl, 8 threads sharing one client, keep-alive and the
// retry on a connection the server closed, timeouts, bearer token (sent; 401 explained), server down (-32603
// naming the URL), a non-JSON error status, the body limit, and a Go-style response with \U escapes.
// SPDX-License-Identifier: Apache-2.0
#include "json_rpc_client.h"
#include "json_rpc_server.h"
#include "test_dispatcher.h"
#include "test_support.h"

#include <maelstrom/sdk/rpc_transport.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

using maelstrom::plugins::jsonrpc_http::JsonRpcClient;
using maelstrom::plugins::jsonrpc_http::JsonRpcServer;
using maelstrom::plugins::jsonrpc_http::ServerLimits;
using maelstrom::sdk::RpcError;
using maelstrom::testing::rpc::parseJson;
using maelstrom::testing::rpc::TestDispatcher;
using maelstrom::testing::rpc::validUtf8;

namespace {

/// What the test server saw last.
struct Seen {
    std::mutex mutex;
    std::string authorization;
    std::string contentType;
    std::string method;
    std::string body;
    std::atomic<int> requests{0};
};

/// The core's role in miniature: POST /_mael/v1 → JsonRpcServer::handle(); optional bearer token check (401);
/// /go/_mael/v1 answers like the Go reference server (\U escapes); /fail/_mael/v1 answers 500 text.
class TestServer {
public:
    explicit TestServer(ServerLimits limits = {}, std::string token = {},
                        Poco::Timespan keepAlive = Poco::Timespan(10, 0))
        : rpc_(limits), token_(std::move(token)) {
        auto* params = new Poco::Net::HTTPServerParams();
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(keepAlive);
        params->setMaxThreads(16);
        params->setMaxQueued(64);
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        port_ = socket.address().port();
        server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
        server_->start();
    }
    ~TestServer() { server_->stopAll(true); }

    std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int totalConnections() const { return server_->totalConnections(); }
    TestDispatcher& dispatcher() { return dispatcher_; }
    Seen& seen() { return seen_; }

private:
    class Handler : public Poco::Net::HTTPRequestHandler {
    public:
        explicit Handler(TestServer& owner) : owner_(owner) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
            std::string body;
            Poco::StreamCopier::copyToString(request.stream(), body);
            ++owner_.seen_.requests;
            {
                std::lock_guard<std::mutex> lock(owner_.seen_.mutex);
                owner_.seen_.authorization = request.get("Authorization", "");
                owner_.seen_.contentType = request.getContentType();
                owner_.seen_.method = request.getMethod();
                owner_.seen_.body = body;
            }
            const std::string& uri = request.getURI();
            if (uri == "/go/_mael/v1") {
                response.setContentType("application/json");
                response.send() << R"({"jsonrpc":"2.0","id":"x","result":{"name":"\U0001f600\u00e9"}})";
                return;
            }
            if (uri == "/fail/_mael/v1") {
                response.setStatus(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
                response.setContentType("text/plain");
                response.send() << "internal trouble";
                return;
            }
            if (uri != "/_mael/v1") {
                response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
                response.send() << "not found";
                return;
            }
            if (!owner_.token_.empty() && request.get("Authorization", "") != "Bearer " + owner_.token_) {
                response.setStatus(Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED);
                response.setContentType("text/plain");
                response.send() << "unauthorized";
                return;
            }
            maelstrom::sdk::RpcHttpRequest rpcRequest{request.getMethod(), uri, {}, std::move(body)};
            const auto answer = owner_.rpc_.handle(rpcRequest, owner_.dispatcher_);
            response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
            for (const auto& h : answer.headers)
                response.set(h.name, h.value);
            response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
            response.send() << answer.body;
        }

    private:
        TestServer& owner_;
    };

    class Factory : public Poco::Net::HTTPRequestHandlerFactory {
    public:
        explicit Factory(TestServer& owner) : owner_(owner) {}
        Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
            return new Handler(owner_);
        }

    private:
        TestServer& owner_;
    };

    JsonRpcServer rpc_;
    std::string token_;
    TestDispatcher dispatcher_;
    Seen seen_;
    int port_ = 0;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

Poco::JSON::Object::Ptr object(const std::string& json) {
    const auto v = parseJson(json);
    CPPUNIT_ASSERT(!v.isEmpty() && v.type() == typeid(Poco::JSON::Object::Ptr));
    return v.extract<Poco::JSON::Object::Ptr>();
}

/// The RpcError a call throws (fails the test when it does not throw one).
RpcError callError(maelstrom::sdk::RpcClient& client, const std::string& method, const std::string& input = "{}") {
    try {
        client.call(method, input);
    } catch (const RpcError& e) {
        return e;
    }
    CPPUNIT_FAIL(method + " did not throw RpcError");
    return RpcError(0, "");
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

class JsonRpcHttpIntegrationTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(JsonRpcHttpIntegrationTest);
    CPPUNIT_TEST(testResultAndRequestShape);
    CPPUNIT_TEST(testRemoteErrorCodes);
    CPPUNIT_TEST(testBarristerIdl);
    CPPUNIT_TEST(testUnicode);
    CPPUNIT_TEST(testConcurrentCallsShareOneClient);
    CPPUNIT_TEST(testKeepAliveAndStaleConnection);
    CPPUNIT_TEST(testTimeout);
    CPPUNIT_TEST(testBearerToken);
    CPPUNIT_TEST(testServerDown);
    CPPUNIT_TEST(testErrorStatusWithoutJson);
    CPPUNIT_TEST(testBodyLimitOverHttp);
    CPPUNIT_TEST(testGoStyleResponse);
    CPPUNIT_TEST(testBadUrl);
    CPPUNIT_TEST_SUITE_END();

public:
    void testResultAndRequestShape() {
        TestServer server;
        JsonRpcClient client(server.baseUrl() + "/", {});
        CPPUNIT_ASSERT_EQUAL(server.baseUrl() + "/_mael/v1", client.url());
        const std::string result = client.call("MaelstromService.GetComponent", R"({"name":"shop"})");
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"name":"shop"})"), result);

        std::lock_guard<std::mutex> lock(server.seen().mutex);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), server.seen().method);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), server.seen().contentType);
        CPPUNIT_ASSERT_EQUAL(std::string(""), server.seen().authorization);
        const auto request = object(server.seen().body);
        CPPUNIT_ASSERT_EQUAL(std::string("2.0"), request->getValue<std::string>("jsonrpc"));
        CPPUNIT_ASSERT_EQUAL(std::string("MaelstromService.GetComponent"), request->getValue<std::string>("method"));
        const std::string id = request->getValue<std::string>("id");
        CPPUNIT_ASSERT_EQUAL(std::size_t(40), id.size());
        CPPUNIT_ASSERT_EQUAL(std::string::npos, id.find_first_not_of("0123456789abcdef"));
        const auto params = request->getArray("params");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), params->size());
        CPPUNIT_ASSERT_EQUAL(std::string("shop"), params->getObject(0)->getValue<std::string>("name"));
    }

    void testRemoteErrorCodes() {
        TestServer server;
        JsonRpcClient client(server.baseUrl(), {});
        for (const int code : {1001, 1002, 1003, 1004, -32001}) {
            const auto e = callError(client, "Test.Fail" + std::to_string(code));
            CPPUNIT_ASSERT_EQUAL(code, e.code());
            CPPUNIT_ASSERT_EQUAL("failure " + std::to_string(code), std::string(e.what()));
        }
        auto e = callError(client, "Test.Crash");
        CPPUNIT_ASSERT_EQUAL(-32000, e.code());
        CPPUNIT_ASSERT_EQUAL(std::string("barrister: method 'Test.Crash' raised unknown error: boom"),
                             std::string(e.what()));
        e = callError(client, "MaelstromService.Nope");
        CPPUNIT_ASSERT_EQUAL(-32601, e.code());
        // the input is inserted as given: a broken input is the server's parse error
        e = callError(client, "MaelstromService.GetComponent", "{");
        CPPUNIT_ASSERT_EQUAL(-32700, e.code());
    }

    void testBarristerIdl() {
        TestServer server;
        JsonRpcClient client(server.baseUrl(), {});
        const auto idl = parseJson(client.call("barrister-idl", "{}"));
        CPPUNIT_ASSERT(idl.type() == typeid(Poco::JSON::Array::Ptr));
        CPPUNIT_ASSERT(idl.extract<Poco::JSON::Array::Ptr>()->size() > 40);
    }

    void testUnicode() {
        TestServer server;
        JsonRpcClient client(server.baseUrl(), {});
        const std::string name = "\xE5\x90\x8D\xE5\x89\x8D \xC3\xA9 \xF0\x9F\x98\x80";
        const auto result = client.call("MaelstromService.GetComponent", R"({"name":")" + name + R"("})");
        CPPUNIT_ASSERT_EQUAL(name, object(result)->getValue<std::string>("name"));
        const auto unicode = client.call("Test.Unicode", "{}");
        CPPUNIT_ASSERT(validUtf8(unicode));
        CPPUNIT_ASSERT(!maelstrom::testing::rpc::hasUpperUEscape(unicode));
        const auto e = callError(client, "Nope.\xE2\x82\xAC");
        CPPUNIT_ASSERT_EQUAL(std::string("Unsupported method: Nope.\xE2\x82\xAC"), std::string(e.what()));
    }

    void testConcurrentCallsShareOneClient() {
        TestServer server;
        JsonRpcClient client(server.baseUrl(), {});
        constexpr int kThreads = 8;
        constexpr int kCalls = 40;
        std::atomic<int> ok{0};
        std::atomic<int> bad{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kCalls; ++i) {
                    try {
                        const std::string input = R"({"n":)" + std::to_string(t * 1000 + i) + "}";
                        if (i % 5 == 4) {
                            try {
                                client.call("Test.Fail1003", input);
                                ++bad;
                            } catch (const RpcError& e) {
                                (e.code() == 1003 ? ok : bad)++;
                            }
                        } else {
                            (client.call("NodeService.GetStatus", input) == input ? ok : bad)++;
                        }
                    } catch (...) {
                        ++bad;
                    }
                }
            });
        }
        for (auto& th : threads)
            th.join();
        CPPUNIT_ASSERT_EQUAL(0, bad.load());
        CPPUNIT_ASSERT_EQUAL(kThreads * kCalls, ok.load());
        // sessions are pooled: far fewer connections than calls
        CPPUNIT_ASSERT_MESSAGE(std::to_string(server.totalConnections()), server.totalConnections() <= 2 * kThreads);
    }

    // Sequential calls reuse one connection; a connection the server closed while idle is replaced silently.
    void testKeepAliveAndStaleConnection() {
        TestServer server({}, {}, Poco::Timespan(0, 200 * 1000));
        JsonRpcClient client(server.baseUrl(), {});
        for (int i = 0; i < 20; ++i) {
            CPPUNIT_ASSERT_EQUAL(std::string("{}"), client.call("NodeService.GetStatus", "{}"));
        }
        CPPUNIT_ASSERT_EQUAL(1, server.totalConnections());
        std::this_thread::sleep_for(std::chrono::milliseconds(800)); // the server drops the idle connection
        CPPUNIT_ASSERT_EQUAL(std::string("{}"), client.call("NodeService.GetStatus", "{}"));
        CPPUNIT_ASSERT_EQUAL(2, server.totalConnections());
        CPPUNIT_ASSERT_EQUAL(21, server.seen().requests.load()); // the failed attempt never reached the handler
    }

    void testTimeout() {
        TestServer server;
        maelstrom::sdk::RpcClientOptions options;
        options.timeout = std::chrono::milliseconds(300);
        JsonRpcClient client(server.baseUrl(), options);
        const auto started = std::chrono::steady_clock::now();
        const auto e = callError(client, "Test.Slow");
        const auto took = std::chrono::steady_clock::now() - started;
        CPPUNIT_ASSERT_EQUAL(-32603, e.code());
        CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "barrister: Test.Slow: Transport error during request: "));
        CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "(" + client.url() + ")"));
        CPPUNIT_ASSERT(took < std::chrono::milliseconds(1400));
        // the client still works afterwards (the timed-out session was dropped)
        CPPUNIT_ASSERT_EQUAL(std::string("{}"), client.call("NodeService.GetStatus", "{}"));
        // let the slow handler finish before the server goes away
        maelstrom::testing::waitUntil([&] { return server.seen().requests.load() >= 2; }, std::chrono::seconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(1600));
    }

    void testBearerToken() {
        TestServer server({}, "s3cret");
        JsonRpcClient anonymous(server.baseUrl(), {});
        auto e = callError(anonymous, "NodeService.GetStatus");
        CPPUNIT_ASSERT_EQUAL(-32603, e.code());
        CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "HTTP 401"));
        CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "requires a bearer token"));

        maelstrom::sdk::RpcClientOptions wrongOptions;
        wrongOptions.bearerToken = "guess";
        JsonRpcClient wrong(server.baseUrl(), wrongOptions);
        e = callError(wrong, "NodeService.GetStatus");
        CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "rejected the bearer token"));

        maelstrom::sdk::RpcClientOptions options;
        options.bearerToken = "s3cret";
        JsonRpcClient client(server.baseUrl(), options);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":1})"), client.call("NodeService.GetStatus", R"({"a":1})"));
        std::lock_guard<std::mutex> lock(server.seen().mutex);
        CPPUNIT_ASSERT_EQUAL(std::string("Bearer s3cret"), server.seen().authorization);
    }

    void testServerDown() {
        const int port = maelstrom::testing::freePort();
        const std::string base = "http://127.0.0.1:" + std::to_string(port);
        JsonRpcClient client(base, {});
        const auto e = callError(client, "MaelstromService.ListProjects");
        CPPUNIT_ASSERT_EQUAL(-32603, e.code());
        const std::string message = e.what();
        CPPUNIT_ASSERT_MESSAGE(
            message, contains(message, "barrister: MaelstromService.ListProjects: Transport error during request: "));
        CPPUNIT_ASSERT_MESSAGE(message, contains(message, "(" + base + "/_mael/v1)"));
    }

    void testErrorStatusWithoutJson() {
        TestServer server;
        JsonRpcClient client(server.baseUrl() + "/fail", {});
        const auto e = callError(client, "NodeService.GetStatus");
        CPPUNIT_ASSERT_EQUAL(-32603, e.code());
        CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "HTTP 500"));
        JsonRpcClient missing(server.baseUrl() + "/nowhere", {});
        CPPUNIT_ASSERT_MESSAGE(callError(missing, "X.Y").what(),
                               contains(callError(missing, "X.Y").what(), "HTTP 404"));
    }

    void testBodyLimitOverHttp() {
        ServerLimits limits;
        limits.maxBodyBytes = 1000;
        TestServer server(limits);
        JsonRpcClient client(server.baseUrl(), {});
        const auto e =
            callError(client, "MaelstromService.GetComponent", R"({"name":")" + std::string(2000, 'x') + R"("})");
        CPPUNIT_ASSERT_EQUAL(-32700, e.code()); // the 413's JSON-RPC error is passed on
        CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "max_body_bytes"));
        CPPUNIT_ASSERT_EQUAL(std::string("{}"), client.call("NodeService.GetStatus", "{}"));
    }

    void testGoStyleResponse() {
        TestServer server;
        JsonRpcClient client(server.baseUrl() + "/go", {});
        const auto result = client.call("MaelstromService.GetComponent", "{}");
        CPPUNIT_ASSERT_EQUAL(std::string("\xF0\x9F\x98\x80\xC3\xA9"), object(result)->getValue<std::string>("name"));
    }

    void testBadUrl() {
        JsonRpcClient client("https://127.0.0.1:1", {});
        const auto e = callError(client, "NodeService.GetStatus");
        CPPUNIT_ASSERT_EQUAL(-32603, e.code());
        CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "only http://"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonRpcHttpIntegrationTest);
