// metrics_exposition_test.cpp — the whole `/_mael/metrics` text as maelstromd assembles it (gateway, lifecycle,
// event sources, AWS lifecycle, plugin calls, cluster, prune timer) read back by a strict exposition parser: every
// family has # HELP and # TYPE once, before its samples, with valid names; histograms are cumulative. Also what the
// families count:
// calls into the database and container runtime plugins by operation and error class (through the counting
// wrappers over the fakes), cold starts per component, placement and autoscale decisions, and the instances of
// every node by component and state.
#include "cluster/aws_lifecycle.h"
#include "metrics/call_metrics.h"
#include "metrics/cluster_metrics.h"
#include "metrics/event_source_metrics.h"
#include "metrics/gateway_metrics.h"
#include "metrics/lifecycle_metrics.h"
#include "metrics/prune_metrics.h"
#include "metrics/tls_metrics.h"
#include "routing/router_registry.h"

#include "fake_container_runtime.h"
#include "fake_database.h"
#include "prometheus_exposition.h"

#include <maelstrom/sdk/errors.h>

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <thread>

using namespace maelstrom::core;
using namespace std::chrono_literals;
namespace sdk = maelstrom::sdk;
using maelstrom::testing::FakeContainerRuntime;
using maelstrom::testing::FakeDatabase;
namespace prom = maelstrom::testing::prometheus;

namespace {

double value(const prom::Exposition& e, const std::string& family, const std::string& series,
             const std::map<std::string, std::string>& labels) {
    const auto it = e.families.find(family);
    if (it == e.families.end()) {
        return -1;
    }
    for (const auto& s : it->second.samples) {
        if (s.name == series && s.labels == labels) {
            return s.value;
        }
    }
    return -1;
}

sdk::ComponentInfo info(const std::string& component, const std::string& status, bool paused = false) {
    sdk::ComponentInfo i;
    i.componentName = component;
    i.status = status;
    i.paused = paused;
    return i;
}

} // namespace

class MetricsExpositionTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MetricsExpositionTest);
    CPPUNIT_TEST(testWholeExpositionIsValid);
    CPPUNIT_TEST(testParserRejectsBadText);
    CPPUNIT_TEST(testDatabaseCallsCounted);
    CPPUNIT_TEST(testRuntimeCallsCounted);
    CPPUNIT_TEST(testColdStartsPerComponent);
    CPPUNIT_TEST(testClusterDecisionsAndInstances);
    CPPUNIT_TEST(testConcurrentCallCounting);
    CPPUNIT_TEST_SUITE_END();

public:
    void testWholeExpositionIsValid() {
        RouterRegistry routers(nullptr, {});
        routers.byComponent("web");
        GatewayMetrics gateway(&routers);
        ComponentMetrics& web = gateway.component("web \"quoted\"\\ \n name");
        web.countRequest(200);
        web.countError(ErrorCause::Timeout);
        web.queueWait.observe(3ms);
        web.proxyDuration.observe(2s);
        gateway.countUnrouted(404);
        LifecycleMetrics lifecycle;
        lifecycle.recordColdStart("web", 1ms, 2ms, 3ms, 4ms);
        lifecycle.recordColdStartFailure("api");
        lifecycle.recordWake("web", 5ms);
        lifecycle.addPaused("web", 1);
        EventSourceMetrics events;
        events.recordFiring("tick", "web", "cron", true, 10ms);
        auto databaseCalls = databaseCallCounters();
        auto dockerCalls = dockerCallCounters();
        databaseCalls->called(0);
        databaseCalls->failed(0, std::make_exception_ptr(sdk::VersionConflict("changed meanwhile")));
        dockerCalls->called(1);
        dockerCalls->failed(1, std::make_exception_ptr(sdk::Unavailable("docker went away")));
        ClusterMetrics cluster;
        cluster.countPlacement("started", "n1");
        cluster.countScaleDecision("web", true);
        cluster.countScaleAction("n1", "applied");
        cluster.setNodesSource([] {
            sdk::NodeStatus n;
            n.nodeId = "n1";
            n.runningComponents = {info("web", "active")};
            return std::vector<sdk::NodeStatus>{n};
        });

        // A node with a lifecycle-queue poller configured (never started: no AWS client is made).
        AwsLifecycleSettings awsSettings;
        awsSettings.queueUrl = "http://127.0.0.1:1/queue/lifecycle";
        AwsLifecycle aws(
            std::move(awsSettings), [] { return AwsLifecycleClients{}; }, nullptr, AwsLifecycleCluster{}, [] {});
        PruneMetrics prune;
        prune.enable();
        prune.recordRun(PruneOutcome::Ok);
        prune.recordPruned(2, 1);
        TlsMetrics tls;
        tls.recordOk(true);
        tls.recordFailure(TlsFailure::UnknownName);

        // Assembled in the private port's order (the blocks maelstromd appends last: TLS handshakes, plugin calls,
        // cluster, prune).
        const std::string text = gateway.render() + lifecycle.render() + events.render() + aws.renderMetrics() +
                                 tls.render() + databaseCalls->render() + dockerCalls->render() + cluster.render() +
                                 prune.render();
        const prom::Exposition e = prom::parse(text);
        CPPUNIT_ASSERT_MESSAGE(prom::problems(e) + text, e.problems.empty());
        for (const char* family : {"maelstrom_gateway_requests_total",
                                   "maelstrom_gateway_errors_total",
                                   "maelstrom_gateway_unrouted_requests_total",
                                   "maelstrom_gateway_queue_wait_seconds",
                                   "maelstrom_gateway_proxy_duration_seconds",
                                   "maelstrom_gateway_in_flight",
                                   "maelstrom_gateway_queued",
                                   "maelstrom_gateway_instances",
                                   "maelstrom_cold_start_phase_seconds",
                                   "maelstrom_cold_starts_total",
                                   "maelstrom_cold_start_failures_total",
                                   "maelstrom_cold_start_seconds",
                                   "maelstrom_instance_wakes_total",
                                   "maelstrom_instance_wake_seconds",
                                   "maelstrom_paused_instances",
                                   "maelstrom_event_source_firings_total",
                                   "maelstrom_event_source_failures_total",
                                   "maelstrom_event_source_lateness_seconds",
                                   "maelstrom_database_calls_total",
                                   "maelstrom_database_call_errors_total",
                                   "maelstrom_docker_calls_total",
                                   "maelstrom_docker_call_errors_total",
                                   "maelstrom_placement_decisions_total",
                                   "maelstrom_autoscale_decisions_total",
                                   "maelstrom_autoscale_actions_total",
                                   "maelstrom_cluster_instances",
                                   "maelstrom_cluster_nodes",
                                   "maelstrom_tls_handshakes_total",
                                   "maelstrom_tls_handshake_failures_total",
                                   "maelstrom_tls_resumed_handshakes_total"}) {
            CPPUNIT_ASSERT_MESSAGE(std::string(family) + " missing\n" + text, e.families.count(family) == 1);
            const auto& f = e.families.at(family);
            CPPUNIT_ASSERT_MESSAGE(family, !f.help.empty() && !f.type.empty());
            CPPUNIT_ASSERT_MESSAGE(std::string(family) + " has no sample", !f.samples.empty());
            const bool counter = std::string(family).ends_with("_total");
            CPPUNIT_ASSERT_MESSAGE(family, counter == (f.type == "counter"));
            CPPUNIT_ASSERT_MESSAGE(family, !std::string(family).ends_with("_seconds") || f.type == "histogram");
        }
        // The escaped label reads back as the name given.
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, "maelstrom_gateway_requests_total", "maelstrom_gateway_requests_total",
                                        {{"component", "web \"quoted\"\\ \n name"}, {"code", "200"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, "maelstrom_docker_call_errors_total", "maelstrom_docker_call_errors_total",
                                        {{"operation", "ensure_image"}, {"error", "unavailable"}}));
    }

    void testParserRejectsBadText() {
        // The reader the test above relies on does find what Prometheus would refuse or mislabel.
        CPPUNIT_ASSERT(prom::parse("x_total 1\n").problems.size() == 1); // no HELP/TYPE
        CPPUNIT_ASSERT(
            !prom::parse("# HELP x h\n# TYPE x counter\nx 1\n# HELP x h\n# TYPE x counter\n").problems.empty());
        CPPUNIT_ASSERT(!prom::parse("# HELP 1x h\n# TYPE 1x counter\n").problems.empty());
        CPPUNIT_ASSERT(!prom::parse("# HELP x h\n# TYPE x gauge\nx{a=\"b} 1\n").problems.empty());
        CPPUNIT_ASSERT(!prom::parse("# HELP x h\n# TYPE x gauge\nx{a-b=\"c\"} 1\n").problems.empty());
        CPPUNIT_ASSERT(!prom::parse("# HELP x h\n# TYPE x gauge\nx abc\n").problems.empty());
        CPPUNIT_ASSERT(!prom::parse("# HELP x h\n# TYPE x histogram\nx_bucket{le=\"1\"} 2\nx_bucket{le=\"+Inf\"} 1\n"
                                    "x_sum 1\nx_count 1\n")
                            .problems.empty());
        CPPUNIT_ASSERT(!prom::parse("# HELP x h\n# TYPE x histogram\nx_bucket{le=\"1\"} 1\nx_sum 1\nx_count 1\n")
                            .problems.empty());
        CPPUNIT_ASSERT(!prom::parse("# HELP x h\n# TYPE x counter\nx 1").problems.empty()); // no final newline
        CPPUNIT_ASSERT(prom::parse("# HELP x h\n# TYPE x gauge\nx{a=\"q\\\"\\n\\\\\"} -1.5e3\n").problems.empty());
    }

    void testDatabaseCallsCounted() {
        auto fake = std::make_shared<FakeDatabase>();
        auto counters = databaseCallCounters();
        CountingDatabase database(fake, counters);
        sdk::Component c;
        c.name = "web";
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, database.putComponent(c));
        CPPUNIT_ASSERT(database.getComponent("web").has_value());
        CPPUNIT_ASSERT_THROW(database.putComponent(c), sdk::AlreadyExists); // version 0 again
        fake->setUnavailable(true);
        CPPUNIT_ASSERT_THROW(database.listNodeStatus(), sdk::Unavailable);
        CPPUNIT_ASSERT_THROW(database.getComponent("web"), sdk::Unavailable);
        const prom::Exposition e = prom::parse(counters->render());
        CPPUNIT_ASSERT_MESSAGE(prom::problems(e), e.problems.empty());
        const std::string calls = "maelstrom_database_calls_total";
        const std::string errors = "maelstrom_database_call_errors_total";
        CPPUNIT_ASSERT_EQUAL(2.0, value(e, calls, calls, {{"operation", "put_component"}}));
        CPPUNIT_ASSERT_EQUAL(2.0, value(e, calls, calls, {{"operation", "get_component"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, calls, calls, {{"operation", "list_node_status"}}));
        CPPUNIT_ASSERT_EQUAL(-1.0, value(e, calls, calls, {{"operation", "remove_component"}})); // never called
        CPPUNIT_ASSERT_EQUAL(1.0,
                             value(e, errors, errors, {{"operation", "put_component"}, {"error", "already_exists"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, errors, errors, {{"operation", "get_component"}, {"error", "unavailable"}}));
        CPPUNIT_ASSERT_EQUAL(1.0,
                             value(e, errors, errors, {{"operation", "list_node_status"}, {"error", "unavailable"}}));
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, e.families.at(errors).samples.size());
        // The wrapper is transparent: what the call returned or threw is what the caller sees.
        fake->setUnavailable(false);
        CPPUNIT_ASSERT(database.getComponent("web")->name == "web");
        CPPUNIT_ASSERT(!database.removeEventSource("none"));
    }

    void testRuntimeCallsCounted() {
        auto fake = std::make_shared<FakeContainerRuntime>();
        auto counters = dockerCallCounters();
        CountingContainerRuntime runtime(fake, counters);
        CPPUNIT_ASSERT(runtime.listManaged(true).empty());
        CPPUNIT_ASSERT_THROW(runtime.inspect("missing"), sdk::NotFound);
        fake->setUnavailable(true);
        CPPUNIT_ASSERT_THROW(runtime.listManaged(false), sdk::Unavailable);
        CPPUNIT_ASSERT_THROW(runtime.stop("x", 1s), sdk::Unavailable);
        const prom::Exposition e = prom::parse(counters->render());
        CPPUNIT_ASSERT_MESSAGE(prom::problems(e), e.problems.empty());
        const std::string calls = "maelstrom_docker_calls_total";
        const std::string errors = "maelstrom_docker_call_errors_total";
        CPPUNIT_ASSERT_EQUAL(2.0, value(e, calls, calls, {{"operation", "list_managed"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, errors, errors, {{"operation", "list_managed"}, {"error", "unavailable"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, errors, errors, {{"operation", "inspect"}, {"error", "not_found"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, errors, errors, {{"operation", "stop"}, {"error", "unavailable"}}));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, counters->failures(5)); // inspect
        CPPUNIT_ASSERT(runtime.capabilities().logs == fake->capabilities().logs);
        // A non-SDK exception is "other".
        CPPUNIT_ASSERT_EQUAL(std::string("other"),
                             std::string(errorClassName(std::make_exception_ptr(std::runtime_error("x")))));
    }

    void testColdStartsPerComponent() {
        LifecycleMetrics lifecycle;
        // Before any start: every family declared, without samples.
        const prom::Exposition before = prom::parse(lifecycle.render());
        CPPUNIT_ASSERT_MESSAGE(prom::problems(before), before.problems.empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t{7}, before.families.size());
        CPPUNIT_ASSERT(before.families.at("maelstrom_cold_starts_total").samples.empty());
        lifecycle.recordColdStart("web", 100ms, 0ms, 200ms, 700ms); // 1 s in all
        lifecycle.recordColdStart("web", 0ms, 0ms, 1ms, 1ms);
        lifecycle.recordColdStartFailure("web");
        const prom::Exposition e = prom::parse(lifecycle.render());
        CPPUNIT_ASSERT_MESSAGE(prom::problems(e), e.problems.empty());
        CPPUNIT_ASSERT_EQUAL(
            2.0, value(e, "maelstrom_cold_starts_total", "maelstrom_cold_starts_total", {{"component", "web"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, "maelstrom_cold_start_failures_total", "maelstrom_cold_start_failures_total",
                                        {{"component", "web"}}));
        CPPUNIT_ASSERT_EQUAL(2.0, value(e, "maelstrom_cold_start_seconds", "maelstrom_cold_start_seconds_count",
                                        {{"component", "web"}}));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(
            1.002, value(e, "maelstrom_cold_start_seconds", "maelstrom_cold_start_seconds_sum", {{"component", "web"}}),
            1e-9);
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, "maelstrom_cold_start_seconds", "maelstrom_cold_start_seconds_bucket",
                                        {{"component", "web"}, {"le", "0.0025"}}));
        CPPUNIT_ASSERT_EQUAL(2.0, value(e, "maelstrom_cold_start_phase_seconds",
                                        "maelstrom_cold_start_phase_seconds_count", {{"phase", "health"}}));
    }

    void testClusterDecisionsAndInstances() {
        ClusterMetrics cluster;
        // Without a nodes source only the decision families, empty but declared.
        prom::Exposition e = prom::parse(cluster.render());
        CPPUNIT_ASSERT_MESSAGE(prom::problems(e), e.problems.empty());
        CPPUNIT_ASSERT(e.families.count("maelstrom_placement_decisions_total") == 1);
        CPPUNIT_ASSERT(e.families.count("maelstrom_cluster_instances") == 0);

        cluster.countPlacement("started", "n2");
        cluster.countPlacement("started", "n2");
        cluster.countPlacement("unplaceable", "");
        cluster.countScaleDecision("web", true);
        cluster.countScaleDecision("web", false);
        cluster.countScaleDecision("web", false);
        cluster.countScaleAction("n1", "version_mismatch");
        cluster.setNodesSource([] {
            sdk::NodeStatus n1;
            n1.nodeId = "n1";
            n1.runningComponents = {info("web", "active"), info("web", "active"), info("api", "starting"),
                                    info("web", "stopping", true)};
            sdk::NodeStatus n2;
            n2.nodeId = "n2";
            n2.runningComponents = {info("web", "active"), info("web", "stopping")};
            return std::vector<sdk::NodeStatus>{n1, n2};
        });
        e = prom::parse(cluster.render());
        CPPUNIT_ASSERT_MESSAGE(prom::problems(e), e.problems.empty());
        const std::string p = "maelstrom_placement_decisions_total";
        CPPUNIT_ASSERT_EQUAL(2.0, value(e, p, p, {{"outcome", "started"}, {"node", "n2"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, p, p, {{"outcome", "unplaceable"}, {"node", ""}}));
        const std::string a = "maelstrom_autoscale_decisions_total";
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, a, a, {{"component", "web"}, {"direction", "up"}}));
        CPPUNIT_ASSERT_EQUAL(2.0, value(e, a, a, {{"component", "web"}, {"direction", "down"}}));
        const std::string x = "maelstrom_autoscale_actions_total";
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, x, x, {{"node", "n1"}, {"outcome", "version_mismatch"}}));
        const std::string i = "maelstrom_cluster_instances";
        CPPUNIT_ASSERT_EQUAL(2.0, value(e, i, i, {{"component", "web"}, {"node", "n1"}, {"state", "active"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, i, i, {{"component", "web"}, {"node", "n1"}, {"state", "paused"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, i, i, {{"component", "api"}, {"node", "n1"}, {"state", "starting"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, i, i, {{"component", "web"}, {"node", "n2"}, {"state", "active"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, value(e, i, i, {{"component", "web"}, {"node", "n2"}, {"state", "stopping"}}));
        CPPUNIT_ASSERT_EQUAL(2.0, value(e, "maelstrom_cluster_nodes", "maelstrom_cluster_nodes", {}));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, cluster.placements("started", "n2"));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, cluster.scaleDecisions("web", false));
    }

    void testConcurrentCallCounting() {
        auto counters = dockerCallCounters();
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&counters] {
                for (int n = 0; n < 10000; ++n) {
                    try {
                        counters->count(5, [] {
                            throw sdk::NotFound("gone");
                            return 0;
                        });
                    } catch (const sdk::NotFound&) {
                    }
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{80000}, counters->calls(5));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{80000}, counters->failures(5));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricsExpositionTest);
