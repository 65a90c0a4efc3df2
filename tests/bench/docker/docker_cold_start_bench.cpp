// docker_cold_start_bench.cpp — cold start through the docker plugin (create + start + first 200 from the
// fixture's /health, polled every 10 ms) against the same steps with the docker CLI and curl
// (`docker run -d -p 127.0.0.1::8080`, `docker port`, `curl` every 10 ms), interleaved, N rounds (default 20).
// Target: the plugin's p50 <= the CLI's p50 (it spawns no processes).
//
//   cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DMAELSTROM_SANITIZE=OFF
//   cmake --build build-release --target docker-cold-start-bench
//   build-release/tests/bench/docker-cold-start-bench [rounds]
//
// Needs a Docker engine (DOCKER_HOST honoured) and builds the hello-http image from the build tree.
// Every container it starts is labelled maelstrom-test-suite=bench and removed; the images too at the end.
// SPDX-License-Identifier: Apache-2.0
#include "bench_spawn.h"

#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/plugin.h>

#include <boost/dll/import.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace sdk = maelstrom::sdk;
using Clock = std::chrono::steady_clock;

namespace {

using maelstrom::bench::spawnCapture;

const std::string kImage = "maelstrom-test/hello-http:1";

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    return s;
}

int httpStatus(const std::string& host, std::int64_t port, const std::string& path) {
    try {
        Poco::Net::HTTPClientSession session(host, static_cast<Poco::UInt16>(port));
        session.setTimeout(Poco::Timespan(2, 0));
        Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string sink;
        Poco::StreamCopier::copyToString(in, sink);
        return static_cast<int>(response.getStatus());
    } catch (...) {
        return -1;
    }
}

struct Stats {
    double p50, p90, mean, min, max;
};

Stats stats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    auto pct = [&](double p) { return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))]; };
    return {pct(0.5), pct(0.9), std::accumulate(v.begin(), v.end(), 0.0) / v.size(), v.front(), v.back()};
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

} // namespace

int main(int argc, char** argv) {
    int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
    std::string build = MAELSTROM_BENCH_BUILD_DIR;
    std::string source = MAELSTROM_BENCH_SOURCE_DIR;
    // The scratch wrapper used during development points CMAKE_SOURCE_DIR elsewhere; the script sits in the repo.
    std::string script = source + "/tests/fixtures/hello-http/build-image.sh";
    if (access(script.c_str(), X_OK) != 0)
        script = "/work/main/tests/fixtures/hello-http/build-image.sh";
    if (spawnCapture(
            {script, build + "/tests/bin/hello-http", "maelstrom-test/hello-http:1", "maelstrom-test/hello-http:2"})
            .first != 0) {
        std::cerr << "building the fixture image failed\n";
        return 1;
    }

    auto descriptorFn = boost::dll::import_alias<const sdk::PluginDescriptor&()>(
        build + "/lib/maelstrom/plugins/docker.so", "maelstrom_plugin_descriptor");
    const auto& d = descriptorFn();
    auto settings = sdk::Settings::validate(d.settings, {});
    auto runtime = std::dynamic_pointer_cast<sdk::ContainerRuntime>(d.create(settings, sdk::HostContext{}));
    auto info = runtime->info();
    std::cout << "docker cold start: engine " << info.engineVersion << " (API " << info.apiVersion << "), " << rounds
              << " rounds, image " << kImage << ", health path /health polled every 10 ms\n";

    sdk::ContainerSpec spec;
    spec.component.name = "bench";
    spec.component.version = 1;
    spec.component.docker = sdk::DockerComponent{};
    spec.component.docker->image = kImage;
    spec.component.docker->httpPort = 8080;
    spec.extraLabels = {{"maelstrom-test", "true"}, {"maelstrom-test-suite", "bench"}};

    auto pluginRound = [&](double& startMs) {
        auto t0 = Clock::now();
        auto c = runtime->start(spec);
        startMs = ms(Clock::now() - t0);
        while (httpStatus(c.endpoint->host, c.endpoint->port, "/health") != 200) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            if (Clock::now() - t0 > std::chrono::seconds(30))
                throw std::runtime_error("plugin: never healthy");
        }
        double total = ms(Clock::now() - t0);
        runtime->remove(c.id, true);
        return total;
    };
    auto cliRound = [&] {
        auto t0 = Clock::now();
        auto [rc, out] = spawnCapture({"docker", "run", "-d", "-p", "127.0.0.1::8080", "--label", "maelstrom-test=true",
                                       "--label", "maelstrom-test-suite=bench", kImage});
        if (rc != 0)
            throw std::runtime_error("docker run failed");
        std::string id = trim(out);
        auto [rc2, port] = spawnCapture({"docker", "port", id, "8080/tcp"});
        if (rc2 != 0)
            throw std::runtime_error("docker port failed");
        std::string hostPort = trim(port.substr(0, port.find('\n')));
        std::string url = "http://" + hostPort + "/health";
        for (;;) {
            auto [rc3, code] = spawnCapture({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url});
            (void)rc3;
            if (code == "200")
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            if (Clock::now() - t0 > std::chrono::seconds(30))
                throw std::runtime_error("cli: never healthy");
        }
        double total = ms(Clock::now() - t0);
        spawnCapture({"docker", "rm", "-f", id});
        return total;
    };

    // One warm-up of each (first container start after a build pays for cold caches), not counted.
    double ignored = 0;
    pluginRound(ignored);
    cliRound();

    std::vector<double> plugin, pluginStart, cli;
    for (int i = 0; i < rounds; ++i) {
        double startMs = 0;
        if (i % 2 == 0) {
            plugin.push_back(pluginRound(startMs));
            cli.push_back(cliRound());
        } else {
            cli.push_back(cliRound());
            plugin.push_back(pluginRound(startMs));
        }
        pluginStart.push_back(startMs);
        std::printf("round %2d  plugin %7.1f ms (create+start+inspect %6.1f ms)   cli %7.1f ms\n", i + 1, plugin.back(),
                    startMs, cli.back());
    }
    auto p = stats(plugin);
    auto ps = stats(pluginStart);
    auto c = stats(cli);
    std::printf("\nplugin (create+start+first 200): p50 %.1f ms  p90 %.1f ms  mean %.1f ms  min %.1f  max %.1f\n",
                p.p50, p.p90, p.mean, p.min, p.max);
    std::printf("  of which create+start+inspect: p50 %.1f ms  p90 %.1f ms\n", ps.p50, ps.p90);
    std::printf("docker CLI + curl (same steps):  p50 %.1f ms  p90 %.1f ms  mean %.1f ms  min %.1f  max %.1f\n", c.p50,
                c.p90, c.mean, c.min, c.max);
    bool ok = p.p50 <= c.p50;
    std::printf("target: plugin p50 <= CLI p50 -> %s (plugin %.1f ms vs CLI %.1f ms, %.0f%% of the CLI's)\n",
                ok ? "MET" : "NOT MET", p.p50, c.p50, 100.0 * p.p50 / c.p50);
    runtime->shutdown();
    spawnCapture({"docker", "rmi", "maelstrom-test/hello-http:1", "maelstrom-test/hello-http:2"});
    return ok ? 0 : 1;
}
