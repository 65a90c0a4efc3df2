// context_test.cpp — aws: AwsContext — region order, endpoint overrides, the signed request on the wire, retries
// with backoff (5xx, 429, throttling; not other 4xx), abort() ending a request stuck on a silent server, and the
// error-code reading of XML and JSON answers.
// SPDX-License-Identifier: Apache-2.0
#include "aws/context.h"
#include "aws/error.h"

#include "local_server.h"
#include "test_support.h"

#include <cppunit/extensions/HelperMacros.h>

#include <future>
#include <thread>

using namespace maelstrom::aws;
using namespace std::chrono_literals;
using maelstrom::testing::TempDir;
using maelstrom::testing::aws::always;
using maelstrom::testing::aws::CannedResponse;
using maelstrom::testing::aws::LocalServer;
using maelstrom::testing::aws::RecordedRequest;

namespace {

const Credentials kTestCredentials{"AKIDTEST", "testsecret", "", std::nullopt};

// A context that signs with fixed keys, in us-east-1, and retries fast (1-4 ms) so retry tests take no time.
std::shared_ptr<AwsContext> testContext(std::map<std::string, std::string> env = {}) {
    env.emplace("AWS_REGION", "us-east-1");
    env.emplace("HOME", "/nonexistent-home");
    AwsContextOptions options;
    options.credentials = std::make_shared<StaticCredentialsProvider>(kTestCredentials);
    options.retry = {4, 1ms, 4ms};
    options.seed = 42;
    return AwsContext::create(mapEnvironment(std::move(env)), std::move(options));
}

SignableRequest post(const std::string& body) {
    return {"POST", "/", {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, body};
}

std::string xmlError(const std::string& code) {
    return "<ErrorResponse><Error><Type>Sender</Type><Code>" + code +
           "</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>";
}

} // namespace

class AwsContextTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AwsContextTest);
    CPPUNIT_TEST(testRegionOrder);
    CPPUNIT_TEST(testNoRegion);
    CPPUNIT_TEST(testEndpointOverrides);
    CPPUNIT_TEST(testCreateDoesNoLookups);
    CPPUNIT_TEST(testSignedRequestOnTheWire);
    CPPUNIT_TEST(testSessionTokenIsSent);
    CPPUNIT_TEST(testBaseUrlPaths);
    CPPUNIT_TEST(testRetriesServerErrorsThenSucceeds);
    CPPUNIT_TEST(testGivesUpAfterFourAttempts);
    CPPUNIT_TEST(testRetriesThrottling);
    CPPUNIT_TEST(testDoesNotRetryClientErrors);
    CPPUNIT_TEST(testNetworkErrorIsRetriedThenThrown);
    CPPUNIT_TEST(testBackoffIsJitteredAndBounded);
    CPPUNIT_TEST(testAbortUnblocksAStuckRequest);
    CPPUNIT_TEST(testTimeout);
    CPPUNIT_TEST(testErrorCodeOf);
    CPPUNIT_TEST(testParseUrl);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRegionOrder() {
        TempDir dir;
        const auto config = dir.write("config", "[default]\nregion = eu-central-1\n[profile p]\nregion = sa-east-1\n");
        std::map<std::string, std::string> env{
            {"AWS_CONFIG_FILE", config.string()}, {"AWS_REGION", "us-west-1"}, {"AWS_DEFAULT_REGION", "us-west-2"}};
        CPPUNIT_ASSERT_EQUAL(std::string("us-west-1"), AwsContext::create(mapEnvironment(env))->region());
        env.erase("AWS_REGION");
        CPPUNIT_ASSERT_EQUAL(std::string("us-west-2"), AwsContext::create(mapEnvironment(env))->region());
        env["AWS_REGION"] = ""; // empty is unset
        CPPUNIT_ASSERT_EQUAL(std::string("us-west-2"), AwsContext::create(mapEnvironment(env))->region());
        env.erase("AWS_DEFAULT_REGION");
        CPPUNIT_ASSERT_EQUAL(std::string("eu-central-1"), AwsContext::create(mapEnvironment(env))->region());
        env["AWS_PROFILE"] = "p";
        CPPUNIT_ASSERT_EQUAL(std::string("sa-east-1"), AwsContext::create(mapEnvironment(env))->region());
    }

    void testNoRegion() {
        const auto context = AwsContext::create(mapEnvironment({{"HOME", "/nonexistent-home"}}));
        try {
            context->region();
            CPPUNIT_FAIL("a region from nowhere");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("NoRegion"), e.code());
        }
    }

    void testEndpointOverrides() {
        std::map<std::string, std::string> env{{"AWS_REGION", "eu-west-1"},
                                               {"AWS_ENDPOINT_URL", "http://127.0.0.1:4566/"},
                                               {"AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324"}};
        auto context = AwsContext::create(mapEnvironment(env));
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:9324"), context->endpoint("sqs", "SQS"));
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:4566"), context->endpoint("states", "SFN"));
        env.erase("AWS_ENDPOINT_URL");
        context = AwsContext::create(mapEnvironment(env));
        CPPUNIT_ASSERT_EQUAL(std::string("https://states.eu-west-1.amazonaws.com"), context->endpoint("states", "SFN"));
        CPPUNIT_ASSERT_EQUAL(std::string("https://autoscaling.eu-west-1.amazonaws.com"),
                             context->endpoint("autoscaling", "AUTO_SCALING"));
        env["AWS_ENDPOINT_URL_AUTO_SCALING"] = "http://127.0.0.1:9325";
        env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "false";
        context = AwsContext::create(mapEnvironment(env));
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:9325"), context->endpoint("autoscaling", "AUTO_SCALING"));
        env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
        context = AwsContext::create(mapEnvironment(env));
        CPPUNIT_ASSERT_EQUAL(std::string("https://sqs.eu-west-1.amazonaws.com"), context->endpoint("sqs", "SQS"));
        env = {{"AWS_REGION", "cn-north-1"}};
        CPPUNIT_ASSERT_EQUAL(std::string("https://sqs.cn-north-1.amazonaws.com.cn"),
                             AwsContext::create(mapEnvironment(env))->endpoint("sqs", "SQS"));
    }

    void testCreateDoesNoLookups() {
        // Nothing is looked up before it is needed: an environment that records what is asked.
        auto asked = std::make_shared<std::vector<std::string>>();
        const auto context = AwsContext::create([asked](const std::string& name) -> std::optional<std::string> {
            asked->push_back(name);
            return std::nullopt;
        });
        CPPUNIT_ASSERT(asked->empty());
        CPPUNIT_ASSERT(!context->aborted());
    }

    void testSignedRequestOnTheWire() {
        LocalServer server(always({200, "<ok/>"}));
        const auto context = testContext();
        const auto response = context->send(server.url(), post("Action=ListQueues"), "sqs", 5s);
        CPPUNIT_ASSERT_EQUAL(200, response.status);
        CPPUNIT_ASSERT_EQUAL(std::string("<ok/>"), response.body);
        const auto requests = server.requests();
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, requests.size());
        const auto& r = requests[0];
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), r.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/"), r.uri);
        CPPUNIT_ASSERT_EQUAL(std::string("Action=ListQueues"), r.body);
        CPPUNIT_ASSERT_EQUAL("127.0.0.1:" + std::to_string(server.port()), *r.header("Host"));
        CPPUNIT_ASSERT(r.header("X-Amz-Date"));
        CPPUNIT_ASSERT(!r.header("X-Amz-Security-Token"));
        const auto authorization = *r.header("Authorization");
        const auto scope = r.header("X-Amz-Date")->substr(0, 8) + "/us-east-1/sqs/aws4_request";
        CPPUNIT_ASSERT_MESSAGE(authorization,
                               authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDTEST/" + scope +
                                                       ", SignedHeaders=content-type;host;x-amz-date, Signature=",
                                                   0) == 0);
        // The server can verify it: the same signature from what arrived.
        SignableRequest received{r.method, r.uri, {}, r.body};
        for (const auto& name : {"Content-Type", "Host", "X-Amz-Date"}) {
            received.headers.emplace_back(name, *r.header(name));
        }
        const auto date = *r.header("X-Amz-Date");
        const auto expected = signature(signingKey("testsecret", date.substr(0, 8), "us-east-1", "sqs"),
                                        stringToSign(canonicalRequest(received).text, date, scope));
        CPPUNIT_ASSERT_EQUAL(expected, authorization.substr(authorization.rfind('=') + 1));
    }

    void testSessionTokenIsSent() {
        LocalServer server(always({200, "{}"}));
        AwsContextOptions options;
        options.credentials = std::make_shared<StaticCredentialsProvider>(
            Credentials{"ASIATEMP", "s", "the-session-token", std::chrono::system_clock::now() + 1h});
        const auto context = AwsContext::create(mapEnvironment({{"AWS_REGION", "eu-west-1"}}), options);
        context->send(server.url(), post(""), "states", 5s);
        const auto r = server.requests().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("the-session-token"), *r.header("X-Amz-Security-Token"));
        CPPUNIT_ASSERT(r.header("Authorization")->find("x-amz-security-token") != std::string::npos);
        CPPUNIT_ASSERT(r.header("Authorization")->find("/eu-west-1/states/aws4_request") != std::string::npos);
    }

    void testBaseUrlPaths() {
        LocalServer server(always({200, ""}));
        const auto context = testContext();
        context->send(server.url() + "/123456789012/my-queue", {"POST", "", {}, "x"}, "sqs", 5s);
        context->send(server.url() + "/prefix/", {"POST", "/", {}, "x"}, "sqs", 5s);
        context->send(server.url(), {"GET", "", {}, ""}, "", 5s);
        const auto requests = server.requests();
        CPPUNIT_ASSERT_EQUAL(std::string("/123456789012/my-queue"), requests.at(0).uri);
        CPPUNIT_ASSERT_EQUAL(std::string("/prefix/"), requests.at(1).uri);
        CPPUNIT_ASSERT_EQUAL(std::string("/"), requests.at(2).uri);
        CPPUNIT_ASSERT(!requests.at(2).header("Authorization")); // no signing service: not signed
    }

    void testRetriesServerErrorsThenSucceeds() {
        auto attempts = std::make_shared<std::atomic<int>>(0);
        LocalServer server([attempts](const RecordedRequest&) {
            const int n = ++*attempts;
            return n == 1   ? CannedResponse{500, "internal"}
                   : n == 2 ? CannedResponse{503, ""}
                            : CannedResponse{200, "ok"};
        });
        const auto response = testContext()->send(server.url(), post("a=1"), "sqs", 5s);
        CPPUNIT_ASSERT_EQUAL(200, response.status);
        CPPUNIT_ASSERT_EQUAL(3, attempts->load());
        // Each attempt signed afresh, all with the same body.
        for (const auto& r : server.requests()) {
            CPPUNIT_ASSERT_EQUAL(std::string("a=1"), r.body);
            CPPUNIT_ASSERT(r.header("Authorization"));
        }
    }

    void testGivesUpAfterFourAttempts() {
        LocalServer server(always({503, xmlError("ServiceUnavailable")}));
        const auto response = testContext()->send(server.url(), post(""), "sqs", 5s);
        CPPUNIT_ASSERT_EQUAL(503, response.status); // the last answer, for the caller to turn into an error
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, server.requestCount());
    }

    void testRetriesThrottling() {
        LocalServer throttled(always({400, xmlError("Throttling")}));
        testContext()->send(throttled.url(), post(""), "sqs", 5s);
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, throttled.requestCount());
        LocalServer json(always({400, R"({"__type":"com.amazonaws.swf.base.model#ThrottlingException"})"}));
        testContext()->send(json.url(), post(""), "states", 5s);
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, json.requestCount());
        LocalServer sqs(always({403, xmlError("AWS.SimpleQueueService.RequestThrottled")}));
        testContext()->send(sqs.url(), post(""), "sqs", 5s);
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, sqs.requestCount());
        LocalServer tooMany(always({429, ""}));
        testContext()->send(tooMany.url(), post(""), "sqs", 5s);
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, tooMany.requestCount());
    }

    void testDoesNotRetryClientErrors() {
        LocalServer server(always({400, xmlError("InvalidParameterValue")}));
        const auto response = testContext()->send(server.url(), post(""), "sqs", 5s);
        CPPUNIT_ASSERT_EQUAL(400, response.status);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, server.requestCount());
        LocalServer notFound(always({404, ""}));
        testContext()->send(notFound.url(), post(""), "sqs", 5s);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, notFound.requestCount());
    }

    void testNetworkErrorIsRetriedThenThrown() {
        const auto url = "http://127.0.0.1:" + std::to_string(maelstrom::testing::freePort());
        try {
            testContext()->send(url, post(""), "sqs", 2s);
            CPPUNIT_FAIL("an answer from a closed port");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("Network"), e.code());
            CPPUNIT_ASSERT(e.retryable());
            CPPUNIT_ASSERT_EQUAL(0, e.httpStatus());
        }
    }

    void testBackoffIsJitteredAndBounded() {
        // Base 40 ms, cap 80 ms: the three sleeps before attempts 2-4 are each a pick below 40, 80 and 80 ms (the cap
        // holds), so the whole call stays far below what uncapped or unjittered doubling from a larger base would take.
        LocalServer server(always({500, ""}));
        AwsContextOptions options;
        options.credentials = std::make_shared<StaticCredentialsProvider>(kTestCredentials);
        options.retry = {4, 40ms, 80ms};
        options.seed = 7;
        const auto context = AwsContext::create(mapEnvironment({{"AWS_REGION", "us-east-1"}}), options);
        const auto start = std::chrono::steady_clock::now();
        context->send(server.url(), post(""), "sqs", 5s);
        const auto elapsed = std::chrono::steady_clock::now() - start;
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, server.requestCount());
        CPPUNIT_ASSERT_MESSAGE(std::to_string(elapsed.count()), elapsed < 1500ms);
    }

    void testAbortUnblocksAStuckRequest() {
        LocalServer server(always(CannedResponse::silence()));
        const auto context = testContext();
        auto pending = std::async(std::launch::async, [&] {
            const auto start = std::chrono::steady_clock::now();
            try {
                context->send(server.url(), post("Action=ReceiveMessage"), "sqs", 30s);
                return std::make_pair(std::string("answered"), std::chrono::steady_clock::now() - start);
            } catch (const AwsError& e) {
                return std::make_pair(e.code(), std::chrono::steady_clock::now() - start);
            }
        });
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil([&] { return server.requestCount() == 1; }, 5s));
        std::this_thread::sleep_for(100ms);
        context->abort();
        CPPUNIT_ASSERT(pending.wait_for(1s) == std::future_status::ready);
        const auto [code, elapsed] = pending.get();
        CPPUNIT_ASSERT_EQUAL(std::string("Aborted"), code);
        CPPUNIT_ASSERT(elapsed < 2s);
        CPPUNIT_ASSERT(context->aborted());
        // Later calls fail at once, without a request.
        try {
            context->send(server.url(), post(""), "sqs", 30s);
            CPPUNIT_FAIL("a call after abort()");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("Aborted"), e.code());
            CPPUNIT_ASSERT(!e.retryable());
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, server.requestCount());
    }

    void testTimeout() {
        LocalServer server(always(CannedResponse::silence()));
        AwsContextOptions options;
        options.credentials = std::make_shared<StaticCredentialsProvider>(kTestCredentials);
        options.retry = {1, 1ms, 1ms};
        const auto context = AwsContext::create(mapEnvironment({{"AWS_REGION", "us-east-1"}}), options);
        const auto start = std::chrono::steady_clock::now();
        try {
            context->send(server.url(), post(""), "sqs", 300ms);
            CPPUNIT_FAIL("an answer from a silent server");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("Timeout"), e.code());
            CPPUNIT_ASSERT(e.retryable());
        }
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - start < 3s);
    }

    void testErrorCodeOf() {
        CPPUNIT_ASSERT_EQUAL(std::string("AWS.SimpleQueueService.NonExistentQueue"),
                             errorCodeOf(xmlError("AWS.SimpleQueueService.NonExistentQueue")));
        CPPUNIT_ASSERT_EQUAL(std::string("ValidationError"),
                             errorCodeOf("<ErrorResponse xmlns=\"https://autoscaling.amazonaws.com/doc/2011-01-01/\">"
                                         "<Error><Code>ValidationError</Code></Error></ErrorResponse>"));
        CPPUNIT_ASSERT_EQUAL(std::string("TaskTimedOut"),
                             errorCodeOf(R"({"__type":"com.amazonaws.swf.service.v2.model#TaskTimedOut"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("ActivityDoesNotExist"), errorCodeOf(R"({"__type":"ActivityDoesNotExist"})"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), errorCodeOf("not an error"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), errorCodeOf("<broken"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), errorCodeOf("{}"));
        CPPUNIT_ASSERT(isThrottlingCode("ThrottlingException"));
        CPPUNIT_ASSERT(isThrottlingCode("AWS.SimpleQueueService.RequestThrottled"));
        CPPUNIT_ASSERT(!isThrottlingCode("AWS.SimpleQueueService.NonExistentQueue"));
    }

    void testParseUrl() {
        auto url = parseUrl("https://sqs.us-east-1.amazonaws.com/123/q");
        CPPUNIT_ASSERT_EQUAL(std::string("https"), url.scheme);
        CPPUNIT_ASSERT_EQUAL(std::string("sqs.us-east-1.amazonaws.com"), url.host);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t{443}, url.port);
        CPPUNIT_ASSERT_EQUAL(std::string("/123/q"), url.path);
        CPPUNIT_ASSERT_EQUAL(std::string("sqs.us-east-1.amazonaws.com"), url.hostHeader());
        url = parseUrl("HTTP://[::1]:9324");
        CPPUNIT_ASSERT_EQUAL(std::string("http"), url.scheme);
        CPPUNIT_ASSERT_EQUAL(std::string("::1"), url.host);
        CPPUNIT_ASSERT_EQUAL(std::string("[::1]:9324"), url.hostHeader());
        CPPUNIT_ASSERT_EQUAL(std::string(""), url.path);
        CPPUNIT_ASSERT_EQUAL(std::string("localhost"), parseUrl("http://localhost:80").hostHeader());
        for (const auto* bad :
             {"sqs.amazonaws.com", "ftp://x", "http://", "http://h:0", "http://h:99999", "http://h:x"}) {
            try {
                parseUrl(bad);
                CPPUNIT_FAIL(std::string("accepted ") + bad);
            } catch (const AwsError& e) {
                CPPUNIT_ASSERT_EQUAL(std::string("InvalidEndpoint"), e.code());
            }
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AwsContextTest);
