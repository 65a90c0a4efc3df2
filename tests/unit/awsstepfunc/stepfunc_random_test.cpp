// stepfunc_random_test.cpp — a seeded randomized run of two awsstepfunc nodes sharing roles on one fake Step
// Functions service: tasks with random outcomes (status, body, failure headers, no answer, slow answers that need
// heartbeats, tasks that timed out already), random poll failures, sources disabled and enabled again, handler
// counts changing, nodes restarted. The model: every task that has not timed out gets exactly one result, the one
// its answer calls for; a timed-out one gets none accepted. A failure prints the seed (MAELSTROM_TEST_SEED
// replays it).
// SPDX-License-Identifier: Apache-2.0
#include "stepfunc_test_support.h"
#include "test_support.h"

#include <maelstrom/sdk/errors.h>

#include <cppunit/extensions/HelperMacros.h>

#include <map>
#include <random>
#include <thread>

using namespace std::chrono_literals;
using maelstrom::plugins::awsstepfunc::TaskReport;
using maelstrom::sdk::InvokeRequest;
using maelstrom::sdk::InvokeResponse;
using namespace maelstrom::testing::stepfunc;

namespace {

/// What the component does with task `id`.
struct Outcome {
    int status = 200; ///< 0: no answer (Unavailable)
    int body = 0;     ///< 0 JSON, 1 text, 2 empty
    int headers = 0;  ///< 0 none, 1 error only, 2 both, 3 both too long
    int delayMs = 0;
    bool expired = false; ///< the task timed out before it was taken
};

Outcome randomOutcome(std::mt19937_64& random) {
    Outcome o;
    const auto pick = random() % 100;
    o.status = pick < 50 ? 200 : pick < 65 ? 500 : pick < 75 ? 404 : pick < 85 ? 503 : pick < 92 ? 418 : 0;
    o.body = static_cast<int>(random() % 3);
    o.headers = static_cast<int>(random() % 4);
    o.delayMs = random() % 10 == 0 ? 250 + static_cast<int>(random() % 200) : static_cast<int>(random() % 30);
    o.expired = random() % 20 == 0;
    return o;
}

std::string bodyFor(int id, const Outcome& o) {
    switch (o.body) {
    case 0:
        return "{\"id\":" + std::to_string(id) + ",\"done\":[true,null]}";
    case 1:
        return "text for " + std::to_string(id);
    default:
        return "";
    }
}

std::string errorFor(int id, const Outcome& o) {
    return o.headers == 3 ? std::string(300, 'E') + std::to_string(id) : "Err" + std::to_string(id);
}

std::string causeFor(int id, const Outcome& o) {
    return o.headers == 3 ? std::string(33'000, 'c') + std::to_string(id) : "cause " + std::to_string(id);
}

InvokeResponse respond(int id, const Outcome& o) {
    if (o.delayMs > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(o.delayMs));
    }
    if (o.status == 0) {
        throw maelstrom::sdk::Unavailable("no answer for " + std::to_string(id));
    }
    InvokeResponse response;
    response.status = o.status;
    response.body = bodyFor(id, o);
    if (o.status != 200 && o.headers >= 1) {
        response.headers.push_back({id % 2 ? "Step-Func-Error" : "step-func-error", errorFor(id, o)});
    }
    if (o.status != 200 && o.headers >= 2) {
        response.headers.push_back({id % 3 ? "STEP-FUNC-CAUSE" : "step-func-cause", causeFor(id, o)});
    }
    return response;
}

/// The model's result, computed without the driver's helpers.
TaskReport expected(int id, const Outcome& o) {
    if (o.status == 0) {
        return {false,
                {},
                "maelstrom_unavailable",
                maelstrom::sdk::Unavailable("no answer for " + std::to_string(id)).what()};
    }
    if (o.status == 200) {
        const auto body = bodyFor(id, o);
        return {true, o.body == 0 ? body : "\"" + body + "\"", {}, {}};
    }
    TaskReport r{
        false, {}, "maelstrom_" + std::to_string(o.status), "maelstrom error: status " + std::to_string(o.status)};
    if (o.headers >= 1) {
        r.error = errorFor(id, o).substr(0, 256);
    }
    if (o.headers >= 2) {
        r.cause = causeFor(id, o).substr(0, 32'768);
    }
    return r;
}

int idOf(const std::string& input) {
    const auto colon = input.find(':');
    return std::stoi(input.substr(colon + 1));
}

} // namespace

class StepFuncRandomTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(StepFuncRandomTest);
    CPPUNIT_TEST(testEveryTaskReportsOnceAsItsAnswerSays);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEveryTaskReportsOnceAsItsAnswerSays() {
        const std::uint64_t seed = maelstrom::testing::testSeed();
        const std::string where = " (seed " + std::to_string(seed) + ")";
        std::mt19937_64 random(seed);

        FakeCloud cloud;
        RoleTable roles;
        const auto arn = cloud.addActivity("act");
        cloud.pollWaitMillis = 50;
        cloud.failPollsRandomly(0.05, seed);

        std::map<int, Outcome> outcomes; // written before the task is queued, read by the invoker
        std::mutex outcomesMutex;
        auto invoker = std::make_shared<ScriptedInvoker>();
        invoker->setHandler([&](const InvokeRequest& request) {
            const int id = idOf(request.body);
            Outcome o;
            {
                std::lock_guard lock(outcomesMutex);
                o = outcomes.at(id);
            }
            return respond(id, o);
        });

        auto settings = fastSettings();
        settings.reloadEvery = 100ms;
        settings.errorBackoff = 50ms;
        settings.heartbeatEvery = std::chrono::milliseconds(30 + random() % 170);
        const auto source = stepSource("es", "act", "/task", 1 + static_cast<std::int64_t>(random() % 4),
                                       1 + static_cast<std::int64_t>(random() % 3));

        std::vector<std::unique_ptr<Node>> nodes(2);
        std::vector<bool> enabled(2, true);
        auto startNode = [&](std::size_t i) {
            nodes[i] = std::make_unique<Node>("n" + std::to_string(i), cloud, roles, settings, invoker);
            nodes[i]->capacity->set("proj_worker", static_cast<int>(random() % 5));
            if (enabled[i]) {
                nodes[i]->driver->update({source});
            }
        };
        startNode(0);
        startNode(1);

        std::map<std::string, int> tokens; // token → id
        int nextId = 0;
        for (int step = 0; step < 40; ++step) {
            const auto add = random() % 4;
            for (std::uint64_t k = 0; k < add; ++k) {
                const int id = nextId++;
                const auto o = randomOutcome(random);
                {
                    std::lock_guard lock(outcomesMutex);
                    outcomes[id] = o;
                }
                const auto token = cloud.addTask(arn, "{\"id\":" + std::to_string(id) + "}");
                if (o.expired) {
                    cloud.expire(token);
                }
                tokens[token] = id;
            }
            const auto pick = random() % 100;
            const std::size_t i = random() % nodes.size();
            if (pick < 15) {
                enabled[i] = !enabled[i];
                nodes[i]->driver->update(enabled[i] ? std::vector{source} : std::vector<maelstrom::sdk::EventSource>{});
            } else if (pick < 25) {
                nodes[i]->capacity->set("proj_worker", static_cast<int>(random() % 6));
            } else if (pick < 30) {
                nodes[i].reset(); // tasks in progress finish and report before it returns
                startNode(i);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20 + random() % 60));
        }
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            enabled[i] = true;
            nodes[i]->driver->update({source});
        }

        auto settled = [&] {
            for (const auto& [token, id] : tokens) {
                const bool expired = outcomes.at(id).expired;
                if (expired ? cloud.lateReportsOf(token) == 0 : cloud.reportsOf(token).empty()) {
                    return false;
                }
            }
            return true;
        };
        CPPUNIT_ASSERT_MESSAGE("not every task reported within 30 s" + where, eventually(settled, 30s));
        std::this_thread::sleep_for(300ms); // room for a duplicate to show up
        CPPUNIT_ASSERT_EQUAL_MESSAGE("tasks left" + where, std::size_t{0}, cloud.queued());
        for (const auto& [token, id] : tokens) {
            const auto& o = outcomes.at(id);
            const auto reports = cloud.reportsOf(token);
            const std::string what = " for task " + std::to_string(id) + where;
            if (o.expired) {
                CPPUNIT_ASSERT_MESSAGE("a timed-out task's result was accepted" + what, reports.empty());
                CPPUNIT_ASSERT_EQUAL_MESSAGE("results sent" + what, 1, cloud.lateReportsOf(token));
                continue;
            }
            CPPUNIT_ASSERT_EQUAL_MESSAGE("results" + what, std::size_t{1}, reports.size());
            const auto want = expected(id, o);
            const auto& got = reports[0].report;
            CPPUNIT_ASSERT_EQUAL_MESSAGE("success" + what, want.success, got.success);
            CPPUNIT_ASSERT_EQUAL_MESSAGE("output" + what, want.output, got.output);
            CPPUNIT_ASSERT_EQUAL_MESSAGE("error" + what, want.error, got.error);
            CPPUNIT_ASSERT_MESSAGE("cause" + what, want.cause == got.cause);
            if (o.delayMs >= 250 && settings.heartbeatEvery <= 100ms && !o.expired) {
                CPPUNIT_ASSERT_MESSAGE("no heartbeat for a slow task" + what, cloud.heartbeatsOf(token) >= 1);
            }
        }
        CPPUNIT_ASSERT_MESSAGE("no task ran" + where, !tokens.empty() || nextId == 0);
        for (auto& node : nodes) {
            node.reset();
        }
        CPPUNIT_ASSERT_MESSAGE("roles left held" + where, roles.heldBy("n0").empty() && roles.heldBy("n1").empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StepFuncRandomTest);
