// log_bridge.cpp — see log_bridge.h.
// SPDX-License-Identifier: Apache-2.0
#include "logs/log_bridge.h"

#include <Poco/Logger.h>
#include <maelstrom/sdk/clock.h>

namespace maelstrom::core {

LogBridge::LogBridge(std::shared_ptr<sdk::ContainerRuntime> runtime, Wanted wanted, std::ostream& out,
                     std::chrono::milliseconds pollInterval)
    : out_(out) {
    FollowerOptions options;
    // Containers that start later have every line after this moment; adopted ones are not replayed.
    options.sinceMillis = sdk::unixMillis();
    options.pollInterval = pollInterval;
    options.owner = "logdriver maelstrom";
    followers_ = std::make_unique<ContainerLogFollowers>(
        std::move(runtime), std::move(wanted),
        [this](const FollowedLine& line) {
            std::string text = "componentlog " + line.component + " - " + line.text + "\n";
            std::lock_guard lock(outMutex_);
            out_.write(text.data(), static_cast<std::streamsize>(text.size()));
            out_.flush();
        },
        options);
}

LogBridge::~LogBridge() { stop(); }

void LogBridge::start() {
    try {
        followers_->followRunning();
    } catch (const std::exception& e) {
        Poco::Logger::get("maelstrom.logs")
            .warning(std::string("logdriver maelstrom: cannot list containers yet (retrying): ") + e.what());
    }
    followers_->startPolling();
}

void LogBridge::stop() { followers_->stop(); }

} // namespace maelstrom::core
