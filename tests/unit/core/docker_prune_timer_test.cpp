// docker_prune_timer_test.cpp — DockerPruneTimer over the fake runtime, database and clock: the first run and the
// period, one node per engine through the prune role, the registered images and keep globs handed to the runtime,
// failures counted (and nothing removed without the component list), no timer without the prune capability, a stop
// that does not wait for the next period nor for a prune in progress, the metrics text and the log line.
// SPDX-License-Identifier: Apache-2.0
#include "event_sources/database_role_locks.h"
#include "fake_clock.h"
#include "fake_container_runtime.h"
#include "fake_database.h"
#include "lifecycle/docker_prune_timer.h"
#include "model_builders.h"
#include "test_support.h"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <future>
#include <mutex>

using namespace std::chrono_literals;
using namespace maelstrom;
using namespace maelstrom::core;
using maelstrom::testing::FakeClock;
using maelstrom::testing::FakeContainerRuntime;
using maelstrom::testing::FakeDatabase;

namespace {

constexpr const char* kEngine = "fake-engine";

/// Collects the lines of the maelstrom.prune logger while it lives.
class LogCapture {
public:
    LogCapture() : channel_(new Collector) {
        auto& logger = Poco::Logger::get("maelstrom.prune");
        previousLevel_ = logger.getLevel();
        logger.setChannel(channel_);
        logger.setLevel(Poco::Message::PRIO_DEBUG);
    }
    ~LogCapture() {
        auto& logger = Poco::Logger::get("maelstrom.prune");
        logger.setChannel(Poco::Logger::root().getChannel());
        logger.setLevel(previousLevel_);
    }
    std::vector<std::string> lines(Poco::Message::Priority atLeast = Poco::Message::PRIO_INFORMATION) const {
        return channel_->lines(atLeast);
    }
    std::size_t count(const std::string& needle) const {
        std::size_t n = 0;
        for (const auto& line : lines(Poco::Message::PRIO_DEBUG)) {
            n += line.find(needle) != std::string::npos ? 1 : 0;
        }
        return n;
    }

private:
    class Collector final : public Poco::Channel {
    public:
        void log(const Poco::Message& message) override {
            std::lock_guard lock(mutex_);
            messages_.emplace_back(message.getPriority(), message.getText());
        }
        std::vector<std::string> lines(Poco::Message::Priority atLeast) const {
            std::lock_guard lock(mutex_);
            std::vector<std::string> out;
            for (const auto& [priority, text] : messages_) {
                if (priority <= atLeast) {
                    out.push_back(text);
                }
            }
            return out;
        }

    private:
        mutable std::mutex mutex_;
        std::vector<std::pair<Poco::Message::Priority, std::string>> messages_;
    };
    Poco::AutoPtr<Collector> channel_;
    int previousLevel_ = Poco::Message::PRIO_INFORMATION;
};

DockerPruneSettings settings(std::chrono::milliseconds period = 5min, bool unregistered = false,
                             std::vector<std::string> keep = {}, std::string engine = kEngine) {
    DockerPruneSettings s;
    s.period = period;
    s.removeUnregisteredImages = unregistered;
    s.keepGlobs = std::move(keep);
    s.engineId = std::move(engine);
    return s;
}

std::shared_ptr<sdk::RoleLocks> rolesOf(const std::shared_ptr<FakeDatabase>& db, const std::string& node) {
    return std::make_shared<DatabaseRoleLocks>(db, node);
}

/// A runtime that can prune, with one exited and one created container of its own.
std::shared_ptr<FakeContainerRuntime> pruningRuntime() {
    auto runtime = std::make_shared<FakeContainerRuntime>();
    runtime->setPruneSupported(true);
    return runtime;
}

sdk::ContainerSpec spec(const std::string& component) {
    sdk::ContainerSpec s;
    s.component = maelstrom::testing::testComponent(component);
    return s;
}

} // namespace

class DockerPruneTimerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DockerPruneTimerTest);
    CPPUNIT_TEST(testKeepGlobsAndRoleName);
    CPPUNIT_TEST(testFirstRunAfterTheDelayThenEveryPeriod);
    CPPUNIT_TEST(testRegisteredImagesAndKeepGlobsArePassed);
    CPPUNIT_TEST(testOneNodePerEngine);
    CPPUNIT_TEST(testFailuresAreCountedAndRemoveNothing);
    CPPUNIT_TEST(testWithoutDatabaseUnregisteredImagesAreKept);
    CPPUNIT_TEST(testRuntimeWithoutPruneHasNoTimer);
    CPPUNIT_TEST(testPeriodZeroHasNoTimer);
    CPPUNIT_TEST(testStopDoesNotWaitForThePeriodOrARunningPrune);
    CPPUNIT_TEST(testMetricsText);
    CPPUNIT_TEST_SUITE_END();

public:
    void testKeepGlobsAndRoleName() {
        CPPUNIT_ASSERT((parseKeepGlobs(" mycorp/* , ,*:stable,redis:7 ,") ==
                        std::vector<std::string>{"mycorp/*", "*:stable", "redis:7"}));
        CPPUNIT_ASSERT(parseKeepGlobs("").empty());
        CPPUNIT_ASSERT(parseKeepGlobs(" , ").empty());
        CPPUNIT_ASSERT_EQUAL(std::string("docker-prune-AB:CD"), dockerPruneRole("AB:CD"));
    }

    void testFirstRunAfterTheDelayThenEveryPeriod() {
        FakeClock clock;
        auto db = std::make_shared<FakeDatabase>(clock);
        auto runtime = pruningRuntime();
        PruneMetrics metrics;
        LogCapture log;
        DockerPruneTimer timer(settings(5min), runtime, db, rolesOf(db, "node-a"), metrics, clock);
        timer.start();
        CPPUNIT_ASSERT(timer.scheduled());
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil([&] { return clock.waiters() == 1; }, 5s));
        CPPUNIT_ASSERT_EQUAL(
            std::size_t(1),
            log.count(
                "docker prune: every 5 min, first in 10 s, by the node holding the role docker-prune-fake-engine: "
                "stopped containers and dangling images"));

        clock.advance(9s);
        std::this_thread::sleep_for(50ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), runtime->pruneCalls().size());
        clock.advance(1s);
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil([&] { return runtime->pruneCalls().size() == 1; }, 5s));

        // The next run one period after the first one started.
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil([&] { return clock.waiters() == 1; }, 5s));
        clock.advance(5min - 1s);
        std::this_thread::sleep_for(50ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), runtime->pruneCalls().size());
        clock.advance(1s);
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil([&] { return runtime->pruneCalls().size() == 2; }, 5s));
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil([&] { return metrics.runs(PruneOutcome::Ok) == 2; }, 5s));
        timer.stop();
        CPPUNIT_ASSERT(!timer.scheduled());
    }

    void testRegisteredImagesAndKeepGlobsArePassed() {
        FakeClock clock;
        auto db = std::make_shared<FakeDatabase>(clock);
        auto web = maelstrom::testing::testComponent("web");
        web.docker->image = "mycorp/web:2";
        db->putComponent(web);
        auto api = maelstrom::testing::testComponent("api");
        api.docker->image = "mycorp/web:2"; // one image, two components: passed once
        db->putComponent(api);
        auto worker = maelstrom::testing::testComponent("worker");
        worker.docker->image = "redis"; // exactly as stored, the runtime normalises
        db->putComponent(worker);
        auto nodocker = maelstrom::testing::testComponent("nodocker");
        nodocker.docker.reset();
        db->putComponent(nodocker);

        auto runtime = pruningRuntime();
        runtime->setPruneImages({"old/thing:1", "mycorp/web:2", "sha256:0123456789ab"});
        const auto exited = runtime->start(spec("gone")).id;
        runtime->stop(exited, 1s);
        const auto created = runtime->create(spec("ahead")).id;
        const auto running = runtime->start(spec("live")).id;

        PruneMetrics metrics;
        LogCapture log;
        DockerPruneTimer timer(settings(1min, true, {"mycorp/*", "*:keep"}), runtime, db, rolesOf(db, "node-a"),
                               metrics, clock);
        CPPUNIT_ASSERT(PruneOutcome::Ok == timer.runOnce());
        const auto calls = runtime->pruneCalls();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), calls.size());
        CPPUNIT_ASSERT(calls[0].removeUnregisteredImages);
        CPPUNIT_ASSERT((calls[0].registeredImages == std::vector<std::string>{"mycorp/web:2", "redis"}));
        CPPUNIT_ASSERT((calls[0].keepGlobs == std::vector<std::string>{"mycorp/*", "*:keep"}));

        // The exited container went, the created and running ones stayed; two unregistered images went.
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), runtime->all().size());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), metrics.prunedContainers());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), metrics.prunedImages());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), metrics.runs(PruneOutcome::Ok));
        (void)created;
        (void)running;

        // One information line naming what went.
        std::vector<std::string> runLines;
        for (const auto& line : log.lines()) {
            if (line.find("docker prune: removed") != std::string::npos) {
                runLines.push_back(line);
            }
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), runLines.size());
        const auto& line = runLines[0];
        CPPUNIT_ASSERT_MESSAGE(line,
                               line.find("removed 1 containers (" + exited.substr(0, 12) + ")") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(line, line.find("2 images (old/thing:1, sha256:0123456789ab)") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(line, line.find("2 registered images kept") != std::string::npos);

        // Without docker_prune_unreg_images: no images listed, none passed.
        DockerPruneTimer plain(settings(1min, false), runtime, db, rolesOf(db, "node-a"), metrics, clock);
        CPPUNIT_ASSERT(PruneOutcome::Ok == plain.runOnce());
        CPPUNIT_ASSERT(!runtime->pruneCalls().back().removeUnregisteredImages);
        CPPUNIT_ASSERT(runtime->pruneCalls().back().registeredImages.empty());
    }

    void testOneNodePerEngine() {
        FakeClock clock;
        auto db = std::make_shared<FakeDatabase>(clock);
        auto runtimeA = pruningRuntime();
        auto runtimeB = pruningRuntime();
        auto runtimeC = pruningRuntime();
        PruneMetrics metricsA, metricsB, metricsC;
        // A and B share an engine, C has one of its own.
        DockerPruneTimer a(settings(5min), runtimeA, db, rolesOf(db, "node-a"), metricsA, clock);
        DockerPruneTimer b(settings(5min), runtimeB, db, rolesOf(db, "node-b"), metricsB, clock);
        DockerPruneTimer c(settings(5min, false, {}, "other-engine"), runtimeC, db, rolesOf(db, "node-c"), metricsC,
                           clock);

        CPPUNIT_ASSERT(PruneOutcome::Ok == a.runOnce());
        CPPUNIT_ASSERT(PruneOutcome::Skipped == b.runOnce());
        CPPUNIT_ASSERT(PruneOutcome::Ok == c.runOnce());
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), runtimeB->pruneCalls().size());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), metricsB.runs(PruneOutcome::Skipped));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), metricsB.runs(PruneOutcome::Ok));
        CPPUNIT_ASSERT_EQUAL(std::string("node-a"), db->roleHolder(dockerPruneRole(kEngine))->holderNodeId);

        // The holder keeps the role from period to period: its lease covers a period plus the margin.
        clock.advance(5min);
        CPPUNIT_ASSERT(PruneOutcome::Ok == a.runOnce());
        CPPUNIT_ASSERT(PruneOutcome::Skipped == b.runOnce());

        // A holder that stopped running (no renewal) is replaced once its lease ran out.
        clock.advance(5min + kDockerPruneLeaseMargin - 1s);
        CPPUNIT_ASSERT(PruneOutcome::Skipped == b.runOnce());
        clock.advance(2s);
        CPPUNIT_ASSERT(PruneOutcome::Ok == b.runOnce());
        CPPUNIT_ASSERT(PruneOutcome::Skipped == a.runOnce());

        // Released (a graceful shutdown releases every role of the node): the other one takes it at once.
        db->releaseAllRoles("node-b");
        CPPUNIT_ASSERT(PruneOutcome::Ok == a.runOnce());
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), runtimeA->pruneCalls().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), runtimeB->pruneCalls().size());
    }

    void testFailuresAreCountedAndRemoveNothing() {
        FakeClock clock;
        auto db = std::make_shared<FakeDatabase>(clock);
        auto runtime = pruningRuntime();
        PruneMetrics metrics;
        LogCapture log;
        DockerPruneTimer timer(settings(1min, true), runtime, db, rolesOf(db, "node-a"), metrics, clock);

        // The runtime fails: counted as an error, logged as a warning, the next run works again.
        runtime->failNext(FakeContainerRuntime::Operation::Prune, 1, "engine refused");
        CPPUNIT_ASSERT(PruneOutcome::Error == timer.runOnce());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), metrics.runs(PruneOutcome::Error));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.count("docker prune: failed: pruning: engine refused"));
        CPPUNIT_ASSERT(PruneOutcome::Ok == timer.runOnce());

        // The runtime is away.
        runtime->setUnavailable(true);
        CPPUNIT_ASSERT(PruneOutcome::Error == timer.runOnce());
        runtime->setUnavailable(false);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), metrics.runs(PruneOutcome::Error));

        // The database is away: the role cannot be taken, nothing is pruned.
        const auto before = runtime->pruneCalls().size();
        db->setUnavailable(true);
        CPPUNIT_ASSERT(PruneOutcome::Error == timer.runOnce());
        CPPUNIT_ASSERT_EQUAL(before, runtime->pruneCalls().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.count("could not be taken"));
        db->setUnavailable(false);

        // Without role locks (so the role is no obstacle), an unreadable component list removes nothing either:
        // every image would look unregistered.
        DockerPruneTimer noRoles(settings(1min, true), runtime, db, nullptr, metrics, clock);
        db->setUnavailable(true);
        CPPUNIT_ASSERT(PruneOutcome::Error == noRoles.runOnce());
        db->setUnavailable(false);
        CPPUNIT_ASSERT_EQUAL(before, runtime->pruneCalls().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.count("the components could not be read (nothing removed)"));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(4), metrics.runs(PruneOutcome::Error));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), metrics.runs(PruneOutcome::Ok));
    }

    void testWithoutDatabaseUnregisteredImagesAreKept() {
        FakeClock clock;
        auto runtime = pruningRuntime();
        runtime->setPruneImages({"some/image:1"});
        PruneMetrics metrics;
        LogCapture log;
        DockerPruneTimer timer(settings(1min, true), runtime, nullptr, nullptr, metrics, clock);
        timer.start();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.count("no database: images no component uses are kept"));
        timer.stop();
        CPPUNIT_ASSERT(PruneOutcome::Ok == timer.runOnce());
        CPPUNIT_ASSERT(!runtime->pruneCalls().back().removeUnregisteredImages);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), metrics.prunedImages());
    }

    void testRuntimeWithoutPruneHasNoTimer() {
        FakeClock clock;
        auto runtime = std::make_shared<FakeContainerRuntime>(); // prune not declared
        PruneMetrics metrics;
        LogCapture log;
        DockerPruneTimer timer(settings(1min), runtime, nullptr, nullptr, metrics, clock);
        timer.start();
        CPPUNIT_ASSERT(!timer.scheduled());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.count("cannot prune"));
        CPPUNIT_ASSERT(metrics.render().empty());
        clock.advance(1h);
        std::this_thread::sleep_for(20ms);
        CPPUNIT_ASSERT(runtime->pruneCalls().empty());
    }

    void testPeriodZeroHasNoTimer() {
        FakeClock clock;
        auto runtime = pruningRuntime();
        PruneMetrics metrics;
        LogCapture log;
        DockerPruneTimer timer(settings(0ms), runtime, nullptr, nullptr, metrics, clock);
        timer.start();
        CPPUNIT_ASSERT(!timer.scheduled());
        CPPUNIT_ASSERT(log.lines().empty());
        CPPUNIT_ASSERT(metrics.render().empty());
    }

    void testStopDoesNotWaitForThePeriodOrARunningPrune() {
        FakeClock clock;
        auto runtime = pruningRuntime();
        std::promise<void> entered;
        std::promise<void> release;
        auto released = release.get_future().share();
        std::atomic<bool> first{true};
        runtime->setPruneHook([&] {
            if (first.exchange(false)) {
                entered.set_value();
                released.wait();
            }
        });
        PruneMetrics metrics;
        {
            // Waiting for the next run: stop() returns at once.
            DockerPruneTimer idle(settings(60min), pruningRuntime(), nullptr, nullptr, metrics, clock);
            idle.start();
            const auto before = std::chrono::steady_clock::now();
            idle.stop();
            CPPUNIT_ASSERT(std::chrono::steady_clock::now() - before < 2s);
        }
        DockerPruneTimer timer(settings(60min), runtime, nullptr, nullptr, metrics, clock);
        timer.start();
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil([&] { return clock.waiters() == 1; }, 5s));
        clock.advance(kDockerPruneFirstRunDelay);
        CPPUNIT_ASSERT(entered.get_future().wait_for(5s) == std::future_status::ready);
        // A prune in progress: requestStop() returns at once; stop() waits for that prune only.
        const auto before = std::chrono::steady_clock::now();
        timer.requestStop();
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - before < 1s);
        std::thread releaser([&] {
            std::this_thread::sleep_for(100ms);
            release.set_value();
        });
        timer.stop();
        releaser.join();
        CPPUNIT_ASSERT(!timer.scheduled());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), runtime->pruneCalls().size());
        clock.advance(2h);
        std::this_thread::sleep_for(20ms);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), runtime->pruneCalls().size());
    }

    void testMetricsText() {
        PruneMetrics metrics;
        CPPUNIT_ASSERT(metrics.render().empty());
        metrics.enable();
        metrics.recordRun(PruneOutcome::Ok);
        metrics.recordRun(PruneOutcome::Ok);
        metrics.recordRun(PruneOutcome::Skipped);
        metrics.recordPruned(3, 5);
        const std::string text = metrics.render();
        for (const char* line :
             {"# HELP maelstrom_docker_prune_runs_total ", "# TYPE maelstrom_docker_prune_runs_total counter\n",
              "maelstrom_docker_prune_runs_total{outcome=\"ok\"} 2\n",
              "maelstrom_docker_prune_runs_total{outcome=\"error\"} 0\n",
              "maelstrom_docker_prune_runs_total{outcome=\"skipped\"} 1\n", "# HELP maelstrom_docker_pruned_total ",
              "# TYPE maelstrom_docker_pruned_total counter\n", "maelstrom_docker_pruned_total{kind=\"container\"} 3\n",
              "maelstrom_docker_pruned_total{kind=\"image\"} 5\n"}) {
            CPPUNIT_ASSERT_MESSAGE(std::string(line) + " in\n" + text, text.find(line) != std::string::npos);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DockerPruneTimerTest);
