// json_codec_bench.cpp — per-object cost of the model JSON codec (decode/encode of an EventSource and a full
// Component), against the target "list 10,000 event sources in <= 100 ms including decoding".
// SPDX-License-Identifier: Apache-2.0
//
// Build and run (Release):
//   cmake -S . -B build-rel -DMAELSTROM_SANITIZE=OFF -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-rel --target json-codec-bench && build-rel/tests/bench/json-codec-bench
#include <maelstrom/sdk/poco/json_codec.h>

#include <maelstrom/sdk/json.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

using namespace maelstrom::sdk;
namespace codec = maelstrom::sdk::json::codec;

namespace {

/// Best of 5 runs of `iterations` calls, in microseconds per call.
double measure(int iterations, const std::function<void()>& body) {
    double best = 1e99;
    for (int run = 0; run < 5; ++run) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < iterations; ++i) {
            body();
        }
        const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
        best = std::min(best, elapsed.count() / iterations);
    }
    return best;
}

Component sampleComponent() {
    Component c;
    c.name = "hello-world";
    c.projectName = "demo";
    c.environment = {{"LOG_LEVEL", "debug"}, {"DB_URL", "postgres://db:5432/app"}, {"GREETING", "héllo 中文"}};
    c.minInstances = 1;
    c.maxInstances = 10;
    c.maxConcurrency = 5;
    c.scaleUpConcurrencyPct = 0.8;
    c.maxDurationSeconds = 30;
    c.restartOrder = "startstop";
    c.version = 7;
    c.modifiedAt = 1700000000123;
    DockerComponent d;
    d.image = "docker.io/coopernurse/go-hello-http:latest";
    d.command = {"/app/server", "--port", "8080"};
    d.httpPort = 8080;
    d.httpHealthCheckPath = "/health";
    d.httpHealthCheckSeconds = 5;
    d.idleTimeoutSeconds = 600;
    d.ports = {"6001:6001"};
    d.volumes = {{"bind", "/data", "/data", true}};
    d.reserveMemoryMiB = 256;
    d.ulimits = {"nofile=1024:2048"};
    c.docker = d;
    return c;
}

} // namespace

int main() {
    EventSource es;
    es.name = "hello-world-http";
    es.componentName = "hello-world";
    es.projectName = "demo";
    es.version = 3;
    es.modifiedAt = 1700000000123;
    es.http = HttpEventSource{"hello.example.org", "/api", true};
    const std::string esJson = json::toJson(es);
    const Component component = sampleComponent();
    const std::string componentJson = json::toJson(component);

    volatile std::size_t sink = 0;
    const int n = 100000;
    const double esDecode = measure(n, [&] {
        EventSource out;
        json::fromJson(esJson, out);
        sink = sink + out.name.size();
    });
    const double esEncode = measure(n, [&] { sink = sink + json::toJson(es).size(); });
    const double compDecode = measure(n / 4, [&] {
        Component out;
        json::fromJson(componentJson, out);
        sink = sink + out.name.size();
    });
    const double compEncode = measure(n / 4, [&] { sink = sink + json::toJson(component).size(); });
    const double compToVar = measure(n / 4, [&] { sink = sink + codec::stringify(codec::toVar(component)).size(); });
    const double compParseVar = measure(n / 4, [&] {
        Component out;
        codec::fromVar(codec::parse(componentJson), out, "component");
        sink = sink + out.name.size();
    });

    std::printf("EventSource (%zu bytes) decode json::fromJson: %.2f us/object; 10,000 = %.1f ms (target: 10,000 "
                "listed in <= 100 ms incl. decoding)\n",
                esJson.size(), esDecode, esDecode * 10);
    std::printf("EventSource encode json::toJson: %.2f us/object\n", esEncode);
    std::printf("Component (%zu bytes) decode json::fromJson: %.2f us/object\n", componentJson.size(), compDecode);
    std::printf("Component encode json::toJson: %.2f us/object\n", compEncode);
    std::printf("Component encode codec::stringify(codec::toVar()): %.2f us/object\n", compToVar);
    std::printf("Component decode codec::fromVar(codec::parse()) (the RPC path, via Poco objects): %.2f us/object\n",
                compParseVar);
    return 0;
}
