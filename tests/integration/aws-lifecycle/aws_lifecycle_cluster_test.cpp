// aws_lifecycle_cluster_test.cpp — the AWS node lifecycle across two maelstromd sharing one MariaDB: the node that
// reads the lifecycle-hook queue is not the one the notice names, so it sends TerminateNode to its peer, which
// deletes the notice, drains and exits, completes the lifecycle action and runs its terminate command, while the
// reading node keeps running. The named node has no queue of its own: a node completes what it is told even when
// it reads no queue itself.
// SPDX-License-Identifier: Apache-2.0
#include "aws_env.h"
#include "cluster_env.h"

#include <unistd.h>

using namespace maelstrom::testing;
using namespace maelstrom::testing::cluster;
using namespace maelstrom::testing::aws;

class AwsLifecycleClusterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AwsLifecycleClusterTest);
    CPPUNIT_TEST(testNoticeForAPeerShutsThePeerDown);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNoticeForAPeerShutsThePeerDown() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        TempDir dir;
        const std::string suffix = std::to_string(::getpid());
        const std::string queue = createQueue("mael-lifecycle-cluster-" + suffix);
        struct QueueCleanup {
            std::string url;
            ~QueueCleanup() { deleteQueue(url); }
        } cleanup{queue};
        const std::string instanceA = "i-a-" + suffix;
        const std::string instanceB = "i-b-" + suffix;
        const std::string token = "tok-b-" + suffix;

        auto options = [&](const std::string& instance, const std::string& queueUrl) {
            NodeOptions o;
            o.env = awsEnvironment(); // it removes MAEL_AWS_TERMINATE_QUEUE_URL: a node given no queue reads none
            o.env.erase("-MAEL_INSTANCE_ID");
            o.env["MAEL_INSTANCE_ID"] = instance;
            o.env["MAEL_AWS_TERMINATE_POLL_SECONDS"] = "1";
            o.env["MAEL_TERMINATE_COMMAND"] = "/usr/bin/touch " + (dir.path() / instance).string();
            if (!queueUrl.empty()) {
                o.env.erase("-MAEL_AWS_TERMINATE_QUEUE_URL");
                o.env["MAEL_AWS_TERMINATE_QUEUE_URL"] = queueUrl;
            }
            return o;
        };
        Cluster cluster;
        Daemon& a = cluster.start("cluster-a", options(instanceA, queue));
        Daemon& b = cluster.start("cluster-b", options(instanceB, ""));
        CPPUNIT_ASSERT_MESSAGE(cluster.views({"cluster-a", "cluster-b"}),
                               cluster.waitForView({"cluster-a", "cluster-b"}, {"cluster-a", "cluster-b"}, 30s));
        CPPUNIT_ASSERT_MESSAGE(a.tail(), a.waitForLog("aws: reading lifecycle-hook notices", 10s));

        sendMessage(queue, lifecycleNotice(instanceB, "asg-cluster", "drain-hook", token));
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(), waitUntil([&] { return !b.running(); }, 60s));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(b.tail(), 0, b.stop());
        CPPUNIT_ASSERT_MESSAGE(a.tail(), a.waitForLog("aws: node cluster-b accepted the termination", 10s));

        std::vector<LifecycleAction> forB;
        for (const auto& action : lifecycleActions()) {
            if (action.instanceId == instanceB) {
                forB.push_back(action);
            }
            CPPUNIT_ASSERT_MESSAGE(action.raw, action.instanceId != instanceA);
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(b.log(), std::size_t(1), forB.size());
        CPPUNIT_ASSERT_EQUAL(std::string("asg-cluster"), forB[0].group);
        CPPUNIT_ASSERT_EQUAL(std::string("drain-hook"), forB[0].hook);
        CPPUNIT_ASSERT_EQUAL(token, forB[0].token);
        CPPUNIT_ASSERT_EQUAL(std::string("CONTINUE"), forB[0].result);
        CPPUNIT_ASSERT_MESSAGE(forB[0].raw, forB[0].signatureValid);
        CPPUNIT_ASSERT_MESSAGE(b.log(), std::filesystem::exists(dir.path() / instanceB));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(b.log(), 0, queueCounts(queue).total());

        // The reading node is untouched, and keeps the cluster without its peer.
        std::this_thread::sleep_for(2s);
        CPPUNIT_ASSERT_MESSAGE(a.tail(), a.running());
        CPPUNIT_ASSERT(!std::filesystem::exists(dir.path() / instanceA));
        CPPUNIT_ASSERT_MESSAGE(cluster.views({"cluster-a"}), cluster.waitForView({"cluster-a"}, {"cluster-a"}, 30s));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AwsLifecycleClusterTest);
