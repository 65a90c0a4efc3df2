// docker_prune_timer.cpp — see docker_prune_timer.h.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/docker_prune_timer.h"

#include <maelstrom/sdk/text.h>

#include <Poco/Logger.h>

#include <condition_variable>
#include <mutex>
#include <set>

namespace maelstrom::core {
namespace {

Poco::Logger& log() { return Poco::Logger::get("maelstrom.prune"); }

// Names listed in the log line of a run, per kind; the rest are counted.
constexpr std::size_t kNamesLogged = 20;

/// "a, b, c" (container ids shortened to 12 characters), at most kNamesLogged of them, then "and N more".
std::string nameList(const std::vector<std::string>& names, bool shortIds) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < kNamesLogged; ++i) {
        out += (i == 0 ? "" : ", ") + (shortIds ? names[i].substr(0, 12) : names[i]);
    }
    if (names.size() > kNamesLogged) {
        out += " and " + std::to_string(names.size() - kNamesLogged) + " more";
    }
    return out;
}

std::string minutesText(std::chrono::milliseconds period) {
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(period).count();
    if (std::chrono::minutes(minutes) == period) {
        return std::to_string(minutes) + " min";
    }
    return std::to_string(period.count()) + " ms";
}

} // namespace

std::vector<std::string> parseKeepGlobs(const std::string& text) {
    std::vector<std::string> globs;
    std::size_t from = 0;
    while (from <= text.size()) {
        auto comma = text.find(',', from);
        if (comma == std::string::npos) {
            comma = text.size();
        }
        const std::string glob(sdk::trimSpace(std::string_view(text).substr(from, comma - from)));
        if (!glob.empty()) {
            globs.push_back(glob);
        }
        from = comma + 1;
    }
    return globs;
}

std::string dockerPruneRole(const std::string& engineId) { return "docker-prune-" + engineId; }

DockerPruneTimer::DockerPruneTimer(DockerPruneSettings settings, std::shared_ptr<sdk::ContainerRuntime> runtime,
                                   std::shared_ptr<sdk::Database> database, std::shared_ptr<sdk::RoleLocks> roles,
                                   PruneMetrics& metrics, const sdk::Clock& clock)
    : settings_(std::move(settings)), runtime_(std::move(runtime)), database_(std::move(database)),
      roles_(std::move(roles)), metrics_(metrics), clock_(clock), role_(dockerPruneRole(settings_.engineId)) {}

DockerPruneTimer::~DockerPruneTimer() { stop(); }

void DockerPruneTimer::start() {
    if (settings_.period <= std::chrono::milliseconds::zero() || !runtime_ || thread_.joinable()) {
        return;
    }
    if (!runtime_->capabilities().prune) {
        log().information("docker prune: the container runtime cannot prune, so docker_prune_minutes has no effect");
        return;
    }
    std::string what = "stopped containers and dangling images";
    if (settings_.removeUnregisteredImages) {
        what += database_ ? ", images no component uses" : " (no database: images no component uses are kept)";
        if (!settings_.keepGlobs.empty()) {
            std::string globs;
            for (const auto& glob : settings_.keepGlobs) {
                globs += (globs.empty() ? "" : ", ") + glob;
            }
            what += " except " + globs;
        }
    }
    const auto firstSeconds = std::chrono::duration_cast<std::chrono::seconds>(settings_.firstRunDelay).count();
    log().information("docker prune: every " + minutesText(settings_.period) + ", first in " +
                      std::to_string(firstSeconds) + " s" +
                      (roles_ ? ", by the node holding the role " + role_ : std::string()) + ": " + what);
    metrics_.enable();
    thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void DockerPruneTimer::requestStop() { thread_.request_stop(); }

void DockerPruneTimer::stop() {
    thread_.request_stop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::chrono::milliseconds DockerPruneTimer::lease() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(settings_.period + kDockerPruneLeaseMargin);
}

void DockerPruneTimer::loop(std::stop_token stop) {
    std::mutex mutex;
    std::condition_variable_any wake; // nobody notifies it: the wait ends on time or on stop
    auto next = clock_.steadyNow() + settings_.firstRunDelay;
    while (!stop.stop_requested()) {
        {
            std::unique_lock lock(mutex);
            clock_.waitUntil(wake, lock, stop, next, [] { return false; });
        }
        if (stop.stop_requested()) {
            return;
        }
        const auto started = clock_.steadyNow();
        runOnce();
        next = started + settings_.period;
        if (const auto now = clock_.steadyNow(); next <= now) {
            next = now + settings_.period; // a run longer than the period: the next one a whole period later
        }
    }
}

PruneOutcome DockerPruneTimer::runOnce() {
    if (roles_) {
        try {
            if (!roles_->acquireOrRenew(role_, lease())) {
                std::string holder;
                try {
                    holder = roles_->holder(role_).value_or("");
                } catch (const std::exception&) {
                    // only for the log line
                }
                log().debug("docker prune: skipped, " + (holder.empty() ? "another node" : holder) + " holds " + role_);
                metrics_.recordRun(PruneOutcome::Skipped);
                return PruneOutcome::Skipped;
            }
        } catch (const std::exception& e) {
            log().warning("docker prune: failed, the role " + role_ + " could not be taken: " + e.what());
            metrics_.recordRun(PruneOutcome::Error);
            return PruneOutcome::Error;
        }
    }

    sdk::PruneOptions options;
    options.removeUnregisteredImages = settings_.removeUnregisteredImages && database_ != nullptr;
    options.keepGlobs = settings_.keepGlobs;
    if (options.removeUnregisteredImages) {
        try {
            const auto components = sdk::allPages<sdk::Component>(
                [&](const sdk::PageRequest& page) { return database_->listComponents({}, page); });
            std::set<std::string> images;
            for (const auto& component : components) {
                if (component.docker && !component.docker->image.empty()) {
                    images.insert(component.docker->image);
                }
            }
            options.registeredImages.assign(images.begin(), images.end());
        } catch (const std::exception& e) {
            log().warning(std::string("docker prune: failed, the components could not be read (nothing removed): ") +
                          e.what());
            metrics_.recordRun(PruneOutcome::Error);
            return PruneOutcome::Error;
        }
    }

    const auto started = std::chrono::steady_clock::now();
    sdk::PruneReport report;
    try {
        report = runtime_->prune(options);
    } catch (const std::exception& e) {
        log().warning(std::string("docker prune: failed: ") + e.what());
        metrics_.recordRun(PruneOutcome::Error);
        return PruneOutcome::Error;
    }
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    metrics_.recordRun(PruneOutcome::Ok);
    metrics_.recordPruned(report.removedContainers.size(), report.removedImages.size());

    std::string line = "docker prune: removed " + std::to_string(report.removedContainers.size()) + " containers";
    if (!report.removedContainers.empty()) {
        line += " (" + nameList(report.removedContainers, true) + ")";
    }
    line += " and " + std::to_string(report.removedImages.size()) + " images";
    if (!report.removedImages.empty()) {
        line += " (" + nameList(report.removedImages, false) + ")";
    }
    line += ", reclaimed " + std::to_string(report.reclaimedBytes) + " bytes in " + std::to_string(millis) + " ms";
    if (options.removeUnregisteredImages) {
        line += "; " + std::to_string(options.registeredImages.size()) + " registered images kept";
    }
    log().information(line);

    // The lease runs a whole period plus the margin from the end of the run, so this node keeps the role until its
    // next run.
    if (roles_) {
        try {
            roles_->acquireOrRenew(role_, lease());
        } catch (const std::exception& e) {
            log().debug(std::string("docker prune: renewing the role after the run: ") + e.what());
        }
    }
    return PruneOutcome::Ok;
}

} // namespace maelstrom::core
