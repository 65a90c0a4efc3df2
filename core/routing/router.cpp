// router.cpp — see router.h.
// SPDX-License-Identifier: Apache-2.0
#include "routing/router.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <exception>

namespace maelstrom::core {

SteadyTime requestDeadline(SteadyTime start, std::int64_t maxDurationSeconds) {
    const auto seconds = maxDurationSeconds <= 0 ? kDefaultMaxDuration : std::chrono::seconds(maxDurationSeconds);
    return start + seconds;
}

std::int64_t instanceCapacity(std::int64_t maxConcurrency, bool softConcurrencyLimit) {
    if (softConcurrencyLimit) {
        return 0;
    }
    return maxConcurrency <= 0 ? 1 : maxConcurrency;
}

std::string timeoutBody(const std::string& componentName) {
    return "gateway: Timeout proxying component: " + componentName;
}

InstanceSpec makeInstanceSpec(std::string id, std::string endpoint, std::int64_t capacity, bool remote) {
    InstanceSpec spec;
    spec.id = std::move(id);
    spec.endpoint = std::move(endpoint);
    spec.capacity = capacity;
    spec.remote = remote;
    return spec;
}

struct RouterInstance {
    RouterInstance(InstanceSpec s, SteadyTime now) : spec(std::move(s)), capacity(spec.capacity), activity(now) {}
    const InstanceSpec spec;   ///< immutable: leases read it without the lock
    std::int64_t capacity;     ///< guarded by Router::mutex_; 0 = unlimited
    std::int64_t inFlight = 0; ///< guarded
    bool removed = false;      ///< guarded
    InstanceActivity activity; ///< guarded
};

struct Router::Waiter {
    SteadyTime deadline;
    SteadyTime start;   ///< the request's start (for its duration)
    SteadyTime arrived; ///< when acquire began (for the wait it reports)
    std::optional<SteadyTime> localOnlyUntil;
    std::condition_variable cv;        ///< the blocking acquire() waits on it
    std::function<void()> wake;        ///< an AsyncAcquire's notification (instead of cv); called under mutex_
    std::shared_ptr<Instance> granted; ///< set (under mutex_) by the dispatcher
    std::list<Waiter*>::iterator pos;
    bool queued = false; ///< guarded; in waiters_
    bool done = false;   ///< guarded; finished (granted lease handed out, timed out or refused)

    void notify() {
        if (wake) {
            wake();
        } else {
            cv.notify_one();
        }
    }
};

// ---- Lease ----

Lease::Lease(std::shared_ptr<Router> router, std::shared_ptr<RouterInstance> instance, const InstanceSpec* spec,
             SteadyTime start)
    : router_(std::move(router)), instance_(std::move(instance)), spec_(spec), start_(start) {}

Lease::Lease(Lease&& other) noexcept
    : router_(std::move(other.router_)), instance_(std::move(other.instance_)), spec_(other.spec_),
      start_(other.start_), waited_(other.waited_) {
    other.spec_ = nullptr;
}

Lease& Lease::operator=(Lease&& other) noexcept {
    if (this != &other) {
        release();
        router_ = std::move(other.router_);
        instance_ = std::move(other.instance_);
        spec_ = other.spec_;
        start_ = other.start_;
        waited_ = other.waited_;
        other.spec_ = nullptr;
    }
    return *this;
}

Lease::~Lease() { release(); }

const std::string& Lease::instanceId() const { return spec_->id; }
const std::string& Lease::endpoint() const { return spec_->endpoint; }
bool Lease::remote() const { return spec_->remote; }

void Lease::release() noexcept {
    if (router_ && instance_) {
        router_->release(*instance_, start_);
    }
    router_.reset();
    instance_.reset();
    spec_ = nullptr;
}

// ---- Router ----

Router::Router(std::string componentName, std::unique_ptr<sdk::InstancePicker> picker,
               std::weak_ptr<ColdStarter> coldStarter, RouterSettings settings, Clock clock)
    : componentName_(std::move(componentName)), picker_(std::move(picker)), coldStarter_(std::move(coldStarter)),
      clock_(std::move(clock)), settings_(settings) {
    if (settings_.coldStartRetry <= std::chrono::milliseconds{0}) {
        settings_.coldStartRetry = kDefaultColdStartRetry;
    }
}

Router::~Router() = default;

void Router::setSettings(const RouterSettings& settings) {
    std::lock_guard lock(mutex_);
    settings_ = settings;
    if (settings_.coldStartRetry <= std::chrono::milliseconds{0}) {
        settings_.coldStartRetry = kDefaultColdStartRetry;
    }
}

bool Router::hasFreeSlotLocked() const {
    return std::any_of(instances_.begin(), instances_.end(),
                       [](const auto& i) { return i->capacity <= 0 || i->inFlight < i->capacity; });
}

std::shared_ptr<Router::Instance> Router::pickLocked(const Waiter& waiter, SteadyTime now) {
    candidates_.clear();
    candidateInstances_.clear();
    const bool localOnly = waiter.localOnlyUntil && now < *waiter.localOnlyUntil;
    for (const auto& instance : instances_) {
        if (localOnly && instance->spec.remote) {
            continue;
        }
        if (instance->capacity > 0 && instance->inFlight >= instance->capacity) {
            continue;
        }
        candidates_.push_back({instance->spec.id, instance->inFlight, instance->capacity});
        candidateInstances_.push_back(instance.get());
    }
    if (candidates_.empty()) {
        return nullptr;
    }
    std::size_t index = picker_ ? picker_->pick(candidates_) : 0;
    if (index >= candidates_.size()) {
        index = 0; // a misbehaving picker must not break routing
    }
    const Instance* chosen = candidateInstances_[index];
    for (const auto& instance : instances_) {
        if (instance.get() == chosen) {
            return instance;
        }
    }
    return nullptr; // unreachable: chosen comes from instances_
}

void Router::dispatchLocked(SteadyTime now) {
    while (!waiters_.empty() && hasFreeSlotLocked()) {
        bool granted = false;
        for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
            Waiter& waiter = **it;
            if (waiter.deadline <= now) {
                continue; // it is about to time out; do not hand it a slot it cannot use
            }
            auto instance = pickLocked(waiter, now);
            if (!instance) {
                continue; // restricted to local instances and none is free: the next waiter may use it
            }
            ++instance->inFlight;
            instance->activity.setInFlight(instance->inFlight, this->now());
            ++inFlight_;
            waiter.granted = std::move(instance);
            waiters_.erase(it);
            waiter.queued = false;
            waiter.notify();
            granted = true;
            break;
        }
        if (!granted) {
            return;
        }
    }
}

void Router::removeWaiterLocked(Waiter& waiter) {
    if (!waiter.queued) {
        return;
    }
    waiter.queued = false;
    waiters_.erase(waiter.pos);
    if (waiters_.empty() && instances_.empty()) {
        pending_ = false; // state "off": the next request asks for a start again
    }
}

std::optional<AcquireResult> Router::beginLocked(Waiter& waiter, const AcquireOptions& options, bool& callStart) {
    waiter.start = options.start.value_or(now());
    waiter.arrived = SteadyClock::now();
    waiter.deadline = options.deadline;
    waiter.localOnlyUntil = options.localOnlyUntil;
    lastRequest_ = now();
    if (settings_.maxQueued > 0 && waiters_.size() >= settings_.maxQueued) {
        ++rejected_;
        waiter.done = true;
        return AcquireResult{AcquireStatus::QueueFull, {}};
    }
    waiters_.push_back(&waiter);
    waiter.pos = std::prev(waiters_.end());
    waiter.queued = true;
    dispatchLocked(SteadyClock::now());
    if (!waiter.granted && instances_.empty() && !pending_) {
        pending_ = true;
        nextColdStart_ = SteadyClock::now() + settings_.coldStartRetry;
        callStart = true;
    }
    return std::nullopt;
}

std::optional<AcquireResult> Router::stepLocked(Waiter& waiter, SteadyTime& wakeAt, bool& callStart) {
    if (waiter.done) {
        return AcquireResult{AcquireStatus::Timeout, {}};
    }
    if (waiter.granted) {
        waiter.done = true;
        auto instance = std::move(waiter.granted);
        const InstanceSpec* spec = &instance->spec;
        Lease lease(shared_from_this(), std::move(instance), spec, waiter.start);
        lease.waited_ = SteadyClock::now() - waiter.arrived;
        return AcquireResult{AcquireStatus::Acquired, std::move(lease)};
    }
    const auto t = SteadyClock::now();
    if (t >= waiter.deadline) {
        removeWaiterLocked(waiter);
        waiter.done = true;
        ++timeouts_;
        return AcquireResult{AcquireStatus::Timeout, {}};
    }
    const bool localOnly = waiter.localOnlyUntil && t < *waiter.localOnlyUntil;
    if (!localOnly && waiter.localOnlyUntil) {
        dispatchLocked(t); // remote slots are now allowed for it
        if (waiter.granted) {
            return stepLocked(waiter, wakeAt, callStart);
        }
    }
    if (pending_ && t >= nextColdStart_) {
        // Still no instance: ask again (the original retries every httpStartHealthCheckSeconds). One waiter claims it.
        nextColdStart_ = t + settings_.coldStartRetry;
        callStart = true;
    }
    wakeAt = waiter.deadline;
    if (pending_ && nextColdStart_ < wakeAt) {
        wakeAt = nextColdStart_;
    }
    if (localOnly && *waiter.localOnlyUntil < wakeAt) {
        wakeAt = *waiter.localOnlyUntil;
    }
    return std::nullopt;
}

void Router::abandonLocked(Waiter& waiter) {
    removeWaiterLocked(waiter);
    if (waiter.granted) {
        // Granted after its owner stopped waiting (cancelled): the slot goes back.
        auto instance = std::move(waiter.granted);
        --instance->inFlight;
        instance->activity.setInFlight(instance->inFlight, now());
        --inFlight_;
        if (!instance->removed) {
            dispatchLocked(SteadyClock::now());
        } else if (instance->inFlight == 0) {
            const auto it = draining_.find(instance->spec.id);
            if (it != draining_.end() && it->second == instance) {
                draining_.erase(it);
            }
            drainCv_.notify_all();
        }
    }
    waiter.done = true;
}

AcquireResult Router::acquire(const AcquireOptions& options) {
    Waiter waiter;
    bool callStart = false;
    std::unique_lock lock(mutex_);
    if (auto refused = beginLocked(waiter, options, callStart)) {
        return std::move(*refused);
    }
    for (;;) {
        if (callStart) {
            callStart = false;
            lock.unlock();
            requestColdStart();
            lock.lock();
        }
        SteadyTime wakeAt;
        if (auto result = stepLocked(waiter, wakeAt, callStart)) {
            return std::move(*result);
        }
        if (!callStart) {
            waiter.cv.wait_until(lock, wakeAt);
        }
    }
}

// ---- AsyncAcquire ----

AsyncAcquire::AsyncAcquire(std::shared_ptr<Router> router, const AcquireOptions& options, std::function<void()> wake)
    : router_(std::move(router)), waiter_(std::make_unique<Router::Waiter>()) {
    waiter_->wake = std::move(wake);
    bool callStart = false;
    {
        std::lock_guard lock(router_->mutex_);
        if (auto refused = router_->beginLocked(*waiter_, options, callStart)) {
            result_ = std::move(*refused);
        }
    }
    if (callStart) {
        router_->requestColdStart();
    }
}

AsyncAcquire::~AsyncAcquire() { cancel(); }

void AsyncAcquire::cancel() noexcept {
    if (!waiter_) {
        return;
    }
    std::lock_guard lock(router_->mutex_);
    if (!waiter_->done) {
        router_->abandonLocked(*waiter_);
    }
}

std::optional<AcquireResult> AsyncAcquire::poll(SteadyTime& wakeAt) {
    if (result_) {
        auto out = std::move(result_);
        result_.reset();
        return out;
    }
    bool callStart = false;
    std::optional<AcquireResult> out;
    {
        std::lock_guard lock(router_->mutex_);
        out = router_->stepLocked(*waiter_, wakeAt, callStart);
    }
    if (callStart) {
        router_->requestColdStart();
        if (!out) {
            wakeAt = SteadyClock::now(); // poll again at once: the state may have moved meanwhile
        }
    }
    return out;
}

void Router::requestColdStart() noexcept {
    const std::shared_ptr<ColdStarter> starter = coldStarter_.lock();
    if (!starter) {
        return;
    }
    try {
        starter->requestStart(componentName_);
    } catch (const std::exception& e) {
        Poco::Logger::get("maelstrom.router")
            .error("component " + componentName_ + ": cold start request failed: " + e.what());
    }
}

void Router::release(Instance& instance, SteadyTime start) noexcept {
    const auto t = now();
    std::lock_guard lock(mutex_);
    --instance.inFlight;
    instance.activity.setInFlight(instance.inFlight, t);
    --inFlight_;
    ++totalRequests_;
    lastRequest_ = t;
    instance.activity.recordCompletion(t - start, t);
    if (instance.removed) {
        if (instance.inFlight == 0) {
            const auto it = draining_.find(instance.spec.id);
            if (it != draining_.end() && it->second.get() == &instance) {
                draining_.erase(it);
            }
            drainCv_.notify_all();
        }
        return;
    }
    dispatchLocked(SteadyClock::now());
}

void Router::addInstance(InstanceSpec spec) {
    std::lock_guard lock(mutex_);
    const auto it =
        std::find_if(instances_.begin(), instances_.end(), [&](const auto& i) { return i->spec.id == spec.id; });
    if (it != instances_.end()) {
        (*it)->capacity = spec.capacity; // same instance announced again: endpoint stays
    } else {
        instances_.push_back(std::make_shared<Instance>(std::move(spec), now()));
    }
    pending_ = false;
    dispatchLocked(SteadyClock::now());
}

bool Router::removeInstance(const std::string& id) {
    bool callStart = false;
    {
        std::lock_guard lock(mutex_);
        const auto it =
            std::find_if(instances_.begin(), instances_.end(), [&](const auto& i) { return i->spec.id == id; });
        if (it == instances_.end()) {
            return false;
        }
        auto instance = *it;
        instances_.erase(it);
        instance->removed = true;
        if (instance->inFlight > 0) {
            draining_[id] = instance;
        }
        if (picker_) {
            picker_->forget(id);
        }
        if (instances_.empty() && !waiters_.empty() && !pending_) {
            // Requests are waiting and nothing serves them any more: back to pending, ask for a start now.
            pending_ = true;
            nextColdStart_ = SteadyClock::now() + settings_.coldStartRetry;
            callStart = true;
        }
    }
    drainCv_.notify_all();
    if (callStart) {
        requestColdStart();
    }
    return true;
}

bool Router::waitDrained(const std::string& id, SteadyTime deadline) {
    std::unique_lock lock(mutex_);
    return drainCv_.wait_until(lock, deadline, [&] { return draining_.find(id) == draining_.end(); });
}

bool Router::setCapacity(const std::string& id, std::int64_t capacity) {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(instances_.begin(), instances_.end(), [&](const auto& i) { return i->spec.id == id; });
    if (it == instances_.end()) {
        return false;
    }
    (*it)->capacity = capacity;
    dispatchLocked(SteadyClock::now());
    return true;
}

std::size_t Router::instanceCount() const {
    std::lock_guard lock(mutex_);
    return instances_.size();
}

std::int64_t Router::handlerCount() const {
    std::lock_guard lock(mutex_);
    std::int64_t total = 0;
    for (const auto& instance : instances_) {
        total += instance->capacity > 0 ? instance->capacity : 1;
    }
    return total;
}

ComponentActivitySnapshot Router::activity() {
    const auto t = now();
    std::lock_guard lock(mutex_);
    ComponentActivitySnapshot out;
    out.componentName = componentName_;
    out.inFlight = inFlight_;
    out.queued = static_cast<std::int64_t>(waiters_.size());
    out.totalRequests = totalRequests_;
    out.timeouts = timeouts_;
    out.rejected = rejected_;
    out.pending = pending_;
    out.lastRequest = lastRequest_;
    auto add = [&](Instance& instance) {
        InstanceActivitySnapshot s;
        s.instanceId = instance.spec.id;
        s.remote = instance.spec.remote;
        s.draining = instance.removed;
        s.capacity = instance.capacity;
        s.inFlight = instance.inFlight;
        s.totalRequests = instance.activity.totalRequests();
        s.lastRequestUnixMs = instance.activity.lastRequestUnixMs();
        s.activity = instance.activity.windows(t);
        s.recentConcurrency = instance.activity.recentConcurrency(t);
        s.peakConcurrency = instance.activity.peakConcurrency(t);
        out.instances.push_back(std::move(s));
    };
    for (const auto& instance : instances_) {
        add(*instance);
    }
    for (const auto& [id, instance] : draining_) {
        add(*instance);
    }
    return out;
}

} // namespace maelstrom::core
