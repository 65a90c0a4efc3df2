// sqs_cluster_test.cpp — sqs pollers across two daemons sharing one MariaDB: each poller role (aws-sqs-<source>-
// <i>-<c>) runs on exactly one node at a time, together as many as the source's maxconcurrency asks for, spread
// evenly (two each of four, within a few reloads of both nodes seeing each other), and every message is processed
// and deleted; a toggle through either node stops or resumes the polling within 2 s; when the node running pollers
// stops, the other takes their roles within a few seconds (a graceful stop releases them) and the queue keeps
// draining; when it comes back, each node polls two again within a few reloads. Which node polls is read from each
// node's log (its pollers' start and stop lines), the role table and the wrapper's request log (each node signs
// with an access key of its own).
// SPDX-License-Identifier: Apache-2.0
#include "aws_env.h"
#include "cluster_env.h"

#include <set>

using namespace maelstrom::testing;
using namespace maelstrom::testing::cluster;
using namespace maelstrom::testing::aws;
using maelstrom::testing::cron::joined;

namespace {

/// The poller roles running on a node, from its log: "sqs: poller <role> (...) starts with concurrency" and
/// "... stops (".
std::set<std::string> runningPollers(const Daemon& node) {
    std::set<std::string> running;
    std::istringstream lines(node.log());
    std::string line;
    const std::string needle = "sqs: poller ";
    while (std::getline(lines, line)) {
        const auto at = line.find(needle);
        if (at == std::string::npos) {
            continue;
        }
        const auto start = at + needle.size();
        const std::string role = line.substr(start, line.find(' ', start) - start);
        if (line.find(") starts with concurrency", start) != std::string::npos) {
            running.insert(role);
        } else if (line.find(") stops (", start) != std::string::npos) {
            running.erase(role);
        }
    }
    return running;
}

/// The aws-sqs-* rows of the role table (role → node), through the mariadb client.
std::map<std::string, std::string> sqsRoleHolders() {
    // user:password@(host:port)/database
    const std::string dsn = db::mysqlDsn();
    const auto colon = dsn.find(':');
    const auto atSign = dsn.find("@(");
    const auto portColon = dsn.find(':', atSign);
    const auto close = dsn.find(")/", atSign);
    std::map<std::string, std::string> holders;
    if (colon == std::string::npos || atSign == std::string::npos || portColon == std::string::npos ||
        close == std::string::npos) {
        return holders;
    }
    const std::string database = dsn.substr(close + 2, dsn.find('?', close) - close - 2);
    const auto r = runProcess({"mariadb", "-h", dsn.substr(atSign + 2, portColon - atSign - 2), "-P",
                               dsn.substr(portColon + 1, close - portColon - 1), "-u", dsn.substr(0, colon),
                               "-p" + dsn.substr(colon + 1, atSign - colon - 1), database, "-N", "-B", "-e",
                               "SELECT roleId, nodeId FROM rolelock WHERE roleId LIKE 'aws-sqs-%'"});
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto parts = lifecycle::words(line);
        if (parts.size() == 2) {
            holders[parts[0]] = parts[1];
        }
    }
    return holders;
}

std::string describe(const std::map<std::string, std::set<std::string>>& pollers) {
    std::string out;
    for (const auto& [node, roles] : pollers) {
        out += node + ":";
        for (const auto& r : roles) {
            out += " " + r;
        }
        out += "\n";
    }
    return out;
}

} // namespace

class SqsClusterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SqsClusterTest);
    CPPUNIT_TEST(testPollersSharedAndTakenOver);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPollersSharedAndTakenOver() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        Cluster cluster;
        const std::vector<std::string> ids = {"cluster-a", "cluster-b"};
        std::map<std::string, NodeOptions> nodeOptions;
        for (const auto& id : ids) {
            NodeOptions options;
            options.env = awsEnvironment();
            // The wrapper ignores signatures: a key per node tells whose request it logged.
            options.env["AWS_ACCESS_KEY_ID"] = "AKID" + id.substr(id.size() - 1);
            options.eventSources = eventSourcesYaml();
            nodeOptions[id] = options;
            cluster.start(id, options);
        }
        const std::string project = lifecycle::uniqueProject("sqsc");
        lifecycle::ProjectCleanup cleanup(project);
        const std::string component = componentName(project, "worker");
        const std::string queue = createQueue(project + "-jobs");
        struct QueueCleanup {
            std::string url;
            ~QueueCleanup() { deleteQueue(url); }
        } queueCleanup{queue};
        cluster.putProject("cluster-a", awsProject(project, "worker", project + ".sqs.test",
                                                   {{.key = "jobs",
                                                     .queueName = project + "-jobs",
                                                     .path = "/script/c",
                                                     .maxConcurrency = 4,
                                                     .concurrencyPerPoller = 1,
                                                     .visibilityTimeout = 30}},
                                                   {}, {"idletimeoutseconds: 300", "maxconcurrency: 10"}));
        sendMessage(queue, "id=warm");
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(),
                               waitUntil([&] { return hitCounts(scriptHits(component))["warm"] >= 1; }, 90s));

        // Four pollers in the cluster, each role on one node only, as the role table says.
        std::map<std::string, std::set<std::string>> pollers;
        const auto settled = [&] {
            pollers.clear();
            std::multiset<std::string> all;
            for (const auto& id : cluster.running()) {
                pollers[id] = runningPollers(cluster.node(id));
                all.insert(pollers[id].begin(), pollers[id].end());
            }
            std::set<std::string> distinct(all.begin(), all.end());
            return all.size() == 4 && distinct.size() == 4;
        };
        CPPUNIT_ASSERT_MESSAGE(describe(pollers) + cluster.tails(), waitUntil(settled, 20s));
        // With both nodes in each other's view each node's share is two: the node that took more while it was
        // alone gives up the excess at its next reload, its pollers end within a receive wait and the other node
        // takes the roles at its next reload — a few reloads (reload_seconds 1) and a receive wait (1 s).
        CPPUNIT_ASSERT_MESSAGE(cluster.views(ids),
                               cluster.waitForView(ids, std::set<std::string>(ids.begin(), ids.end()), 30s));
        const auto spreadFrom = std::chrono::steady_clock::now();
        const auto even = [&] {
            return settled() &&
                   std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return pollers[id].size() == 2; });
        };
        CPPUNIT_ASSERT_MESSAGE(describe(pollers) + cluster.tails(), waitUntil(even, 3 * 1s + 5s));
        std::cerr << "\n  two pollers per node " << secondsSince(spreadFrom)
                  << " s after both nodes see each other with four roles:\n"
                  << describe(pollers);
        for (int i = 0; i < 3; ++i) { // and it stays so over several reloads
            std::this_thread::sleep_for(1s);
            CPPUNIT_ASSERT_MESSAGE(describe(pollers) + cluster.tails(), even());
        }
        const auto holders = sqsRoleHolders();
        for (const auto& [node, roles] : pollers) {
            for (const auto& role : roles) {
                const auto it = holders.find(role);
                CPPUNIT_ASSERT_MESSAGE(describe(pollers) + role, it != holders.end() && it->second == node);
            }
        }

        // Every message processed and deleted once.
        const auto burstSince = nowMillis();
        for (int i = 0; i < 16; ++i) {
            sendMessage(queue, "id=c" + std::to_string(i) + "\nsleep=300");
        }
        const auto allDone = [&](int n, const std::string& prefix) {
            return [&, n, prefix] {
                const auto counts = hitCounts(scriptHits(component));
                for (int i = 0; i < n; ++i) {
                    if (counts.count(prefix + std::to_string(i)) == 0) {
                        return false;
                    }
                }
                return queueCounts(queue).total() == 0;
            };
        };
        CPPUNIT_ASSERT_MESSAGE(joined(scriptHits(component)) + cluster.tails(), waitUntil(allDone(16, "c"), 60s));
        std::this_thread::sleep_for(1s);
        auto calls = sqsCalls(burstSince);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(aws::joined(calls), std::size_t(16),
                                     callsOf(calls, "DeleteMessage", queue).size());
        std::map<std::string, int> receivesByClient;
        for (const auto& c : callsOf(calls, "ReceiveMessage", queue)) {
            ++receivesByClient[c.client.empty() ? "?" : c.client];
        }
        std::cerr << "  receives per client:";
        for (const auto& [client, n] : receivesByClient) {
            std::cerr << " " << client << "=" << n;
        }
        std::cerr << "\n";

        // Disabled through one node, enabled through the other: every node's pollers follow within 2 s.
        const auto toggle = [&](const std::string& through, bool enable) {
            const auto r = cluster.maelctl(
                through, {"es", enable ? "enable" : "disable", "--component=" + component, "--type=sqs"});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, 0, r.exitCode);
        };
        const auto disabledAt = nowMillis();
        toggle(ids[1], false);
        std::this_thread::sleep_for(3s);
        std::int64_t lastReceive = 0;
        for (const auto& c : callsOf(sqsCalls(disabledAt - 5000), "ReceiveMessage", queue)) {
            lastReceive = std::max(lastReceive, c.startedAt);
        }
        const auto enabledAt = nowMillis();
        toggle(ids[0], true);
        sendMessage(queue, "id=after-enable");
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(),
                               waitUntil([&] { return hitCounts(scriptHits(component))["after-enable"] >= 1; }, 10s));
        std::int64_t firstReceive = 0;
        for (const auto& c : callsOf(sqsCalls(enabledAt), "ReceiveMessage", queue)) {
            if (c.startedAt >= enabledAt && (firstReceive == 0 || c.startedAt < firstReceive)) {
                firstReceive = c.startedAt;
            }
        }
        std::cerr << "  disabled through " << ids[1] << ": last receive " << lastReceive - disabledAt
                  << " ms after; enabled through " << ids[0] << ": first receive " << firstReceive - enabledAt
                  << " ms after\n";
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(), lastReceive < disabledAt + 2000);
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(), firstReceive > 0 && firstReceive < enabledAt + 3000);
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(), waitUntil([&] { return queueCounts(queue).total() == 0; }, 10s));
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(), waitUntil(settled, 20s));
        std::cerr << "  pollers after the toggles:\n" << describe(pollers);

        // The node with the most pollers stops (gracefully: its roles are released, its container stops); the
        // other takes the roles: first one poller (no instance runs), whose message cold-starts the component
        // there, then all four.
        std::string busiest = ids[0];
        for (const auto& id : ids) {
            if (pollers[id].size() > pollers[busiest].size()) {
                busiest = id;
            }
        }
        const std::string other = busiest == ids[0] ? ids[1] : ids[0];
        const auto afterSince = nowMillis();
        const auto stoppedAt = std::chrono::steady_clock::now();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(cluster.tails(), 0, cluster.stop(busiest));
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(),
                               waitUntil([&] { return !runningPollers(cluster.node(other)).empty(); }, 10s));
        std::cerr << "  " << busiest << " stopped: " << other << " polls " << secondsSince(stoppedAt) << " s later";
        for (int i = 0; i < 8; ++i) {
            sendMessage(queue, "id=d" + std::to_string(i) + "\nsleep=300");
        }
        CPPUNIT_ASSERT_MESSAGE(joined(scriptHits(component)) + cluster.tails(), waitUntil(allDone(8, "d"), 90s));
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(),
                               waitUntil([&] { return runningPollers(cluster.node(other)).size() == 4; }, 20s));
        std::cerr << ", runs all 4 pollers " << secondsSince(stoppedAt) << " s later\n";
        std::this_thread::sleep_for(1s);
        calls = sqsCalls(afterSince);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(aws::joined(calls), std::size_t(8), callsOf(calls, "DeleteMessage", queue).size());
        for (const auto& c : callsOf(calls, "ReceiveMessage", queue)) {
            if (c.startedAt > afterSince + 3000) { // the stopped node's last receives may end after the stop began
                CPPUNIT_ASSERT_EQUAL_MESSAGE(c.text(), "AKID" + other.substr(other.size() - 1), c.client);
            }
        }

        // The stopped node comes back: once the two see each other again, the node that polls all four gives the
        // two highest back (they end within a receive wait) and the newcomer takes them at its next reload.
        const auto restartedAt = std::chrono::steady_clock::now();
        cluster.start(busiest, nodeOptions[busiest]);
        CPPUNIT_ASSERT_MESSAGE(cluster.views(ids),
                               cluster.waitForView(ids, std::set<std::string>(ids.begin(), ids.end()), 30s));
        const auto rejoinedAt = std::chrono::steady_clock::now();
        CPPUNIT_ASSERT_MESSAGE(describe(pollers) + cluster.tails(), waitUntil(even, 3 * 1s + 5s));
        std::cerr << "  " << busiest << " back: two pollers per node " << secondsSince(rejoinedAt)
                  << " s after both nodes see each other (" << secondsSince(restartedAt) << " s after its start):\n"
                  << describe(pollers);
        for (int i = 0; i < 3; ++i) {
            std::this_thread::sleep_for(1s);
            CPPUNIT_ASSERT_MESSAGE(describe(pollers) + cluster.tails(), even());
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqsClusterTest);
