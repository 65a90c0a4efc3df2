// control_plane_test.cpp — the control plane as clients of the original see it: a maelstromd with the sqlite
// and jsonrpc-http plugins, raw HTTP bodies on /_mael/v1, and maelctl end to end (`maelctl cert ls` included:
// certificate records written through the sqlite plugin into the daemon's database, a static file certificate).
#include "db_test_common.h"
#include "test_support.h"

#include <maelstrom/sdk/poco/json_codec.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <ctime>
#include <memory>

using namespace maelstrom::testing;
namespace codec = maelstrom::sdk::json::codec;
namespace sdk = maelstrom::sdk;

namespace {

struct Daemon {
    TempDir dir;
    int port = freePort();
    std::unique_ptr<BackgroundProcess> process;

    explicit Daemon(const std::string& token = "", const std::map<std::string, std::string>& extraEnv = {}) {
        const std::string yaml =
            "services:\n  database:\n    plugin: sqlite\n    settings:\n      path: " + databasePath().string() +
            "\n  rpc_transport:\n    plugin: jsonrpc-http\n";
        const auto file = dir.write("maelstromd.yml", yaml);
        std::map<std::string, std::string> env = {{"MAEL_PRIVATE_PORT", std::to_string(port)},
                                                  {"MAEL_PUBLIC_PORT", "0"},
                                                  {"-MAEL_SQL_DRIVER", ""},
                                                  {"-MAEL_SQL_DSN", ""}};
        if (!token.empty()) {
            env["MAEL_PRIVATE_TOKEN"] = token;
        }
        env.insert(extraEnv.begin(), extraEnv.end());
        process = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{(binDir() / "maelstromd").string(), "--config", file.string()}, env);
        const bool up =
            waitUntil([&] { return httpGetStatus(port, "/_mael_health_check") == 200; }, std::chrono::seconds(60));
        if (!up) {
            CPPUNIT_FAIL("maelstromd did not start: " + process->output());
        }
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
    std::filesystem::path databasePath() const { return dir.path() / "maelstrom.db"; }
};

struct HttpReply {
    int status = 0;
    std::string body;
};

HttpReply post(int port, const std::string& body, const std::string& auth = "", const std::string& path = "/_mael/v1") {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    if (!auth.empty()) {
        request.set("Authorization", auth);
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    HttpReply reply;
    reply.status = response.getStatus();
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
}

// One call: returns the parsed response object.
Poco::JSON::Object::Ptr rpc(int port, const std::string& method, const std::string& input,
                            const std::string& auth = "") {
    const auto reply =
        post(port, R"({"jsonrpc":"2.0","id":"t1","method":")" + method + R"(","params":[)" + input + "]}", auth);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.body, 200, reply.status);
    return codec::parse(reply.body).extract<Poco::JSON::Object::Ptr>();
}

int errorCode(const Poco::JSON::Object::Ptr& response) {
    if (!response->has("error")) {
        return 0;
    }
    return response->getObject("error")->getValue<int>("code");
}

std::string errorMessage(const Poco::JSON::Object::Ptr& response) {
    return response->has("error") ? response->getObject("error")->getValue<std::string>("message") : "";
}

Poco::JSON::Object::Ptr result(const Poco::JSON::Object::Ptr& response) {
    if (!response->has("result")) {
        CPPUNIT_FAIL("error instead of result: " + codec::stringify(response));
    }
    return response->getObject("result");
}

std::string component(const std::string& name, int version = 0, const std::string& extra = "") {
    return R"({"component":{"name":")" + name + R"(","environment":[],"maxConcurrency":1,"version":)" +
           std::to_string(version) + R"(,"docker":{"image":"img:1","httpPort":8080,"httpHealthCheckPath":"/"})" +
           extra + "}}";
}

void assertError(int port, const std::string& method, const std::string& input, int code, const std::string& message) {
    const auto r = rpc(port, method, input);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(codec::stringify(r), code, errorCode(r));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(codec::stringify(r), message, errorMessage(r));
}

const std::string kProject = R"({"project":{"name":"Shop","components":[
  {"component":{"name":"api","environment":[{"name":"A","value":"1"}],"maxConcurrency":2,"version":0,
     "docker":{"image":"acme/api:1","httpPort":8080,"httpHealthCheckPath":"/health"}},
   "eventSources":[{"eventSource":{"name":"public","componentName":"api","version":0,"modifiedAt":0,
       "http":{"hostname":"api.example.com","pathPrefix":"/v1"}},"enabled":true}]},
  {"component":{"name":"worker","environment":[],"maxConcurrency":1,"version":0,
     "docker":{"image":"acme/worker:1","httpPort":8080,"httpHealthCheckPath":"/"}},
   "eventSources":[{"eventSource":{"name":"tick","componentName":"worker","version":0,"modifiedAt":0,
       "cron":{"schedule":"@every 1m","http":{"method":"GET","path":"/tick"}}},"enabled":true}]}]}})";

} // namespace

class ControlPlaneTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ControlPlaneTest);
    CPPUNIT_TEST(testComponentRoundTripAndVersions);
    CPPUNIT_TEST(testEnvelopeErrors);
    CPPUNIT_TEST(testValidationErrors);
    CPPUNIT_TEST(testPaginationAndBatch);
    CPPUNIT_TEST(testUnicodeAndNull);
    CPPUNIT_TEST(testPutProjectDiff);
    CPPUNIT_TEST(testAuthentication);
    CPPUNIT_TEST(testMaelctlEndToEnd);
    CPPUNIT_TEST(testCertLs);
    CPPUNIT_TEST_SUITE_END();

public:
    void testComponentRoundTripAndVersions() {
        Daemon d;
        auto put = result(rpc(d.port, "MaelstromService.PutComponent", component("Web")));
        CPPUNIT_ASSERT_EQUAL(std::string("web"), put->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(1, put->getValue<int>("version"));
        assertError(d.port, "MaelstromService.PutComponent", component("web"), 1002,
                    "PutComponent: already exists with key");
        assertError(d.port, "MaelstromService.PutComponent", component("web", 7), 1004,
                    "PutComponent: previousVersion is incorrect");
        CPPUNIT_ASSERT_EQUAL(
            2, result(rpc(d.port, "MaelstromService.PutComponent", component("web", 1)))->getValue<int>("version"));
        auto got = result(rpc(d.port, "MaelstromService.GetComponent", R"({"name":"WEB"})"))->getObject("component");
        CPPUNIT_ASSERT_EQUAL(2, got->getValue<int>("version"));
        CPPUNIT_ASSERT(got->getValue<Poco::Int64>("modifiedAt") > 0);
        CPPUNIT_ASSERT(got->getArray("environment")); // required array present even when empty
        assertError(d.port, "MaelstromService.GetComponent", R"({"name":"nope"})", 1003,
                    "No Component found with name: nope");
        auto removed = result(rpc(d.port, "MaelstromService.RemoveComponent", R"({"name":"web"})"));
        CPPUNIT_ASSERT(removed->getValue<bool>("found"));
        CPPUNIT_ASSERT(
            !result(rpc(d.port, "MaelstromService.RemoveComponent", R"({"name":"web"})"))->getValue<bool>("found"));
        // An event source needs its component.
        assertError(
            d.port, "MaelstromService.PutEventSource",
            R"({"eventSource":{"name":"e","componentName":"ghost","version":0,"modifiedAt":0,"http":{"hostname":"h"}}})",
            1003, "eventSource.component not found: ghost");
    }

    void testEnvelopeErrors() {
        Daemon d;
        auto parse = codec::parse(post(d.port, "{not json").body).extract<Poco::JSON::Object::Ptr>();
        CPPUNIT_ASSERT_EQUAL(-32700, errorCode(parse));
        auto unknown = rpc(d.port, "MaelstromService.Frobnicate", "{}");
        CPPUNIT_ASSERT_EQUAL(-32601, errorCode(unknown));
        CPPUNIT_ASSERT_EQUAL(std::string("Unsupported method: MaelstromService.Frobnicate"), errorMessage(unknown));
        auto twoParams =
            codec::parse(
                post(d.port, R"({"jsonrpc":"2.0","id":"x","method":"MaelstromService.ListProjects","params":[{},{}]})")
                    .body)
                .extract<Poco::JSON::Object::Ptr>();
        CPPUNIT_ASSERT_EQUAL(-32602, errorCode(twoParams));
        CPPUNIT_ASSERT_EQUAL(std::string("Method MaelstromService.ListProjects expects 1 params but was passed 2"),
                             errorMessage(twoParams));
        auto numericId =
            codec::parse(
                post(d.port, R"({"jsonrpc":"2.0","id":5,"method":"MaelstromService.ListProjects","params":[{}]})").body)
                .extract<Poco::JSON::Object::Ptr>();
        CPPUNIT_ASSERT_EQUAL(-32700, errorCode(numericId));
        // Type checks of the inputs: -32602 with the path.
        auto missing = rpc(d.port, "MaelstromService.GetComponent", "{}");
        CPPUNIT_ASSERT_EQUAL(-32602, errorCode(missing));
        CPPUNIT_ASSERT_MESSAGE(errorMessage(missing), errorMessage(missing).find("param[0].name") != std::string::npos);
        const std::string docker = R"("docker":{"image":"i","httpPort":80,"httpHealthCheckPath":"/"})";
        auto badInt =
            rpc(d.port, "MaelstromService.PutComponent",
                R"({"component":{"name":"x","environment":[],"maxConcurrency":1.5,"version":0,)" + docker + "}}");
        CPPUNIT_ASSERT_EQUAL(-32602, errorCode(badInt));
        CPPUNIT_ASSERT_MESSAGE(errorMessage(badInt), errorMessage(badInt).find("maxConcurrency") != std::string::npos);
        auto badEnum = rpc(
            d.port, "MaelstromService.PutComponent",
            R"({"component":{"name":"x","environment":[],"maxConcurrency":1,"version":0,"RestartOrder":"sideways",)" +
                docker + "}}");
        CPPUNIT_ASSERT_EQUAL(-32602, errorCode(badEnum));
        auto badBool = rpc(d.port, "MaelstromService.ToggleEventSources", R"({"enabled":"yes"})");
        CPPUNIT_ASSERT_EQUAL(-32602, errorCode(badBool));
        auto enumError = rpc(d.port, "MaelstromService.ListEventSources", R"({"eventSourceType":"smtp"})");
        CPPUNIT_ASSERT_EQUAL(-32602, errorCode(enumError));
        // Oversized body (announced by Content-Length): a clear 413 before the body is read, the daemon keeps
        // serving. The raw socket sends only the headers, so the early answer cannot be lost to a reset.
        {
            Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(d.port)));
            socket.setReceiveTimeout(Poco::Timespan(10, 0));
            const std::string head = "POST /_mael/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 9437184\r\n\r\n";
            socket.sendBytes(head.data(), static_cast<int>(head.size()));
            char buffer[512] = {};
            const int n = socket.receiveBytes(buffer, sizeof buffer - 1);
            const std::string answer(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
            CPPUNIT_ASSERT_MESSAGE(answer, answer.rfind("HTTP/1.1 413", 0) == 0);
            CPPUNIT_ASSERT_MESSAGE(answer, answer.find("request body larger than 8388608 bytes") != std::string::npos);
        }
        CPPUNIT_ASSERT_EQUAL(0, errorCode(rpc(d.port, "MaelstromService.ListProjects", "{}")));
    }

    void testValidationErrors() {
        Daemon d;
        assertError(d.port, "MaelstromService.PutComponent", component(" "), 1001, "input.name is required");
        assertError(d.port, "MaelstromService.PutComponent", component(std::string(61, 'a')), 1001,
                    "input.name exceeds max length of 60 bytes");
        assertError(d.port, "MaelstromService.PutComponent", component("a b"), 1001,
                    "input.name is invalid (only alpha-numeric chars, _ - are valid)");
        assertError(d.port, "MaelstromService.PutComponent",
                    R"({"component":{"name":"nodocker","environment":[],"maxConcurrency":1,"version":0}})", 1001,
                    "input.component.docker is required");
        result(rpc(d.port, "MaelstromService.PutComponent", component("c")));
        const std::string es = R"({"eventSource":{"name":"e","componentName":"c","version":0,"modifiedAt":0)";
        assertError(d.port, "MaelstromService.PutEventSource", es + "}}", 1001,
                    "No event source sub-type provided (e.g. http)");
        assertError(d.port, "MaelstromService.PutEventSource", es + R"(,"http":{}}})", 1001,
                    "input.eventSource http.hostname or http.pathPrefix must be provided");
        assertError(d.port, "MaelstromService.PutEventSource",
                    es + R"(,"cron":{"schedule":"* * * * *","http":{"method":"","path":"/"}}}})", 1001,
                    "input.eventSource cron.http.method must be provided");
        assertError(d.port, "MaelstromService.PutEventSource",
                    es + R"(,"cron":{"schedule":"* * * * *","http":{"method":"GET","path":""}}}})", 1001,
                    "input.eventSource cron.http.path must be provided");
        assertError(
            d.port, "MaelstromService.PutEventSource",
            R"({"eventSource":{"name":"bad name","componentName":"c","version":0,"modifiedAt":0,"http":{"hostname":"h"}}})",
            1001, "input.eventSource.name is invalid (only alpha-numeric chars, _ - are valid)");
        assertError(d.port, "MaelstromService.PutProject",
                    R"({"project":{"name":"waytoolongprojectname1","components":[]}})", 1001,
                    "input.project.name exceeds max length of 20 bytes");
        assertError(d.port, "MaelstromService.PutProject", R"({"project":{"name":"p","components":[]}})", 1001,
                    "input.project.components array cannot be empty");
    }

    void testPaginationAndBatch() {
        Daemon d;
        for (int i = 0; i < 12; ++i) {
            char name[16];
            std::snprintf(name, sizeof name, "c%02d", i);
            result(rpc(d.port, "MaelstromService.PutComponent", component(name)));
        }
        auto first = result(rpc(d.port, "MaelstromService.ListComponents", R"({"limit":5})"));
        CPPUNIT_ASSERT_EQUAL(5u, static_cast<unsigned>(first->getArray("components")->size()));
        CPPUNIT_ASSERT_EQUAL(std::string("c00"),
                             first->getArray("components")->getObject(0)->getValue<std::string>("name"));
        const std::string token = first->getValue<std::string>("nextToken");
        auto second =
            result(rpc(d.port, "MaelstromService.ListComponents", R"({"limit":5,"nextToken":")" + token + "\"}"));
        CPPUNIT_ASSERT_EQUAL(std::string("c05"),
                             second->getArray("components")->getObject(0)->getValue<std::string>("name"));
        auto clamped = result(rpc(d.port, "MaelstromService.ListComponents", R"({"limit":5000})"));
        CPPUNIT_ASSERT_EQUAL(12u, static_cast<unsigned>(clamped->getArray("components")->size()));
        CPPUNIT_ASSERT(!clamped->has("nextToken"));
        auto prefixed = result(rpc(d.port, "MaelstromService.ListComponents", R"({"namePrefix":"C1"})"));
        CPPUNIT_ASSERT_EQUAL(2u, static_cast<unsigned>(prefixed->getArray("components")->size()));

        const auto batch = post(
            d.port, R"([{"jsonrpc":"2.0","id":"a","method":"MaelstromService.GetComponent","params":[{"name":"c03"}]},
            {"jsonrpc":"2.0","id":"b","method":"MaelstromService.GetComponent","params":[{"name":"missing"}]},
            {"jsonrpc":"2.0","id":"c","method":"MaelstromService.ListProjects","params":[{}]}])");
        auto array = codec::parse(batch.body).extract<Poco::JSON::Array::Ptr>();
        CPPUNIT_ASSERT_EQUAL(3u, static_cast<unsigned>(array->size()));
        CPPUNIT_ASSERT_EQUAL(std::string("a"), array->getObject(0)->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(1003, errorCode(array->getObject(1)));
        CPPUNIT_ASSERT_EQUAL(std::string("c"), array->getObject(2)->getValue<std::string>("id"));
        CPPUNIT_ASSERT_EQUAL(std::string("[]"), post(d.port, "[]").body);
    }

    void testUnicodeAndNull() {
        Daemon d;
        const std::string input =
            R"({"component":{"name":"uni","environment":[{"name":"GREETING","value":"héllo 中文 😀"}],
            "maxConcurrency":1,"version":0,"projectName":null,"docker":{"image":"img","httpPort":80,"httpHealthCheckPath":"/",
            "command":null,"volumes":null}}})";
        result(rpc(d.port, "MaelstromService.PutComponent", input));
        const auto reply = post(
            d.port, R"({"jsonrpc":"2.0","id":"u","method":"MaelstromService.GetComponent","params":[{"name":"uni"}]})");
        CPPUNIT_ASSERT_MESSAGE(reply.body, reply.body.find("héllo 中文 😀") != std::string::npos);
        CPPUNIT_ASSERT(reply.body.find("\\U") == std::string::npos);
        // Names are ASCII only.
        assertError(d.port, "MaelstromService.PutComponent", component("café"), 1001,
                    "input.name is invalid (only alpha-numeric chars, _ - are valid)");
    }

    void testPutProjectDiff() {
        Daemon d;
        auto added = result(rpc(d.port, "MaelstromService.PutProject", kProject));
        CPPUNIT_ASSERT_EQUAL(std::string("shop"), added->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(2u, static_cast<unsigned>(added->getArray("componentsAdded")->size()));
        CPPUNIT_ASSERT_EQUAL(std::string("shop_api"),
                             added->getArray("componentsAdded")->getObject(0)->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(2u, static_cast<unsigned>(added->getArray("eventSourcesAdded")->size()));
        auto comp =
            result(rpc(d.port, "MaelstromService.GetComponent", R"({"name":"shop_api"})"))->getObject("component");
        CPPUNIT_ASSERT_EQUAL(std::string("shop"), comp->getValue<std::string>("projectName"));

        // Same project again: no changes.
        auto same = result(rpc(d.port, "MaelstromService.PutProject", kProject));
        CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(same->getArray("componentsUpdated")->size()));
        CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(same->getArray("eventSourcesUpdated")->size()));

        // A disabled event source is not reported as updated, and stays disabled.
        result(rpc(d.port, "MaelstromService.ToggleEventSources", R"({"enabled":false,"namePrefix":"shop_pub"})"));
        auto again = result(rpc(d.port, "MaelstromService.PutProject", kProject));
        CPPUNIT_ASSERT_EQUAL(0u, static_cast<unsigned>(again->getArray("eventSourcesUpdated")->size()));

        // diffOnly reports without writing; then apply: api's image changes, worker goes, tick moves to api.
        const std::string changed = R"({"project":{"name":"shop","components":[
  {"component":{"name":"api","environment":[{"name":"A","value":"1"}],"maxConcurrency":2,"version":0,
     "docker":{"image":"acme/api:2","httpPort":8080,"httpHealthCheckPath":"/health"}},
   "eventSources":[{"eventSource":{"name":"public","componentName":"api","version":0,"modifiedAt":0,
       "http":{"hostname":"api.example.com","pathPrefix":"/v1"}},"enabled":true},
     {"eventSource":{"name":"tick","componentName":"api","version":0,"modifiedAt":0,
       "cron":{"schedule":"@every 1m","http":{"method":"GET","path":"/tick"}}},"enabled":true}]}]}})";
        auto diff = result(
            rpc(d.port, "MaelstromService.PutProject", changed.substr(0, changed.size() - 1) + R"(,"diffOnly":true})"));
        CPPUNIT_ASSERT_EQUAL(1u, static_cast<unsigned>(diff->getArray("componentsUpdated")->size()));
        CPPUNIT_ASSERT_EQUAL(std::string("shop_worker"),
                             diff->getArray("componentsRemoved")->getElement<std::string>(0));
        CPPUNIT_ASSERT_EQUAL(1u, static_cast<unsigned>(diff->getArray("eventSourcesUpdated")->size()));
        CPPUNIT_ASSERT_EQUAL(1, result(rpc(d.port, "MaelstromService.GetComponent", R"({"name":"shop_api"})"))
                                    ->getObject("component")
                                    ->getValue<int>("version"));
        auto applied = result(rpc(d.port, "MaelstromService.PutProject", changed));
        CPPUNIT_ASSERT_EQUAL(1u, static_cast<unsigned>(applied->getArray("componentsRemoved")->size()));
        auto tickNow =
            result(rpc(d.port, "MaelstromService.GetEventSource", R"({"name":"shop_tick"})"))->getObject("eventSource");
        CPPUNIT_ASSERT_EQUAL(std::string("shop_api"), tickNow->getValue<std::string>("componentName"));
        assertError(d.port, "MaelstromService.GetComponent", R"({"name":"shop_worker"})", 1003,
                    "No Component found with name: shop_worker");
        auto projects = result(rpc(d.port, "MaelstromService.ListProjects", "{}"))->getArray("projects");
        CPPUNIT_ASSERT_EQUAL(1u, static_cast<unsigned>(projects->size()));
        CPPUNIT_ASSERT_EQUAL(1, projects->getObject(0)->getValue<int>("componentCount"));
        CPPUNIT_ASSERT_EQUAL(2, projects->getObject(0)->getValue<int>("eventSourceCount"));
        auto removed = result(rpc(d.port, "MaelstromService.RemoveProject", R"({"name":"SHOP"})"));
        CPPUNIT_ASSERT(removed->getValue<bool>("found"));
        assertError(d.port, "MaelstromService.GetProject", R"({"name":"shop"})", 1003,
                    "No Project found with name: shop");
    }

    void testAuthentication() {
        Daemon d("s3cret");
        CPPUNIT_ASSERT_EQUAL(
            401, post(d.port, R"({"jsonrpc":"2.0","id":"a","method":"MaelstromService.ListProjects","params":[{}]})")
                     .status);
        CPPUNIT_ASSERT_EQUAL(401, post(d.port, "{}", "Bearer wrong").status);
        CPPUNIT_ASSERT_EQUAL(0, errorCode(rpc(d.port, "MaelstromService.ListProjects", "{}", "Bearer s3cret")));
        CPPUNIT_ASSERT_EQUAL(200, httpGetStatus(d.port, "/_mael_health_check"));
        auto noToken =
            runProcess({(binDir() / "maelctl").string(), "project", "ls"}, {{"MAELSTROM_PRIVATE_URL", d.url()}});
        CPPUNIT_ASSERT_EQUAL(1, noToken.exitCode);
        CPPUNIT_ASSERT_MESSAGE(noToken.out, noToken.out.find("MAELSTROM_PRIVATE_TOKEN") != std::string::npos);
        auto withToken = runProcess({(binDir() / "maelctl").string(), "project", "ls"},
                                    {{"MAELSTROM_PRIVATE_URL", d.url()}, {"MAELSTROM_PRIVATE_TOKEN", "s3cret"}});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(withToken.out, 0, withToken.exitCode);
        CPPUNIT_ASSERT_EQUAL(std::string("No projects found\n"), withToken.out);
    }

    void testMaelctlEndToEnd() {
        Daemon d;
        const std::map<std::string, std::string> env = {{"MAELSTROM_PRIVATE_URL", d.url()}};
        auto maelctl = [&](std::vector<std::string> args) {
            args.insert(args.begin(), (binDir() / "maelctl").string());
            return runProcess(args, env);
        };
        const std::string file = (sourceDir() / "etc/maelstrom.yml").string();
        auto put = maelctl({"project", "put", "--file=" + file});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(put.out + put.err, 0, put.exitCode);
        CPPUNIT_ASSERT_MESSAGE(put.out, put.out.find("Project saved: hello from file: " + file) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(put.out, put.out.find("Component    hello_web") != std::string::npos);
        auto again = maelctl({"project", "put", "--file", file});
        CPPUNIT_ASSERT_EQUAL(0, again.exitCode);
        CPPUNIT_ASSERT_EQUAL("PutProject: No project changes detected for project: hello using file: " + file,
                             again.out);
        auto ls = maelctl({"project", "ls"});
        CPPUNIT_ASSERT_MESSAGE(ls.out, ls.out.find("hello ") != std::string::npos);
        auto es = maelctl({"es", "ls"});
        CPPUNIT_ASSERT_MESSAGE(es.out, es.out.find("hello_web") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(es.out, es.out.find("hello.localhost") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(es.out, es.out.find("Enabled") != std::string::npos);
        auto disable = maelctl({"es", "disable", "--project=hello"});
        CPPUNIT_ASSERT_MESSAGE(disable.out, disable.out.find("hello_web") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(maelctl({"es", "ls"}).out,
                               maelctl({"es", "ls"}).out.find("Disabled") != std::string::npos);
        auto json = maelctl({"comp", "ls", "--output=json"});
        CPPUNIT_ASSERT_EQUAL(0, json.exitCode);
        CPPUNIT_ASSERT(codec::parse(json.out).type() == typeid(Poco::JSON::Array::Ptr));
        auto nodes = maelctl({"cluster", "nodes"});
        CPPUNIT_ASSERT_MESSAGE(nodes.out, nodes.out.find("Node ID") != std::string::npos);
        auto rm = maelctl({"project", "rm", "hello"});
        CPPUNIT_ASSERT_EQUAL(std::string("Project removed: hello\n"), rm.out);
        CPPUNIT_ASSERT_EQUAL(std::string("No projects found\n"), maelctl({"project", "ls"}).out);

        // Error paths: a bad file, a daemon that is not there.
        TempDir tmp;
        const auto bad = tmp.write("bad.yml", "name: x\ncomponents:\n  a:\n    image: [\n");
        auto badPut = maelctl({"project", "put", "--file=" + bad.string()});
        CPPUNIT_ASSERT_EQUAL(1, badPut.exitCode);
        CPPUNIT_ASSERT_MESSAGE(badPut.out,
                               badPut.out.find("ERROR: Unable to load project YAML file") != std::string::npos);
        auto down = runProcess({(binDir() / "maelctl").string(), "comp", "ls"},
                               {{"MAELSTROM_PRIVATE_URL", "http://127.0.0.1:" + std::to_string(freePort())}});
        CPPUNIT_ASSERT_EQUAL(1, down.exitCode);
        CPPUNIT_ASSERT_MESSAGE(down.out, down.out.find("MAELSTROM_PRIVATE_URL") != std::string::npos);
    }

    void testCertLs() {
        auto maelctl = [](const Daemon& d, std::vector<std::string> args) {
            args.insert(args.begin(), (binDir() / "maelctl").string());
            return runProcess(args, {{"MAELSTROM_PRIVATE_URL", d.url()}});
        };
        const auto help = runProcess({(binDir() / "maelctl").string(), "--help"});
        CPPUNIT_ASSERT_MESSAGE(help.out, help.out.find("maelctl cert ls [--output=table|json]") != std::string::npos);
        {
            Daemon plain; // no TLS, no records: a line saying how to get certificates
            const auto table = maelctl(plain, {"cert", "ls"});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(table.out + table.err, 0, table.exitCode);
            CPPUNIT_ASSERT_MESSAGE(table.out, table.out.rfind("No certificates found: ", 0) == 0);
            CPPUNIT_ASSERT_MESSAGE(table.out, table.out.find("MAEL_TLS_CERT_FILE") != std::string::npos);
            CPPUNIT_ASSERT_EQUAL(std::string("[]\n"), maelctl(plain, {"cert", "ls", "--output=json"}).out);
        }

        // A node with a static certificate (two DNS names), made here with openssl.
        TempDir certs;
        const std::string cert = (certs.path() / "cert.pem").string();
        const std::string key = (certs.path() / "key.pem").string();
        const auto made =
            runProcess({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "30", "-subj", "/O=Cert Ls Test/CN=static.example.org",
                        "-addext", "subjectAltName=DNS:static.example.org,DNS:www.static.example.org"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(made.out + made.err, 0, made.exitCode);
        Daemon d("", {{"MAEL_TLS_CERT_FILE", cert}, {"MAEL_TLS_KEY_FILE", key}, {"MAEL_PUBLIC_HTTPS_PORT", "0"}});

        // ACME state as the cluster keeps it: records written through the sqlite plugin into the daemon's file.
        sdk::RawSettings settings;
        settings.scalars["path"] = d.databasePath().string();
        const auto database = maelstrom::testing::db::createDatabase(pluginDir(), "sqlite", settings);
        const std::int64_t now = std::time(nullptr);
        const std::int64_t notAfter = now + 89 * 86400 + 600;
        database->putTlsRecord({"certificate", "app.example.org",
                                R"({"hostname":"app.example.org","chainPem":"-","keySealed":"v1:-",)"
                                R"("issuer":"CN=Pebble Intermediate CA 5ab1,O=Pebble","notBefore":)" +
                                    std::to_string(now - 3600) + R"(,"notAfter":)" + std::to_string(notAfter) +
                                    R"(,"issuedAt":)" + std::to_string(now - 3600) +
                                    R"(,"lastAttemptAt":0,"lastError":"","failures":0,"nextAttemptAt":0})",
                                0});
        database->putTlsRecord(
            {"certificate", "new.example.org",
             R"({"hostname":"new.example.org","chainPem":"","keySealed":"","issuer":"","notBefore":0,"notAfter":0,)"
             R"("issuedAt":0,"lastAttemptAt":0,"lastError":"rateLimited: too many certificates","failures":2,)"
             R"("nextAttemptAt":)" +
                 std::to_string(now + 3 * 3600 + 600) + "}",
             0});
        database->putTlsRecord({"acme-challenge", "token-not-listed", "{}", 0});
        database->shutdown();

        const auto table = maelctl(d, {"cert", "ls"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(table.out + table.err, 0, table.exitCode);
        const auto line = [&](const std::string& hostname) {
            const auto at = table.out.find("\n" + hostname + " ");
            CPPUNIT_ASSERT_MESSAGE(hostname + " in\n" + table.out, at != std::string::npos);
            return table.out.substr(at + 1, table.out.find('\n', at + 1) - at - 1);
        };
        CPPUNIT_ASSERT_MESSAGE(table.out, table.out.rfind("Hostname ", 0) == 0);
        for (const char* part : {" acme ", "Pebble Intermediate CA 5", "in 89 days", "1 hour ago"}) {
            CPPUNIT_ASSERT_MESSAGE(line("app.example.org"), line("app.example.org").find(part) != std::string::npos);
        }
        for (const char* part : {" acme ", "not issued yet",
                                 "rateLimited: too many certificates (next attempt 3 hours "
                                 "from now)"}) {
            CPPUNIT_ASSERT_MESSAGE(line("new.example.org"), line("new.example.org").find(part) != std::string::npos);
        }
        for (const char* hostname : {"static.example.org", "www.static.example.org"}) {
            for (const char* part : {" file ", "static.example.org", "(file)"}) {
                CPPUNIT_ASSERT_MESSAGE(line(hostname), line(hostname).find(part) != std::string::npos);
            }
            // 30 days from when openssl made it, counted in whole days: 30 within the same second, else 29
            CPPUNIT_ASSERT_MESSAGE(line(hostname), line(hostname).find("in 29 days") != std::string::npos ||
                                                       line(hostname).find("in 30 days") != std::string::npos);
        }
        CPPUNIT_ASSERT_MESSAGE(table.out, table.out.find("token-not-listed") == std::string::npos);

        const auto json = maelctl(d, {"cert", "ls", "--output=json"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(json.out + json.err, 0, json.exitCode);
        const auto rows = codec::parse(json.out).extract<Poco::JSON::Array::Ptr>();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(json.out, std::size_t(4), rows->size());
        const auto app = rows->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("app.example.org"), app->getValue<std::string>("hostname"));
        CPPUNIT_ASSERT_EQUAL(std::string("acme"), app->getValue<std::string>("source"));
        CPPUNIT_ASSERT_EQUAL(std::string("CN=Pebble Intermediate CA 5ab1,O=Pebble"),
                             app->getValue<std::string>("issuer"));
        CPPUNIT_ASSERT_EQUAL(notAfter, app->getValue<std::int64_t>("notAfter"));
        CPPUNIT_ASSERT_EQUAL(now - 3600, app->getValue<std::int64_t>("issuedAt"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), app->getValue<std::string>("lastError"));
        const auto pending = rows->getObject(1);
        CPPUNIT_ASSERT_EQUAL(std::string("new.example.org"), pending->getValue<std::string>("hostname"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), pending->getValue<std::int64_t>("notAfter"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), pending->getValue<std::int64_t>("failures"));
        CPPUNIT_ASSERT_EQUAL(now + 3 * 3600 + 600, pending->getValue<std::int64_t>("nextAttemptAt"));
        const auto file = rows->getObject(2);
        CPPUNIT_ASSERT_EQUAL(std::string("static.example.org"), file->getValue<std::string>("hostname"));
        CPPUNIT_ASSERT_EQUAL(std::string("file"), file->getValue<std::string>("source"));
        const std::int64_t fileNotAfter = file->getValue<std::int64_t>("notAfter");
        CPPUNIT_ASSERT_MESSAGE(json.out, fileNotAfter > now + 29 * 86400 && fileNotAfter <= now + 30 * 86400 + 60);
        CPPUNIT_ASSERT_EQUAL(std::string("www.static.example.org"),
                             rows->getObject(3)->getValue<std::string>("hostname"));

        // No daemon at the URL: one error line and what to do next.
        const auto down = runProcess({(binDir() / "maelctl").string(), "cert", "ls"},
                                     {{"MAELSTROM_PRIVATE_URL", "http://127.0.0.1:" + std::to_string(freePort())}});
        CPPUNIT_ASSERT_EQUAL(1, down.exitCode);
        CPPUNIT_ASSERT_MESSAGE(down.out, down.out.rfind("ERROR: ListCertificates failed", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(down.out, down.out.find("\nNext: ") != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ControlPlaneTest);
