// cluster_netns_test.cpp — the cluster with each maelstromd in its own network namespace (PeerNetwork): peer URLs
// are real addresses on a bridge, so relaying crosses a network, and one node can be cut off from its peers while
// it still reaches the database and its containers. Covered: discovery and relaying over the bridge; a cut-off
// node is dropped by the others, its component is served by them, it keeps serving its own container, and it is
// listed again once the link is back. Needs root (skipped otherwise, failed under MAELSTROM_REQUIRE_BACKENDS=1).
// SPDX-License-Identifier: Apache-2.0
#include "cluster_env.h"

#include <iostream>

using namespace maelstrom::testing;
using namespace maelstrom::testing::cluster;
using lifecycle::componentYaml;
using lifecycle::containsShortId;
using lifecycle::ProjectCleanup;
using lifecycle::projectYaml;

namespace {

using Clock = std::chrono::steady_clock;

const std::string A = "cluster-a";
const std::string B = "cluster-b";
const std::string C = "cluster-c";

void figure(const std::string& what, double secondsValue, const std::string& detail = "") {
    std::cout << "cluster (netns): " << what << " " << seconds(secondsValue) << " (" << engineLabel()
              << (detail.empty() ? "" : ", " + detail) << ")" << std::endl;
}

std::string hostname(const std::string& project) { return "web." + project + ".netns.test"; }

std::string webProject(const std::string& project) {
    return projectYaml(project,
                       {componentYaml("web", hostname(project), {"idletimeoutseconds: 300", "maxconcurrency: 50"})});
}

std::vector<std::string> ids(const std::vector<Placement>& placements) {
    std::vector<std::string> out;
    for (const auto& p : placements)
        out.push_back(p.id);
    return out;
}

std::string onlyNode(const std::string& component) {
    const auto placed = runningPlacements(component);
    return placed.size() == 1 ? placed[0].node : "";
}

/// A cluster of A, B and C in their namespaces with `project` put before B and C start; waits until each lists all.
void startThree(Cluster& cluster, const PeerNetwork& net, const std::string& project) {
    cluster.start(A, net.options(A));
    cluster.putProject(A, webProject(project));
    cluster.start(B, net.options(B));
    cluster.start(C, net.options(C));
    CPPUNIT_ASSERT_MESSAGE(cluster.views({A, B, C}) + cluster.tails(), cluster.waitForView({A, B, C}, {A, B, C}, 15s));
}

} // namespace

class ClusterNetnsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ClusterNetnsTest);
    CPPUNIT_TEST(testPeersOnRealAddresses);
    CPPUNIT_TEST(testCutOffNode);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { std::cout << std::endl; } // figures start on their own line, after the test's name

    void testPeersOnRealAddresses() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why) && PeerNetwork::available(&why), why);
        const std::string project = lifecycle::uniqueProject("ns");
        ProjectCleanup cleanup(project);
        PeerNetwork net({A, B, C});
        Cluster cluster;
        startThree(cluster, net, project);

        // Each node's row shows its bridge address.
        std::string raw;
        cluster.onNode(B, [&] { listedNodes(cluster.node(B), &raw); });
        for (const auto& id : {A, B, C}) {
            const std::string row = id + std::string(14 - id.size(), ' ') + "  " + net.peerAddress(id) + " ";
            CPPUNIT_ASSERT_MESSAGE("no row '" + row + "' in:\n" + raw, raw.find("\n" + row) != std::string::npos);
        }

        // A cold start through C; every node answers from the one container, relaying over the bridge.
        const std::string web = componentName(project, "web");
        const Reply first = cluster.request(C, hostname(project), "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(first) + cluster.tails(), 200, first.status);
        figure("cold start through C", first.millis / 1000, "runs on " + onlyNode(web));
        const auto running = ids(runningPlacements(web));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(cluster.tails(), std::size_t(1), running.size());
        for (const auto& id : {A, B, C}) {
            for (int i = 0; i < 5; ++i) {
                const Reply r = cluster.request(id, hostname(project), "/id", 10s);
                CPPUNIT_ASSERT_EQUAL_MESSAGE("via " + id + ": " + describe(r) + cluster.tails(), 200, r.status);
                CPPUNIT_ASSERT_MESSAGE("via " + id + " answered by " + r.body, containsShortId(running, r.body));
            }
        }
    }

    void testCutOffNode() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why) && PeerNetwork::available(&why), why);
        const std::string project = lifecycle::uniqueProject("ns");
        ProjectCleanup cleanup(project);
        PeerNetwork net({A, B, C});
        Cluster cluster;
        startThree(cluster, net, project);
        const std::string web = componentName(project, "web");
        const Reply first = cluster.request(A, hostname(project), "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(first) + cluster.tails(), 200, first.status);
        const std::string cut = onlyNode(web);
        CPPUNIT_ASSERT_MESSAGE("web runs on " + cut, cut == A || cut == B || cut == C);
        std::vector<std::string> stay;
        for (const auto& id : {A, B, C}) {
            if (id != cut)
                stay.push_back(id);
        }
        const auto old = ids(runningPlacements(web));

        const auto t0 = Clock::now();
        net.cut(cut);
        const bool dropped = cluster.waitForView(stay, {stay.begin(), stay.end()}, 30s);
        const double dropTook = secondsSince(t0);
        figure("cut-off node dropped by the others", dropTook, cut + " cut off");
        CPPUNIT_ASSERT_MESSAGE("after " + seconds(dropTook) + " the cut-off " + cut + " is still listed:\n" +
                                   cluster.views(stay) + cluster.tails(),
                               dropped);
        Reply again;
        const bool served = waitUntil(
            [&] {
                again = cluster.request(stay[1], hostname(project), "/id", 5s);
                return again.status == 200 && !containsShortId(old, again.body);
            },
            45s);
        const double servedTook = secondsSince(t0);
        figure("cut-off node's component served by the others", servedTook);
        CPPUNIT_ASSERT_MESSAGE("web not served by the others after " + seconds(servedTook) + ": " + describe(again) +
                                   cluster.tails(),
                               served);
        CPPUNIT_ASSERT_MESSAGE("dropping the cut-off node took " + seconds(dropTook) + " (target 10 s)",
                               dropTook < 13.0);
        CPPUNIT_ASSERT_MESSAGE("serving web elsewhere took " + seconds(servedTook) + " (target 15 s)",
                               servedTook < 20.0);
        // The cut-off node sees itself alone, and still serves the container it runs.
        const bool alone = cluster.waitForView({cut}, {cut}, 30s);
        CPPUNIT_ASSERT_MESSAGE(cluster.views({cut}) + cluster.tails(), alone);
        const Reply local = cluster.request(cut, hostname(project), "/id", 10s);
        CPPUNIT_ASSERT_MESSAGE("the cut-off node's own container: " + describe(local) + cluster.tails(),
                               local.status == 200 && containsShortId(old, local.body));

        // The link comes back: it is listed again everywhere and every node serves web.
        const auto t1 = Clock::now();
        net.heal(cut);
        const bool rejoined = cluster.waitForView({A, B, C}, {A, B, C}, 60s);
        const double rejoinTook = secondsSince(t1);
        figure("healed node listed again by all", rejoinTook);
        CPPUNIT_ASSERT_MESSAGE("after " + seconds(rejoinTook) + " the healed node is not listed everywhere:\n" +
                                   cluster.views({A, B, C}) + cluster.tails(),
                               rejoined);
        for (const auto& id : {A, B, C}) {
            const Reply r = cluster.request(id, hostname(project), "/id", 10s);
            CPPUNIT_ASSERT_EQUAL_MESSAGE("via " + id + " after healing: " + describe(r) + cluster.tails(), 200,
                                         r.status);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClusterNetnsTest);
