// control_plane_bench.cpp — figures for the control plane (issue targets in brackets):
//   GetComponent round trip over loopback keep-alive, 8 client threads: p50 [≤ 0.5 ms], calls/s [≥ 5,000];
//   PutProject of a 200-component project on SQLite [≤ 1 s].
// Run from a Release build: <build>/tests/bench/control-plane-bench [seconds=5]
#include "test_support.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

using namespace maelstrom::testing;
using Clock = std::chrono::steady_clock;

namespace {

std::string call(Poco::Net::HTTPClientSession& session, const std::string& body) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/_mael/v1", Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.setKeepAlive(true);
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::string out;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), out);
    if (response.getStatus() != 200 || out.find("\"error\"") != std::string::npos) {
        throw std::runtime_error("call failed: " + out.substr(0, 300));
    }
    return out;
}

std::string component(const std::string& name) {
    return R"({"component":{"name":")" + name +
           R"(","environment":[{"name":"A","value":"1"}],"maxConcurrency":4,"version":0,)"
           R"("docker":{"image":"acme/app:1","httpPort":8080,"httpHealthCheckPath":"/health","reserveMemoryMiB":256}}})";
}

} // namespace

int main(int argc, char** argv) {
    const int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
    TempDir dir;
    const int port = freePort();
    const auto file =
        dir.write("maelstromd.yml", "services:\n  database:\n    plugin: sqlite\n    settings:\n      path: " +
                                        (dir.path() / "bench.db").string() +
                                        "\n  rpc_transport:\n    plugin: jsonrpc-http\nnode:\n  log_level: warning\n");
    BackgroundProcess daemon({(binDir() / "maelstromd").string(), "--config", file.string()},
                             {{"MAEL_PRIVATE_PORT", std::to_string(port)},
                              {"MAEL_PUBLIC_PORT", "0"},
                              {"-MAEL_SQL_DRIVER", ""},
                              {"-MAEL_SQL_DSN", ""}});
    if (!waitUntil([&] { return httpGetStatus(port, "/_mael_health_check") == 200; }, std::chrono::seconds(30))) {
        std::fprintf(stderr, "maelstromd did not start:\n%s\n", daemon.output().c_str());
        return 1;
    }
    {
        Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
        call(s, R"({"jsonrpc":"2.0","id":"p","method":"MaelstromService.PutComponent","params":[)" +
                    component("bench") + "]}");
    }

    const std::string get =
        R"({"jsonrpc":"2.0","id":"g","method":"MaelstromService.GetComponent","params":[{"name":"bench"}]})";
    constexpr int kThreads = 8;
    std::vector<std::vector<double>> latencies(kThreads);
    std::atomic<bool> failed{false};
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
                session.setKeepAlive(true);
                while (Clock::now() < end) {
                    const auto start = Clock::now();
                    call(session, get);
                    latencies[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
                }
            } catch (const std::exception& e) {
                std::fprintf(stderr, "client %d: %s\n", t, e.what());
                failed = true;
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    std::vector<double> all;
    for (const auto& l : latencies) {
        all.insert(all.end(), l.begin(), l.end());
    }
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) {
        return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
    };
    const double rate = static_cast<double>(all.size()) / seconds;
    std::printf("GetComponent, %d threads, keep-alive, %d s: %zu calls, %.0f calls/s (target >= 5000: %s), "
                "p50 %.3f ms (target <= 0.5: %s), p99 %.3f ms\n",
                kThreads, seconds, all.size(), rate, rate >= 5000 ? "met" : "MISSED", pct(0.5),
                pct(0.5) <= 0.5 ? "met" : "MISSED", pct(0.99));

    // PutProject of 200 components, each with an HTTP event source.
    std::string project =
        R"({"jsonrpc":"2.0","id":"pp","method":"MaelstromService.PutProject","params":[{"project":{"name":"big","components":[)";
    for (int i = 0; i < 200; ++i) {
        const std::string n = "c" + std::to_string(i);
        project += (i ? "," : "") + std::string(R"({"component":)") +
                   component(n).substr(13, component(n).size() - 14) + R"(,"eventSources":[{"eventSource":{"name":")" +
                   n + R"(-web","componentName":")" + n + R"(","version":0,"modifiedAt":0,"http":{"hostname":")" + n +
                   R"(.example.com"}},"enabled":true}]})";
    }
    project += "]}}]}";
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
    s.setTimeout(Poco::Timespan(60, 0));
    const auto start = Clock::now();
    const std::string out = call(s, project);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::printf("PutProject, 200 components + 200 event sources, SQLite: %.1f ms (target <= 1000: %s)\n", ms,
                ms <= 1000 ? "met" : "MISSED");
    const auto again = Clock::now();
    call(s, project);
    std::printf("PutProject again, no changes (diff only): %.1f ms\n",
                std::chrono::duration<double, std::milli>(Clock::now() - again).count());

    // The same through maelctl, as a user runs it: read a 200-component project file, send it, print the diff.
    std::string yaml = "name: yamlbig\ncomponents:\n";
    for (int i = 0; i < 200; ++i) {
        const std::string n = "c" + std::to_string(i);
        yaml += "  " + n +
                ":\n    image: acme/app:1\n    httpport: 8080\n    httphealthcheckpath: /health\n"
                "    maxconcurrency: 4\n    reservememory: 256\n    environment: [\"A=1\"]\n"
                "    eventsources:\n      " +
                n + "-web:\n        http:\n          hostname: " + n + ".example.com\n";
    }
    const auto projectFile = dir.write("big.yml", yaml);
    const auto cliStart = Clock::now();
    const auto put = runProcess({(binDir() / "maelctl").string(), "project", "put", "--file=" + projectFile.string()},
                                {{"MAELSTROM_PRIVATE_URL", "http://127.0.0.1:" + std::to_string(port)}});
    const double cliMs = std::chrono::duration<double, std::milli>(Clock::now() - cliStart).count();
    if (put.exitCode != 0) {
        std::fprintf(stderr, "maelctl project put failed: %s%s\n", put.out.c_str(), put.err.c_str());
        failed = true;
    }
    std::printf("maelctl project put, 200-component YAML file, SQLite (process start to exit): %.1f ms "
                "(target <= 1000: %s)\n",
                cliMs, cliMs <= 1000 ? "met" : "MISSED");
    daemon.stop(SIGTERM);
    return failed ? 1 : 0;
}
