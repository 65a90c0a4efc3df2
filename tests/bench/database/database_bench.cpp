// database_bench.cpp — database plugin benchmark (not a ctest test; run from a Release build):
// on each engine, puts 1,000 components and 1,000 HTTP event sources one call each, lists them all in pages,
// then grows the table to 10,000 enabled HTTP event sources (plus cron and disabled ones) and lists the enabled
// HTTP ones, page by page, as the gateway's resolver does. Prints each figure next to its target.
//   database-bench [sqlite] [mysql] [postgres]     (default: all three; servers as for the tests, env
//                                                  MAELSTROM_TEST_MYSQL_DSN / MAELSTROM_TEST_POSTGRES_DSN)
// The server tables are dropped and recreated: point it at a test database only.
// SPDX-License-Identifier: Apache-2.0
#include "db_test_common.h"

#include <maelstrom/sdk/errors.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <vector>

using namespace maelstrom;
namespace tdb = maelstrom::testing::db;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string num(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%05d", i);
    return buf;
}

sdk::Component component(int i) {
    sdk::Component c;
    c.name = "bench-c-" + num(i);
    c.projectName = "bench";
    c.maxConcurrency = 4;
    c.environment = {{"MODE", "bench"}, {"INDEX", std::to_string(i)}};
    c.docker = sdk::DockerComponent{};
    c.docker->image = "registry.local/bench/app:1." + std::to_string(i);
    c.docker->httpPort = 8080;
    c.docker->httpHealthCheckPath = "/health";
    c.docker->reserveMemoryMiB = 128;
    return c;
}

sdk::EventSource http(int i, const std::string& comp) {
    sdk::EventSource e;
    e.name = "bench-e-" + num(i);
    e.componentName = comp;
    e.projectName = "bench";
    e.http = sdk::HttpEventSource{"host" + std::to_string(i) + ".example.org", "/api/" + std::to_string(i), false};
    return e;
}

struct Figures {
    bool ran = false;
    double componentPutsPerSec = 0, sourcePutsPerSec = 0, allPutsPerSec = 0;
    double listAllMs = 0;
    double listEnabledBestMs = 0, listEnabledMedianMs = 0;
    std::size_t enabledCount = 0;
};

Figures bench(tdb::Engine engine) {
    Figures f;
    tdb::TestDatabase db(engine, MAELSTROM_TEST_PLUGIN_DIR);
    std::string why;
    if (!db.available(&why)) {
        std::cout << tdb::pluginName(engine) << ": SKIPPED (server not reachable: " << why << ")\n";
        return f;
    }
    db.wipe();
    auto store = db.open();
    constexpr int kCount = 1000;

    auto t0 = Clock::now();
    for (int i = 0; i < kCount; ++i)
        store->putComponent(component(i));
    const double componentsMs = msSince(t0);
    t0 = Clock::now();
    for (int i = 0; i < kCount; ++i)
        store->putEventSource(http(i, "bench-c-" + num(i)));
    const double sourcesMs = msSince(t0);
    f.componentPutsPerSec = kCount / (componentsMs / 1000.0);
    f.sourcePutsPerSec = kCount / (sourcesMs / 1000.0);
    f.allPutsPerSec = 2 * kCount / ((componentsMs + sourcesMs) / 1000.0);

    // list everything in pages of 100
    t0 = Clock::now();
    std::size_t listed = 0;
    for (sdk::PageRequest page{100, ""};;) {
        auto p = store->listComponents({}, page);
        listed += p.items.size();
        if (p.nextToken.empty())
            break;
        page.nextToken = p.nextToken;
    }
    for (sdk::PageRequest page{100, ""};;) {
        auto p = store->listEventSources({}, page);
        listed += p.items.size();
        if (p.nextToken.empty())
            break;
        page.nextToken = p.nextToken;
    }
    f.listAllMs = msSince(t0);
    if (listed != 2 * kCount)
        throw std::runtime_error("listed " + std::to_string(listed) + " rows, expected 2000");

    // grow to 10,000 enabled HTTP event sources, plus 1,000 cron and 1,000 disabled HTTP ones
    for (int start = kCount; start < 12000; start += 500) {
        sdk::ProjectChanges changes;
        for (int i = start; i < start + 500; ++i) {
            sdk::EventSource e = http(i, "bench-c-" + num(i % kCount));
            if (i >= 11000) {
                e.name = "bench-cron-" + num(i);
                e.http.reset();
                e.cron = sdk::CronEventSource{};
                e.cron->schedule = "@every 1m";
                e.cron->http.method = "GET";
                e.cron->http.path = "/tick";
            } else if (i >= 10000) {
                e.name = "bench-off-" + num(i);
            }
            changes.putEventSources.push_back(std::move(e));
        }
        store->applyProjectChanges(changes);
    }
    sdk::EventSourceFilter off;
    off.namePrefix = "bench-off-";
    store->toggleEventSources(off, false);

    sdk::EventSourceFilter enabledHttp;
    enabledHttp.type = sdk::EventSourceType::Http;
    enabledHttp.enabled = true;
    std::vector<double> runs;
    for (int r = 0; r < 7; ++r) {
        t0 = Clock::now();
        std::size_t n = 0;
        for (sdk::PageRequest page{1000, ""};;) {
            auto p = store->listEventSources(enabledHttp, page);
            n += p.items.size();
            if (p.nextToken.empty())
                break;
            page.nextToken = p.nextToken;
        }
        runs.push_back(msSince(t0));
        f.enabledCount = n;
    }
    std::sort(runs.begin(), runs.end());
    f.listEnabledBestMs = runs.front();
    f.listEnabledMedianMs = runs[runs.size() / 2];
    store->shutdown();
    db.wipe();
    f.ran = true;
    return f;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<tdb::Engine> engines;
    for (int i = 1; i < argc; ++i)
        engines.push_back(tdb::engineFromName(argv[i]));
    if (engines.empty())
        engines = {tdb::Engine::Sqlite, tdb::Engine::Mysql, tdb::Engine::Postgres};
    bool allMet = true;
    for (auto engine : engines) {
        Figures f;
        try {
            f = bench(engine);
        } catch (const std::exception& e) {
            std::cout << tdb::pluginName(engine) << ": FAILED: " << e.what() << "\n";
            allMet = false;
            continue;
        }
        if (!f.ran)
            continue;
        const double putTarget = engine == tdb::Engine::Sqlite ? 2000 : 500;
        const bool putsOk = f.allPutsPerSec >= putTarget;
        const bool listOk = f.listEnabledMedianMs <= 100;
        allMet = allMet && putsOk && listOk;
        std::printf("%s\n", tdb::pluginName(engine));
        std::printf("  put 1000 components, one call each          %8.0f puts/s\n", f.componentPutsPerSec);
        std::printf("  put 1000 HTTP event sources, one call each  %8.0f puts/s\n", f.sourcePutsPerSec);
        std::printf("  all 2000 puts                               %8.0f puts/s   (target >= %.0f) %s\n",
                    f.allPutsPerSec, putTarget, putsOk ? "OK" : "MISSED");
        std::printf("  list 2000 rows in pages of 100              %8.1f ms\n", f.listAllMs);
        std::printf("  list %zu enabled HTTP event sources         %8.1f ms median, %.1f ms best of 7"
                    "   (target <= 100 ms) %s\n",
                    f.enabledCount, f.listEnabledMedianMs, f.listEnabledBestMs, listOk ? "OK" : "MISSED");
    }
    return allMet ? 0 : 1;
}
