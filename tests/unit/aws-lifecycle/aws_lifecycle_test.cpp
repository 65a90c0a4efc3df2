// aws_lifecycle_test.cpp — the AWS node lifecycle with fake SQS, Auto Scaling and instance-metadata clients:
// lifecycle notices parsed (names in any case, bad bodies, old and test notices), the queue pass (deletes, the
// notice sent here and to every peer, one bad message not stopping the pass, repeated while notices come), the
// accepting node (message deleted, shutdown requested once, CompleteLifecycleAction and the command only after
// the drain), the spot notice, the poller role, TerminateNode's full hook over the RPC path, and the terminate
// command run without a shell.
// SPDX-License-Identifier: Apache-2.0
#include "api/api_dispatcher.h"
#include "api/data_changes.h"
#include "api/maelstrom_service.h"
#include "cluster/aws_lifecycle.h"
#include "cluster/cluster_view.h"
#include "cluster/local_node.h"
#include "cluster/node_service.h"
#include "cluster/peer_client.h"
#include "config/config_error.h"
#include "config/node_settings.h"
#include "event_sources/database_role_locks.h"
#include "fake_database.h"
#include "test_support.h"

#include "aws/autoscaling.h"
#include "aws/error.h"
#include "aws/sqs.h"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <csignal>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
using namespace maelstrom;
using namespace maelstrom::core;
namespace fs = std::filesystem;

namespace {

constexpr const char* kQueue = "http://127.0.0.1:9324/queue/lifecycle";

class FakeSqs final : public aws::SqsApi {
public:
    std::optional<std::string> queueUrl(const std::string&) override { return std::nullopt; }
    std::vector<std::string> listQueueUrls(const std::string&) override { return {}; }
    std::vector<aws::SqsMessage> receive(const std::string& queueUrl, int maxMessages, int visibility,
                                         int wait) override {
        std::lock_guard lock(mutex);
        if (aborted) {
            throw aws::AwsError("Aborted", "aborted");
        }
        receives.push_back({queueUrl, maxMessages, visibility, wait});
        if (batches.empty()) {
            return {};
        }
        auto batch = batches.front();
        batches.pop_front();
        return batch;
    }
    void deleteMessage(const std::string& queueUrl, const std::string& receiptHandle) override {
        std::lock_guard lock(mutex);
        if (failDeletes) {
            throw aws::AwsError("Network", "connection refused");
        }
        deleted.emplace_back(queueUrl, receiptHandle);
    }
    void abort() override {
        std::lock_guard lock(mutex);
        aborted = true;
    }

    struct Receive {
        std::string queueUrl;
        int maxMessages, visibility, wait;
    };
    std::mutex mutex;
    std::deque<std::vector<aws::SqsMessage>> batches;
    std::vector<Receive> receives;
    std::vector<std::pair<std::string, std::string>> deleted;
    bool failDeletes = false;
    bool aborted = false;
};

class FakeAutoScaling final : public aws::AutoScalingApi {
public:
    void completeLifecycleAction(const std::string& group, const std::string& hookName, const std::string& token,
                                 const std::string& instanceId, const std::string& result) override {
        std::lock_guard lock(mutex);
        calls.push_back({group, hookName, token, instanceId, result});
    }
    std::mutex mutex;
    std::vector<std::vector<std::string>> calls;
};

class FakeRoles final : public sdk::RoleLocks {
public:
    bool acquireOrRenew(const std::string& roleId, std::chrono::milliseconds lease) override {
        std::lock_guard lock(mutex);
        asked.emplace_back(roleId, lease);
        return grant;
    }
    void release(const std::string& roleId) override {
        std::lock_guard lock(mutex);
        released.push_back(roleId);
    }
    std::optional<std::string> holder(const std::string&) override { return std::nullopt; }
    std::mutex mutex;
    bool grant = true;
    std::vector<std::pair<std::string, std::chrono::milliseconds>> asked;
    std::vector<std::string> released;
};

std::string isoTime(std::chrono::system_clock::time_point at) {
    const std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    return std::string(text) + ".123Z";
}

std::string notice(const std::string& instanceId, std::chrono::system_clock::time_point at,
                   const std::string& token = "token-1") {
    return R"({"AccountId":"123456789012","RequestId":"req-1","Time":")" + isoTime(at) +
           R"(","Service":"AWS Auto Scaling","AutoScalingGroupName":"asg-1","EC2InstanceId":")" + instanceId +
           R"(","LifecycleActionToken":")" + token +
           R"(","LifecycleHookName":"drain","LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING"})";
}

sdk::NodeStatus peer(const std::string& id) {
    sdk::NodeStatus n;
    n.nodeId = id;
    n.peerUrl = "http://" + id + ":8374";
    return n;
}

/// This node is i-self and reads kQueue.
AwsLifecycleSettings settings() {
    AwsLifecycleSettings s;
    s.instanceId = "i-self";
    s.queueUrl = kQueue;
    return s;
}

/// An AwsLifecycle over the fakes, recording what it asks of the cluster.
struct Harness {
    explicit Harness(AwsLifecycleSettings s = settings(), bool withRoles = false) {
        if (withRoles) {
            roles = std::make_shared<FakeRoles>();
        }
        AwsLifecycleCluster cluster{
            [this](const AwsLifecycleHook& hook) {
                std::lock_guard lock(mutex);
                here.push_back(hook);
                const bool mine = hook.instanceId == selfId;
                if (mine) {
                    lifecycle->accept(hook);
                }
                return TerminateAnswer{mine, "self", selfId};
            },
            [this] { return peers; },
            [this](const sdk::NodeStatus& node, const AwsLifecycleHook& hook) {
                std::lock_guard lock(mutex);
                sent.emplace_back(node.nodeId, hook);
                if (node.nodeId == "down") {
                    throw sdk::RpcError(sdk::RpcCode::TransportError, "refused");
                }
                return TerminateAnswer{hook.instanceId == "i-" + node.nodeId, node.nodeId, "i-" + node.nodeId};
            }};
        lifecycle = std::make_unique<AwsLifecycle>(
            s,
            [this] {
                ++factoryCalls;
                AwsLifecycleClients c;
                c.pollSqs = pollSqs;
                c.actionSqs = actionSqs;
                c.autoScaling = autoScaling;
                c.metadata = [this](const std::string& path, std::chrono::milliseconds timeout) {
                    std::lock_guard lock(mutex);
                    metadataPaths.push_back(path);
                    metadataTimeouts.push_back(timeout);
                    if (metadataError) {
                        throw aws::AwsError("Network", "no route to host");
                    }
                    return metadataBody;
                };
                c.abortPolling = [this] {
                    ++aborts;
                    pollSqs->abort();
                };
                return c;
            },
            roles, cluster, [this] { ++shutdowns; });
    }

    std::string selfId = "i-self";
    std::shared_ptr<FakeSqs> pollSqs = std::make_shared<FakeSqs>();
    std::shared_ptr<FakeSqs> actionSqs = std::make_shared<FakeSqs>();
    std::shared_ptr<FakeAutoScaling> autoScaling = std::make_shared<FakeAutoScaling>();
    std::shared_ptr<FakeRoles> roles;
    std::vector<sdk::NodeStatus> peers{peer("a"), peer("b")};
    std::mutex mutex;
    std::vector<AwsLifecycleHook> here;
    std::vector<std::pair<std::string, AwsLifecycleHook>> sent;
    std::optional<std::string> metadataBody;
    bool metadataError = false;
    std::vector<std::string> metadataPaths;
    std::vector<std::chrono::milliseconds> metadataTimeouts;
    std::atomic<int> factoryCalls{0};
    std::atomic<int> aborts{0};
    std::atomic<int> shutdowns{0};
    std::unique_ptr<AwsLifecycle> lifecycle;
};

bool sameHook(const AwsLifecycleHook& a, const AwsLifecycleHook& b) {
    return a.queueUrl == b.queueUrl && a.messageReceiptHandle == b.messageReceiptHandle &&
           a.autoScalingGroupName == b.autoScalingGroupName && a.instanceId == b.instanceId &&
           a.lifecycleActionToken == b.lifecycleActionToken && a.lifecycleHookName == b.lifecycleHookName;
}

/// An RPC transport whose clients call a dispatcher in this process (the wire text, no HTTP).
class LoopbackTransport final : public sdk::RpcTransport {
public:
    explicit LoopbackTransport(sdk::RpcDispatcher& dispatcher) : dispatcher_(dispatcher) {}
    std::string path() const override { return "/_mael/v1"; }
    std::int64_t maxBodyBytes() const override { return 1 << 20; }
    sdk::RpcHttpResponse handle(const sdk::RpcHttpRequest&, sdk::RpcDispatcher&) override { return {}; }
    std::unique_ptr<sdk::RpcClient> newClient(const std::string&, const sdk::RpcClientOptions&) override {
        struct Client final : sdk::RpcClient {
            explicit Client(sdk::RpcDispatcher& d) : dispatcher(d) {}
            std::string call(const std::string& method, const std::string& input) override {
                return dispatcher.call(method, input);
            }
            sdk::RpcDispatcher& dispatcher;
        };
        return std::make_unique<Client>(dispatcher_);
    }

private:
    sdk::RpcDispatcher& dispatcher_;
};

} // namespace

class AwsLifecycleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AwsLifecycleTest);
    CPPUNIT_TEST(testNoticeFieldsMatchInAnyCase);
    CPPUNIT_TEST(testNoticeTime);
    CPPUNIT_TEST(testClassifyNotices);
    CPPUNIT_TEST(testPassDeletesUnusableAndSendsNoticesToEveryPeer);
    CPPUNIT_TEST(testPassRepeatsWhileNoticesCome);
    CPPUNIT_TEST(testOwnNoticeIsNotBroadcast);
    CPPUNIT_TEST(testAcceptDeletesShutsDownAndCompletesAfterTheDrain);
    CPPUNIT_TEST(testAcceptSurvivesAFailedDelete);
    CPPUNIT_TEST(testPlainShutdownDoesNothing);
    CPPUNIT_TEST(testSpotNotice);
    CPPUNIT_TEST(testNothingConfiguredMakesNoClient);
    CPPUNIT_TEST(testQueuePollerTakesTheRoleAndReleasesIt);
    CPPUNIT_TEST(testQueuePollerWithoutTheRoleReadsNothing);
    CPPUNIT_TEST(testSpotPollerStopsAfterTheNotice);
    CPPUNIT_TEST(testTerminateNodeCarriesTheFullHook);
    CPPUNIT_TEST(testCommandSplitOnSingleSpaces);
    CPPUNIT_TEST(testCommandRunsWithoutAShell);
    CPPUNIT_TEST(testCommandOutcomes);
    CPPUNIT_TEST(testCommandStartsWithDefaultSignals);
    CPPUNIT_TEST(testPollSetting);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNoticeFieldsMatchInAnyCase() {
        const auto n = parseLifecycleNotice(
            R"({"accountid":"1","REQUESTID":"r","time":"2024-01-02T03:04:05.678Z","Service":"s",)"
            R"("autoScalingGroupName":"g","Ec2InstanceId":"i-1","LIFECYCLEACTIONTOKEN":"t","lifecyclehookname":"h",)"
            R"("Other":"x","EC2InstanceIdNumber":5})");
        CPPUNIT_ASSERT_EQUAL(std::string("1"), n.accountId);
        CPPUNIT_ASSERT_EQUAL(std::string("r"), n.requestId);
        CPPUNIT_ASSERT_EQUAL(std::string("2024-01-02T03:04:05.678Z"), n.time);
        CPPUNIT_ASSERT_EQUAL(std::string("s"), n.service);
        CPPUNIT_ASSERT_EQUAL(std::string("g"), n.autoScalingGroupName);
        CPPUNIT_ASSERT_EQUAL(std::string("i-1"), n.ec2InstanceId);
        CPPUNIT_ASSERT_EQUAL(std::string("t"), n.lifecycleActionToken);
        CPPUNIT_ASSERT_EQUAL(std::string("h"), n.lifecycleHookName);
        // A member of another type reads as empty.
        CPPUNIT_ASSERT_EQUAL(std::string(""), parseLifecycleNotice(R"({"EC2InstanceId":12})").ec2InstanceId);
        CPPUNIT_ASSERT_THROW(parseLifecycleNotice("not json"), std::invalid_argument);
        CPPUNIT_ASSERT_THROW(parseLifecycleNotice("[1,2]"), std::invalid_argument);
        CPPUNIT_ASSERT_THROW(parseLifecycleNotice(""), std::invalid_argument);
    }

    void testNoticeTime() {
        const auto t = parseNoticeTime("2016-02-26T22:07:08.882Z");
        CPPUNIT_ASSERT(t.has_value());
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1456524428882), static_cast<std::int64_t>(ms));
        CPPUNIT_ASSERT(parseNoticeTime("2016-02-26T22:07:08Z").has_value());
        CPPUNIT_ASSERT(!parseNoticeTime("2016-02-26T22:07:08.882").has_value());
        CPPUNIT_ASSERT(!parseNoticeTime("2016-02-26T22:07:08.Z").has_value());
        CPPUNIT_ASSERT(!parseNoticeTime("yesterday").has_value());
        CPPUNIT_ASSERT(!parseNoticeTime("").has_value());
    }

    void testClassifyNotices() {
        const auto now = std::chrono::system_clock::now();
        const auto maxAge = std::chrono::seconds(600);
        LifecycleNotice n;
        CPPUNIT_ASSERT(classifyNotice(notice("i-1", now - 5s), now, maxAge, &n) == NoticeAction::Collect);
        CPPUNIT_ASSERT_EQUAL(std::string("i-1"), n.ec2InstanceId);
        CPPUNIT_ASSERT(classifyNotice("{nope", now, maxAge) == NoticeAction::DeleteNotJson);
        CPPUNIT_ASSERT(classifyNotice("\"text\"", now, maxAge) == NoticeAction::DeleteNotJson);
        CPPUNIT_ASSERT(classifyNotice(notice("i-1", now - 601s), now, maxAge) == NoticeAction::DeleteOld);
        CPPUNIT_ASSERT(classifyNotice(R"({"EC2InstanceId":"i-1","Time":"soon"})", now, maxAge) ==
                       NoticeAction::DeleteOld);
        CPPUNIT_ASSERT(classifyNotice(R"({"EC2InstanceId":"i-1"})", now, maxAge) == NoticeAction::DeleteOld);
        const std::string test = R"({"AccountId":"1","RequestId":"r","Service":"AWS Auto Scaling","Time":")" +
                                 isoTime(now) +
                                 R"(","Event":"autoscaling:TEST_NOTIFICATION","AutoScalingGroupName":"g"})";
        CPPUNIT_ASSERT(classifyNotice(test, now, maxAge) == NoticeAction::DeleteNoTarget);
        std::string launch = notice("i-1", now);
        launch.replace(launch.find("EC2_INSTANCE_TERMINATING"), 24, "EC2_INSTANCE_LAUNCHING");
        CPPUNIT_ASSERT(classifyNotice(launch, now, maxAge) == NoticeAction::Leave);
        // Without a transition (the reference's notion): a termination notice.
        CPPUNIT_ASSERT(classifyNotice(R"({"EC2InstanceId":"i-1","Time":")" + isoTime(now) + "\"}", now, maxAge) ==
                       NoticeAction::Collect);
    }

    void testPassDeletesUnusableAndSendsNoticesToEveryPeer() {
        Harness h;
        const auto now = std::chrono::system_clock::now();
        h.pollSqs->batches.push_back(
            {{"m1", "rh-bad", "{not json"},
             {"m2", "rh-old", notice("i-a", now - 3600s)},
             {"m3", "rh-test", R"({"Event":"autoscaling:TEST_NOTIFICATION","Time":")" + isoTime(now) + "\"}"},
             {"m4", "rh-a", notice("i-a", now - 2s, "tok-a")},
             {"m5", "rh-none", notice("i-elsewhere", now - 2s, "tok-x")}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), h.lifecycle->pollQueueOnce());
        // Received as the reference does: up to 10, hidden for 60 s, 2 s long poll; twice (the second is empty).
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), h.pollSqs->receives.size());
        CPPUNIT_ASSERT_EQUAL(std::string(kQueue), h.pollSqs->receives[0].queueUrl);
        CPPUNIT_ASSERT_EQUAL(10, h.pollSqs->receives[0].maxMessages);
        CPPUNIT_ASSERT_EQUAL(60, h.pollSqs->receives[0].visibility);
        CPPUNIT_ASSERT_EQUAL(2, h.pollSqs->receives[0].wait);
        // The three unusable ones deleted, the notices left for the node that takes them.
        const std::vector<std::pair<std::string, std::string>> deleted{
            {kQueue, "rh-bad"}, {kQueue, "rh-old"}, {kQueue, "rh-test"}};
        CPPUNIT_ASSERT(deleted == h.pollSqs->deleted);
        CPPUNIT_ASSERT(h.actionSqs->deleted.empty());
        // Each notice: TerminateNode here, then to every peer, with the whole hook.
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), h.here.size());
        const AwsLifecycleHook a{kQueue, "rh-a", "asg-1", "i-a", "tok-a", "drain"};
        CPPUNIT_ASSERT(sameHook(a, h.here[0]));
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), h.sent.size());
        std::set<std::string> toA;
        for (const auto& [node, hook] : h.sent) {
            if (hook.instanceId == "i-a") {
                toA.insert(node);
                CPPUNIT_ASSERT(sameHook(a, hook));
            }
        }
        CPPUNIT_ASSERT(toA == std::set<std::string>({"a", "b"}));
        CPPUNIT_ASSERT_EQUAL(0, h.shutdowns.load());
        // Counted by outcome.
        const std::string metrics = h.lifecycle->renderMetrics();
        for (const char* line : {"maelstrom_aws_terminate_messages_total{outcome=\"collected\"} 2\n",
                                 "maelstrom_aws_terminate_messages_total{outcome=\"deleted_not_json\"} 1\n",
                                 "maelstrom_aws_terminate_messages_total{outcome=\"deleted_old\"} 1\n",
                                 "maelstrom_aws_terminate_messages_total{outcome=\"deleted_no_instance\"} 1\n",
                                 "maelstrom_aws_terminate_messages_total{outcome=\"left\"} 0\n",
                                 "maelstrom_aws_termination_requests_total{source=\"lifecycle_hook\"} 0\n"}) {
            CPPUNIT_ASSERT_MESSAGE(metrics, metrics.find(line) != std::string::npos);
        }
    }

    void testPassRepeatsWhileNoticesCome() {
        Harness h;
        h.peers = {peer("down"), peer("b")}; // a peer that cannot be reached does not stop the pass
        const auto now = std::chrono::system_clock::now();
        h.pollSqs->batches.push_back({{"m1", "rh-1", notice("i-b", now)}});
        h.pollSqs->batches.push_back({{"m2", "rh-2", notice("i-gone", now)}, {"m3", "rh-3", "garbage"}});
        h.pollSqs->batches.push_back({{"m4", "rh-4", "garbage"}});
        h.pollSqs->batches.push_back({{"m5", "rh-5", notice("i-b", now)}});
        // The third batch collects nothing: the pass ends there, the fourth waits for the next one.
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), h.lifecycle->pollQueueOnce());
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), h.pollSqs->receives.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), h.pollSqs->deleted.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), h.sent.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), h.lifecycle->pollQueueOnce());
    }

    void testOwnNoticeIsNotBroadcast() {
        Harness h;
        const auto now = std::chrono::system_clock::now();
        h.pollSqs->batches.push_back({{"m1", "rh-self", notice("i-self", now)}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), h.lifecycle->pollQueueOnce());
        CPPUNIT_ASSERT(h.sent.empty());
        CPPUNIT_ASSERT_EQUAL(1, h.shutdowns.load());
        const std::vector<std::pair<std::string, std::string>> deleted{{kQueue, "rh-self"}};
        CPPUNIT_ASSERT(deleted == h.actionSqs->deleted);
        CPPUNIT_ASSERT(h.lifecycle->terminationRequested());
        const std::string metrics = h.lifecycle->renderMetrics();
        CPPUNIT_ASSERT_MESSAGE(
            metrics, metrics.find("maelstrom_aws_termination_requests_total{source=\"lifecycle_hook\"} 1\n") !=
                         std::string::npos);
    }

    void testAcceptDeletesShutsDownAndCompletesAfterTheDrain() {
        maelstrom::testing::TempDir dir;
        AwsLifecycleSettings s = settings();
        s.terminateCommand = "/usr/bin/touch " + (dir.path() / "terminated").string();
        Harness h(s);
        const AwsLifecycleHook hook{"http://127.0.0.1:9324/queue/other", "rh-9", "asg-9", "i-self", "tok-9", "hook-9"};
        h.lifecycle->accept(hook);
        // The message is deleted and the shutdown requested at once; nothing else before the drain.
        const std::vector<std::pair<std::string, std::string>> deleted{{hook.queueUrl, "rh-9"}};
        CPPUNIT_ASSERT(deleted == h.actionSqs->deleted);
        CPPUNIT_ASSERT_EQUAL(1, h.shutdowns.load());
        CPPUNIT_ASSERT(h.autoScaling->calls.empty());
        CPPUNIT_ASSERT(!fs::exists(dir.path() / "terminated"));
        // The same notice again (redelivered) and another one: one shutdown request, each action completed once.
        h.lifecycle->accept(hook);
        h.lifecycle->accept(AwsLifecycleHook{"", "", "asg-9", "i-self", "tok-10", "hook-9"});
        CPPUNIT_ASSERT_EQUAL(1, h.shutdowns.load());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), h.actionSqs->deleted.size());
        // stop() (the start of the shutdown) aborts the pollers only.
        h.lifecycle->stop();
        h.lifecycle->finishShutdown();
        const std::vector<std::vector<std::string>> calls{{"asg-9", "hook-9", "tok-9", "i-self", "CONTINUE"},
                                                          {"asg-9", "hook-9", "tok-10", "i-self", "CONTINUE"}};
        CPPUNIT_ASSERT(calls == h.autoScaling->calls);
        CPPUNIT_ASSERT(fs::exists(dir.path() / "terminated"));
        // Once only.
        fs::remove(dir.path() / "terminated");
        h.lifecycle->finishShutdown();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), h.autoScaling->calls.size());
        CPPUNIT_ASSERT(!fs::exists(dir.path() / "terminated"));
    }

    void testAcceptSurvivesAFailedDelete() {
        Harness h;
        h.actionSqs->failDeletes = true;
        h.lifecycle->accept(AwsLifecycleHook{kQueue, "rh", "g", "i-self", "t", "h"});
        CPPUNIT_ASSERT_EQUAL(1, h.shutdowns.load());
        h.lifecycle->finishShutdown();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), h.autoScaling->calls.size());
    }

    void testPlainShutdownDoesNothing() {
        maelstrom::testing::TempDir dir;
        AwsLifecycleSettings s = settings();
        s.terminateCommand = "/usr/bin/touch " + (dir.path() / "terminated").string();
        Harness h(s);
        h.lifecycle->stop();
        h.lifecycle->finishShutdown();
        CPPUNIT_ASSERT(!fs::exists(dir.path() / "terminated"));
        CPPUNIT_ASSERT_EQUAL(0, h.factoryCalls.load());
    }

    void testSpotNotice() {
        maelstrom::testing::TempDir dir;
        AwsLifecycleSettings s = settings();
        s.terminateCommand = "/usr/bin/touch " + (dir.path() / "spot").string();
        Harness h(s);
        CPPUNIT_ASSERT(!h.lifecycle->pollSpotOnce()); // 404: nothing scheduled
        CPPUNIT_ASSERT_EQUAL(std::string(kSpotInstanceActionPath), h.metadataPaths.at(0));
        CPPUNIT_ASSERT(h.metadataTimeouts.at(0) == 2000ms);
        h.metadataBody = R"({"action":"hibernate","time":"2024-01-01T00:00:00Z"})";
        CPPUNIT_ASSERT(!h.lifecycle->pollSpotOnce());
        h.metadataBody = "<html>";
        CPPUNIT_ASSERT_THROW(h.lifecycle->pollSpotOnce(), std::exception);
        h.metadataError = true;
        CPPUNIT_ASSERT_THROW(h.lifecycle->pollSpotOnce(), aws::AwsError);
        CPPUNIT_ASSERT_EQUAL(0, h.shutdowns.load());
        h.metadataError = false;
        for (const char* action : {"terminate", "stop"}) {
            h.metadataBody = std::string(R"({"action":")") + action + R"(","time":"2024-01-01T00:00:00Z"})";
            CPPUNIT_ASSERT(h.lifecycle->pollSpotOnce());
        }
        CPPUNIT_ASSERT_EQUAL(1, h.shutdowns.load());
        CPPUNIT_ASSERT(h.lifecycle->terminationRequested());
        h.lifecycle->finishShutdown();
        CPPUNIT_ASSERT(h.autoScaling->calls.empty()); // no lifecycle hook to complete
        CPPUNIT_ASSERT(fs::exists(dir.path() / "spot"));
    }

    void testNothingConfiguredMakesNoClient() {
        AwsLifecycleSettings s;
        s.instanceId = "i-self";
        int made = 0;
        AwsLifecycle lifecycle(
            s,
            [&]() -> AwsLifecycleClients {
                ++made;
                return {};
            },
            nullptr, {}, [] {});
        CPPUNIT_ASSERT(!lifecycle.pollersConfigured());
        CPPUNIT_ASSERT_EQUAL(std::string(""), lifecycle.renderMetrics());
        lifecycle.start();
        std::this_thread::sleep_for(100ms);
        lifecycle.stop();
        lifecycle.finishShutdown();
        CPPUNIT_ASSERT_EQUAL(0, made);
    }

    void testQueuePollerTakesTheRoleAndReleasesIt() {
        AwsLifecycleSettings s = settings();
        s.queuePollInterval = 1s;
        Harness h(s, true);
        h.pollSqs->batches.push_back({{"m1", "rh-b", notice("i-b", std::chrono::system_clock::now())}});
        h.lifecycle->start();
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil(
            [&] {
                std::lock_guard lock(h.mutex);
                return !h.sent.empty();
            },
            5s));
        h.lifecycle->stop();
        CPPUNIT_ASSERT(h.aborts.load() >= 1);
        std::lock_guard lock(h.roles->mutex);
        CPPUNIT_ASSERT(!h.roles->asked.empty());
        CPPUNIT_ASSERT_EQUAL(std::string(kAwsTerminatePollerRole), h.roles->asked[0].first);
        CPPUNIT_ASSERT(h.roles->asked[0].second == 95s);
        CPPUNIT_ASSERT(h.roles->released == std::vector<std::string>({kAwsTerminatePollerRole}));
    }

    void testQueuePollerWithoutTheRoleReadsNothing() {
        AwsLifecycleSettings s = settings();
        s.queuePollInterval = 1s;
        Harness h(s, true);
        h.roles->grant = false;
        h.lifecycle->start();
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil(
            [&] {
                std::lock_guard lock(h.roles->mutex);
                return h.roles->asked.size() >= 2;
            },
            5s));
        h.lifecycle->stop();
        CPPUNIT_ASSERT(h.pollSqs->receives.empty());
        CPPUNIT_ASSERT(h.roles->released.empty());
    }

    void testSpotPollerStopsAfterTheNotice() {
        AwsLifecycleSettings s = settings();
        s.queueUrl = "";
        s.spotPollInterval = 1s;
        Harness spot(s);
        spot.lifecycle->start();
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil(
            [&] {
                std::lock_guard lock(spot.mutex);
                return spot.metadataPaths.size() >= 2;
            },
            5s));
        {
            std::lock_guard lock(spot.mutex);
            spot.metadataBody = R"({"action":"terminate"})";
        }
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil([&] { return spot.shutdowns.load() == 1; }, 5s));
        std::this_thread::sleep_for(1500ms);
        std::size_t polls = 0;
        {
            std::lock_guard lock(spot.mutex);
            polls = spot.metadataPaths.size();
        }
        std::this_thread::sleep_for(1500ms);
        std::lock_guard lock(spot.mutex);
        CPPUNIT_ASSERT_EQUAL(polls, spot.metadataPaths.size());
        CPPUNIT_ASSERT(spot.pollSqs->receives.empty());
    }

    void testTerminateNodeCarriesTheFullHook() {
        auto database = std::make_shared<maelstrom::testing::FakeDatabase>();
        DataChanges changes;
        MaelstromService service(database, changes);
        LocalNode node("node-1", "http://127.0.0.1:8374", 8374, -1);
        ClusterView view("node-1");
        PeerClient none(nullptr, "");
        std::vector<AwsLifecycleHook> accepted;
        NodeService nodes(node, view, none, database, {}, "i-self",
                          [&](const AwsLifecycleHook& hook) { accepted.push_back(hook); });
        ApiDispatcher dispatcher(service, changes, nodes, nullptr);
        struct Adapter final : sdk::RpcDispatcher {
            explicit Adapter(ApiDispatcher& d) : api(d) {}
            std::string call(const std::string& method, const std::string& input) override {
                return api.call(method, input);
            }
            ApiDispatcher& api;
        } adapter(dispatcher);
        auto transport = std::make_shared<LoopbackTransport>(adapter);
        PeerClient peers(transport, "");

        const AwsLifecycleHook other{kQueue, "rh", "asg", "i-other", "tok", "hook"};
        const auto no = peers.terminateNode("http://node-1", other);
        CPPUNIT_ASSERT(!no.acceptedMessage);
        CPPUNIT_ASSERT_EQUAL(std::string("node-1"), no.nodeId);
        CPPUNIT_ASSERT_EQUAL(std::string("i-self"), no.instanceId);
        CPPUNIT_ASSERT(accepted.empty());

        const AwsLifecycleHook mine{kQueue, "rh \"quoted\"", "asg", "i-self", "tok+/=", "hook"};
        CPPUNIT_ASSERT(peers.terminateNode("http://node-1", mine).acceptedMessage);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), accepted.size());
        CPPUNIT_ASSERT(sameHook(mine, accepted[0]));

        // The reference's keys, as another implementation sends them; InstanceId is required.
        const std::string answer = dispatcher.call("NodeService.TerminateNode",
                                                   R"({"awsLifecycleHook":{"InstanceId":"i-self","QueueUrl":"q"}})");
        CPPUNIT_ASSERT(answer.find("\"acceptedMessage\":true") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("q"), accepted.back().queueUrl);
        CPPUNIT_ASSERT_THROW(dispatcher.call("NodeService.TerminateNode", R"({"awsLifecycleHook":{}})"), sdk::RpcError);
        // Without an instance id of its own a node accepts nothing (the reference compared two empty ids equal).
        NodeService anonymous(node, view, none, database, {}, "",
                              [&](const AwsLifecycleHook& hook) { accepted.push_back(hook); });
        CPPUNIT_ASSERT(!anonymous.terminate(AwsLifecycleHook{}).acceptedMessage);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), accepted.size());
    }

    void testCommandSplitOnSingleSpaces() {
        CPPUNIT_ASSERT(splitTerminateCommand("") == std::vector<std::string>{});
        CPPUNIT_ASSERT(splitTerminateCommand("   ") == std::vector<std::string>{});
        CPPUNIT_ASSERT(splitTerminateCommand("/sbin/shutdown -h now") ==
                       std::vector<std::string>({"/sbin/shutdown", "-h", "now"}));
        CPPUNIT_ASSERT(splitTerminateCommand(" a  'b c' ") == std::vector<std::string>({"a", "'b", "c'"}));
        // Tabs are not separators.
        CPPUNIT_ASSERT(splitTerminateCommand("a\tb c") == std::vector<std::string>({"a\tb", "c"}));
    }

    void testCommandRunsWithoutAShell() {
        maelstrom::testing::TempDir dir;
        const std::string base = dir.path().string();
        const auto argv = splitTerminateCommand("/usr/bin/touch " + base + "/x;touch " + base + "/$HOME|y");
        const auto outcome = runCommand(argv, 10s);
        CPPUNIT_ASSERT_MESSAGE(outcome.describe(), outcome.started && outcome.exitCode == 0);
        // A shell would have run two commands, expanded $HOME and piped into y.
        CPPUNIT_ASSERT(fs::exists(dir.path() / "x;touch"));
        CPPUNIT_ASSERT(fs::exists(dir.path() / "$HOME|y"));
        std::size_t files = 0;
        for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) {
            ++files;
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), files);
        // Looked up in PATH like exec.Command.
        CPPUNIT_ASSERT_EQUAL(0, runCommand({"true"}, 10s).exitCode);
    }

    void testCommandOutcomes() {
        const auto missing = runCommand({"/nonexistent/terminate-me"}, 10s);
        CPPUNIT_ASSERT(!missing.started);
        CPPUNIT_ASSERT(!missing.error.empty());
        CPPUNIT_ASSERT(!runCommand({}, 1s).started);
        CPPUNIT_ASSERT_EQUAL(3, runCommand({"/bin/sh", "-c", "exit 3"}, 10s).exitCode);
        const auto start = std::chrono::steady_clock::now();
        const auto slow = runCommand({"/bin/sleep", "30"}, 300ms);
        CPPUNIT_ASSERT(slow.timedOut);
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - start < 10s);
        CPPUNIT_ASSERT(slow.describe().find("killed") != std::string::npos);
    }

    void testCommandStartsWithDefaultSignals() {
        // maelstromd blocks SIGTERM in every thread; the command must not inherit that.
        sigset_t term;
        sigemptyset(&term);
        sigaddset(&term, SIGTERM);
        sigset_t old;
        pthread_sigmask(SIG_BLOCK, &term, &old);
        const auto outcome = runCommand({"/bin/sh", "-c", "kill -TERM $$; exit 7"}, 10s);
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        CPPUNIT_ASSERT_MESSAGE(outcome.describe(), outcome.signal == SIGTERM);
        // No descriptor but 0-2 is inherited, not even one opened without close-on-exec.
        const int fd = ::open("/dev/null", O_RDONLY);
        CPPUNIT_ASSERT(fd > 2);
        const auto fds =
            runCommand({"/bin/sh", "-c", "test ! -e /proc/self/fd/" + std::to_string(fd) + " || exit 9"}, 10s);
        ::close(fd);
        CPPUNIT_ASSERT_MESSAGE(fds.describe(), fds.exitCode == 0);
    }

    void testPollSetting() {
        const NodeSettingsInput none;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(30), resolveNodeSettings(none, {}, "f").awsTerminatePollSeconds);
        CPPUNIT_ASSERT_EQUAL(
            std::int64_t(5),
            resolveNodeSettings(none, {{"MAEL_AWS_TERMINATE_POLL_SECONDS", "5"}}, "f").awsTerminatePollSeconds);
        CPPUNIT_ASSERT_THROW(resolveNodeSettings(none, {{"MAEL_AWS_TERMINATE_POLL_SECONDS", "0"}}, "f"), ConfigError);
        CPPUNIT_ASSERT_THROW(resolveNodeSettings(none, {{"MAEL_AWS_TERMINATE_POLL_SECONDS", "x"}}, "f"), ConfigError);
        CPPUNIT_ASSERT_THROW(resolveNodeSettings(none, {{"MAEL_AWS_TERMINATE_MAX_AGE_SECONDS", "0"}}, "f"),
                             ConfigError);
        NodeSettingsInput file;
        file.values["aws_terminate_poll_seconds"] = "7";
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), resolveNodeSettings(file, {}, "f").awsTerminatePollSeconds);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AwsLifecycleTest);
