// database_race_test.cpp — role leases under real concurrency: two processes (database-race-child) with
// several threads each race for the same role against one database; their shared log of lease periods must
// never show two holders at once. Run per engine (database-race-sqlite, -mysql, -postgres).
// SPDX-License-Identifier: Apache-2.0
#include "db_test_common.h"

#include "test_support.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

using namespace maelstrom::testing;
namespace tdb = maelstrom::testing::db;

class DatabaseRaceTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DatabaseRaceTest);
    CPPUNIT_TEST(testTwoProcessesNeverHoldARoleAtOnce);
    CPPUNIT_TEST_SUITE_END();

public:
    void testTwoProcessesNeverHoldARoleAtOnce() {
        const auto engine = tdb::engineFromEnv();
        tdb::TestDatabase db(engine, pluginDir());
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(db.available(&why), std::string(tdb::pluginName(engine)) + ": " + why);
        db.wipe();
        db.open()->shutdown(); // migrate once; the children then start against a ready schema
        TempDir dir;
        const auto log = dir.path() / "leases.log";
        std::map<std::string, std::string> env;
        env["MAELSTROM_TEST_SQLITE_PATH"] = db.sqlitePath().string();
        const std::string child = (buildDir() / "tests/bin/database-race-child").string();
        auto run = [&](const std::string& tag) {
            return runProcess({child, tdb::pluginName(engine), log.string(), tag, "4", "4"}, env,
                              std::chrono::seconds(120));
        };
        ProcessResult r1, r2;
        std::thread other([&] { r2 = run("procB"); });
        r1 = run("procA");
        other.join();
        CPPUNIT_ASSERT_MESSAGE(r1.out + r1.err, r1.exitCode == 0);
        CPPUNIT_ASSERT_MESSAGE(r2.out + r2.err, r2.exitCode == 0);
        std::cerr << r1.out << r2.out;

        struct Period {
            std::string node;
            long long start, end;
        };
        std::vector<Period> periods;
        std::ifstream in(log);
        std::string line;
        std::set<std::string> procs;
        while (std::getline(in, line)) {
            std::istringstream ss(line);
            Period p;
            ss >> p.node >> p.start >> p.end;
            CPPUNIT_ASSERT_MESSAGE(line, !ss.fail());
            periods.push_back(p);
            procs.insert(p.node.substr(0, 5));
        }
        CPPUNIT_ASSERT_MESSAGE("both processes held the role at some point", procs.size() == 2);
        CPPUNIT_ASSERT(std::count_if(periods.begin(), periods.end(), [](const Period& p) { return p.end > p.start; }) >
                       10);
        std::sort(periods.begin(), periods.end(), [](const Period& a, const Period& b) { return a.start < b.start; });
        long long maxEnd = 0;
        std::string maxNode;
        for (const auto& p : periods) {
            if (p.end <= p.start)
                continue; // the lease ran out before the call returned: never held
            if (p.start < maxEnd && p.node != maxNode) {
                CPPUNIT_FAIL("two holders at once: " + maxNode + " until " + std::to_string(maxEnd) + " and " + p.node +
                             " from " + std::to_string(p.start));
            }
            if (p.end > maxEnd) {
                maxEnd = p.end;
                maxNode = p.node;
            }
        }
        db.wipe();
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DatabaseRaceTest);
