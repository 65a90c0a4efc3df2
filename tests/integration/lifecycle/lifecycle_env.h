// lifecycle_env.h — shared helpers of the container-lifecycle end-to-end tests: a real maelstromd
// (sqlite, docker, round-robin, jsonrpc-http) in a temp data dir, projects put with maelctl, HTTP requests to
// the public port with a Host header, a 1-ms load client, and docker CLI views of the containers maelstromd
// made (by their maelstrom_component label): running ids, versions, the event history. Only external
// behaviour is used: ports, maelctl, the docker CLI and maelstromd's log.
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: Daemon is used from the test thread only; request() and LoadClient may run on any thread.
#pragma once

#include "docker_test_env.h"
#include "test_support.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::testing::lifecycle {

using namespace std::chrono_literals;

struct Reply {
    int status = -1; ///< -1: no HTTP response (see error)
    std::string body;
    std::string error;
    double millis = 0; ///< request sent → whole response read
};
/// GET http://127.0.0.1:port<path> with `Host: host` on a new connection.
Reply request(int port, const std::string& host, const std::string& path, std::chrono::seconds timeout = 60s);

/// A maelstromd process whose data (the SQLite file) lives in `dataDir`, so a second Daemon on the same
/// directory sees the same components. Public port chosen by the OS (read from the log), private port free.
/// With MAELSTROM_TEST_LOG_DIR set, the whole log is written there as maelstromd-<pid>.log when it goes.
/// `env` overrides maelstromd's environment (a key with a leading '-' removes the variable); "{private_port}" in
/// a value stands for the private port chosen (MAEL_PEER_URL=http://127.0.0.1:{private_port}).
/// `runtimeSettings` go under the docker plugin's `settings:` in the registry (e.g. address: container-ip).
/// `eventSources` replaces the registry's `event_sources:` list (its entries, indented by four spaces: "    -
/// plugin: sqs\n      settings: {reload_seconds: 1}\n"); empty: cron alone.
class Daemon {
public:
    explicit Daemon(const std::filesystem::path& dataDir, const std::map<std::string, std::string>& env = {},
                    const std::map<std::string, std::string>& runtimeSettings = {},
                    const std::string& eventSources = "");
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    int publicPort() const { return publicPort_; }
    int privatePort() const { return privatePort_; }
    std::string privateUrl() const { return "http://127.0.0.1:" + std::to_string(privatePort_); }
    int pid() const { return process_->pid(); }
    bool running() { return process_->running(); }
    /// Sends `signal` and waits for the exit code (128+signal when killed).
    int stop(int signal = SIGTERM, std::chrono::seconds timeout = 120s) { return process_->stop(signal, timeout); }

    /// Everything maelstromd wrote (stdout and stderr), and its last `chars` characters (for failure messages).
    std::string log() const { return process_->output(); }
    std::string tail(std::size_t chars = 6000) const;
    /// Waits until the log contains `needle`.
    bool waitForLog(const std::string& needle, std::chrono::milliseconds timeout) const;

    /// Runs maelctl with MAELSTROM_PRIVATE_URL set to this daemon.
    ProcessResult maelctl(const std::vector<std::string>& args, std::chrono::seconds timeout = 60s) const;
    /// Writes `yaml` to a file and runs `maelctl project put --file=...`; fails the test on a non-zero exit.
    void putProject(const std::string& yaml) const;
    /// GetComponent over JSON-RPC: the stored version of `component` (-1 when missing or on error).
    std::int64_t componentVersion(const std::string& component) const;
    /// request() to this daemon's public port.
    Reply request(const std::string& host, const std::string& path, std::chrono::seconds timeout = 60s) const {
        return lifecycle::request(publicPort_, host, path, timeout);
    }

private:
    std::filesystem::path dataDir_;
    int privatePort_ = 0;
    int publicPort_ = 0;
    std::unique_ptr<BackgroundProcess> process_;
};

/// The fixture image under a tag of this process's own ("maelstrom-test/lifecycle:<pid>", removed at exit), so
/// another process rebuilding maelstrom-test/hello-http:1 (a Docker `tag` event) does not make maelstromd
/// replace this test's containers.
std::string lifecycleImage();

/// A project name unique in this process and across runs (≤ 20 chars): `stem` + pid + counter.
std::string uniqueProject(const std::string& stem);

/// YAML of one fixture component (image lifecycleImage(), port 8080, /health, health checks every
/// second) named `key`, reachable at `hostname`. `extra` holds more component keys, one per line, no indent
/// ("idletimeoutseconds: 5").
std::string componentYaml(const std::string& key, const std::string& hostname,
                          const std::vector<std::string>& extra = {});
/// A project: name + the given component blocks.
std::string projectYaml(const std::string& project, const std::vector<std::string>& components);

/// Ids (full) of the containers labelled maelstrom_component=`component`: running ones, or all (exited too).
std::vector<std::string> runningContainers(const std::string& component);
std::vector<std::string> allContainers(const std::string& component);
/// Ids (full) of the containers of `component` in one docker status (created, paused, running, exited...).
std::vector<std::string> containersInStatus(const std::string& component, const std::string& status);
/// allContainers without the one maelstromd keeps created ahead of the next start (status "created").
std::vector<std::string> containersOnceStarted(const std::string& component);
/// The maelstrom_version label of a container ("" when it cannot be inspected).
std::string containerVersionLabel(const std::string& id);
/// True when `id` (full or short) names a running container.
bool containerRunning(const std::string& id);
/// `text` without trailing whitespace (the fixture's /id answer ends with a newline).
std::string trimmed(std::string text);
/// True when `shortId` (e.g. the fixture's /id answer) is a prefix of one of `ids`.
bool containsShortId(const std::vector<std::string>& ids, const std::string& shortId);
/// Removes every container whose maelstrom_component label starts with `<project>_` (force).
void removeProjectContainers(const std::string& project);

/// Removes a project's containers when it goes out of scope (also when the test fails).
class ProjectCleanup {
public:
    explicit ProjectCleanup(std::string project) : project_(std::move(project)) {}
    ~ProjectCleanup() { removeProjectContainers(project_); }
    ProjectCleanup(const ProjectCleanup&) = delete;
    ProjectCleanup& operator=(const ProjectCleanup&) = delete;

private:
    std::string project_;
};

/// Current time as docker events --since/--until understands it (seconds.nanoseconds since the epoch).
std::string dockerTimestamp();
struct DockerEvent {
    std::int64_t timeNano = 0;
    std::string action; ///< create, start, kill, die, stop, destroy, exec_create...
    std::string id;
};
/// The container events of `component` between two dockerTimestamp() values, oldest first.
std::vector<DockerEvent> dockerEvents(const std::string& component, const std::string& since, const std::string& until);

/// A client sending `GET path` with `Host: host` every `interval` on one keep-alive connection (reconnecting
/// after an error), recording each latency and each error, until stop().
class LoadClient {
public:
    LoadClient(int port, std::string host, std::string path = "/", std::chrono::microseconds interval = 1000us);
    ~LoadClient();
    void stop();
    struct Result {
        std::size_t requests = 0;
        std::size_t errors = 0;
        std::vector<double> latenciesMs;       ///< successful requests
        std::vector<std::string> errorSamples; ///< the first few errors
    };
    Result result() const;

private:
    void run(std::stop_token stop);
    int port_;
    std::string host_;
    std::string path_;
    std::chrono::microseconds interval_;
    mutable std::mutex mutex_;
    Result result_;
    std::jthread thread_;
};

/// The p-th percentile (0..1) of `values` (nearest rank; 0 when empty).
double percentile(std::vector<double> values, double p);

/// The whitespace-separated words of `text` (columns of CLI output).
std::vector<std::string> words(const std::string& text);

} // namespace maelstrom::testing::lifecycle
