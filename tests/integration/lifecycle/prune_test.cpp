// prune_test.cpp — the prune timer end to end: a real maelstromd (sqlite, docker) with MAEL_DOCKER_PRUNE_MINUTES=1,
// MAEL_DOCKER_PRUNE_UNREG_IMAGES=true and a keep list prunes the engine once, shortly after its start: a stopped
// managed container goes, a managed container created ahead (never started) stays, an image no component uses goes,
// the image a component names and the one a keep glob protects stay; maelstromd logs one line naming what went and
// counts the run in /_mael/metrics. A second maelstromd on the same engine and database skips its run (counted).
//
// The prune removes every stopped container of the engine and every image nothing protects, so this suite runs
// alone (RUN_SERIAL) and protects everything that was there before it: the keep list holds every tag present at
// its start (exactly) and the prefixes the other suites use. What it creates is named maelstrom-prune-test/...:<pid>
// and removed at the end when still there.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle_env.h"

#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;

namespace {

using Clock = std::chrono::steady_clock;

const std::string kPid = std::to_string(::getpid());
const std::string kUnregistered = "maelstrom-prune-test/unregistered:" + kPid;
const std::string kKept = "maelstrom-prune-test/kept:" + kPid;
const std::string kRegistered = "maelstrom-prune-test/registered:" + kPid;
// Containers of "another maelstromd" (owner label), so this maelstromd's adoption leaves them to the prune.
const std::string kOwnerLabel = "maelstrom_owner=prune-test-other-" + kPid;

/// Builds a one-layer image FROM the fixture with a label of its own (so each test image has an id of its own).
void buildImage(const std::string& tag) {
    TempDir ctx;
    ctx.write("Dockerfile",
              "FROM " + docker::fixtureImage(1) + "\nLABEL maelstrom-test=true maelstrom-prune-test=\"" + tag + "\"\n");
    const auto r = runProcess({"docker", "build", "-q", "-t", tag, ctx.path().string()}, {{"DOCKER_BUILDKIT", "0"}},
                              std::chrono::seconds(120));
    if (r.exitCode != 0) {
        CPPUNIT_FAIL("docker build " + tag + " failed: " + r.out + r.err);
    }
}

bool imageExists(const std::string& image) { return docker::dockerCli({"image", "inspect", image}).exitCode == 0; }

bool containerExists(const std::string& id) { return docker::dockerCli({"container", "inspect", id}).exitCode == 0; }

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) {
            out.push_back(line);
        }
    }
    return out;
}

/// Every tag present now (`repo:tag`), except this suite's own images.
std::vector<std::string> tagsPresent() {
    const auto r = docker::dockerCli({"images", "--format", "{{.Repository}}:{{.Tag}}"});
    if (r.exitCode != 0) {
        CPPUNIT_FAIL("docker images failed: " + r.err);
    }
    std::vector<std::string> tags;
    for (const auto& tag : lines(r.out)) {
        if (tag.find("<none>") == std::string::npos && tag.rfind("maelstrom-prune-test/", 0) != 0) {
            tags.push_back(tag);
        }
    }
    return tags;
}

/// The first line of maelstromd's log containing `needle` ("" when none).
std::string logLine(const std::string& log, const std::string& needle) {
    for (const auto& line : lines(log)) {
        if (line.find(needle) != std::string::npos) {
            return line;
        }
    }
    return "";
}

/// The value of the sample `name{labels}` in the metrics text (-1 when absent).
long long sampleValue(const std::string& text, const std::string& sample) {
    for (const auto& line : lines(text)) {
        if (line.rfind(sample + " ", 0) == 0) {
            return std::stoll(line.substr(sample.size() + 1));
        }
    }
    return -1;
}

/// Removes what the suite made, whatever happened (containers first: they hold the images).
class PruneTestCleanup {
public:
    ~PruneTestCleanup() {
        for (const auto& id : containers) {
            docker::dockerCli({"rm", "-f", "-v", id});
        }
        docker::dockerCli({"rmi", kUnregistered, kKept, kRegistered});
    }
    std::vector<std::string> containers;
};

} // namespace

class PruneTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PruneTest);
    CPPUNIT_TEST(testPruneShortlyAfterStartRemovesOnlyWhatNothingProtects);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPruneShortlyAfterStartRemovesOnlyWhatNothingProtects() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        const auto t0 = Clock::now();
        PruneTestCleanup cleanup;
        const std::vector<std::string> before = tagsPresent();
        buildImage(kUnregistered);
        buildImage(kKept);
        buildImage(kRegistered);

        // A stopped managed container of the unregistered image (removed first, so the image can go too) and one
        // created ahead and never started (kept).
        const auto run = docker::dockerCli({"run", "-d", "--label", "maelstrom=true", "--label",
                                            "maelstrom_component=prunetest_gone", "--label", "maelstrom_version=1",
                                            "--label", kOwnerLabel, "--label", "maelstrom-test=true", kUnregistered});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(run.err, 0, run.exitCode);
        const std::string stopped = trimmed(run.out);
        cleanup.containers.push_back(stopped);
        CPPUNIT_ASSERT_EQUAL(0, docker::dockerCli({"kill", stopped}).exitCode);
        const auto create = docker::dockerCli(
            {"create", "--label", "maelstrom=true", "--label", "maelstrom_component=prunetest_ahead", "--label",
             "maelstrom_version=1", "--label", kOwnerLabel, "--label", "maelstrom-test=true", docker::fixtureImage(1)});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(create.err, 0, create.exitCode);
        const std::string ahead = trimmed(create.out);
        cleanup.containers.push_back(ahead);

        // Everything that was here before stays: each tag exactly, and the other suites' prefixes for images built
        // meanwhile. The registered image is left out on purpose: only its component protects it.
        std::string keep = "maelstrom-prune-test/kept*,maelstrom-test/*,maelstrom/*,127.0.0.1:5000/*";
        for (const auto& tag : before) {
            keep += "," + tag;
        }

        // Two maelstromd on this engine sharing one database (the same data dir: its SQLite file): one prunes,
        // the other skips its run (the role docker-prune-<engine id> is held).
        TempDir data;
        const std::map<std::string, std::string> env = {{"MAEL_DOCKER_PRUNE_MINUTES", "1"},
                                                        {"MAEL_DOCKER_PRUNE_UNREG_IMAGES", "true"},
                                                        {"MAEL_DOCKER_PRUNE_UNREG_KEEP", keep}};
        Daemon first(data.path(), env);
        const auto started = Clock::now();
        Daemon second(data.path(), env);
        const std::string project = uniqueProject("prune");
        ProjectCleanup projectCleanup(project);
        first.putProject("name: " + project + "\ncomponents:\n  keeper:\n    image: " + kRegistered +
                         "\n    httpport: 8080\n    httphealthcheckpath: /health\n");
        for (const Daemon* d : {&first, &second}) {
            CPPUNIT_ASSERT_MESSAGE(d->tail(), d->waitForLog("docker prune: every 1 min, first in 10 s", 5s));
            CPPUNIT_ASSERT_MESSAGE(d->tail(),
                                   logLine(d->log(), "first in 10 s").find("docker-prune-") != std::string::npos);
        }

        // The first run comes 10 s after the start (well before the period of a minute), on one of the two.
        CPPUNIT_ASSERT_MESSAGE(first.tail() + second.tail(),
                               waitUntil(
                                   [&] {
                                       return first.log().find("docker prune: removed") != std::string::npos ||
                                              second.log().find("docker prune: removed") != std::string::npos;
                                   },
                                   40s));
        const double firstRunSeconds = std::chrono::duration<double>(Clock::now() - started).count();
        CPPUNIT_ASSERT_MESSAGE(std::to_string(firstRunSeconds), firstRunSeconds >= 9 && firstRunSeconds < 40);
        const Daemon& pruner = first.log().find("docker prune: removed") != std::string::npos ? first : second;
        const Daemon& other = &pruner == &first ? second : first;
        const std::string line = logLine(pruner.log(), "docker prune: removed");
        CPPUNIT_ASSERT_MESSAGE(line, line.find(stopped.substr(0, 12)) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(line, line.find(kUnregistered) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(line, line.find(kKept) == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(line, line.find(kRegistered) == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(line, line.find("1 registered images kept") != std::string::npos);

        // What Docker has now.
        CPPUNIT_ASSERT_MESSAGE("the stopped container is still there", !containerExists(stopped));
        CPPUNIT_ASSERT_MESSAGE("the container created ahead was removed", containerExists(ahead));
        CPPUNIT_ASSERT_MESSAGE("the unregistered image is still there", !imageExists(kUnregistered));
        CPPUNIT_ASSERT_MESSAGE("the kept image was removed", imageExists(kKept));
        CPPUNIT_ASSERT_MESSAGE("the registered image was removed", imageExists(kRegistered));
        CPPUNIT_ASSERT_MESSAGE("the fixture image was removed", imageExists(docker::fixtureImage(1)));
        for (const auto& tag : before) {
            CPPUNIT_ASSERT_MESSAGE(tag + " was removed", imageExists(tag));
        }

        // Counted: one run on each node, ok on the one that pruned, skipped on the other.
        const auto metricsOf = [](const Daemon& d) {
            std::string text;
            return httpGetStatus(d.privatePort(), "/_mael/metrics", &text) == 200 ? text : "";
        };
        const std::string runs = "maelstrom_docker_prune_runs_total";
        std::string metrics = metricsOf(pruner);
        CPPUNIT_ASSERT_MESSAGE(metrics, metrics.find("# TYPE " + runs + " counter") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(metrics, metrics.find("# HELP maelstrom_docker_pruned_total ") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(metrics, 1LL, sampleValue(metrics, runs + "{outcome=\"ok\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(metrics, 0LL, sampleValue(metrics, runs + "{outcome=\"error\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(metrics, 0LL, sampleValue(metrics, runs + "{outcome=\"skipped\"}"));
        CPPUNIT_ASSERT_MESSAGE(metrics, sampleValue(metrics, "maelstrom_docker_pruned_total{kind=\"container\"}") >= 1);
        CPPUNIT_ASSERT_MESSAGE(metrics, sampleValue(metrics, "maelstrom_docker_pruned_total{kind=\"image\"}") >= 1);
        CPPUNIT_ASSERT_MESSAGE(
            metricsOf(other) + other.tail(),
            waitUntil([&] { return sampleValue(metricsOf(other), runs + "{outcome=\"skipped\"}") == 1; }, 20s));
        metrics = metricsOf(other);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(metrics, 0LL, sampleValue(metrics, runs + "{outcome=\"ok\"}"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(metrics, 0LL,
                                     sampleValue(metrics, "maelstrom_docker_pruned_total{kind=\"image\"}"));
        CPPUNIT_ASSERT_MESSAGE(other.tail(), other.log().find("docker prune: removed") == std::string::npos);

        // The next run is a period later: stopping now does not wait for it.
        const auto stopAt = Clock::now();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(second.tail(), 0, second.stop(SIGTERM, std::chrono::seconds(60)));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(first.tail(), 0, first.stop(SIGTERM, std::chrono::seconds(60)));
        const double stopSeconds = std::chrono::duration<double>(Clock::now() - stopAt).count();
        CPPUNIT_ASSERT_MESSAGE(std::to_string(stopSeconds), stopSeconds < 15);
        std::cerr << "prune e2e: first run " << firstRunSeconds << " s after start, both stopped in " << stopSeconds
                  << " s, whole test " << std::chrono::duration<double>(Clock::now() - t0).count() << " s\n";
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PruneTest);
