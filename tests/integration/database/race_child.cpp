// race_child.cpp — helper process of the role-lease race test (database_race_test.cpp): loads the database
// plugin, runs several threads that race for one role until a deadline, and appends every lease period it held
// to a shared log ("<node> <start ms> <end ms>" per line, O_APPEND so lines from both processes interleave
// whole). A holder's period starts when acquireOrRenewRole returned and ends at the earlier of its expiry and
// the moment it began releasing. Exit code 0 when no call failed.
// Usage: database-race-child <engine> <log file> <process tag> <seconds> <threads>
// SPDX-License-Identifier: Apache-2.0
#include "db_test_common.h"

#include <maelstrom/sdk/errors.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

namespace tdb = maelstrom::testing::db;

namespace {
std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}
} // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: database-race-child <engine> <log> <tag> <seconds> <threads>\n";
        return 2;
    }
    try {
        const auto engine = tdb::engineFromName(argv[1]);
        const std::string tag = argv[3];
        const int seconds = std::stoi(argv[4]);
        const int threadCount = std::stoi(argv[5]);
        const int fd = ::open(argv[2], O_WRONLY | O_APPEND | O_CREAT, 0644);
        if (fd < 0) {
            std::cerr << "cannot open " << argv[2] << "\n";
            return 2;
        }
        const std::filesystem::path pluginDir = MAELSTROM_TEST_PLUGIN_DIR;
        maelstrom::sdk::RawSettings raw; // the same database as the parent (env DSNs, or the SQLite path)
        const char* sqlitePath = std::getenv("MAELSTROM_TEST_SQLITE_PATH");
        tdb::TestDatabase target(engine, pluginDir);
        raw = target.settings();
        if (engine == tdb::Engine::Sqlite)
            raw.scalars["path"] = sqlitePath ? sqlitePath : "";
        auto store = tdb::createDatabase(pluginDir, tdb::pluginName(engine), raw);
        std::atomic<int> errors{0}, held{0};
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        std::vector<std::thread> threads;
        for (int t = 0; t < threadCount; ++t) {
            threads.emplace_back([&, t] {
                const std::string me = tag + "-t" + std::to_string(t);
                while (std::chrono::steady_clock::now() < deadline) {
                    try {
                        const auto lease = store->acquireOrRenewRole("race-role", me, 60);
                        if (!lease.acquired)
                            continue;
                        const std::int64_t start = nowMs();
                        // sometimes outlive the lease (the next holder takes over after expiry), sometimes release
                        std::this_thread::sleep_for(std::chrono::milliseconds(t % 3 == 0 ? 80 : 3));
                        const std::int64_t releasing = nowMs();
                        store->releaseRole("race-role", me);
                        const std::string line = me + " " + std::to_string(start) + " " +
                                                 std::to_string(std::min(lease.expiresAt, releasing)) + "\n";
                        if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
                            ++errors;
                        ++held;
                    } catch (const std::exception& e) {
                        std::cerr << me << ": " << e.what() << "\n";
                        ++errors;
                    }
                }
            });
        }
        for (auto& th : threads)
            th.join();
        store->shutdown();
        ::close(fd);
        std::cout << tag << ": held " << held.load() << " leases, " << errors.load() << " errors\n";
        return errors.load() == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "race child: " << e.what() << "\n";
        return 1;
    }
}
