// json_rpc_server_test.cpp — pins the server side of the jsonrpc-http wire format (the original's
// barrister envelope) by feeding raw bodies to handle(): success envelopes, every envelope error (-32700 syntax,
// numeric/bool ids, non-string method, -32601/-32602 params checks), dispatcher errors (1001..1004, SDK
// errors, plain exceptions → -32000), barrister-idl, batches (order, [], unparseable, bad elements), unicode
// (valid UTF-8 out, no \U escapes, Go's \U escapes in), null members, the body size and nesting limits.
// SPDX-License-Identifier: Apache-2.0
#include "json_rpc_server.h"
#include "test_dispatcher.h"

#include <maelstrom/sdk/rpc_transport.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cppunit/extensions/HelperMacros.h>

#include <set>
#include <string>

using maelstrom::plugins::jsonrpc_http::JsonRpcServer;
using maelstrom::plugins::jsonrpc_http::ServerLimits;
using maelstrom::testing::rpc::hasUpperUEscape;
using maelstrom::testing::rpc::parseJson;
using maelstrom::testing::rpc::TestDispatcher;
using maelstrom::testing::rpc::validUtf8;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

struct Reply {
    int status = 0;
    std::string contentType;
    std::string body;
    Var json;
};

Object::Ptr asObject(const Var& v) {
    CPPUNIT_ASSERT_MESSAGE("expected a JSON object", !v.isEmpty() && v.type() == typeid(Object::Ptr));
    return v.extract<Object::Ptr>();
}

Array::Ptr asArray(const Var& v) {
    CPPUNIT_ASSERT_MESSAGE("expected a JSON array", !v.isEmpty() && v.type() == typeid(Array::Ptr));
    return v.extract<Array::Ptr>();
}

/// One response object: exactly jsonrpc "2.0", a string id, and result xor error{code,message}.
void checkShape(const Var& response) {
    const auto o = asObject(response);
    std::set<std::string> keys;
    for (const auto& [k, v] : *o)
        keys.insert(k);
    const bool isError = keys.count("error") == 1;
    const std::set<std::string> expected =
        isError ? std::set<std::string>{"jsonrpc", "id", "error"} : std::set<std::string>{"jsonrpc", "id", "result"};
    CPPUNIT_ASSERT(keys == expected);
    CPPUNIT_ASSERT_EQUAL(std::string("2.0"), o->getValue<std::string>("jsonrpc"));
    CPPUNIT_ASSERT(o->get("id").type() == typeid(std::string));
    if (isError) {
        const auto e = o->getObject("error");
        CPPUNIT_ASSERT(e);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), e->size());
        CPPUNIT_ASSERT(e->get("code").isInteger());
        CPPUNIT_ASSERT(e->get("message").type() == typeid(std::string));
    }
}

Reply post(const std::string& body, TestDispatcher& dispatcher, ServerLimits limits = {}) {
    const JsonRpcServer server(limits);
    maelstrom::sdk::RpcHttpRequest request{"POST", "/_mael/v1", {{"Content-Type", "application/json"}}, body};
    const auto response = server.handle(request, dispatcher);
    Reply reply;
    reply.status = response.status;
    for (const auto& h : response.headers) {
        if (h.name == "Content-Type")
            reply.contentType = h.value;
    }
    reply.body = response.body;
    CPPUNIT_ASSERT_MESSAGE("response body is not valid UTF-8", validUtf8(reply.body));
    CPPUNIT_ASSERT_MESSAGE("response has a \\U escape", !hasUpperUEscape(reply.body));
    reply.json = parseJson(reply.body);
    if (!reply.json.isEmpty() && reply.json.type() == typeid(Array::Ptr)) {
        const auto items = asArray(reply.json);
        for (std::size_t i = 0; i < items->size(); ++i)
            checkShape(items->get(static_cast<unsigned>(i)));
    } else {
        checkShape(reply.json);
    }
    return reply;
}

Reply post(const std::string& body) {
    TestDispatcher dispatcher;
    return post(body, dispatcher);
}

std::string idOf(const Var& r) { return asObject(r)->getValue<std::string>("id"); }
bool isError(const Var& r) { return asObject(r)->has("error"); }
int codeOf(const Var& r) {
    CPPUNIT_ASSERT_MESSAGE("expected an error response", isError(r));
    return asObject(r)->getObject("error")->getValue<int>("code");
}
std::string messageOf(const Var& r) { return asObject(r)->getObject("error")->getValue<std::string>("message"); }
Var resultOf(const Var& r) {
    CPPUNIT_ASSERT_MESSAGE("expected a result response", !isError(r));
    return asObject(r)->get("result");
}
bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string request(const std::string& id, const std::string& method, const std::string& params) {
    return R"({"jsonrpc":"2.0","id":")" + id + R"(","method":")" + method + R"(","params":)" + params + "}";
}

} // namespace

class JsonRpcServerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(JsonRpcServerTest);
    CPPUNIT_TEST(testSuccessEnvelope);
    CPPUNIT_TEST(testResultEmbeddedAsIs);
    CPPUNIT_TEST(testSyntaxErrors);
    CPPUNIT_TEST(testNonObjectBodies);
    CPPUNIT_TEST(testIdMustBeString);
    CPPUNIT_TEST(testMissingAndNullId);
    CPPUNIT_TEST(testMethodAndJsonrpcTypes);
    CPPUNIT_TEST(testParamsCount);
    CPPUNIT_TEST(testUnknownMethod);
    CPPUNIT_TEST(testServiceErrorCodes);
    CPPUNIT_TEST(testUnknownExceptions);
    CPPUNIT_TEST(testBarristerIdl);
    CPPUNIT_TEST(testBatchInOrder);
    CPPUNIT_TEST(testEmptyBatch);
    CPPUNIT_TEST(testBatchErrors);
    CPPUNIT_TEST(testBatchDetection);
    CPPUNIT_TEST(testUnicodeRoundTrip);
    CPPUNIT_TEST(testGoUnicodeEscapesInRequest);
    CPPUNIT_TEST(testInvalidUtf8IsRepaired);
    CPPUNIT_TEST(testNullMembers);
    CPPUNIT_TEST(testBodySizeLimit);
    CPPUNIT_TEST(testBigBodyWithinDefaultLimit);
    CPPUNIT_TEST(testNestingLimit);
    CPPUNIT_TEST(testHugeNestingDoesNotCrash);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSuccessEnvelope() {
        TestDispatcher d;
        const auto r = post(request("abc", "MaelstromService.GetComponent", R"([{"name":"x"}])"), d);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), r.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"jsonrpc":"2.0","id":"abc","result":{"name":"x"}})"), r.body);
        const auto calls = d.calls();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), calls.size());
        CPPUNIT_ASSERT_EQUAL(std::string("MaelstromService.GetComponent"), calls[0].first);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"name":"x"})"), calls[0].second);
    }

    // The dispatcher's text goes out byte for byte (no re-parse): member order and spacing kept. The input
    // reaches the dispatcher re-written by the codec (compact, keys sorted).
    void testResultEmbeddedAsIs() {
        TestDispatcher d;
        auto r = post(request("1", "Test.Spaced", R"([ { "z" : 1, "a" : [ ] } ])"), d);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"jsonrpc":"2.0","id":"1","result":{ "z" : 1, "a" : [ ] }})"), r.body);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":[],"z":1})"), d.calls().at(0).second);
    }

    void testSyntaxErrors() {
        for (const std::string body : {"", "   ", "{", R"({"jsonrpc":"2.0",)", "{\"id\":\"a\"} x", "{'id':1}",
                                       R"({"id":"a" "method":"b"})", "nul", "GET / HTTP/1.1"}) {
            TestDispatcher d;
            const auto r = post(body, d);
            CPPUNIT_ASSERT_EQUAL(200, r.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, -32700, codeOf(r.json));
            CPPUNIT_ASSERT_EQUAL(std::string(""), idOf(r.json));
            CPPUNIT_ASSERT_MESSAGE(messageOf(r.json), startsWith(messageOf(r.json), "Unable to parse JSON: "));
            CPPUNIT_ASSERT(d.calls().empty());
        }
    }

    // Go's decoder cannot put a number or a string into barrister's request struct; `null` decodes to an
    // empty request (and the empty method is unknown).
    void testNonObjectBodies() {
        for (const std::string body : {"42", R"("text")", "true"}) {
            const auto r = post(body);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, -32700, codeOf(r.json));
        }
        const auto r = post("null");
        CPPUNIT_ASSERT_EQUAL(-32601, codeOf(r.json));
        CPPUNIT_ASSERT_EQUAL(std::string("Unsupported method: "), messageOf(r.json));
    }

    void testIdMustBeString() {
        for (const std::string id : {"7", "7.5", "true", "{}", "[\"a\"]"}) {
            TestDispatcher d;
            const auto r =
                post(R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"NodeService.GetStatus","params":[{}]})", d);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(id, -32700, codeOf(r.json));
            CPPUNIT_ASSERT_EQUAL(std::string(""), idOf(r.json));
            CPPUNIT_ASSERT_MESSAGE(messageOf(r.json), messageOf(r.json).find("\"id\"") != std::string::npos);
            CPPUNIT_ASSERT(d.calls().empty());
        }
    }

    void testMissingAndNullId() {
        auto r = post(R"({"jsonrpc":"2.0","method":"NodeService.GetStatus","params":[{}]})");
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"jsonrpc":"2.0","id":"","result":{}})"), r.body);
        r = post(R"({"jsonrpc":"2.0","id":null,"method":"NodeService.GetStatus","params":[{}]})");
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"jsonrpc":"2.0","id":"","result":{}})"), r.body);
        // ids are echoed through the JSON string writer
        r = post(R"({"id":"q\"\\\u00e9\n","method":"NodeService.GetStatus","params":[{}]})");
        CPPUNIT_ASSERT_EQUAL(std::string("q\"\\\xC3\xA9\n"), idOf(r.json));
    }

    void testMethodAndJsonrpcTypes() {
        auto r = post(R"({"id":"m","method":5,"params":[{}]})");
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(r.json));
        CPPUNIT_ASSERT(messageOf(r.json).find("\"method\"") != std::string::npos);
        r = post(R"({"id":"m","method":["a"],"params":[{}]})");
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(r.json));
        r = post(R"({"jsonrpc":2,"id":"m","method":"NodeService.GetStatus","params":[{}]})");
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(r.json));
        // jsonrpc is not checked otherwise
        r = post(R"({"jsonrpc":"1.0","id":"m","method":"NodeService.GetStatus","params":[{}]})");
        CPPUNIT_ASSERT(!isError(r.json));
        r = post(R"({"id":"m","method":"NodeService.GetStatus","params":[{}]})");
        CPPUNIT_ASSERT(!isError(r.json));
        // missing / null method: the empty method is unknown
        r = post(R"({"id":"m","params":[{}]})");
        CPPUNIT_ASSERT_EQUAL(-32601, codeOf(r.json));
        CPPUNIT_ASSERT_EQUAL(std::string("m"), idOf(r.json));
        r = post(R"({"id":"m","method":null,"params":[]})");
        CPPUNIT_ASSERT_EQUAL(std::string("Unsupported method: "), messageOf(r.json));
        // Go's decoder matches member names ignoring case when there is no exact match
        r = post(R"({"ID":"c","Method":"NodeService.GetStatus","PARAMS":[{"k":1}]})");
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"jsonrpc":"2.0","id":"c","result":{"k":1}})"), r.body);
    }

    void testParamsCount() {
        const std::string m = "MaelstromService.PutComponent";
        const std::pair<std::string, int> cases[] = {
            {R"(,"params":[])", 0},
            {R"(,"params":[{},{}])", 2},
            {R"(,"params":{"a":1})", 0},
            {R"(,"params":null)", 0},
            {"", 0},
            {R"(,"params":"x")", 0},
            {R"(,"params":[1,2,3])", 3},
        };
        for (const auto& [params, n] : cases) {
            TestDispatcher d;
            const auto r = post(R"({"jsonrpc":"2.0","id":"p","method":")" + m + "\"" + params + "}", d);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(params, -32602, codeOf(r.json));
            CPPUNIT_ASSERT_EQUAL("Method " + m + " expects 1 params but was passed " + std::to_string(n),
                                 messageOf(r.json));
            CPPUNIT_ASSERT_EQUAL(std::string("p"), idOf(r.json));
            CPPUNIT_ASSERT(d.calls().empty());
        }
        // one element of any type goes to the dispatcher (its input decoding rejects what is not an object)
        TestDispatcher d;
        const auto r = post(request("p", m, "[null]"), d);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), d.calls().size());
        CPPUNIT_ASSERT_EQUAL(std::string("null"), d.calls()[0].second);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"jsonrpc":"2.0","id":"p","result":null})"), r.body);
    }

    // Unknown methods: -32601 from the dispatcher; with malformed params too (barrister looks the method up
    // before it counts params), decided by the IDL's method list.
    void testUnknownMethod() {
        TestDispatcher d;
        auto r = post(request("u", "MaelstromService.Nope", "[{}]"), d);
        CPPUNIT_ASSERT_EQUAL(-32601, codeOf(r.json));
        CPPUNIT_ASSERT_EQUAL(std::string("Unsupported method: MaelstromService.Nope"), messageOf(r.json));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), d.calls().size());
        TestDispatcher d2;
        r = post(request("u", "maelstromservice.getcomponent", "[]"), d2);
        CPPUNIT_ASSERT_EQUAL(-32601, codeOf(r.json));
        CPPUNIT_ASSERT_EQUAL(std::string("Unsupported method: maelstromservice.getcomponent"), messageOf(r.json));
        CPPUNIT_ASSERT(d2.calls().empty());
    }

    void testServiceErrorCodes() {
        for (const int code : {1001, 1002, 1003, 1004, -32001, -32602}) {
            const auto r = post(request("e", "Test.Fail" + std::to_string(code), "[{}]"));
            CPPUNIT_ASSERT_EQUAL(code, codeOf(r.json));
            CPPUNIT_ASSERT_EQUAL("failure " + std::to_string(code), messageOf(r.json));
            CPPUNIT_ASSERT_EQUAL(std::string("e"), idOf(r.json));
            CPPUNIT_ASSERT_EQUAL(200, r.status);
        }
        auto r = post(request("e", "Test.NotFound", "[{}]"));
        CPPUNIT_ASSERT_EQUAL(1003, codeOf(r.json));
        CPPUNIT_ASSERT_EQUAL(std::string("No Component found with name: x"), messageOf(r.json));
        r = post(request("e", "Test.Invalid", "[{}]"));
        CPPUNIT_ASSERT_EQUAL(1001, codeOf(r.json));
        // exact wire text of an error
        r = post(request("e", "Test.Fail1004", "[{}]"));
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"jsonrpc":"2.0","id":"e","error":{"code":1004,"message":"failure 1004"}})"), r.body);
    }

    void testUnknownExceptions() {
        auto r = post(request("x", "Test.Crash", "[{}]"));
        CPPUNIT_ASSERT_EQUAL(-32000, codeOf(r.json));
        CPPUNIT_ASSERT_EQUAL(std::string("barrister: method 'Test.Crash' raised unknown error: boom"),
                             messageOf(r.json));
        r = post(request("x", "Test.Int", "[{}]"));
        CPPUNIT_ASSERT_EQUAL(-32000, codeOf(r.json));
        r = post(request("x", "Test.Empty", "[{}]"));
        CPPUNIT_ASSERT_EQUAL(-32000, codeOf(r.json));
    }

    void testBarristerIdl() {
        TestDispatcher d;
        const auto r = post(R"({"jsonrpc":"2.0","id":"i","method":"barrister-idl"})", d);
        CPPUNIT_ASSERT(d.calls().empty());
        const auto elements = asArray(resultOf(r.json));
        CPPUNIT_ASSERT(elements->size() > 40);
        std::set<std::string> functions;
        for (std::size_t i = 0; i < elements->size(); ++i) {
            const auto e = elements->getObject(static_cast<unsigned>(i));
            for (const char* key : {"type", "name", "comment", "value", "extends", "fields", "values", "functions",
                                    "barrister_version", "date_generated", "checksum"}) {
                CPPUNIT_ASSERT_MESSAGE(key, e->has(key));
            }
            if (e->getValue<std::string>("type") == "interface") {
                const auto fns = e->getArray("functions");
                for (std::size_t k = 0; k < fns->size(); ++k) {
                    functions.insert(e->getValue<std::string>("name") + "." +
                                     fns->getObject(static_cast<unsigned>(k))->getValue<std::string>("name"));
                }
            }
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(20), functions.size());
        CPPUNIT_ASSERT(functions.count("MaelstromService.GetComponent") == 1);
        CPPUNIT_ASSERT(functions.count("NodeService.StartStopComponents") == 1);
        const auto meta = elements->getObject(static_cast<unsigned>(elements->size() - 1));
        CPPUNIT_ASSERT_EQUAL(std::string("meta"), meta->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("ff3c1e0cc7390860ea6df1005875c91d"), meta->getValue<std::string>("checksum"));
        CPPUNIT_ASSERT_EQUAL(std::string("0.1.6"), meta->getValue<std::string>("barrister_version"));
    }

    void testBatchInOrder() {
        TestDispatcher d;
        const std::string body = "  [" + request("1", "NodeService.GetStatus", R"([{"n":1}])") + "," +
                                 request("2", "Test.Fail1003", "[{}]") + "," +
                                 request("3", "MaelstromService.GetComponent", R"([{"n":3}])") + "," +
                                 request("4", "MaelstromService.GetComponent", "[]") + "," +
                                 R"({"id":"5","method":"barrister-idl"})" + "]";
        const auto r = post(body, d);
        const auto items = asArray(r.json);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), items->size());
        for (std::size_t i = 0; i < 5; ++i) {
            CPPUNIT_ASSERT_EQUAL(std::to_string(i + 1), idOf(items->get(static_cast<unsigned>(i))));
        }
        CPPUNIT_ASSERT_EQUAL(1, asObject(resultOf(items->get(0)))->getValue<int>("n"));
        CPPUNIT_ASSERT_EQUAL(1003, codeOf(items->get(1)));
        CPPUNIT_ASSERT_EQUAL(3, asObject(resultOf(items->get(2)))->getValue<int>("n"));
        CPPUNIT_ASSERT_EQUAL(-32602, codeOf(items->get(3)));
        CPPUNIT_ASSERT(!isError(items->get(4)));
        const auto calls = d.calls(); // sequential, in order
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), calls.size());
        CPPUNIT_ASSERT_EQUAL(std::string("NodeService.GetStatus"), calls[0].first);
        CPPUNIT_ASSERT_EQUAL(std::string("Test.Fail1003"), calls[1].first);
        CPPUNIT_ASSERT_EQUAL(std::string("MaelstromService.GetComponent"), calls[2].first);
    }

    void testEmptyBatch() {
        CPPUNIT_ASSERT_EQUAL(std::string("[]"), post("[]").body);
        CPPUNIT_ASSERT_EQUAL(std::string("[]"), post(" \n[ ]\n").body);
    }

    // A batch that does not decode as a whole is answered with one -32700 error (id "") in an array, and no
    // element runs.
    void testBatchErrors() {
        for (const std::string body :
             {"[", "[{]", R"([{"id":"a","method":"NodeService.GetStatus","params":[{}]},])",
              R"([{"id":"a","method":"NodeService.GetStatus","params":[{}]},{"id":2,"method":"x"}])", "[1]",
              R"([{"id":"a","method":"NodeService.GetStatus","params":[{}]},"x"])", "[[]]", R"([{"method":7}])"}) {
            TestDispatcher d;
            const auto r = post(body, d);
            const auto items = asArray(r.json);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, std::size_t(1), items->size());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, -32700, codeOf(items->get(0)));
            CPPUNIT_ASSERT_EQUAL(std::string(""), idOf(items->get(0)));
            CPPUNIT_ASSERT_MESSAGE(body, d.calls().empty());
        }
        // a null element decodes to an empty request
        const auto r = post(R"([null,{"id":"b","method":"NodeService.GetStatus","params":[{}]}])");
        const auto items = asArray(r.json);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), items->size());
        CPPUNIT_ASSERT_EQUAL(-32601, codeOf(items->get(0)));
        CPPUNIT_ASSERT(!isError(items->get(1)));
    }

    // barrister's byte scan: the first '[' before the first '{' means batch, wherever it is.
    void testBatchDetection() {
        auto r = post(R"("[" {})");
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(asArray(r.json)->get(0)));
        r = post(R"({"id":"[","method":"NodeService.GetStatus","params":[{}]})");
        CPPUNIT_ASSERT(!isError(r.json));
        r = post("17 [");
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(asArray(r.json)->get(0)));
        r = post("17");
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(r.json));
    }

    void testUnicodeRoundTrip() {
        TestDispatcher d;
        const std::string name = "\xE5\x90\x8D\xE5\x89\x8D \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC";
        auto r = post(request("\xC3\xBC", "MaelstromService.GetComponent",
                              R"([{"name":")" + name + R"(","esc":"\u00e9\ud83d\ude00"}])"),
                      d);
        CPPUNIT_ASSERT_EQUAL(std::string("\xC3\xBC"), idOf(r.json));
        const auto result = asObject(resultOf(r.json));
        CPPUNIT_ASSERT_EQUAL(name, result->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("\xC3\xA9\xF0\x9F\x98\x80"), result->getValue<std::string>("esc"));
        CPPUNIT_ASSERT(r.body.find(name) != std::string::npos); // raw UTF-8, not escaped
        r = post(request("u", "Test.Unicode", "[{}]"));
        CPPUNIT_ASSERT_EQUAL(std::string("\xE5\x90\x8D\xE5\x89\x8D-\xC3\xBC\x6E\xC3\xAF-\xF0\x9F\x98\x80-\x07"),
                             asObject(resultOf(r.json))->getValue<std::string>("name"));
        // error messages carrying unicode stay valid UTF-8
        r = post(request("u", "Nope.\xE2\x82\xAC", "[{}]"));
        CPPUNIT_ASSERT_EQUAL(std::string("Unsupported method: Nope.\xE2\x82\xAC"), messageOf(r.json));
    }

    // Go maelctl writes code points >= U+0800 as \UXXXXXXXX: read them.
    void testGoUnicodeEscapesInRequest() {
        TestDispatcher d;
        const auto r = post(
            R"({"jsonrpc":"2.0","id":"g","method":"MaelstromService.GetComponent","params":[{"name":"\U000065e5\u00e9\U0001f600","raw":"\\U00000041"}]})",
            d);
        const auto result = asObject(resultOf(r.json));
        CPPUNIT_ASSERT_EQUAL(std::string("\xE6\x97\xA5\xC3\xA9\xF0\x9F\x98\x80"),
                             result->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("\\U00000041"), result->getValue<std::string>("raw")); // escaped backslash
        // a \U without 8 hex digits is not JSON
        const auto bad = post(R"({"id":"g","method":"MaelstromService.GetComponent","params":[{"name":"\U12"}]})");
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(bad.json));
    }

    void testInvalidUtf8IsRepaired() {
        TestDispatcher d;
        const auto r =
            post(request("\xFF", "MaelstromService.GetComponent", "[{\"name\":\"a\xC3\x28z\xED\xA0\x80\"}]"), d);
        CPPUNIT_ASSERT_EQUAL(std::string("\xEF\xBF\xBD"), idOf(r.json));
        const std::string name = asObject(resultOf(r.json))->getValue<std::string>("name");
        CPPUNIT_ASSERT(validUtf8(name));
        CPPUNIT_ASSERT_EQUAL(std::string("a\xEF\xBF\xBD(z"), name.substr(0, 6));
        CPPUNIT_ASSERT(validUtf8(d.calls().at(0).second));
    }

    // null envelope members are absent; null fields of the input reach the dispatcher (whose decoding treats
    // them as absent) unchanged.
    void testNullMembers() {
        TestDispatcher d;
        const auto r = post(
            R"({"jsonrpc":null,"id":null,"method":"MaelstromService.PutComponent","params":[{"component":null,"x":[null]}]})",
            d);
        CPPUNIT_ASSERT_EQUAL(std::string(""), idOf(r.json));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"component":null,"x":[null]})"), d.calls().at(0).second);
    }

    void testBodySizeLimit() {
        ServerLimits limits;
        limits.maxBodyBytes = 200;
        std::string body = request("s", "MaelstromService.GetComponent", R"([{"name":")");
        body += std::string(200 - body.size() - 4, 'a') + "\"}]}";
        CPPUNIT_ASSERT_EQUAL(std::size_t(200), body.size());
        TestDispatcher d;
        auto r = post(body, d, limits);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(!isError(r.json));
        body.insert(body.size() - 4, "a");
        r = post(body, d, limits);
        CPPUNIT_ASSERT_EQUAL(413, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), r.contentType);
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(r.json));
        CPPUNIT_ASSERT_MESSAGE(messageOf(r.json), messageOf(r.json).find("max_body_bytes") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(messageOf(r.json), messageOf(r.json).find("201") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), d.calls().size());
        // default: 8 MiB
        TestDispatcher d2;
        r = post(std::string(8 * 1024 * 1024 + 1, ' '), d2);
        CPPUNIT_ASSERT_EQUAL(413, r.status);
        CPPUNIT_ASSERT(messageOf(r.json).find("8388608") != std::string::npos);
    }

    void testBigBodyWithinDefaultLimit() {
        TestDispatcher d;
        const std::string big(6 * 1024 * 1024, 'x');
        const auto r = post(request("b", "MaelstromService.GetComponent", R"([{"name":")" + big + R"("}])"), d);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(big, asObject(resultOf(r.json))->getValue<std::string>("name"));
    }

    void testNestingLimit() {
        // the envelope object and params array are levels 1 and 2; the input adds the rest
        const auto nested = [](int levels) {
            return std::string(static_cast<std::size_t>(levels), '[') +
                   std::string(static_cast<std::size_t>(levels), ']');
        };
        TestDispatcher d;
        auto r = post(request("d", "MaelstromService.GetComponent", "[" + nested(62) + "]"), d);
        CPPUNIT_ASSERT(!isError(r.json)); // exactly 64 levels
        r = post(request("d", "MaelstromService.GetComponent", "[" + nested(63) + "]"), d);
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(r.json));
        CPPUNIT_ASSERT_MESSAGE(messageOf(r.json), messageOf(r.json).find("max_json_depth") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(messageOf(r.json), messageOf(r.json).find("64") != std::string::npos);
        // brackets inside strings do not count
        r = post(request("d", "MaelstromService.GetComponent", R"([{"name":")" + nested(100) + R"("}])"), d);
        CPPUNIT_ASSERT(!isError(r.json));
        // a configured limit
        ServerLimits limits;
        limits.maxJsonDepth = 8;
        r = post(request("d", "MaelstromService.GetComponent", "[" + nested(7) + "]"), d, limits);
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(r.json));
        CPPUNIT_ASSERT(messageOf(r.json).find(" 8 levels") != std::string::npos);
        // in a batch the error is an array
        r = post("[" + request("d", "MaelstromService.GetComponent", "[" + nested(70) + "]") + "]", d);
        CPPUNIT_ASSERT_EQUAL(-32700, codeOf(asArray(r.json)->get(0)));
    }

    void testHugeNestingDoesNotCrash() {
        for (const std::string& body : {std::string(200000, '['), "{\"a\":" + std::string(200000, '{'),
                                        std::string(100000, '[') + std::string(100000, ']')}) {
            const auto r = post(body);
            CPPUNIT_ASSERT_EQUAL(200, r.status);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonRpcServerTest);
