// container_log_followers.h — maelstrom core: follows the logs of this node's running managed containers
// (label maelstrom=true) that a predicate accepts — one thread per container, through
// ContainerRuntime::logs(follow) — and picks up containers that start later by listing them again every poll
// interval. Used by `/_mael/logs` (one set per open stream) and by the `logdriver: maelstrom` bridge.
// SPDX-License-Identifier: Apache-2.0
//
// Bounds: at most maxFollowers follower threads plus one poll thread. A follower ends when its container's log
// stream ends (the container stopped) and its thread is joined on the next poll; a container is followed at most
// once while it stays listed, so a broken stream is not replayed.
// Threads: followRunning()/startPolling()/stop() from one owner thread; the sink and the predicate are called on
// follower threads and on the poll thread (concurrently: they must be thread-safe). stop() requests every
// follower to stop and joins all threads; a sink blocked in the owner's code must be released by the owner first.
#pragma once

#include <maelstrom/sdk/container_runtime.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace maelstrom::core {

struct FollowedLine {
    std::string component;
    std::string containerId;
    bool stderrStream = false;
    std::string text; ///< one line, without its newline
};

struct FollowerOptions {
    std::int64_t sinceMillis = 0;                 ///< passed to every follower (0 = the whole log)
    std::chrono::milliseconds pollInterval{1000}; ///< how often containers started later are looked for
    std::size_t maxFollowers = 256;               ///< containers followed at once; more are skipped (logged)
    std::string owner = "logs";                   ///< names the user in log messages
};

class ContainerLogFollowers {
public:
    using Accept = std::function<bool(const sdk::ContainerSummary&)>;
    using Sink = std::function<void(const FollowedLine&)>;

    ContainerLogFollowers(std::shared_ptr<sdk::ContainerRuntime> runtime, Accept accept, Sink sink,
                          FollowerOptions options);
    ~ContainerLogFollowers();
    ContainerLogFollowers(const ContainerLogFollowers&) = delete;
    ContainerLogFollowers& operator=(const ContainerLogFollowers&) = delete;

    /// Lists the running managed containers now and follows the accepted ones.
    /// @throws what ContainerRuntime::listManaged throws (nothing is followed then).
    void followRunning();
    /// Starts the poll thread: every pollInterval, lists again, follows new accepted containers, joins finished
    /// followers. A failing list is logged (once per run of failures) and retried on the next poll.
    void startPolling();
    /// Stops polling and every follower, joins all threads. Idempotent.
    void stop();

    /// Follower threads currently running.
    std::size_t following() const;

private:
    struct Follower {
        std::jthread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };

    void follow(const std::vector<sdk::ContainerSummary>& running); // m_ held
    std::size_t countRunning() const;                               // m_ held
    void pollLoop(std::stop_token stop);

    std::shared_ptr<sdk::ContainerRuntime> runtime_;
    Accept accept_;
    Sink sink_;
    FollowerOptions options_;

    mutable std::mutex m_;
    std::map<std::string, Follower> followers_; ///< by container id; guarded by m_
    bool stopped_ = false;                      ///< guarded by m_
    bool warnedFull_ = false;                   ///< guarded by m_
    std::jthread poller_;
    std::condition_variable_any wake_;
};

} // namespace maelstrom::core
