// read_your_writes_test.cpp — a change made through a node is visible to that node's gateway for the very next
// request, on every database engine: after PutEventSource / PutProject return, the new hostname is routed;
// after a toggle, RemoveEventSource, RemoveComponent or RemoveProject return, it is not. Runs once per engine
// (MAELSTROM_TEST_DB_ENGINE) against a real maelstromd without a container runtime: a routed request waits for
// an instance until the component's 1 s deadline (504), an unrouted one is answered 404 at once.
// SPDX-License-Identifier: Apache-2.0
#include "db_test_common.h"
#include "test_support.h"

#include <maelstrom/sdk/poco/json_codec.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <memory>

using namespace maelstrom::testing;
namespace tdb = maelstrom::testing::db;
namespace codec = maelstrom::sdk::json::codec;

namespace {

const std::string kUnrouted = "No component matches the request";

class Node {
public:
    explicit Node(tdb::TestDatabase& db) {
        const std::string yaml =
            "services:\n" + db.registryEntry() +
            "  rpc_transport:\n    plugin: jsonrpc-http\n  load_balancer:\n    plugin: round-robin\n";
        const auto file = dir_.write("maelstromd.yml", yaml);
        process_ = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{(binDir() / "maelstromd").string(), "--config", file.string()},
            std::map<std::string, std::string>{{"MAEL_PRIVATE_PORT", std::to_string(privatePort_)},
                                               {"MAEL_PUBLIC_PORT", std::to_string(publicPort_)},
                                               {"MAEL_DATA_DIR", dir_.path().string()},
                                               {"-MAEL_SQL_DRIVER", ""},
                                               {"-MAEL_SQL_DSN", ""}});
        if (!waitUntil([&] { return httpGetStatus(privatePort_, "/_mael_health_check") == 200; },
                       std::chrono::seconds(60))) {
            CPPUNIT_FAIL("maelstromd did not start: " + process_->output());
        }
    }

    /// One RPC; fails the test on an error.
    Poco::JSON::Object::Ptr rpc(const std::string& method, const std::string& input) {
        const std::string body =
            R"({"jsonrpc":"2.0","id":"r","method":"MaelstromService.)" + method + R"(","params":[)" + input + "]}";
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(privatePort_));
        session.setTimeout(Poco::Timespan(30, 0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/_mael/v1",
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::string reply;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), reply);
        const auto parsed = codec::parse(reply).extract<Poco::JSON::Object::Ptr>();
        if (parsed->has("error"))
            CPPUNIT_FAIL(method + " failed: " + reply);
        return parsed->getObject("result");
    }

    /// GET / on the public port for `host`: the status, and whether the gateway said nothing matched.
    std::pair<int, bool> get(const std::string& host) {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(publicPort_));
        session.setTimeout(Poco::Timespan(30, 0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/", Poco::Net::HTTPMessage::HTTP_1_1);
        request.setHost(host);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::string body;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
        return {static_cast<int>(response.getStatus()), body.find(kUnrouted) != std::string::npos};
    }

private:
    TempDir dir_;
    int privatePort_ = freePort();
    int publicPort_ = freePort();
    std::unique_ptr<BackgroundProcess> process_;
};

/// A component that is never started here (no container runtime): a routed request waits 1 s, then 504.
std::string componentObject(const std::string& name) {
    return R"({"name":")" + name +
           R"(","environment":[],"maxConcurrency":1,"version":0,"maxDurationSeconds":1,)"
           R"("docker":{"image":"ryw/none:1","httpPort":8080,"httpHealthCheckPath":"/"}})";
}

std::string componentInput(const std::string& name) { return R"({"component":)" + componentObject(name) + "}"; }

std::string sourceInput(const std::string& name, const std::string& component, const std::string& host) {
    return R"({"eventSource":{"name":")" + name + R"(","componentName":")" + component +
           R"(","version":0,"modifiedAt":0,"http":{"hostname":")" + host + R"(","pathPrefix":"/"}}})";
}

} // namespace

class ReadYourWritesTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ReadYourWritesTest);
    CPPUNIT_TEST(testEveryWriteIsRoutedFromTheNextRequest);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEveryWriteIsRoutedFromTheNextRequest() {
        const auto engine = tdb::engineFromEnv();
        tdb::TestDatabase db(engine, pluginDir());
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(db.available(&why), std::string(tdb::pluginName(engine)) + ": " + why);
        db.wipe();
        Node node(db);
        auto routed = [&](const std::string& host, const std::string& after) {
            const auto [status, unrouted] = node.get(host);
            CPPUNIT_ASSERT_MESSAGE("right after " + after + ", " + host + " answered " + std::to_string(status) +
                                       " (not routed)",
                                   !unrouted && status != 404);
        };
        auto unrouted = [&](const std::string& host, const std::string& after) {
            const auto [status, none] = node.get(host);
            CPPUNIT_ASSERT_MESSAGE("right after " + after + ", " + host + " answered " + std::to_string(status) +
                                       " (still routed)",
                                   none && status == 404);
        };
        for (int i = 0; i < 4; ++i) {
            const std::string n = std::to_string(i);
            const std::string c = "ryw-c" + n, e = "ryw-e" + n, host = "ryw" + n + ".test";
            node.rpc("PutComponent", componentInput(c));
            node.rpc("PutEventSource", sourceInput(e, c, host));
            routed(host, "PutEventSource");
            node.rpc("ToggleEventSources", R"({"enabled":false,"componentName":")" + c + R"("})");
            unrouted(host, "disabling it");
            node.rpc("ToggleEventSources", R"({"enabled":true,"componentName":")" + c + R"("})");
            routed(host, "enabling it");
            node.rpc("RemoveEventSource", R"({"name":")" + e + R"("})");
            unrouted(host, "RemoveEventSource");
            node.rpc("PutEventSource", sourceInput(e, c, host));
            node.rpc("RemoveComponent", R"({"name":")" + c + R"("})");
            unrouted(host, "RemoveComponent");

            const std::string project = "rywp" + n, phost = "rywp" + n + ".test";
            node.rpc("PutProject", R"({"project":{"name":")" + project + R"(","components":[{"component":)" +
                                       componentObject("web") +
                                       R"(,"eventSources":[{"eventSource":{"name":"pub","componentName":"web",)"
                                       R"("version":0,"modifiedAt":0,"http":{"hostname":")" +
                                       phost + R"(","pathPrefix":"/"}},"enabled":true}]}]}})");
            routed(phost, "PutProject");
            node.rpc("RemoveProject", R"({"name":")" + project + R"("})");
            unrouted(phost, "RemoveProject");
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ReadYourWritesTest);
