// gateway_metrics_test.cpp — the metrics registry alone: counters by status and cause, cumulative histogram
// buckets with sum and count, label escaping, unrouted requests, and many threads counting at once.
#include "metrics/gateway_metrics.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace maelstrom::core;
using namespace std::chrono_literals;

namespace {

bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

} // namespace

class GatewayMetricsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(GatewayMetricsTest);
    CPPUNIT_TEST(testCountersAndCauses);
    CPPUNIT_TEST(testHistogramIsCumulative);
    CPPUNIT_TEST(testLabelEscapingAndOrder);
    CPPUNIT_TEST(testConcurrentCounting);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCountersAndCauses() {
        GatewayMetrics metrics;
        ComponentMetrics& web = metrics.component("web");
        web.countRequest(200);
        web.countRequest(200);
        web.countRequest(502);
        web.countRequest(42); // out of range
        web.countError(ErrorCause::UpstreamError);
        metrics.countUnrouted(404);
        CPPUNIT_ASSERT(&web == &metrics.component("web")); // one block per component
        const std::string text = metrics.render();
        CPPUNIT_ASSERT_MESSAGE(text, has(text, "# TYPE maelstrom_gateway_requests_total counter"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, "maelstrom_gateway_requests_total{component=\"web\",code=\"200\"} 2"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, "maelstrom_gateway_requests_total{component=\"web\",code=\"502\"} 1"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, "maelstrom_gateway_requests_total{component=\"web\",code=\"other\"} 1"));
        CPPUNIT_ASSERT_MESSAGE(
            text, has(text, "maelstrom_gateway_errors_total{component=\"web\",cause=\"upstream_error\"} 1"));
        CPPUNIT_ASSERT_MESSAGE(text,
                               has(text, "maelstrom_gateway_errors_total{component=\"web\",cause=\"timeout\"} 0"));
        CPPUNIT_ASSERT_MESSAGE(text,
                               has(text, "maelstrom_gateway_errors_total{component=\"web\",cause=\"queue_full\"} 0"));
        CPPUNIT_ASSERT_MESSAGE(text,
                               has(text, "maelstrom_gateway_errors_total{component=\"web\",cause=\"internal\"} 0"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, "maelstrom_gateway_unrouted_requests_total{code=\"404\"} 1"));
        // No router registry: no gauges.
        CPPUNIT_ASSERT_MESSAGE(text, text.find("maelstrom_gateway_in_flight") == std::string::npos);
    }

    void testHistogramIsCumulative() {
        GatewayMetrics metrics;
        ComponentMetrics& c = metrics.component("c");
        c.queueWait.observe(500us); // <= 0.001
        c.queueWait.observe(1ms);   // <= 0.001 (bounds are inclusive)
        c.queueWait.observe(40ms);  // <= 0.05
        c.queueWait.observe(400s);  // +Inf
        const std::string text = metrics.render();
        const std::string q = "maelstrom_gateway_queue_wait_seconds";
        CPPUNIT_ASSERT_MESSAGE(text, has(text, "# TYPE " + q + " histogram"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, q + "_bucket{component=\"c\",le=\"0.001\"} 2"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, q + "_bucket{component=\"c\",le=\"0.025\"} 2"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, q + "_bucket{component=\"c\",le=\"0.05\"} 3"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, q + "_bucket{component=\"c\",le=\"300\"} 3"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, q + "_bucket{component=\"c\",le=\"+Inf\"} 4"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, q + "_count{component=\"c\"} 4"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, q + "_sum{component=\"c\"} 400.0415"));
        CPPUNIT_ASSERT_MESSAGE(text, has(text, "maelstrom_gateway_proxy_duration_seconds_count{component=\"c\"} 0"));
    }

    void testLabelEscapingAndOrder() {
        GatewayMetrics metrics;
        metrics.component("zeta").countRequest(200);
        metrics.component("a\"b\\c\nd").countRequest(200);
        const std::string text = metrics.render();
        const auto escaped = text.find("component=\"a\\\"b\\\\c\\nd\"");
        const auto zeta = text.find("component=\"zeta\"");
        CPPUNIT_ASSERT_MESSAGE(text, escaped != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(text, zeta != std::string::npos && escaped < zeta);
        // Every line is a comment or `name{labels} value`.
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            CPPUNIT_ASSERT_MESSAGE(line, line.rfind("# ", 0) == 0 || line.rfind("maelstrom_gateway_", 0) == 0);
        }
    }

    void testConcurrentCounting() {
        GatewayMetrics metrics;
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 10000; ++i) {
                    ComponentMetrics& c = metrics.component("c" + std::to_string((i + t) % 4));
                    c.countRequest(200);
                    c.proxyDuration.observe(std::chrono::microseconds(i));
                }
            });
        }
        std::string during;
        for (int i = 0; i < 20; ++i) {
            during = metrics.render(); // concurrently with counting
        }
        for (auto& t : threads) {
            t.join();
        }
        const std::string text = metrics.render();
        for (int c = 0; c < 4; ++c) {
            const std::string name = "c" + std::to_string(c);
            CPPUNIT_ASSERT_MESSAGE(
                text, has(text, "maelstrom_gateway_requests_total{component=\"" + name + "\",code=\"200\"} 20000"));
            CPPUNIT_ASSERT_MESSAGE(
                text, has(text, "maelstrom_gateway_proxy_duration_seconds_count{component=\"" + name + "\"} 20000"));
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayMetricsTest);
