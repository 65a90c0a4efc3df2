// cluster_view_test.cpp — the in-memory cluster view (only newer statuses replace known ones, observers told of
// each change) and the routers' remote instances built from it (slots = active instances × concurrency per peer,
// none for this node, removed when a peer stops running the component or leaves).
// SPDX-License-Identifier: Apache-2.0
#include "cluster/cluster_view.h"
#include "cluster/remote_instances.h"
#include "model_builders.h"
#include "test_support.h"

using namespace maelstrom;
using namespace maelstrom::core;

namespace {

sdk::NodeStatus node(const std::string& id, std::int64_t version, std::int64_t observedAt = 0) {
    sdk::NodeStatus s;
    s.nodeId = id;
    s.peerUrl = "http://127.0.0.1:1/" + id;
    s.version = version;
    s.observedAt = observedAt;
    s.startedAt = 1;
    return s;
}

sdk::ComponentInfo active(const std::string& component, const std::string& status = "active") {
    sdk::ComponentInfo info;
    info.componentName = component;
    info.status = status;
    info.maxConcurrency = 2;
    return info;
}

} // namespace

class ClusterViewTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ClusterViewTest);
    CPPUNIT_TEST(onlyNewerStatusesReplaceKnownOnes);
    CPPUNIT_TEST(observerSeesEveryChange);
    CPPUNIT_TEST(anExitedNodeStaysOutUntilItStartsAgain);
    CPPUNIT_TEST(remoteInstancesFollowThePeers);
    CPPUNIT_TEST_SUITE_END();

public:
    void onlyNewerStatusesReplaceKnownOnes() {
        ClusterView view("me");
        CPPUNIT_ASSERT(view.setNode(node("a", 5, 100)));
        CPPUNIT_ASSERT(!view.setNode(node("a", 4, 50)));  // a late broadcast
        CPPUNIT_ASSERT(!view.setNode(node("a", 5, 100))); // the same again
        CPPUNIT_ASSERT(view.setNode(node("a", 5, 101)));  // observed later
        CPPUNIT_ASSERT(view.setNode(node("a", 6, 0)));    // a newer version
        CPPUNIT_ASSERT_EQUAL(std::int64_t(6), view.node("a")->version);
        view.setNode(node("me", 1));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), view.nodes().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), view.peers().size());
        CPPUNIT_ASSERT(view.removeNode("a"));
        CPPUNIT_ASSERT(!view.removeNode("a"));
        CPPUNIT_ASSERT(view.peers().empty());
    }

    /// A status read before the node announced its exit (a GetStatus answer, a database row) must not list it
    /// again; the same id started anew comes back, and a node only dropped for failed health checks may return.
    void anExitedNodeStaysOutUntilItStartsAgain() {
        ClusterView view("me");
        auto a = node("a", 5, 100);
        a.startedAt = 1000;
        CPPUNIT_ASSERT(view.setNode(a));
        CPPUNIT_ASSERT(view.removeExitedNode("a"));
        auto late = a;
        late.observedAt = 200; // newer than anything known, but from the process that left
        CPPUNIT_ASSERT(!view.setNode(late));
        CPPUNIT_ASSERT(!view.contains("a"));
        auto restarted = node("a", 1, 300);
        restarted.startedAt = 5000;
        CPPUNIT_ASSERT(view.setNode(restarted));
        CPPUNIT_ASSERT(view.contains("a"));
        // An exit announced by a node this one never saw: statuses started before the notice stay out.
        CPPUNIT_ASSERT(!view.removeExitedNode("b"));
        auto b = node("b", 1, 1);
        b.startedAt = 1;
        CPPUNIT_ASSERT(!view.setNode(b));
        // Dropped for failed health checks only: the same process is welcome back when it answers again.
        CPPUNIT_ASSERT(view.removeNode("a"));
        CPPUNIT_ASSERT(view.setNode(restarted));
    }

    void observerSeesEveryChange() {
        ClusterView view("me");
        std::vector<std::size_t> sizes;
        view.setObserver([&](const std::vector<sdk::NodeStatus>& nodes) { sizes.push_back(nodes.size()); });
        view.setNode(node("a", 1));
        view.setNode(node("a", 1)); // not newer: no call
        view.setNode(node("b", 1));
        view.removeNode("a");
        CPPUNIT_ASSERT(sizes == (std::vector<std::size_t>{1, 2, 1}));
    }

    void remoteInstancesFollowThePeers() {
        RouterRegistry routers(nullptr, {});
        ComponentCache components;
        auto web = testing::testComponent("web");
        web.maxConcurrency = 3;
        components.replace({web});
        RemoteInstances remote("me", routers, components);
        auto a = node("a", 1);
        a.runningComponents = {active("web"), active("web"), active("web", "starting")};
        auto me = node("me", 1);
        me.runningComponents = {active("web")}; // our own instances are the lifecycle's to register
        remote.update({a, me});
        const auto router = routers.find("web");
        CPPUNIT_ASSERT(router);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), router->instanceCount());
        // Two active instances of three slots each (the cached component's concurrency): six requests at once.
        AcquireOptions options;
        options.deadline = SteadyClock::now() + std::chrono::seconds(1);
        std::vector<Lease> leases;
        for (int i = 0; i < 6; ++i) {
            auto r = router->acquire(options);
            CPPUNIT_ASSERT(r.status == AcquireStatus::Acquired);
            CPPUNIT_ASSERT(r.lease.remote());
            CPPUNIT_ASSERT_EQUAL(a.peerUrl, r.lease.endpoint());
            leases.push_back(std::move(r.lease));
        }
        options.deadline = SteadyClock::now() + std::chrono::milliseconds(50);
        CPPUNIT_ASSERT(router->acquire(options).status == AcquireStatus::Timeout);
        leases.clear();
        // The peer stops running it, then leaves: no remote instance.
        a.runningComponents = {active("web", "stopping")};
        remote.update({a, me});
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), router->instanceCount());
        a.runningComponents = {active("web")};
        remote.update({a, me});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), router->instanceCount());
        remote.update({me});
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), router->instanceCount());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClusterViewTest);
