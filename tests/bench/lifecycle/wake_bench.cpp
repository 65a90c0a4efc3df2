// wake_bench.cpp — what pausing idle instances, pre-created containers and the one-second scale-up signal buy,
// measured in one run against one maelstromd (sqlite, docker, round-robin, jsonrpc-http) on loopback, with the
// hello-http fixture:
//  1. wake from paused: a component with `idlepause: true` and `idletimeoutseconds: 1` (the smallest: 0 means
//     the default). N times (default 50): wait until its container is paused (`docker inspect` State.Paused,
//     polled every 50 ms, and maelstromd's "paused (idle" line), then time a request to the public port → first
//     response byte (new connection). Targets p50 <= 15 ms, p99 <= 40 ms. Reference: a warm request right after.
//  2. cold start with a pre-created container: a component with `idletimeoutseconds: 1` and no pause; before each
//     round its instance has stopped on idle (removed) and the pre-created container exists; request → first
//     byte. Against `docker run -d -p 127.0.0.1::8080` + `docker port` + curl every 10 ms until the first 200;
//     M rounds of each (default 20), interleaved, both from the same quiet state. Target maelstromd p50 <= 0.5×
//     the raw p50.
//  2b. the engine's floor: for the same image, the Docker Engine API's own `POST /start` of a created container
//     and `POST /unpause` of a paused one, timed by curl on the engine's socket — the part of (1) and (2) that is
//     the engine's, not maelstromd's.
//  3. paused cost: one instance (`idletimeoutseconds: 15`) read from its cgroup for 10 s running idle, then for
//     10 s paused: CPU time used (≈ 0 expected while paused) and memory charged (retained while paused).
//  4. scale-up reaction: a component with `maxconcurrency: 2` and one instance running; wrk with 8 connections
//     (4× one instance's concurrency, 2 threads) on /sleep?ms=100 for 10 s; reaction = wrk start → a second
//     running container of the component (`docker ps`, polled every 50 ms). Target <= 3 s. Then the instance
//     count when the load stops and whether any instance stops within the next 10 s (it must not).
//
//   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DMAELSTROM_SANITIZE=OFF
//   cmake --build build-rel --target wake-bench -j2     (builds maelstromd, maelctl, the plugins too)
//   build-rel/tests/bench/wake-bench [wakes] [cold-start rounds]
//
// Needs a Docker engine (tests/services/start-docker.sh), curl and wrk. Uses the maelstromd, maelctl and plugins
// of the build it belongs to; removes every container it made. Exit status 0 when every target is met, 1 when
// one is not, 2 on an error.
// SPDX-License-Identifier: Apache-2.0
#include "docker_run_reference.h"
#include "first_byte.h"
#include "lifecycle_env.h"

#include <cppunit/Exception.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;
using Clock = std::chrono::steady_clock;

namespace {

using maelstrom::bench::firstByteMillis;
using maelstrom::bench::spawnCapture;
using maelstrom::bench::trimRight;

constexpr const char* kSuite = "wake-bench"; // label of the docker run reference containers

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// The docker CLI's stdout, trimmed (blocking wait: no polling delay of ours).
std::string docker(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"docker"};
    argv.insert(argv.end(), args.begin(), args.end());
    return trimRight(spawnCapture(argv).second);
}

/// Full ids of the component's containers: running (paused ones included), created (not started), or all.
std::vector<std::string> runningIds(const std::string& component) {
    return words(docker({"ps", "-q", "--no-trunc", "--filter", "label=maelstrom_component=" + component}));
}
std::vector<std::string> createdIds(const std::string& component) {
    return words(docker({"ps", "-aq", "--no-trunc", "--filter", "status=created", "--filter",
                         "label=maelstrom_component=" + component}));
}
std::vector<std::string> allIds(const std::string& component) {
    return words(docker({"ps", "-aq", "--no-trunc", "--filter", "label=maelstrom_component=" + component}));
}

bool isPaused(const std::string& id) { return docker({"inspect", "-f", "{{.State.Paused}}", id}) == "true"; }
bool isRunningNotPaused(const std::string& id) {
    return docker({"inspect", "-f", "{{.State.Running}} {{.State.Paused}}", id}) == "true false";
}

/// Calls `probe` every `period` (from the start of one call to the next) until it returns true; false after
/// `timeout`.
template <typename F>
bool pollEvery(std::chrono::milliseconds period, std::chrono::seconds timeout, F&& probe) {
    const auto deadline = Clock::now() + timeout;
    auto next = Clock::now();
    while (Clock::now() < deadline) {
        if (probe())
            return true;
        next += period;
        std::this_thread::sleep_until(next);
    }
    return probe();
}

/// maelstromd's log lines that contain every one of `parts`.
std::vector<std::string> logLines(const std::string& log, const std::vector<std::string>& parts) {
    std::vector<std::string> out;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        if (std::all_of(parts.begin(), parts.end(),
                        [&](const std::string& p) { return line.find(p) != std::string::npos; }))
            out.push_back(line);
    }
    return out;
}

/// The number right after `key` in `line` (-1 when absent).
double numberAfter(const std::string& line, const std::string& key) {
    const auto at = line.find(key);
    return at == std::string::npos ? -1 : std::atof(line.c_str() + at + key.size());
}

/// Pause lines of `component` ("component X: container <id12> paused (idle; ...").
std::size_t pauseLines(const Daemon& daemon, const std::string& component) {
    return logLines(daemon.log(), {"component " + component + ": container ", " paused (idle"}).size();
}

/// The value of the Prometheus sample `series` (name{labels}) on the private port's /_mael/metrics, or -1.
double metric(const Daemon& daemon, const std::string& series) {
    const Reply r = request(daemon.privatePort(), "127.0.0.1", "/_mael/metrics");
    if (r.status != 200)
        return -1;
    for (const auto& line : logLines(r.body, {series + " "})) {
        if (line.rfind(series + " ", 0) == 0)
            return std::atof(line.c_str() + series.size() + 1);
    }
    return -1;
}

struct Summary {
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
};
Summary summary(const std::vector<double>& v) {
    return {percentile(v, 0.5), percentile(v, 0.9), percentile(v, 0.99),
            v.empty() ? 0 : *std::max_element(v.begin(), v.end())};
}

const char* met(bool ok) { return ok ? "met" : "NOT MET"; }

/// One row of the closing table.
struct Figure {
    std::string measurement, result, target;
};
std::vector<Figure> figures;
void addFigure(std::string measurement, std::string result, std::string target = "") {
    figures.push_back({std::move(measurement), std::move(result), std::move(target)});
}
[[gnu::format(printf, 1, 2)]] std::string format(const char* fmt, ...) {
    char buf[256];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);
    return buf;
}

std::string hostOf(const std::string& key, const std::string& project) { return key + "." + project + ".bench.test"; }

// ---- 1. wake from paused ----

bool wakeFromPaused(const Daemon& daemon, const std::string& project, int wakes) {
    const std::string component = project + "_wake", host = hostOf("wake", project);
    if (firstByteMillis(daemon.publicPort(), host) < 0)
        throw std::runtime_error("the first (cold) start of " + component + " failed\n" + daemon.tail());
    const auto started = runningIds(component);
    if (started.size() != 1)
        throw std::runtime_error(component + ": expected one running container after the first request");
    std::string id = started[0];

    std::size_t pauses = 0;
    std::vector<double> wake, warm, toPaused;
    int otherContainer = 0;
    std::printf("wake from paused: %d wakes of %s (idletimeoutseconds 1), request -> first byte\n", wakes,
                component.c_str());
    for (int i = 0; i <= wakes; ++i) { // round 0: one unmeasured wake (cold caches)
        const auto idleSince = Clock::now();
        const bool paused = pollEvery(std::chrono::milliseconds(50), std::chrono::seconds(60),
                                      [&] { return isPaused(id) && pauseLines(daemon, component) > pauses; });
        if (!paused)
            throw std::runtime_error(component + ": container " + id.substr(0, 12) + " not paused within 60 s\n" +
                                     daemon.tail());
        ++pauses;
        const double idleToPaused = secondsSince(idleSince);
        const double t = firstByteMillis(daemon.publicPort(), host);
        if (t < 0)
            throw std::runtime_error(component + ": the wake request did not answer 200\n" + daemon.tail());
        const double w = firstByteMillis(daemon.publicPort(), host);
        if (w < 0)
            throw std::runtime_error(component + ": the request after the wake did not answer 200\n" + daemon.tail());
        if (!isRunningNotPaused(id)) { // not woken: answered by another container
            ++otherContainer;
            const auto now = runningIds(component);
            if (now.size() == 1)
                id = now[0];
        }
        if (i == 0)
            continue;
        wake.push_back(t);
        warm.push_back(w);
        toPaused.push_back(idleToPaused);
        std::printf("wake %2d  %6.2f ms   warm request after it %5.2f ms   (paused seen %.2f s after the last "
                    "request)\n",
                    i, t, w, idleToPaused);
        std::fflush(stdout);
    }
    std::vector<double> daemonSide;
    for (const auto& line : logLines(daemon.log(), {"component " + component + ": container ", " woken in "}))
        daemonSide.push_back(numberAfter(line, " woken in "));
    if (daemonSide.size() > 1)
        daemonSide.erase(daemonSide.begin()); // the unmeasured one
    const Summary s = summary(wake), wm = summary(warm), d = summary(daemonSide);
    const double wakesMetric = metric(daemon, "maelstrom_instance_wakes_total{component=\"" + component + "\"}");
    const bool ok = s.p50 <= 15 && s.p99 <= 40 && otherContainer == 0;
    std::printf("\nwake from paused (first byte): p50 %.2f ms  p99 %.2f ms  max %.2f ms; targets p50 <= 15 ms -> %s, "
                "p99 <= 40 ms -> %s\n",
                s.p50, s.p99, s.max, met(s.p50 <= 15), met(s.p99 <= 40));
    std::printf("warm request (reference, new connection, right after a wake): p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
                wm.p50, wm.p99, wm.max);
    std::printf("maelstromd's own \"woken in\" (%zu lines, whole ms): p50 %.0f ms  max %.0f ms; "
                "maelstrom_instance_wakes_total %.0f; wakes answered by another container: %d\n",
                daemonSide.size(), d.p50, d.max, wakesMetric, otherContainer);
    std::printf("last request -> paused seen: p50 %.2f s  max %.2f s\n\n", summary(toPaused).p50,
                summary(toPaused).max);
    addFigure("wake from paused, request → first byte, p50 (" + std::to_string(wakes) + " wakes)",
              format("**%.2f ms**", s.p50), std::string("≤ 15 ms: ") + met(s.p50 <= 15));
    addFigure("wake from paused, p99 / max", format("**%.2f ms** / %.2f ms", s.p99, s.max),
              std::string("p99 ≤ 40 ms: ") + met(s.p99 <= 40));
    addFigure("warm request right after a wake (new connection), p50 / p99", format("%.2f / %.2f ms", wm.p50, wm.p99));
    addFigure("maelstromd's \"woken in\" (unpause + router), p50 / max", format("%.0f / %.0f ms", d.p50, d.max));
    return ok;
}

// ---- 2. cold start with a pre-created container ----

bool coldStartPrecreated(const Daemon& daemon, const std::string& project, int rounds) {
    const std::string component = project + "_cold", host = hostOf("cold", project), image = lifecycleImage();
    // The quiet state before every round: nothing running, no stopped container left, one pre-created one.
    auto quiet = [&] {
        std::string created;
        const bool ok = pollEvery(std::chrono::milliseconds(50), std::chrono::seconds(60), [&] {
            const auto c = createdIds(component);
            if (c.size() != 1 || !runningIds(component).empty() || allIds(component).size() != 1)
                return false;
            created = c[0];
            return true;
        });
        if (!ok)
            throw std::runtime_error(component +
                                     ": no quiet state (instance stopped, one pre-created container) "
                                     "within 60 s\n" +
                                     daemon.tail());
        return created;
    };
    int precreatedUsed = 0;
    auto maelRound = [&] {
        const std::string created = quiet();
        const double t = firstByteMillis(daemon.publicPort(), host);
        if (t < 0)
            throw std::runtime_error(component + ": cold start did not answer 200\n" + daemon.tail());
        if (isRunningNotPaused(created))
            ++precreatedUsed;
        return t;
    };
    auto rawRound = [&] {
        quiet();
        return maelstrom::bench::dockerRunFirst200Millis(image, kSuite);
    };
    // The first start of the component (no pre-created container yet) and one raw round, not counted.
    if (firstByteMillis(daemon.publicPort(), host) < 0)
        throw std::runtime_error("the first start of " + component + " failed\n" + daemon.tail());
    rawRound();

    std::printf("cold start with a pre-created container: %d rounds of %s (idletimeoutseconds 1) vs docker run + "
                "curl every 10 ms, interleaved\n",
                rounds, component.c_str());
    std::vector<double> mael, raw;
    for (int i = 0; i < rounds; ++i) {
        if (i % 2 == 0) {
            mael.push_back(maelRound());
            raw.push_back(rawRound());
        } else {
            raw.push_back(rawRound());
            mael.push_back(maelRound());
        }
        std::printf("round %2d  maelstromd %7.1f ms   docker run + curl %7.1f ms\n", i + 1, mael.back(), raw.back());
        std::fflush(stdout);
    }
    quiet(); // the last round's instance gone before the next measurement
    // maelstromd's phases of the measured starts (the last `rounds` start lines of the component).
    auto starts = logLines(daemon.log(), {"component " + component + " v", " started and healthy in "});
    if (starts.size() > static_cast<std::size_t>(rounds))
        starts.erase(starts.begin(), starts.end() - rounds);
    std::vector<double> total, create, start, health;
    for (const auto& line : starts) {
        total.push_back(numberAfter(line, " started and healthy in "));
        create.push_back(numberAfter(line, "create "));
        start.push_back(numberAfter(line, "start "));
        health.push_back(numberAfter(line, "health "));
    }
    const Summary m = summary(mael), r = summary(raw);
    const double ratio = m.p50 / r.p50;
    const bool ok = ratio <= 0.5;
    std::printf("\nmaelstromd cold start, pre-created container (first byte): p50 %.1f ms  p90 %.1f ms  max %.1f ms "
                "(pre-created container used in %d of %d rounds)\n",
                m.p50, m.p90, m.max, precreatedUsed, rounds);
    std::printf("docker run + curl (first 200):                             p50 %.1f ms  p90 %.1f ms  max %.1f ms\n",
                r.p50, r.p90, r.max);
    std::printf("maelstromd's phases (p50 of %zu start lines): total %.0f ms = create %.0f + start %.0f + health "
                "%.0f ms\n",
                starts.size(), summary(total).p50, summary(create).p50, summary(start).p50, summary(health).p50);
    std::printf("ratio maelstromd / raw (p50): %.2f; target <= 0.5 -> %s\n\n", ratio, met(ok));
    addFigure("cold start with a pre-created container, first byte, p50 / p90 (" + std::to_string(rounds) + " rounds)",
              format("%.1f / %.1f ms", m.p50, m.p90));
    addFigure("docker run -d + docker port + curl every 10 ms, first 200, p50 / p90",
              format("%.1f / %.1f ms", r.p50, r.p90));
    addFigure("ratio maelstromd / docker run (p50)", format("**%.2f×**", ratio), std::string("≤ 0.5×: ") + met(ok));
    addFigure("maelstromd's phases, p50 (create / start / first healthy answer)",
              format("%.0f / %.0f / %.0f ms", summary(create).p50, summary(start).p50, summary(health).p50));
    return ok && precreatedUsed == rounds;
}

// ---- 2b. the engine's own floor ----

/// Milliseconds the Docker Engine API takes to answer `POST /containers/<id>/<verb>`, as curl times the request
/// itself on the engine's socket (its own process start excluded). Negative when the engine refuses.
double engineCallMillis(const std::string& id, const std::string& verb) {
    auto [rc, out] =
        spawnCapture({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "--unix-socket",
                      "/var/run/docker.sock", "-X", "POST", "http://localhost/containers/" + id + "/" + verb});
    if (rc != 0 || out.rfind("20", 0) != 0)
        return -1;
    return std::atof(out.substr(out.find(' ') + 1).c_str()) * 1000.0;
}

/// What no orchestrator on this Docker Engine can go below, for the same image: `POST /start` of a created
/// container published like maelstromd's (127.0.0.1::8080), and `POST /unpause` of a paused one. maelstromd's cold
/// start with a pre-created container and its wake are these calls plus its own work.
void engineFloor(int rounds) {
    const std::string image = lifecycleImage();
    std::vector<double> starts, unpauses;
    for (int i = 0; i < rounds; ++i) {
        const std::string id = docker({"create", "-p", "127.0.0.1::8080", "--label", "maelstrom-test=true", "--label",
                                       std::string("maelstrom-test-suite=") + kSuite, image});
        if (id.empty())
            throw std::runtime_error("docker create of " + image + " failed");
        const double start = engineCallMillis(id, "start");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        for (int j = 0; j < 3 && start >= 0; ++j) {
            if (engineCallMillis(id, "pause") < 0)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            const double unpause = engineCallMillis(id, "unpause");
            if (unpause >= 0)
                unpauses.push_back(unpause);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        docker({"rm", "-f", id});
        if (start >= 0)
            starts.push_back(start);
    }
    if (starts.empty() || unpauses.empty())
        throw std::runtime_error("the Docker Engine API refused start or unpause");
    const Summary s = summary(starts), u = summary(unpauses);
    std::printf("engine floor (Docker Engine API on its socket, same image): POST /start of a created container p50 "
                "%.1f ms p90 %.1f ms (%zu); POST /unpause p50 %.1f ms p90 %.1f ms (%zu)\n\n",
                s.p50, s.p90, starts.size(), u.p50, u.p90, unpauses.size());
    addFigure("engine floor: Docker API `POST /unpause`, p50 / p90 (" + std::to_string(unpauses.size()) + ")",
              format("%.1f / %.1f ms", u.p50, u.p90));
    addFigure("engine floor: Docker API `POST /start` of a created container, p50 / p90 (" +
                  std::to_string(starts.size()) + ")",
              format("%.1f / %.1f ms", s.p50, s.p90));
}

// ---- 3. paused cost ----

/// A container's cgroup files: CPU time used and memory charged, under cgroup v2 or v1 (hybrid included).
struct Cgroup {
    std::string cpuFile;   ///< v2 cpu.stat (usage_usec) or v1 cpuacct.usage (ns)
    std::string memFile;   ///< v2 memory.current or v1 memory.usage_in_bytes
    std::string stateFile; ///< v2 cgroup.events (frozen 0|1) or v1 freezer.state
    bool v2 = false;

    /// Microseconds of CPU used so far.
    double cpuMicros() const {
        std::ifstream in(cpuFile);
        if (!v2) {
            double ns = 0;
            in >> ns;
            return ns / 1000.0;
        }
        std::string key;
        double value = 0;
        while (in >> key >> value) {
            if (key == "usage_usec")
                return value;
        }
        return -1;
    }
    double memoryMiB() const {
        std::ifstream in(memFile);
        double bytes = -1;
        in >> bytes;
        return bytes / (1024.0 * 1024.0);
    }
    std::string freezerState() const {
        std::ifstream in(stateFile);
        std::string line, out;
        while (std::getline(in, line)) {
            if (!v2 || line.rfind("frozen ", 0) == 0)
                out += line;
        }
        return out;
    }
};

/// Finds the cgroup of container `id`: from its process's /proc/<pid>/cgroup, else the usual places of the
/// cgroupfs and systemd drivers (/sys/fs/cgroup/docker/<id>, /sys/fs/cgroup/system.slice/docker-<id>.scope).
Cgroup cgroupOf(const std::string& id) {
    namespace fs = std::filesystem;
    const fs::path root = "/sys/fs/cgroup";
    const bool unified = fs::exists(root / "cgroup.controllers");
    std::map<std::string, std::string> paths; // controller ("" for v2) → path inside its hierarchy
    std::ifstream in("/proc/" + docker({"inspect", "-f", "{{.State.Pid}}", id}) + "/cgroup");
    std::string line;
    while (std::getline(in, line)) { // hierarchy-id:controller,list:path
        const auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos)
            continue;
        std::stringstream controllers(line.substr(a + 1, b - a - 1));
        std::string c;
        if (line.substr(a + 1, b - a - 1).empty())
            paths[""] = line.substr(b + 1);
        while (std::getline(controllers, c, ','))
            paths[c] = line.substr(b + 1);
    }
    const std::vector<std::string> byId = {"docker/" + id, "system.slice/docker-" + id + ".scope"};
    auto find = [&](const std::vector<fs::path>& dirs, const std::string& known, const std::string& file) {
        std::vector<fs::path> candidates;
        for (const auto& dir : dirs) {
            if (auto it = paths.find(known); it != paths.end()) {
                const auto rel = it->second.find_first_not_of('/');
                if (rel != std::string::npos)
                    candidates.push_back(dir / it->second.substr(rel));
            }
            for (const auto& p : byId)
                candidates.push_back(dir / p);
        }
        for (const auto& c : candidates) {
            if (fs::exists(c / file))
                return (c / file).string();
        }
        throw std::runtime_error("no cgroup file " + file + " found for container " + id.substr(0, 12));
    };
    Cgroup cg;
    if (unified) {
        cg.v2 = true;
        cg.cpuFile = find({root}, "", "cpu.stat");
        cg.memFile = find({root}, "", "memory.current");
        cg.stateFile = find({root}, "", "cgroup.events");
    } else {
        cg.cpuFile = find({root / "cpuacct", root / "cpu,cpuacct", root / "cpuacct,cpu"}, "cpuacct", "cpuacct.usage");
        cg.memFile = find({root / "memory"}, "memory", "memory.usage_in_bytes");
        cg.stateFile = find({root / "freezer"}, "freezer", "freezer.state");
    }
    return cg;
}

bool pausedCost(const Daemon& daemon, const std::string& project) {
    const std::string component = project + "_cost", host = hostOf("cost", project);
    const std::size_t pausesBefore = pauseLines(daemon, component);
    if (firstByteMillis(daemon.publicPort(), host) < 0)
        throw std::runtime_error("the start of " + component + " failed\n" + daemon.tail());
    const auto lastRequest = Clock::now();
    const auto ids = runningIds(component);
    if (ids.size() != 1)
        throw std::runtime_error(component + ": expected one running container");
    const std::string id = ids[0];
    const Cgroup cg = cgroupOf(id);
    std::printf("paused cost: %s, container %s, cgroup %s files %s, %s\n", component.c_str(), id.substr(0, 12).c_str(),
                cg.v2 ? "v2" : "v1", cg.cpuFile.c_str(), cg.memFile.c_str());

    auto measure = [&](double& cpuMicros, double& memMiB) {
        const double c0 = cg.cpuMicros();
        std::this_thread::sleep_for(std::chrono::seconds(10));
        cpuMicros = cg.cpuMicros() - c0;
        memMiB = cg.memoryMiB();
    };
    double runCpu = 0, runMem = 0, pausedCpu = 0, pausedMem = 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    measure(runCpu, runMem); // idle, running: 10 s of the 15 s idle timeout
    if (isPaused(id) || pauseLines(daemon, component) > pausesBefore)
        throw std::runtime_error(component + ": paused before the running measurement ended (" +
                                 std::to_string(secondsSince(lastRequest)) + " s after the request)");
    const std::string stateRunning = cg.freezerState();
    if (!pollEvery(std::chrono::milliseconds(50), std::chrono::seconds(60),
                   [&] { return isPaused(id) && pauseLines(daemon, component) > pausesBefore; }))
        throw std::runtime_error(component + ": not paused within 60 s\n" + daemon.tail());
    const double pausedAfter = secondsSince(lastRequest);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    measure(pausedCpu, pausedMem);
    const std::string statePaused = cg.freezerState();
    const double wakeMs = firstByteMillis(daemon.publicPort(), host);
    const bool woke = wakeMs >= 0 && isRunningNotPaused(id);
    const bool cpuOk = pausedCpu <= 1000, memOk = pausedMem >= 0.9 * runMem;
    std::printf("running idle, 10 s: CPU %.0f us (%.4f%% of a core), memory %.2f MiB, freezer \"%s\"\n", runCpu,
                runCpu / 1e5, runMem, stateRunning.c_str());
    std::printf("paused (seen %.1f s after the request), 10 s: CPU %.0f us (%.4f%% of a core), memory %.2f MiB, "
                "freezer \"%s\"\n",
                pausedAfter, pausedCpu, pausedCpu / 1e5, pausedMem, statePaused.c_str());
    std::printf("woken afterwards in %.2f ms (first byte), same container: %s\n", wakeMs, woke ? "yes" : "NO");
    std::printf("CPU while paused ~ 0 (<= 1 ms in 10 s) -> %s; memory retained (>= 90%% of running) -> %s\n\n",
                met(cpuOk), met(memOk));
    addFigure("CPU time of a paused instance over 10 s (cgroup)", format("**%.0f µs**", pausedCpu),
              std::string("≈ 0: ") + met(cpuOk));
    addFigure("same instance running idle, 10 s", format("%.0f µs", runCpu));
    addFigure("memory of the paused instance (cgroup) / running idle", format("%.2f / %.2f MiB", pausedMem, runMem),
              std::string("retained: ") + met(memOk));
    return cpuOk && memOk && woke;
}

// ---- 4. scale-up reaction ----

bool scaleUp(const Daemon& daemon, const std::string& project) {
    const std::string component = project + "_scale", host = hostOf("scale", project);
    if (firstByteMillis(daemon.publicPort(), host) < 0)
        throw std::runtime_error("the start of " + component + " failed\n" + daemon.tail());
    if (!pollEvery(std::chrono::milliseconds(50), std::chrono::seconds(60),
                   [&] { return runningIds(component).size() == 1 && createdIds(component).size() == 1; }))
        throw std::runtime_error(component + ": not one running and one pre-created container\n" + daemon.tail());
    const std::size_t logBefore = daemon.log().size();

    const std::string url = "http://127.0.0.1:" + std::to_string(daemon.publicPort()) + "/sleep?ms=100";
    std::string wrkOut;
    int wrkRc = -1;
    const auto t0 = Clock::now();
    std::thread wrk([&] {
        auto [rc, out] = spawnCapture({"wrk", "-t", "2", "-c", "8", "-d", "10s", "-H", "Host: " + host, url});
        wrkRc = rc;
        wrkOut = out;
    });
    std::vector<std::pair<double, std::size_t>> timeline; // seconds since wrk started → running containers
    std::optional<double> reaction;
    std::size_t count = 1;
    pollEvery(std::chrono::milliseconds(50), std::chrono::seconds(15), [&] {
        const std::size_t n = runningIds(component).size();
        const double at = secondsSince(t0);
        if (n != count) {
            timeline.emplace_back(at, n);
            count = n;
        }
        if (n >= 2 && !reaction)
            reaction = at;
        return at >= 10.0;
    });
    wrk.join();
    const double loadSeconds = secondsSince(t0);
    const std::size_t atEnd = runningIds(component).size();
    std::size_t fewest = atEnd;
    pollEvery(std::chrono::milliseconds(500), std::chrono::seconds(10), [&] {
        fewest = std::min(fewest, runningIds(component).size());
        return false;
    });
    const std::size_t after10 = runningIds(component).size();
    fewest = std::min(fewest, after10);

    std::printf("scale-up: %s (maxconcurrency 2), wrk -t 2 -c 8 -d 10s on /sleep?ms=100 (exit %d)\n", component.c_str(),
                wrkRc);
    for (const auto& line : logLines(wrkOut, {"Requests/sec"}))
        std::printf("  wrk: %s\n", line.c_str());
    for (const auto& line : logLines(wrkOut, {"requests in"}))
        std::printf("  wrk: %s\n", line.c_str());
    for (const auto& line : logLines(wrkOut, {"Non-2xx"}))
        std::printf("  wrk: %s\n", line.c_str());
    for (const auto& line : logLines(wrkOut, {"Socket errors"}))
        std::printf("  wrk: %s\n", line.c_str());
    std::printf("  running containers over time:");
    for (const auto& [at, n] : timeline)
        std::printf(" %.2f s -> %zu;", at, n);
    std::printf("\n");
    for (const auto& line :
         logLines(daemon.log().substr(logBefore), {"component " + component + " v", " started and healthy in "}))
        std::printf("  maelstromd: %s\n", line.c_str());
    const bool reacted = reaction && *reaction <= 3.0;
    std::printf("reaction (wrk start -> second running container): %s; target <= 3 s -> %s\n",
                reaction ? format("%.2f s", *reaction).c_str() : "none within the load", met(reacted));
    std::printf(
        "running containers when the load stopped (%.1f s): %zu; 10 s later: %zu (fewest meanwhile %zu): %s\n\n",
        loadSeconds, atEnd, after10, fewest, fewest < atEnd ? "SCALED DOWN" : "no scale-down");
    addFigure("scale-up reaction: wrk (8 connections = 4× maxconcurrency 2) start → second running container",
              reaction ? format("**%.2f s**", *reaction) : std::string("**none**"),
              std::string("≤ 3 s: ") + met(reacted));
    addFigure("running containers when the 10 s load stopped / 10 s later",
              std::to_string(atEnd) + " / " + std::to_string(after10),
              std::string("no scale-down: ") + met(fewest >= atEnd));
    return reacted && fewest >= atEnd;
}

} // namespace

int main(int argc, char** argv) {
    const int wakes = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
    try {
        const std::string project = uniqueProject("wkbench");
        TempDir dir;
        ProjectCleanup cleanup(project);
        struct RawCleanup {
            ~RawCleanup() { docker::removeSuiteContainers(kSuite); }
        } rawCleanup;
        Daemon daemon(dir.path());
        const std::vector<std::string> quiet = {"httphealthcheckseconds: 10"};
        auto with = [&](std::vector<std::string> extra) {
            extra.insert(extra.end(), quiet.begin(), quiet.end());
            return extra;
        };
        daemon.putProject(projectYaml(
            project,
            {componentYaml("wake", hostOf("wake", project), with({"idlepause: true", "idletimeoutseconds: 1"})),
             componentYaml("cold", hostOf("cold", project), with({"idletimeoutseconds: 1"})),
             componentYaml("cost", hostOf("cost", project), with({"idlepause: true", "idletimeoutseconds: 15"})),
             componentYaml("scale", hostOf("scale", project),
                           with({"maxconcurrency: 2", "idletimeoutseconds: 600"}))}));
        const bool a = wakeFromPaused(daemon, project, wakes);
        const bool b = coldStartPrecreated(daemon, project, rounds);
        engineFloor(rounds);
        const bool c = pausedCost(daemon, project);
        const bool d = scaleUp(daemon, project);
        std::printf("| measurement | result | target |\n|---|---|---|\n");
        for (const auto& f : figures)
            std::printf("| %s | %s | %s |\n", f.measurement.c_str(), f.result.c_str(), f.target.c_str());
        daemon.stop();
        return a && b && c && d ? 0 : 1;
    } catch (const CppUnit::Exception& e) {
        std::fprintf(stderr, "wake-bench: %s\n", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wake-bench: %s\n", e.what());
    }
    return 2;
}
