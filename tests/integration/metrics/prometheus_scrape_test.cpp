// prometheus_scrape_test.cpp — Debian's `prometheus` scraping a real maelstromd's /_mael/metrics every second on
// loopback, with the private token as bearer credentials. Under a few seconds of load through the public port the
// series arrive and move: up is 1, request counters increase, the latency and queue-wait histograms answer
// quantiles, the instance gauge of this node rises from nothing to one active instance, the cold start, the
// placement and the calls into the database and Docker plugins are counted, the cron event source's firings
// arrive. A second scrape job with a wrong token is down with a 401 while maelstromd keeps serving both ports.
// The live exposition passes the strict format check (HELP and TYPE of every family), and every expression of
// etc/grafana/maelstrom-dashboard.json names only series maelstromd exposes and evaluates in Prometheus.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle_env.h"
#include "prometheus_exposition.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;
namespace prom = maelstrom::testing::prometheus;

namespace {

const std::string kToken = "metrics-test-token";

bool prometheusAvailable() {
    return runProcess({"prometheus", "--version"}, {}, std::chrono::seconds(20)).exitCode == 0;
}

/// GET 127.0.0.1:port<path>, with `Authorization: Bearer <token>` when a token is given.
Reply get(int port, const std::string& path, const std::string& token = "") {
    Reply reply;
    try {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
        session.setTimeout(Poco::Timespan(20, 0));
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!token.empty()) {
            req.set("Authorization", "Bearer " + token);
        }
        session.sendRequest(req);
        Poco::Net::HTTPResponse resp;
        Poco::StreamCopier::copyToString(session.receiveResponse(resp), reply.body);
        reply.status = static_cast<int>(resp.getStatus());
    } catch (const std::exception& e) {
        reply.error = e.what();
    }
    return reply;
}

/// A Prometheus process on 127.0.0.1:<free port> with its own storage and configuration in `dir`.
class Prometheus {
public:
    Prometheus(const std::filesystem::path& dir, const std::string& config) {
        { std::ofstream(dir / "prometheus.yml") << config; }
        port_ = freePort();
        process_ = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{"prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                                     "--storage.tsdb.path=" + (dir / "tsdb").string(),
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"});
        const bool ready = waitUntil([&] { return get(port_, "/-/ready").status == 200 || !process_->running(); },
                                     std::chrono::seconds(30));
        CPPUNIT_ASSERT_MESSAGE("prometheus did not become ready:\n" + process_->output(), ready && process_->running());
    }

    /// /api/v1/query: the result array of a successful query; fails the test when the query is refused.
    Poco::JSON::Array::Ptr query(const std::string& expr, double at = 0) const {
        std::string path = "/api/v1/query?query=";
        Poco::URI::encode(expr, "&+=#%?", path);
        if (at > 0) {
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%.3f", at);
            path += std::string("&time=") + buffer;
        }
        const Reply r = get(port_, path);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(expr + ": " + r.error + r.body, 200, r.status);
        const auto root = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(expr + ": " + r.body, std::string("success"),
                                     root->getValue<std::string>("status"));
        return root->getObject("data")->getArray("result");
    }

    /// The value of a query answering one series (the first); -1 when it answers none.
    double scalar(const std::string& expr, double at = 0) const {
        const auto result = query(expr, at);
        if (result->size() == 0) {
            return -1;
        }
        const auto value = result->getObject(0)->getArray("value");
        return std::stod(value->getElement<std::string>(1));
    }

    /// Waits until `expr` answers a value satisfying `ok`; the last value seen.
    double waitFor(const std::string& expr, const std::function<bool(double)>& ok,
                   std::chrono::seconds timeout = std::chrono::seconds(20)) const {
        double last = -1;
        waitUntil(
            [&] {
                last = scalar(expr);
                return ok(last);
            },
            timeout);
        return last;
    }

    /// The scrape targets (/api/v1/targets, active ones) as JSON text, and the one of `job`.
    Poco::JSON::Object::Ptr target(const std::string& job) const {
        const Reply r = get(port_, "/api/v1/targets?state=active");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + r.body, 200, r.status);
        const auto root = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
        const auto list = root->getObject("data")->getArray("activeTargets");
        for (std::size_t i = 0; i < list->size(); ++i) {
            const auto t = list->getObject(static_cast<unsigned>(i));
            if (t->getObject("labels")->getValue<std::string>("job") == job) {
                return t;
            }
        }
        CPPUNIT_FAIL("no target of job " + job + ": " + r.body);
        return nullptr;
    }

    std::string log() const { return process_->output(); }

private:
    int port_ = 0;
    std::unique_ptr<BackgroundProcess> process_;
};

std::string scrapeConfig(int privatePort, const std::string& goodToken, const std::string& badToken) {
    const std::string target = "127.0.0.1:" + std::to_string(privatePort);
    auto job = [&](const std::string& name, const std::string& token) {
        return "  - job_name: " + name +
               "\n    metrics_path: /_mael/metrics\n    authorization:\n      type: Bearer\n"
               "      credentials: " +
               token + "\n    static_configs:\n      - targets: ['" + target + "']\n";
    };
    return "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n" +
           job("maelstrom", goodToken) + job("maelstrom-badtoken", badToken);
}

/// Every "expr" string of the dashboard JSON (panels, rows' panels, templating queries).
void collectExpressions(const Poco::Dynamic::Var& node, std::vector<std::string>& out) {
    if (node.type() == typeid(Poco::JSON::Object::Ptr)) {
        const auto object = node.extract<Poco::JSON::Object::Ptr>();
        for (const auto& [key, value] : *object) {
            if ((key == "expr" || key == "definition") && value.isString()) {
                out.push_back(value.toString());
            } else {
                collectExpressions(value, out);
            }
        }
    } else if (node.type() == typeid(Poco::JSON::Array::Ptr)) {
        const auto array = node.extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < array->size(); ++i) {
            collectExpressions(array->get(static_cast<unsigned>(i)), out);
        }
    }
}

/// The words maelstrom_[a-z0-9_]+ of a query.
std::vector<std::string> metricNames(const std::string& expr) {
    std::vector<std::string> names;
    for (std::size_t at = expr.find("maelstrom_"); at != std::string::npos; at = expr.find("maelstrom_", at + 1)) {
        if (at > 0 && (std::isalnum(static_cast<unsigned char>(expr[at - 1])) || expr[at - 1] == '_')) {
            continue;
        }
        std::size_t end = at;
        while (end < expr.size() && (std::islower(static_cast<unsigned char>(expr[end])) ||
                                     std::isdigit(static_cast<unsigned char>(expr[end])) || expr[end] == '_')) {
            ++end;
        }
        names.push_back(expr.substr(at, end - at));
        at = end - 1;
    }
    return names;
}

/// The dashboard's variables replaced as Grafana would for one component on every node.
std::string substituted(std::string expr, const std::string& component) {
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"$__rate_interval", "30s"}, {"$component", component}, {"$node", ".*"}}) {
        for (std::size_t at = expr.find(from); at != std::string::npos; at = expr.find(from, at + to.size())) {
            expr.replace(at, from.size(), to);
        }
    }
    return expr;
}

} // namespace

class PrometheusScrapeTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PrometheusScrapeTest);
    CPPUNIT_TEST(testScrapedSeriesMoveUnderLoad);
    CPPUNIT_TEST_SUITE_END();

public:
    void testScrapedSeriesMoveUnderLoad() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        MAELSTROM_REQUIRE_BACKEND(prometheusAvailable(), "prometheus (Debian package prometheus)");
        TempDir dir;
        const std::string project = uniqueProject("prom");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path() / "node", {{"MAEL_PRIVATE_TOKEN", kToken}});
        const std::string component = project + "_web";
        const std::string host = project + ".prom.test";

        // Without the token maelstromd refuses the scrape; with it the whole text passes the format check.
        CPPUNIT_ASSERT_EQUAL(401, get(daemon.privatePort(), "/_mael/metrics").status);
        CPPUNIT_ASSERT_EQUAL(401, get(daemon.privatePort(), "/_mael/metrics", "wrong").status);
        const Reply first = get(daemon.privatePort(), "/_mael/metrics", kToken);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(first.error + first.body, 200, first.status);
        const prom::Exposition before = prom::parse(first.body);
        CPPUNIT_ASSERT_MESSAGE(prom::problems(before) + first.body, before.problems.empty());

        // Prometheus scrapes from before the project exists: the instance gauge starts from nothing.
        Prometheus prometheus(dir.path(), scrapeConfig(daemon.privatePort(), kToken, "not-the-token"));
        const double up = prometheus.waitFor(R"(up{job="maelstrom"})", [](double v) { return v == 1; });
        CPPUNIT_ASSERT_EQUAL_MESSAGE(prometheus.log() + daemon.tail(), 1.0, up);
        const std::string instances =
            R"(sum(maelstrom_cluster_instances{component=")" + component + R"(",state="active"}))";
        const double instancesBefore = prometheus.scalar(instances);

        // One component (no scale-up at this load) with a cron event source firing every second.
        ::setenv("MAELSTROM_PRIVATE_TOKEN", kToken.c_str(), 1); // maelctl's credentials
        daemon.putProject(
            projectYaml(project, {componentYaml("web", host, {"idletimeoutseconds: 120", "maxconcurrency: 50"}) +
                                  "      tick:\n        cron:\n          schedule: \"@every 1s\"\n          http:\n"
                                  "            method: GET\n            path: /\n"}));
        ::unsetenv("MAELSTROM_PRIVATE_TOKEN");

        // Load through the public port: the first request cold-starts the instance.
        LoadClient load(daemon.publicPort(), host, "/", std::chrono::milliseconds(2));
        std::this_thread::sleep_for(std::chrono::seconds(5));
        load.stop();
        const auto result = load.result();
        std::fprintf(stderr, "\n  load: %zu requests, %zu errors\n", result.requests, result.errors);
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), result.requests > 100);

        // Let two more scrapes land.
        const std::string requests =
            R"(sum(increase(maelstrom_gateway_requests_total{component=")" + component + R"(",code="200"}[30s])))";
        const double increase = prometheus.waitFor(requests, [&](double v) { return v >= result.requests * 0.5; });
        std::fprintf(stderr, "  increase(requests_total[30s]) = %.0f\n", increase);
        CPPUNIT_ASSERT_MESSAGE("requests increase " + std::to_string(increase), increase >= result.requests * 0.5);
        const double rate =
            prometheus.scalar(R"(sum(rate(maelstrom_gateway_requests_total{component=")" + component + R"("}[30s])))");
        CPPUNIT_ASSERT_MESSAGE("rate " + std::to_string(rate), rate > 0);
        const double p99 = prometheus.scalar(
            R"(histogram_quantile(0.99, sum by (le) (rate(maelstrom_gateway_proxy_duration_seconds_bucket{component=")" +
            component + R"("}[30s]))))");
        const double queueP99 = prometheus.scalar(
            R"(histogram_quantile(0.99, sum by (le) (rate(maelstrom_gateway_queue_wait_seconds_bucket{component=")" +
            component + R"("}[30s]))))");
        std::fprintf(stderr, "  proxy p99 %.4f s, queue wait p99 %.4f s\n", p99, queueP99);
        CPPUNIT_ASSERT(p99 > 0 && p99 < 5);
        CPPUNIT_ASSERT(queueP99 > 0);
        // The instance gauge rose from nothing to one active instance on this node.
        const double instancesAfter = prometheus.waitFor(instances, [](double v) { return v >= 1; });
        std::fprintf(stderr, "  active instances: %.0f before (-1: no series), %.0f after\n", instancesBefore,
                     instancesAfter);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(instancesBefore), instancesBefore <= 0);
        CPPUNIT_ASSERT_EQUAL(1.0, instancesAfter);
        const auto byNode = prometheus.query(R"(maelstrom_cluster_instances{component=")" + component + R"("})");
        CPPUNIT_ASSERT(byNode->size() >= 1);
        CPPUNIT_ASSERT(!byNode->getObject(0)->getObject("metric")->getValue<std::string>("node").empty());
        // Cold start, placement, the plugin calls behind them, the cron firings.
        CPPUNIT_ASSERT_EQUAL(1.0,
                             prometheus.waitFor(R"(sum(maelstrom_cold_starts_total{component=")" + component + R"("}))",
                                                [](double v) { return v >= 1; }));
        CPPUNIT_ASSERT(prometheus.scalar(R"(sum(maelstrom_cold_start_phase_seconds_count{phase="health"}))") >= 1);
        CPPUNIT_ASSERT(prometheus.scalar(R"(sum(maelstrom_placement_decisions_total{outcome="started"}))") >= 1);
        CPPUNIT_ASSERT(prometheus.scalar(R"(sum(maelstrom_docker_calls_total{operation=~"start|start_created"}))") >=
                       1);
        CPPUNIT_ASSERT(prometheus.scalar(R"(sum(increase(maelstrom_database_calls_total[30s])))") > 0);
        const double firings =
            prometheus.waitFor(R"(sum(maelstrom_event_source_firings_total{component=")" + component + R"("}))",
                               [](double v) { return v >= 2; });
        std::fprintf(stderr, "  cron firings %.0f\n", firings);
        CPPUNIT_ASSERT(firings >= 2);

        // The wrong token: the target is down with a 401, and maelstromd went on serving.
        CPPUNIT_ASSERT_EQUAL(0.0, prometheus.scalar(R"(up{job="maelstrom-badtoken"})"));
        const auto bad = prometheus.target("maelstrom-badtoken");
        CPPUNIT_ASSERT_EQUAL(std::string("down"), bad->getValue<std::string>("health"));
        CPPUNIT_ASSERT_MESSAGE(bad->getValue<std::string>("lastError"),
                               bad->getValue<std::string>("lastError").find("401") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(1.0, prometheus.scalar(R"(up{job="maelstrom"})"));
        CPPUNIT_ASSERT_EQUAL(200, request(daemon.publicPort(), host, "/").status);

        // The live exposition after load: still valid, and the dashboard uses only what it declares.
        const Reply last = get(daemon.privatePort(), "/_mael/metrics", kToken);
        const prom::Exposition live = prom::parse(last.body);
        CPPUNIT_ASSERT_MESSAGE(prom::problems(live) + last.body, live.problems.empty());
        const std::set<std::string> exposed = prom::seriesNames(live);
        Poco::JSON::Parser parser;
        std::ifstream file(sourceDir() / "etc/grafana/maelstrom-dashboard.json");
        CPPUNIT_ASSERT_MESSAGE("etc/grafana/maelstrom-dashboard.json missing", file.good());
        const Poco::Dynamic::Var dashboard = parser.parse(file);
        const auto root = dashboard.extract<Poco::JSON::Object::Ptr>();
        CPPUNIT_ASSERT(root->getValue<int>("schemaVersion") >= 30);
        CPPUNIT_ASSERT(root->getObject("templating")->getArray("list")->size() >= 3);
        std::vector<std::string> expressions;
        collectExpressions(dashboard, expressions);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(expressions.size()), expressions.size() >= 20);
        std::set<std::string> used;
        std::size_t withData = 0;
        for (const auto& expr : expressions) {
            for (const std::string& name : metricNames(expr)) {
                used.insert(name);
                CPPUNIT_ASSERT_MESSAGE(name + " (in " + expr + ") is not exposed by maelstromd",
                                       exposed.count(name) == 1);
            }
            if (expr.rfind("label_values(", 0) == 0) {
                continue; // a Grafana function, not PromQL
            }
            // Valid PromQL (query() fails the test on a refused expression).
            withData += prometheus.query(substituted(expr, component))->size() > 0 ? 1 : 0;
        }
        std::fprintf(stderr, "  dashboard: %zu expressions over %zu series names, %zu answered data\n",
                     expressions.size(), used.size(), withData);
        CPPUNIT_ASSERT(withData >= 10);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PrometheusScrapeTest);
