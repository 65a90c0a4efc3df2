// clients_test.cpp — aws: the SQS, Step Functions and Auto Scaling clients against a local server with canned
// answers — the request each call makes (action, parameters, headers, where it is posted) and how the answers and
// the error answers are read.
// SPDX-License-Identifier: Apache-2.0
#include "aws/autoscaling.h"
#include "aws/error.h"
#include "aws/sqs.h"
#include "aws/stepfunctions.h"

#include "local_server.h"
#include "test_support.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cppunit/extensions/HelperMacros.h>

using namespace maelstrom::aws;
using namespace std::chrono_literals;
using maelstrom::testing::aws::always;
using maelstrom::testing::aws::CannedResponse;
using maelstrom::testing::aws::LocalServer;
using maelstrom::testing::aws::RecordedRequest;

namespace {

std::shared_ptr<AwsContext> contextFor(const LocalServer& server) {
    AwsContextOptions options;
    options.credentials =
        std::make_shared<StaticCredentialsProvider>(Credentials{"AKIDTEST", "testsecret", "", std::nullopt});
    options.retry = {4, 1ms, 4ms};
    return AwsContext::create(mapEnvironment({{"AWS_REGION", "us-east-1"},
                                              {"HOME", "/nonexistent-home"},
                                              {"AWS_ENDPOINT_URL_SQS", server.url()},
                                              {"AWS_ENDPOINT_URL_SFN", server.url()},
                                              {"AWS_ENDPOINT_URL_AUTO_SCALING", server.url()}}),
                              options);
}

const std::string kSqsNs = R"( xmlns="http://queue.amazonaws.com/doc/2012-11-05/")";

std::string sqsError(const std::string& code, const std::string& message) {
    return "<?xml version=\"1.0\"?><ErrorResponse" + kSqsNs + "><Error><Type>Sender</Type><Code>" + code +
           "</Code><Message>" + message + "</Message><Detail/></Error><RequestId>req</RequestId></ErrorResponse>";
}

Poco::JSON::Object::Ptr json(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

} // namespace

class AwsClientsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AwsClientsTest);
    CPPUNIT_TEST(testSqsReceiveSeveralMessages);
    CPPUNIT_TEST(testSqsReceiveNothing);
    CPPUNIT_TEST(testSqsGetQueueUrl);
    CPPUNIT_TEST(testSqsNonExistentQueueIsNullopt);
    CPPUNIT_TEST(testSqsListQueuesSortedAndPaged);
    CPPUNIT_TEST(testSqsDeleteMessage);
    CPPUNIT_TEST(testSqsErrorXml);
    CPPUNIT_TEST(testSqsAbort);
    CPPUNIT_TEST(testStepFunctionsRequestShape);
    CPPUNIT_TEST(testStepFunctionsFindActivityFollowsNextToken);
    CPPUNIT_TEST(testStepFunctionsEmptyTaskTokenIsNullopt);
    CPPUNIT_TEST(testStepFunctionsTaskAndResults);
    CPPUNIT_TEST(testStepFunctionsErrors);
    CPPUNIT_TEST(testAutoScalingCompleteLifecycleAction);
    CPPUNIT_TEST(testAutoScalingError);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSqsReceiveSeveralMessages() {
        LocalServer server(always(
            {200, "<ReceiveMessageResponse" + kSqsNs +
                      "><ReceiveMessageResult>"
                      "<Message><MessageId>m-1</MessageId><ReceiptHandle>rh-1</ReceiptHandle>"
                      "<MD5OfBody>x</MD5OfBody><Body>{&quot;n&quot;:1}</Body></Message>"
                      "<Message><MessageId>m-2</MessageId><ReceiptHandle>rh-2</ReceiptHandle>"
                      "<Body><![CDATA[<two> & more]]></Body>"
                      "<Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute></Message>"
                      "<Message><MessageId>m-3</MessageId><ReceiptHandle>rh-3</ReceiptHandle><Body></Body></Message>"
                      "</ReceiveMessageResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
                      "</ReceiveMessageResponse>"}));
        SqsClient sqs(contextFor(server));
        const auto queue = server.url() + "/000000000000/jobs";
        const auto messages = sqs.receive(queue, 10, 30, 20);
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, messages.size());
        CPPUNIT_ASSERT_EQUAL(std::string("m-1"), messages[0].messageId);
        CPPUNIT_ASSERT_EQUAL(std::string("rh-1"), messages[0].receiptHandle);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"n\":1}"), messages[0].body);
        CPPUNIT_ASSERT_EQUAL(std::string("<two> & more"), messages[1].body);
        CPPUNIT_ASSERT_EQUAL(std::string("m-3"), messages[2].messageId);
        CPPUNIT_ASSERT_EQUAL(std::string(""), messages[2].body);

        const auto r = server.requests().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), r.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/000000000000/jobs"), r.uri); // posted to the queue URL itself
        CPPUNIT_ASSERT_EQUAL(std::string("application/x-www-form-urlencoded; charset=utf-8"),
                             *r.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("ReceiveMessage"), r.formValue("Action"));
        CPPUNIT_ASSERT_EQUAL(std::string("2012-11-05"), r.formValue("Version"));
        CPPUNIT_ASSERT_EQUAL(std::string("10"), r.formValue("MaxNumberOfMessages"));
        CPPUNIT_ASSERT_EQUAL(std::string("30"), r.formValue("VisibilityTimeout"));
        CPPUNIT_ASSERT_EQUAL(std::string("20"), r.formValue("WaitTimeSeconds"));
        CPPUNIT_ASSERT(r.header("Authorization")->find("/us-east-1/sqs/aws4_request") != std::string::npos);
    }

    void testSqsReceiveNothing() {
        LocalServer server(always({200, "<ReceiveMessageResponse" + kSqsNs +
                                            "><ReceiveMessageResult/><ResponseMetadata><RequestId>r</RequestId>"
                                            "</ResponseMetadata></ReceiveMessageResponse>"}));
        SqsClient sqs(contextFor(server));
        CPPUNIT_ASSERT(sqs.receive(server.url() + "/1/q", 1, 30, 0).empty());
    }

    void testSqsGetQueueUrl() {
        LocalServer server(always({200, "<GetQueueUrlResponse" + kSqsNs +
                                            "><GetQueueUrlResult><QueueUrl>http://127.0.0.1:1/000000000000/my-q"
                                            "</QueueUrl></GetQueueUrlResult></GetQueueUrlResponse>"}));
        SqsClient sqs(contextFor(server));
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:1/000000000000/my-q"), *sqs.queueUrl("my q"));
        const auto r = server.requests().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("/"), r.uri); // to the endpoint
        CPPUNIT_ASSERT_EQUAL(std::string("GetQueueUrl"), r.formValue("Action"));
        CPPUNIT_ASSERT_EQUAL(std::string("my q"), r.formValue("QueueName"));
        CPPUNIT_ASSERT(r.body.find("QueueName=my%20q") != std::string::npos);
    }

    void testSqsNonExistentQueueIsNullopt() {
        LocalServer server(
            always({400, sqsError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")}));
        SqsClient sqs(contextFor(server));
        CPPUNIT_ASSERT(!sqs.queueUrl("nope"));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, server.requestCount()); // not retried
    }

    void testSqsListQueuesSortedAndPaged() {
        LocalServer server([](const RecordedRequest& r) -> CannedResponse {
            if (r.formValue("NextToken").empty()) {
                return {200, "<ListQueuesResponse" + kSqsNs +
                                 "><ListQueuesResult><QueueUrl>http://h/1/jobs-c</QueueUrl>"
                                 "<QueueUrl>http://h/1/jobs-a</QueueUrl><NextToken>page2</NextToken>"
                                 "</ListQueuesResult></ListQueuesResponse>"};
            }
            return {200, "<ListQueuesResponse" + kSqsNs +
                             "><ListQueuesResult><QueueUrl>http://h/1/jobs-b</QueueUrl></ListQueuesResult>"
                             "</ListQueuesResponse>"};
        });
        SqsClient sqs(contextFor(server));
        const auto urls = sqs.listQueueUrls("jobs-");
        const std::vector<std::string> expected{"http://h/1/jobs-a", "http://h/1/jobs-b", "http://h/1/jobs-c"};
        CPPUNIT_ASSERT(expected == urls);
        const auto requests = server.requests();
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, requests.size());
        CPPUNIT_ASSERT_EQUAL(std::string("ListQueues"), requests[0].formValue("Action"));
        CPPUNIT_ASSERT_EQUAL(std::string("jobs-"), requests[0].formValue("QueueNamePrefix"));
        CPPUNIT_ASSERT_EQUAL(std::string("page2"), requests[1].formValue("NextToken"));

        LocalServer empty(always({200, "<ListQueuesResponse" + kSqsNs + "><ListQueuesResult/></ListQueuesResponse>"}));
        CPPUNIT_ASSERT(SqsClient(contextFor(empty)).listQueueUrls("").empty());
        CPPUNIT_ASSERT_EQUAL(std::string(""), empty.requests().at(0).formValue("QueueNamePrefix"));
    }

    void testSqsDeleteMessage() {
        LocalServer server(
            always({200, "<DeleteMessageResponse" + kSqsNs + "><ResponseMetadata/></DeleteMessageResponse>"}));
        SqsClient sqs(contextFor(server));
        sqs.deleteMessage(server.url() + "/1/q", "handle+/=");
        const auto r = server.requests().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("/1/q"), r.uri);
        CPPUNIT_ASSERT_EQUAL(std::string("DeleteMessage"), r.formValue("Action"));
        CPPUNIT_ASSERT_EQUAL(std::string("handle+/="), r.formValue("ReceiptHandle"));
        CPPUNIT_ASSERT(r.body.find("ReceiptHandle=handle%2B%2F%3D") != std::string::npos);
    }

    void testSqsErrorXml() {
        LocalServer server(always({403, sqsError("AccessDenied", "Access to the resource is denied.")}));
        SqsClient sqs(contextFor(server));
        try {
            sqs.receive(server.url() + "/1/q", 1, 30, 0);
            CPPUNIT_FAIL("no error");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("AccessDenied"), e.code());
            CPPUNIT_ASSERT_EQUAL(403, e.httpStatus());
            CPPUNIT_ASSERT(!e.retryable());
            CPPUNIT_ASSERT(std::string(e.what()).find("Access to the resource is denied.") != std::string::npos);
        }
        LocalServer broken(always({200, "<ReceiveMessageResponse><unclosed>"}));
        try {
            SqsClient(contextFor(broken)).receive(broken.url() + "/1/q", 1, 30, 0);
            CPPUNIT_FAIL("no error");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("InvalidResponse"), e.code());
        }
        LocalServer bare(always({502, "Bad Gateway"}));
        try {
            SqsClient(contextFor(bare)).deleteMessage(bare.url() + "/1/q", "h");
            CPPUNIT_FAIL("no error");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("Http"), e.code());
            CPPUNIT_ASSERT_EQUAL(502, e.httpStatus());
            CPPUNIT_ASSERT(e.retryable());
        }
    }

    void testSqsAbort() {
        LocalServer server(always(CannedResponse::silence()));
        SqsClient sqs(contextFor(server));
        std::thread aborter([&] {
            maelstrom::testing::waitUntil([&] { return server.requestCount() > 0; }, 5s);
            sqs.abort();
        });
        const auto start = std::chrono::steady_clock::now();
        try {
            sqs.receive(server.url() + "/1/q", 1, 30, 20);
            CPPUNIT_FAIL("no error");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("Aborted"), e.code());
        }
        aborter.join();
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - start < 5s);
    }

    void testStepFunctionsRequestShape() {
        LocalServer server(always({200, R"({"activityArn":"arn:aws:states:us-east-1:1:activity:work"})"}));
        StepFunctionsClient sfn(contextFor(server));
        CPPUNIT_ASSERT_EQUAL(std::string("arn:aws:states:us-east-1:1:activity:work"), sfn.createActivity("work"));
        const auto r = server.requests().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), r.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/"), r.uri);
        CPPUNIT_ASSERT_EQUAL(std::string("application/x-amz-json-1.0"), *r.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("AWSStepFunctions.CreateActivity"), *r.header("X-Amz-Target"));
        CPPUNIT_ASSERT_EQUAL(std::string("work"), json(r.body)->getValue<std::string>("name"));
        const auto authorization = *r.header("Authorization");
        CPPUNIT_ASSERT(authorization.find("/us-east-1/states/aws4_request") != std::string::npos);
        CPPUNIT_ASSERT(authorization.find("SignedHeaders=content-type;host;x-amz-date;x-amz-target") !=
                       std::string::npos);
    }

    void testStepFunctionsFindActivityFollowsNextToken() {
        LocalServer server([](const RecordedRequest& r) -> CannedResponse {
            const auto request = json(r.body);
            const auto token = request->optValue<std::string>("nextToken", "");
            if (token.empty()) {
                return {200, R"({"activities":[{"activityArn":"arn:a","name":"a"},{"activityArn":"arn:b","name":"b"}],)"
                             R"("nextToken":"t2"})"};
            }
            if (token == "t2") {
                return {200, R"({"activities":[{"activityArn":"arn:target","name":"target"}],"nextToken":"t3"})"};
            }
            return {200, R"({"activities":[]})"};
        });
        StepFunctionsClient sfn(contextFor(server));
        CPPUNIT_ASSERT_EQUAL(std::string("arn:target"), *sfn.findActivityArn("target"));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, server.requestCount()); // stops at the page that has it
        CPPUNIT_ASSERT(!sfn.findActivityArn("missing"));
        CPPUNIT_ASSERT_EQUAL(std::size_t{5}, server.requestCount()); // every page, then none
        for (const auto& r : server.requests()) {
            CPPUNIT_ASSERT_EQUAL(std::string("AWSStepFunctions.ListActivities"), *r.header("X-Amz-Target"));
        }
    }

    void testStepFunctionsEmptyTaskTokenIsNullopt() {
        LocalServer server(always({200, R"({"taskToken":""})"}));
        StepFunctionsClient sfn(contextFor(server));
        CPPUNIT_ASSERT(!sfn.getActivityTask("arn:activity", "node-1"));
        server.setHandler(always({200, "{}"}));
        CPPUNIT_ASSERT(!sfn.getActivityTask("arn:activity", "node-1"));
        const auto r = server.requests().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("AWSStepFunctions.GetActivityTask"), *r.header("X-Amz-Target"));
        CPPUNIT_ASSERT_EQUAL(std::string("arn:activity"), json(r.body)->getValue<std::string>("activityArn"));
        CPPUNIT_ASSERT_EQUAL(std::string("node-1"), json(r.body)->getValue<std::string>("workerName"));
    }

    void testStepFunctionsTaskAndResults() {
        LocalServer server(always({200, R"({"taskToken":"tok\/1","input":"{\"x\":[1,2]}"})"}));
        StepFunctionsClient sfn(contextFor(server));
        const auto task = sfn.getActivityTask("arn:activity", "w");
        CPPUNIT_ASSERT(task);
        CPPUNIT_ASSERT_EQUAL(std::string("tok/1"), task->taskToken);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"x\":[1,2]}"), task->input);

        server.setHandler(always({200, "{}"}));
        sfn.sendTaskSuccess("tok/1", R"({"done":true})");
        sfn.sendTaskFailure("tok/1", std::string(300, 'e'), "it \"broke\"");
        sfn.sendTaskHeartbeat("tok/1");
        const auto requests = server.requests();
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, requests.size());
        CPPUNIT_ASSERT_EQUAL(std::string("AWSStepFunctions.SendTaskSuccess"), *requests[1].header("X-Amz-Target"));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"done":true})"), json(requests[1].body)->getValue<std::string>("output"));
        CPPUNIT_ASSERT_EQUAL(std::string("tok/1"), json(requests[1].body)->getValue<std::string>("taskToken"));
        CPPUNIT_ASSERT_EQUAL(std::string("AWSStepFunctions.SendTaskFailure"), *requests[2].header("X-Amz-Target"));
        CPPUNIT_ASSERT_EQUAL(std::size_t{256}, json(requests[2].body)->getValue<std::string>("error").size());
        CPPUNIT_ASSERT_EQUAL(std::string("it \"broke\""), json(requests[2].body)->getValue<std::string>("cause"));
        CPPUNIT_ASSERT_EQUAL(std::string("AWSStepFunctions.SendTaskHeartbeat"), *requests[3].header("X-Amz-Target"));
    }

    void testStepFunctionsErrors() {
        LocalServer server(always(
            {400, R"({"__type":"com.amazonaws.swf.service.v2.model#TaskTimedOut","message":"Task Timed Out"})"}));
        StepFunctionsClient sfn(contextFor(server));
        try {
            sfn.sendTaskHeartbeat("gone");
            CPPUNIT_FAIL("no error");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("TaskTimedOut"), e.code());
            CPPUNIT_ASSERT_EQUAL(400, e.httpStatus());
            CPPUNIT_ASSERT(!e.retryable());
            CPPUNIT_ASSERT(std::string(e.what()).find("Task Timed Out") != std::string::npos);
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, server.requestCount());
        server.setHandler(always({400, R"({"__type":"TaskDoesNotExist","Message":"no such task"})"}));
        try {
            sfn.sendTaskSuccess("gone", "{}");
            CPPUNIT_FAIL("no error");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("TaskDoesNotExist"), e.code());
            CPPUNIT_ASSERT(std::string(e.what()).find("no such task") != std::string::npos);
        }
        server.setHandler(always({200, "[1]"}));
        try {
            sfn.createActivity("x");
            CPPUNIT_FAIL("no error");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("InvalidResponse"), e.code());
        }
    }

    void testAutoScalingCompleteLifecycleAction() {
        LocalServer server(always({200, "<CompleteLifecycleActionResponse "
                                        "xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
                                        "<CompleteLifecycleActionResult/><ResponseMetadata><RequestId>r</RequestId>"
                                        "</ResponseMetadata></CompleteLifecycleActionResponse>"}));
        AutoScalingClient autoscaling(contextFor(server));
        autoscaling.completeLifecycleAction("my-asg", "drain-hook", "tok-123", "i-0abc", "CONTINUE");
        const auto r = server.requests().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), r.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/"), r.uri);
        CPPUNIT_ASSERT_EQUAL(std::string("application/x-www-form-urlencoded; charset=utf-8"),
                             *r.header("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("Action=CompleteLifecycleAction&Version=2011-01-01&AutoScalingGroupName=my-asg&"
                        "LifecycleHookName=drain-hook&LifecycleActionToken=tok-123&InstanceId=i-0abc&"
                        "LifecycleActionResult=CONTINUE"),
            r.body);
        CPPUNIT_ASSERT(r.header("Authorization")->find("/us-east-1/autoscaling/aws4_request") != std::string::npos);
    }

    void testAutoScalingError() {
        LocalServer server(always({400, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
                                        "<Error><Type>Sender</Type><Code>ValidationError</Code>"
                                        "<Message>No active Lifecycle Action found</Message></Error>"
                                        "<RequestId>r</RequestId></ErrorResponse>"}));
        AutoScalingClient autoscaling(contextFor(server));
        try {
            autoscaling.completeLifecycleAction("g", "h", "", "i-1", "ABANDON");
            CPPUNIT_FAIL("no error");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("ValidationError"), e.code());
            CPPUNIT_ASSERT(std::string(e.what()).find("No active Lifecycle Action found") != std::string::npos);
        }
        const auto r = server.requests().at(0);
        CPPUNIT_ASSERT(r.body.find("LifecycleActionToken") == std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("ABANDON"), r.formValue("LifecycleActionResult"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AwsClientsTest);
