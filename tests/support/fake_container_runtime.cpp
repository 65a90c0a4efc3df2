// fake_container_runtime.cpp — see fake_container_runtime.h.
// SPDX-License-Identifier: Apache-2.0
#include "fake_container_runtime.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/errors.h>

#include <algorithm>

namespace maelstrom::testing {

class FakeContainerRuntime::FakeSubscription final : public sdk::Subscription {
public:
    FakeSubscription(FakeContainerRuntime& runtime, std::int64_t id) : runtime_(runtime), id_(id) {}
    ~FakeSubscription() override { cancel(); }
    void cancel() override {
        if (id_ != 0) {
            runtime_.unsubscribe(id_);
            id_ = 0;
        }
    }

private:
    FakeContainerRuntime& runtime_;
    std::int64_t id_;
};

void FakeContainerRuntime::failNext(Operation operation, int count, const std::string& why) {
    std::lock_guard lock(mutex_);
    failures_[operation] = InjectedFailure{count, why};
}

void FakeContainerRuntime::failNextStarts(int count, const std::string& why) { failNext(Operation::Start, count, why); }

void FakeContainerRuntime::setUnavailable(bool unavailable) {
    std::lock_guard lock(mutex_);
    unavailable_ = unavailable;
}

void FakeContainerRuntime::setStartHealthy(bool healthy) {
    std::lock_guard lock(mutex_);
    startHealthy_ = healthy;
}

void FakeContainerRuntime::setHealthy(const std::string& containerId, bool healthy) {
    std::lock_guard lock(mutex_);
    if (const auto it = containers_.find(containerId); it != containers_.end()) {
        it->second.healthy = healthy;
    }
}

bool FakeContainerRuntime::kill(const std::string& containerId) {
    std::vector<std::function<void(const sdk::ContainerEvent&)>> sinks;
    sdk::ContainerEvent event;
    {
        std::lock_guard lock(mutex_);
        const auto it = containers_.find(containerId);
        if (it == containers_.end() || it->second.summary.state == sdk::ContainerState::Created) {
            return false;
        }
        it->second.summary.state = sdk::ContainerState::Exited;
        it->second.summary.endpoint.reset();
        logsChanged_.notify_all();
        event.kind = sdk::ContainerEventKind::Died;
        event.containerId = containerId;
        event.attributes = it->second.summary.labels;
        event.attributes["exitCode"] = "137";
        for (const auto& [id, sink] : sinks_) {
            sinks.push_back(sink);
        }
    }
    for (const auto& sink : sinks) {
        sink(event);
    }
    return true;
}

void FakeContainerRuntime::setLogsSupported(bool supported) {
    std::lock_guard lock(mutex_);
    logsSupported_ = supported;
}

void FakeContainerRuntime::setPauseSupported(bool supported) {
    std::lock_guard lock(mutex_);
    pauseSupported_ = supported;
}

void FakeContainerRuntime::setPrecreateSupported(bool supported) {
    std::lock_guard lock(mutex_);
    precreateSupported_ = supported;
}

bool FakeContainerRuntime::appendLog(const std::string& containerId, const std::string& text, bool stderrStream) {
    std::lock_guard lock(mutex_);
    const auto it = containers_.find(containerId);
    if (it == containers_.end()) {
        return false;
    }
    it->second.log.push_back(FakeLogLine{sdk::unixMillis(), stderrStream, text});
    logsChanged_.notify_all();
    return true;
}

FakeContainerRuntime::Probe FakeContainerRuntime::healthProbe() {
    return
        [this](const std::string& host, int port, const std::string&, std::chrono::milliseconds, std::string* error) {
            std::lock_guard lock(mutex_);
            for (const auto& [id, c] : containers_) {
                if (host == kHost && c.summary.endpoint && c.summary.endpoint->port == port &&
                    c.summary.state == sdk::ContainerState::Running) {
                    if (!c.healthy && error != nullptr) {
                        *error = "status 503";
                    }
                    return c.healthy ? 200 : 503;
                }
            }
            if (error != nullptr) {
                *error = "connection refused";
            }
            return -1;
        };
}

std::vector<sdk::ContainerSummary> FakeContainerRuntime::running() const {
    std::lock_guard lock(mutex_);
    return listLocked([](sdk::ContainerState s) { return s == sdk::ContainerState::Running; });
}

std::vector<sdk::ContainerSummary> FakeContainerRuntime::paused() const {
    std::lock_guard lock(mutex_);
    return listLocked([](sdk::ContainerState s) { return s == sdk::ContainerState::Paused; });
}

std::vector<sdk::ContainerSummary> FakeContainerRuntime::created() const {
    std::lock_guard lock(mutex_);
    return listLocked([](sdk::ContainerState s) { return s == sdk::ContainerState::Created; });
}

std::vector<sdk::ContainerSummary> FakeContainerRuntime::all() const {
    std::lock_guard lock(mutex_);
    return listLocked([](sdk::ContainerState) { return true; });
}

int FakeContainerRuntime::startCalls() const {
    std::lock_guard lock(mutex_);
    return startCalls_;
}

int FakeContainerRuntime::removeCalls() const {
    std::lock_guard lock(mutex_);
    return removeCalls_;
}

int FakeContainerRuntime::ensureImageCalls() const {
    std::lock_guard lock(mutex_);
    return ensureImageCalls_;
}

int FakeContainerRuntime::createCalls() const {
    std::lock_guard lock(mutex_);
    return createCalls_;
}

int FakeContainerRuntime::startCreatedCalls() const {
    std::lock_guard lock(mutex_);
    return startCreatedCalls_;
}

int FakeContainerRuntime::pauseCalls() const {
    std::lock_guard lock(mutex_);
    return pauseCalls_;
}

int FakeContainerRuntime::unpauseCalls() const {
    std::lock_guard lock(mutex_);
    return unpauseCalls_;
}

sdk::RuntimeCapabilities FakeContainerRuntime::capabilities() const {
    sdk::RuntimeCapabilities caps;
    caps.events = true;
    caps.adopt = true;
    std::lock_guard lock(mutex_);
    caps.logs = logsSupported_;
    caps.pause = pauseSupported_;
    caps.precreate = precreateSupported_;
    caps.prune = pruneSupported_;
    return caps;
}

sdk::RuntimeInfo FakeContainerRuntime::info() {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    sdk::RuntimeInfo info;
    info.nodeId = "fake-engine";
    info.totalMemoryBytes = std::int64_t(8) << 30;
    info.numCpus = 2;
    info.engineVersion = "fake";
    info.apiVersion = "fake";
    info.hostGateway = "127.0.0.1";
    return info;
}

void FakeContainerRuntime::ensureImage(const sdk::DockerComponent&, sdk::PullPolicy, const sdk::PullProgress&) {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    ++ensureImageCalls_;
}

sdk::ContainerSummary FakeContainerRuntime::start(const sdk::ContainerSpec& spec) {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    ++startCalls_;
    throwIfInjectedLocked(Operation::Start, "starting a container for " + spec.component.name);
    FakeContainer& c = createLocked(spec);
    runLocked(c);
    return c.summary;
}

sdk::ContainerSummary FakeContainerRuntime::create(const sdk::ContainerSpec& spec) {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    if (!precreateSupported_) {
        throw sdk::NotSupported("fake runtime: precreate is off");
    }
    ++createCalls_;
    throwIfInjectedLocked(Operation::Create, "creating a container for " + spec.component.name);
    return createLocked(spec).summary;
}

sdk::ContainerSummary FakeContainerRuntime::startCreated(const std::string& containerId) {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    if (!precreateSupported_) {
        throw sdk::NotSupported("fake runtime: precreate is off");
    }
    ++startCalls_;
    ++startCreatedCalls_;
    FakeContainer& c = findLocked(containerId);
    throwIfInjectedLocked(Operation::Start, "starting container " + containerId);
    switch (c.summary.state) {
    case sdk::ContainerState::Running:
        break; // already started: Docker answers "not modified"
    case sdk::ContainerState::Paused:
        throw sdk::PluginError("fake runtime: starting container " + containerId + ": it is paused (unpause it)");
    default:
        runLocked(c);
        break;
    }
    return c.summary;
}

void FakeContainerRuntime::pause(const std::string& containerId) {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    if (!pauseSupported_) {
        throw sdk::NotSupported("fake runtime: pause is off");
    }
    ++pauseCalls_;
    FakeContainer& c = findLocked(containerId);
    throwIfInjectedLocked(Operation::Pause, "pausing container " + containerId);
    if (c.summary.state == sdk::ContainerState::Running) {
        c.summary.state = sdk::ContainerState::Paused;
    } else if (c.summary.state != sdk::ContainerState::Paused) {
        throw sdk::PluginError("fake runtime: pausing container " + containerId + ": it is not running");
    }
}

void FakeContainerRuntime::unpause(const std::string& containerId) {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    if (!pauseSupported_) {
        throw sdk::NotSupported("fake runtime: pause is off");
    }
    ++unpauseCalls_;
    FakeContainer& c = findLocked(containerId);
    throwIfInjectedLocked(Operation::Unpause, "unpausing container " + containerId);
    if (c.summary.state == sdk::ContainerState::Paused) {
        c.summary.state = sdk::ContainerState::Running;
    } else if (c.summary.state != sdk::ContainerState::Running) {
        throw sdk::PluginError("fake runtime: unpausing container " + containerId + ": it is not running");
    }
}

void FakeContainerRuntime::stop(const std::string& containerId, std::chrono::seconds) {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    // Stopping a container that never started leaves it Created, as Docker does.
    if (const auto it = containers_.find(containerId);
        it != containers_.end() && it->second.summary.state != sdk::ContainerState::Created) {
        it->second.summary.state = sdk::ContainerState::Exited;
        it->second.summary.endpoint.reset();
        logsChanged_.notify_all();
    }
}

void FakeContainerRuntime::remove(const std::string& containerId, bool) {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    ++removeCalls_;
    containers_.erase(containerId);
    logsChanged_.notify_all();
}

sdk::ContainerSummary FakeContainerRuntime::inspect(const std::string& containerId) {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    return findLocked(containerId).summary;
}

std::vector<sdk::ContainerSummary> FakeContainerRuntime::listManaged(bool all) {
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    return listLocked([all](sdk::ContainerState s) {
        return all || s == sdk::ContainerState::Running || s == sdk::ContainerState::Paused;
    });
}

void FakeContainerRuntime::logs(const std::string& containerId, const sdk::LogOptions& options,
                                const std::function<void(const sdk::LogLine&)>& sink, std::stop_token stop) {
    std::unique_lock lock(mutex_);
    if (!logsSupported_) {
        throw sdk::NotSupported("fake runtime: logs are off");
    }
    std::size_t next = 0; // the next line of the container's log to look at
    for (bool first = true;; first = false) {
        throwIfUnavailableLocked();
        const auto it = containers_.find(containerId);
        if (it == containers_.end()) {
            if (first) {
                throw sdk::NotFound("no such container: " + containerId);
            }
            return; // removed while followed
        }
        std::vector<sdk::LogLine> batch;
        for (; next < it->second.log.size(); ++next) {
            const FakeLogLine& line = it->second.log[next];
            if (line.atMillis >= options.sinceMillis &&
                (line.stderrStream ? options.stderrStream : options.stdoutStream)) {
                batch.push_back(sdk::LogLine{containerId, line.stderrStream, line.text});
            }
        }
        const bool running = it->second.summary.state == sdk::ContainerState::Running ||
                             it->second.summary.state == sdk::ContainerState::Paused;
        if (!batch.empty()) {
            lock.unlock();
            for (const auto& line : batch) {
                sink(line);
            }
            lock.lock();
            continue; // lines may have come in meanwhile
        }
        if (!options.follow || !running || stop.stop_requested()) {
            return;
        }
        logsChanged_.wait(lock, stop, [&] {
            const auto c = containers_.find(containerId);
            return c == containers_.end() || c->second.log.size() > next ||
                   (c->second.summary.state != sdk::ContainerState::Running &&
                    c->second.summary.state != sdk::ContainerState::Paused);
        });
        if (stop.stop_requested()) {
            return;
        }
    }
}

std::unique_ptr<sdk::Subscription>
FakeContainerRuntime::subscribe(std::function<void(const sdk::ContainerEvent&)> sink) {
    std::lock_guard lock(mutex_);
    const std::int64_t id = nextId_++;
    sinks_[id] = std::move(sink);
    return std::make_unique<FakeSubscription>(*this, id);
}

void FakeContainerRuntime::throwIfUnavailableLocked() const {
    if (unavailable_) {
        throw sdk::Unavailable("fake runtime: the daemon is not answering");
    }
}

void FakeContainerRuntime::throwIfInjectedLocked(Operation operation, const std::string& what) {
    const auto it = failures_.find(operation);
    if (it != failures_.end() && it->second.remaining > 0) {
        --it->second.remaining;
        throw sdk::PluginError(what + ": " + it->second.why);
    }
}

FakeContainerRuntime::FakeContainer& FakeContainerRuntime::findLocked(const std::string& containerId) {
    const auto it = containers_.find(containerId);
    if (it == containers_.end()) {
        throw sdk::NotFound("no such container: " + containerId);
    }
    return it->second;
}

FakeContainerRuntime::FakeContainer& FakeContainerRuntime::createLocked(const sdk::ContainerSpec& spec) {
    const std::int64_t n = nextId_++;
    FakeContainer c;
    c.order = n;
    c.summary.id = "fake" + std::to_string(n) + std::string(60, '0');
    c.summary.image = spec.component.docker ? spec.component.docker->image : std::string();
    c.summary.componentName = spec.component.name;
    c.summary.componentVersion = spec.component.version;
    c.summary.state = sdk::ContainerState::Created;
    c.summary.createdAt = n;
    c.summary.labels = spec.extraLabels;
    c.summary.labels[sdk::kLabelManaged] = "true";
    c.summary.labels[sdk::kLabelComponent] = spec.component.name;
    c.summary.labels[sdk::kLabelVersion] = std::to_string(spec.component.version);
    const std::string id = c.summary.id;
    return containers_[id] = std::move(c);
}

void FakeContainerRuntime::runLocked(FakeContainer& c) {
    c.healthy = startHealthy_;
    c.summary.state = sdk::ContainerState::Running;
    c.summary.endpoint = sdk::Endpoint{kHost, 20000 + c.order};
}

std::vector<sdk::ContainerSummary>
FakeContainerRuntime::listLocked(const std::function<bool(sdk::ContainerState)>& include) const {
    std::vector<const FakeContainer*> ordered;
    for (const auto& [id, c] : containers_) {
        if (include(c.summary.state)) {
            ordered.push_back(&c);
        }
    }
    std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->order < b->order; });
    std::vector<sdk::ContainerSummary> out;
    for (const auto* c : ordered) {
        out.push_back(c->summary);
    }
    return out;
}

void FakeContainerRuntime::unsubscribe(std::int64_t id) {
    std::lock_guard lock(mutex_);
    sinks_.erase(id);
}

void FakeContainerRuntime::setPruneSupported(bool supported) {
    std::lock_guard lock(mutex_);
    pruneSupported_ = supported;
}

void FakeContainerRuntime::setPruneImages(std::vector<std::string> images) {
    std::lock_guard lock(mutex_);
    pruneImages_ = std::move(images);
}

void FakeContainerRuntime::setPruneHook(std::function<void()> hook) {
    std::lock_guard lock(mutex_);
    pruneHook_ = std::move(hook);
}

std::vector<sdk::PruneOptions> FakeContainerRuntime::pruneCalls() const {
    std::lock_guard lock(mutex_);
    return pruneCalls_;
}

sdk::PruneReport FakeContainerRuntime::prune(const sdk::PruneOptions& options) {
    std::function<void()> hook;
    {
        std::lock_guard lock(mutex_);
        hook = pruneHook_;
    }
    if (hook) {
        hook();
    }
    std::lock_guard lock(mutex_);
    throwIfUnavailableLocked();
    if (!pruneSupported_) {
        throw sdk::NotSupported("the fake runtime's prune is off (setPruneSupported)");
    }
    throwIfInjectedLocked(Operation::Prune, "pruning");
    pruneCalls_.push_back(options);
    sdk::PruneReport report;
    for (auto it = containers_.begin(); it != containers_.end();) {
        if (it->second.summary.state == sdk::ContainerState::Exited) {
            report.removedContainers.push_back(it->first);
            it = containers_.erase(it);
        } else {
            ++it;
        }
    }
    if (options.removeUnregisteredImages) {
        for (const auto& image : pruneImages_) {
            if (std::find(options.registeredImages.begin(), options.registeredImages.end(), image) ==
                options.registeredImages.end()) {
                report.removedImages.push_back(image);
            }
        }
        std::erase_if(pruneImages_, [&](const std::string& image) {
            return std::find(report.removedImages.begin(), report.removedImages.end(), image) !=
                   report.removedImages.end();
        });
    }
    return report;
}

} // namespace maelstrom::testing
