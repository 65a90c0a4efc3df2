// sqs_random_test.cpp — a seeded randomized run of the sqs driver: random messages (each with a script of answers:
// statuses, no answer, pause-seconds), capacity changes, a source disabled and enabled, a source redefined and
// fake time moving, checked against: no message deleted without a 200, never more messages in flight than the
// pollers' total concurrency (nor than a source's maxConcurrency), every message answered 200 eventually deleted,
// the ones never answered 200 never deleted. MAELSTROM_TEST_SEED=<n> replays a run; the seed is in every failure.
// SPDX-License-Identifier: Apache-2.0
#include "sqs_test_support.h"

#include <maelstrom/sdk/errors.h>

#include <cppunit/extensions/HelperMacros.h>

#include <cstdlib>
#include <random>
#include <sstream>
#include <thread>

using namespace std::chrono_literals;
using maelstrom::testing::FakeClock;
using namespace maelstrom::testing::sqs;
namespace sdk = maelstrom::sdk;

namespace {

/// What a message asks of the component: the answers to its successive deliveries (-1 = no answer: the invoker
/// throws Unavailable), 200 once the list is used up unless `poison` (then it is never answered 200), and a pause
/// asked for with the first answer.
struct Script {
    std::vector<int> statuses;
    bool poison = false;
    int pause = 0;
};

std::string encode(int n, const Script& script) {
    std::ostringstream out;
    out << n << "|" << (script.poison ? 1 : 0) << "|" << script.pause << "|";
    for (std::size_t i = 0; i < script.statuses.size(); ++i) {
        out << (i ? "," : "") << script.statuses[i];
    }
    return out.str();
}

Script decode(const std::string& body) {
    Script script;
    std::istringstream in(body);
    std::string field;
    std::getline(in, field, '|'); // n
    std::getline(in, field, '|');
    script.poison = field == "1";
    std::getline(in, field, '|');
    script.pause = std::stoi(field);
    while (std::getline(in, field, ',')) {
        if (!field.empty()) {
            script.statuses.push_back(std::stoi(field));
        }
    }
    return script;
}

/// The component of a run: answers by script, checks the in-flight bounds at each start.
class Component {
public:
    Component(std::shared_ptr<maelstrom::plugins::sqs::SqsDriver> driver, std::map<std::string, int> maxPerSource)
        : driver_(std::move(driver)), maxPerSource_(std::move(maxPerSource)) {}

    void onStart(const std::atomic<int>& inFlightNow, const sdk::InvokeRequest& request) {
        // The bound before and after the count: a poller reaped (or started) between two reads must not make a
        // count taken at one moment look too high against a bound taken at another.
        const int before = driver_->concurrencyInUse();
        const int inFlight = inFlightNow.load();
        const int bound = std::max(before, driver_->concurrencyInUse());
        std::lock_guard lock(mutex_);
        if (inFlight > bound) {
            violations_.push_back("in flight " + std::to_string(inFlight) + " > pollers' concurrency " +
                                  std::to_string(bound) + " (" + request.body + ")");
        }
        const int perSource = ++inFlightBySource_[request.eventSourceName];
        if (perSource > maxPerSource_.at(request.eventSourceName)) {
            violations_.push_back("source " + request.eventSourceName + " has " + std::to_string(perSource) +
                                  " in flight");
        }
    }

    sdk::InvokeResponse handle(const sdk::InvokeRequest& request) {
        const auto script = decode(request.body);
        int status = 200;
        int delivery = 0;
        {
            std::lock_guard lock(mutex_);
            delivery = ++deliveries_[request.body];
            if (script.poison) {
                status = delivery % 2 ? 500 : -1;
            } else if (delivery <= static_cast<int>(script.statuses.size())) {
                status = script.statuses[delivery - 1];
            }
            if (status == 200) {
                ++answered200_[request.body];
            }
            --inFlightBySource_[request.eventSourceName];
        }
        if (status < 0) {
            throw sdk::Unavailable("no answer (scripted)");
        }
        return answer(status, delivery == 1 ? script.pause : 0);
    }

    void onDelete(const std::string& body) {
        std::lock_guard lock(mutex_);
        if (answered200_[body] == 0) {
            violations_.push_back("deleted without a 200: " + body);
        }
    }

    std::vector<std::string> violations() const {
        std::lock_guard lock(mutex_);
        return violations_;
    }

private:
    std::shared_ptr<maelstrom::plugins::sqs::SqsDriver> driver_;
    const std::map<std::string, int> maxPerSource_;
    mutable std::mutex mutex_;
    std::map<std::string, int> deliveries_;
    std::map<std::string, int> answered200_;
    std::map<std::string, int> inFlightBySource_;
    std::vector<std::string> violations_;
};

} // namespace

class SqsRandomTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SqsRandomTest);
    CPPUNIT_TEST(testRandomTraffic);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRandomTraffic() {
        std::uint64_t seed = std::random_device{}();
        if (const char* fixed = std::getenv("MAELSTROM_TEST_SEED")) {
            seed = std::strtoull(fixed, nullptr, 10);
        }
        for (std::uint64_t run = 0; run < 3; ++run) {
            runOnce(seed + run);
        }
    }

private:
    static void runOnce(std::uint64_t seed) {
        const std::string tag = "seed " + std::to_string(seed) + " (MAELSTROM_TEST_SEED=" + std::to_string(seed) + ")";
        std::mt19937_64 random(seed);
        const auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };

        FakeClock clock;
        FakeSqs sqs(clock);
        RoleTable table(clock);
        auto capacity = std::make_shared<FakeCapacity>();
        SqsNode node("a", clock, sqs, table, capacity);
        const std::vector<std::string> queues{"alpha-1", "alpha-2", "alpha-3", "beta"};
        for (const auto& queue : queues) {
            sqs.createQueue(queue);
        }
        auto alpha = sqsSource("alpha", "alpha-", true, "/alpha", "proj_alpha");
        alpha.sqs->maxConcurrency = 6;
        alpha.sqs->visibilityTimeout = 5;
        auto beta = sqsSource("beta", "beta", false, "/beta", "proj_beta");
        beta.sqs->maxConcurrency = 3;
        beta.sqs->messagesPerPoll = 2;
        beta.sqs->visibilityTimeout = 4;

        Component component(node.driver, {{"alpha", 6}, {"beta", 3}});
        std::mutex bodiesMutex;
        std::map<std::string, std::string> bodyOf; ///< message id → body
        node.invoker->setOnStart(
            [&](int, const sdk::InvokeRequest& request) { component.onStart(node.invoker->inFlight, request); });
        node.invoker->setHandler([&](const sdk::InvokeRequest& request) { return component.handle(request); });
        sqs.onDelete([&](const std::string& id, const std::string&) {
            std::string body;
            {
                std::lock_guard lock(bodiesMutex);
                body = bodyOf.at(id);
            }
            component.onDelete(body);
        });

        bool betaEnabled = true;
        const auto publish = [&] {
            std::vector<sdk::EventSource> sources{alpha};
            if (betaEnabled) {
                sources.push_back(beta);
            }
            node.driver->update(sources);
        };
        publish();

        std::vector<std::pair<std::string, Script>> sent; ///< id, script
        int next = 0;
        for (int step = 0; step < 150; ++step) {
            const int action = pick(0, 99);
            if (action < 35) {
                const auto& queue = queues[pick(0, static_cast<int>(queues.size()) - 1)];
                for (int i = pick(1, 5); i > 0; --i) {
                    Script script;
                    script.poison = pick(0, 9) == 0;
                    for (int k = pick(0, 2); k > 0 && !script.poison; --k) {
                        const int codes[] = {500, 503, 202, 404, -1};
                        script.statuses.push_back(codes[pick(0, 4)]);
                    }
                    script.pause = pick(0, 7) == 0 ? pick(1, 3) : 0;
                    const auto body = encode(next++, script);
                    std::lock_guard lock(bodiesMutex); // the hook may run before send() returns the id
                    const auto id = sqs.send(queue, body);
                    bodyOf[id] = body;
                    sent.emplace_back(id, script);
                }
            } else if (action < 50) {
                capacity->set(pick(0, 1) ? "proj_alpha" : "proj_beta", pick(0, 8));
            } else if (action < 58) {
                betaEnabled = !betaEnabled;
                publish();
            } else if (action < 63) {
                alpha.sqs->messagesPerPoll = pick(0, 4);
                alpha.sqs->concurrencyPerPoller = pick(0, 3);
                publish();
            } else {
                clock.advance(std::chrono::milliseconds(pick(0, 3000)));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(pick(0, 8)));
            const auto violations = component.violations();
            CPPUNIT_ASSERT_MESSAGE(tag + ": " + (violations.empty() ? "" : violations.front()), violations.empty());
        }

        // Settle: both sources on, time moving until every message that will get a 200 got it and was deleted.
        betaEnabled = true;
        publish();
        const auto allDone = [&] {
            for (const auto& [id, script] : sent) {
                if (!script.poison && !sqs.deleted(id)) {
                    return false;
                }
            }
            return true;
        };
        const bool settled = clock.advanceUntil(allDone, 500ms);
        std::size_t missing = 0;
        std::string firstMissing;
        for (const auto& [id, script] : sent) {
            if (!script.poison && !sqs.deleted(id)) {
                ++missing;
                firstMissing = firstMissing.empty() ? id : firstMissing;
            }
            CPPUNIT_ASSERT_MESSAGE(tag + ": poison message " + id + " was deleted", !script.poison || !sqs.deleted(id));
        }
        CPPUNIT_ASSERT_MESSAGE(tag + ": " + std::to_string(missing) + " message(s) answered 200 not deleted, e.g. " +
                                   firstMissing + "\n" + node.logLines.dump(),
                               settled);
        const auto violations = component.violations();
        CPPUNIT_ASSERT_MESSAGE(tag + ": " + (violations.empty() ? "" : violations.front()), violations.empty());
        CPPUNIT_ASSERT_MESSAGE(tag, node.invoker->maxInFlight.load() <= 9);
        node.driver->shutdown();
        CPPUNIT_ASSERT_MESSAGE(tag, node.driver->concurrencyInUse() == 0);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqsRandomTest);
