// placement_plan_test.cpp — where instances go in the cluster: the cold-start choice (emptier and less loaded
// nodes, anti-affinity, the per-node limit, relay-only nodes, displacement least recently used first), the stop
// choice, the autoscaler's per-node plan (scale-downs before scale-ups, at most one change per node and component,
// spreading, the move onto an empty node, stopping entries and relay-only nodes ignored, a deterministic order),
// and a seeded randomized check of the plan's invariants (MAELSTROM_TEST_SEED=<n> replays a run).
// SPDX-License-Identifier: Apache-2.0
#include "cluster/placement_plan.h"
#include "test_support.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>

using namespace maelstrom;
using namespace maelstrom::core;

namespace {

sdk::ComponentInfo instance(const std::string& name, std::int64_t reserveMiB = 128, std::int64_t lastRequestTime = 0,
                            std::int64_t startTime = 0, const std::string& status = "active") {
    sdk::ComponentInfo info;
    info.componentName = name;
    info.status = status;
    info.memoryReservedMiB = reserveMiB;
    info.lastRequestTime = lastRequestTime;
    info.startTime = startTime;
    return info;
}

sdk::NodeStatus node(const std::string& id, std::int64_t totalMiB, double load = 0,
                     std::vector<sdk::ComponentInfo> running = {}) {
    sdk::NodeStatus status;
    status.nodeId = id;
    status.totalMemoryMiB = totalMiB;
    status.loadAvg1m = load;
    status.runningComponents = std::move(running);
    return status;
}

ComponentTarget target(const std::string& name, std::int64_t ramMiB, std::int64_t count) {
    return ComponentTarget{name, ramMiB, count};
}

std::string describe(const std::vector<ComponentTarget>& targets) {
    std::ostringstream out;
    for (const auto& t : targets) {
        out << t.componentName << "=" << t.targetCount << "x" << t.requiredMemoryMiB << " ";
    }
    return out.str();
}

void assertTargets(const std::vector<ComponentTarget>& expected, const std::vector<ComponentTarget>& actual) {
    CPPUNIT_ASSERT_EQUAL_MESSAGE("targets", describe(expected), describe(actual));
}

} // namespace

class PlacementPlanTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PlacementPlanTest);
    CPPUNIT_TEST(testOptionHelpers);
    CPPUNIT_TEST(testColdStartPicksTheEmptierNode);
    CPPUNIT_TEST(testColdStartPicksTheLessLoadedNode);
    CPPUNIT_TEST(testTiesBrokenByNodeId);
    CPPUNIT_TEST(testAntiAffinity);
    CPPUNIT_TEST(testMaxPerNode);
    CPPUNIT_TEST(testRelayOnlyNodeNeverChosen);
    CPPUNIT_TEST(testDisplacementStopsTheLeastRecentlyUsedFirst);
    CPPUNIT_TEST(testDisplacementStopsAsManyAsNeeded);
    CPPUNIT_TEST(testDisplacementOnlyWhenAllowed);
    CPPUNIT_TEST(testNoOptionWhenNothingFits);
    CPPUNIT_TEST(testBestStopPicksTheNodeWithMostInstances);
    CPPUNIT_TEST(testPlanScalesDownBeforeUp);
    CPPUNIT_TEST(testPlanChangesANodeByAtMostOne);
    CPPUNIT_TEST(testPlanSpreadsMinInstances);
    CPPUNIT_TEST(testPlanRespectsMaxPerNode);
    CPPUNIT_TEST(testPlanSkipsWhatFitsNowhere);
    CPPUNIT_TEST(testPlanMovesOneInstanceOntoAnEmptyNode);
    CPPUNIT_TEST(testPlanMoveRespectsMemoryAndSources);
    CPPUNIT_TEST(testPlanIgnoresStoppingEntries);
    CPPUNIT_TEST(testPausedInstancesFreeTheirMemoryAndMarkTheNode);
    CPPUNIT_TEST(testPlanIgnoresRelayOnlyNodes);
    CPPUNIT_TEST(testPlanOrderIsDeterministic);
    CPPUNIT_TEST(testRandomizedPlanInvariants);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOptionHelpers() {
        PlacementOption option{node("a", 1000, 0, {instance("web", 0), instance("web", 300), instance("api", 200)}),
                               {}};
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), option.containerCount());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(128 + 300 + 200), option.ramUsed()); // unset counts as 128
        CPPUNIT_ASSERT_EQUAL(std::int64_t(300), option.ramFor("web"));
        CPPUNIT_ASSERT_EQUAL(kDefaultReserveMiB, option.ramFor("absent"));

        const auto changed = option.withDelta("web", -1, 300).withDelta("db", +1, 256).withDelta("db", +1, 256);
        assertTargets({target("db", 256, 2), target("web", 300, 1)}, changed.targets);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), changed.containerCount());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2 * 256 + 300 + 200), changed.ramUsed());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), changed.scaleUps());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), changed.scaleDowns());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), changed.containerCounts().at("db"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), changed.containerCounts().at("web"));

        const auto fresh = freshOptions({node("x", 10), node("y", 20)});
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), fresh.size());
        CPPUNIT_ASSERT(fresh[1].node.nodeId == "y" && fresh[1].targets.empty());
    }

    void testColdStartPicksTheEmptierNode() {
        // b is busier by load but would be left with one container; a would have three.
        const auto options = freshOptions({node("a", 4000, 0.1, {instance("x"), instance("y")}), node("b", 4000, 3.0)});
        const auto best = bestStartOption(options, "web", 256, 0, true);
        CPPUNIT_ASSERT(best);
        CPPUNIT_ASSERT_EQUAL(std::string("b"), best->node.nodeId);
        assertTargets({target("web", 256, 1)}, best->targets);
    }

    void testColdStartPicksTheLessLoadedNode() {
        const auto options = freshOptions({node("a", 4000, 0.9, {instance("x")}), node("b", 4000, 0.2, {instance("y")}),
                                           node("c", 4000, 0.5, {instance("z")})});
        const auto best = bestStartOption(options, "web", 128, 0, true);
        CPPUNIT_ASSERT(best);
        CPPUNIT_ASSERT_EQUAL(std::string("b"), best->node.nodeId);
    }

    void testTiesBrokenByNodeId() {
        const auto options = freshOptions({node("n3", 1000), node("n1", 1000), node("n2", 1000)});
        CPPUNIT_ASSERT_EQUAL(std::string("n1"), bestStartOption(options, "web", 128, 0, false)->node.nodeId);
        const auto stops =
            freshOptions({node("n3", 1000, 0, {instance("web")}), node("n1", 1000, 0, {instance("web")})});
        CPPUNIT_ASSERT_EQUAL(std::string("n3"), bestStopOption(stops, "web")->node.nodeId); // the last by cost
    }

    void testAntiAffinity() {
        // a is idle but already runs web; b is loaded and full of other things.
        const auto options = freshOptions(
            {node("a", 4000, 0.0, {instance("web")}), node("b", 4000, 5.0, {instance("x"), instance("x")})});
        const auto best = bestStartOption(options, "web", 128, 0, true);
        CPPUNIT_ASSERT(best);
        CPPUNIT_ASSERT_EQUAL(std::string("b"), best->node.nodeId);
    }

    void testMaxPerNode() {
        auto options = freshOptions(
            {node("a", 4000, 9.0, {instance("web")}), node("b", 4000, 0.0, {instance("web"), instance("web")})});
        const auto best = bestStartOption(options, "web", 128, 2, true);
        CPPUNIT_ASSERT(best);
        CPPUNIT_ASSERT_EQUAL(std::string("a"), best->node.nodeId);
        assertTargets({target("web", 128, 2)}, best->targets);
        options[0] = *best;
        CPPUNIT_ASSERT(!bestStartOption(options, "web", 128, 2, true));
        CPPUNIT_ASSERT(bestStartOption(options, "web", 128, 0, true)); // no limit
    }

    void testRelayOnlyNodeNeverChosen() {
        auto options = freshOptions({node("relay", 0, 0.0), node("worker", 1000, 8.0, {instance("x"), instance("y")})});
        const auto best = bestStartOption(options, "web", 128, 0, true);
        CPPUNIT_ASSERT(best);
        CPPUNIT_ASSERT_EQUAL(std::string("worker"), best->node.nodeId);
        CPPUNIT_ASSERT(!bestStartOption(freshOptions({node("relay", 0)}), "web", 128, 0, true));
    }

    void testDisplacementStopsTheLeastRecentlyUsedFirst() {
        // 1100 MiB, 900 reserved: a 600 MiB instance needs one victim, the least recently used one.
        auto options = freshOptions({node("a", 1100, 0, {instance("big", 500, 2000), instance("small", 400, 1000)})});
        auto best = bestStartOption(options, "new", 600, 0, true);
        CPPUNIT_ASSERT(best);
        assertTargets({target("new", 600, 1), target("small", 400, 0)}, best->targets);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1100), best->ramUsed());

        options = freshOptions({node("a", 1100, 0, {instance("big", 500, 1000), instance("small", 400, 2000)})});
        best = bestStartOption(options, "new", 600, 0, true);
        CPPUNIT_ASSERT(best);
        assertTargets({target("big", 500, 0), target("new", 600, 1)}, best->targets);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000), best->ramUsed());

        // Equal last requests: the older start goes first.
        options = freshOptions({node("a", 1100, 0, {instance("big", 500, 0, 20), instance("small", 400, 0, 10)})});
        best = bestStartOption(options, "new", 600, 0, true);
        CPPUNIT_ASSERT(best);
        assertTargets({target("new", 600, 1), target("small", 400, 0)}, best->targets);
    }

    void testDisplacementStopsAsManyAsNeeded() {
        // 1000 MiB needs 800 more than the free 200: both victims go, the least recently used first.
        auto options = freshOptions({node("a", 1100, 0, {instance("big", 500, 2000), instance("small", 400, 1000)})});
        auto best = bestStartOption(options, "new", 1000, 0, true);
        CPPUNIT_ASSERT(best);
        assertTargets({target("big", 500, 0), target("new", 1000, 1), target("small", 400, 0)}, best->targets);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000), best->ramUsed());

        // 300 MiB: the free 200 plus one 400 MiB victim is enough; a second instance of the victim stays.
        options = freshOptions({node(
            "a", 1100, 0, {instance("small", 400, 5000), instance("small", 400, 1000), instance("other", 100, 3000)})});
        best = bestStartOption(options, "new", 300, 0, true);
        CPPUNIT_ASSERT(best);
        assertTargets({target("new", 300, 1), target("small", 400, 1)}, best->targets);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(300 + 400 + 100), best->ramUsed());
    }

    void testDisplacementOnlyWhenAllowed() {
        const auto options = freshOptions({node("a", 1100, 0, {instance("big", 500), instance("small", 400)})});
        CPPUNIT_ASSERT(!bestStartOption(options, "new", 600, 0, false));
        // A node where it fits without displacement wins over one that needs it (fewer scale-downs).
        auto two = options;
        two.push_back(PlacementOption{node("b", 1000, 9.0, {instance("x"), instance("y")}), {}});
        const auto best = bestStartOption(two, "new", 600, 0, true);
        CPPUNIT_ASSERT(best);
        CPPUNIT_ASSERT_EQUAL(std::string("b"), best->node.nodeId);
    }

    void testNoOptionWhenNothingFits() {
        CPPUNIT_ASSERT(!bestStartOption(freshOptions({node("a", 500), node("b", 599)}), "new", 600, 0, true));
        // Instances of the component itself are never displaced.
        CPPUNIT_ASSERT(
            !bestStartOption(freshOptions({node("a", 1000, 0, {instance("new", 900)})}), "new", 200, 0, true));
        CPPUNIT_ASSERT(!bestStartOption({}, "new", 128, 0, true));
    }

    void testBestStopPicksTheNodeWithMostInstances() {
        const auto options = freshOptions({node("a", 4000, 9.0, {instance("web")}),
                                           node("b", 4000, 0.0, {instance("web"), instance("web"), instance("web")}),
                                           node("c", 4000, 0.0, {instance("web"), instance("web")})});
        const auto stop = bestStopOption(options, "web");
        CPPUNIT_ASSERT(stop);
        CPPUNIT_ASSERT_EQUAL(std::string("b"), stop->node.nodeId);
        assertTargets({target("web", 128, 2)}, stop->targets);

        // Same count: the more loaded node.
        const auto tied = freshOptions({node("a", 4000, 1.0, {instance("web", 256), instance("web", 256)}),
                                        node("b", 4000, 2.0, {instance("web", 256), instance("web", 256)})});
        CPPUNIT_ASSERT_EQUAL(std::string("b"), bestStopOption(tied, "web")->node.nodeId);
        assertTargets({target("web", 256, 1)}, bestStopOption(tied, "web")->targets);
        CPPUNIT_ASSERT(!bestStopOption(options, "absent"));
    }

    void testPlanScalesDownBeforeUp() {
        // a has room for api only once one web instance is gone: the scale-down comes first, whatever the order
        // of the deltas.
        const auto plan = planScale({node("a", 256, 0, {instance("web"), instance("web")})},
                                    {{"api", +1, 128, 0}, {"web", -1, 128, 0}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), plan.size());
        CPPUNIT_ASSERT_EQUAL(std::string("a"), plan[0].node.nodeId);
        assertTargets({target("api", 128, 1), target("web", 128, 1)}, plan[0].targets);
    }

    void testPlanChangesANodeByAtMostOne() {
        auto plan = planScale({node("a", 4000), node("b", 4000)}, {{"web", +4, 128, 0}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), plan.size());
        assertTargets({target("web", 128, 1)}, plan[0].targets);
        assertTargets({target("web", 128, 1)}, plan[1].targets);

        plan =
            planScale({node("a", 4000, 0, {instance("web"), instance("web"), instance("web")})}, {{"web", -3, 128, 0}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), plan.size());
        assertTargets({target("web", 128, 2)}, plan[0].targets);

        // The second instance does not stay on the best node: it goes to the next one.
        plan = planScale({node("a", 4000), node("b", 4000, 0, {instance("web")})}, {{"web", +2, 128, 0}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), plan.size());
        assertTargets({target("web", 128, 1)}, plan[0].targets);
        assertTargets({target("web", 128, 2)}, plan[1].targets);
    }

    void testPlanSpreadsMinInstances() {
        const auto plan = planScale({node("c", 4000), node("a", 4000), node("b", 4000)}, {{"web", +3, 256, 0}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), plan.size());
        for (const auto& option : plan) {
            assertTargets({target("web", 256, 1)}, option.targets);
        }
    }

    void testPlanRespectsMaxPerNode() {
        const auto plan = planScale({node("a", 4000, 0, {instance("web")}), node("b", 4000, 0, {instance("web")}),
                                     node("c", 4000, 0, {instance("x")})},
                                    {{"web", +3, 128, 1}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), plan.size());
        CPPUNIT_ASSERT_EQUAL(std::string("c"), plan[0].node.nodeId);
        assertTargets({target("web", 128, 1)}, plan[0].targets);
    }

    void testPlanSkipsWhatFitsNowhere() {
        const auto plan =
            planScale({node("a", 1000, 0, {instance("x", 900)})}, {{"big", +1, 500, 0}, {"web", +1, 100, 0}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), plan.size());
        assertTargets({target("web", 100, 1)}, plan[0].targets);
    }

    void testPlanMovesOneInstanceOntoAnEmptyNode() {
        const auto plan =
            planScale({node("a", 4000, 0, {instance("web", 256), instance("api", 256), instance("web", 256)}),
                       node("b", 4000), node("c", 4000)},
                      {});
        // One move per empty node, from a node that runs more than one container: web to b, then (a second web
        // would change a by two) api to c.
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), plan.size());
        CPPUNIT_ASSERT_EQUAL(std::string("a"), plan[0].node.nodeId);
        assertTargets({target("api", 256, 0), target("web", 256, 1)}, plan[0].targets);
        CPPUNIT_ASSERT_EQUAL(std::string("b"), plan[1].node.nodeId);
        assertTargets({target("web", 256, 1)}, plan[1].targets);
        CPPUNIT_ASSERT_EQUAL(std::string("c"), plan[2].node.nodeId);
        assertTargets({target("api", 256, 1)}, plan[2].targets);
    }

    void testPlanMoveRespectsMemoryAndSources() {
        // b has 200 MiB: web (500) does not fit, api (128) does. c runs one container: never a source.
        auto plan = planScale({node("a", 4000, 0, {instance("web", 500), instance("api", 0)}), node("b", 200),
                               node("c", 4000, 0, {instance("solo")})},
                              {});
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), plan.size());
        assertTargets({target("api", 128, 0)}, plan[0].targets);
        assertTargets({target("api", 128, 1)}, plan[1].targets);
        CPPUNIT_ASSERT_EQUAL(std::string("b"), plan[1].node.nodeId);

        // Nothing to move from single-container nodes.
        plan = planScale({node("a", 4000, 0, {instance("web")}), node("b", 4000)}, {});
        CPPUNIT_ASSERT(plan.empty());

        // web goes to a (b is too small for it); a then runs two containers and x, its first running entry,
        // moves to b.
        plan = planScale({node("a", 4000, 0, {instance("x")}), node("b", 128)}, {{"web", +1, 256, 0}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), plan.size());
        assertTargets({target("web", 256, 1), target("x", 128, 0)}, plan[0].targets);
        assertTargets({target("x", 128, 1)}, plan[1].targets);
    }

    void testPlanIgnoresStoppingEntries() {
        // The stopping web is not an instance to stop, and a node with only stopping entries is empty.
        const auto plan =
            planScale({node("a", 4000, 0, {instance("api", 512, 0, 0, "stopping")}),
                       node("b", 4000, 0, {instance("web", 128, 0, 0, "stopping"), instance("web"), instance("z")}),
                       node("c", 4000, 0, {instance("x"), instance("y")})},
                      {{"web", -1, 128, 0}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), plan.size());
        CPPUNIT_ASSERT(plan[0].node.runningComponents.empty());
        assertTargets({target("x", 128, 1)}, plan[0].targets);
        assertTargets({target("web", 128, 0)}, plan[1].targets);
        assertTargets({target("x", 128, 0)}, plan[2].targets);
        CPPUNIT_ASSERT(
            withoutStopping(node("z", 1, 0, {instance("a", 1, 0, 0, "stopping")})).runningComponents.empty());
    }

    void testPausedInstancesFreeTheirMemoryAndMarkTheNode() {
        auto paused = instance("web", 400, 0, 0, "stopping");
        paused.paused = true;
        const auto full = node("a", 500, 0, {paused, instance("api", 100)});
        CPPUNIT_ASSERT(hasPaused(full, "web"));
        CPPUNIT_ASSERT(!hasPaused(full, "api"));
        const auto live = withoutPaused(full);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), live.runningComponents.size());
        // Without the paused entry there is room for a 400 MiB start of another component, with no displacement.
        const auto best = bestStartOption(freshOptions({live}), "big", 400, 0, false);
        CPPUNIT_ASSERT(best);
        assertTargets({target("big", 400, 1)}, best->targets);
    }

    void testPlanIgnoresRelayOnlyNodes() {
        const auto plan = planScale({node("relay", 0, 0.0), node("worker", 1000, 7.0, {instance("x"), instance("y")})},
                                    {{"web", +2, 128, 0}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), plan.size());
        CPPUNIT_ASSERT_EQUAL(std::string("worker"), plan[0].node.nodeId);
        assertTargets({target("web", 128, 1)}, plan[0].targets);
    }

    void testPlanOrderIsDeterministic() {
        std::vector<sdk::NodeStatus> nodes = {node("n2", 2000, 0.5, {instance("web"), instance("db", 512)}),
                                              node("n0", 2000, 0.5, {instance("web"), instance("api")}),
                                              node("n1", 2000, 0.5, {instance("api"), instance("zeta")}),
                                              node("n3", 2000, 0.5)};
        const std::vector<ScaleDelta> deltas = {{"zeta", +2, 128, 0}, {"api", -1, 128, 0}, {"web", +2, 128, 0}};
        const auto reference = planScale(nodes, deltas);
        for (std::size_t i = 1; i < reference.size(); ++i) {
            CPPUNIT_ASSERT(reference[i - 1].node.nodeId < reference[i].node.nodeId);
        }
        for (const auto& option : reference) {
            CPPUNIT_ASSERT(
                std::is_sorted(option.targets.begin(), option.targets.end(),
                               [](const auto& a, const auto& b) { return a.componentName < b.componentName; }));
        }
        std::mt19937 shuffle(7);
        for (int i = 0; i < 20; ++i) {
            std::shuffle(nodes.begin(), nodes.end(), shuffle);
            const auto plan = planScale(nodes, deltas);
            CPPUNIT_ASSERT_EQUAL(reference.size(), plan.size());
            for (std::size_t k = 0; k < plan.size(); ++k) {
                CPPUNIT_ASSERT_EQUAL(reference[k].node.nodeId, plan[k].node.nodeId);
                assertTargets(reference[k].targets, plan[k].targets);
            }
        }
    }

    void testRandomizedPlanInvariants() {
        std::uint64_t seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
        if (const char* env = std::getenv("MAELSTROM_TEST_SEED")) {
            seed = std::strtoull(env, nullptr, 10);
        }
        std::mt19937_64 random(seed);
        const auto uniform = [&](std::int64_t lo, std::int64_t hi) {
            return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
        };
        const std::vector<std::string> names = {"a", "b", "c", "d", "e"};
        for (int round = 0; round < 500; ++round) {
            std::ostringstream where;
            where << "seed " << seed << " (MAELSTROM_TEST_SEED), round " << round << ": ";
            // One reservation per component (0 = unset, 128), as in a cluster running one version of each.
            std::map<std::string, std::int64_t> reserve;
            for (const auto& name : names) {
                reserve[name] = uniform(0, 3) == 0 ? 0 : 64 * uniform(1, 8);
            }
            std::vector<sdk::NodeStatus> nodes;
            const auto nodeCount = uniform(1, 5);
            for (std::int64_t n = 0; n < nodeCount; ++n) {
                const std::int64_t total = uniform(0, 4) == 0 ? 0 : 128 * uniform(1, 12);
                std::vector<sdk::ComponentInfo> running;
                for (std::int64_t k = uniform(0, 6); k > 0; --k) {
                    const auto& name = names[static_cast<std::size_t>(uniform(0, 4))];
                    running.push_back(instance(name, reserve[name], uniform(0, 100), uniform(0, 100),
                                               uniform(0, 5) == 0 ? "stopping" : "active"));
                }
                nodes.push_back(node("node" + std::to_string(uniform(0, 99)) + "-" + std::to_string(n), total,
                                     static_cast<double>(uniform(0, 20)) / 10.0, running));
            }
            std::vector<ScaleDelta> deltas;
            for (const auto& name : names) {
                if (uniform(0, 1) == 0) {
                    const std::int64_t effective = reserve[name] > 0 ? reserve[name] : kDefaultReserveMiB;
                    deltas.push_back({name, uniform(-4, 4), effective, uniform(0, 3)});
                }
            }
            checkPlan(where.str(), nodes, deltas, planScale(nodes, deltas));
            checkColdStart(where.str(), nodes, reserve, uniform);
        }
    }

private:
    static void checkPlan(const std::string& where, const std::vector<sdk::NodeStatus>& nodes,
                          const std::vector<ScaleDelta>& deltas, const std::vector<PlacementOption>& plan) {
        std::map<std::string, std::int64_t> netChange;
        for (std::size_t i = 0; i < plan.size(); ++i) {
            const auto& option = plan[i];
            CPPUNIT_ASSERT_MESSAGE(where + "targets present", !option.targets.empty());
            if (i > 0) {
                CPPUNIT_ASSERT_MESSAGE(where + "sorted by node id", plan[i - 1].node.nodeId < option.node.nodeId);
            }
            const auto input = std::find_if(nodes.begin(), nodes.end(),
                                            [&](const sdk::NodeStatus& n) { return n.nodeId == option.node.nodeId; });
            CPPUNIT_ASSERT_MESSAGE(where + "known node", input != nodes.end());
            const PlacementOption before{withoutStopping(*input), {}};
            CPPUNIT_ASSERT_MESSAGE(where + "stopping entries left out", before.node == option.node);
            const std::int64_t total = option.node.totalMemoryMiB;
            CPPUNIT_ASSERT_MESSAGE(where + "memory of " + option.node.nodeId + ": " + describe(option.targets),
                                   option.ramUsed() <= std::max(total, before.ramUsed()));
            const auto runningCounts = before.containerCounts();
            for (std::size_t t = 0; t < option.targets.size(); ++t) {
                const auto& target = option.targets[t];
                if (t > 0) {
                    CPPUNIT_ASSERT_MESSAGE(where + "targets sorted",
                                           option.targets[t - 1].componentName < target.componentName);
                }
                const auto it = runningCounts.find(target.componentName);
                const std::int64_t running = it == runningCounts.end() ? 0 : it->second;
                CPPUNIT_ASSERT_MESSAGE(where + "at most one change", std::abs(target.targetCount - running) <= 1);
                CPPUNIT_ASSERT_MESSAGE(where + "not negative", target.targetCount >= 0);
                netChange[target.componentName] += target.targetCount - running;
                if (target.targetCount > running) {
                    CPPUNIT_ASSERT_MESSAGE(where + "nothing on a relay-only node", total > 0);
                    for (const auto& d : deltas) {
                        if (d.componentName == target.componentName && d.maxPerNode > 0) {
                            CPPUNIT_ASSERT_MESSAGE(where + "maxPerNode", target.targetCount <= d.maxPerNode);
                        }
                    }
                }
            }
        }
        for (const auto& [component, change] : netChange) {
            std::int64_t delta = 0;
            for (const auto& d : deltas) {
                if (d.componentName == component) {
                    delta = d.delta;
                }
            }
            CPPUNIT_ASSERT_MESSAGE(where + "net change of " + component + " within its delta",
                                   delta >= 0 ? (change >= 0 && change <= delta) : (change <= 0 && change >= delta));
        }
    }

    template <typename Uniform>
    static void checkColdStart(const std::string& where, const std::vector<sdk::NodeStatus>& nodes,
                               const std::map<std::string, std::int64_t>& reserve, Uniform& uniform) {
        std::vector<sdk::NodeStatus> active;
        for (const auto& n : nodes) {
            active.push_back(withoutStopping(n));
        }
        const std::string component = "c";
        const std::int64_t required = std::max(reserve.at(component), kDefaultReserveMiB);
        const std::int64_t maxPerNode = uniform(0, 2);
        const auto best = bestStartOption(freshOptions(active), component, required, maxPerNode, uniform(0, 1) == 1);
        if (!best) {
            return;
        }
        CPPUNIT_ASSERT_MESSAGE(where + "cold start on a relay-only node", best->node.totalMemoryMiB > 0);
        CPPUNIT_ASSERT_MESSAGE(where + "cold start memory", best->ramUsed() <= best->node.totalMemoryMiB);
        const auto count = best->containerCounts().at(component);
        CPPUNIT_ASSERT_MESSAGE(where + "cold start maxPerNode", maxPerNode <= 0 || count <= maxPerNode);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PlacementPlanTest);
