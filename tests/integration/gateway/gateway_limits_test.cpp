// gateway_limits_test.cpp — the data plane's limits, metrics and load behaviour, with the gateway built
// in-process (resolver, component cache, routers with the round-robin plugin, Gateway, public and private
// listeners on 127.0.0.1) in front of real hello-http processes:
//   - /_mael/metrics (Prometheus text) behind the private token;
//   - the router's queue bound (router_max_queued) → 503 + Retry-After through a real listener;
//   - write timeout (a client that stops reading), read timeout on a stalled body;
//   - slow-loris connections do not starve other clients (request-head deadline);
//   - huge headers, too many headers and an oversized request line are refused, the server keeps serving;
//   - 1 GiB upload and download through the proxy with the process RSS growing < 64 MiB;
//   - 1,000 requests waiting on a cold start all succeed once an instance registers (default limits);
//   - 200 concurrent clients: per-instance concurrency cap, spread over 3 instances, soft limit, FIFO order;
//   - idle keep-alive connections hold no thread and are closed at the idle timeout; the connection bound.
// Clients that need many connections use raw sockets driven by one poll() loop, so the test's own threads do
// not dominate the machine.
#include "gateway/component_cache.h"
#include "gateway/gateway.h"
#include "gateway/public_server.h"
#include "gateway_test_env.h"
#include "http/private_server.h"
#include "metrics/gateway_metrics.h"
#include "model_builders.h"
#include "registry/plugin_loader.h"
#include "routing/resolver.h"
#include "routing/router.h"
#include "routing/router_registry.h"
#include "test_support.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

using namespace maelstrom;
using namespace maelstrom::core;
using namespace maelstrom::testing;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

long long msSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// ---- upstreams: hello-http processes and the round-robin balancer come from gateway_test_env.h ----

sdk::Component component(const std::string& name, std::int64_t maxDurationSeconds = 60,
                         std::int64_t maxConcurrency = 1) {
    sdk::Component c = testing::testComponent(name);
    c.maxDurationSeconds = maxDurationSeconds;
    c.maxConcurrency = maxConcurrency;
    return c;
}

/// Node settings for the tests: the daemon's defaults, ports chosen by the kernel.
NodeSettings defaultSettings() {
    NodeSettings settings;
    settings.publicPort = 0;
    settings.privatePort = 0;
    return settings;
}

struct InProcessGateway {
    HttpResolver resolver;
    ComponentCache components;
    RouterRegistry routers;
    GatewayMetrics metrics{&routers};
    Gateway gateway{resolver, components, routers, &metrics};
    std::unique_ptr<PublicServer> publicServer;
    std::unique_ptr<PrivateServer> privateServer;
    std::vector<sdk::EventSource> rules;

    explicit InProcessGateway(const NodeSettings& settings = defaultSettings(),
                              std::weak_ptr<ColdStarter> coldStarter = {})
        : routers(roundRobin(), std::move(coldStarter), defaultRouterSettings(settings)) {
        publicServer = std::make_unique<PublicServer>(settings, gateway, "127.0.0.1");
        publicServer->start();
        PrivateRoutes routes;
        routes.gateway = &gateway;
        routes.metrics = &metrics;
        privateServer = std::make_unique<PrivateServer>(settings, routes);
        privateServer->start();
    }
    ~InProcessGateway() {
        publicServer->stop();
        privateServer->stop();
    }
    void route(const std::string& comp, const std::string& host, std::int64_t maxDuration = 60,
               std::int64_t maxConcurrency = 1) {
        put(component(comp, maxDuration, maxConcurrency), host);
    }
    void put(const sdk::Component& c, const std::string& host) {
        components.put(c);
        rules.push_back(testing::httpEventSource(c.name + "-es", c.name, host, ""));
        resolver.replace(rules);
    }
    void addInstance(const std::string& comp, const std::string& id, const std::string& endpoint,
                     std::int64_t capacity = 1) {
        routers.byComponent(comp)->addInstance(makeInstanceSpec(id, endpoint, capacity));
    }
    ComponentActivitySnapshot activity(const std::string& comp) { return routers.byComponent(comp)->activity(); }
    int port() const { return publicServer->port(); }
    int privatePort() const { return privateServer->port(); }
};

// ---- clients ----

// Reply, send() and get(): gateway_test_env.h

/// Reads until the peer closes, `limit` passes or an error; returns what arrived.
std::string readUntilClosed(int fd, std::chrono::milliseconds limit, bool* closed = nullptr) {
    std::string answer;
    const auto end = Clock::now() + limit;
    char buffer[16384];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        if (left <= 0) {
            break;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
            continue;
        }
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            if (closed) {
                *closed = true;
            }
            break;
        }
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    return answer;
}

int statusOf(const std::string& answer) {
    if (answer.size() < 12 || answer.compare(0, 5, "HTTP/") != 0) {
        return -1;
    }
    return std::atoi(answer.c_str() + 9);
}

/// Many requests at once from one thread: each on its own connection ("Connection: close"), all sent first,
/// then every answer read until the server closes. Completion order and time are recorded.
struct ManyResult {
    std::vector<int> status;
    std::vector<long long> doneMs;  ///< per request: ms from start to its answer
    std::vector<std::size_t> order; ///< request indexes in completion order
};

ManyResult runMany(int port, const std::vector<std::string>& requests, std::chrono::seconds limit,
                   const std::function<void(std::size_t)>& afterSend = nullptr) {
    ManyResult result;
    const std::size_t n = requests.size();
    result.status.assign(n, -1);
    result.doneMs.assign(n, -1);
    std::vector<int> fds(n, -1);
    std::vector<std::string> answers(n);
    const auto start = Clock::now();
    for (std::size_t i = 0; i < n; ++i) {
        fds[i] = connectTo(port);
        CPPUNIT_ASSERT(sendAll(fds[i], requests[i]));
        ::fcntl(fds[i], F_SETFL, ::fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        if (afterSend) {
            afterSend(i);
        }
    }
    std::size_t open = n;
    std::vector<pollfd> polls;
    std::vector<std::size_t> index;
    char buffer[16384];
    const auto end = start + limit;
    while (open > 0 && Clock::now() < end) {
        polls.clear();
        index.clear();
        for (std::size_t i = 0; i < n; ++i) {
            if (fds[i] >= 0) {
                polls.push_back({fds[i], POLLIN, 0});
                index.push_back(i);
            }
        }
        if (::poll(polls.data(), polls.size(), 200) <= 0) {
            continue;
        }
        for (std::size_t k = 0; k < polls.size(); ++k) {
            if (polls[k].revents == 0) {
                continue;
            }
            const std::size_t i = index[k];
            for (;;) {
                const ssize_t got = ::recv(fds[i], buffer, sizeof buffer, 0);
                if (got > 0) {
                    answers[i].append(buffer, static_cast<std::size_t>(got));
                    continue;
                }
                if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    break;
                }
                ::close(fds[i]);
                fds[i] = -1;
                --open;
                result.status[i] = statusOf(answers[i]);
                result.doneMs[i] = msSince(start);
                result.order.push_back(i);
                break;
            }
        }
    }
    for (int fd : fds) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    return result;
}

std::string requestFor(const std::string& target, const std::string& host) {
    return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The value of the metric line starting with `series ` (name and labels exactly), or -1.
double metricValue(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(series + " ", 0) == 0) {
            return std::stod(line.substr(series.size() + 1));
        }
    }
    return -1;
}

/// A cold starter that registers an instance once `ready()` says so (run on its own thread).
class DelayedColdStarter : public ColdStarter {
public:
    std::function<void(const std::string&)> onStart;
    std::atomic<int> calls{0};
    void requestStart(const std::string& comp) override {
        if (calls.fetch_add(1) == 0 && onStart) {
            thread_ = std::thread(onStart, comp);
        }
    }
    ~DelayedColdStarter() override { join(); }
    void join() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    std::thread thread_;
};

} // namespace

class GatewayLimitsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(GatewayLimitsTest);
    CPPUNIT_TEST(testMetricsEndpoint);
    CPPUNIT_TEST(testQueueBound503);
    CPPUNIT_TEST(testWriteTimeout);
    CPPUNIT_TEST(testReadTimeoutOnStalledBody);
    CPPUNIT_TEST(testSlowLorisDoesNotStarve);
    CPPUNIT_TEST(testHeadDeadlineSilentAndKeptAlive);
    CPPUNIT_TEST(testOversizedHeadsRefused);
    CPPUNIT_TEST(testGigabyteUploadAndDownload);
    CPPUNIT_TEST(testThousandRequestsWaitForColdStart);
    CPPUNIT_TEST(testTwoHundredClientsCapAndSpread);
    CPPUNIT_TEST(testSoftLimitAndFifo);
    CPPUNIT_TEST(testIdleKeepAliveHoldsNoThread);
    CPPUNIT_TEST(testConnectionLimit);
    CPPUNIT_TEST(testDaemonMetricsAndQueueBound);
    CPPUNIT_TEST_SUITE_END();

public:
    void testMetricsEndpoint() {
        NodeSettings settings = defaultSettings();
        settings.privateToken = "s3cret";
        settings.routerMaxQueued = 0;
        InProcessGateway gw(settings);
        auto& h = hellos();
        gw.route("web", "web.test");
        gw.addInstance("web", "web-1", h[0].endpoint());
        gw.route("down", "down.test");
        gw.addInstance("down", "down-1", "http://127.0.0.1:" + std::to_string(freePort()));
        gw.route("empty", "empty.test", 1);

        for (int i = 0; i < 3; ++i) {
            CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/", "web.test").status);
        }
        CPPUNIT_ASSERT_EQUAL(404, get(gw.port(), "/nope", "web.test").status); // hello-http's own 404
        CPPUNIT_ASSERT_EQUAL(404, get(gw.port(), "/", "nobody.test").status);  // no route
        CPPUNIT_ASSERT_EQUAL(502, get(gw.port(), "/", "down.test").status);
        CPPUNIT_ASSERT_EQUAL(504, get(gw.port(), "/", "empty.test").status); // no instance, 1 s deadline

        // The token protects the metrics like the control plane; the health check stays open.
        CPPUNIT_ASSERT_EQUAL(401, get(gw.privatePort(), "/_mael/metrics", "x").status);
        CPPUNIT_ASSERT_EQUAL(401,
                             get(gw.privatePort(), "/_mael/metrics", "x", {{"Authorization", "Bearer wrong"}}).status);
        CPPUNIT_ASSERT_EQUAL(200, get(gw.privatePort(), "/_mael_health_check", "x").status);
        const Reply reply = get(gw.privatePort(), "/_mael/metrics", "x", {{"Authorization", "Bearer s3cret"}});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.body, 200, reply.status);
        CPPUNIT_ASSERT_EQUAL(std::string(kPrometheusContentType), reply.headers.at("Content-Type"));
        const std::string& m = reply.body;
        CPPUNIT_ASSERT_MESSAGE(m, contains(m, "# TYPE maelstrom_gateway_requests_total counter\n"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 3.0, metricValue(m, "maelstrom_gateway_requests_total{component=\"web\",code=\"200\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 1.0, metricValue(m, "maelstrom_gateway_requests_total{component=\"web\",code=\"404\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 1.0, metricValue(m, "maelstrom_gateway_requests_total{component=\"down\",code=\"502\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 1.0, metricValue(m, "maelstrom_gateway_requests_total{component=\"empty\",code=\"504\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(m, 1.0, metricValue(m, "maelstrom_gateway_unrouted_requests_total{code=\"404\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 1.0, metricValue(m, "maelstrom_gateway_errors_total{component=\"down\",cause=\"upstream_error\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 1.0, metricValue(m, "maelstrom_gateway_errors_total{component=\"empty\",cause=\"timeout\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 0.0, metricValue(m, "maelstrom_gateway_errors_total{component=\"web\",cause=\"internal\"}"));
        CPPUNIT_ASSERT_MESSAGE(m, contains(m, "# TYPE maelstrom_gateway_queue_wait_seconds histogram\n"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 4.0, metricValue(m, "maelstrom_gateway_proxy_duration_seconds_count{component=\"web\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 4.0, metricValue(m, "maelstrom_gateway_queue_wait_seconds_bucket{component=\"web\",le=\"+Inf\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(m, 0.0, metricValue(m, "maelstrom_gateway_in_flight{component=\"web\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(m, 0.0, metricValue(m, "maelstrom_gateway_queued{component=\"web\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(m, 1.0, metricValue(m, "maelstrom_gateway_instances{component=\"web\"}"));

        // Gauges while requests run and wait: one in flight, two queued.
        std::vector<std::thread> clients;
        for (int i = 0; i < 3; ++i) {
            clients.emplace_back([&] { get(gw.port(), "/sleep?ms=1500", "web.test"); });
        }
        CPPUNIT_ASSERT(waitUntil([&] { return gw.activity("web").queued == 2; }, 20s));
        const std::string during =
            get(gw.privatePort(), "/_mael/metrics", "x", {{"Authorization", "Bearer s3cret"}}).body;
        for (auto& t : clients) {
            t.join();
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(during, 1.0,
                                     metricValue(during, "maelstrom_gateway_in_flight{component=\"web\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(during, 2.0, metricValue(during, "maelstrom_gateway_queued{component=\"web\"}"));
    }

    void testQueueBound503() {
        NodeSettings settings = defaultSettings();
        settings.routerMaxQueued = 2; // what MAEL_ROUTER_MAX_QUEUED sets in maelstromd
        InProcessGateway gw(settings);
        gw.route("bounded", "bounded.test");
        gw.addInstance("bounded", "b-1", hellos()[0].endpoint());
        std::vector<int> statuses(3, 0);
        std::vector<std::thread> clients;
        clients.emplace_back([&] { statuses[0] = get(gw.port(), "/sleep?ms=2000", "bounded.test").status; });
        CPPUNIT_ASSERT(waitUntil([&] { return gw.activity("bounded").inFlight == 1; }, 20s));
        for (int i = 1; i < 3; ++i) {
            clients.emplace_back([&, i] { statuses[i] = get(gw.port(), "/", "bounded.test").status; });
        }
        CPPUNIT_ASSERT(waitUntil([&] { return gw.activity("bounded").queued == 2; }, 20s));
        const auto start = Clock::now();
        const Reply refused = get(gw.port(), "/", "bounded.test");
        const long long took = msSince(start);
        for (auto& t : clients) {
            t.join();
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(refused.body, 503, refused.status);
        CPPUNIT_ASSERT_EQUAL(std::string("1"), refused.headers.at("Retry-After"));
        CPPUNIT_ASSERT_EQUAL(std::string("gateway: too many requests waiting for component: bounded"), refused.body);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(took) + " ms", took < 5000); // refused at once, not after waiting
        for (int s : statuses) {
            CPPUNIT_ASSERT_EQUAL(200, s);
        }
        const std::string m = gw.metrics.render();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 1.0, metricValue(m, "maelstrom_gateway_errors_total{component=\"bounded\",cause=\"queue_full\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            m, 1.0, metricValue(m, "maelstrom_gateway_requests_total{component=\"bounded\",code=\"503\"}"));
    }

    void testWriteTimeout() {
        // A client asks for 256 MiB and never reads: without a write timeout the proxy's send blocks for good
        // (the deadline only bounds upstream I/O) and the slot and worker stay taken.
        NodeSettings settings = defaultSettings();
        settings.httpWriteTimeoutSeconds = 2;
        InProcessGateway gw(settings);
        gw.route("big", "big.test", 300, 4);
        gw.addInstance("big", "big-1", hellos()[1].endpoint(), 4);
        const int fd = connectTo(gw.port(), 4096);
        CPPUNIT_ASSERT(sendAll(fd, requestFor("/bytes?n=268435456", "big.test")));
        CPPUNIT_ASSERT(waitUntil([&] { return gw.activity("big").inFlight == 1; }, 20s));
        const auto start = Clock::now();
        const bool released = waitUntil([&] { return gw.activity("big").inFlight == 0; }, 60s);
        const long long took = msSince(start);
        ::close(fd);
        std::cerr << "write timeout 2 s: stalled client dropped after " << took << " ms\n";
        CPPUNIT_ASSERT_MESSAGE("the stalled download still holds its slot", released);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(took), took < 30000);
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/", "big.test").status);
    }

    void testReadTimeoutOnStalledBody() {
        NodeSettings settings = defaultSettings();
        settings.httpReadTimeoutSeconds = 2;
        InProcessGateway gw(settings);
        gw.route("up", "up.test", 300, 4);
        gw.addInstance("up", "up-1", hellos()[1].endpoint(), 4);
        const int fd = connectTo(gw.port());
        CPPUNIT_ASSERT(
            sendAll(fd, "POST /upload HTTP/1.1\r\nHost: up.test\r\nContent-Length: 100000\r\n\r\n0123456789"));
        const auto start = Clock::now();
        bool closed = false;
        const std::string answer = readUntilClosed(fd, 30s, &closed);
        const long long took = msSince(start);
        ::close(fd);
        CPPUNIT_ASSERT_MESSAGE("the stalled upload was not cut: " + answer, closed);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(took), took >= 1500 && took < 20000);
        CPPUNIT_ASSERT(waitUntil([&] { return gw.activity("up").inFlight == 0; }, 20s));
    }

    void testSlowLorisDoesNotStarve() {
        // 64 slow-loris connections; the attacker reopens every connection the server cuts. A dribbling
        // connection costs the event loop a coroutine, never a thread, and the head deadline (min(read timeout,
        // 10 s) = 3 s here) cuts it, so honest requests are answered at once meanwhile.
        NodeSettings settings = defaultSettings();
        settings.httpReadTimeoutSeconds = 3;
        InProcessGateway gw(settings);
        gw.route("web", "web.test");
        gw.addInstance("web", "web-1", hellos()[0].endpoint());

        std::atomic<bool> stop{false};
        std::atomic<int> reopened{0};
        std::thread attacker([&] {
            std::vector<int> fds;
            auto open = [&] {
                const int fd = connectTo(gw.port());
                sendAll(fd, "GET / HTTP/1.1\r\nHost: web.test\r\n");
                ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
                return fd;
            };
            for (int i = 0; i < 64; ++i) {
                fds.push_back(open());
            }
            while (!stop) {
                for (int& fd : fds) {
                    char sink[256];
                    const ssize_t r = ::recv(fd, sink, sizeof sink, 0);
                    const bool dead = r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
                                      ::send(fd, "X", 1, MSG_NOSIGNAL) != 1;
                    if (dead) {
                        ::close(fd);
                        fd = open();
                        ++reopened;
                    }
                }
                std::this_thread::sleep_for(300ms);
            }
            for (int fd : fds) {
                ::close(fd);
            }
        });
        std::this_thread::sleep_for(1s); // every worker busy with the attack

        std::vector<long long> latencies;
        int ok = 0;
        for (int i = 0; i < 8; ++i) {
            const auto start = Clock::now();
            const int fd = connectTo(gw.port());
            sendAll(fd, requestFor("/", "web.test"));
            const std::string answer = readUntilClosed(fd, 30s);
            ::close(fd);
            latencies.push_back(msSince(start));
            ok += statusOf(answer) == 200 ? 1 : 0;
        }
        // The attacker notices the cuts on its next round.
        waitUntil([&] { return reopened.load() > 0; }, 15s);
        const int cut = reopened.load();
        stop = true;
        attacker.join();
        std::string text;
        long long worst = 0;
        for (long long l : latencies) {
            text += std::to_string(l) + " ";
            worst = std::max(worst, l);
        }
        std::cerr << "slow-loris (64 connections, 16 workers, 3 s head deadline): honest request latencies ms: " << text
                  << "; attack connections cut: " << cut << "\n";
        CPPUNIT_ASSERT_EQUAL_MESSAGE(text, 8, ok);
        CPPUNIT_ASSERT_MESSAGE(text, worst < 12000);
        CPPUNIT_ASSERT_MESSAGE("no slow-loris connection was cut", cut > 0);

        // With the default limits (1024 workers) the same attack leaves honest requests unaffected.
        InProcessGateway roomy;
        roomy.route("web", "web.test");
        roomy.addInstance("web", "web-1", hellos()[0].endpoint());
        std::vector<int> lorises;
        for (int i = 0; i < 64; ++i) {
            lorises.push_back(connectTo(roomy.port()));
            sendAll(lorises.back(), "GET / HTTP/1.1\r\nHost: web.test\r\nX-Slow: ");
        }
        const auto start = Clock::now();
        for (int i = 0; i < 8; ++i) {
            CPPUNIT_ASSERT_EQUAL(200, get(roomy.port(), "/", "web.test").status);
        }
        const long long roomyMs = msSince(start);
        std::cerr << "slow-loris with default limits: 8 honest requests took " << roomyMs << " ms\n";
        for (int fd : lorises) {
            ::close(fd);
        }
        CPPUNIT_ASSERT_MESSAGE(std::to_string(roomyMs), roomyMs < 5000);
    }

    void testHeadDeadlineSilentAndKeptAlive() {
        // The head deadline (3 s here) also cuts a connection that sends nothing at all (Poco alone would wait
        // the read timeout for its first byte) and a kept-alive connection dribbling its second request's head
        // (one byte every 300 ms: the per-receive read timeout alone would never fire).
        NodeSettings settings = defaultSettings();
        settings.httpReadTimeoutSeconds = 3;
        InProcessGateway gw(settings);
        const auto start = Clock::now();
        const int silent = connectTo(gw.port());
        const int kept = connectTo(gw.port());
        CPPUNIT_ASSERT(sendAll(kept, "GET /_mael_health_check HTTP/1.1\r\nHost: x\r\n\r\n"));
        std::string first;
        char buffer[1024];
        while (first.find("\r\n\r\nOK") == std::string::npos) {
            const ssize_t n = ::recv(kept, buffer, sizeof buffer, 0);
            CPPUNIT_ASSERT_MESSAGE(first, n > 0);
            first.append(buffer, static_cast<std::size_t>(n));
        }
        const auto dribbleStart = Clock::now();
        long long keptClosedMs = -1;
        long long silentClosedMs = -1;
        const std::string next = "GET /_mael_health_check HTTP/1.1\r\nHost: x\r\nX-Slow: "
                                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        for (std::size_t i = 0; msSince(start) < 20000 && (keptClosedMs < 0 || silentClosedMs < 0); ++i) {
            if (keptClosedMs < 0 && ::send(kept, next.data() + i % next.size(), 1, MSG_NOSIGNAL) != 1) {
                keptClosedMs = msSince(dribbleStart);
            }
            // Only the connections still open are watched (a closed one stays readable).
            pollfd p[2] = {{silentClosedMs < 0 ? silent : -1, POLLIN, 0}, {keptClosedMs < 0 ? kept : -1, POLLIN, 0}};
            ::poll(p, 2, 300);
            if (silentClosedMs < 0 && (p[0].revents & (POLLIN | POLLHUP)) != 0) {
                silentClosedMs = msSince(start);
            }
            if (keptClosedMs < 0 && (p[1].revents & (POLLIN | POLLHUP)) != 0) {
                keptClosedMs = msSince(dribbleStart);
            }
        }
        ::close(silent);
        ::close(kept);
        std::cerr << "head deadline 3 s: silent connection closed after " << silentClosedMs
                  << " ms, dribbling keep-alive connection after " << keptClosedMs << " ms\n";
        CPPUNIT_ASSERT_MESSAGE(std::to_string(silentClosedMs), silentClosedMs >= 2500 && silentClosedMs < 10000);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(keptClosedMs), keptClosedMs >= 2500 && keptClosedMs < 10000);
    }

    void testOversizedHeadsRefused() {
        InProcessGateway gw;
        gw.route("web", "web.test");
        gw.addInstance("web", "web-1", hellos()[0].endpoint());
        auto exchange = [&](const std::string& bytes) {
            const int fd = connectTo(gw.port());
            sendAll(fd, bytes);
            const std::string answer = readUntilClosed(fd, 20s);
            ::close(fd);
            return answer;
        };
        auto refused = [](const std::string& answer) {
            const int status = statusOf(answer);
            return status == 400 || status == 414 || status == 431;
        };
        // One 100 KiB header value.
        std::string answer =
            exchange("GET / HTTP/1.1\r\nHost: web.test\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n");
        CPPUNIT_ASSERT_MESSAGE(answer.substr(0, 200), refused(answer));
        // Many small headers (1 MiB in all).
        std::string many = "GET / HTTP/1.1\r\nHost: web.test\r\n";
        for (int i = 0; i < 20000; ++i) {
            many += "X-H" + std::to_string(i) + ": v\r\n";
        }
        answer = exchange(many + "\r\n");
        CPPUNIT_ASSERT_MESSAGE(answer.substr(0, 200), refused(answer));
        // A 1 MiB request target, and a long method.
        answer = exchange("GET /" + std::string(1024 * 1024, 'p') + " HTTP/1.1\r\nHost: web.test\r\n\r\n");
        CPPUNIT_ASSERT_MESSAGE(answer.substr(0, 200), refused(answer));
        answer = exchange(std::string(4096, 'G') + " / HTTP/1.1\r\nHost: web.test\r\n\r\n");
        CPPUNIT_ASSERT_MESSAGE(answer.substr(0, 200), refused(answer));
        // Still serving, through the proxy too.
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/_mael_health_check", "x").status);
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/", "web.test").status);
    }

    void testGigabyteUploadAndDownload() {
        InProcessGateway gw;
        gw.route("bulk", "bulk.test", 600, 1);
        gw.addInstance("bulk", "bulk-1", hellos()[2].endpoint());
        const std::int64_t total = 1024LL * 1024 * 1024;
        // Warm up threads, pools and buffers so the measurement sees only growth from the transfers.
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/bytes?n=10000000", "bulk.test").status);

        // Upload: streamed from a 64 KiB buffer by the client, counted by hello-http.
        {
            RssSampler rss;
            const auto start = Clock::now();
            Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gw.port()));
            session.setTimeout(Poco::Timespan(600, 0));
            Poco::Net::HTTPRequest request("POST", "/upload", Poco::Net::HTTPMessage::HTTP_1_1);
            request.setHost("bulk.test");
            request.setContentLength64(total);
            std::ostream& out = session.sendRequest(request);
            const std::string chunk(64 * 1024, 'u');
            for (std::int64_t sent = 0; sent < total && out; sent += static_cast<std::int64_t>(chunk.size())) {
                out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            }
            Poco::Net::HTTPResponse response;
            std::string body;
            Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
            rss.finish();
            const long long ms = msSince(start);
            std::cerr << "1 GiB upload through the proxy: " << ms << " ms, RSS peak growth " << rss.growthKiB()
                      << " KiB\n";
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 200, static_cast<int>(response.getStatus()));
            CPPUNIT_ASSERT_EQUAL(std::to_string(total) + "\n", body);
            CPPUNIT_ASSERT_MESSAGE(std::to_string(rss.growthKiB()) + " KiB", rss.growthKiB() < 64 * 1024);
        }
        // Download: read and dropped in 64 KiB pieces.
        {
            RssSampler rss;
            const auto start = Clock::now();
            Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gw.port()));
            session.setTimeout(Poco::Timespan(600, 0));
            Poco::Net::HTTPRequest request("GET", "/bytes?n=" + std::to_string(total),
                                           Poco::Net::HTTPMessage::HTTP_1_1);
            request.setHost("bulk.test");
            session.sendRequest(request);
            Poco::Net::HTTPResponse response;
            std::istream& in = session.receiveResponse(response);
            std::vector<char> buffer(64 * 1024);
            std::int64_t received = 0;
            bool allB = true;
            while (in) {
                in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                const auto n = in.gcount();
                allB = allB && (n == 0 || (buffer[0] == 'b' && buffer[static_cast<std::size_t>(n) - 1] == 'b'));
                received += n;
            }
            rss.finish();
            const long long ms = msSince(start);
            std::cerr << "1 GiB download through the proxy: " << ms << " ms, RSS peak growth " << rss.growthKiB()
                      << " KiB\n";
            CPPUNIT_ASSERT_EQUAL(200, static_cast<int>(response.getStatus()));
            CPPUNIT_ASSERT_EQUAL(total, received);
            CPPUNIT_ASSERT(allB);
            CPPUNIT_ASSERT_MESSAGE(std::to_string(rss.growthKiB()) + " KiB", rss.growthKiB() < 64 * 1024);
        }
    }

    void testThousandRequestsWaitForColdStart() {
        // The daemon's default limits: 1,000 clients each hold a connection while their
        // request waits for the component's first instance. The cold starter registers a hello-http instance
        // once all 1,000 wait, plus 1 s.
        constexpr std::size_t kClients = 1000;
        HelloProcess hello = startHello("cold");
        const auto cold = std::make_shared<DelayedColdStarter>();
        InProcessGateway* gwPtr = nullptr;
        std::atomic<long long> registeredAtMs{-1};
        const auto testStart = Clock::now();
        cold->onStart = [&](const std::string& comp) {
            waitUntil([&] { return gwPtr->activity(comp).queued >= static_cast<std::int64_t>(kClients); }, 120s);
            std::this_thread::sleep_for(1s);
            gwPtr->addInstance(comp, "cold-1", hello.endpoint(), 4);
            registeredAtMs = msSince(testStart);
        };
        InProcessGateway gw(defaultSettings(), cold);
        gwPtr = &gw;
        gw.route("cold", "cold.test", 300, 4);
        std::vector<std::string> requests(kClients, requestFor("/", "cold.test"));
        const ManyResult result = runMany(gw.port(), requests, 240s);
        const long long total = msSince(testStart);
        cold->join();
        int ok = 0;
        std::map<int, int> byStatus;
        for (int s : result.status) {
            ok += s == 200 ? 1 : 0;
            ++byStatus[s];
        }
        std::string summary;
        for (const auto& [s, n] : byStatus) {
            summary += std::to_string(s) + "x" + std::to_string(n) + " ";
        }
        std::cerr << "1000 requests on a cold start: instance registered at " << registeredAtMs
                  << " ms, all answered at " << total << " ms: " << summary << "\n";
        CPPUNIT_ASSERT_EQUAL(1, cold->calls.load() > 0 ? 1 : 0);
        CPPUNIT_ASSERT_MESSAGE(summary, registeredAtMs >= 0);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(summary, static_cast<int>(kClients), ok);
    }

    void testTwoHundredClientsCapAndSpread() {
        // 3 instances with 2 slots each, 200 concurrent clients on /sleep: no instance ever serves more than 2
        // at once (hello-http's /peak), and round-robin spreads the load evenly.
        InProcessGateway gw;
        auto& h = hellos();
        gw.route("capped", "capped.test", 300, 2);
        for (std::size_t i = 0; i < 3; ++i) {
            CPPUNIT_ASSERT_EQUAL(200, httpGetStatus(h[i].port, "/peak?reset=1"));
            gw.addInstance("capped", "c-" + std::to_string(i), h[i].endpoint(), 2);
        }
        std::vector<std::string> requests(200, requestFor("/sleep?ms=20", "capped.test"));
        const ManyResult result = runMany(gw.port(), requests, 240s);
        for (std::size_t i = 0; i < result.status.size(); ++i) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE("request " + std::to_string(i), 200, result.status[i]);
        }
        std::string peaks;
        for (std::size_t i = 0; i < 3; ++i) {
            std::string body;
            CPPUNIT_ASSERT_EQUAL(200, httpGetStatus(h[i].port, "/peak", &body));
            peaks += body;
            CPPUNIT_ASSERT_MESSAGE(peaks, std::stoi(body) <= 2);
        }
        const auto activity = gw.activity("capped");
        std::string spread;
        for (const auto& instance : activity.instances) {
            spread += instance.instanceId + "=" + std::to_string(instance.totalRequests) + " ";
        }
        std::cerr << "200 clients, 3 instances x 2 slots: peaks " << peaks << " spread " << spread << "\n";
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, activity.instances.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t{200}, activity.totalRequests);
        for (const auto& instance : activity.instances) {
            CPPUNIT_ASSERT_MESSAGE(spread, instance.totalRequests >= 45 && instance.totalRequests <= 90);
        }
    }

    void testSoftLimitAndFifo() {
        InProcessGateway gw;
        auto& h = hellos();
        // Soft limit: no cap at all, 40 concurrent sleeps run together on one instance.
        {
            sdk::Component soft = component("soft", 60, 1);
            soft.softConcurrencyLimit = true;
            gw.put(soft, "soft.test");
            gw.addInstance("soft", "soft-1", h[0].endpoint(), instanceCapacity(1, true));
            CPPUNIT_ASSERT_EQUAL(200, httpGetStatus(h[0].port, "/peak?reset=1"));
            const auto start = Clock::now();
            const ManyResult result =
                runMany(gw.port(), std::vector<std::string>(40, requestFor("/sleep?ms=1000", "soft.test")), 120s);
            const long long took = msSince(start);
            for (int s : result.status) {
                CPPUNIT_ASSERT_EQUAL(200, s);
            }
            std::string body;
            CPPUNIT_ASSERT_EQUAL(200, httpGetStatus(h[0].port, "/peak", &body));
            std::cerr << "soft limit: 40 x 1 s sleeps took " << took << " ms, peak " << body;
            CPPUNIT_ASSERT_MESSAGE(body, std::stoi(body) >= 20);
        }
        // FIFO: one slot, busy; 10 requests queued one after another are served in arrival order.
        {
            gw.route("fifo", "fifo.test", 120, 1);
            gw.addInstance("fifo", "fifo-1", h[1].endpoint(), 1);
            std::vector<std::string> requests;
            requests.push_back(requestFor("/sleep?ms=1000", "fifo.test"));
            for (int i = 0; i < 10; ++i) {
                requests.push_back(requestFor("/sleep?ms=30&i=" + std::to_string(i), "fifo.test"));
            }
            const ManyResult result = runMany(gw.port(), requests, 120s, [&](std::size_t i) {
                // Each request is queued before the next is sent, so arrival order is known.
                waitUntil(
                    [&] {
                        const auto a = gw.activity("fifo");
                        return a.inFlight + a.queued >= static_cast<std::int64_t>(i + 1);
                    },
                    20s);
            });
            std::string order;
            for (std::size_t i : result.order) {
                order += std::to_string(i) + " ";
            }
            for (std::size_t i = 0; i < result.order.size(); ++i) {
                CPPUNIT_ASSERT_EQUAL_MESSAGE(order, i, result.order[i]);
            }
            CPPUNIT_ASSERT_EQUAL_MESSAGE(order, std::size_t{11}, result.order.size());
        }
    }

    void testIdleKeepAliveHoldsNoThread() {
        // Idle timeout 5 s: four kept-alive idle connections hold nothing but their sockets, so a fifth client is
        // answered at once, on both listeners; the server closes the idle ones after the idle timeout.
        NodeSettings settings = defaultSettings();
        settings.httpIdleTimeoutSeconds = 5;
        InProcessGateway gw(settings);
        gw.route("web", "web.test");
        gw.addInstance("web", "web-1", hellos()[0].endpoint());
        const std::int64_t threadsBefore = threadCount();
        std::vector<int> idle;
        for (int i = 0; i < 4; ++i) {
            idle.push_back(connectTo(gw.port()));
            CPPUNIT_ASSERT(sendAll(idle.back(), "GET / HTTP/1.1\r\nHost: web.test\r\n\r\n"));
            char buffer[512];
            CPPUNIT_ASSERT(::recv(idle.back(), buffer, sizeof buffer, 0) > 0); // answered; connection kept
        }
        const auto privateStart = Clock::now();
        CPPUNIT_ASSERT_EQUAL(200, get(gw.privatePort(), "/_mael_health_check", "x").status);
        const long long privateMs = msSince(privateStart);
        const auto start = Clock::now();
        const Reply reply = get(gw.port(), "/", "web.test");
        const long long waited = msSince(start);
        const std::int64_t threadsAfter = threadCount();
        const auto idleStart = Clock::now();
        int closedByServer = 0;
        for (int fd : idle) {
            bool closed = false;
            readUntilClosed(fd, 10s, &closed);
            closedByServer += closed ? 1 : 0;
            ::close(fd);
        }
        const long long idleClosedMs = msSince(idleStart);
        std::cerr << "4 idle keep-alive connections: 5th request answered in " << waited << " ms, private port in "
                  << privateMs << " ms, threads " << threadsBefore << " -> " << threadsAfter
                  << ", idle connections closed after " << idleClosedMs << " ms more\n";
        CPPUNIT_ASSERT_EQUAL(200, reply.status);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(waited), waited < 1500);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(privateMs), privateMs < 1500);
        CPPUNIT_ASSERT_EQUAL(4, closedByServer);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(threadsAfter - threadsBefore), threadsAfter - threadsBefore <= 2);
    }

    void testConnectionLimit() {
        // http_max_connections 3: with three connections open, a fourth is closed at once without an answer; once
        // one of the three ends, new connections are served again.
        NodeSettings settings = defaultSettings();
        settings.httpMaxConnections = 3;
        InProcessGateway gw(settings);
        std::vector<int> held;
        for (int i = 0; i < 3; ++i) {
            held.push_back(connectTo(gw.port()));
            CPPUNIT_ASSERT(sendAll(held.back(), "GET /_mael_health_check HTTP/1.1\r\nHost: x\r\n\r\n"));
            char buffer[512];
            CPPUNIT_ASSERT(::recv(held.back(), buffer, sizeof buffer, 0) > 0);
        }
        const auto start = Clock::now();
        const int refused = connectTo(gw.port());
        sendAll(refused, requestFor("/_mael_health_check", "x"));
        bool closed = false;
        const std::string refusedAnswer = readUntilClosed(refused, 10s, &closed);
        const long long refusedMs = msSince(start);
        ::close(refused);
        ::close(held.back());
        held.pop_back();
        Reply reply;
        CPPUNIT_ASSERT(waitUntil(
            [&] {
                reply = get(gw.port(), "/_mael_health_check", "x");
                return reply.status == 200;
            },
            10s));
        for (int fd : held) {
            ::close(fd);
        }
        std::cerr << "3 connections allowed: the 4th was closed after " << refusedMs << " ms\n";
        CPPUNIT_ASSERT_MESSAGE(refusedAnswer, closed && refusedAnswer.empty());
        CPPUNIT_ASSERT_MESSAGE(std::to_string(refusedMs), refusedMs < 2500);
    }

    void testDaemonMetricsAndQueueBound() {
        // maelstromd wires the metrics to the private port behind the token, and MAEL_ROUTER_MAX_QUEUED is read.
        TempDir dir;
        const int publicPort = freePort();
        const int privatePort = freePort();
        const std::string yaml =
            "services:\n  database:\n    plugin: sqlite\n    settings:\n      path: " +
            (dir.path() / "maelstrom.db").string() +
            "\n  load_balancer:\n    plugin: round-robin\n  rpc_transport:\n    plugin: jsonrpc-http\n";
        const auto file = dir.write("maelstromd.yml", yaml);
        const std::map<std::string, std::string> env = {{"MAEL_PUBLIC_PORT", std::to_string(publicPort)},
                                                        {"MAEL_PRIVATE_PORT", std::to_string(privatePort)},
                                                        {"MAEL_DATA_DIR", dir.path().string()},
                                                        {"MAEL_PRIVATE_TOKEN", "tok"},
                                                        {"MAEL_ROUTER_MAX_QUEUED", "7"},
                                                        {"-MAEL_SQL_DRIVER", ""},
                                                        {"-MAEL_SQL_DSN", ""}};
        const ProcessResult check =
            runProcess({(binDir() / "maelstromd").string(), "--config", file.string(), "--check-config"}, env);
        CPPUNIT_ASSERT_MESSAGE(check.out + check.err, contains(check.out, "router_max_queued = 7"));
        BackgroundProcess daemon({(binDir() / "maelstromd").string(), "--config", file.string()}, env);
        CPPUNIT_ASSERT_MESSAGE(daemon.output(),
                               waitUntil([&] { return httpGetStatus(publicPort, "/_mael_health_check") == 200; }, 60s));
        CPPUNIT_ASSERT_EQUAL(404, get(publicPort, "/anything", "unknown.test").status);
        CPPUNIT_ASSERT_EQUAL(401, get(privatePort, "/_mael/metrics", "x").status);
        const Reply reply = get(privatePort, "/_mael/metrics", "x", {{"Authorization", "Bearer tok"}});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.body, 200, reply.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            reply.body, 1.0, metricValue(reply.body, "maelstrom_gateway_unrouted_requests_total{code=\"404\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.output(), 0, daemon.stop(SIGTERM));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayLimitsTest);
