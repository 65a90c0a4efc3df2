// router.h — one component's request router: the instances that serve it (each with a number of slots), a FIFO
// of requests waiting for a slot until their deadline, cold-start requests while no instance exists, an
// optional bound on waiting requests, and the activity accounting of every instance.
// SPDX-License-Identifier: Apache-2.0
//
// Model: a request calls acquire(); it gets a Lease on one slot of one instance at once when a slot is free
// and nobody is waiting ahead of it, otherwise it joins the FIFO. Whenever a slot frees or an instance is
// added, the oldest waiter that may use a free slot gets it; the load-balancer picker chooses among the
// instances with a free slot. The Lease frees its slot when released or destroyed and records the request's
// duration in the instance's activity windows. Instances may be local containers or (later) remote peers: a
// request may be restricted to local instances until a given time (relayed requests prefer local instances).
//
// Waiting comes in two forms over the same FIFO: acquire() blocks its thread on the waiter's condition variable;
// an AsyncAcquire (the event-loop gateway) holds no thread: the router calls its wake function when the waiter
// was granted a slot, and its owner polls at the times poll() names (deadline, cold-start retry).
// Threads: every public method is thread-safe; one mutex (mutex_) guards all router state. Each waiter is woken
// on its own, so a grant wakes exactly one request. ColdStarter::requestStart is called with no
// lock held, from a request thread (or the thread calling removeInstance); it must not block for long.
#pragma once

#include "routing/activity.h"

#include <maelstrom/sdk/load_balancer.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace maelstrom::core {

/// One registered instance as the router tracks it (slots, activity); defined in router.cpp.
struct RouterInstance;

/// Asks the lifecycle side to place (cold-start) a component. Implemented by the lifecycle/placement code.
class ColdStarter {
public:
    virtual ~ColdStarter() = default;
    /// Schedule a start of `component`; must return promptly (placement runs elsewhere). Thread-safe.
    virtual void requestStart(const std::string& component) = 0;
};

/// Default deadline when a component has maxDurationSeconds <= 0.
inline constexpr std::chrono::seconds kDefaultMaxDuration{300};
/// Default retry period of a pending cold start when httpStartHealthCheckSeconds <= 0.
inline constexpr std::chrono::seconds kDefaultColdStartRetry{30};
/// Retry-After value (seconds) the gateway sends with a 503 for a full queue.
inline constexpr int kQueueFullRetryAfterSeconds = 1;

/// The deadline of a request starting at `start`: start + maxDurationSeconds (<= 0 → 300 s).
SteadyTime requestDeadline(SteadyTime start, std::int64_t maxDurationSeconds);
/// Slots per instance from component settings: softConcurrencyLimit → 0 (unlimited); else maxConcurrency,
/// <= 0 → 1.
std::int64_t instanceCapacity(std::int64_t maxConcurrency, bool softConcurrencyLimit);
/// 504 body for a request that timed out: `gateway: Timeout proxying component: <name>`.
std::string timeoutBody(const std::string& componentName);

struct RouterSettings {
    /// Bound on waiting requests; 0 = unbounded (the reference). A request arriving at a full queue gets
    /// AcquireStatus::QueueFull at once (gateway: 503 with Retry-After).
    std::size_t maxQueued = 0;
    /// Period between cold-start requests while pending (httpStartHealthCheckSeconds; <= 0 → 30 s).
    std::chrono::milliseconds coldStartRetry = kDefaultColdStartRetry;
};

struct InstanceSpec {
    std::string id;            ///< unique within the router (container id, or peer handler id)
    std::string endpoint;      ///< where to proxy, e.g. "http://127.0.0.1:32768"
    std::int64_t capacity = 1; ///< slots; 0 = unlimited (softConcurrencyLimit)
    bool remote = false;       ///< a peer node rather than a local container
};

/// An InstanceSpec as the lifecycle code and the tests register instances.
InstanceSpec makeInstanceSpec(std::string id, std::string endpoint, std::int64_t capacity, bool remote = false);

struct AcquireOptions {
    SteadyTime deadline;                      ///< give up waiting at this time
    std::optional<SteadyTime> start;          ///< the request's gateway start time (durations); default = now
    std::optional<SteadyTime> localOnlyUntil; ///< until then only local instances may serve it (relayed)
};

enum class AcquireStatus { Acquired, Timeout, QueueFull };

class Router;
class AsyncAcquire;

/// One slot of one instance, held while a request is proxied. Movable, not copyable. Released (slot freed,
/// duration recorded) by release() or the destructor. Not thread-safe itself: one request thread owns it.
class Lease {
public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    explicit operator bool() const noexcept { return instance_ != nullptr; }
    const std::string& instanceId() const;
    const std::string& endpoint() const;
    bool remote() const;
    /// How long acquire() waited for this slot (queue wait and cold start), for metrics.
    SteadyClock::duration waited() const noexcept { return waited_; }
    /// Frees the slot now (idempotent).
    void release() noexcept;

private:
    friend class Router;
    friend class AsyncAcquire;
    Lease(std::shared_ptr<Router> router, std::shared_ptr<RouterInstance> instance, const InstanceSpec* spec,
          SteadyTime start);

    std::shared_ptr<Router> router_;
    std::shared_ptr<RouterInstance> instance_; ///< kept alive while leased
    const InstanceSpec* spec_ = nullptr;
    SteadyTime start_;
    SteadyClock::duration waited_{0};
};

struct AcquireResult {
    AcquireStatus status = AcquireStatus::Timeout;
    Lease lease; ///< set when status == Acquired
};

/// Must be owned by a std::shared_ptr (leases keep it alive): create it with std::make_shared.
class Router : public std::enable_shared_from_this<Router> {
public:
    using Clock = std::function<SteadyTime()>;

    /// `picker` chooses among free instances (null = the first free one). `coldStarter` may be null.
    /// `clock` feeds the activity windows (tests inject one); deadlines always use the steady clock.
    Router(std::string componentName, std::unique_ptr<sdk::InstancePicker> picker,
           std::weak_ptr<ColdStarter> coldStarter, RouterSettings settings = {}, Clock clock = nullptr);
    ~Router();
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    const std::string& componentName() const noexcept { return componentName_; }

    /// Blocks until a slot is leased, the deadline passes (Timeout) or the queue bound refuses it (QueueFull).
    AcquireResult acquire(const AcquireOptions& options);

    /// Adds an instance (or replaces the capacity/endpoint of one with the same id). Waiters are served at once.
    void addInstance(InstanceSpec spec);
    /// Stops new requests going to the instance; requests in flight there finish. @return whether it existed.
    bool removeInstance(const std::string& id);
    /// Waits until the removed instance `id` has no request in flight (or the deadline passes).
    /// @return true when drained (or unknown), false on timeout.
    bool waitDrained(const std::string& id, SteadyTime deadline);
    /// Changes the slots of an instance (component settings changed). @return whether it exists.
    bool setCapacity(const std::string& id, std::int64_t capacity);

    void setSettings(const RouterSettings& settings);

    /// Active (not removed) instances.
    std::size_t instanceCount() const;
    /// The requests the active instances take at once: the sum of their slots, an unlimited one counted as 1.
    std::int64_t handlerCount() const;
    ComponentActivitySnapshot activity();

private:
    friend class Lease;
    friend class AsyncAcquire;
    using Instance = RouterInstance;
    struct Waiter;

    /// Queues `waiter` and hands it a slot when one is free; the result when refused at once (queue full).
    /// `callStart` is set when the caller must call requestColdStart() (without the lock).
    std::optional<AcquireResult> beginLocked(Waiter& waiter, const AcquireOptions& options, bool& callStart);
    /// The waiter's outcome when it has one (lease, timeout); otherwise sets `wakeAt` (when to look again at the
    /// latest: deadline, cold-start retry, end of local-only) and maybe `callStart`.
    std::optional<AcquireResult> stepLocked(Waiter& waiter, SteadyTime& wakeAt, bool& callStart);
    /// Gives up waiting (a slot granted meanwhile goes back).
    void abandonLocked(Waiter& waiter);

    void release(Instance& instance, SteadyTime start) noexcept;
    /// Asks the cold starter (if it still exists) for a start; a failure is logged. Call without mutex_.
    void requestColdStart() noexcept;
    /// Hands free slots to waiters, oldest first. Caller holds mutex_.
    void dispatchLocked(SteadyTime now);
    /// Chooses a free instance for `waiter`, or null. Caller holds mutex_.
    std::shared_ptr<Instance> pickLocked(const Waiter& waiter, SteadyTime now);
    bool hasFreeSlotLocked() const;
    void removeWaiterLocked(Waiter& waiter);
    SteadyTime now() const { return clock_ ? clock_() : SteadyClock::now(); }

    const std::string componentName_;
    const std::unique_ptr<sdk::InstancePicker> picker_;
    /// Not owned: a cold starter gone (the lifecycle stopped) means no more cold starts, never a dangling call.
    const std::weak_ptr<ColdStarter> coldStarter_;
    const Clock clock_;

    mutable std::mutex mutex_;
    std::condition_variable drainCv_;                  ///< signalled when a draining instance's in-flight count drops
    RouterSettings settings_;                          ///< guarded by mutex_
    std::vector<std::shared_ptr<Instance>> instances_; ///< guarded; active, in insertion order
    std::unordered_map<std::string, std::shared_ptr<Instance>> draining_; ///< guarded; removed, in flight > 0
    std::list<Waiter*> waiters_;                                          ///< guarded; FIFO, oldest first
    bool pending_ = false;                      ///< guarded; no instance, requests waiting, start requested
    SteadyTime nextColdStart_;                  ///< guarded; when pending: next requestStart
    std::int64_t inFlight_ = 0;                 ///< guarded
    std::int64_t totalRequests_ = 0;            ///< guarded
    std::int64_t timeouts_ = 0;                 ///< guarded
    std::int64_t rejected_ = 0;                 ///< guarded
    std::optional<SteadyTime> lastRequest_;     ///< guarded
    std::vector<sdk::Candidate> candidates_;    ///< guarded; scratch for pickLocked
    std::vector<Instance*> candidateInstances_; ///< guarded; parallel to candidates_
};

/// An acquire that holds no thread while it waits. `wake` is called (under the router's lock, from any thread:
/// it must only schedule work, e.g. post to the owner's event loop) when the waiter may be done; the owner then
/// calls poll(), and also calls it at the latest at the `wakeAt` time poll() returned. Destroying it before it
/// finished gives up the wait. Not thread-safe itself: one owner.
class AsyncAcquire {
public:
    AsyncAcquire(std::shared_ptr<Router> router, const AcquireOptions& options, std::function<void()> wake);
    ~AsyncAcquire();
    AsyncAcquire(const AsyncAcquire&) = delete;
    AsyncAcquire& operator=(const AsyncAcquire&) = delete;

    /// The result once there is one (Acquired, Timeout at the deadline, QueueFull at once); else nothing and
    /// `wakeAt` says when to poll again at the latest.
    std::optional<AcquireResult> poll(SteadyTime& wakeAt);
    /// Gives up waiting (idempotent); poll() answers Timeout afterwards.
    void cancel() noexcept;

private:
    std::shared_ptr<Router> router_;
    std::unique_ptr<Router::Waiter> waiter_;
    std::optional<AcquireResult> result_; ///< refused at once
};

} // namespace maelstrom::core
