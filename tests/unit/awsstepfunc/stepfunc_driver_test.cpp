// stepfunc_driver_test.cpp — the awsstepfunc driver against a fake Step Functions service: activity lookup and
// creation, the request it sends and the result it reports (success, failure headers and their limits,
// fallbacks, no answer), heartbeats, one long poll per poller, sizing from the handler count, roles shared by two
// nodes, stopping, and staying idle without sources.
// SPDX-License-Identifier: Apache-2.0
#include "stepfunc_test_support.h"

#include <maelstrom/sdk/errors.h>

#include <cppunit/extensions/HelperMacros.h>

#include <thread>

using namespace std::chrono_literals;
using maelstrom::plugins::awsstepfunc::cutCharacters;
using maelstrom::plugins::awsstepfunc::isJson;
using maelstrom::plugins::awsstepfunc::outputJson;
using maelstrom::plugins::awsstepfunc::reportFor;
using maelstrom::plugins::awsstepfunc::TaskReport;
using maelstrom::sdk::InvokeRequest;
using maelstrom::sdk::InvokeResponse;
using namespace maelstrom::testing::stepfunc;

namespace {

InvokeResponse answer(int status, std::string body = {}, std::vector<maelstrom::sdk::NameValue> headers = {}) {
    InvokeResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
}

/// Runs one task through a one-node setup whose invoker answers with `handler`; returns its reports.
std::vector<Report> runOne(const std::string& input, ScriptedInvoker::Handler handler,
                           maelstrom::plugins::awsstepfunc::StepFuncSettings settings = fastSettings(),
                           std::vector<InvokeRequest>* requests = nullptr) {
    FakeCloud cloud;
    RoleTable roles;
    const auto arn = cloud.addActivity("act");
    Node node("n1", cloud, roles, settings);
    node.invoker->setHandler(std::move(handler));
    node.driver->update({stepSource("es", "act")});
    const auto token = cloud.addTask(arn, input);
    CPPUNIT_ASSERT(eventually([&] { return !cloud.reportsOf(token).empty(); }));
    if (requests) {
        *requests = node.invoker->requests();
    }
    return cloud.reportsOf(token);
}

} // namespace

class StepFuncDriverTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(StepFuncDriverTest);
    CPPUNIT_TEST(testJsonRecogniser);
    CPPUNIT_TEST(testCutCharacters);
    CPPUNIT_TEST(testReportFor);
    CPPUNIT_TEST(testExistingActivityIsLookedUp);
    CPPUNIT_TEST(testMissingActivityIsCreated);
    CPPUNIT_TEST(testActivityIsLookedUpAgainAtReload);
    CPPUNIT_TEST(testSuccessSendsTheResponseBody);
    CPPUNIT_TEST(testSuccessWrapsTextAsJsonString);
    CPPUNIT_TEST(testFailureWithHeaders);
    CPPUNIT_TEST(testFailureCutsLongHeaders);
    CPPUNIT_TEST(testFailureWithoutHeaders);
    CPPUNIT_TEST(testUnavailable);
    CPPUNIT_TEST(testHeartbeatsForALongInvocation);
    CPPUNIT_TEST(testNoHeartbeatForAShortInvocation);
    CPPUNIT_TEST(testTaskTimedOutStopsHeartbeats);
    CPPUNIT_TEST(testGetActivityTaskIsSerialisedPerPoller);
    CPPUNIT_TEST(testSizingFromHandlerCount);
    CPPUNIT_TEST(testTwoDriversPollDistinctRoles);
    CPPUNIT_TEST(testRolesSpreadEvenlyOverTwoNodes);
    CPPUNIT_TEST(testDisableStopsPollingPromptly);
    CPPUNIT_TEST(testTaskInProgressFinishesAfterDisable);
    CPPUNIT_TEST(testPollErrorsBackOffAndAreLoggedOnce);
    CPPUNIT_TEST(testIdleDriverNeverCallsTheFactory);
    CPPUNIT_TEST(testShutdownIsPrompt);
    CPPUNIT_TEST_SUITE_END();

public:
    void testJsonRecogniser() {
        for (const char* ok : {"{}", "[]", " {\"a\": [1, -2.5e+3, true, false, null, \"x\\u00e9\\n\"]} ", "0", "\"\"",
                               "-0.0", "{\"a\":{\"b\":{}}}", "\"caf\xC3\xA9\""}) {
            CPPUNIT_ASSERT_MESSAGE(ok, isJson(ok));
        }
        for (const char* bad :
             {"",    " ",   "{",      "{\"a\"}", "{a:1}",       "[1,]",  "01",  "1.",    ".5",    "+1",
              "tru", "nul", "\"\t\"", "\"\\x\"", "\"\\u12g4\"", "{} {}", "'x'", "hello", "[1] x", "1e"}) {
            CPPUNIT_ASSERT_MESSAGE(bad, !isJson(bad));
        }
        CPPUNIT_ASSERT(!isJson(std::string(600, '[') + std::string(600, ']'))); // too deep: text
        CPPUNIT_ASSERT(isJson(std::string(100, '[') + std::string(100, ']')));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":1}"), outputJson("{\"a\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("\"ok\""), outputJson("ok"));
        CPPUNIT_ASSERT_EQUAL(std::string("\"\""), outputJson(""));
        CPPUNIT_ASSERT_EQUAL(std::string("\"a \\\"b\\\"\\n\""), outputJson("a \"b\"\n"));
        // Not UTF-8: text, repaired.
        CPPUNIT_ASSERT_EQUAL(std::string("\"\\\"\xEF\xBF\xBD\\\"\""), outputJson("\"\xFF\""));
    }

    void testCutCharacters() {
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), cutCharacters("abcdef", 3));
        CPPUNIT_ASSERT_EQUAL(std::string("ab"), cutCharacters("ab", 3));
        CPPUNIT_ASSERT_EQUAL(std::string("\xC3\xA9\xC3\xA9"), cutCharacters("\xC3\xA9\xC3\xA9\xC3\xA9", 2));
        CPPUNIT_ASSERT_EQUAL(std::string("\xF0\x9F\x98\x80x"), cutCharacters("\xF0\x9F\x98\x80xyz", 2));
        CPPUNIT_ASSERT_EQUAL(std::string("\xFF"
                                         "a"),
                             cutCharacters("\xFF"
                                           "ab",
                                           2));
    }

    void testReportFor() {
        CPPUNIT_ASSERT(reportFor(answer(200, "[1,2]")) == (TaskReport{true, "[1,2]", {}, {}}));
        CPPUNIT_ASSERT(reportFor(answer(200, "plain")) == (TaskReport{true, "\"plain\"", {}, {}}));
        CPPUNIT_ASSERT(reportFor(answer(200)) == (TaskReport{true, "\"\"", {}, {}}));
        auto truncated = answer(200, "{\"a\":");
        truncated.bodyTruncated = true;
        const auto cut = reportFor(truncated);
        CPPUNIT_ASSERT(!cut.success);
        CPPUNIT_ASSERT_EQUAL(std::string("maelstrom_output_too_large"), cut.error);
        CPPUNIT_ASSERT(reportFor(answer(201, "{}")) ==
                       (TaskReport{false, {}, "maelstrom_201", "maelstrom error: status 201"}));
        CPPUNIT_ASSERT(reportFor(answer(500, "", {{"Step-Func-Error", "E1"}, {"STEP-FUNC-CAUSE", "C1"}})) ==
                       (TaskReport{false, {}, "E1", "C1"}));
        CPPUNIT_ASSERT(reportFor(answer(400, "", {{"step-func-error", ""}, {"step-func-cause", "why"}})) ==
                       (TaskReport{false, {}, "maelstrom_400", "why"}));
    }

    void testExistingActivityIsLookedUp() {
        FakeCloud cloud;
        RoleTable roles;
        const auto arn = cloud.addActivity("act");
        Node node("n1", cloud, roles, fastSettings());
        node.driver->update({stepSource("es", "act")});
        CPPUNIT_ASSERT(eventually([&] { return cloud.pollsOn(arn) > 0; }));
        CPPUNIT_ASSERT_EQUAL(0, cloud.createCalls());
        CPPUNIT_ASSERT(cloud.listCalls() >= 1);
        CPPUNIT_ASSERT(cloud.workerNames() == std::set<std::string>{"n1/aws-stepfunc-es-0-1"});
    }

    void testMissingActivityIsCreated() {
        FakeCloud cloud;
        RoleTable roles;
        Node node("n1", cloud, roles, fastSettings());
        node.driver->update({stepSource("es", "fresh")});
        CPPUNIT_ASSERT(eventually([&] { return cloud.arnOf("fresh") && cloud.pollsOn(*cloud.arnOf("fresh")) > 0; }));
        CPPUNIT_ASSERT_EQUAL(1, cloud.createCalls());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("created the activity"));
    }

    void testActivityIsLookedUpAgainAtReload() {
        FakeCloud cloud;
        RoleTable roles;
        const auto first = cloud.addActivity("act");
        Node node("n1", cloud, roles, fastSettings());
        node.driver->update({stepSource("es", "act")});
        CPPUNIT_ASSERT(eventually([&] { return cloud.pollsOn(first) > 0; }));
        const int lists = cloud.listCalls();
        CPPUNIT_ASSERT(eventually([&] { return cloud.listCalls() >= lists + 2; })); // every reload (200 ms)
        // Deleted and made again (a new ARN): the pollers follow at the next reload.
        cloud.removeActivity("act");
        const auto second = cloud.addActivity("act");
        CPPUNIT_ASSERT(first != second);
        CPPUNIT_ASSERT(eventually([&] { return cloud.pollsOn(second) > 0; }));
        const auto token = cloud.addTask(second, "{}");
        CPPUNIT_ASSERT(eventually([&] { return cloud.reportsOf(token).size() == 1; }));
    }

    void testSuccessSendsTheResponseBody() {
        std::vector<InvokeRequest> requests;
        const auto reports = runOne(
            "{\"order\": 7}", [](const InvokeRequest&) { return answer(200, "{\"shipped\": true}"); }, fastSettings(),
            &requests);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, reports.size());
        CPPUNIT_ASSERT(reports[0].report == (TaskReport{true, "{\"shipped\": true}", {}, {}}));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, requests.size());
        const auto& r = requests[0];
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), r.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/task"), r.path);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"order\": 7}"), r.body);
        CPPUNIT_ASSERT_EQUAL(std::string("proj_worker"), r.componentName);
        CPPUNIT_ASSERT_EQUAL(std::string("es"), r.eventSourceName);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, r.headers.size());
        CPPUNIT_ASSERT_EQUAL(std::string("Content-Type"), r.headers[0].name);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), r.headers[0].value);
    }

    void testSuccessWrapsTextAsJsonString() {
        const auto reports = runOne("{}", [](const InvokeRequest&) { return answer(200, "done \"ok\""); });
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, reports.size());
        CPPUNIT_ASSERT(reports[0].report == (TaskReport{true, "\"done \\\"ok\\\"\"", {}, {}}));
    }

    void testFailureWithHeaders() {
        const auto reports = runOne("{}", [](const InvokeRequest&) {
            return answer(500, "ignored", {{"X-Other", "1"}, {"STEP-FUNC-ERROR", "Oops"}, {"step-func-cause", "why"}});
        });
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, reports.size());
        CPPUNIT_ASSERT(reports[0].report == (TaskReport{false, {}, "Oops", "why"}));
    }

    void testFailureCutsLongHeaders() {
        const std::string error = std::string(250, 'e') + std::string(10, 'E');
        const std::string cause = std::string(32'760, 'c') + std::string(100, 'C');
        const auto reports = runOne("{}", [&](const InvokeRequest&) {
            return answer(422, "", {{"step-func-error", error}, {"step-func-cause", cause}});
        });
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, reports.size());
        CPPUNIT_ASSERT(!reports[0].report.success);
        CPPUNIT_ASSERT_EQUAL(error.substr(0, 256), reports[0].report.error);
        CPPUNIT_ASSERT_EQUAL(cause.substr(0, 32'768), reports[0].report.cause);
    }

    void testFailureWithoutHeaders() {
        const auto reports = runOne("{}", [](const InvokeRequest&) { return answer(503, "busy"); });
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, reports.size());
        CPPUNIT_ASSERT(reports[0].report == (TaskReport{false, {}, "maelstrom_503", "maelstrom error: status 503"}));
    }

    void testUnavailable() {
        const auto reports = runOne("{}", [](const InvokeRequest&) -> InvokeResponse {
            throw maelstrom::sdk::Unavailable("the node is stopping");
        });
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, reports.size());
        CPPUNIT_ASSERT_EQUAL(std::string("maelstrom_unavailable"), reports[0].report.error);
        CPPUNIT_ASSERT(reports[0].report.cause.find("the node is stopping") != std::string::npos);
    }

    void testHeartbeatsForALongInvocation() {
        FakeCloud cloud;
        RoleTable roles;
        const auto arn = cloud.addActivity("act");
        auto settings = fastSettings();
        settings.heartbeatEvery = 100ms;
        Node node("n1", cloud, roles, settings);
        node.invoker->setHandler([](const InvokeRequest&) {
            std::this_thread::sleep_for(750ms);
            return answer(200, "{}");
        });
        node.driver->update({stepSource("es", "act")});
        const auto token = cloud.addTask(arn, "{}");
        CPPUNIT_ASSERT(eventually([&] { return cloud.reportsOf(token).size() == 1; }));
        const int beats = cloud.heartbeatsOf(token);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(beats) + " heartbeats", beats >= 3 && beats <= 8);
        CPPUNIT_ASSERT(cloud.reportsOf(token)[0].report.success);
        std::this_thread::sleep_for(300ms);
        CPPUNIT_ASSERT_EQUAL(beats, cloud.heartbeatsOf(token)); // none after the result
    }

    void testNoHeartbeatForAShortInvocation() {
        FakeCloud cloud;
        RoleTable roles;
        const auto arn = cloud.addActivity("act");
        auto settings = fastSettings();
        settings.heartbeatEvery = 1s;
        Node node("n1", cloud, roles, settings);
        node.invoker->setHandler([](const InvokeRequest&) {
            std::this_thread::sleep_for(20ms);
            return answer(200, "{}");
        });
        node.driver->update({stepSource("es", "act")});
        const auto token = cloud.addTask(arn, "{}");
        CPPUNIT_ASSERT(eventually([&] { return cloud.reportsOf(token).size() == 1; }));
        std::this_thread::sleep_for(1200ms);
        CPPUNIT_ASSERT_EQUAL(0, cloud.heartbeatsOf(token));
    }

    void testTaskTimedOutStopsHeartbeats() {
        FakeCloud cloud;
        RoleTable roles;
        const auto arn = cloud.addActivity("act");
        auto settings = fastSettings();
        settings.heartbeatEvery = 50ms;
        Node node("n1", cloud, roles, settings);
        std::atomic<bool> finish{false};
        node.invoker->setHandler([&](const InvokeRequest&) {
            eventually([&] { return finish.load(); });
            return answer(200, "{}");
        });
        node.driver->update({stepSource("es", "act")});
        const auto token = cloud.addTask(arn, "{}");
        CPPUNIT_ASSERT(eventually([&] { return cloud.heartbeatsOf(token) >= 2; }));
        cloud.expire(token); // the state's HeartbeatSeconds passed, say
        CPPUNIT_ASSERT(
            eventually([&] { return node.logLines.count("Step Functions ended the task while it ran") == 1; }));
        const int told = cloud.heartbeatsOf(token);
        std::this_thread::sleep_for(400ms);
        CPPUNIT_ASSERT_EQUAL(told, cloud.heartbeatsOf(token)); // none after the one that was told
        finish = true;
        CPPUNIT_ASSERT(eventually([&] { return cloud.lateReportsOf(token) == 1; }));
        std::this_thread::sleep_for(100ms);
        CPPUNIT_ASSERT(cloud.reportsOf(token).empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("Step Functions ended the task while it ran"));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, node.logLines.count("no longer takes the task's result"));
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, node.logLines.count("sending the task's result failed"));
    }

    void testGetActivityTaskIsSerialisedPerPoller() {
        FakeCloud cloud;
        RoleTable roles;
        const auto arn = cloud.addActivity("act");
        Node node("n1", cloud, roles, fastSettings());
        node.capacity->set("proj_worker", 3);
        node.invoker->setHandler([](const InvokeRequest&) {
            std::this_thread::sleep_for(60ms);
            return answer(200, "{}");
        });
        node.driver->update({stepSource("es", "act", "/task", 3, 3)});
        CPPUNIT_ASSERT(eventually([&] { return node.driver->pollingRoles().size() == 1; }));
        CPPUNIT_ASSERT_EQUAL(std::string("aws-stepfunc-es-0-3"), node.driver->pollingRoles()[0]);
        std::vector<std::string> tokens;
        for (int i = 0; i < 12; ++i) {
            tokens.push_back(cloud.addTask(arn, "{}"));
        }
        CPPUNIT_ASSERT(eventually([&] { return cloud.reportCount() == tokens.size(); }));
        CPPUNIT_ASSERT(node.invoker->maxInFlight.load() >= 2); // workers run tasks side by side
        CPPUNIT_ASSERT(node.invoker->maxInFlight.load() <= 3);
        for (const auto& client : node.clients()) {
            CPPUNIT_ASSERT(client->maxConcurrentPolls.load() <= 1);
        }
    }

    void testSizingFromHandlerCount() {
        FakeCloud cloud;
        RoleTable roles;
        cloud.addActivity("act");
        Node node("n1", cloud, roles, fastSettings());
        node.capacity->set("proj_worker", 3);
        node.driver->update({stepSource("es", "act", "/task", 5, 2)});
        const std::vector<std::string> three{"aws-stepfunc-es-0-2", "aws-stepfunc-es-1-1"};
        CPPUNIT_ASSERT(eventually([&] { return node.driver->pollingRoles() == three; }));
        CPPUNIT_ASSERT_EQUAL(4, node.factoryCalls()); // lookups, results, one per poller
        // More handlers: resized at the next reload; the old roles are released.
        node.capacity->set("proj_worker", 10);
        const std::vector<std::string> five{"aws-stepfunc-es-0-2", "aws-stepfunc-es-1-2", "aws-stepfunc-es-2-1"};
        CPPUNIT_ASSERT(eventually([&] { return node.driver->pollingRoles() == five; }));
        CPPUNIT_ASSERT(
            eventually([&] { return roles.heldBy("n1") == std::set<std::string>(five.begin(), five.end()); }));
        // No instance at all: one poller of 1, whose requests will start one.
        node.capacity->set("proj_worker", 0);
        CPPUNIT_ASSERT(
            eventually([&] { return node.driver->pollingRoles() == std::vector<std::string>{"aws-stepfunc-es-0-1"}; }));
    }

    void testTwoDriversPollDistinctRoles() {
        FakeCloud cloud;
        RoleTable roles;
        cloud.addActivity("act");
        const auto source = stepSource("es", "act", "/task", 4, 1);
        auto a = std::make_unique<Node>("a", cloud, roles, fastSettings());
        a->capacity->set("proj_worker", 2);
        a->driver->update({source});
        const std::vector<std::string> firstTwo{"aws-stepfunc-es-0-1", "aws-stepfunc-es-1-1"};
        CPPUNIT_ASSERT(eventually([&] { return a->driver->pollingRoles() == firstTwo; }));
        Node b("b", cloud, roles, fastSettings());
        b.capacity->set("proj_worker", 4);
        b.driver->update({source});
        const std::vector<std::string> lastTwo{"aws-stepfunc-es-2-1", "aws-stepfunc-es-3-1"};
        CPPUNIT_ASSERT(eventually([&] { return b.driver->pollingRoles() == lastTwo; }));
        for (int i = 0; i < 10; ++i) { // stays so over several reloads
            std::this_thread::sleep_for(50ms);
            CPPUNIT_ASSERT(a->driver->pollingRoles() == firstTwo);
            CPPUNIT_ASSERT(b.driver->pollingRoles() == lastTwo);
        }
        CPPUNIT_ASSERT(cloud.workerNames() ==
                       (std::set<std::string>{"a/aws-stepfunc-es-0-1", "a/aws-stepfunc-es-1-1", "b/aws-stepfunc-es-2-1",
                                              "b/aws-stepfunc-es-3-1"}));
        // a stops: it releases its roles and b takes them at its next reload instead of after the 2-minute lease.
        a.reset();
        const std::vector<std::string> all{"aws-stepfunc-es-0-1", "aws-stepfunc-es-1-1", "aws-stepfunc-es-2-1",
                                           "aws-stepfunc-es-3-1"};
        CPPUNIT_ASSERT(eventually([&] { return b.driver->pollingRoles() == all; }, 2s));
    }

    void testRolesSpreadEvenlyOverTwoNodes() {
        FakeCloud cloud;
        RoleTable roles;
        cloud.addActivity("act");
        const auto source = stepSource("es", "act", "/task", 4, 1);
        Node a("a", cloud, roles, fastSettings());
        a.capacity->set("proj_worker", 4);
        a.driver->update({source});
        // Alone in the cluster, a polls all four.
        CPPUNIT_ASSERT(eventually([&] { return a.driver->pollingRoles().size() == 4; }));
        // b joins and both count two nodes: a gives up the two highest, which b takes.
        Node b("b", cloud, roles, fastSettings());
        b.capacity->set("proj_worker", 4);
        b.capacity->setNodes(2);
        a.capacity->setNodes(2);
        b.driver->update({source});
        const std::vector<std::string> firstTwo{"aws-stepfunc-es-0-1", "aws-stepfunc-es-1-1"};
        const std::vector<std::string> lastTwo{"aws-stepfunc-es-2-1", "aws-stepfunc-es-3-1"};
        CPPUNIT_ASSERT(
            eventually([&] { return a.driver->pollingRoles() == firstTwo && b.driver->pollingRoles() == lastTwo; }));
        for (int i = 0; i < 10; ++i) { // stays so over several reloads
            std::this_thread::sleep_for(50ms);
            CPPUNIT_ASSERT(a.driver->pollingRoles() == firstTwo);
            CPPUNIT_ASSERT(b.driver->pollingRoles() == lastTwo);
        }
        CPPUNIT_ASSERT(roles.heldBy("a") == std::set<std::string>(firstTwo.begin(), firstTwo.end()));
        CPPUNIT_ASSERT(roles.heldBy("b") == std::set<std::string>(lastTwo.begin(), lastTwo.end()));
    }

    void testDisableStopsPollingPromptly() {
        FakeCloud cloud;
        RoleTable roles;
        cloud.pollWaitMillis = 60'000; // a real long poll
        const auto arn = cloud.addActivity("act");
        Node node("n1", cloud, roles, fastSettings());
        node.driver->update({stepSource("es", "act"), stepSource("other", "act2")});
        CPPUNIT_ASSERT(eventually([&] { return node.driver->pollingRoles().size() == 2; }));
        CPPUNIT_ASSERT(eventually([&] {
            int inFlight = 0;
            for (const auto& client : node.clients()) {
                inFlight += client->pollsInFlight.load();
            }
            return inFlight == 2;
        }));
        const auto started = std::chrono::steady_clock::now();
        node.driver->update({stepSource("other", "act2")}); // "es" disabled
        CPPUNIT_ASSERT(eventually([&] {
            return node.driver->pollingRoles() == std::vector<std::string>{"aws-stepfunc-other-0-1"} &&
                   !roles.holder("aws-stepfunc-es-0-1");
        }));
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started < 2s);
        int aborted = 0;
        int inFlight = 0;
        for (const auto& client : node.clients()) {
            aborted += client->aborts.load();
            inFlight += client->pollsInFlight.load();
        }
        CPPUNIT_ASSERT_EQUAL(1, aborted); // only the disabled source's client
        CPPUNIT_ASSERT_EQUAL(1, inFlight);
        const int polls = cloud.pollsOn(arn);
        std::this_thread::sleep_for(300ms);
        CPPUNIT_ASSERT_EQUAL(polls, cloud.pollsOn(arn));
        CPPUNIT_ASSERT(roles.holder("aws-stepfunc-other-0-1") == std::optional<std::string>("n1"));
    }

    void testTaskInProgressFinishesAfterDisable() {
        FakeCloud cloud;
        RoleTable roles;
        const auto arn = cloud.addActivity("act");
        Node node("n1", cloud, roles, fastSettings());
        std::atomic<bool> finish{false};
        node.invoker->setHandler([&](const InvokeRequest&) {
            eventually([&] { return finish.load(); });
            return answer(200, "{\"late\":1}");
        });
        node.driver->update({stepSource("es", "act")});
        const auto token = cloud.addTask(arn, "{}");
        CPPUNIT_ASSERT(eventually([&] { return node.invoker->inFlight.load() == 1; }));
        node.driver->update({});
        CPPUNIT_ASSERT(eventually([&] { return node.driver->pollingRoles().empty(); }));
        std::this_thread::sleep_for(100ms);
        CPPUNIT_ASSERT(roles.holder("aws-stepfunc-es-0-1")); // held until its task has reported
        finish = true;
        CPPUNIT_ASSERT(eventually([&] { return cloud.reportsOf(token).size() == 1; }));
        CPPUNIT_ASSERT(cloud.reportsOf(token)[0].report == (TaskReport{true, "{\"late\":1}", {}, {}}));
        CPPUNIT_ASSERT(eventually([&] { return !roles.holder("aws-stepfunc-es-0-1"); }));
    }

    void testPollErrorsBackOffAndAreLoggedOnce() {
        FakeCloud cloud;
        RoleTable roles;
        cloud.addActivity("act");
        cloud.failPolls("AccessDeniedException");
        auto settings = fastSettings();
        settings.errorBackoff = 100ms;
        Node node("n1", cloud, roles, settings);
        node.driver->update({stepSource("es", "act")});
        CPPUNIT_ASSERT(eventually([&] { return node.logLines.count("GetActivityTask failed") >= 1; }));
        std::this_thread::sleep_for(600ms);
        const int polls = node.clients().back()->polls.load();
        CPPUNIT_ASSERT_MESSAGE(std::to_string(polls) + " polls", polls >= 3 && polls <= 10);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("GetActivityTask failed"));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, node.logLines.count("AccessDeniedException"));
        // It works again: tasks flow.
        cloud.failPolls(std::nullopt);
        const auto token = cloud.addTask(*cloud.arnOf("act"), "{}");
        CPPUNIT_ASSERT(eventually([&] { return cloud.reportsOf(token).size() == 1; }));
    }

    void testIdleDriverNeverCallsTheFactory() {
        FakeCloud cloud;
        RoleTable roles;
        Node node("n1", cloud, roles, fastSettings());
        node.driver->update({});
        std::this_thread::sleep_for(500ms); // two reloads
        CPPUNIT_ASSERT_EQUAL(0, node.factoryCalls());
        CPPUNIT_ASSERT(roles.heldBy("n1").empty());
        CPPUNIT_ASSERT_EQUAL(0, node.roles->releases.load());
        node.driver->shutdown();
        CPPUNIT_ASSERT_EQUAL(0, node.factoryCalls());
    }

    void testShutdownIsPrompt() {
        FakeCloud cloud;
        RoleTable roles;
        cloud.pollWaitMillis = 60'000;
        cloud.addActivity("act");
        Node node("n1", cloud, roles, fastSettings());
        node.capacity->set("proj_worker", 4);
        node.driver->update({stepSource("es", "act", "/task", 4, 2)});
        CPPUNIT_ASSERT(eventually([&] { return node.driver->pollingRoles().size() == 2; }));
        CPPUNIT_ASSERT(eventually([&] {
            int inFlight = 0;
            for (const auto& client : node.clients()) {
                inFlight += client->pollsInFlight.load();
            }
            return inFlight == 2;
        }));
        const auto started = std::chrono::steady_clock::now();
        node.driver->shutdown();
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started < 1s);
        CPPUNIT_ASSERT(roles.heldBy("n1").empty()); // released
        for (const auto& client : node.clients()) {
            CPPUNIT_ASSERT(client->aborts.load() >= 1);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StepFuncDriverTest);
