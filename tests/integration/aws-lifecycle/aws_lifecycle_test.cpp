// aws_lifecycle_test.cpp — the AWS node lifecycle end to end on one maelstromd (SQLite) against the local AWS
// endpoints: a lifecycle notice for this instance makes it drain and exit, complete the lifecycle action (signed,
// with the notice's fields) and run the terminate command, and the notice leaves the queue; a notice for another
// instance leaves it running; an old notice and a test notification are deleted without action; a spot
// interruption notice makes it exit and run the command; a plain SIGTERM runs nothing. Driven only from outside
// (the endpoints' test routes, SQS, the log, the marker file the command creates).
// SPDX-License-Identifier: Apache-2.0
#include "aws_env.h"
#include "lifecycle_env.h"

#include <unistd.h>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;
using namespace maelstrom::testing::aws;

namespace {

std::string unique(const std::string& stem) {
    static int counter = 0;
    return stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

/// Environment of a maelstromd on the local endpoints: instance `instanceId`, reading `queueUrl` every second
/// (none when empty), the command creating `marker`.
std::map<std::string, std::string> nodeEnvironment(const std::string& instanceId, const std::string& queueUrl,
                                                   const std::filesystem::path& marker,
                                                   const std::map<std::string, std::string>& more = {}) {
    auto env = awsEnvironment();
    const auto set = [&env](const std::string& name, const std::string& value) {
        env.erase("-" + name); // awsEnvironment() removes the lifecycle's variables
        env[name] = value;
    };
    set("MAEL_INSTANCE_ID", instanceId);
    set("MAEL_AWS_TERMINATE_POLL_SECONDS", "1");
    if (!queueUrl.empty()) {
        set("MAEL_AWS_TERMINATE_QUEUE_URL", queueUrl);
    }
    set("MAEL_TERMINATE_COMMAND", "/usr/bin/touch " + marker.string());
    for (const auto& [k, v] : more) {
        set(k, v);
    }
    return env;
}

std::string describe(const std::vector<LifecycleAction>& actions) {
    std::string out;
    for (const auto& a : actions) {
        out += a.raw + "\n";
    }
    return out;
}

/// The recorded actions for `instanceId`.
std::vector<LifecycleAction> actionsFor(const std::string& instanceId) {
    std::vector<LifecycleAction> out;
    for (const auto& a : lifecycleActions()) {
        if (a.instanceId == instanceId) {
            out.push_back(a);
        }
    }
    return out;
}

/// Deletes a queue when it goes out of scope.
struct QueueCleanup {
    std::string url;
    ~QueueCleanup() { deleteQueue(url); }
};

} // namespace

class AwsLifecycleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AwsLifecycleTest);
    CPPUNIT_TEST(testNoticeForThisInstanceDrainsCompletesAndRunsTheCommand);
    CPPUNIT_TEST(testOtherNoticesLeaveTheNodeRunning);
    CPPUNIT_TEST(testSpotNoticeDrainsAndRunsTheCommand);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNoticeForThisInstanceDrainsCompletesAndRunsTheCommand() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        TempDir dir;
        const QueueCleanup queue{createQueue(unique("mael-lifecycle"))};
        const std::string instance = unique("i-own");
        const std::string token = unique("token");
        const auto marker = dir.path() / "terminated";
        Daemon daemon(dir.path() / "node", nodeEnvironment(instance, queue.url, marker));
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.waitForLog("aws: reading lifecycle-hook notices", 10s));

        sendMessage(queue.url, lifecycleNotice(instance, "asg-test", "drain-hook", token));
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), waitUntil([&] { return !daemon.running(); }, 60s));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
        const std::string log = daemon.log();

        // The action completed after the drain, with the notice's fields and a valid signature.
        const auto actions = actionsFor(instance);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(lifecycleActions()) + log, std::size_t(1), actions.size());
        CPPUNIT_ASSERT_EQUAL(std::string("asg-test"), actions[0].group);
        CPPUNIT_ASSERT_EQUAL(std::string("drain-hook"), actions[0].hook);
        CPPUNIT_ASSERT_EQUAL(token, actions[0].token);
        CPPUNIT_ASSERT_EQUAL(std::string("CONTINUE"), actions[0].result);
        CPPUNIT_ASSERT_MESSAGE(actions[0].raw, actions[0].signatureValid);
        const auto stopping = log.find("maelstromd: stopping");
        const auto completed = log.find("aws: completed the lifecycle action");
        const auto exiting = log.find("maelstromd: exiting");
        CPPUNIT_ASSERT_MESSAGE(log, stopping != std::string::npos && completed != std::string::npos &&
                                        exiting != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(log, stopping < completed && completed < exiting);
        // The command ran (after the lifecycle call) and the notice left the queue.
        CPPUNIT_ASSERT_MESSAGE(log, std::filesystem::exists(marker));
        CPPUNIT_ASSERT_MESSAGE(log, log.find("aws: the terminate command ended: exit status 0") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(log, 0, queueCounts(queue.url).total());
    }

    void testOtherNoticesLeaveTheNodeRunning() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        TempDir dir;
        const QueueCleanup queue{createQueue(unique("mael-lifecycle"))};
        const std::string instance = unique("i-own");
        const auto marker = dir.path() / "terminated";
        Daemon daemon(dir.path() / "node", nodeEnvironment(instance, queue.url, marker));
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.waitForLog("aws: reading lifecycle-hook notices", 10s));

        // For an instance no node runs: sent to the cluster (here: nobody), left in the queue.
        const std::string other = unique("i-other");
        sendMessage(queue.url, lifecycleNotice(other, "asg-test", "drain-hook", "tok-other"));
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.waitForLog("no node of 1 runs instance " + other, 15s));
        // Old notices (this instance's too) and test notifications are deleted without action.
        const std::string old = sendMessage(
            queue.url, lifecycleNotice(instance, "asg-test", "drain-hook", "tok-old", std::chrono::seconds(3600)));
        const std::string test =
            sendMessage(queue.url, R"({"AccountId":"123456789012","RequestId":"r-1","AutoScalingGroupARN":"arn",)"
                                   R"("AutoScalingGroupName":"asg-test","Service":"AWS Auto Scaling",)"
                                   R"("Event":"autoscaling:TEST_NOTIFICATION","Time":"2099-01-01T00:00:00.000Z"})");
        const std::string garbage = sendMessage(queue.url, "this is not JSON");
        for (const auto& id : {old, test, garbage}) {
            CPPUNIT_ASSERT_MESSAGE(daemon.tail(),
                                   daemon.waitForLog("aws: deleting lifecycle-queue message " + id, 15s));
        }
        // Only the other instance's notice is left (in flight, hidden for 60 s after each read).
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), waitUntil([&] { return queueCounts(queue.url).total() == 1; }, 10s));
        std::this_thread::sleep_for(2s);
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.running());
        CPPUNIT_ASSERT(actionsFor(instance).empty());
        CPPUNIT_ASSERT(actionsFor(other).empty());
        std::string metrics;
        CPPUNIT_ASSERT_EQUAL(200, httpGetStatus(daemon.privatePort(), "/_mael/metrics", &metrics));
        for (const char* line : {"maelstrom_aws_terminate_messages_total{outcome=\"deleted_old\"} 1\n",
                                 "maelstrom_aws_terminate_messages_total{outcome=\"deleted_no_instance\"} 1\n",
                                 "maelstrom_aws_terminate_messages_total{outcome=\"deleted_not_json\"} 1\n",
                                 "maelstrom_aws_termination_requests_total{source=\"lifecycle_hook\"} 0\n"}) {
            CPPUNIT_ASSERT_MESSAGE(metrics, metrics.find(line) != std::string::npos);
        }

        // A plain SIGTERM: a clean exit, no lifecycle call, no command.
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop(SIGTERM));
        CPPUNIT_ASSERT_MESSAGE(daemon.log(), !std::filesystem::exists(marker));
        CPPUNIT_ASSERT(actionsFor(instance).empty());
    }

    void testSpotNoticeDrainsAndRunsTheCommand() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        TempDir dir;
        const auto marker = dir.path() / "terminated";
        setSpotAction("");
        struct SpotCleanup {
            ~SpotCleanup() {
                try {
                    setSpotAction("");
                } catch (const std::exception&) {
                }
            }
        } spotCleanup;
        Daemon daemon(dir.path() / "node",
                      nodeEnvironment(unique("i-spot"), "", marker, {{"MAEL_AWS_SPOT_TERMINATE_POLL_SECONDS", "1"}}));
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.waitForLog("aws: watching for a spot interruption notice", 10s));
        std::this_thread::sleep_for(2500ms); // a few polls answered 404
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.running());
        CPPUNIT_ASSERT(!std::filesystem::exists(marker));

        setSpotAction("terminate");
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), waitUntil([&] { return !daemon.running(); }, 60s));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
        const std::string log = daemon.log();
        CPPUNIT_ASSERT_MESSAGE(log, log.find("aws: spot interruption notice (terminate") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(log, std::filesystem::exists(marker));
        CPPUNIT_ASSERT_MESSAGE(log, log.find("aws: completed the lifecycle action") == std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AwsLifecycleTest);
