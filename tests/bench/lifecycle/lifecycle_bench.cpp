// lifecycle_bench.cpp — the container lifecycle's two figures:
//  1. cold start: first request for a component with nothing running → first response byte through maelstromd's
//     public port, against the same image started with `docker run -d -p 127.0.0.1::8080` + `docker port` + curl
//     polling `/` every 10 ms until the first 200; N rounds of each (default 20), interleaved, in the same run.
//     Every maelstromd round uses a component never started before (so nothing runs for it).
//     Target: maelstromd p50 <= raw p50 + 50 ms.
//  2. maelstromd's RSS with 1,000 registered components (each with an HTTP event source) and 10 running
//     instances. Target <= 30 MiB.
//
//   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DMAELSTROM_SANITIZE=OFF
//   cmake --build build-rel --target lifecycle-bench -j2     (builds maelstromd, maelctl, the plugins too)
//   build-rel/tests/bench/lifecycle-bench [rounds]
//
// Needs a Docker engine (tests/services/start-docker.sh) and curl. Uses the maelstromd, maelctl and plugins of
// the build it belongs to; removes every container it made.
// SPDX-License-Identifier: Apache-2.0
#include "docker_run_reference.h"
#include "first_byte.h"
#include "lifecycle_env.h"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <cppunit/Exception.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <unistd.h>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Stats {
    double p50, p90, mean, min, max;
};

Stats stats(const std::vector<double>& v) {
    return {percentile(v, 0.5), percentile(v, 0.9),
            std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()),
            *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
}

struct Memory {
    double rssMiB = 0, hwmMiB = 0;
    int threads = 0;
};

/// VmRSS, VmHWM (MiB) and thread count of a process.
Memory memoryOf(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    Memory m;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            m.rssMiB = std::atof(line.c_str() + 6) / 1024.0;
        if (line.rfind("VmHWM:", 0) == 0)
            m.hwmMiB = std::atof(line.c_str() + 6) / 1024.0;
        if (line.rfind("Threads:", 0) == 0)
            m.threads = std::atoi(line.c_str() + 8);
    }
    return m;
}

int coldStart(int rounds) {
    const std::string image = lifecycleImage();
    TempDir dir;
    const std::string project = "lcbench";
    ProjectCleanup cleanup(project);
    Daemon daemon(dir.path());
    std::vector<std::string> components;
    for (int i = 0; i <= rounds; ++i) {
        // Health checks every 10 s (the default): the running instances of earlier rounds stay quiet.
        components.push_back(componentYaml("c" + std::to_string(i), "c" + std::to_string(i) + ".bench.test",
                                           {"idletimeoutseconds: 600", "httphealthcheckseconds: 10"}));
    }
    daemon.putProject(projectYaml(project, components));
    auto maelRound = [&](int i) {
        const double t =
            maelstrom::bench::firstByteMillis(daemon.publicPort(), "c" + std::to_string(i) + ".bench.test");
        if (t < 0)
            throw std::runtime_error("maelstromd cold start did not answer 200\n" + daemon.tail());
        return t;
    };
    // One of each first, not counted (the first container start after a build pays for cold caches).
    maelRound(rounds);
    auto rawRound = [&] { return maelstrom::bench::dockerRunFirst200Millis(image, "lifecycle-bench"); };
    rawRound();

    std::printf("cold start: %d rounds, image %s, maelstromd first byte vs docker run + curl every 10 ms\n", rounds,
                image.c_str());
    std::vector<double> mael, raw;
    for (int i = 0; i < rounds; ++i) {
        if (i % 2 == 0) {
            mael.push_back(maelRound(i));
            raw.push_back(rawRound());
        } else {
            raw.push_back(rawRound());
            mael.push_back(maelRound(i));
        }
        std::printf("round %2d  maelstromd %7.1f ms   docker run + curl %7.1f ms\n", i + 1, mael.back(), raw.back());
        std::fflush(stdout);
    }
    const Stats m = stats(mael), r = stats(raw);
    std::printf("\nmaelstromd cold start (first byte):  p50 %.1f ms  p90 %.1f ms  mean %.1f  min %.1f  max %.1f\n",
                m.p50, m.p90, m.mean, m.min, m.max);
    std::printf("docker run + curl (first 200):      p50 %.1f ms  p90 %.1f ms  mean %.1f  min %.1f  max %.1f\n", r.p50,
                r.p90, r.mean, r.min, r.max);
    const bool ok = m.p50 <= r.p50 + 50;
    std::printf("difference: p50 %+.1f ms, p90 %+.1f ms; target maelstromd p50 <= raw p50 + 50 ms -> %s\n\n",
                m.p50 - r.p50, m.p90 - r.p90, ok ? "MET" : "NOT MET");
    daemon.stop();
    return ok ? 0 : 1;
}

int rss() {
    TempDir dir;
    const std::string project = "lcrss";
    ProjectCleanup cleanup(project);
    Daemon daemon(dir.path());
    std::vector<std::string> components;
    for (int i = 0; i < 1000; ++i) {
        components.push_back(componentYaml("r" + std::to_string(i), "r" + std::to_string(i) + ".rss.test",
                                           {"idletimeoutseconds: 600", "httphealthcheckseconds: 10"}));
    }
    const Memory idle = memoryOf(daemon.pid());
    const auto t0 = Clock::now();
    daemon.putProject(projectYaml(project, components));
    const double putMs = ms(Clock::now() - t0);
    std::this_thread::sleep_for(std::chrono::seconds(3)); // a few route refreshes over the 1,000 components
    const Memory registered = memoryOf(daemon.pid());
    for (int i = 0; i < 10; ++i) {
        if (maelstrom::bench::firstByteMillis(daemon.publicPort(), "r" + std::to_string(i) + ".rss.test") < 0) {
            throw std::runtime_error("cold start of r" + std::to_string(i) + " failed\n" + daemon.tail());
        }
    }
    // Some traffic to every running instance, then let the route refresh and health checks run a few rounds.
    for (int round = 0; round < 100; ++round) {
        request(daemon.publicPort(), "r" + std::to_string(round % 10) + ".rss.test", "/");
    }
    std::this_thread::sleep_for(std::chrono::seconds(12));
    std::size_t running = 0;
    for (int i = 0; i < 10; ++i)
        running += runningContainers(project + "_r" + std::to_string(i)).size();
    const Memory now = memoryOf(daemon.pid());
    std::printf(
        "RSS: maelstromd with 1,000 components (+1,000 HTTP event sources; put in %.0f ms) and %zu running "
        "instances: VmRSS %.1f MiB (peak %.1f MiB, %d threads; before the put %.1f MiB, %d threads; after the put, "
        "nothing running %.1f MiB); target <= 30 MiB -> %s\n",
        putMs, running, now.rssMiB, now.hwmMiB, now.threads, idle.rssMiB, idle.threads, registered.rssMiB,
        now.rssMiB <= 30 ? "MET" : "NOT MET");
    daemon.stop();
    return now.rssMiB <= 30 && running == 10 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
    try {
        const int a = coldStart(rounds);
        const int b = rss();
        return a | b;
    } catch (const CppUnit::Exception& e) {
        std::fprintf(stderr, "lifecycle-bench: %s\n", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lifecycle-bench: %s\n", e.what());
    }
    return 2;
}
