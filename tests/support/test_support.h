// test_support.h — helpers shared by the test suites: where the build put things, temp dirs, running
// processes, and the backend rule (MAELSTROM_REQUIRE_BACKENDS=1 turns "backend missing" into a failure).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cppunit/extensions/HelperMacros.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace maelstrom::testing {

/// <build>/bin, <build>/lib/maelstrom/plugins, the source tree (compile-time paths of this build).
std::filesystem::path binDir();
std::filesystem::path pluginDir();
std::filesystem::path sourceDir();
std::filesystem::path buildDir();

/// A fresh directory under /tmp, removed when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    /// Writes `content` to path()/name and returns the full path.
    std::filesystem::path write(const std::string& name, const std::string& content) const;

private:
    std::filesystem::path path_;
};

struct ProcessResult {
    int exitCode = -1;
    std::string out; ///< stdout
    std::string err; ///< stderr
};

/// Runs argv to completion with extra environment variables, capturing both streams (killed after `timeout`).
ProcessResult runProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
                         std::chrono::seconds timeout = std::chrono::seconds(60));

/// A process running in the background (e.g. maelstromd); killed (SIGTERM, then SIGKILL) on destruction.
class BackgroundProcess {
public:
    BackgroundProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;
    int pid() const { return pid_; }
    /// Sends `signal` and waits for exit; returns the exit code (128+signal if killed by one).
    int stop(int signal, std::chrono::seconds timeout = std::chrono::seconds(20));
    bool running();
    /// What the process wrote so far to stdout+stderr (redirected to a file).
    std::string output() const;

private:
    int pid_ = -1;
    int exitCode_ = -1;
    std::filesystem::path logFile_;
};

/// A TCP port that was free a moment ago on 127.0.0.1.
int freePort();

/// Plain HTTP GET to 127.0.0.1:port; returns the status (or -1 when it cannot connect).
int httpGetStatus(int port, const std::string& path, std::string* body = nullptr);

/// Waits until `probe` returns true or the timeout passes.
bool waitUntil(const std::function<bool()>& probe, std::chrono::milliseconds timeout);

/// True when MAELSTROM_REQUIRE_BACKENDS=1 (tests/run.sh, CI).
bool backendsRequired();

/// The seed of a randomized test: MAELSTROM_TEST_SEED when set (to replay a failure), else a fresh one. A test
/// that uses it names the seed in every failure message.
std::uint64_t testSeed();

} // namespace maelstrom::testing

/// In a test: when `available` is false, fail under MAELSTROM_REQUIRE_BACKENDS=1, else print a skip and return.
#define MAELSTROM_REQUIRE_BACKEND(available, what)                                                                     \
    do {                                                                                                               \
        if (!(available)) {                                                                                            \
            if (::maelstrom::testing::backendsRequired()) {                                                            \
                CPPUNIT_FAIL(std::string("backend missing (MAELSTROM_REQUIRE_BACKENDS=1): ") + (what));                \
            }                                                                                                          \
            std::cerr << "SKIP: backend missing: " << (what) << "\n";                                                  \
            return;                                                                                                    \
        }                                                                                                              \
    } while (0)
