// converger.cpp — see converger.h.
#include "lifecycle/converger.h"

#include "lifecycle/converge_plan.h"
#include "lifecycle/health_probe.h"
#include "routing/router.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/errors.h>

#include <Poco/Logger.h>

#include <algorithm>
#include <stdexcept>

namespace maelstrom::core {
namespace {

using std::chrono::steady_clock;

Poco::Logger& log() { return Poco::Logger::get("maelstrom.lifecycle"); }

std::string shortId(const std::string& id) { return id.substr(0, 12); }

/// Docker's reference normalisation used to compare images: a name without a tag means `:latest`.
std::string normalizeImage(const std::string& image) {
    const auto slash = image.rfind('/');
    const auto colon = image.rfind(':');
    const bool hasTag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
    return hasTag || image.find('@') != std::string::npos ? image : image + ":latest";
}

std::chrono::seconds healthCheckPeriod(const sdk::Component& component) {
    return std::chrono::seconds(component.docker ? sdk::effectiveHealthCheckSeconds(*component.docker) : 10);
}

std::string startLockRole(const std::string& component) { return "start_container_" + component; }

/// A role lock held until released or destroyed, so that every way out of a start releases it.
class RoleHold {
public:
    /// `database` null: nothing is held.
    RoleHold(sdk::Database* database, std::string role, std::string nodeId)
        : database_(database), role_(std::move(role)), nodeId_(std::move(nodeId)) {}
    ~RoleHold() { release(); }
    RoleHold(const RoleHold&) = delete;
    RoleHold& operator=(const RoleHold&) = delete;

    void release() noexcept {
        if (!database_) {
            return;
        }
        try {
            database_->releaseRole(role_, nodeId_);
        } catch (const std::exception& e) {
            log().warning("releasing the role " + role_ + ": " + e.what());
        }
        database_ = nullptr;
    }

private:
    sdk::Database* database_;
    const std::string role_;
    const std::string nodeId_;
};

} // namespace

Converger::Converger(sdk::Component component, LifecycleContext& context)
    : name_(component.name), context_(context), component_(std::move(component)) {}

Converger::~Converger() {
    if (thread_.joinable()) {
        thread_.request_stop();
        wake();
        thread_.join();
    }
}

void Converger::adopt(const sdk::ContainerSummary& summary) {
    auto container = std::make_shared<Container>();
    sdk::Component component;
    {
        std::lock_guard lock(mutex_);
        component = component_;
        ranHere_ = true;
        if (summary.state == sdk::ContainerState::Created) {
            precreated_ = Precreated{summary.id, summary.componentVersion};
            return;
        }
    }
    const bool paused = summary.state == sdk::ContainerState::Paused;
    const std::int64_t mib = component.docker ? sdk::effectiveReserveMemoryMiB(*component.docker) : 128;
    if (!context_.memory.reserve(mib)) {
        log().warning("component " + name_ + ": adopted container " + shortId(summary.id) +
                      " exceeds the node's memory budget");
    }
    container->info =
        ConvergerContainer{summary.id, summary.componentVersion, ContainerStatus::Active, summary.createdAt, mib};
    container->host = summary.endpoint ? summary.endpoint->host : std::string();
    container->port = summary.endpoint ? static_cast<int>(summary.endpoint->port) : 0;
    container->nextHealthCheck = context_.clock.steadyNow() + healthCheckPeriod(component);
    if (paused) {
        container->info.status = ContainerStatus::Paused;
        container->info.pausedAtUnixMs = context_.clock.unixMillis();
        container->pausedSince = context_.clock.steadyNow();
        if (context_.metrics) {
            context_.metrics->addPaused(name_, 1);
        }
    }
    {
        std::lock_guard lock(mutex_);
        containers_.push_back(container);
        if (!paused) {
            ++targetCount_;
        }
    }
    if (!paused) {
        registerWithRouter(*container, component);
    }
}

void Converger::start() {
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Converger::wake() {
    {
        std::lock_guard lock(mutex_); // pairs with the predicate check in run(): no lost wake-up
    }
    cv_.notify_all();
}

void Converger::changed() const {
    if (context_.containersChanged) {
        context_.containersChanged();
    }
}

void Converger::setComponent(const sdk::Component& component) {
    {
        std::lock_guard lock(mutex_);
        if (component == component_) {
            return;
        }
        component_ = component;
        dirty_ = true;
    }
    cv_.notify_all();
}

void Converger::setTargetCount(std::int64_t count) {
    {
        std::lock_guard lock(mutex_);
        if (count == targetCount_) {
            return;
        }
        targetCount_ = count;
        dirty_ = true;
    }
    cv_.notify_all();
}

void Converger::containerDied(const std::string& containerId) {
    {
        std::lock_guard lock(mutex_);
        const bool ours = std::any_of(containers_.begin(), containers_.end(),
                                      [&](const auto& c) { return c->info.id == containerId; });
        if (!ours) {
            return;
        }
        died_.insert(containerId);
    }
    cv_.notify_all();
}

void Converger::imageTagged(const std::string& imageName) {
    {
        std::lock_guard lock(mutex_);
        if (!component_.docker || normalizeImage(component_.docker->image) != normalizeImage(imageName)) {
            return;
        }
        for (auto& c : containers_) {
            if (c->info.status != ContainerStatus::Stopping) {
                c->terminateReason = "docker image updated";
            }
        }
        dirty_ = true;
    }
    cv_.notify_all();
}

bool Converger::wakePaused() {
    {
        std::lock_guard lock(mutex_);
        std::int64_t serving = 0;
        bool paused = false;
        for (const auto& c : containers_) {
            serving += c->info.status == ContainerStatus::Starting || c->info.status == ContainerStatus::Active;
            paused = paused || (c->info.status == ContainerStatus::Paused && c->info.version == component_.version);
        }
        if (!paused) {
            return false;
        }
        if (targetCount_ > serving) {
            return true; // a wake (or a start) is already under way
        }
        targetCount_ = serving + 1;
        wakeRequested_ = context_.clock.steadyNow();
        dirty_ = true;
    }
    cv_.notify_all();
    return true;
}

std::shared_ptr<Converger::Container> Converger::oldestPausedLocked() const {
    std::shared_ptr<Container> oldest;
    for (const auto& c : containers_) {
        if (c->info.status == ContainerStatus::Paused && (!oldest || c->pausedSince < oldest->pausedSince)) {
            oldest = c;
        }
    }
    return oldest;
}

std::optional<std::chrono::steady_clock::time_point> Converger::oldestPaused() const {
    std::lock_guard lock(mutex_);
    const auto oldest = oldestPausedLocked();
    return oldest ? std::optional<steady_clock::time_point>(oldest->pausedSince) : std::nullopt;
}

std::int64_t Converger::stopOldestPaused(const std::string& reason) {
    std::shared_ptr<Container> oldest;
    sdk::Component component;
    {
        std::lock_guard lock(mutex_);
        component = component_;
        oldest = oldestPausedLocked();
        if (!oldest) {
            return 0;
        }
        oldest->info.status = ContainerStatus::Stopping; // claimed: no wake or expiry takes it now
    }
    if (context_.metrics) {
        context_.metrics->addPaused(name_, -1);
    }
    const std::int64_t mib = oldest->info.reservedMiB;
    retire(oldest, component, reason);
    return mib;
}

std::optional<std::string> Converger::precreatedId() const {
    std::lock_guard lock(mutex_);
    return precreated_ ? std::optional<std::string>(precreated_->id) : std::nullopt;
}

Converger::State Converger::state() const {
    std::lock_guard lock(mutex_);
    State s{component_, targetCount_, {}, starts_};
    s.containers.reserve(containers_.size());
    for (const auto& c : containers_) {
        s.containers.push_back(c->info);
    }
    return s;
}

void Converger::run(std::stop_token stop) {
    const sdk::Clock& clock = context_.clock;
    auto nextPass = clock.steadyNow();
    while (!stop.stop_requested()) {
        {
            std::unique_lock lock(mutex_);
            auto wakeAt = nextPass;
            const auto pausedFor =
                std::chrono::seconds(component_.docker ? sdk::effectivePausedTimeoutSeconds(*component_.docker) : 1800);
            for (const auto& c : containers_) {
                if (c->info.status == ContainerStatus::Active) {
                    wakeAt = std::min(wakeAt, c->nextHealthCheck);
                } else if (c->info.status == ContainerStatus::Paused) {
                    wakeAt = std::min(wakeAt, c->pausedSince + pausedFor);
                }
            }
            clock.waitUntil(cv_, lock, stop, wakeAt, [&] { return dirty_ || !died_.empty(); });
        }
        if (stop.stop_requested()) {
            break;
        }
        handleDied();
        runHealthChecks(stop);
        expirePaused();
        bool pass = false;
        {
            std::lock_guard lock(mutex_);
            pass = dirty_ || clock.steadyNow() >= nextPass;
            dirty_ = false;
        }
        if (pass) {
            converge(stop);
            bool again = false;
            {
                std::lock_guard lock(mutex_);
                again = dirty_;
            }
            if (!again) {
                maintainPrecreated(stop); // after the work asked for: a wake or start never waits for a create
            }
            nextPass = clock.steadyNow() + kConvergeRetryPeriod;
        }
    }
}

void Converger::handleDied() {
    std::vector<std::shared_ptr<Container>> dead;
    {
        std::lock_guard lock(mutex_);
        for (auto it = died_.begin(); it != died_.end();) {
            const auto found =
                std::find_if(containers_.begin(), containers_.end(), [&](const auto& c) { return c->info.id == *it; });
            if (found == containers_.end()) {
                it = died_.erase(it);
            } else if ((*found)->info.status == ContainerStatus::Active ||
                       (*found)->info.status == ContainerStatus::Paused) {
                if ((*found)->info.status == ContainerStatus::Paused && context_.metrics) {
                    context_.metrics->addPaused(name_, -1);
                }
                dead.push_back(*found);
                (*found)->info.status = ContainerStatus::Stopping;
                it = died_.erase(it);
            } else {
                ++it; // starting: its start health check sees the death; stopping: its stop completes
            }
        }
        if (!dead.empty()) {
            dirty_ = true;
        }
    }
    for (const auto& c : dead) {
        log().warning("component " + name_ + ": container " + shortId(c->info.id) + " exited; replacing it");
        recordStartFailure(c->info.version, "container " + shortId(c->info.id) + " exited after it became active");
        if (auto router = context_.routers.find(name_)) {
            router->removeInstance(c->info.id);
        }
        try {
            context_.runtime.remove(c->info.id, true);
        } catch (const std::exception& e) {
            log().warning("component " + name_ + ": removing exited container " + shortId(c->info.id) + ": " +
                          e.what());
        }
        context_.memory.release(c->info.reservedMiB);
        std::lock_guard lock(mutex_);
        std::erase(containers_, c);
        died_.erase(c->info.id);
    }
    if (!dead.empty()) {
        changed();
    }
}

void Converger::runHealthChecks(std::stop_token stop) {
    std::vector<std::shared_ptr<Container>> due;
    sdk::Component component;
    const auto now = context_.clock.steadyNow();
    {
        std::lock_guard lock(mutex_);
        component = component_;
        for (const auto& c : containers_) {
            if (c->info.status == ContainerStatus::Active && c->terminateReason.empty() && c->nextHealthCheck <= now) {
                due.push_back(c);
            }
        }
    }
    if (due.empty() || !component.docker) {
        return;
    }
    const auto& docker = *component.docker;
    const std::string path = sdk::effectiveHealthCheckPath(docker);
    for (const auto& c : due) {
        if (stop.stop_requested()) {
            return;
        }
        std::string error;
        const int status = context_.probe(c->host, c->port, path, kHealthCheckTimeout, &error);
        c->nextHealthCheck = context_.clock.steadyNow() + healthCheckPeriod(component);
        if (status == 200) {
            c->healthFailures = 0;
            continue;
        }
        ++c->healthFailures;
        log().warning("component " + name_ + ": container " + shortId(c->info.id) + " health check failed (" +
                      std::to_string(c->healthFailures) + "/" +
                      std::to_string(sdk::effectiveHealthCheckMaxFailures(docker)) + "): " + error);
        if (c->healthFailures < sdk::effectiveHealthCheckMaxFailures(docker)) {
            continue;
        }
        c->healthFailures = 0;
        if (!docker.healthCheckFailedCommand.empty() && context_.runtime.capabilities().exec) {
            try {
                const auto result =
                    context_.runtime.exec(c->info.id, docker.healthCheckFailedCommand, std::chrono::seconds(30));
                log().warning("component " + name_ + ": container " + shortId(c->info.id) +
                              " healthcheckfailedcommand output: " + result.output + " (exit code " +
                              std::to_string(result.exitCode) + ")");
            } catch (const std::exception& e) {
                log().warning("component " + name_ + ": container " + shortId(c->info.id) +
                              " healthcheckfailedcommand failed: " + e.what());
            }
        }
        std::lock_guard lock(mutex_);
        c->terminateReason = "health check failed";
        dirty_ = true;
    }
}

void Converger::converge(std::stop_token stop) {
    sdk::Component component;
    std::int64_t target = 0;
    bool hasPaused = false;
    std::vector<PlanContainer> current;
    {
        std::lock_guard lock(mutex_);
        component = component_;
        target = targetCount_;
        for (const auto& c : containers_) {
            if (c->info.status == ContainerStatus::Paused) {
                hasPaused = true;
            } else if (c->info.status != ContainerStatus::Stopping) {
                current.push_back(PlanContainer{c->info.id, c->info.version, c->terminateReason});
            }
        }
    }
    if (!component.docker) {
        return;
    }
    const ConvergePlan plan =
        planConvergence(current, component.version, target, sdk::effectiveStartParallelism(component),
                        sdk::effectiveRestartOrder(component));
    if (plan.steps.empty()) {
        return;
    }
    const bool canPause = component.docker->idlePause && context_.runtime.capabilities().pause;
    imageEnsured_ = false;
    try {
        for (const auto& step : plan.steps) {
            if (stop.stop_requested()) {
                return;
            }
            if (step.kind == PlanStep::Kind::Start) {
                try {
                    startContainer(component, step.lock, stop);
                } catch (const std::exception&) {
                    if (context_.metrics && !stop.stop_requested()) {
                        context_.metrics->recordColdStartFailure(name_);
                    }
                    throw;
                }
            } else if (canPause && !hasPaused && target == 0 && step.reason == kScaleDownReason) {
                // Idle: the last instances go; the first of them is frozen for the next request instead.
                hasPaused = true;
                pauseContainer(findContainer(step.containerId), component);
            } else {
                stopContainer(step.containerId, step.reason);
            }
            std::lock_guard lock(mutex_);
            if (dirty_) {
                return; // the target changed meanwhile: plan again from what runs now
            }
        }
    } catch (const std::exception& e) {
        setStartPhase("", 0);
        recordStartFailure(component.version, e.what());
        log().error("component " + name_ + ": converge pass failed (retried at the next event or within " +
                    std::to_string(kConvergeRetryPeriod.count()) + " s): " + e.what());
    }
}

std::shared_ptr<Converger::Container> Converger::findContainer(const std::string& containerId) const {
    std::lock_guard lock(mutex_);
    for (const auto& c : containers_) {
        if (c->info.id == containerId) {
            return c;
        }
    }
    return nullptr;
}

void Converger::pauseContainer(const std::shared_ptr<Container>& container, const sdk::Component& component) {
    if (!container) {
        return;
    }
    const std::string& id = container->info.id;
    {
        std::lock_guard lock(mutex_);
        container->info.status = ContainerStatus::Stopping; // out of service while it drains
    }
    changed();
    if (auto router = context_.routers.find(name_)) {
        router->removeInstance(id);
        router->waitDrained(id,
                            steady_clock::now() + std::chrono::seconds(sdk::effectiveMaxDurationSeconds(component)));
    }
    try {
        context_.runtime.pause(id);
    } catch (const std::exception& e) {
        log().warning("component " + name_ + ": pausing container " + shortId(id) +
                      " failed, stopping it: " + e.what());
        retire(container, component, "scale down");
        return;
    }
    const std::int64_t pausedFor = sdk::effectivePausedTimeoutSeconds(*component.docker);
    {
        std::lock_guard lock(mutex_);
        container->info.status = ContainerStatus::Paused;
        container->info.pausedAtUnixMs = context_.clock.unixMillis();
        container->pausedSince = context_.clock.steadyNow();
        container->frozen = true;
    }
    if (context_.metrics) {
        context_.metrics->addPaused(name_, 1);
    }
    changed();
    log().information("component " + name_ + ": container " + shortId(id) + " paused (idle; stopped after " +
                      std::to_string(pausedFor) + " s unless a request wakes it)");
}

bool Converger::resumePaused(const std::shared_ptr<Container>& container, const sdk::Component& component) {
    const std::string& id = container->info.id;
    const auto began = context_.clock.steadyNow();
    if (context_.metrics) {
        context_.metrics->addPaused(name_, -1);
    }
    try {
        context_.runtime.unpause(id);
    } catch (const std::exception& e) {
        log().warning("component " + name_ + ": thawing container " + shortId(id) +
                      " failed, replacing it: " + e.what());
        retire(container, component, "could not be thawed");
        return false;
    }
    std::optional<steady_clock::time_point> requested;
    {
        std::lock_guard lock(mutex_);
        container->frozen = false;
        container->info.status = ContainerStatus::Active;
        container->info.pausedAtUnixMs = 0;
        container->info.startedAtUnixMs = context_.clock.unixMillis(); // idle time counts from the wake
        container->healthFailures = 0;
        container->nextHealthCheck = context_.clock.steadyNow() + healthCheckPeriod(component);
        requested.swap(wakeRequested_);
    }
    registerWithRouter(*container, component);
    changed();
    const auto latency = context_.clock.steadyNow() - std::min(began, requested.value_or(began));
    if (context_.metrics) {
        context_.metrics->recordWake(name_, std::chrono::duration_cast<std::chrono::nanoseconds>(latency));
    }
    log().information("component " + name_ + ": container " + shortId(id) + " woken in " +
                      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(latency).count()) + " ms");
    return true;
}

void Converger::expirePaused() {
    std::vector<std::pair<std::shared_ptr<Container>, std::string>> due;
    sdk::Component component;
    {
        std::lock_guard lock(mutex_);
        component = component_;
        if (!component.docker) {
            return;
        }
        const auto now = context_.clock.steadyNow();
        const std::int64_t pausedFor = sdk::effectivePausedTimeoutSeconds(*component.docker);
        for (const auto& c : containers_) {
            if (c->info.status != ContainerStatus::Paused) {
                continue;
            }
            if (c->info.version != component.version) {
                due.emplace_back(c, "component version changed");
            } else if (now - c->pausedSince >= std::chrono::seconds(pausedFor)) {
                due.emplace_back(c, "paused for " + std::to_string(pausedFor) + " s");
            } else {
                continue;
            }
            c->info.status = ContainerStatus::Stopping; // claimed
        }
    }
    for (const auto& [c, reason] : due) {
        if (context_.metrics) {
            context_.metrics->addPaused(name_, -1);
        }
        retire(c, component, reason);
    }
}

void Converger::maintainPrecreated(std::stop_token stop) {
    if (!context_.runtime.capabilities().precreate || stop.stop_requested()) {
        return;
    }
    sdk::Component component;
    std::optional<Precreated> ahead;
    bool ranHere = false;
    {
        std::lock_guard lock(mutex_);
        component = component_;
        ahead = precreated_;
        ranHere = ranHere_;
    }
    // pullImageOnStart asks for a fresh pull at every start, which a container made earlier would skip.
    const bool wanted = ranHere && component.docker && !component.docker->pullImageOnStart;
    if (ahead && (!wanted || ahead->version != component.version)) {
        removePrecreated(wanted ? "component version changed" : "no longer wanted");
        ahead.reset();
    }
    if (!wanted || ahead) {
        return;
    }
    try {
        ensureImage(component, sdk::PullPolicy::IfMissing);
        const auto created = context_.runtime.create(specFor(component));
        {
            std::lock_guard lock(mutex_);
            precreated_ = Precreated{created.id, component.version};
        }
        log().debug("component " + name_ + " v" + std::to_string(component.version) + ": container " +
                    shortId(created.id) + " created ahead of the next start");
    } catch (const std::exception& e) {
        log().warning("component " + name_ + ": creating a container ahead of the next start failed (retried within " +
                      std::to_string(kConvergeRetryPeriod.count()) + " s): " + e.what());
    }
}

void Converger::ensureImage(const sdk::Component& component, sdk::PullPolicy policy) {
    context_.runtime.ensureImage(*component.docker, policy, [this](const std::string& status) {
        log().debug("component " + name_ + ": pull: " + status);
        std::lock_guard lock(mutex_);
        if (starts_.phase == "starting" || starts_.phase == "pulling") {
            starts_.phase = "pulling";
            starts_.pullStatus = status;
        }
    });
}

void Converger::setStartPhase(const std::string& phase, std::int64_t version) {
    std::lock_guard lock(mutex_);
    starts_.phase = phase;
    starts_.phaseVersion = phase.empty() ? 0 : version;
    starts_.pullStatus.clear();
}

void Converger::recordStartFailure(std::int64_t version, const std::string& why) {
    std::lock_guard lock(mutex_);
    starts_.failures = starts_.failedVersion == version ? starts_.failures + 1 : 1;
    starts_.failedVersion = version;
    starts_.failure = why;
    starts_.failedAtUnixMs = context_.clock.unixMillis();
}

sdk::ContainerSpec Converger::specFor(const sdk::Component& component) const {
    return sdk::ContainerSpec{component, context_.privateUrl, context_.labels};
}

void Converger::removePrecreated(const std::string& why) {
    std::optional<Precreated> ahead;
    {
        std::lock_guard lock(mutex_);
        ahead.swap(precreated_);
    }
    if (!ahead) {
        return;
    }
    try {
        context_.runtime.remove(ahead->id, true);
        log().debug("component " + name_ + ": container " + shortId(ahead->id) + " created ahead removed (" + why +
                    ")");
    } catch (const std::exception& e) {
        log().warning("component " + name_ + ": removing container " + shortId(ahead->id) +
                      " created ahead: " + e.what());
    }
}

bool Converger::acquireStartLock(const sdk::Component& component, std::stop_token stop) {
    const sdk::StartParallelism parallelism = sdk::effectiveStartParallelism(component);
    if (!context_.database || parallelism == sdk::StartParallelism::Parallel) {
        return false;
    }
    const std::string role = startLockRole(name_);
    const std::int64_t startSeconds = sdk::effectiveStartHealthCheckSeconds(*component.docker);
    const std::int64_t leaseMs = ((startSeconds > 0 ? startSeconds : 60) + 1) * 1000;
    while (true) {
        if (parallelism == sdk::StartParallelism::SeriesFirst &&
            context_.database->componentStartCount(name_, component.version).startCount > 0) {
            return false; // the first instance of this version is up somewhere: start in parallel now
        }
        const sdk::RoleLease lease = context_.database->acquireOrRenewRole(role, context_.nodeId, leaseMs);
        if (lease.acquired) {
            return true;
        }
        log().information("component " + name_ + ": waiting for the start lock held by node " + lease.holderNodeId);
        std::unique_lock lock(mutex_);
        context_.clock.waitUntil(cv_, lock, stop, context_.clock.steadyNow() + std::chrono::seconds(5),
                                 [] { return false; });
        if (stop.stop_requested()) {
            throw std::runtime_error("stopping while waiting for the start lock");
        }
    }
}

void Converger::startContainer(const sdk::Component& component, bool lock, std::stop_token stop) {
    std::shared_ptr<Container> paused;
    {
        std::lock_guard guard(mutex_);
        for (const auto& c : containers_) {
            if (c->info.status == ContainerStatus::Paused && c->info.version == component.version) {
                paused = c;
                paused->info.status = ContainerStatus::Starting; // claimed
                break;
            }
        }
    }
    if (paused && resumePaused(paused, component)) {
        return;
    }
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    const auto began = context_.clock.steadyNow();
    RoleHold startLock(lock && acquireStartLock(component, stop) ? context_.database : nullptr, startLockRole(name_),
                       context_.nodeId);
    StartPhases phases;
    bool precreated = false;
    {
        std::lock_guard guard(mutex_);
        precreated = precreated_ && precreated_->version == component.version;
    }
    setStartPhase("starting", component.version);
    if (!precreated && !imageEnsured_) {
        const auto pullBegan = context_.clock.steadyNow();
        ensureImage(component,
                    component.docker->pullImageOnStart ? sdk::PullPolicy::Always : sdk::PullPolicy::IfMissing);
        imageEnsured_ = true;
        phases.pull = context_.clock.steadyNow() - pullBegan;
        std::lock_guard guard(mutex_);
        starts_.phase = "starting"; // pulled: create, start, start health check
    }
    const std::int64_t mib = reserveMemory(*component.docker);
    const auto container = createContainer(component, mib, phases);
    const auto healthBegan = context_.clock.steadyNow();
    awaitStartHealthy(container, *component.docker, began, stop);
    phases.health = context_.clock.steadyNow() - healthBegan;
    activate(container, component);
    {
        std::lock_guard guard(mutex_);
        starts_.phase.clear();
        starts_.phaseVersion = 0;
        starts_.pullStatus.clear();
        if (starts_.failedVersion <= component.version) {
            starts_.failedVersion = 0;
            starts_.failure.clear();
            starts_.failures = 0;
        }
    }
    startLock.release();
    auto ms = [](steady_clock::duration d) { return std::to_string(duration_cast<milliseconds>(d).count()); };
    log().information("component " + name_ + " v" + std::to_string(component.version) + ": container " +
                      shortId(container->info.id) + " started and healthy in " +
                      ms(context_.clock.steadyNow() - began) + " ms (pull " + ms(phases.pull) + " ms, create " +
                      ms(phases.create) + " ms, start " + ms(phases.start) + " ms, health " + ms(phases.health) +
                      " ms)");
    if (context_.metrics) {
        using std::chrono::nanoseconds;
        context_.metrics->recordColdStart(
            name_, duration_cast<nanoseconds>(phases.pull), duration_cast<nanoseconds>(phases.create),
            duration_cast<nanoseconds>(phases.start), duration_cast<nanoseconds>(phases.health));
    }
}

std::int64_t Converger::reserveMemory(const sdk::DockerComponent& docker) {
    const std::int64_t mib = sdk::effectiveReserveMemoryMiB(docker);
    if (context_.memory.reserve(mib)) {
        return mib;
    }
    if (context_.reclaimPaused) {
        context_.reclaimPaused(mib); // paused instances hold memory only until a start needs it
        if (context_.memory.reserve(mib)) {
            return mib;
        }
    }
    throw std::runtime_error("not enough memory on this node: needs " + std::to_string(mib) + " MiB, " +
                             std::to_string(context_.memory.reservedMiB()) + " of " +
                             std::to_string(context_.memory.totalMiB()) + " MiB reserved");
}

std::shared_ptr<Converger::Container> Converger::createContainer(const sdk::Component& component, std::int64_t mib,
                                                                 StartPhases& phases) {
    std::optional<Precreated> ahead;
    {
        std::lock_guard guard(mutex_);
        if (precreated_ && precreated_->version == component.version) {
            ahead.swap(precreated_);
        }
    }
    const bool split = ahead || context_.runtime.capabilities().precreate;
    std::string createdId = ahead ? ahead->id : std::string();
    sdk::ContainerSummary summary;
    try {
        auto phaseBegan = context_.clock.steadyNow();
        if (!split) {
            summary = context_.runtime.start(specFor(component));
        } else {
            if (createdId.empty()) {
                createdId = context_.runtime.create(specFor(component)).id;
                phases.create = context_.clock.steadyNow() - phaseBegan;
                phaseBegan = context_.clock.steadyNow();
            }
            summary = context_.runtime.startCreated(createdId);
        }
        phases.start = context_.clock.steadyNow() - phaseBegan;
    } catch (...) {
        context_.memory.release(mib);
        if (!createdId.empty()) {
            try {
                context_.runtime.remove(createdId, true);
            } catch (const std::exception& e) {
                log().warning("component " + name_ + ": removing container " + shortId(createdId) +
                              " that did not start: " + e.what());
            }
        }
        throw;
    }
    auto container = std::make_shared<Container>();
    container->info =
        ConvergerContainer{summary.id, component.version, ContainerStatus::Starting, context_.clock.unixMillis(), mib};
    if (summary.endpoint) {
        container->host = summary.endpoint->host;
        container->port = static_cast<int>(summary.endpoint->port);
    }
    {
        std::lock_guard guard(mutex_);
        containers_.push_back(container);
        ranHere_ = true;
    }
    changed();
    if (!summary.endpoint) {
        discardStarting(container, "the runtime reports no endpoint for its HTTP port");
    }
    return container;
}

void Converger::awaitStartHealthy(const std::shared_ptr<Container>& container, const sdk::DockerComponent& docker,
                                  std::chrono::steady_clock::time_point began, std::stop_token stop) {
    const std::int64_t startSeconds = sdk::effectiveStartHealthCheckSeconds(docker);
    if (startSeconds <= 0) {
        return; // the start health check is skipped
    }
    const std::string& id = container->info.id;
    auto died = [&] {
        std::lock_guard guard(mutex_);
        return died_.count(id) > 0;
    };
    std::string error;
    const bool healthy = waitHealthy(
        container->host, container->port, sdk::effectiveHealthCheckPath(docker),
        began + std::chrono::seconds(startSeconds), [&] { return stop.stop_requested() || died(); }, error,
        context_.probe, context_.clock);
    if (healthy) {
        return;
    }
    discardStarting(container, died()                  ? std::string("it exited during its start health check")
                               : stop.stop_requested() ? std::string("maelstromd is stopping")
                                                       : "start health check did not pass within " +
                                                             std::to_string(startSeconds) + " s: " + error);
}

void Converger::discardStarting(const std::shared_ptr<Container>& container, const std::string& why) {
    const std::string id = container->info.id;
    try {
        context_.runtime.remove(id, true);
    } catch (const std::exception& e) {
        log().warning("component " + name_ + ": removing failed container " + shortId(id) + ": " + e.what());
    }
    context_.memory.release(container->info.reservedMiB);
    {
        std::lock_guard guard(mutex_);
        std::erase(containers_, container);
        died_.erase(id);
    }
    changed();
    throw std::runtime_error("container " + shortId(id) + " removed: " + why);
}

void Converger::activate(const std::shared_ptr<Container>& container, const sdk::Component& component) {
    {
        std::lock_guard guard(mutex_);
        container->info.status = ContainerStatus::Active;
        container->nextHealthCheck = context_.clock.steadyNow() + healthCheckPeriod(component);
    }
    registerWithRouter(*container, component);
    changed();
    if (context_.database) {
        try {
            context_.database->incrementComponentStartCount(name_, component.version);
        } catch (const std::exception& e) {
            log().warning("component " + name_ + ": counting the start: " + e.what());
        }
    }
}

void Converger::stopContainer(const std::string& containerId, const std::string& reason) {
    std::shared_ptr<Container> container;
    sdk::Component component;
    {
        std::lock_guard lock(mutex_);
        component = component_;
        for (const auto& c : containers_) {
            if (c->info.id == containerId) {
                container = c;
            }
        }
    }
    if (container) {
        retire(container, component, reason);
    }
}

void Converger::retire(const std::shared_ptr<Container>& container, const sdk::Component& component,
                       const std::string& reason) {
    const std::string& id = container->info.id;
    bool frozen = false;
    {
        std::lock_guard lock(mutex_);
        container->info.status = ContainerStatus::Stopping;
        frozen = container->frozen;
    }
    changed();
    if (frozen) {
        try {
            context_.runtime.unpause(id); // a frozen process cannot act on its SIGTERM
        } catch (const std::exception& e) {
            log().warning("component " + name_ + ": thawing container " + shortId(id) + " to stop it: " + e.what());
        }
    }
    if (auto router = context_.routers.find(name_)) {
        router->removeInstance(id);
        const auto longestRequest = std::chrono::seconds(sdk::effectiveMaxDurationSeconds(component));
        // The router waits on the real steady clock (its deadlines are not LifecycleContext::clock's).
        router->waitDrained(id, steady_clock::now() + longestRequest);
    }
    try {
        context_.runtime.stop(id, kStopGrace);
        context_.runtime.remove(id, true);
    } catch (const sdk::NotFound&) {
        // already gone
    } catch (const std::exception& e) {
        log().warning("component " + name_ + ": stopping container " + shortId(id) + ": " + e.what());
    }
    context_.memory.release(container->info.reservedMiB);
    {
        std::lock_guard lock(mutex_);
        std::erase(containers_, container);
        died_.erase(id);
    }
    changed();
    log().information("component " + name_ + ": container " + shortId(id) + " stopped (" + reason + ")");
}

void Converger::registerWithRouter(const Container& container, const sdk::Component& component) {
    context_.routers.byComponent(name_)->addInstance(
        makeInstanceSpec(container.info.id, "http://" + container.host + ":" + std::to_string(container.port),
                         instanceCapacity(component.maxConcurrency, component.softConcurrencyLimit)));
}

void Converger::shutdown(bool stopContainers) {
    if (thread_.joinable()) {
        thread_.request_stop();
        wake();
        thread_.join();
    }
    std::vector<std::shared_ptr<Container>> containers;
    sdk::Component component;
    {
        std::lock_guard lock(mutex_);
        containers = containers_;
        component = component_;
    }
    if (stopContainers) {
        removePrecreated("maelstromd is stopping");
    }
    for (const auto& c : containers) {
        if (stopContainers) {
            if (c->info.status == ContainerStatus::Paused && context_.metrics) {
                context_.metrics->addPaused(name_, -1);
            }
            retire(c, component, "maelstromd is stopping");
        } else if (auto router = context_.routers.find(name_)) {
            router->removeInstance(c->info.id); // a paused one stays paused, for the next maelstromd to adopt
        }
    }
}

} // namespace maelstrom::core
