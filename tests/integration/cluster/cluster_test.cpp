// cluster_test.cpp — a maelstromd cluster end to end: three or four daemons on this host with their own node
// ids and ports, one shared database (MariaDB or PostgreSQL, MAELSTROM_TEST_DB_ENGINE) and one dockerd.
// Covered: nodes find each other within seconds (and a new node joins as fast); 50 concurrent first requests
// spread over the nodes start exactly one container cluster-wide; a node without an instance relays to the
// node that has one, in both directions; a relay-only node (no memory) never runs a container but serves;
// a project put on one node reaches every node; minimum instances spread over the nodes; a new node takes
// over one of the containers of a busy node; a node stopping gracefully is dropped at once and its component
// is served elsewhere without failed requests; a killed node is dropped and its component placed elsewhere
// while the other components keep serving; a database restart does not interrupt serving, and the cluster
// works as before afterwards. Timings are printed as "cluster: <what> <seconds>" and asserted with slack.
// SPDX-License-Identifier: Apache-2.0
#include "cluster_env.h"

#include <barrier>
#include <csignal>
#include <iostream>
#include <thread>

using namespace maelstrom::testing;
using namespace maelstrom::testing::cluster;
using lifecycle::componentYaml;
using lifecycle::containsShortId;
using lifecycle::LoadClient;
using lifecycle::ProjectCleanup;
using lifecycle::projectYaml;

namespace {

using Clock = std::chrono::steady_clock;

const std::string A = "cluster-a";
const std::string B = "cluster-b";
const std::string C = "cluster-c";
const std::string D = "cluster-d";

/// Prints one measured figure to stdout ("cluster: discovery 0.81 s (mariadb)"; below 0.1 s in ms).
void figure(const std::string& what, double secondsValue, const std::string& detail = "") {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.2f ms", secondsValue * 1000);
    std::cout << "cluster: " << what << " " << (secondsValue < 0.1 ? std::string(ms) : seconds(secondsValue)) << " ("
              << engineLabel() << (detail.empty() ? "" : ", " + detail) << ")" << std::endl;
}

std::string hostname(const std::string& project, const std::string& key) {
    return key + "." + project + ".cluster.test";
}

/// A component of the fixture that never scales up under the tests' load and stays up for the whole test.
std::string component(const std::string& project, const std::string& key, std::vector<std::string> extra = {}) {
    extra.push_back("idletimeoutseconds: 300");
    bool hasConcurrency = false;
    for (const auto& line : extra)
        hasConcurrency = hasConcurrency || line.rfind("maxconcurrency:", 0) == 0;
    if (!hasConcurrency)
        extra.push_back("maxconcurrency: 50");
    return componentYaml(key, hostname(project, key), extra);
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ",") + i;
    return out;
}

std::string countsText(const std::map<std::string, int>& counts) {
    std::string out = "{";
    for (const auto& [node, n] : counts)
        out += (out.size() > 1 ? " " : "") + (node.empty() ? "?" : node) + ":" + std::to_string(n);
    return out + "}";
}

std::vector<std::string> ids(const std::vector<Placement>& placements) {
    std::vector<std::string> out;
    for (const auto& p : placements)
        out.push_back(p.id);
    return out;
}

/// The node the only running container of `component` is on ("" when there is not exactly one).
std::string onlyNode(const std::string& component) {
    const auto placed = runningPlacements(component);
    return placed.size() == 1 ? placed[0].node : "";
}

std::vector<std::string> without(const std::vector<std::string>& all, const std::string& id) {
    std::vector<std::string> out;
    for (const auto& i : all) {
        if (i != id)
            out.push_back(i);
    }
    return out;
}

std::string loadErrors(const LoadClient::Result& r) {
    std::string out = std::to_string(r.errors) + " of " + std::to_string(r.requests) + " failed";
    for (const auto& e : r.errorSamples)
        out += "\n  " + e;
    return out;
}

/// Runs the database start script when it goes out of scope (the server must not stay down after a failure).
struct DatabaseStarter {
    DatabaseStarter() = default;
    DatabaseStarter(const DatabaseStarter&) = delete;
    DatabaseStarter& operator=(const DatabaseStarter&) = delete;
    ~DatabaseStarter() { databaseScript("start"); }
};

} // namespace

class ClusterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ClusterTest);
    CPPUNIT_TEST(testDiscoveryAndJoin);
    CPPUNIT_TEST(testConcurrentColdStartsOverThreeNodesStartOneContainer);
    CPPUNIT_TEST(testRelayingBothWays);
    CPPUNIT_TEST(testRelayOnlyNodeServesButNeverRuns);
    CPPUNIT_TEST(testProjectPutOnOneNodeReachesEveryNode);
    CPPUNIT_TEST(testMinInstancesSpreadOverNodes);
    CPPUNIT_TEST(testNewNodeReceivesAContainer);
    CPPUNIT_TEST(testGracefulLeave);
    CPPUNIT_TEST(testKilledNodeUnderLoad);
    CPPUNIT_TEST(testDatabaseRestartUnderLoad);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { std::cout << std::endl; } // figures start on their own line, after the test's name

    void testDiscoveryAndJoin() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        Cluster cluster;
        cluster.start(A);
        cluster.start(B);
        cluster.start(C);
        auto t0 = Clock::now();
        bool ok = cluster.waitForView({A, B, C}, {A, B, C}, 15s);
        const double discovery = secondsSince(t0);
        figure("discovery", discovery, "3 nodes, from the last start until each lists all 3");
        CPPUNIT_ASSERT_MESSAGE("after " + seconds(discovery) + " not every node lists the three:\n" +
                                   cluster.views({A, B, C}) + cluster.tails(),
                               ok);
        CPPUNIT_ASSERT_MESSAGE("discovery took " + seconds(discovery) + " (target 2 s)", discovery < 3.0);

        // Each row shows the node's peer address.
        std::string raw;
        listedNodes(cluster.node(B), &raw);
        for (const auto& id : {A, B, C}) {
            CPPUNIT_ASSERT_MESSAGE("no row '" + id + "  127.0.0.1' in:\n" + raw,
                                   raw.find("\n" + id + std::string(14 - id.size(), ' ') + "  127.0.0.1 ") !=
                                       std::string::npos);
        }

        // A fourth node joining a running cluster.
        cluster.start(D);
        t0 = Clock::now();
        ok = cluster.waitForView({A, B, C, D}, {A, B, C, D}, 15s);
        const double join = secondsSince(t0);
        figure("join", join, "a 4th node, until each of the 4 lists all 4");
        CPPUNIT_ASSERT_MESSAGE("after " + seconds(join) + " not every node lists the four:\n" +
                                   cluster.views({A, B, C, D}) + cluster.tails(),
                               ok);
        CPPUNIT_ASSERT_MESSAGE("join took " + seconds(join) + " (target 2 s)", join < 3.0);
    }

    void testConcurrentColdStartsOverThreeNodesStartOneContainer() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        const std::string project = lifecycle::uniqueProject("cl");
        ProjectCleanup cleanup(project); // after the nodes have stopped
        Cluster cluster;
        const std::string web = componentName(project, "web");
        const std::string host = hostname(project, "web");
        auto& a = cluster.start(A);
        a.putProject(projectYaml(project, {component(project, "web", {"maxconcurrency: 100"})}));
        cluster.start(B);
        cluster.start(C);
        CPPUNIT_ASSERT_MESSAGE(cluster.views({A, B, C}) + cluster.tails(),
                               cluster.waitForView({A, B, C}, {A, B, C}, 15s));

        const std::vector<int> ports{a.publicPort(), cluster.node(B).publicPort(), cluster.node(C).publicPort()};
        constexpr int kClients = 50;
        std::vector<Reply> replies(kClients);
        std::barrier go(kClients);
        const auto t0 = Clock::now();
        {
            std::vector<std::jthread> clients;
            for (int i = 0; i < kClients; ++i) {
                clients.emplace_back([&, i] {
                    go.arrive_and_wait();
                    replies[static_cast<std::size_t>(i)] =
                        lifecycle::request(ports[static_cast<std::size_t>(i % 3)], host, "/sleep?ms=100", 60s);
                });
            }
        }
        const double took = secondsSince(t0);
        double slowest = 0;
        for (int i = 0; i < kClients; ++i) {
            const auto& r = replies[static_cast<std::size_t>(i)];
            slowest = std::max(slowest, r.millis / 1000);
            CPPUNIT_ASSERT_EQUAL_MESSAGE("request " + std::to_string(i) + " to node " + std::to_string(i % 3) + ": " +
                                             describe(r) + cluster.tails(),
                                         200, r.status);
        }
        figure("50 concurrent cold-start requests over 3 nodes", took, "slowest " + seconds(slowest));
        const auto all = lifecycle::containersOnceStarted(web);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("containers started cluster-wide (running per node " +
                                         countsText(countByNode(web)) + ")" + cluster.tails(),
                                     std::size_t(1), all.size());
        const std::string where = onlyNode(web);
        CPPUNIT_ASSERT_MESSAGE("the container has no maelstrom_node label of the cluster: '" + where + "'",
                               where == A || where == B || where == C);

        // Every node's `cluster ps` shows the container on its node.
        for (const auto& id : {A, B, C}) {
            std::string raw;
            const bool listed = waitUntil(
                [&] {
                    const auto rows = listedContainers(cluster.node(id), &raw);
                    if (!rows)
                        return false;
                    for (const auto& row : *rows) {
                        if (row.component == web.substr(0, 30) && row.node == where)
                            return true;
                    }
                    return false;
                },
                3s);
            CPPUNIT_ASSERT_MESSAGE(id + ": cluster ps does not list " + web + " on " + where + ":\n" + raw, listed);
        }
    }

    void testRelayingBothWays() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        const std::string project = lifecycle::uniqueProject("cl");
        ProjectCleanup cleanup(project); // after the nodes have stopped
        Cluster cluster;
        const std::string big = componentName(project, "big");
        const std::string small = componentName(project, "small");
        // `big` fits only on A (600 of 1000 MiB; B has 300). `small` fits on both; B, still empty, is the better
        // place once A runs `big`.
        auto& a = cluster.start(A, withMemory(1000));
        a.putProject(projectYaml(project, {component(project, "big", {"reservememory: 600"}),
                                           component(project, "small", {"reservememory: 200"})}));
        auto& b = cluster.start(B, withMemory(300));
        CPPUNIT_ASSERT_MESSAGE(cluster.views({A, B}) + cluster.tails(), cluster.waitForView({A, B}, {A, B}, 15s));

        // A first request to B for `big`: started on A, relayed by B.
        Reply first = b.request(hostname(project, "big"), "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE("big through B: " + describe(first) + cluster.tails(), 200, first.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("big runs on " + countsText(countByNode(big)), A, onlyNode(big));
        CPPUNIT_ASSERT_MESSAGE(first.body + " is not big's container",
                               containsShortId(ids(runningPlacements(big)), first.body));
        figure("cold start relayed (B -> A)", first.millis / 1000);

        // A first request to A for `small`: started on B, relayed by A.
        first = a.request(hostname(project, "small"), "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE("small through A: " + describe(first) + cluster.tails(), 200, first.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("small was expected on the empty node B; runs on " +
                                         countsText(countByNode(small)) + cluster.tails(),
                                     B, onlyNode(small));
        figure("cold start relayed (A -> B)", first.millis / 1000);

        // Warm: each component through each node answers from its one container.
        for (const auto& key : {"big", "small"}) {
            const std::string name = componentName(project, key);
            const auto running = ids(runningPlacements(name));
            for (const auto& id : {A, B}) {
                double total = 0;
                constexpr int kRequests = 20;
                for (int i = 0; i < kRequests; ++i) {
                    const Reply r = cluster.node(id).request(hostname(project, key), "/id", 10s);
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(name + " through " + id + ": " + describe(r), 200, r.status);
                    CPPUNIT_ASSERT_MESSAGE(name + " through " + id + " answered by " + r.body,
                                           containsShortId(running, r.body));
                    total += r.millis;
                }
                const bool relayed = onlyNode(name) != id;
                figure(std::string(relayed ? "relayed" : "local") + " request " + key + " via " + id,
                       total / kRequests / 1000, "mean of 20");
            }
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(cluster.tails(), std::size_t(1), lifecycle::containersOnceStarted(big).size());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(cluster.tails(), std::size_t(1), lifecycle::containersOnceStarted(small).size());
    }

    void testRelayOnlyNodeServesButNeverRuns() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        const std::string project = lifecycle::uniqueProject("cl");
        ProjectCleanup cleanup(project); // after the nodes have stopped
        Cluster cluster;
        const std::string web = componentName(project, "web");
        const std::string warm = componentName(project, "warm");
        auto& a = cluster.start(A);
        auto& relay = cluster.start(B, withMemory(0));
        CPPUNIT_ASSERT_MESSAGE(cluster.views({A, B}) + cluster.tails(), cluster.waitForView({A, B}, {A, B}, 15s));
        // Put through the relay-only node: it stores and announces like any other.
        relay.putProject(
            projectYaml(project, {component(project, "web"), component(project, "warm", {"mininstances: 2"})}));

        const Reply first = relay.request(hostname(project, "web"), "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE("through the relay-only node: " + describe(first) + cluster.tails(), 200,
                                     first.status);
        figure("cold start through a relay-only node", first.millis / 1000);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("web runs on " + countsText(countByNode(web)), A, onlyNode(web));
        const auto running = ids(runningPlacements(web));
        for (int i = 0; i < 20; ++i) {
            const Reply r = relay.request(hostname(project, "web"), "/id", 10s);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 200, r.status);
            CPPUNIT_ASSERT_MESSAGE("answered by " + r.body, containsShortId(running, r.body));
        }
        // Minimum instances go to the node with memory only.
        CPPUNIT_ASSERT_MESSAGE("warm: 2 instances on A expected, running " + countsText(countByNode(warm)) +
                                   cluster.tails(),
                               waitUntil(
                                   [&] {
                                       return countByNode(warm) == std::map<std::string, int>{{A, 2}};
                                   },
                                   20s));
        const Reply warmReply = relay.request(hostname(project, "warm"), "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(warmReply), 200, warmReply.status);
        CPPUNIT_ASSERT_MESSAGE("the relay-only node runs containers: " + joined(nodeContainers(B)),
                               nodeContainers(B).empty());
        CPPUNIT_ASSERT_EQUAL(200, a.request(hostname(project, "web"), "/").status);
    }

    void testProjectPutOnOneNodeReachesEveryNode() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        const std::string project = lifecycle::uniqueProject("cl");
        ProjectCleanup cleanup(project); // after the nodes have stopped
        Cluster cluster;
        const std::string web = componentName(project, "web");
        const std::string host = hostname(project, "web");
        auto yaml = [&](int deploy) {
            return projectYaml(
                project, {component(project, "web", {"environment: [\"DEPLOY=" + std::to_string(deploy) + "\"]"})});
        };
        auto& a = cluster.start(A);
        a.putProject(yaml(1));
        cluster.start(B);
        cluster.start(C);
        const std::vector<std::string> all{A, B, C};
        CPPUNIT_ASSERT_MESSAGE(cluster.views(all) + cluster.tails(), cluster.waitForView(all, {A, B, C}, 15s));
        const Reply first = cluster.node(B).request(host, "/env");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(first) + cluster.tails(), 200, first.status);
        const std::string where = onlyNode(web);
        CPPUNIT_ASSERT_MESSAGE("web runs on " + countsText(countByNode(web)), !where.empty());
        for (const auto& id : all) {
            const Reply r = cluster.node(id).request(host, "/env");
            CPPUNIT_ASSERT_MESSAGE(id + ": " + describe(r),
                                   r.status == 200 && r.body.find("DEPLOY=1\n") != std::string::npos);
        }

        // The new version is put through a node that does not run the component.
        const std::string putter = where == A ? B : A;
        cluster.node(putter).putProject(yaml(2));
        const auto t0 = Clock::now();
        const auto version = cluster.node(putter).componentVersion(web);
        std::map<std::string, double> reached;
        const bool ok = waitUntil(
            [&] {
                for (const auto& id : all) {
                    if (reached.count(id))
                        continue;
                    const Reply r = cluster.node(id).request(host, "/env", 10s);
                    if (r.status == 200 && r.body.find("DEPLOY=2\n") != std::string::npos)
                        reached[id] = secondsSince(t0);
                }
                return reached.size() == all.size();
            },
            30s);
        double slowest = 0;
        std::string perNode;
        for (const auto& [id, s] : reached) {
            slowest = std::max(slowest, s);
            perNode += " " + id + "=" + seconds(s);
        }
        figure("project put reaches every node", slowest, "put on " + putter + ", runs on " + where + ";" + perNode);
        CPPUNIT_ASSERT_MESSAGE("not every node routes to the new version after 30 s:" + perNode + cluster.tails(), ok);
        CPPUNIT_ASSERT_MESSAGE(
            "the new version reached every node after " + seconds(slowest) + " (target 2 s):" + perNode, slowest < 5.0);
        // The old version is gone, and no node routes to it any more.
        const bool rolled = waitUntil(
            [&] {
                const auto placed = runningPlacements(web);
                return !placed.empty() && std::all_of(placed.begin(), placed.end(), [&](const Placement& p) {
                    return lifecycle::containerVersionLabel(p.id) == std::to_string(version);
                });
            },
            20s);
        CPPUNIT_ASSERT_MESSAGE("containers of the old version still run" + cluster.tails(), rolled);
        for (const auto& id : all) {
            for (int i = 0; i < 5; ++i) {
                const Reply r = cluster.node(id).request(host, "/env");
                CPPUNIT_ASSERT_MESSAGE(id + ": " + describe(r),
                                       r.status == 200 && r.body.find("DEPLOY=2\n") != std::string::npos);
            }
        }
    }

    void testMinInstancesSpreadOverNodes() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        const std::string project = lifecycle::uniqueProject("cl");
        ProjectCleanup cleanup(project); // after the nodes have stopped
        Cluster cluster;
        const std::string web = componentName(project, "web");
        auto& a = cluster.start(A);
        auto& b = cluster.start(B);
        auto& c = cluster.start(C);
        CPPUNIT_ASSERT_MESSAGE(cluster.views({A, B, C}) + cluster.tails(),
                               cluster.waitForView({A, B, C}, {A, B, C}, 15s));
        a.putProject(projectYaml(project, {component(project, "web", {"mininstances: 3"})}));
        const auto t0 = Clock::now();
        const std::map<std::string, int> spread{{A, 1}, {B, 1}, {C, 1}};
        const bool ok = waitUntil([&] { return countByNode(web) == spread; }, 30s);
        const double took = secondsSince(t0);
        figure("3 min instances spread over 3 nodes", took);
        CPPUNIT_ASSERT_MESSAGE(
            "after " + seconds(took) + " running per node: " + countsText(countByNode(web)) + cluster.tails(), ok);
        CPPUNIT_ASSERT_MESSAGE("spread took " + seconds(took) + " (target 10 s)", took < 15.0);
        // And it stays so.
        std::this_thread::sleep_for(3s);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(cluster.tails(), countsText(spread), countsText(countByNode(web)));
        // Every node's /_mael/metrics shows the instances of every node (its cluster view), and the scale-ups are
        // counted on the node whose autoscaler decided them.
        double decisions = 0;
        for (const Daemon* node : {&a, &b, &c}) {
            std::string text;
            const bool all = waitUntil(
                [&] {
                    if (httpGetStatus(node->privatePort(), "/_mael/metrics", &text) != 200) {
                        return false;
                    }
                    for (const auto& id : {A, B, C}) {
                        const std::string line = "maelstrom_cluster_instances{component=\"" + web + "\",node=\"" + id +
                                                 "\",state=\"active\"} 1\n";
                        if (text.find(line) == std::string::npos) {
                            return false;
                        }
                    }
                    return true;
                },
                10s);
            CPPUNIT_ASSERT_MESSAGE(text, all);
            const std::string up = "maelstrom_autoscale_decisions_total{component=\"" + web + "\",direction=\"up\"} ";
            if (const auto at = text.find(up); at != std::string::npos) {
                decisions += std::stod(text.substr(at + up.size()));
            }
        }
        CPPUNIT_ASSERT_MESSAGE(std::to_string(decisions), decisions >= 1);
    }

    void testNewNodeReceivesAContainer() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        const std::string project = lifecycle::uniqueProject("cl");
        ProjectCleanup cleanup(project); // after the nodes have stopped
        Cluster cluster;
        auto& a = cluster.start(A);
        a.putProject(projectYaml(project, {component(project, "x"), component(project, "y")}));
        for (const auto& key : {"x", "y"}) {
            const Reply r = a.request(hostname(project, key), "/");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(key + std::string(": ") + describe(r) + cluster.tails(), 200, r.status);
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(joined(nodeContainers(A)), std::size_t(2), nodeContainers(A).size());

        // Under light load through A, B joins.
        LoadClient loadX(a.publicPort(), hostname(project, "x"), "/", 20ms);
        LoadClient loadY(a.publicPort(), hostname(project, "y"), "/", 20ms);
        std::this_thread::sleep_for(500ms);
        cluster.start(B);
        const auto t0 = Clock::now();
        const bool moved = waitUntil([&] { return !nodeContainers(B).empty(); }, 30s);
        const double took = secondsSince(t0);
        figure("a new node receives a container", took);
        CPPUNIT_ASSERT_MESSAGE("after " + seconds(took) + " B runs nothing; A runs " + joined(nodeContainers(A)) +
                                   "\n" + cluster.views({A, B}) + cluster.tails(),
                               moved);
        CPPUNIT_ASSERT_MESSAGE("rebalancing took " + seconds(took) + " (target 10 s)", took < 13.0);
        // Settled: one container on each node, both components served through both nodes.
        const bool settled = waitUntil(
            [&] {
                const auto x = countByNode(componentName(project, "x"));
                const auto y = countByNode(componentName(project, "y"));
                return nodeContainers(A).size() == 1 && nodeContainers(B).size() == 1 && x.size() == 1 && y.size() == 1;
            },
            15s);
        loadX.stop();
        loadY.stop();
        CPPUNIT_ASSERT_MESSAGE("not one container per node: x " + countsText(countByNode(componentName(project, "x"))) +
                                   " y " + countsText(countByNode(componentName(project, "y"))) + cluster.tails(),
                               settled);
        for (const auto& id : {A, B}) {
            for (const auto& key : {"x", "y"}) {
                const Reply r = cluster.node(id).request(hostname(project, key), "/");
                CPPUNIT_ASSERT_EQUAL_MESSAGE(key + std::string(" via ") + id + ": " + describe(r), 200, r.status);
            }
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE("x while moving: " + loadErrors(loadX.result()), std::size_t(0),
                                     loadX.result().errors);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("y while moving: " + loadErrors(loadY.result()), std::size_t(0),
                                     loadY.result().errors);
    }

    void testGracefulLeave() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        const std::string project = lifecycle::uniqueProject("cl");
        ProjectCleanup cleanup(project); // after the nodes have stopped
        Cluster cluster;
        const std::string web = componentName(project, "web");
        const std::string host = hostname(project, "web");
        auto& a = cluster.start(A);
        a.putProject(projectYaml(project, {component(project, "web")}));
        cluster.start(B);
        cluster.start(C);
        const std::vector<std::string> all{A, B, C};
        CPPUNIT_ASSERT_MESSAGE(cluster.views(all) + cluster.tails(), cluster.waitForView(all, {A, B, C}, 15s));
        const Reply first = a.request(host, "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(first) + cluster.tails(), 200, first.status);
        const std::string leaving = onlyNode(web);
        CPPUNIT_ASSERT_MESSAGE("web runs on " + countsText(countByNode(web)), !leaving.empty());
        const auto stay = without(all, leaving);
        const auto old = ids(runningPlacements(web));

        // Always a request in flight (50 ms each) through a staying node, relayed to the leaving one at first.
        LoadClient load(cluster.node(stay[0]).publicPort(), host, "/sleep?ms=50", 20ms);
        std::this_thread::sleep_for(500ms);
        const auto t0 = Clock::now();
        cluster.signal(leaving, SIGTERM);
        const bool dropped = cluster.waitForView(stay, {stay.begin(), stay.end()}, 10s);
        const double dropTook = secondsSince(t0);
        figure("graceful leave: dropped by the others", dropTook, leaving + " got SIGTERM");
        Reply again;
        const bool served = waitUntil(
            [&] {
                again = cluster.node(stay[1]).request(host, "/id", 10s);
                return again.status == 200 && !containsShortId(old, again.body);
            },
            30s);
        const double servedTook = secondsSince(t0);
        figure("graceful leave: served elsewhere", servedTook);
        const int exitCode = cluster.stop(leaving);
        load.stop();
        const auto result = load.result();
        figure("graceful leave: leaving node exited", secondsSince(t0),
               std::to_string(result.requests) + " requests through " + stay[0] + ", " + std::to_string(result.errors) +
                   " failed");

        CPPUNIT_ASSERT_MESSAGE("after " + seconds(dropTook) + " " + leaving + " is still listed:\n" +
                                   cluster.views(stay) + cluster.tails(),
                               dropped);
        CPPUNIT_ASSERT_MESSAGE("dropping the leaving node took " + seconds(dropTook) + " (target: at once)",
                               dropTook < 1.5);
        CPPUNIT_ASSERT_MESSAGE(
            "web not served elsewhere after " + seconds(servedTook) + ": " + describe(again) + cluster.tails(), served);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(cluster.tails(), 0, exitCode);
        CPPUNIT_ASSERT_MESSAGE("requests failed while " + leaving + " left: " + loadErrors(result), result.errors == 0);
        const std::string now = onlyNode(web);
        CPPUNIT_ASSERT_MESSAGE("web runs on " + countsText(countByNode(web)), now == stay[0] || now == stay[1]);
    }

    void testKilledNodeUnderLoad() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        const std::string project = lifecycle::uniqueProject("cl");
        ProjectCleanup cleanup(project); // after the nodes have stopped
        Cluster cluster;
        auto& a = cluster.start(A);
        a.putProject(projectYaml(project, {component(project, "x"), component(project, "y"), component(project, "z")}));
        cluster.start(B);
        cluster.start(C);
        const std::vector<std::string> all{A, B, C};
        CPPUNIT_ASSERT_MESSAGE(cluster.views(all) + cluster.tails(), cluster.waitForView(all, {A, B, C}, 15s));
        // One first request per component, each through another node.
        std::map<std::string, std::string> hostOf;
        const std::vector<std::string> keys{"x", "y", "z"};
        for (std::size_t i = 0; i < keys.size(); ++i) {
            const Reply r = cluster.node(all[i]).request(hostname(project, keys[i]), "/");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(keys[i] + ": " + describe(r) + cluster.tails(), 200, r.status);
            hostOf[keys[i]] = onlyNode(componentName(project, keys[i]));
        }
        const std::string victim = hostOf["x"];
        const auto survivors = without(all, victim);
        std::vector<std::string> others; // components not on the victim
        for (const auto& key : {"y", "z"}) {
            if (hostOf[key] != victim)
                others.push_back(key);
        }
        CPPUNIT_ASSERT_MESSAGE("x, y and z all run on " + victim + ": nothing to keep serving", !others.empty());

        std::vector<std::unique_ptr<LoadClient>> loads;
        for (const auto& key : others) {
            for (const auto& id : survivors)
                loads.push_back(
                    std::make_unique<LoadClient>(cluster.node(id).publicPort(), hostname(project, key), "/", 20ms));
        }
        std::this_thread::sleep_for(1s);
        const auto old = ids(runningPlacements(componentName(project, "x")));
        const auto t0 = Clock::now();
        cluster.stop(victim, SIGKILL);
        const bool dropped = cluster.waitForView(survivors, {survivors.begin(), survivors.end()}, 30s);
        const double dropTook = secondsSince(t0);
        figure("kill -9: dropped by the others", dropTook);
        Reply again;
        const bool served = waitUntil(
            [&] {
                again = cluster.node(survivors[0]).request(hostname(project, "x"), "/id", 5s);
                return again.status == 200 && !containsShortId(old, again.body);
            },
            45s);
        const double servedTook = secondsSince(t0);
        figure("kill -9: component served elsewhere", servedTook);
        std::this_thread::sleep_for(1s);
        std::size_t requests = 0;
        std::size_t errors = 0;
        std::string errorText;
        for (auto& load : loads) {
            load->stop();
            const auto r = load->result();
            requests += r.requests;
            errors += r.errors;
            if (r.errors)
                errorText += "\n" + loadErrors(r);
        }
        figure("kill -9: other components under load", secondsSince(t0),
               std::to_string(requests) + " requests, " + std::to_string(errors) + " failed");

        CPPUNIT_ASSERT_MESSAGE("after " + seconds(dropTook) + " the killed " + victim + " is still listed:\n" +
                                   cluster.views(survivors) + cluster.tails(),
                               dropped);
        CPPUNIT_ASSERT_MESSAGE("dropping the killed node took " + seconds(dropTook) + " (target 10 s)",
                               dropTook < 13.0);
        CPPUNIT_ASSERT_MESSAGE(
            "x not served elsewhere after " + seconds(servedTook) + ": " + describe(again) + cluster.tails(), served);
        CPPUNIT_ASSERT_MESSAGE("x served elsewhere after " + seconds(servedTook) + " (target 15 s)", servedTook < 20.0);
        const Reply other = cluster.node(survivors[1]).request(hostname(project, "x"), "/id", 10s);
        CPPUNIT_ASSERT_MESSAGE("x via " + survivors[1] + ": " + describe(other),
                               other.status == 200 && !containsShortId(old, other.body));
        CPPUNIT_ASSERT_MESSAGE("requests for " + joined(others) + " failed:" + errorText, errors == 0);
        bool onSurvivor = false;
        for (const auto& p : runningPlacements(componentName(project, "x")))
            onSurvivor = onSurvivor || p.node == survivors[0] || p.node == survivors[1];
        CPPUNIT_ASSERT_MESSAGE("x not running on a survivor: " + countsText(countByNode(componentName(project, "x"))),
                               onSurvivor);
    }

    void testDatabaseRestartUnderLoad() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        const std::string project = lifecycle::uniqueProject("cl");
        ProjectCleanup cleanup(project); // after the nodes have stopped
        Cluster cluster;
        auto& a = cluster.start(A);
        a.putProject(projectYaml(project, {component(project, "x"), component(project, "y")}));
        cluster.start(B);
        cluster.start(C);
        const std::vector<std::string> all{A, B, C};
        CPPUNIT_ASSERT_MESSAGE(cluster.views(all) + cluster.tails(), cluster.waitForView(all, {A, B, C}, 15s));
        for (const auto& [key, via] : {std::pair{"x", A}, std::pair{"y", B}}) {
            const Reply r = cluster.node(via).request(hostname(project, key), "/");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(key + std::string(": ") + describe(r) + cluster.tails(), 200, r.status);
        }
        std::vector<std::unique_ptr<LoadClient>> loads;
        for (const auto& key : {"x", "y"}) {
            for (const auto& id : all)
                loads.push_back(
                    std::make_unique<LoadClient>(cluster.node(id).publicPort(), hostname(project, key), "/", 20ms));
        }
        std::this_thread::sleep_for(1s);
        // The server goes away for a few seconds (longer than a status round) and comes back.
        const auto t0 = Clock::now();
        DatabaseStarter restarter; // starts the server again should anything below throw
        const auto stopped = databaseScript("stop");
        std::this_thread::sleep_for(3s);
        const std::string viewsWhileDown = cluster.views(all);
        const bool listedWhileDown = cluster.waitForView(all, {A, B, C}, 0ms);
        const auto started = databaseScript("start");
        const double outage = secondsSince(t0);
        std::this_thread::sleep_for(2s);
        std::size_t requests = 0;
        std::size_t errors = 0;
        std::string errorText;
        for (auto& load : loads) {
            load->stop();
            const auto r = load->result();
            requests += r.requests;
            errors += r.errors;
            if (r.errors)
                errorText += "\n" + loadErrors(r);
        }
        figure("database outage under load", outage,
               std::to_string(requests) + " requests, " + std::to_string(errors) + " failed");
        CPPUNIT_ASSERT_EQUAL_MESSAGE("database stop script: " + stopped.out + stopped.err, 0, stopped.exitCode);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("database start script: " + started.out + started.err, 0, started.exitCode);
        CPPUNIT_ASSERT_MESSAGE(
            "a node lost its peers while the database was down:\n" + viewsWhileDown + cluster.tails(), listedWhileDown);
        CPPUNIT_ASSERT_MESSAGE("requests failed across the database restart:" + errorText + cluster.tails(),
                               errors == 0);

        // Afterwards the cluster works as before: a put through C, a cold start through B, every node listed.
        TempDir files;
        const auto file = files.write(
            "project.yml",
            projectYaml(project, {component(project, "x"), component(project, "y"), component(project, "z")}));
        const auto t1 = Clock::now();
        ProcessResult put;
        const bool stored = waitUntil(
            [&] {
                put = cluster.node(C).maelctl({"project", "put", "--file=" + file.string()});
                return put.exitCode == 0;
            },
            30s);
        figure("project put after the database restart", secondsSince(t1));
        CPPUNIT_ASSERT_MESSAGE("project put after the restart: " + put.out + put.err + cluster.tails(), stored);
        // B learns of the new component from C (within a couple of seconds), then cold-starts it.
        Reply z;
        waitUntil(
            [&] {
                z = cluster.node(B).request(hostname(project, "z"), "/", 60s);
                return z.status != 404;
            },
            5s);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("z after the restart: " + describe(z) + cluster.tails(), 200, z.status);
        CPPUNIT_ASSERT_MESSAGE(cluster.views(all) + cluster.tails(), cluster.waitForView(all, {A, B, C}, 15s));
        for (const auto& id : all) {
            for (const auto& key : {"x", "y", "z"}) {
                const Reply r = cluster.node(id).request(hostname(project, key), "/");
                CPPUNIT_ASSERT_EQUAL_MESSAGE(key + std::string(" via ") + id + ": " + describe(r), 200, r.status);
            }
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClusterTest);
