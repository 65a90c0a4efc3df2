// awsstepfunc_test.cpp — awsstepfunc event sources end to end on one maelstromd (SQLite, Docker, the Step Functions
// fake of tests/services): the plugin creates its activity when it is missing; a task's input reaches the component
// and its 200 answer's body is the task's output (SendTaskSuccess); another status fails the task with the
// answer's step-func-error / step-func-cause headers, or maelstrom_<status> without them (and the node lives on); a
// task that runs longer than heartbeat_seconds is heartbeaten; every request the node sent carries a valid SigV4
// signature; disable stops GetActivityTask within about 2 s and enable resumes it. Driven only from outside: tasks
// and the request log through the fake's test routes, maelctl, the docker CLI and the container's log.
// SPDX-License-Identifier: Apache-2.0
#include "aws_env.h"

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;
using namespace maelstrom::testing::aws;
using maelstrom::testing::cron::joined;

namespace {

/// `text` as a JSON string literal (task input is JSON; the fixture unescapes a body that is one string).
std::string jsonString(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

/// The fake's task of `activity` whose input carries `tag` (nullopt when none).
std::optional<FakeTask> taskOf(const std::string& activity, const std::string& tag) {
    for (const auto& t : fakeTasks()) {
        if (t.activityName == activity && (t.input.find("id=" + tag + "\\n") != std::string::npos ||
                                           t.input.find("id=" + tag + "\"") != std::string::npos)) {
            return t;
        }
    }
    return std::nullopt;
}

/// A task of the fake that has ended (succeeded, failed or timed out).
bool ended(const FakeTask& task) {
    return task.status == "succeeded" || task.status == "failed" || task.status == "timedout";
}

std::string allTasks(const std::string& activity) {
    std::string out;
    for (const auto& t : fakeTasks()) {
        if (t.activityName == activity) {
            out += t.text() + "\n";
        }
    }
    return out;
}

std::vector<FakeCall> callsOf(const std::vector<FakeCall>& calls, const std::string& action) {
    std::vector<FakeCall> out;
    for (const auto& c : calls) {
        if (c.action == action) {
            out.push_back(c);
        }
    }
    return out;
}

} // namespace

class AwsStepFuncTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AwsStepFuncTest);
    CPPUNIT_TEST(testTasksRunAndReportTheirOutcome);
    CPPUNIT_TEST(testDisableStopsPollingEnableResumes);
    CPPUNIT_TEST_SUITE_END();

public:
    void testTasksRunAndReportTheirOutcome() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        const auto since = nowMillis();
        TempDir dir;
        const std::string project = uniqueProject("sfn");
        ProjectCleanup cleanup(project);
        const std::string component = project + "_worker";
        const std::string activity = project + "-activity";
        auto daemon = startDaemon(dir.path());
        const auto context = [&] {
            std::string text = "hits:\n" + joined(scriptHits(component)) + "tasks:\n";
            try {
                text += allTasks(activity) + "fake's log:\n" + aws::joined(fakeCalls(since));
            } catch (const std::exception& e) {
                text += e.what();
            }
            return text + "\nmaelstromd:\n" + daemon->tail();
        };
        daemon->putProject(
            awsProject(project, "worker", project + ".sfn.test", {},
                       {{.key = "tasks", .activityName = activity, .path = "/script/sfn", .maxConcurrency = 2}},
                       {"idletimeoutseconds: 300", "maxconcurrency: 10", "maxinstances: 1"}));

        // The activity did not exist: the plugin creates it and polls it.
        CPPUNIT_ASSERT_MESSAGE(context(), waitUntil(
                                              [&] {
                                                  const auto calls = fakeCalls(since);
                                                  return !callsOf(calls, "CreateActivity").empty() &&
                                                         !callsOf(calls, "GetActivityTask").empty();
                                              },
                                              20s));
        CPPUNIT_ASSERT_MESSAGE(context(), allContainers(component).empty());

        // A task's input reaches the component (cold start); the 200 answer's body is its output.
        postTask(activity, jsonString("id=ok\nbody={\"result\":42}"));
        CPPUNIT_ASSERT_MESSAGE(context(), waitUntil(
                                              [&] {
                                                  const auto t = taskOf(activity, "ok");
                                                  return t && ended(*t);
                                              },
                                              60s));
        auto task = *taskOf(activity, "ok");
        CPPUNIT_ASSERT_MESSAGE(task.text(), task.error.empty());
        CPPUNIT_ASSERT_MESSAGE(task.text(), task.output.find("\"result\":42") != std::string::npos);
        const auto hits = scriptHits(component);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(joined(hits), 1, hitCounts(hits)["ok"]);
        CPPUNIT_ASSERT_MESSAGE(joined(hits), hits.front().line.rfind("RECORD POST /script/sfn ", 0) == 0);

        // Failures: the answer's headers name error and cause; without them maelstrom_<status>.
        postTask(activity, jsonString("id=bad\nstatus=500\nheader=step-func-error: Broken.Thing\n"
                                      "header=step-func-cause: the widget fell over"));
        postTask(activity, jsonString("id=bare\nstatus=503"));
        // Longer than heartbeat_seconds (1): heartbeats while it runs.
        postTask(activity, jsonString("id=slow\nsleep=3500\nbody={\"slow\":true}"));
        CPPUNIT_ASSERT_MESSAGE(context(), waitUntil(
                                              [&] {
                                                  for (const char* tag : {"bad", "bare", "slow"}) {
                                                      const auto t = taskOf(activity, tag);
                                                      if (!t || !ended(*t)) {
                                                          return false;
                                                      }
                                                  }
                                                  return true;
                                              },
                                              30s));
        task = *taskOf(activity, "bad");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(task.text(), std::string("Broken.Thing"), task.error);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(task.text(), std::string("the widget fell over"), task.cause);
        CPPUNIT_ASSERT(task.output.empty());
        task = *taskOf(activity, "bare");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(task.text(), std::string("maelstrom_503"), task.error);
        CPPUNIT_ASSERT_MESSAGE(task.text(), task.cause.find("503") != std::string::npos);
        task = *taskOf(activity, "slow");
        CPPUNIT_ASSERT_MESSAGE(task.text(), task.error.empty());
        CPPUNIT_ASSERT_MESSAGE(task.text(), task.output.find("\"slow\":true") != std::string::npos);
        const auto calls = fakeCalls(since);
        const auto heartbeats = callsOf(calls, "SendTaskHeartbeat");
        std::cerr << "\n  the 3.5 s task was heartbeaten " << heartbeats.size() << " times (record: " << task.heartbeats
                  << ")\n";
        CPPUNIT_ASSERT_MESSAGE(context(), heartbeats.size() >= 2);
        CPPUNIT_ASSERT_MESSAGE(context(), daemon->running());

        // Every request the node sent was signed right.
        std::size_t checked = 0;
        for (const auto& c : calls) {
            if (c.service == "states") {
                CPPUNIT_ASSERT_MESSAGE(c.text() + "\n" + aws::joined(calls), c.signatureValid);
                ++checked;
            }
        }
        std::cerr << "  " << checked << " Step Functions requests, every signature valid\n";
        CPPUNIT_ASSERT_MESSAGE(context(), checked >= 6);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon->tail(), 0, daemon->stop());
    }

    void testDisableStopsPollingEnableResumes() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        const auto since = nowMillis();
        TempDir dir;
        const std::string project = uniqueProject("sfntg");
        ProjectCleanup cleanup(project);
        const std::string component = project + "_worker";
        const std::string activity = project + "-activity";
        auto daemon = startDaemon(dir.path());
        const auto context = [&] {
            std::string text = "hits:\n" + joined(scriptHits(component)) + "tasks:\n";
            try {
                text += allTasks(activity) + "fake's log:\n" + aws::joined(fakeCalls(since));
            } catch (const std::exception& e) {
                text += e.what();
            }
            return text + "\nmaelstromd:\n" + daemon->tail();
        };
        daemon->putProject(awsProject(project, "worker", project + ".sfn.test", {},
                                      {{.key = "tasks", .activityName = activity, .path = "/script/tg"}},
                                      {"idletimeoutseconds: 300"}));
        postTask(activity, jsonString("id=warm\nbody={}"));
        CPPUNIT_ASSERT_MESSAGE(context(), waitUntil(
                                              [&] {
                                                  const auto t = taskOf(activity, "warm");
                                                  return t && ended(*t);
                                              },
                                              60s));

        const auto toggle = [&](bool enable) {
            const auto r = daemon->maelctl(
                {"es", enable ? "enable" : "disable", "--component=" + component, "--type=awsstepfunc"});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, 0, r.exitCode);
        };
        const auto disabledAt = nowMillis();
        toggle(false);
        std::this_thread::sleep_for(2500ms);
        postTask(activity, jsonString("id=while-off\nbody={}"));
        std::this_thread::sleep_for(2500ms);
        // No poll starts later than 2 s after the toggle, and the long polls open then have been closed.
        auto polls = callsOf(fakeCalls(since), "GetActivityTask");
        CPPUNIT_ASSERT_MESSAGE(context(), !polls.empty());
        std::int64_t lastStart = 0;
        std::int64_t lastEnd = 0;
        for (const auto& p : polls) {
            CPPUNIT_ASSERT_MESSAGE(p.text() + "\n" + context(), !p.pending);
            lastStart = std::max(lastStart, p.startedAt);
            lastEnd = std::max(lastEnd, p.at);
        }
        std::cerr << "\n  disable: last GetActivityTask sent " << lastStart - disabledAt << " ms after, the last one "
                  << "ended " << lastEnd - disabledAt << " ms after";
        CPPUNIT_ASSERT_MESSAGE(context(), lastStart < disabledAt + 2000);
        CPPUNIT_ASSERT_MESSAGE(context(), lastEnd < disabledAt + 2500);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(), 0, hitCounts(scriptHits(component))["while-off"]);

        const auto enabledAt = nowMillis();
        toggle(true);
        CPPUNIT_ASSERT_MESSAGE(context(), waitUntil(
                                              [&] {
                                                  const auto t = taskOf(activity, "while-off");
                                                  return t && ended(*t);
                                              },
                                              15s));
        std::int64_t firstStart = 0;
        for (const auto& p : callsOf(fakeCalls(enabledAt), "GetActivityTask")) {
            if (p.startedAt >= enabledAt && (firstStart == 0 || p.startedAt < firstStart)) {
                firstStart = p.startedAt;
            }
        }
        CPPUNIT_ASSERT_MESSAGE(context(), firstStart > 0);
        std::cerr << "; enable: first GetActivityTask " << firstStart - enabledAt << " ms after\n";
        CPPUNIT_ASSERT_MESSAGE(context(), firstStart < enabledAt + 3000);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon->tail(), 0, daemon->stop());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AwsStepFuncTest);
