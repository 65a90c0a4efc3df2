// sqs_test.cpp — sqs event sources end to end on one maelstromd (SQLite, Docker, sqslite behind its wrapper): the
// first message cold-starts the component and reaches it whole; a message is deleted only when the component
// answers 200 (a 500 comes back after its visibility timeout); the pollers never have more messages in hand than
// the source's maxconcurrency; prefixed queues are drained in name order; `pause-seconds` stops receiving for that
// long; disable stops the polling within 2 s and enable resumes it; a node without credentials and without sqs
// sources sends nothing to AWS; and a seeded random run of answers and toggles checked against a model. Driven only
// from outside: queues through the wrapper, maelctl, the docker CLI, the wrapper's request log and the container's.
// SPDX-License-Identifier: Apache-2.0
#include "aws_env.h"

#include <random>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;
using namespace maelstrom::testing::aws;
using maelstrom::testing::cron::Hit;
using maelstrom::testing::cron::joined;
using maelstrom::testing::cron::nowSeconds;

namespace {

/// One daemon, one project with one fixture component, its queues (deleted at the end).
struct Scene {
    explicit Scene(const std::string& stem, const std::map<std::string, std::string>& env = awsEnvironment())
        : project(uniqueProject(stem)), cleanup(project), component(project + "_worker"),
          hostname(project + ".sqs.test"), daemon(startDaemon(dir.path(), env)) {}
    ~Scene() {
        for (const auto& url : queues) {
            deleteQueue(url);
        }
    }
    Scene(const Scene&) = delete;
    Scene& operator=(const Scene&) = delete;

    std::string queue(const std::string& suffix) {
        queues.push_back(createQueue(project + "-" + suffix));
        return queues.back();
    }
    void put(const std::vector<SqsYaml>& sqs, std::vector<std::string> extra = {}) {
        extra.emplace_back("idletimeoutseconds: 300");
        daemon->putProject(awsProject(project, "worker", hostname, sqs, {}, extra));
    }
    std::vector<Hit> hits() const { return scriptHits(component); }
    int hitsOf(const std::string& id) const { return hitCounts(hits())[id]; }
    bool waitForHit(const std::string& id, std::chrono::seconds timeout, int count = 1) const {
        return waitUntil([&] { return hitsOf(id) >= count; }, timeout);
    }
    std::string context(std::int64_t since) const {
        std::string text = "hits:\n" + joined(hits()) + "wrapper log:\n";
        try {
            text += aws::joined(sqsCalls(since));
        } catch (const std::exception& e) {
            text += e.what();
        }
        return text + "\nmaelstromd:\n" + daemon->tail();
    }

    TempDir dir;
    std::string project;
    ProjectCleanup cleanup;
    std::string component;
    std::string hostname;
    std::unique_ptr<Daemon> daemon;
    std::vector<std::string> queues;
};

/// The hits of one message tag.
std::vector<Hit> hitsOf(const std::vector<Hit>& all, const std::string& id) {
    std::vector<Hit> out;
    for (const auto& h : all) {
        if (hitId(h) == id) {
            out.push_back(h);
        }
    }
    return out;
}

/// Toggles the component's sqs sources through maelctl.
void toggle(const Scene& scene, bool enable) {
    const auto r =
        scene.daemon->maelctl({"es", enable ? "enable" : "disable", "--component=" + scene.component, "--type=sqs"});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, 0, r.exitCode);
}

/// The first call in `calls` that arrived at or after `from` (Unix ms), or nullptr.
const SqsCall* firstAfter(const std::vector<SqsCall>& calls, std::int64_t from) {
    const SqsCall* first = nullptr;
    for (const auto& c : calls) {
        if (c.startedAt >= from && (first == nullptr || c.startedAt < first->startedAt)) {
            first = &c;
        }
    }
    return first;
}

/// When the last of `calls` arrived (0: none).
std::int64_t lastStart(const std::vector<SqsCall>& calls) {
    std::int64_t last = 0;
    for (const auto& c : calls) {
        last = std::max(last, c.startedAt);
    }
    return last;
}

std::int64_t millis(double seconds) { return static_cast<std::int64_t>(seconds * 1000); }

} // namespace

class SqsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SqsTest);
    CPPUNIT_TEST(testColdStartDeleteOnlyOn200Redelivery);
    CPPUNIT_TEST(testBackPressure);
    CPPUNIT_TEST(testPrefixedQueuesDrainedInOrder);
    CPPUNIT_TEST(testPauseSeconds);
    CPPUNIT_TEST(testDisableStopsPollingEnableResumes);
    CPPUNIT_TEST(testNodeWithoutAwsSendsNothing);
    CPPUNIT_TEST(testRandomizedAgainstModel);
    CPPUNIT_TEST_SUITE_END();

public:
    void testColdStartDeleteOnlyOn200Redelivery() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        const auto since = nowMillis();
        Scene scene("sqscold");
        const std::string queue = scene.queue("jobs");
        scene.put({{.key = "jobs",
                    .queueName = scene.project + "-jobs",
                    .path = "/script/jobs",
                    .maxConcurrency = 1,
                    .visibilityTimeout = 2}});
        // Polling an empty queue starts nothing.
        std::this_thread::sleep_for(2s);
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), allContainers(scene.component).empty());
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), !callsOf(sqsCalls(since), "ReceiveMessage", queue).empty());

        // The first message cold-starts the component, arrives whole and is deleted.
        const double sentAt = nowSeconds();
        const std::string firstId = sendMessage(queue, "id=first\nbody=done");
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), scene.waitForHit("first", 60s));
        const auto first = hitsOf(scene.hits(), "first").front();
        std::cerr << "\n  cold start: the first message reached the component " << first.at - sentAt
                  << " s after it was sent\n";
        CPPUNIT_ASSERT_MESSAGE(first.line, first.line.rfind("RECORD POST /script/jobs ", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(first.line, first.line.find(" body=id=first\\nbody=done") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), waitUntil([&] { return queueCounts(queue).total() == 0; }, 10s));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), containersOnceStarted(scene.component).size());
        auto calls = sqsCalls(since);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(aws::joined(calls), std::size_t(1), callsOf(calls, "DeleteMessage", queue).size());
        if (namesMessages(calls)) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(aws::joined(calls), 1, deletesByMessage(calls, queue)[firstId]);
        }

        // A 500 is not deleted: it comes back once its visibility timeout (2 s) has run out, again and again.
        const auto failingSince = nowMillis();
        sendMessage(queue, "id=failing\nstatus=500");
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), scene.waitForHit("failing", 20s, 3));
        const auto failing = hitsOf(scene.hits(), "failing");
        for (std::size_t i = 1; i < failing.size(); ++i) {
            const double gap = failing[i].at - failing[i - 1].at;
            CPPUNIT_ASSERT_MESSAGE(joined(failing), gap > 1.7 && gap < 5);
        }
        // Meanwhile a good message still goes through (and is the only one deleted).
        const std::string laterId = sendMessage(queue, "id=later");
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), scene.waitForHit("later", 10s));
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), waitUntil([&] { return queueCounts(queue).total() == 1; }, 10s));
        calls = sqsCalls(failingSince);
        const auto deletes = callsOf(calls, "DeleteMessage", queue);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(aws::joined(calls), std::size_t(1), deletes.size());
        if (namesMessages(calls)) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(aws::joined(calls), 1, deletesByMessage(calls, queue)[laterId]);
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(scene.daemon->tail(), 0, scene.daemon->stop());
    }

    void testBackPressure() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        const auto since = nowMillis();
        Scene scene("sqsbp");
        const std::string queue = scene.queue("jobs");
        for (int i = 0; i < 10; ++i) {
            sendMessage(queue, "id=bp" + std::to_string(i) + "\nsleep=1500");
        }
        // One instance that takes 10 at once: the source's maxconcurrency (2) is the limit.
        scene.put({{.key = "jobs",
                    .queueName = scene.project + "-jobs",
                    .path = "/script/bp",
                    .maxConcurrency = 2,
                    .visibilityTimeout = 60}},
                  {"maxconcurrency: 10", "maxinstances: 1"});
        const auto t0 = std::chrono::steady_clock::now();
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), waitUntil([&] { return scene.hits().size() >= 10; }, 90s));
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), waitUntil([&] { return queueCounts(queue).total() == 0; }, 10s));
        const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const auto counts = hitCounts(scene.hits());
        for (int i = 0; i < 10; ++i) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(scene.context(since), 1, counts.at("bp" + std::to_string(i)));
        }
        const auto peak = scene.daemon->request(scene.hostname, "/peak");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(peak.error, 200, peak.status);
        const auto calls = sqsCalls(since);
        std::cerr << "\n  back-pressure: 10 messages of 1.5 s in " << took << " s, peak " << trimmed(peak.body)
                  << " at once in the container";
        CPPUNIT_ASSERT_EQUAL_MESSAGE(scene.context(since), std::string("2"), trimmed(peak.body));
        if (namesMessages(calls)) {
            const int most = maxUndeleted(calls, queue);
            std::cerr << ", at most " << most << " received and not deleted";
            CPPUNIT_ASSERT_MESSAGE(aws::joined(calls), most <= 2);
        }
        std::cerr << "\n";
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), callsOf(calls, "DeleteMessage", queue).size());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(scene.daemon->tail(), 0, scene.daemon->stop());
    }

    void testPrefixedQueuesDrainedInOrder() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        const auto since = nowMillis();
        Scene scene("sqspri");
        const std::string pri1 = scene.queue("pri-1");
        const std::string pri2 = scene.queue("pri-2");
        // pri-2's messages are older: the order comes from the queue names, not from age.
        for (int i = 0; i < 4; ++i) {
            sendMessage(pri2, "id=p2-" + std::to_string(i) + "\nsleep=200");
        }
        for (int i = 0; i < 4; ++i) {
            sendMessage(pri1, "id=p1-" + std::to_string(i) + "\nsleep=200");
        }
        scene.put({{.key = "jobs",
                    .queueName = scene.project + "-pri-",
                    .path = "/script/pri",
                    .nameAsPrefix = true,
                    .maxConcurrency = 1,
                    .visibilityTimeout = 60}});
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), waitUntil([&] { return scene.hits().size() >= 8; }, 90s));
        const auto hits = scene.hits();
        std::string order;
        for (const auto& h : hits) {
            order += hitId(h) + " ";
        }
        std::cerr << "\n  prefixed queues: processed " << order << "\n";
        for (std::size_t i = 0; i < hits.size(); ++i) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(order, i < 4 ? std::string("p1-") : std::string("p2-"),
                                         hitId(hits[i]).substr(0, 3));
        }
        CPPUNIT_ASSERT_MESSAGE(
            scene.context(since),
            waitUntil([&] { return queueCounts(pri1).total() == 0 && queueCounts(pri2).total() == 0; }, 10s));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(scene.daemon->tail(), 0, scene.daemon->stop());
    }

    void testPauseSeconds() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        const auto since = nowMillis();
        Scene scene("sqspause");
        const std::string queue = scene.queue("jobs");
        scene.put({{.key = "jobs",
                    .queueName = scene.project + "-jobs",
                    .path = "/script/pause",
                    .maxConcurrency = 1,
                    .visibilityTimeout = 60}});
        sendMessage(queue, "id=warm");
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), scene.waitForHit("warm", 60s));
        std::this_thread::sleep_for(1500ms); // the pollers settle once the instance counts

        // Without the header the next receive follows at once; with `pause-seconds: 3` none comes for 3 s.
        sendMessage(queue, "id=quick");
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), scene.waitForHit("quick", 10s));
        std::this_thread::sleep_for(2s);
        sendMessage(queue, "id=pause\nheader=pause-seconds: 3");
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), scene.waitForHit("pause", 10s));
        std::this_thread::sleep_for(5s);
        const auto hits = scene.hits();
        const auto quickAt = millis(hitsOf(hits, "quick").front().at);
        const auto pauseAt = millis(hitsOf(hits, "pause").front().at);
        const auto receives = callsOf(sqsCalls(since), "ReceiveMessage", queue);
        const SqsCall* afterQuick = firstAfter(receives, quickAt);
        const SqsCall* afterPause = firstAfter(receives, pauseAt);
        CPPUNIT_ASSERT_MESSAGE(aws::joined(receives), afterQuick != nullptr && afterPause != nullptr);
        std::cerr << "\n  pause-seconds: next receive " << afterQuick->startedAt - quickAt
                  << " ms after a plain answer, " << afterPause->startedAt - pauseAt
                  << " ms after one with pause-seconds: 3\n";
        CPPUNIT_ASSERT_MESSAGE(aws::joined(receives), afterQuick->startedAt - quickAt < 1500);
        CPPUNIT_ASSERT_MESSAGE(aws::joined(receives), afterPause->startedAt - pauseAt >= 2900);
        CPPUNIT_ASSERT_MESSAGE(aws::joined(receives), afterPause->startedAt - pauseAt < 5000);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(scene.daemon->tail(), 0, scene.daemon->stop());
    }

    void testDisableStopsPollingEnableResumes() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        const auto since = nowMillis();
        Scene scene("sqstg");
        const std::string queue = scene.queue("jobs");
        scene.put({{.key = "jobs", .queueName = scene.project + "-jobs", .path = "/script/tg", .maxConcurrency = 2}});
        sendMessage(queue, "id=warm");
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), scene.waitForHit("warm", 60s));

        const auto disabledAt = nowMillis();
        toggle(scene, false);
        std::this_thread::sleep_for(2500ms); // a receive already waiting may still take what comes before
        sendMessage(queue, "id=while-off");
        std::this_thread::sleep_for(2500ms);
        auto receives = callsOf(sqsCalls(since), "ReceiveMessage", queue);
        CPPUNIT_ASSERT_MESSAGE(aws::joined(receives), !receives.empty());
        const auto lastBeforeEnable = lastStart(receives);
        std::cerr << "\n  disable: last receive " << lastBeforeEnable - disabledAt << " ms after";
        CPPUNIT_ASSERT_MESSAGE(aws::joined(receives), lastBeforeEnable < disabledAt + 2000);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(scene.context(since), 0, scene.hitsOf("while-off"));

        const auto enabledAt = nowMillis();
        toggle(scene, true);
        CPPUNIT_ASSERT_MESSAGE(scene.context(since), scene.waitForHit("while-off", 10s));
        receives = callsOf(sqsCalls(enabledAt), "ReceiveMessage", queue);
        const SqsCall* resumed = firstAfter(receives, enabledAt);
        CPPUNIT_ASSERT_MESSAGE(aws::joined(receives), resumed != nullptr);
        std::cerr << "; enable: first receive " << resumed->startedAt - enabledAt << " ms after\n";
        CPPUNIT_ASSERT_MESSAGE(aws::joined(receives), resumed->startedAt < enabledAt + 3000);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(scene.daemon->tail(), 0, scene.daemon->stop());
    }

    void testNodeWithoutAwsSendsNothing() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        // The endpoints log whole milliseconds: start the window past the availability probe's own ListQueues.
        std::this_thread::sleep_for(5ms);
        const auto since = nowMillis();
        // Endpoints (metadata service included) point at the local ones, so a call would show; no credentials and
        // no region; only an http source.
        Scene scene("sqsidle", noCredentialsEnvironment());
        scene.put({});
        const auto reply = scene.daemon->request(scene.hostname, "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.error + scene.daemon->tail(), 200, reply.status);
        std::this_thread::sleep_for(4s);
        const auto sqs = sqsCalls(since);
        const auto fake = fakeCalls(since);
        CPPUNIT_ASSERT_MESSAGE(aws::joined(sqs), sqs.empty());
        CPPUNIT_ASSERT_MESSAGE(aws::joined(fake), fake.empty());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(scene.daemon->tail(), 0, scene.daemon->stop());
    }

    void testRandomizedAgainstModel() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(endpointsAvailable(&why), why);
        const std::uint64_t seed = testSeed();
        std::mt19937_64 rng(seed);
        const auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        const std::string seedText = "seed " + std::to_string(seed) + " (MAELSTROM_TEST_SEED replays it)";
        std::cerr << "\n  randomized sqs run: " << seedText << "\n";
        const auto since = nowMillis();
        Scene scene("sqsrnd");
        const std::string queue = scene.queue("jobs");
        const int maxConcurrency = uniform(1, 3);
        const int perPoll = uniform(1, 3);
        scene.put({{.key = "jobs",
                    .queueName = scene.project + "-jobs",
                    .path = "/script/rnd",
                    .maxConcurrency = maxConcurrency,
                    .messagesPerPoll = perPoll,
                    .visibilityTimeout = 3}},
                  {"maxconcurrency: 10", "maxinstances: 1"});
        // Started ahead, so no message waits for a cold start longer than its visibility timeout.
        const auto warm = scene.daemon->request(scene.hostname, "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(warm.error + scene.daemon->tail(), 200, warm.status);

        // The model: each message's status; a 200 is deleted exactly once, a 500 never.
        const int count = 14;
        const int toggleAt = uniform(2, count - 4);
        const int offFor = uniform(2500, 4000);
        std::map<std::string, int> status; // message id → status it answers
        std::map<std::string, std::string> tags;
        std::int64_t disabledAt = 0;
        std::int64_t enabledAt = 0;
        for (int i = 0; i < count; ++i) {
            if (i == toggleAt) {
                disabledAt = nowMillis();
                toggle(scene, false);
            }
            const std::string tag = "r" + std::to_string(i);
            const int code = uniform(0, 9) < 7 ? 200 : 500;
            const std::string id = sendMessage(queue, "id=" + tag + "\nsleep=" + std::to_string(uniform(0, 800)) +
                                                          "\nstatus=" + std::to_string(code));
            status[id] = code;
            tags[id] = tag;
            std::this_thread::sleep_for(std::chrono::milliseconds(uniform(0, 700)));
            if (disabledAt > 0 && enabledAt == 0 && nowMillis() >= disabledAt + offFor) {
                enabledAt = nowMillis();
                toggle(scene, true);
            }
        }
        if (enabledAt == 0) {
            std::this_thread::sleep_for(
                std::chrono::milliseconds(std::max<std::int64_t>(0, disabledAt + offFor - nowMillis())));
            enabledAt = nowMillis();
            toggle(scene, true);
        }
        int failing = 0;
        for (const auto& [id, code] : status) {
            failing += code == 500 ? 1 : 0;
        }
        const auto done = [&] {
            const auto counts = hitCounts(scene.hits());
            for (const auto& [id, code] : status) {
                if (counts.count(tags[id]) == 0) {
                    return false;
                }
            }
            return queueCounts(queue).total() == failing;
        };
        const std::string message = seedText + " maxconcurrency " + std::to_string(maxConcurrency) +
                                    " messagesperpoll " + std::to_string(perPoll) + "\n";
        CPPUNIT_ASSERT_MESSAGE(message + scene.context(since), waitUntil(done, 60s));
        std::this_thread::sleep_for(1s); // a delete racing the count

        const auto calls = sqsCalls(since);
        const auto deletes = callsOf(calls, "DeleteMessage", queue);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(message + aws::joined(calls), static_cast<std::size_t>(count - failing),
                                     deletes.size());
        if (namesMessages(calls)) {
            const auto byMessage = deletesByMessage(calls, queue);
            for (const auto& [id, code] : status) {
                const auto it = byMessage.find(id);
                const int deleted = it == byMessage.end() ? 0 : it->second;
                CPPUNIT_ASSERT_EQUAL_MESSAGE(message + tags[id] + "\n" + aws::joined(calls), code == 200 ? 1 : 0,
                                             deleted);
            }
        }
        // While disabled (from 2 s after the toggle), nothing was received or processed (a receive sent just
        // before may wait a second for what comes).
        for (const auto& c : callsOf(calls, "ReceiveMessage", queue)) {
            CPPUNIT_ASSERT_MESSAGE(message + c.text(), c.startedAt < disabledAt + 2000 || c.startedAt >= enabledAt);
        }
        for (const auto& h : scene.hits()) {
            const auto at = millis(h.at);
            CPPUNIT_ASSERT_MESSAGE(message + h.line, at < disabledAt + 3200 || at >= enabledAt);
        }
        std::cerr << "  " << count << " messages (" << failing << " answered 500), disabled for "
                  << enabledAt - disabledAt << " ms after message " << toggleAt << ", maxconcurrency " << maxConcurrency
                  << ", messagesperpoll " << perPoll << ": model holds\n";
        CPPUNIT_ASSERT_EQUAL_MESSAGE(scene.daemon->tail(), 0, scene.daemon->stop());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqsTest);
