// cron_random_test.cpp — a seeded randomized run of three cron nodes on one fake database: random time steps,
// nodes cut off from the database and back, nodes killed (role not released) or stopped and restarted, event
// sources added, changed and removed. The model: every (event source, due time) fires at most once in the whole
// cluster, and once the faults end some node fires every tick again within lease + renewal. A failure prints the
// seed (MAELSTROM_TEST_SEED replays it).
// SPDX-License-Identifier: Apache-2.0
#include "cron_test_support.h"
#include "test_support.h"

#include <cppunit/extensions/HelperMacros.h>

#include <map>
#include <random>
#include <set>

using namespace std::chrono_literals;
using maelstrom::testing::FakeClock;
using maelstrom::testing::FakeDatabase;
using namespace maelstrom::testing::cron;

class CronRandomTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CronRandomTest);
    CPPUNIT_TEST(testEachTickAtMostOnceUnderFaults);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEachTickAtMostOnceUnderFaults() {
        const std::uint64_t seed = maelstrom::testing::testSeed();
        const std::string where = " (seed " + std::to_string(seed) + ")";
        std::mt19937_64 random(seed);
        FakeClock clock(kMidnight + static_cast<std::int64_t>(random() % 60'000));
        FakeDatabase db(clock);
        FiringLog log;
        const std::vector<std::string> schedules{"@every 1s", "@every 2s", "@every 3s", "CRON_TZ=UTC * * * * *"};
        std::map<std::string, maelstrom::sdk::EventSource> sources;
        sources["steady"] = cronSource("steady", "@every 1s");
        auto currentSources = [&] {
            std::vector<maelstrom::sdk::EventSource> list;
            for (const auto& [name, es] : sources) {
                list.push_back(es);
            }
            return list;
        };
        std::vector<std::unique_ptr<CronNode>> nodes(3);
        auto startNode = [&](std::size_t i) {
            nodes[i] = std::make_unique<CronNode>("n" + std::to_string(i), clock, db, log);
            nodes[i]->scheduler->update(currentSources());
        };
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            startNode(i);
        }
        for (int step = 0; step < 150; ++step) {
            const auto pick = random() % 100;
            const std::size_t i = random() % nodes.size();
            if (pick < 8) {
                nodes[i]->roles->cut = !nodes[i]->roles->cut; // lose or regain the database
            } else if (pick < 12) {
                nodes[i]->roles->cut = true; // killed: the role is not released, it expires
                nodes[i].reset();
                startNode(i);
            } else if (pick < 16) {
                nodes[i].reset(); // graceful stop (releases the role unless cut off)
                startNode(i);
            } else if (pick < 26) {
                const std::string name = "es" + std::to_string(random() % 4);
                if (sources.count(name) && random() % 2 == 0) {
                    sources.erase(name);
                } else {
                    auto es = cronSource(name, schedules[random() % schedules.size()]);
                    es.version = sources.count(name) ? sources[name].version + 1 : 1;
                    sources[name] = es;
                }
                for (auto& node : nodes) {
                    node->scheduler->update(currentSources());
                }
            }
            const auto by = std::chrono::milliseconds(100 + random() % 1400);
            const auto until = clock.elapsed() + by;
            clock.advanceUntil([&] { return clock.elapsed() >= until; }, 100ms);
            checkAtMostOnce(log, where);
        }
        // Faults end: within lease + renewal some node fires again, and then every tick.
        for (auto& node : nodes) {
            node->roles->cut = false;
        }
        const auto healedAt = clock.unixMillis();
        clock.advanceUntil([&] { return clock.unixMillis() >= healedAt + 30'000; }, 100ms);
        checkAtMostOnce(log, where);
        std::set<std::int64_t> steady;
        for (const auto& f : log.of("steady")) {
            if (*f.request.dueAtUnixMillis >= healedAt + 15'000) {
                steady.insert(*f.request.dueAtUnixMillis);
            }
        }
        CPPUNIT_ASSERT_MESSAGE("ticks of 'steady' in the last 15 s: " + std::to_string(steady.size()) + where,
                               steady.size() >= 13);
    }

private:
    static void checkAtMostOnce(const FiringLog& log, const std::string& where) {
        std::map<std::pair<std::string, std::int64_t>, std::string> seen;
        for (const auto& f : log.all()) {
            const auto key = std::make_pair(f.request.eventSourceName, *f.request.dueAtUnixMillis);
            const auto [it, inserted] = seen.emplace(key, f.node);
            CPPUNIT_ASSERT_MESSAGE(f.request.eventSourceName + " due " + std::to_string(key.second) + " fired by " +
                                       it->second + " and " + f.node + where,
                                   inserted);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CronRandomTest);
