// cron_scheduler.cpp — see cron_scheduler.h.
// SPDX-License-Identifier: Apache-2.0
#include "cron_scheduler.h"

#include <maelstrom/sdk/errors.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace maelstrom::plugins::cron {
namespace {

/// A lease is trusted until this long before it ends by our clock, so a slow renewal call never lets the old
/// holder fire after another node may have taken the role.
constexpr std::chrono::milliseconds kLeaseSafetyMargin{1'000};

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

sdk::InvokeRequest requestFor(const sdk::EventSource& source, std::int64_t due) {
    const auto& http = source.cron->http;
    sdk::InvokeRequest request;
    request.eventSourceName = source.name;
    request.componentName = source.componentName;
    request.method = http.method.empty() ? "GET" : http.method;
    request.path = http.path.empty() ? "/" : http.path;
    request.headers = http.headers;
    if (lower(request.method) != "get" && !http.data.empty()) {
        request.body = http.data;
    }
    request.dueAtUnixMillis = due;
    return request;
}

std::string describe(const sdk::EventSource& source) {
    return "cron event source " + source.name + " (component " + source.componentName + ")";
}

} // namespace

CronScheduler::CronScheduler(CronSettings settings) : settings_(std::move(settings)) {}

CronScheduler::~CronScheduler() { shutdown(); }

void CronScheduler::start(const sdk::EventSourceHost& host) {
    host_ = host;
    clock_ = host.clock ? host.clock : &sdk::systemClock();
    thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void CronScheduler::update(const std::vector<sdk::EventSource>& sources) {
    std::lock_guard lock(mutex_);
    const std::int64_t now = clock_ ? clock_->unixMillis() : sdk::unixMillis();
    std::map<std::string, Job> jobs;
    std::size_t invalid = 0;
    for (const auto& source : sources) {
        if (!source.cron) {
            continue;
        }
        const auto existing = jobs_.find(source.name);
        if (existing != jobs_.end() && existing->second.source == source) {
            jobs.emplace(source.name, std::move(existing->second));
            continue;
        }
        Job job;
        job.source = source;
        try {
            job.schedule = sdk::CronSchedule::parse(source.cron->schedule);
        } catch (const std::invalid_argument& e) {
            ++invalid;
            if (reportedInvalid_.insert(source.name + "@" + std::to_string(source.version)).second) {
                host_.logger.error(describe(source) + ": invalid schedule '" + source.cron->schedule +
                                   "': " + e.what() + "; it is skipped, the other schedules keep firing");
            }
        }
        if (existing != jobs_.end()) {
            job.running = existing->second.running; // a firing of the old definition still counts as running
        }
        if (held_ && job.schedule) {
            job.nextDue = job.schedule->next(now);
        }
        jobs.emplace(source.name, std::move(job));
    }
    if (jobs.size() != jobs_.size() || invalid > 0) {
        host_.logger.information("cron: " + std::to_string(jobs.size() - invalid) + " schedule(s) loaded" +
                                 (invalid > 0 ? ", " + std::to_string(invalid) + " invalid" : std::string()));
    }
    jobs_ = std::move(jobs);
    changed_ = true;
    wake_.notify_all();
}

bool CronScheduler::holdsRole() const {
    std::lock_guard lock(mutex_);
    return held_ && clock_ && clock_->steadyNow() < leaseValidUntil_;
}

std::optional<std::int64_t> CronScheduler::nextDue(const std::string& eventSourceName) const {
    std::lock_guard lock(mutex_);
    const auto it = jobs_.find(eventSourceName);
    return it == jobs_.end() ? std::nullopt : it->second.nextDue;
}

void CronScheduler::renewRole() {
    const auto callStart = clock_->steadyNow();
    bool held = false;
    try {
        held = host_.roles->acquireOrRenew(settings_.roleId, settings_.lease);
        lastRoleError_.clear();
    } catch (const std::exception& e) {
        if (lastRoleError_ != e.what()) {
            lastRoleError_ = e.what();
            host_.logger.warning(std::string("cron: cannot renew the cron role (firing stops when the lease ends): ") +
                                 e.what());
        }
        return; // keep what we had: the lease is still good until leaseValidUntil_
    }
    std::lock_guard lock(mutex_);
    const bool was = held_;
    held_ = held;
    if (held) {
        leaseValidUntil_ = callStart + settings_.lease - kLeaseSafetyMargin;
    }
    if (held && !was) {
        // Taking over: every schedule starts from now; what was due while no node held the role is not replayed.
        const std::int64_t now = clock_->unixMillis();
        for (auto& [name, job] : jobs_) {
            job.nextDue = job.schedule ? job.schedule->next(now) : std::nullopt;
        }
        host_.logger.information("cron: node " + host_.nodeId + " holds the cron role and fires the schedules (" +
                                 std::to_string(jobs_.size()) + ")");
    } else if (!held && was) {
        for (auto& [name, job] : jobs_) {
            job.nextDue.reset();
        }
        host_.logger.information("cron: node " + host_.nodeId + " no longer holds the cron role");
    }
}

void CronScheduler::loop(std::stop_token stop) {
    auto nextRenewal = clock_->steadyNow();
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        if (clock_->steadyNow() >= nextRenewal) {
            lock.unlock();
            renewRole();
            reapFirings();
            lock.lock();
            nextRenewal = clock_->steadyNow() + settings_.renewEvery;
        }
        const auto steadyNow = clock_->steadyNow();
        const std::int64_t unixNow = clock_->unixMillis();
        const bool firing = held_ && steadyNow < leaseValidUntil_;
        if (held_ && !firing) {
            // The lease ran out without a renewal: stop until the role is confirmed again.
            held_ = false;
            for (auto& [name, job] : jobs_) {
                job.nextDue.reset();
            }
            host_.logger.warning("cron: the cron role's lease ran out before it could be renewed; not firing");
        }
        if (firing) {
            fireDue(unixNow);
        }
        auto wakeAt = nextRenewal;
        if (firing) {
            wakeAt = std::min(wakeAt, leaseValidUntil_);
            for (const auto& [name, job] : jobs_) {
                if (job.nextDue) {
                    wakeAt = std::min(wakeAt, steadyNow + std::chrono::milliseconds(*job.nextDue - unixNow));
                }
            }
        }
        changed_ = false;
        clock_->waitUntil(wake_, lock, stop, wakeAt, [this] { return changed_; });
    }
}

void CronScheduler::fireDue(std::int64_t nowUnix) {
    for (auto& [name, job] : jobs_) {
        if (!job.nextDue || *job.nextDue > nowUnix) {
            continue;
        }
        const std::int64_t due = *job.nextDue;
        // The next time after now (robfig's scheduler does the same): a scheduler that woke late skips the
        // ticks it slept through instead of firing them all at once.
        job.nextDue = job.schedule->next(std::max(nowUnix, due));
        if (!settings_.allowOverlap && job.running->load() > 0) {
            host_.logger.information(describe(job.source) +
                                     ": the previous firing is still running; this tick is skipped");
            continue;
        }
        fire(job, due);
    }
}

void CronScheduler::fire(const Job& job, std::int64_t due) {
    auto request = requestFor(job.source, due);
    auto running = job.running;
    auto invoker = host_.invoker;
    auto logger = host_.logger;
    const std::string what = describe(job.source);
    running->fetch_add(1);
    Firing firing;
    auto done = firing.done;
    firing.thread = std::jthread([request = std::move(request), running, invoker, logger, what, done] {
        try {
            const auto response = invoker->invoke(request);
            if (response.status < 200 || response.status > 299) {
                logger.warning(what + ": the firing got status " + std::to_string(response.status));
            }
        } catch (const std::exception& e) {
            logger.warning(what + ": the firing failed: " + e.what());
        }
        running->fetch_sub(1);
        done->store(true);
    });
    std::lock_guard lock(firingsMutex_);
    firings_.push_back(std::move(firing));
}

void CronScheduler::reapFirings() {
    std::lock_guard lock(firingsMutex_);
    firings_.remove_if([](const Firing& f) { return f.done->load(); }); // a done thread joins at once
}

void CronScheduler::shutdown() {
    if (shutDown_) {
        return;
    }
    shutDown_ = true;
    if (thread_.joinable()) {
        thread_.request_stop();
        thread_.join();
    }
    {
        std::lock_guard lock(firingsMutex_);
        firings_.clear(); // joins: the host's invoker bounds how long a firing can still take
    }
    bool held = false;
    {
        std::lock_guard lock(mutex_);
        held = held_;
        held_ = false;
    }
    if (held && host_.roles) {
        try {
            host_.roles->release(settings_.roleId); // another node takes over at its next try
        } catch (const std::exception& e) {
            host_.logger.warning(std::string("cron: releasing the cron role (it expires by itself): ") + e.what());
        }
    }
}

} // namespace maelstrom::plugins::cron
