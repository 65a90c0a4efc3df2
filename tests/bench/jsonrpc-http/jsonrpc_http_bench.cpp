// jsonrpc_http_bench.cpp — what one control-plane call costs in the jsonrpc-http transport:
//   1. handle() alone for a GetComponent-sized exchange (decode envelope, re-encode params[0], build the
//      response around a ~1 KB component), p50/p99;
//   2. a whole round trip: JsonRpcClient → HTTP over loopback → Poco HTTPServer → handle() → back, p50/p99,
//      one caller (target: p50 <= 0.5 ms) and 8 concurrent callers sharing one client (throughput).
// The dispatcher returns a fixed output, so only the transport is measured (no database).
// SPDX-License-Identifier: Apache-2.0
#include "json_rpc_client.h"
#include "json_rpc_server.h"

#include <maelstrom/sdk/rpc_transport.h>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace rpc = maelstrom::plugins::jsonrpc_http;
using Clock = std::chrono::steady_clock;

namespace {

// A GetComponentOutput as the core writes it: a component with docker settings, ~1 KB.
const std::string kComponentOutput =
    R"({"component":{"name":"shop_api","projectName":"shop","environment":[{"name":"DB_URL","value":"postgres://db:5432/shop"},)"
    R"({"name":"LOG_LEVEL","value":"info"},{"name":"FEATURE_FLAGS","value":"a,b,c,d"}],"minInstances":1,"maxInstances":10,)"
    R"("maxConcurrency":20,"scaleUpConcurrencyPct":0.75,"scaleDownConcurrencyPct":0.25,"maxDurationSeconds":30,)"
    R"("startParallelism":"parallel","RestartOrder":"stopstart","version":7,"modifiedAt":1700000000000,)"
    R"("docker":{"image":"registry.example.com/shop/api:1.42.0","command":["/app/server","--port","8080"],"httpPort":8080,)"
    R"("httpHealthCheckPath":"/health","httpStartHealthCheckSeconds":60,"httpHealthCheckSeconds":10,)"
    R"("httpHealthCheckMaxFailures":3,"idleTimeoutSeconds":300,"ports":["6001:6001"],"volumes":[{"type":"bind",)"
    R"("source":"/data/shop","target":"/data","readOnly":true}],"networkName":"shop_net","logDriver":"json-file",)"
    R"("logDriverOptions":[{"name":"max-size","value":"10m"}],"cpuShares":512,"reserveMemoryMiB":256,)"
    R"("limitMemoryMiB":512,"dns":["10.0.0.2"],"ulimits":["nofile=1024:2048"],"init":true}}})";

class FixedDispatcher : public maelstrom::sdk::RpcDispatcher {
public:
    std::string call(const std::string&, const std::string&) override { return kComponentOutput; }
};

struct Percentiles {
    double p50 = 0, p99 = 0, mean = 0;
};

Percentiles summarize(std::vector<double> us) {
    std::sort(us.begin(), us.end());
    Percentiles p;
    p.p50 = us[us.size() / 2];
    p.p99 = us[std::min(us.size() - 1, us.size() * 99 / 100)];
    double sum = 0;
    for (double v : us)
        sum += v;
    p.mean = sum / static_cast<double>(us.size());
    return p;
}

class Server {
public:
    Server() {
        auto* params = new Poco::Net::HTTPServerParams();
        params->setKeepAlive(true);
        params->setMaxThreads(16);
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        port_ = socket.address().port();
        server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
        server_->start();
    }
    ~Server() { server_->stopAll(true); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    class Handler : public Poco::Net::HTTPRequestHandler {
    public:
        explicit Handler(Server& s) : s_(s) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
            maelstrom::sdk::RpcHttpRequest r{request.getMethod(), request.getURI(), {}, {}};
            Poco::StreamCopier::copyToString(request.stream(), r.body);
            const auto answer = s_.rpc_.handle(r, s_.dispatcher_);
            response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
            for (const auto& h : answer.headers)
                response.set(h.name, h.value);
            response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
            response.send() << answer.body;
        }

    private:
        Server& s_;
    };
    class Factory : public Poco::Net::HTTPRequestHandlerFactory {
    public:
        explicit Factory(Server& s) : s_(s) {}
        Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
            return new Handler(s_);
        }

    private:
        Server& s_;
    };
    rpc::JsonRpcServer rpc_;
    FixedDispatcher dispatcher_;
    int port_ = 0;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

} // namespace

int main() {
    const std::string request = R"({"jsonrpc":"2.0","id":")" + rpc::newRequestId() +
                                R"(","method":"MaelstromService.GetComponent","params":[{"name":"shop_api"}]})";
    std::printf("jsonrpc-http bench: request %zu bytes, response result %zu bytes\n", request.size(),
                kComponentOutput.size());

    // 1. handle() alone
    {
        const rpc::JsonRpcServer server;
        FixedDispatcher dispatcher;
        const maelstrom::sdk::RpcHttpRequest r{"POST", "/_mael/v1", {}, request};
        for (int i = 0; i < 2000; ++i)
            (void)server.handle(r, dispatcher);
        std::vector<double> us;
        constexpr int kIterations = 50000;
        us.reserve(kIterations);
        for (int i = 0; i < kIterations; ++i) {
            const auto t0 = Clock::now();
            const auto response = server.handle(r, dispatcher);
            const auto t1 = Clock::now();
            if (response.body.size() < kComponentOutput.size())
                return 1;
            us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        }
        const auto p = summarize(us);
        std::printf("handle() GetComponent-sized:        p50 %7.1f us  p99 %7.1f us  mean %7.1f us  (%d calls)\n",
                    p.p50, p.p99, p.mean, kIterations);
    }

    // 2. loopback round trip, one caller
    Server server;
    rpc::JsonRpcClient client(server.url(), {});
    {
        for (int i = 0; i < 500; ++i)
            (void)client.call("MaelstromService.GetComponent", R"({"name":"shop_api"})");
        std::vector<double> us;
        constexpr int kIterations = 5000;
        for (int i = 0; i < kIterations; ++i) {
            const auto t0 = Clock::now();
            const auto out = client.call("MaelstromService.GetComponent", R"({"name":"shop_api"})");
            const auto t1 = Clock::now();
            if (out.empty())
                return 1;
            us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        }
        const auto p = summarize(us);
        std::printf("client round trip, loopback, 1 caller: p50 %7.1f us  p99 %7.1f us  mean %7.1f us  "
                    "(target p50 <= 500 us: %s)\n",
                    p.p50, p.p99, p.mean, p.p50 <= 500.0 ? "met" : "NOT met");
    }

    // 3. 8 callers sharing one client
    {
        constexpr int kThreads = 8;
        constexpr int kPerThread = 1000;
        std::vector<std::vector<double>> perThread(kThreads);
        std::vector<std::thread> threads;
        const auto t0 = Clock::now();
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kPerThread; ++i) {
                    const auto a = Clock::now();
                    (void)client.call("MaelstromService.GetComponent", R"({"name":"shop_api"})");
                    perThread[t].push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
                }
            });
        }
        for (auto& th : threads)
            th.join();
        const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        std::vector<double> all;
        for (auto& v : perThread)
            all.insert(all.end(), v.begin(), v.end());
        const auto p = summarize(all);
        std::printf("client round trip, 8 callers, 1 client: p50 %7.1f us  p99 %7.1f us  %8.0f calls/s\n", p.p50, p.p99,
                    kThreads * kPerThread / seconds);
    }
    return 0;
}
