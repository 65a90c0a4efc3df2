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
    }
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
    {
        std::lock_guard lock(mutex_);
        containers_.push_back(container);
        ++targetCount_;
    }
    registerWithRouter(*container, component);
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

Converger::State Converger::state() const {
    std::lock_guard lock(mutex_);
    State s{component_, targetCount_, {}};
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
            for (const auto& c : containers_) {
                if (c->info.status == ContainerStatus::Active) {
                    wakeAt = std::min(wakeAt, c->nextHealthCheck);
                }
            }
            clock.waitUntil(cv_, lock, stop, wakeAt, [&] { return dirty_ || !died_.empty(); });
        }
        if (stop.stop_requested()) {
            break;
        }
        handleDied();
        runHealthChecks(stop);
        bool pass = false;
        {
            std::lock_guard lock(mutex_);
            pass = dirty_ || clock.steadyNow() >= nextPass;
            dirty_ = false;
        }
        if (pass) {
            converge(stop);
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
            } else if ((*found)->info.status == ContainerStatus::Active) {
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
    std::vector<PlanContainer> current;
    {
        std::lock_guard lock(mutex_);
        component = component_;
        target = targetCount_;
        for (const auto& c : containers_) {
            if (c->info.status != ContainerStatus::Stopping) {
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
    try {
        if (plan.starts > 0) {
            const auto policy =
                component.docker->pullImageOnStart ? sdk::PullPolicy::Always : sdk::PullPolicy::IfMissing;
            context_.runtime.ensureImage(*component.docker, policy, [this](const std::string& status) {
                log().debug("component " + name_ + ": pull: " + status);
            });
        }
        for (const auto& step : plan.steps) {
            if (stop.stop_requested()) {
                return;
            }
            if (step.kind == PlanStep::Kind::Start) {
                startContainer(component, step.lock, stop);
            } else {
                stopContainer(step.containerId, step.reason);
            }
            std::lock_guard lock(mutex_);
            if (dirty_) {
                return; // the target changed meanwhile: plan again from what runs now
            }
        }
    } catch (const std::exception& e) {
        log().error("component " + name_ + ": converge pass failed (retried at the next event or within " +
                    std::to_string(kConvergeRetryPeriod.count()) + " s): " + e.what());
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
    const auto began = context_.clock.steadyNow();
    RoleHold startLock(lock && acquireStartLock(component, stop) ? context_.database : nullptr, startLockRole(name_),
                       context_.nodeId);
    const std::int64_t mib = reserveMemory(*component.docker);
    const auto container = createContainer(component, mib);
    awaitStartHealthy(container, *component.docker, began, stop);
    activate(container, component);
    startLock.release();
    log().information(
        "component " + name_ + " v" + std::to_string(component.version) + ": container " + shortId(container->info.id) +
        " started and healthy in " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(context_.clock.steadyNow() - began).count()) +
        " ms");
}

std::int64_t Converger::reserveMemory(const sdk::DockerComponent& docker) {
    const std::int64_t mib = sdk::effectiveReserveMemoryMiB(docker);
    if (!context_.memory.reserve(mib)) {
        throw std::runtime_error("not enough memory on this node: needs " + std::to_string(mib) + " MiB, " +
                                 std::to_string(context_.memory.reservedMiB()) + " of " +
                                 std::to_string(context_.memory.totalMiB()) + " MiB reserved");
    }
    return mib;
}

std::shared_ptr<Converger::Container> Converger::createContainer(const sdk::Component& component, std::int64_t mib) {
    sdk::ContainerSummary summary;
    try {
        summary = context_.runtime.start(sdk::ContainerSpec{component, context_.privateUrl, context_.labels});
    } catch (...) {
        context_.memory.release(mib);
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
    {
        std::lock_guard lock(mutex_);
        container->info.status = ContainerStatus::Stopping;
    }
    changed();
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
    for (const auto& c : containers) {
        if (stopContainers) {
            retire(c, component, "maelstromd is stopping");
        } else if (auto router = context_.routers.find(name_)) {
            router->removeInstance(c->info.id);
        }
    }
}

} // namespace maelstrom::core
