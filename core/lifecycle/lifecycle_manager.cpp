// lifecycle_manager.cpp — see lifecycle_manager.h.
#include "lifecycle/lifecycle_manager.h"

#include <maelstrom/sdk/text.h>

#include <Poco/Logger.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <set>
#include <unordered_map>

namespace maelstrom::core {
namespace {

using std::chrono::steady_clock;

Poco::Logger& log() { return Poco::Logger::get("maelstrom.lifecycle"); }

/// A component cached as missing for this long is really gone (not a refresh racing a local put).
constexpr std::chrono::seconds kRemovalConfirmation{3};
/// Timeout of the health probe of a container found running at boot.
constexpr std::chrono::seconds kAdoptionProbeTimeout{3};

/// `dsn` without the password of its user info ("user:password@host", "scheme://user:password@host") and without the
/// values of its password=/pwd= pairs.
std::string withoutPasswords(std::string dsn) {
    const auto scheme = dsn.find("://");
    const std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
    const auto at = dsn.rfind('@');
    const auto colon = dsn.find(':', start);
    if (at != std::string::npos && at > start && colon < at) {
        dsn.erase(colon, at - colon);
    }
    for (const char* name : {"password=", "pwd="}) {
        for (auto pos = sdk::asciiLower(dsn).find(name); pos != std::string::npos;
             pos = sdk::asciiLower(dsn).find(name, pos)) {
            pos += std::char_traits<char>::length(name);
            const auto end = dsn.find_first_of(" \t;&", pos);
            dsn.erase(pos, end == std::string::npos ? std::string::npos : end - pos);
        }
    }
    return dsn;
}

} // namespace

LifecycleManager::LifecycleManager(sdk::ContainerRuntime& runtime, sdk::Database* database, RouterRegistry& routers,
                                   ComponentCache& components, LifecycleSettings settings, const sdk::Clock& clock,
                                   HealthProbe probe)
    : runtime_(runtime), database_(database), routers_(routers), components_(components),
      memory_(settings.totalMemoryMiB), ownerId_(settings.ownerId),
      context_{runtime, database,         routers, memory_, settings.nodeId, settings.privateUrl, {},
               clock,   std::move(probe), {},      {},      settings.metrics} {
    if (!ownerId_.empty()) {
        context_.labels[kLabelOwner] = ownerId_;
    }
    if (!settings.nodeId.empty()) {
        context_.labels[kLabelNode] = settings.nodeId;
    }
    context_.containersChanged = std::move(settings.containersChanged);
    context_.reclaimPaused = [this](std::int64_t mib) { reclaimPaused(mib); };
    version_ = context_.clock.unixMillis();
}

std::string ownerIdFor(const std::string& dataDir) {
    std::uint64_t hash = 14695981039346656037ULL; // FNV-1a 64-bit offset basis
    for (const unsigned char ch : dataDir) {
        hash = (hash ^ ch) * 1099511628211ULL;
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

std::string ownerKeyFor(const std::string& dataDir, const std::string& databasePlugin,
                        const std::map<std::string, std::string>& databaseSettings) {
    const std::string defaultFile = (std::filesystem::path(dataDir) / "maelstrom.db").lexically_normal().string();
    const bool defaultDatabase =
        databasePlugin == "sqlite" &&
        std::all_of(databaseSettings.begin(), databaseSettings.end(), [&](const auto& setting) {
            return setting.first == "path" && std::filesystem::path(setting.second).lexically_normal() == defaultFile;
        });
    if (defaultDatabase) {
        return dataDir;
    }
    std::string key = dataDir + "\ndatabase " + databasePlugin;
    for (const auto& [name, value] : databaseSettings) {
        const std::string lowerName = sdk::asciiLower(name);
        const bool secret = lowerName.find("password") != std::string::npos ||
                            lowerName.find("secret") != std::string::npos ||
                            lowerName.find("token") != std::string::npos;
        key += "\n" + name + "=" + (secret ? std::string() : withoutPasswords(value));
    }
    return key;
}

LifecycleManager::~LifecycleManager() {
    stopBackground();
    std::vector<std::jthread> retiring;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        retiring.swap(retiring_);
        convergers_.clear(); // converger destructors stop their threads, containers keep running
    }
}

void LifecycleManager::start() {
    adoptRunningContainers();
    {
        std::lock_guard lock(mutex_);
        adopting_ = false;
    }
    adopted_.notify_all();
    if (runtime_.capabilities().events) {
        subscription_ = runtime_.subscribe([this](const sdk::ContainerEvent& event) { onEvent(event); });
    }
    maintenance_ = std::jthread([this](std::stop_token stop) { maintenanceLoop(stop); });
}

void LifecycleManager::adoptRunningContainers() {
    std::vector<sdk::ContainerSummary> found;
    try {
        found = runtime_.listManaged(true);
    } catch (const std::exception& e) {
        log().error(std::string("adoption: cannot list the runtime's containers: ") + e.what());
        return;
    }
    std::map<std::string, std::vector<sdk::ContainerSummary>> adopt;
    std::map<std::string, sdk::Component> components;
    std::set<std::string> precreated; ///< components whose created-ahead container was adopted
    for (const auto& c : found) {
        if (const auto owner = c.labels.find(kLabelOwner);
            owner != c.labels.end() && !ownerId_.empty() && owner->second != ownerId_) {
            log().information("leaving container " + c.id.substr(0, 12) + " of " + c.componentName +
                              " alone: another maelstromd (owner " + owner->second + ") started it");
            continue;
        }
        std::optional<sdk::Component> component;
        try {
            if (database_) {
                component = database_->getComponent(c.componentName);
            } else if (const auto cached = components_.find(c.componentName)) {
                component = *cached;
            }
        } catch (const std::exception& e) {
            log().error("adoption: reading component " + c.componentName + ": " + e.what());
            continue; // keep the container: it may be adopted by the next maelstromd
        }
        std::string why;
        if (!component || !component->docker) {
            why = "its component no longer exists";
        } else if (component->version != c.componentVersion) {
            why = "it runs version " + std::to_string(c.componentVersion) + ", the component is at " +
                  std::to_string(component->version);
        } else if (c.state == sdk::ContainerState::Created) {
            // Created ahead of a start (never started): the next start of the component uses it.
            if (!precreated.insert(c.componentName).second) {
                why = "another container of it is already created ahead";
            }
        } else if (c.state == sdk::ContainerState::Paused) {
            // Frozen while idle: no health check can answer; the next request thaws it.
            if (!c.endpoint) {
                why = "it is paused without an endpoint";
            }
        } else if (c.state != sdk::ContainerState::Running || !c.endpoint) {
            why = "it is not running";
        } else if (context_.probe(c.endpoint->host, static_cast<int>(c.endpoint->port),
                                  sdk::effectiveHealthCheckPath(*component->docker),
                                  std::chrono::duration_cast<std::chrono::milliseconds>(kAdoptionProbeTimeout),
                                  &why) != 200) {
            why = "its health check fails (" + why + ")";
        }
        if (why.empty()) {
            adopt[c.componentName].push_back(c);
            components[c.componentName] = *component;
            continue;
        }
        log().information("removing stale container " + c.id.substr(0, 12) + " of " + c.componentName + ": " + why);
        try {
            runtime_.remove(c.id, true);
        } catch (const std::exception& e) {
            log().warning("removing stale container " + c.id.substr(0, 12) + ": " + e.what());
        }
    }
    for (auto& [name, containers] : adopt) {
        auto converger = std::make_shared<Converger>(components[name], context_);
        for (const auto& c : containers) {
            converger->adopt(c);
            const char* how = c.state == sdk::ContainerState::Paused    ? " (paused)"
                              : c.state == sdk::ContainerState::Created ? " (created ahead of a start)"
                                                                        : "";
            log().information("adopted container " + c.id.substr(0, 12) + " of " + name + " v" +
                              std::to_string(c.componentVersion) + how);
        }
        converger->start();
        std::lock_guard lock(mutex_);
        convergers_[name] = converger;
    }
}

std::shared_ptr<Converger> LifecycleManager::converger(const sdk::Component& component) {
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return nullptr;
    }
    auto& slot = convergers_[component.name];
    if (!slot) {
        slot = std::make_shared<Converger>(component, context_);
        slot->start();
    }
    return slot;
}

std::vector<std::shared_ptr<Converger>> LifecycleManager::convergers() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Converger>> all;
    all.reserve(convergers_.size());
    for (const auto& [name, c] : convergers_) {
        all.push_back(c);
    }
    return all;
}

std::int64_t LifecycleManager::version() const {
    std::lock_guard lock(mutex_);
    return version_;
}

bool LifecycleManager::applyTargets(std::int64_t expectedVersion, const std::vector<TargetChange>& targets,
                                    bool block) {
    {
        std::unique_lock lock(mutex_);
        adopted_.wait(lock, [&] { return !adopting_ || stopping_; });
        if (stopping_ || expectedVersion != version_) {
            return false;
        }
        ++version_;
    }
    std::vector<std::pair<std::shared_ptr<Converger>, std::int64_t>> lower;
    std::vector<std::pair<std::shared_ptr<Converger>, std::int64_t>> raise;
    for (const auto& t : targets) {
        if (!t.component.docker) {
            log().warning("component " + t.component.name + " has no docker section: no instance started");
            continue;
        }
        const auto c = converger(t.component);
        if (!c) {
            return false;
        }
        if (t.component.version > c->state().component.version) {
            c->setComponent(t.component);
        }
        const std::int64_t count = std::max<std::int64_t>(0, t.count);
        (count < c->state().targetCount ? lower : raise).emplace_back(c, count);
    }
    for (const auto& [c, count] : lower) {
        c->setTargetCount(count);
    }
    for (const auto& [c, count] : lower) {
        if (!raise.empty() || block) {
            awaitCount(c, count, false);
        }
    }
    for (const auto& [c, count] : raise) {
        c->setTargetCount(count);
    }
    if (block) {
        for (const auto& [c, count] : raise) {
            awaitCount(c, count, true);
        }
    }
    return true;
}

void LifecycleManager::awaitCount(const std::shared_ptr<Converger>& converger, std::int64_t count, bool raising) const {
    const auto state = converger->state();
    std::int64_t seconds = 30;
    if (raising && state.component.docker) {
        const std::int64_t start = sdk::effectiveStartHealthCheckSeconds(*state.component.docker);
        seconds = (start > 0 ? start : 0) + 10;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto now = converger->state();
        std::int64_t active = 0;
        std::int64_t all = 0;
        for (const auto& c : now.containers) {
            all += c.status != ContainerStatus::Paused; // a paused instance serves nothing: it is not counted
            active += c.status == ContainerStatus::Active && c.version == now.component.version ? 1 : 0;
        }
        if (now.targetCount != count || (raising ? active >= count : all <= count)) {
            return; // reached, or another decision changed the target meanwhile
        }
        if (raising && now.starts.failedVersion == now.component.version &&
            (now.starts.failures != state.starts.failures || now.starts.failedVersion != state.starts.failedVersion)) {
            return; // a start failed meanwhile (a bad image, a failing health check): the converger retries it alone
        }
        {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                return;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

void LifecycleManager::componentChanged(const ComponentChange& change) {
    if (change.kind == ComponentChange::Kind::ComponentPut && change.component) {
        std::shared_ptr<Converger> existing;
        {
            std::lock_guard lock(mutex_);
            const auto it = convergers_.find(change.componentName);
            if (it != convergers_.end()) {
                existing = it->second;
            }
        }
        if (existing) {
            existing->setComponent(*change.component);
        }
    } else if (change.kind == ComponentChange::Kind::ComponentRemoved) {
        retireConverger(change.componentName);
    }
}

void LifecycleManager::retireConverger(const std::string& name) {
    std::lock_guard lock(mutex_);
    const auto it = convergers_.find(name);
    if (it == convergers_.end()) {
        return;
    }
    log().information("component " + name + " removed: stopping its containers");
    retiring_.emplace_back([converger = it->second] { converger->shutdown(true); });
    convergers_.erase(it);
}

bool LifecycleManager::wakePaused(const std::string& component) {
    std::shared_ptr<Converger> converger;
    {
        std::lock_guard lock(mutex_);
        const auto it = convergers_.find(component);
        if (stopping_ || adopting_ || it == convergers_.end()) {
            return false;
        }
        converger = it->second;
    }
    if (!converger->wakePaused()) {
        return false;
    }
    std::lock_guard lock(mutex_);
    ++version_; // this node's targets changed: a placement or autoscale decision made before is stale now
    return true;
}

void LifecycleManager::reclaimPaused(std::int64_t mib) {
    while (memory_.totalMiB() > 0 && memory_.totalMiB() - memory_.reservedMiB() < mib) {
        std::shared_ptr<Converger> oldest;
        std::optional<steady_clock::time_point> oldestAt;
        for (const auto& c : convergers()) {
            const auto at = c->oldestPaused();
            if (at && (!oldestAt || *at < *oldestAt)) {
                oldest = c;
                oldestAt = at;
            }
        }
        if (!oldest || oldest->stopOldestPaused("its memory is needed by another start") == 0) {
            return;
        }
    }
}

void LifecycleManager::onEvent(const sdk::ContainerEvent& event) {
    switch (event.kind) {
    case sdk::ContainerEventKind::Died:
    case sdk::ContainerEventKind::OomKilled:
        for (const auto& c : convergers()) {
            c->containerDied(event.containerId);
        }
        break;
    case sdk::ContainerEventKind::ImageTagged:
        for (const auto& c : convergers()) {
            c->imageTagged(event.imageName);
        }
        break;
    default:
        break;
    }
}

void LifecycleManager::maintenanceLoop(std::stop_token stop) {
    const sdk::Clock& clock = context_.clock;
    auto nextReconcile = clock.steadyNow() + kReconcilePeriod;
    std::mutex sleepMutex;
    std::condition_variable_any sleep; // nobody notifies it: the pause ends on the clock or on stop
    while (!stop.stop_requested()) {
        try {
            applyComponentChanges();
            if (clock.steadyNow() >= nextReconcile) {
                reconcile();
                nextReconcile = clock.steadyNow() + kReconcilePeriod;
            }
        } catch (const std::exception& e) {
            log().error(std::string("lifecycle maintenance pass: ") + e.what());
        }
        std::unique_lock lock(sleepMutex);
        clock.waitUntil(sleep, lock, stop, clock.steadyNow() + kMaintenancePeriod, [] { return false; });
    }
}

// Changes made on other nodes reach this node through the component cache (refreshed every second); local
// changes also arrive at once through componentChanged(). Versions only grow, so an older cached copy (a
// refresh that raced a local put) never rolls a converger back.
void LifecycleManager::applyComponentChanges() {
    if (!components_.loaded()) {
        return;
    }
    const auto now = context_.clock.steadyNow();
    const auto all = components_.all();
    for (const auto& c : convergers()) {
        const auto it = all->find(c->name());
        if (it == all->end()) {
            const auto since = missingSince_.try_emplace(c->name(), now).first->second;
            if (now - since >= kRemovalConfirmation) {
                missingSince_.erase(c->name());
                retireConverger(c->name());
            }
            continue;
        }
        missingSince_.erase(c->name());
        if (it->second.version > c->state().component.version) {
            c->setComponent(it->second);
        }
    }
}

// Events are lost while the Docker daemon is down or restarting: compare what runs with what we think runs.
void LifecycleManager::reconcile() {
    std::vector<sdk::ContainerSummary> running;
    try {
        running = runtime_.listManaged(false);
    } catch (const std::exception& e) {
        log().warning(std::string("cannot list running containers (will retry): ") + e.what());
        return;
    }
    std::set<std::string> ids;
    for (const auto& c : running) {
        ids.insert(c.id);
    }
    for (const auto& converger : convergers()) {
        for (const auto& c : converger->state().containers) {
            if ((c.status == ContainerStatus::Active || c.status == ContainerStatus::Paused) && ids.count(c.id) == 0) {
                converger->containerDied(c.id);
            }
        }
    }
}

void LifecycleManager::stopBackground() {
    if (maintenance_.joinable()) {
        maintenance_.request_stop();
        maintenance_.join();
    }
    if (subscription_) {
        subscription_->cancel();
        subscription_.reset();
    }
}

void LifecycleManager::shutdown(bool stopContainers) {
    stopBackground();
    std::vector<std::shared_ptr<Converger>> all;
    std::vector<std::jthread> retiring;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& [name, c] : convergers_) {
            all.push_back(c);
        }
        convergers_.clear();
        retiring.swap(retiring_);
    }
    adopted_.notify_all();
    std::vector<std::jthread> stoppers;
    for (const auto& c : all) {
        stoppers.emplace_back([c, stopContainers] { c->shutdown(stopContainers); });
    }
    // jthreads join here: every converger stopped, every removed component's containers gone
}

std::vector<sdk::ComponentInfo> LifecycleManager::runningComponents() const {
    std::vector<sdk::ComponentInfo> infos;
    for (const auto& converger : convergers()) { // the map is ordered by name
        const Converger::State state = converger->state();
        std::unordered_map<std::string, InstanceActivitySnapshot> byId;
        bool busy = false;
        if (const auto router = routers_.find(converger->name())) {
            auto activity = router->activity();
            busy = activity.inFlight > 0 || activity.queued > 0;
            for (auto& i : activity.instances) {
                byId[i.instanceId] = std::move(i);
            }
        }
        const std::int64_t nowMs = context_.clock.unixMillis();
        for (const auto& c : state.containers) {
            sdk::ComponentInfo info;
            info.componentName = converger->name();
            info.componentVersion = c.version;
            info.status = c.status == ContainerStatus::Active     ? "active"
                          : c.status == ContainerStatus::Starting ? "starting"
                                                                  : "stopping";
            info.paused = c.status == ContainerStatus::Paused;
            info.maxConcurrency = state.component.maxConcurrency;
            info.memoryReservedMiB = state.component.docker ? state.component.docker->reserveMemoryMiB : 0;
            info.startTime = c.startedAtUnixMs;
            if (const auto it = byId.find(c.id); it != byId.end()) {
                info.lastRequestTime = it->second.lastRequestUnixMs;
                info.totalRequests = it->second.totalRequests;
                info.activity = it->second.activity;
                info.recentConcurrency = it->second.recentConcurrency;
                info.peakConcurrency = it->second.peakConcurrency;
            }
            if (busy && c.status != ContainerStatus::Stopping && c.status != ContainerStatus::Paused) {
                // A request in flight or waiting (an open WebSocket too) keeps the component from looking idle to
                // the autoscaler, which only sees completed requests otherwise.
                info.lastRequestTime = nowMs;
            }
            infos.push_back(std::move(info));
        }
    }
    return infos;
}

std::vector<Converger::State> LifecycleManager::state() const {
    std::vector<Converger::State> states;
    for (const auto& c : convergers()) {
        states.push_back(c->state());
    }
    return states;
}

} // namespace maelstrom::core
