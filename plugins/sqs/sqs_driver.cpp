// sqs_driver.cpp — see sqs_driver.h.
// SPDX-License-Identifier: Apache-2.0
#include "sqs_driver.h"

#include <algorithm>
#include <stdexcept>

namespace maelstrom::plugins::sqs {
namespace {

using queue_pollers::RoleClaims;

/// A lease is trusted until this long before it ends by our clock, so a slow renewal call never lets a poller run
/// after another node may have taken its role.
constexpr std::chrono::milliseconds kLeaseSafetyMargin{1'000};

/// Whether a running poller of `running` can go on serving `next` (the version and timestamps do not matter).
bool sameDefinition(const sdk::EventSource& running, const sdk::EventSource& next) {
    return running.componentName == next.componentName && running.sqs == next.sqs;
}

std::string describeSource(const sdk::EventSource& source) {
    return "event source " + source.name + " (component " + source.componentName + ")";
}

} // namespace

SqsDriver::SqsDriver(SqsSettings settings, SqsApiFactory factory)
    : settings_(std::move(settings)), factory_(std::move(factory)), backoff_(settings_.backoffInitial) {}

SqsDriver::~SqsDriver() { shutdown(); }

void SqsDriver::start(const sdk::EventSourceHost& host) {
    host_ = host;
    clock_ = host.clock ? host.clock : &sdk::systemClock();
    warnings_ = std::make_shared<queue_pollers::ThrottledLog>(host_.logger, *clock_, settings_.warningEvery);
    claims_ = std::make_unique<RoleClaims>(*clock_, settings_.roleLease, RoleClaims::graceFor(settings_.reloadEvery));
    thread_ = std::jthread([this](std::stop_token stop) { loop(std::move(stop)); });
}

void SqsDriver::update(const std::vector<sdk::EventSource>& sources) {
    std::map<std::string, sdk::EventSource> next;
    for (const auto& source : sources) {
        if (source.sqs && !source.sqs->queueName.empty()) {
            next.emplace(source.name, source);
        }
    }
    std::lock_guard lock(mutex_);
    // Stop at once what must stop: polling of a removed or disabled source ends within a receive wait, not at the
    // end of the next reload (which makes network calls).
    std::vector<std::pair<std::string, std::string>> stops;
    for (const auto& [roleId, poller] : running_) {
        const auto it = next.find(poller->source().name);
        if (it == next.end()) {
            stops.emplace_back(roleId, "event source removed or disabled");
        } else if (!sameDefinition(poller->source(), it->second)) {
            stops.emplace_back(roleId, "event source changed");
        }
    }
    for (const auto& [roleId, reason] : stops) {
        stopLocked(roleId, reason);
    }
    std::erase_if(plan_, [&](const auto& entry) {
        const auto it = next.find(entry.second.source.name);
        return it == next.end() || !sameDefinition(entry.second.source, it->second);
    });
    if (next != sources_) {
        sources_ = std::move(next);
        changed_ = true;
    }
    wake_.notify_all();
}

std::vector<SqsDriver::PollerInfo> SqsDriver::pollers() const {
    std::lock_guard lock(mutex_);
    std::vector<PollerInfo> out;
    for (const auto& [roleId, poller] : running_) {
        out.push_back(PollerInfo{roleId, poller->source().name, poller->concurrency(), poller->queues(), false});
    }
    for (const auto& poller : stopping_) {
        out.push_back(
            PollerInfo{poller->roleId(), poller->source().name, poller->concurrency(), poller->queues(), true});
    }
    return out;
}

int SqsDriver::concurrencyInUse() const {
    std::lock_guard lock(mutex_);
    int total = 0;
    for (const auto& [roleId, poller] : running_) {
        total += poller->concurrency();
    }
    for (const auto& poller : stopping_) {
        total += poller->concurrency();
    }
    return total;
}

std::size_t SqsDriver::reloads() const {
    std::lock_guard lock(mutex_);
    return reloads_;
}

void SqsDriver::loop(std::stop_token stop) {
    auto nextReload = clock_->steadyNow();
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        if (changed_ || clock_->steadyNow() >= nextReload) {
            changed_ = false;
            lock.unlock();
            const bool ok = reload();
            backoff_ = ok ? settings_.backoffInitial : std::min(backoff_ * 2, settings_.backoffMax);
            lock.lock();
            ++reloads_;
            nextReload = clock_->steadyNow() + (ok ? settings_.reloadEvery : backoff_);
        }
        if (stop.stop_requested()) {
            break;
        }
        lock.unlock();
        reap();
        lock.lock();
        expireLeases();
        auto starting = takeStartable();
        if (!starting.empty()) {
            lock.unlock();
            for (const auto& poller : starting) {
                poller->start(); // without mutex_: a poller that ends at once calls onFinished, which takes it
            }
            lock.lock();
        }
        auto wakeAt = nextReload;
        for (const auto& [roleId, poller] : running_) {
            if (const auto it = plan_.find(roleId); it != plan_.end()) {
                wakeAt = std::min(wakeAt, it->second.leaseValidUntil);
            }
        }
        clock_->waitUntil(wake_, lock, stop, wakeAt, [this] { return changed_ || pollerFinished_; });
    }
}

bool SqsDriver::ensureClients() {
    {
        std::lock_guard lock(mutex_);
        if (receiver_ && deleter_) {
            return true;
        }
    }
    try {
        auto receiver = factory_();
        auto deleter = factory_();
        if (!receiver || !deleter) {
            throw std::runtime_error("the SQS client factory returned no client");
        }
        std::lock_guard lock(mutex_);
        if (shuttingDown_) {
            receiver->abort();
            deleter->abort();
            return false;
        }
        receiver_ = std::move(receiver);
        deleter_ = std::move(deleter);
        return true;
    } catch (const std::exception& e) {
        warnings_->warn("client", std::string("sqs: cannot make the SQS client: ") + e.what());
        return false;
    }
}

std::vector<std::string> SqsDriver::resolve(const sdk::EventSource& source, bool& ok) {
    const auto& sqs = *source.sqs;
    const std::string key = (sqs.nameAsPrefix ? "prefix:" : "name:") + sqs.queueName;
    auto& entry = resolved_[source.name];
    if (entry.key != key) {
        entry = Resolved{.key = key, .queues = {}, .missingReported = false};
    }
    std::shared_ptr<aws::SqsApi> client;
    {
        std::lock_guard lock(mutex_);
        client = receiver_;
    }
    const std::string what = describeSource(source);
    const std::string errorKey = "resolve|" + source.name + "|";
    const std::string keepNote = entry.queues.empty() ? std::string() : "; its pollers keep the queue(s) found before";
    try {
        std::vector<std::string> queues;
        if (sqs.nameAsPrefix) {
            queues = client->listQueueUrls(sqs.queueName);
            std::sort(queues.begin(), queues.end());
            queues.erase(std::unique(queues.begin(), queues.end()), queues.end());
        } else if (auto url = client->queueUrl(sqs.queueName)) {
            queues.push_back(*url);
        }
        warnings_->recovered(errorKey, "sqs: the queue lookup of " + what + " works again");
        warnings_->recovered("aws|", "sqs: AWS answers again");
        if (queues.empty()) {
            if (!entry.missingReported) {
                entry.missingReported = true;
                host_.logger.warning("sqs: " + what + ": " +
                                     (sqs.nameAsPrefix ? "no queue's name starts with '" + sqs.queueName + "'"
                                                       : "queue '" + sqs.queueName + "' does not exist") +
                                     "; it is not polled (looked up again at each reload)");
            }
        } else if (entry.missingReported) {
            entry.missingReported = false;
            host_.logger.information("sqs: " + what + ": queue(s) found now");
        }
        entry.queues = queues;
        return queues;
    } catch (const aws::AwsError& e) {
        ok = false;
        // Missing credentials or region are one problem for every source: one warning, not one per source.
        const bool global = e.code() == "NoCredentials" || e.code() == "NoRegion";
        warnings_->warn(global ? "aws|" + e.code() : errorKey + e.code(),
                        "sqs: looking up the queue(s) of " + what + " failed: " + describe(e) + keepNote);
    } catch (const std::exception& e) {
        ok = false;
        warnings_->warn(errorKey + "other",
                        "sqs: looking up the queue(s) of " + what + " failed: " + e.what() + keepNote);
    }
    return entry.queues;
}

bool SqsDriver::reload() {
    std::map<std::string, sdk::EventSource> sources;
    {
        std::lock_guard lock(mutex_);
        sources = sources_;
    }
    std::erase_if(resolved_, [&](const auto& entry) { return !sources.contains(entry.first); });
    bool ok = true;
    std::map<std::string, Planned> plan;
    std::map<std::string, std::string> reasons; ///< why a role produced now is not run here
    std::set<std::string> withoutQueue;
    std::set<std::string> claimed; ///< sources whose roles were claimed now
    if (!sources.empty() && !ensureClients()) {
        return false; // nothing can run without a client; the pollers that run keep their clients
    }
    for (const auto& [name, source] : sources) {
        const auto queues = resolve(source, ok);
        if (queues.empty()) {
            withoutQueue.insert(name);
            continue;
        }
        int handlers = 0;
        try {
            handlers = host_.capacity ? host_.capacity->handlerCount(source.componentName) : 0;
        } catch (const std::exception& e) {
            warnings_->warn("capacity|" + name, "sqs: the handler count of component " + source.componentName +
                                                    " is unknown (" + e.what() + "); sizing as for none");
        }
        const auto roles = pollerRoles(source, handlers);
        int nodes = 1;
        try {
            nodes = host_.capacity ? host_.capacity->nodeCount() : 1;
        } catch (const std::exception& e) {
            warnings_->warn("nodes", std::string("sqs: the cluster's node count is unknown (") + e.what() +
                                         "); taking roles as the only node");
        }
        claimed.insert(name);
        const auto claims = claims_->claim(*host_.roles, name, roles, nodes);
        bool callFailed = false;
        for (std::size_t i = 0; i < roles.size(); ++i) {
            const auto& role = roles[i];
            const auto& claim = claims[i];
            switch (claim.decision) {
            case RoleClaims::Decision::Hold:
                held_.insert(role.roleId);
                plan[role.roleId] =
                    Planned{source, role, queues, claim.callStart + settings_.roleLease - kLeaseSafetyMargin};
                break;
            case RoleClaims::Decision::HeldElsewhere:
                held_.erase(role.roleId);
                reasons[role.roleId] = "its role is held by another node";
                break;
            case RoleClaims::Decision::LeftToOthers:
                reasons[role.roleId] = "this node has its share of the event source's pollers";
                break;
            case RoleClaims::Decision::GiveUp:
                // Stays in held_: reap() releases it once its poller has ended, and another node takes it.
                reasons[role.roleId] = "this node holds more than its share of the event source's pollers";
                break;
            case RoleClaims::Decision::Failed: {
                ok = false;
                callFailed = true;
                warnings_->warn("roles|" + role.roleId, "sqs: cannot take or renew role " + role.roleId + " (" +
                                                            claim.error +
                                                            "); a poller that holds it runs on while "
                                                            "its lease lasts");
                // Keep a poller whose lease is still good; its next renewal comes with the retry.
                std::lock_guard lock(mutex_);
                const auto it = plan_.find(role.roleId);
                if (it != plan_.end() && sameDefinition(it->second.source, source) &&
                    it->second.leaseValidUntil > clock_->steadyNow()) {
                    plan[role.roleId] = it->second;
                    plan[role.roleId].queues = queues;
                }
                break;
            }
            }
        }
        if (!callFailed && !roles.empty()) {
            warnings_->recovered("roles|", "sqs: role calls work again");
        }
    }
    claims_->retain(claimed);

    std::lock_guard lock(mutex_);
    // update() may have come during the network calls: what it removed or changed stays out of the plan (the
    // reload it asked for follows).
    std::erase_if(plan, [&](const auto& entry) {
        const auto it = sources_.find(entry.second.source.name);
        return it == sources_.end() || !sameDefinition(entry.second.source, it->second);
    });
    plan_ = std::move(plan);
    std::vector<std::pair<std::string, std::string>> stops;
    for (const auto& [roleId, poller] : running_) {
        const auto planned = plan_.find(roleId);
        if (planned != plan_.end()) {
            poller->setQueues(planned->second.queues);
            continue;
        }
        const auto& name = poller->source().name;
        std::string reason;
        if (!sources_.contains(name)) {
            reason = "event source removed or disabled";
        } else if (reasons.contains(roleId)) {
            reason = reasons[roleId];
        } else if (withoutQueue.contains(name)) {
            reason = "no queue found";
        } else {
            reason = "the event source's pollers were resized";
        }
        stops.emplace_back(roleId, reason);
    }
    for (const auto& [roleId, reason] : stops) {
        stopLocked(roleId, reason);
    }
    return ok;
}

void SqsDriver::stopLocked(const std::string& roleId, const std::string& reason) {
    const auto it = running_.find(roleId);
    if (it == running_.end()) {
        return;
    }
    it->second->requestStop(reason);
    stopping_.push_back(std::move(it->second));
    running_.erase(it);
}

void SqsDriver::expireLeases() {
    const auto now = clock_->steadyNow();
    std::vector<std::string> expired;
    for (const auto& [roleId, planned] : plan_) {
        if (planned.leaseValidUntil <= now) {
            expired.push_back(roleId);
        }
    }
    for (const auto& roleId : expired) {
        if (running_.contains(roleId)) {
            host_.logger.warning("sqs: the lease of role " + roleId + " ran out before it could be renewed");
        }
        stopLocked(roleId, "its role's lease ran out");
        plan_.erase(roleId);
        held_.erase(roleId);
    }
}

void SqsDriver::reap() {
    std::vector<std::shared_ptr<Poller>> ended;
    {
        std::lock_guard lock(mutex_);
        pollerFinished_ = false;
        for (auto it = stopping_.begin(); it != stopping_.end();) {
            if ((*it)->finished()) {
                ended.push_back(std::move(*it));
                it = stopping_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (const auto& poller : ended) {
        poller->join();
    }
    std::vector<std::string> release;
    {
        std::lock_guard lock(mutex_);
        for (const auto& roleId : held_) {
            const bool stillStopping = std::any_of(stopping_.begin(), stopping_.end(),
                                                   [&](const auto& poller) { return poller->roleId() == roleId; });
            if (!plan_.contains(roleId) && !running_.contains(roleId) && !stillStopping) {
                release.push_back(roleId);
            }
        }
    }
    for (const auto& roleId : release) {
        held_.erase(roleId);
        try {
            host_.roles->release(roleId); // the next node need not wait for the lease to run out
        } catch (const std::exception& e) {
            warnings_->warn("release|" + roleId,
                            "sqs: releasing role " + roleId + " failed (it expires by itself): " + e.what());
        }
    }
}

std::vector<std::shared_ptr<Poller>> SqsDriver::takeStartable() {
    std::vector<std::shared_ptr<Poller>> starting;
    if (shuttingDown_) {
        return starting;
    }
    const auto now = clock_->steadyNow();
    for (const auto& [roleId, planned] : plan_) {
        if (running_.contains(roleId) || planned.leaseValidUntil <= now) {
            continue;
        }
        // A source's new pollers wait for its old ones: their messages in flight count against its concurrency.
        const auto& name = planned.source.name;
        if (std::any_of(stopping_.begin(), stopping_.end(),
                        [&](const auto& poller) { return poller->source().name == name; })) {
            continue;
        }
        auto poller = std::make_shared<Poller>(environment(), planned.source, planned.role, planned.queues);
        running_.emplace(roleId, poller);
        starting.push_back(std::move(poller));
    }
    return starting;
}

PollerEnvironment SqsDriver::environment() {
    PollerEnvironment env;
    env.receiver = receiver_;
    env.deleter = deleter_;
    env.invoker = host_.invoker;
    env.logger = host_.logger;
    env.clock = clock_;
    env.settings = settings_;
    env.warnings = warnings_;
    env.onFinished = [this] {
        std::lock_guard lock(mutex_);
        pollerFinished_ = true;
        wake_.notify_all();
    };
    env.onQueueGone = [this] {
        std::lock_guard lock(mutex_);
        changed_ = true;
        wake_.notify_all();
    };
    return env;
}

void SqsDriver::shutdown() {
    if (shutDown_) {
        return;
    }
    shutDown_ = true;
    std::shared_ptr<aws::SqsApi> receiver;
    {
        std::lock_guard lock(mutex_);
        shuttingDown_ = true;
        receiver = receiver_;
        std::vector<std::string> roleIds;
        for (const auto& [roleId, poller] : running_) {
            roleIds.push_back(roleId);
        }
        for (const auto& roleId : roleIds) {
            stopLocked(roleId, "maelstromd is shutting down");
        }
    }
    if (thread_.joinable()) {
        thread_.request_stop();
    }
    if (receiver) {
        receiver->abort(); // ends long polls and queue lookups in progress at once
    }
    if (thread_.joinable()) {
        thread_.join();
    }
    std::vector<std::shared_ptr<Poller>> pollers;
    {
        std::lock_guard lock(mutex_);
        pollers = std::move(stopping_);
        stopping_.clear();
        for (auto& [roleId, poller] : running_) { // started by the reload thread after the stop above
            poller->requestStop("maelstromd is shutting down");
            pollers.push_back(std::move(poller));
        }
        running_.clear();
        plan_.clear();
    }
    for (const auto& poller : pollers) {
        poller->join(); // workers finish their message: the invoker bounds that by the request deadline
    }
    if (host_.roles) {
        for (const auto& roleId : held_) {
            try {
                host_.roles->release(roleId);
            } catch (const std::exception& e) {
                host_.logger.warning("sqs: releasing role " + roleId + " failed (it expires by itself): " + e.what());
            }
        }
    }
    held_.clear();
}

} // namespace maelstrom::plugins::sqs
