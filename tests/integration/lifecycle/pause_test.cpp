// pause_test.cpp — paused instances and containers created ahead, end to end against a real maelstromd and
// dockerd. With idlepause an idle instance is frozen (docker pause) instead of stopped: it shows as `paused`
// in `maelctl cluster ps`, gets no health checks, and the next request thaws the same container in well under a
// second (counted in the wake metrics); after pausedtimeoutseconds, when a start needs its memory reservation, or
// when maelstromd stops without keeping its containers, it is removed; with shutdown_keep_containers it survives a
// restart still paused and is woken by the next maelstromd. Without idlepause an idle instance is stopped as
// before. Once a component has run on the node, one created (not started) container of its current version is
// kept and used by the next start; a new version replaces it. Under a sustained load above its concurrency a
// component gets its second instance within seconds and does not shrink right after the load stops. A seeded
// random walk of requests, idle waits and new versions checks the invariants together (MAELSTROM_TEST_SEED
// replays a run).
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle_env.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <sstream>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string shortId(const std::string& id) { return id.substr(0, 12); }

/// True when `id` names a container frozen by docker pause.
bool containerPaused(const std::string& id) {
    const auto r = docker::dockerCli({"inspect", "-f", "{{.State.Paused}}", id});
    return r.exitCode == 0 && r.out.rfind("true", 0) == 0;
}

/// Ids of the containers of `component` that were started (running or paused), not those only created.
std::vector<std::string> startedContainers(const std::string& component) { return runningContainers(component); }

bool containsId(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string joined(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids)
        out += (out.empty() ? "" : " ") + shortId(id);
    return out.empty() ? "(none)" : out;
}

/// `lines` one per line, for failure messages.
std::string listed(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines)
        out += line + "\n";
    return out;
}

/// The first line of `text` containing every one of `needles` ("" when none does).
std::string lineWith(const std::string& text, const std::vector<std::string>& needles) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (std::all_of(needles.begin(), needles.end(),
                        [&](const std::string& n) { return line.find(n) != std::string::npos; }))
            return line;
    }
    return "";
}

/// maelstromd's Prometheus text from its private port ("" when it does not answer 200).
std::string metricsText(const Daemon& daemon) {
    std::string body;
    return httpGetStatus(daemon.privatePort(), "/_mael/metrics", &body) == 200 ? body : "";
}

/// The value of `metric{component="<component>"}` in maelstromd's metrics (-1 when absent).
double componentMetric(const Daemon& daemon, const std::string& metric, const std::string& component) {
    const std::string text = metricsText(daemon);
    const std::string key = metric + "{component=\"" + component + "\"} ";
    const auto at = text.find(key);
    if (at == std::string::npos || (at > 0 && text[at - 1] != '\n'))
        return -1;
    try {
        return std::stod(text.substr(at + key.size()));
    } catch (const std::exception&) {
        return -1;
    }
}

/// The Status column of `component` in `maelctl cluster ps` ("" when it has no row).
std::string clusterPsStatus(const Daemon& daemon, const std::string& component) {
    const auto r = daemon.maelctl({"cluster", "ps"});
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto w = words(line);
        if (w.size() >= 3 && w[0] == component)
            return w[2];
    }
    return "";
}

/// Waits until `id` is paused; the seconds it took, or -1 after `timeout`.
double waitPaused(const std::string& id, std::chrono::milliseconds timeout) {
    const auto t0 = Clock::now();
    return waitUntil([&] { return containerPaused(id); }, timeout) ? secondsSince(t0) : -1;
}

/// The docker events of `component` in [since, until] whose action is one of `actions`, as "action id12" lines.
std::vector<std::string> eventsOf(const std::string& component, const std::string& since, const std::string& until,
                                  const std::set<std::string>& actions) {
    std::vector<std::string> out;
    for (const auto& e : dockerEvents(component, since, until)) {
        if (actions.count(e.action))
            out.push_back(e.action + " " + shortId(e.id));
    }
    return out;
}

/// Watches the containers of one component from a thread (docker ps every ~150 ms) and records breaks of the
/// invariants: at most one paused container; at most one container created ahead (in status created for a
/// second or more — a start passes through created for a few milliseconds only); no container of an older
/// version than the current one (setVersion) still there `oldVersionGrace` after that version became current.
class ContainerWatcher {
public:
    explicit ContainerWatcher(std::string component, std::chrono::seconds oldVersionGrace = 10s)
        : component_(std::move(component)), grace_(oldVersionGrace),
          thread_([this](std::stop_token stop) { run(stop); }) {}
    ~ContainerWatcher() { stop(); }
    ContainerWatcher(const ContainerWatcher&) = delete;
    ContainerWatcher& operator=(const ContainerWatcher&) = delete;

    void stop() {
        if (thread_.joinable()) {
            thread_.request_stop();
            thread_.join();
        }
    }
    /// The component's version is `version` from now on.
    void setVersion(const std::string& version) {
        std::lock_guard lock(mutex_);
        if (version != version_) {
            version_ = version;
            versionSince_ = Clock::now();
        }
    }
    std::vector<std::string> violations() const {
        std::lock_guard lock(mutex_);
        return violations_;
    }
    std::size_t mostPaused() const { return mostPaused_; }
    std::size_t mostCreatedAhead() const { return mostCreatedAhead_; }
    std::size_t samples() const { return samples_; }
    /// The longest time a container of an old version was seen after the version changed (seconds).
    double longestOldVersion() const {
        std::lock_guard lock(mutex_);
        return longestOld_;
    }
    /// Ids ever seen in status created for a second or more.
    std::set<std::string> createdAhead() const {
        std::lock_guard lock(mutex_);
        return createdAheadIds_;
    }

private:
    struct Seen {
        std::string status; ///< created, paused, running, exited, other
        std::string version;
        Clock::time_point statusSince;
    };

    static std::string statusOf(const std::string& text) {
        if (text.rfind("Created", 0) == 0)
            return "created";
        if (text.find("(Paused)") != std::string::npos)
            return "paused";
        if (text.rfind("Up", 0) == 0)
            return "running";
        if (text.rfind("Exited", 0) == 0)
            return "exited";
        return "other";
    }

    void run(std::stop_token stop) {
        while (!stop.stop_requested()) {
            sample();
            std::this_thread::sleep_for(150ms);
        }
    }

    void sample() {
        const auto r =
            docker::dockerCli({"ps", "-a", "--no-trunc", "--filter", "label=maelstrom_component=" + component_,
                               "--format", "{{.ID}}|{{.Status}}|{{.Label \"maelstrom_version\"}}"});
        if (r.exitCode != 0)
            return;
        const auto now = Clock::now();
        std::map<std::string, Seen> current;
        std::istringstream lines(r.out);
        std::string line;
        while (std::getline(lines, line)) {
            const auto a = line.find('|');
            const auto b = line.rfind('|');
            if (a == std::string::npos || b == a)
                continue;
            Seen s;
            s.status = statusOf(line.substr(a + 1, b - a - 1));
            s.version = trimmed(line.substr(b + 1));
            s.statusSince = now;
            current[line.substr(0, a)] = s;
        }
        std::lock_guard lock(mutex_);
        ++samples_;
        std::size_t paused = 0;
        std::vector<std::string> ahead;
        for (auto& [id, s] : current) {
            if (auto was = seen_.find(id); was != seen_.end() && was->second.status == s.status)
                s.statusSince = was->second.statusSince;
            paused += s.status == "paused";
            if (s.status == "created" && now - s.statusSince >= 1s) {
                ahead.push_back(id);
                createdAheadIds_.insert(id);
            }
            if (!version_.empty() && s.version != version_) {
                const double old = std::chrono::duration<double>(now - versionSince_).count();
                longestOld_ = std::max(longestOld_, old);
                if (now - versionSince_ > grace_ && !reportedOld_.count(id)) {
                    reportedOld_.insert(id);
                    violations_.push_back("container " + shortId(id) + " of version " + s.version + " (" + s.status +
                                          ") still there " + std::to_string(old) + " s after version " + version_ +
                                          " became current");
                }
            }
        }
        seen_ = std::move(current);
        mostPaused_ = std::max<std::size_t>(mostPaused_, paused);
        mostCreatedAhead_ = std::max<std::size_t>(mostCreatedAhead_, ahead.size());
        if (paused > 1)
            violations_.push_back(std::to_string(paused) + " paused containers at once");
        if (ahead.size() > 1)
            violations_.push_back(std::to_string(ahead.size()) + " containers created ahead at once: " + joined(ahead));
    }

    std::string component_;
    std::chrono::seconds grace_;
    mutable std::mutex mutex_;
    std::map<std::string, Seen> seen_;
    std::string version_;
    Clock::time_point versionSince_ = Clock::now();
    std::vector<std::string> violations_;
    std::set<std::string> reportedOld_;
    std::set<std::string> createdAheadIds_;
    double longestOld_ = 0;
    std::atomic<std::size_t> mostPaused_{0};
    std::atomic<std::size_t> mostCreatedAhead_{0};
    std::atomic<std::size_t> samples_{0};
    std::jthread thread_; // last: starts after the members it uses
};

} // namespace

class PauseTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PauseTest);
    CPPUNIT_TEST(testIdleInstancePausedAndWokenByRequest);
    CPPUNIT_TEST(testPausedInstanceGetsNoHealthChecks);
    CPPUNIT_TEST(testPausedInstanceRemovedAfterPausedTimeout);
    CPPUNIT_TEST(testWithoutIdlePauseIdleInstanceIsStopped);
    CPPUNIT_TEST(testPausedInstanceAdoptedAcrossRestart);
    CPPUNIT_TEST(testGracefulShutdownRemovesPausedInstance);
    CPPUNIT_TEST(testPausedInstanceYieldsMemoryToStart);
    CPPUNIT_TEST(testContainerCreatedAheadUsedAndReplacedOnNewVersion);
    CPPUNIT_TEST(testScaleUpWithinSecondsAndNoScaleDownAfterLoad);
    CPPUNIT_TEST(testRandomRequestsIdleWaitsAndVersions);
    CPPUNIT_TEST_SUITE_END();

public:
    void testIdleInstancePausedAndWokenByRequest() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("wake");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".pause.test";
        const std::string component = project + "_web";
        daemon.putProject(
            projectYaml(project, {componentYaml("web", host, {"idlepause: true", "idletimeoutseconds: 2"})}));

        const Reply first = daemon.request(host, "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(first.error + first.body + "\n" + daemon.tail(), 200, first.status);
        const auto lastRequest = Clock::now();
        const auto started = startedContainers(component);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), std::size_t(1), started.size());
        const std::string id = started[0];

        // Idle past idletimeoutseconds: frozen, not stopped.
        const double pausedAfter = waitPaused(id, 12s) < 0 ? -1 : secondsSince(lastRequest);
        std::fprintf(stderr, "\n  paused %.2f s after the last request (idletimeoutseconds 2)\n", pausedAfter);
        CPPUNIT_ASSERT_MESSAGE("the idle instance was not paused within 12 s of its last request (running: " +
                                   std::to_string(containerRunning(id)) + ")\n" + daemon.tail(),
                               pausedAfter >= 0);
        CPPUNIT_ASSERT_MESSAGE("paused before idletimeoutseconds: " + std::to_string(pausedAfter),
                               pausedAfter >= 2 - 0.25);
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.waitForLog("container " + shortId(id) + " paused (idle", 5s));
        std::string status;
        const bool shown = waitUntil([&] { return (status = clusterPsStatus(daemon, component)) == "paused"; }, 10s);
        CPPUNIT_ASSERT_MESSAGE("maelctl cluster ps does not show it paused (status '" + status + "')\n" + daemon.tail(),
                               shown);
        double gauge = -1;
        const bool counted = waitUntil(
            [&] { return (gauge = componentMetric(daemon, "maelstrom_paused_instances", component)) == 1; }, 5s);
        CPPUNIT_ASSERT_MESSAGE(
            "maelstrom_paused_instances is " + std::to_string(gauge) + ", not 1\n" + metricsText(daemon), counted);

        // A request thaws the same container: no container created or started for it.
        const std::string since = dockerTimestamp();
        const Reply woken = daemon.request(host, "/id");
        const std::string until = dockerTimestamp();
        std::fprintf(stderr, "  request to the paused component answered in %.1f ms\n", woken.millis);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(woken.error + woken.body + "\n" + daemon.tail(), 200, woken.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("not served by the paused container\n" + daemon.tail(), shortId(id),
                                     trimmed(woken.body));
        CPPUNIT_ASSERT_MESSAGE("waking took " + std::to_string(woken.millis) + " ms", woken.millis < 1000);
        const auto fresh = eventsOf(component, since, until, {"create", "start"});
        CPPUNIT_ASSERT_MESSAGE("containers created or started by the wake: " + listed(fresh) + "\n" + daemon.tail(),
                               fresh.empty());
        CPPUNIT_ASSERT_MESSAGE("still paused after the wake", !containerPaused(id));
        CPPUNIT_ASSERT_MESSAGE("not running after the wake", containerRunning(id));
        CPPUNIT_ASSERT_MESSAGE("started: " + joined(startedContainers(component)) + "\n" + daemon.tail(),
                               startedContainers(component) == std::vector<std::string>{id});
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.waitForLog("container " + shortId(id) + " woken in ", 5s));
        std::fprintf(stderr, "  log: %s\n",
                     lineWith(daemon.log(), {"container " + shortId(id) + " woken in "}).c_str());

        double wakes = -1;
        const bool woke = waitUntil(
            [&] { return (wakes = componentMetric(daemon, "maelstrom_instance_wakes_total", component)) >= 1; }, 5s);
        CPPUNIT_ASSERT_MESSAGE(
            "maelstrom_instance_wakes_total is " + std::to_string(wakes) + "\n" + metricsText(daemon), woke);
        std::fprintf(stderr, "  maelstrom_instance_wakes_total %.0f, wake_seconds_sum %s\n", wakes,
                     lineWith(metricsText(daemon), {"maelstrom_instance_wake_seconds_sum", component}).c_str());
        CPPUNIT_ASSERT_EQUAL(0.0, componentMetric(daemon, "maelstrom_paused_instances", component));
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(),
                               waitUntil([&] { return clusterPsStatus(daemon, component) == "active"; }, 10s));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    // While frozen an instance cannot answer; probing it would fail. It is left alone: the same container stays
    // paused over several health-check periods and the log has no failed check for it.
    void testPausedInstanceGetsNoHealthChecks() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("frozen");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".pause.test";
        const std::string component = project + "_web";
        daemon.putProject(
            projectYaml(project, {componentYaml("web", host,
                                                {"idlepause: true", "idletimeoutseconds: 2",
                                                 "httphealthcheckseconds: 1", "httphealthcheckmaxfailures: 1"})}));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, daemon.request(host, "/").status);
        const std::string id = startedContainers(component).at(0);
        CPPUNIT_ASSERT_MESSAGE("not paused\n" + daemon.tail(), waitPaused(id, 12s) >= 0);

        const std::string since = dockerTimestamp();
        const auto t0 = Clock::now();
        bool stayed = true;
        while (secondsSince(t0) < 6 && stayed) { // six health-check periods
            stayed = containerPaused(id) && startedContainers(component) == std::vector<std::string>{id};
            std::this_thread::sleep_for(200ms);
        }
        const auto touched = eventsOf(component, since, dockerTimestamp(),
                                      {"unpause", "kill", "die", "stop", "destroy", "exec_create", "start"});
        std::fprintf(stderr, "\n  paused for 6 s with httphealthcheckseconds 1: %zu docker events on it\n",
                     touched.size());
        CPPUNIT_ASSERT_MESSAGE("the paused container was replaced or thawed (started: " +
                                   joined(startedContainers(component)) + ")\n" + daemon.tail(),
                               stayed);
        CPPUNIT_ASSERT_MESSAGE("docker events on the paused container: " + listed(touched), touched.empty());
        const std::string failed = lineWith(daemon.log(), {component, "health check failed"});
        CPPUNIT_ASSERT_MESSAGE("a paused instance was health-checked: " + failed, failed.empty());
        // It still serves once woken.
        const Reply r = daemon.request(host, "/id");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + "\n" + daemon.tail(), 200, r.status);
        CPPUNIT_ASSERT_EQUAL(shortId(id), trimmed(r.body));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    void testPausedInstanceRemovedAfterPausedTimeout() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("expire");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".pause.test";
        const std::string component = project + "_web";
        daemon.putProject(projectYaml(
            project,
            {componentYaml("web", host, {"idlepause: true", "idletimeoutseconds: 2", "pausedtimeoutseconds: 3"})}));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, daemon.request(host, "/").status);
        const std::string id = startedContainers(component).at(0);
        CPPUNIT_ASSERT_MESSAGE("not paused\n" + daemon.tail(), waitPaused(id, 12s) >= 0);
        const auto pausedAt = Clock::now();

        CPPUNIT_ASSERT_MESSAGE("the paused container is still there 8 s after it was paused (pausedtimeoutseconds 3; "
                               "paused: " +
                                   std::to_string(containerPaused(id)) + ")\n" + daemon.tail(),
                               waitUntil([&] { return !containsId(allContainers(component), id); }, 8s));
        const double gone = secondsSince(pausedAt);
        std::fprintf(stderr, "\n  paused container removed %.2f s after it was seen paused (pausedtimeoutseconds 3)\n",
                     gone);
        CPPUNIT_ASSERT_MESSAGE("removed before pausedtimeoutseconds: " + std::to_string(gone), gone >= 3 - 0.5);
        CPPUNIT_ASSERT_MESSAGE("removed later than pausedtimeoutseconds + 2 s: " + std::to_string(gone), gone <= 3 + 2);
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), !lineWith(daemon.log(), {shortId(id), "paused for 3 s"}).empty());

        // Nothing paused is left: the next request starts another container.
        const Reply r = daemon.request(host, "/id");
        std::fprintf(stderr, "  next request (a start) answered in %.1f ms\n", r.millis);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + "\n" + daemon.tail(), 200, r.status);
        CPPUNIT_ASSERT(trimmed(r.body) != shortId(id));
        const auto started = startedContainers(component);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), std::size_t(1), started.size());
        CPPUNIT_ASSERT(!containerPaused(started[0]));
        CPPUNIT_ASSERT_EQUAL(shortId(started[0]), trimmed(r.body));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    // idlepause false, and absent: the idle instance is stopped and removed, never paused.
    void testWithoutIdlePauseIdleInstanceIsStopped() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("nopause");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".pause.test";
        daemon.putProject(
            projectYaml(project, {componentYaml("off", "off." + host, {"idlepause: false", "idletimeoutseconds: 2"}),
                                  componentYaml("abs", "abs." + host, {"idletimeoutseconds: 2"})}));
        const std::string since = dockerTimestamp();
        std::map<std::string, std::string> ids;
        for (const std::string key : {"off", "abs"}) {
            const Reply r = daemon.request(key + "." + host, "/");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + "\n" + daemon.tail(), 200, r.status);
            ids[key] = startedContainers(project + "_" + key).at(0);
        }
        const auto lastRequest = Clock::now();
        for (const auto& entry : ids) {
            const std::string key = entry.first;
            const std::string id = entry.second;
            const std::string component = project + "_" + key;
            bool sawPaused = false;
            const bool removed = waitUntil(
                [&] {
                    sawPaused = sawPaused || containerPaused(id);
                    return !containsId(allContainers(component), id);
                },
                20s);
            std::fprintf(stderr, "\n  %s: idle container removed %.2f s after the last request\n", key.c_str(),
                         secondsSince(lastRequest));
            CPPUNIT_ASSERT_MESSAGE(key + ": the idle instance was not removed\n" + daemon.tail(), removed);
            CPPUNIT_ASSERT_MESSAGE(key + ": the idle instance was paused", !sawPaused);
            const auto pauses = eventsOf(component, since, dockerTimestamp(), {"pause"});
            CPPUNIT_ASSERT_MESSAGE(key + ": docker pause events: " + listed(pauses), pauses.empty());
            CPPUNIT_ASSERT_MESSAGE(daemon.tail(), lineWith(daemon.log(), {component, "paused (idle"}).empty());
            CPPUNIT_ASSERT_MESSAGE(key + ": started containers left: " + joined(startedContainers(component)),
                                   startedContainers(component).empty());
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    void testPausedInstanceAdoptedAcrossRestart() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("padopt");
        ProjectCleanup cleanup(project);
        const std::string host = project + ".pause.test";
        const std::string component = project + "_web";
        std::string id;
        {
            Daemon a(dir.path(), {{"MAEL_SHUTDOWN_KEEP_CONTAINERS", "true"}});
            a.putProject(
                projectYaml(project, {componentYaml("web", host, {"idlepause: true", "idletimeoutseconds: 2"})}));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(a.tail(), 200, a.request(host, "/").status);
            id = startedContainers(component).at(0);
            CPPUNIT_ASSERT_MESSAGE("not paused\n" + a.tail(), waitPaused(id, 12s) >= 0);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(a.tail(), 0, a.stop());
            CPPUNIT_ASSERT_MESSAGE("MAEL_SHUTDOWN_KEEP_CONTAINERS=true: the paused container is not paused any more "
                                   "(running: " +
                                       std::to_string(containerRunning(id)) + ")\n" + a.tail(),
                                   containerPaused(id));
        }
        Daemon b(dir.path());
        // Adopted as it is: still paused, the same container, shown as paused.
        std::string status;
        const bool shown = waitUntil([&] { return (status = clusterPsStatus(b, component)) == "paused"; }, 15s);
        CPPUNIT_ASSERT_MESSAGE("the adopted instance is not shown paused (status '" + status + "')\n" + b.tail(),
                               shown);
        std::this_thread::sleep_for(2s); // a converge pass or two
        CPPUNIT_ASSERT_MESSAGE("the adopted instance was thawed or replaced\n" + b.tail(), containerPaused(id));
        CPPUNIT_ASSERT_MESSAGE("started: " + joined(startedContainers(component)) + "\n" + b.tail(),
                               startedContainers(component) == std::vector<std::string>{id});

        const Reply r = b.request(host, "/id");
        std::fprintf(stderr, "\n  adopted paused instance woken in %.1f ms (request)\n", r.millis);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + r.body + "\n" + b.tail(), 200, r.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("not served by the adopted container\n" + b.tail(), shortId(id), trimmed(r.body));
        CPPUNIT_ASSERT_MESSAGE("waking took " + std::to_string(r.millis) + " ms", r.millis < 1000);
        CPPUNIT_ASSERT(!containerPaused(id));
        CPPUNIT_ASSERT_MESSAGE("started: " + joined(startedContainers(component)) + "\n" + b.tail(),
                               startedContainers(component) == std::vector<std::string>{id});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(b.tail(), 0, b.stop());
        CPPUNIT_ASSERT_MESSAGE("containers left after a plain stop: " + joined(allContainers(component)),
                               waitUntil([&] { return allContainers(component).empty(); }, 30s));
    }

    void testGracefulShutdownRemovesPausedInstance() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("pstop");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".pause.test";
        const std::string component = project + "_web";
        daemon.putProject(
            projectYaml(project, {componentYaml("web", host, {"idlepause: true", "idletimeoutseconds: 2"})}));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, daemon.request(host, "/").status);
        const std::string id = startedContainers(component).at(0);
        CPPUNIT_ASSERT_MESSAGE("not paused\n" + daemon.tail(), waitPaused(id, 12s) >= 0);

        const auto t0 = Clock::now();
        const int code = daemon.stop(SIGTERM);
        std::fprintf(stderr, "\n  SIGTERM with a paused instance: exited %d after %.2f s\n", code, secondsSince(t0));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, code);
        CPPUNIT_ASSERT_MESSAGE("containers left after a graceful stop: " + joined(allContainers(component)) + "\n" +
                                   daemon.tail(),
                               allContainers(component).empty());
    }

    // 300 MiB on the node: a paused 200 MiB instance gives way to a 200 MiB start.
    void testPausedInstanceYieldsMemoryToStart() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("pmem");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path(), {{"MAEL_TOTAL_MEMORY", "300"}});
        const std::string host = project + ".pause.test";
        const std::string a = project + "_a";
        const std::string b = project + "_b";
        daemon.putProject(projectYaml(
            project,
            {componentYaml("a", "a." + host, {"reservememory: 200", "idlepause: true", "idletimeoutseconds: 2"}),
             componentYaml("b", "b." + host,
                           {"reservememory: 200", "idletimeoutseconds: 120", "maxdurationseconds: 30"})}));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, daemon.request("a." + host, "/").status);
        const std::string paused = startedContainers(a).at(0);
        CPPUNIT_ASSERT_MESSAGE("not paused\n" + daemon.tail(), waitPaused(paused, 12s) >= 0);

        const Reply r = daemon.request("b." + host, "/");
        std::fprintf(stderr, "\n  start needing the paused instance's memory answered in %.1f ms\n", r.millis);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + r.body + "\n" + daemon.tail(), 200, r.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), std::size_t(1), startedContainers(b).size());
        CPPUNIT_ASSERT_MESSAGE("the paused instance was not removed to free its memory (paused: " +
                                   std::to_string(containerPaused(paused)) + ")\n" + daemon.tail(),
                               waitUntil([&] { return !containsId(allContainers(a), paused); }, 10s));
        CPPUNIT_ASSERT_MESSAGE("a started instance of a is left: " + joined(startedContainers(a)),
                               startedContainers(a).empty());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    void testContainerCreatedAheadUsedAndReplacedOnNewVersion() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("ahead");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".pause.test";
        const std::string component = project + "_web";
        auto yaml = [&](int n) {
            return projectYaml(
                project, {componentYaml("web", host,
                                        {"idletimeoutseconds: 2", "environment: [\"N=" + std::to_string(n) + "\"]"})});
        };
        daemon.putProject(yaml(1));
        const std::string v1 = std::to_string(daemon.componentVersion(component));
        ContainerWatcher watcher(component);
        watcher.setVersion(v1);
        CPPUNIT_ASSERT_MESSAGE("a container created before the component ever ran: " +
                                   joined(containersInStatus(component, "created")),
                               containersInStatus(component, "created").empty());

        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, daemon.request(host, "/").status);
        const auto firstStart = Clock::now();
        const std::string first = startedContainers(component).at(0);
        std::vector<std::string> created;
        CPPUNIT_ASSERT_MESSAGE(
            "no container created ahead after the first start\n" + daemon.tail(),
            waitUntil([&] { return (created = containersInStatus(component, "created")).size() == 1; }, 10s));
        std::fprintf(stderr, "\n  container created ahead %.2f s after the first start\n", secondsSince(firstStart));
        const std::string ahead = created[0];
        CPPUNIT_ASSERT_EQUAL(v1, containerVersionLabel(ahead));

        // Idle: the running one is stopped and removed; the one created ahead stays, and the next start uses it.
        CPPUNIT_ASSERT_MESSAGE("the idle instance was not removed\n" + daemon.tail(),
                               waitUntil([&] { return !containsId(allContainers(component), first); }, 20s));
        CPPUNIT_ASSERT_MESSAGE("the container created ahead went with the idle stop (created: " +
                                   joined(containersInStatus(component, "created")) + ")\n" + daemon.tail(),
                               containersInStatus(component, "created") == std::vector<std::string>{ahead});
        const Reply r = daemon.request(host, "/id");
        std::fprintf(stderr, "  start of the container created ahead: request answered in %.1f ms\n", r.millis);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + "\n" + daemon.tail(), 200, r.status);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("the start did not use the container created ahead\n" + daemon.tail(),
                                     shortId(ahead), trimmed(r.body));
        const std::string startLine = lineWith(daemon.log(), {"container " + shortId(ahead) + " started and healthy"});
        std::fprintf(stderr, "  log: %s\n", startLine.c_str());
        CPPUNIT_ASSERT_MESSAGE("start line of the container created ahead: '" + startLine + "'\n" + daemon.tail(),
                               startLine.find("create 0 ms") != std::string::npos);
        // Used: another one is created ahead.
        CPPUNIT_ASSERT_MESSAGE("no new container created ahead after the old one was used\n" + daemon.tail(),
                               waitUntil(
                                   [&] {
                                       created = containersInStatus(component, "created");
                                       return created.size() == 1 && created[0] != ahead;
                                   },
                                   10s));
        const std::string ahead2 = created[0];
        CPPUNIT_ASSERT_EQUAL(v1, containerVersionLabel(ahead2));

        // A new version: the old one created ahead is removed, one of the new version takes its place.
        daemon.putProject(yaml(2));
        const std::string v2 = std::to_string(daemon.componentVersion(component));
        watcher.setVersion(v2);
        const auto put = Clock::now();
        CPPUNIT_ASSERT(v1 != v2);
        CPPUNIT_ASSERT_MESSAGE("no container of version " + v2 + " created ahead (created: " +
                                   joined(containersInStatus(component, "created")) + ")\n" + daemon.tail(),
                               waitUntil(
                                   [&] {
                                       created = containersInStatus(component, "created");
                                       return created.size() == 1 && containerVersionLabel(created[0]) == v2 &&
                                              !containsId(allContainers(component), ahead2);
                                   },
                                   15s));
        std::fprintf(stderr, "  new version: container of v%s created ahead and the old one removed %.2f s after put\n",
                     v2.c_str(), secondsSince(put));
        std::this_thread::sleep_for(2s); // the watcher sees the settled state
        watcher.stop();
        const auto broken = watcher.violations();
        std::fprintf(stderr, "  watcher: %zu samples, at most %zu created ahead at once\n", watcher.samples(),
                     watcher.mostCreatedAhead());
        CPPUNIT_ASSERT_MESSAGE(listed(broken) + daemon.tail(), broken.empty());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
        CPPUNIT_ASSERT_MESSAGE("containers left after a graceful stop (the one created ahead too): " +
                                   joined(allContainers(component)),
                               allContainers(component).empty());
    }

    // 4 clients in a loop of 200 ms requests against maxconcurrency 1: the second instance comes within
    // seconds; when the load stops, nothing is stopped for the next 10 s (the scale-down stability window).
    void testScaleUpWithinSecondsAndNoScaleDownAfterLoad() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("fastup");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".pause.test";
        const std::string component = project + "_web";
        daemon.putProject(projectYaml(
            project,
            {componentYaml("web", host, {"maxconcurrency: 1", "idletimeoutseconds: 120", "maxdurationseconds: 60"})}));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 200, daemon.request(host, "/").status);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), startedContainers(component).size());
        // Steady state before the load: the one created ahead (if any) is in place.
        waitUntil([&] { return containersInStatus(component, "created").size() == 1; }, 10s);

        const std::string loadSince = dockerTimestamp();
        const auto loadStart = Clock::now();
        std::vector<std::unique_ptr<LoadClient>> load;
        for (int i = 0; i < 4; ++i)
            load.push_back(std::make_unique<LoadClient>(daemon.publicPort(), host, "/sleep?ms=200"));
        const bool scaled = waitUntil([&] { return startedContainers(component).size() >= 2; }, 30s);
        const double running2 = secondsSince(loadStart);
        std::this_thread::sleep_for(2s);
        LoadClient::Result total;
        for (auto& l : load) {
            l->stop();
            const auto r = l->result();
            total.requests += r.requests;
            total.errors += r.errors;
            total.errorSamples.insert(total.errorSamples.end(), r.errorSamples.begin(), r.errorSamples.end());
            total.latenciesMs.insert(total.latenciesMs.end(), r.latenciesMs.begin(), r.latenciesMs.end());
        }
        double startEvent = -1;
        std::size_t starts = 0;
        for (const auto& e : dockerEvents(component, loadSince, dockerTimestamp())) {
            if (e.action == "start" && ++starts == 1)
                startEvent = static_cast<double>(e.timeNano) / 1e9 - std::stod(loadSince);
        }
        const auto after = startedContainers(component);
        std::fprintf(stderr,
                     "\n  scale-up under 4x load: second container started (docker event) %.2f s, running and seen "
                     "%.2f s after the load began; %zu running when it stopped; %zu requests, p50 %.0f ms, p99 %.0f "
                     "ms, %zu errors\n",
                     startEvent, scaled ? running2 : -1.0, after.size(), total.requests,
                     percentile(total.latenciesMs, 0.5), percentile(total.latenciesMs, 0.99), total.errors);
        CPPUNIT_ASSERT_MESSAGE("no second instance within 30 s of a load at 4x its concurrency\n" + daemon.tail(),
                               scaled);
        CPPUNIT_ASSERT_MESSAGE("the second instance came " + std::to_string(running2) + " s after the load began",
                               running2 <= 6);
        CPPUNIT_ASSERT_EQUAL_MESSAGE("requests failed: " +
                                         (total.errorSamples.empty() ? std::string() : total.errorSamples[0]),
                                     std::size_t(0), total.errors);

        // Load gone: the peak of the last 200 s still sizes the fleet.
        const std::string quietSince = dockerTimestamp();
        std::this_thread::sleep_for(10s);
        const auto stopped = eventsOf(component, quietSince, dockerTimestamp(), {"kill", "die", "stop", "destroy"});
        std::fprintf(stderr, "  10 s after the load: %zu running (was %zu), %zu stop events\n",
                     startedContainers(component).size(), after.size(), stopped.size());
        CPPUNIT_ASSERT_MESSAGE("instances stopped within 10 s of the load ending: " + listed(stopped) + "\n" +
                                   daemon.tail(),
                               stopped.empty());
        for (const auto& id : after) {
            CPPUNIT_ASSERT_MESSAGE(shortId(id) + " no longer running", containerRunning(id));
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    // A seeded random walk of requests, bursts, idle waits (pausing, expiring) and new versions. Every request
    // answers 200; at no time more than one paused and one created-ahead container; no container of an old
    // version lives on for more than 10 s.
    void testRandomRequestsIdleWaitsAndVersions() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        const std::uint64_t seed = testSeed();
        std::fprintf(stderr, "\n  pause random walk: seed %llu (MAELSTROM_TEST_SEED=%llu replays it)\n",
                     static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
        std::mt19937_64 random(seed);
        TempDir dir;
        const std::string project = uniqueProject("prand");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string host = project + ".pause.test";
        const std::string component = project + "_web";
        int n = 1;
        auto put = [&] {
            daemon.putProject(projectYaml(
                project, {componentYaml("web", host,
                                        {"idlepause: true", "idletimeoutseconds: 2", "pausedtimeoutseconds: 5",
                                         "maxconcurrency: 4", "environment: [\"N=" + std::to_string(n) + "\"]"})}));
            return std::to_string(daemon.componentVersion(component));
        };
        ContainerWatcher watcher(component);
        watcher.setVersion(put());

        std::string trace;
        auto context = [&] { return "seed " + std::to_string(seed) + ", steps:" + trace + "\n" + daemon.tail(); };
        auto expect200 = [&](const Reply& r) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(r.error + r.body.substr(0, 200) + "\n" + context(), 200, r.status);
        };
        constexpr int kSteps = 18;
        std::size_t requests = 0;
        int wakes = 0;
        std::vector<double> wakeMs;
        for (int step = 0; step < kSteps; ++step) {
            const auto pick = std::uniform_int_distribution<int>(0, 99)(random);
            if (pick < 35) {
                const bool wasPaused = !containersInStatus(component, "paused").empty();
                const Reply r = daemon.request(host, "/id", 30s);
                trace += " req(" + std::to_string(static_cast<int>(r.millis)) + "ms" + (wasPaused ? ",wake" : "") + ")";
                expect200(r);
                ++requests;
                if (wasPaused) {
                    ++wakes;
                    wakeMs.push_back(r.millis);
                }
            } else if (pick < 50) {
                std::vector<Reply> replies(4);
                {
                    std::vector<std::jthread> clients;
                    for (std::size_t i = 0; i < replies.size(); ++i)
                        clients.emplace_back([&, i] { replies[i] = daemon.request(host, "/sleep?ms=100", 30s); });
                }
                trace += " burst";
                for (const auto& r : replies)
                    expect200(r);
                requests += replies.size();
            } else if (pick < 85) {
                const int ms = std::uniform_int_distribution<int>(500, 9000)(random);
                trace += " idle(" + std::to_string(ms) + "ms)";
                std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            } else {
                ++n;
                const std::string v = put();
                watcher.setVersion(v);
                trace += " put(v" + v + ")";
            }
            const auto broken = watcher.violations();
            CPPUNIT_ASSERT_MESSAGE(listed(broken) + context(), broken.empty());
        }
        std::this_thread::sleep_for(12s); // old versions must be gone by now
        watcher.stop();
        const auto broken = watcher.violations();
        std::fprintf(stderr,
                     "  steps:%s\n  %zu requests, %d wakes (request ms: p50 %.1f, max %.1f), at most %zu paused and "
                     "%zu created ahead at once, an old version seen up to %.1f s after a put, %zu samples\n",
                     trace.c_str(), requests, wakes, percentile(wakeMs, 0.5), percentile(wakeMs, 1.0),
                     watcher.mostPaused(), watcher.mostCreatedAhead(), watcher.longestOldVersion(), watcher.samples());
        CPPUNIT_ASSERT_MESSAGE(listed(broken) + context(), broken.empty());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context(), 0, daemon.stop());
        CPPUNIT_ASSERT_MESSAGE("containers left after a graceful stop: " + joined(allContainers(component)) + "\n" +
                                   context(),
                               allContainers(component).empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PauseTest);
