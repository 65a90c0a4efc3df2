// log_bridge.h — maelstrom core: the `logdriver: maelstrom` pseudo log driver. The
// container keeps Docker's default logging; maelstromd follows the stdout and stderr of every running managed
// container whose component asks for it and prints each line to its own stdout as
// `componentlog <component> - <line>`.
// SPDX-License-Identifier: Apache-2.0
//
// Which containers: those the `wanted` predicate accepts (the daemon checks the component's docker.logDriver),
// found by listing the running managed containers every poll interval, so containers started by anyone (the
// lifecycle, or adopted after a restart) are bridged without being handed over. Lines from before start() are
// not printed (no replay of an adopted container's history); a container started later is printed from its
// first line. Unlike the reference, no bytes are cut from a line (it dropped 8, meaning to skip Docker's frame
// header).
// Threads: start()/stop() from the daemon's main thread; one poll thread plus one follower per bridged
// container; `wanted` runs on the poll thread; lines are written whole under a lock and flushed.
#pragma once

#include "logs/container_log_followers.h"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>

namespace maelstrom::core {

class LogBridge {
public:
    using Wanted = std::function<bool(const sdk::ContainerSummary&)>;

    LogBridge(std::shared_ptr<sdk::ContainerRuntime> runtime, Wanted wanted, std::ostream& out,
              std::chrono::milliseconds pollInterval = std::chrono::seconds(1));
    ~LogBridge();
    LogBridge(const LogBridge&) = delete;
    LogBridge& operator=(const LogBridge&) = delete;

    /// Starts following (a runtime that cannot be listed now is retried on every poll; never throws for that).
    void start();
    /// Stops and joins every thread. Idempotent.
    void stop();

private:
    std::ostream& out_;
    std::mutex outMutex_;
    std::unique_ptr<ContainerLogFollowers> followers_;
};

} // namespace maelstrom::core
