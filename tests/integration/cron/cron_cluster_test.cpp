// cron_cluster_test.cpp — cron across daemons sharing one MariaDB: with two and then three nodes each tick fires
// exactly once in the whole cluster; when the node holding the cron role is killed (SIGKILL: nothing released)
// another takes over within 20 s; a change made through a node that does not fire reaches the one that does within
// 2 s. Hits are counted where they arrive: in the container's log, whichever node sent or ran it.
// SPDX-License-Identifier: Apache-2.0
#include "cluster_env.h"
#include "cron_env.h"

using namespace maelstrom::testing;
using namespace maelstrom::testing::cluster;
using maelstrom::testing::cron::Hit;
using maelstrom::testing::cron::hits;
using maelstrom::testing::cron::joined;
using maelstrom::testing::cron::nowSeconds;

namespace {

// The hits of [from, to).
std::vector<Hit> between(const std::vector<Hit>& all, double from, double to) {
    std::vector<Hit> out;
    for (const auto& h : all) {
        if (h.at >= from && h.at < to) {
            out.push_back(h);
        }
    }
    return out;
}

// Each 2-second tick exactly once over `seconds` from now: the right number of hits, never two close together.
void checkTicksOnce(const std::string& component, double seconds, const std::string& context) {
    const double from = nowSeconds();
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
    const auto window = between(hits(component, "/record/tick"), from, from + seconds);
    const std::string message = context + ":\n" + joined(window);
    const auto expected = static_cast<std::size_t>(seconds / 2);
    CPPUNIT_ASSERT_MESSAGE(message, window.size() + 1 >= expected && window.size() <= expected + 1);
    for (std::size_t i = 1; i < window.size(); ++i) {
        CPPUNIT_ASSERT_MESSAGE(message, window[i].at - window[i - 1].at > 1.4);
    }
}

// The node whose log last says it took the cron role.
std::string holder(Cluster& cluster) {
    std::string found;
    std::size_t latest = 0;
    for (const auto& id : cluster.running()) {
        const std::string log = cluster.node(id).log();
        const auto at = log.rfind("holds the cron role");
        const auto lost = log.rfind("no longer holds the cron role");
        if (at != std::string::npos && (lost == std::string::npos || lost < at) && at >= latest) {
            latest = at;
            found = id;
        }
    }
    return found;
}

} // namespace

class CronClusterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CronClusterTest);
    CPPUNIT_TEST(testOneFiringPerTickAndTakeover);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOneFiringPerTickAndTakeover() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        Cluster cluster;
        cluster.start("cluster-a");
        cluster.start("cluster-b");
        const std::string project = lifecycle::uniqueProject("cronc");
        lifecycle::ProjectCleanup cleanup(project);
        const std::string component = componentName(project, "worker");
        cluster.putProject("cluster-a",
                           cron::cronProject(project, "worker", project + ".cron.test",
                                             {{"tick", "@every 2s", "/record/tick"}}, {"idletimeoutseconds: 600"}));
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(),
                               waitUntil([&] { return hits(component, "/record/tick").size() >= 2; }, 90s));
        checkTicksOnce(component, 12, "two nodes");

        cluster.start("cluster-c");
        CPPUNIT_ASSERT(
            cluster.waitForView({"cluster-a", "cluster-b", "cluster-c"}, {"cluster-a", "cluster-b", "cluster-c"}, 20s));
        checkTicksOnce(component, 12, "three nodes");

        // Kill the holder: no release, the lease has to run out.
        const std::string killed = holder(cluster);
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(), !killed.empty());
        const double killedAt = nowSeconds();
        cluster.stop(killed, SIGKILL);
        CPPUNIT_ASSERT_MESSAGE(cluster.tails(), waitUntil(
                                                    [&] {
                                                        const auto all = hits(component, "/record/tick");
                                                        return !all.empty() && all.back().at > killedAt + 0.5;
                                                    },
                                                    40s));
        const auto after = between(hits(component, "/record/tick"), killedAt + 0.5, 1e12);
        const double takeover = after.front().at - killedAt;
        std::cerr << "\n  cron holder " << killed << " killed: the next firing came " << takeover
                  << " s later (from another node)\n";
        CPPUNIT_ASSERT_MESSAGE(seconds(takeover) + "\n" + cluster.tails(), takeover <= 20);
        checkTicksOnce(component, 10, "after the takeover");

        // A change through a node that does not fire reaches the one that does within 2 s.
        const std::string firing = holder(cluster);
        std::string other;
        for (const auto& id : cluster.running()) {
            if (id != firing) {
                other = id;
            }
        }
        CPPUNIT_ASSERT(!firing.empty() && !other.empty());
        const double disabledAt = nowSeconds();
        const auto off = cluster.maelctl(other, {"es", "disable", "--component=" + component});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(off.out + off.err, 0, off.exitCode);
        std::this_thread::sleep_for(6s);
        const auto last = hits(component, "/record/tick").back();
        std::cerr << "  disabled through " << other << " (" << firing << " fires): last firing " << last.at - disabledAt
                  << " s after\n";
        CPPUNIT_ASSERT_MESSAGE(joined({last}), last.at < disabledAt + 2);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CronClusterTest);
