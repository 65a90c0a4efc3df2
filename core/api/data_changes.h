// data_changes.h — maelstrom core: in-process notification of component changes. MaelstromService publishes
// every put/remove of a component after it is stored; the resolver, convergers and image puller subscribe.
// Peers are told through NotifyDataChanged (cluster/change_broadcast.h); what they tell us is published here too.
// Read-your-writes: a writer calls settle() once it has published every change of one write and before it
// answers its caller; settle() runs the settle hooks (the gateway's route reload), which return when this
// node's routing reflects the database as of that moment. So the request that follows a put, remove or toggle
// answered by this node is routed by the new rules.
// Lifetimes: subscribe() and onSettle() return a Subscription; destroying it (or calling reset()) ends the
// subscription and waits for a call of it in progress, so a subscriber may capture objects that its owner
// destroys after the Subscription. DataChanges itself must outlive every Subscription.
// Threads: publish() and settle() run the subscribers / hooks synchronously on the caller's thread, outside the
// registry's lock; subscribe() and onSettle() may be called at any time. Subscribers must be quick and must not
// throw (errors are logged); a settle hook may block for a bounded time. A subscriber must not end its own
// subscription from inside its call (it would wait for itself).
#pragma once

#include <maelstrom/sdk/model.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace maelstrom::core {

struct ComponentChange {
    enum class Kind {
        ComponentPut,        ///< `component` holds the stored component
        ComponentRemoved,    ///< `found` says whether it existed
        EventSourcesChanged, ///< event sources of `componentName` were put, removed or toggled
    };
    Kind kind = Kind::ComponentPut;
    std::string componentName;
    std::optional<sdk::Component> component;
    bool found = false;
    bool fromPeer = false; ///< told by another node (NotifyDataChanged): not to be broadcast again
};

class DataChanges {
    struct Slot;

public:
    using Subscriber = std::function<void(const ComponentChange&)>;
    using SettleHook = std::function<void()>;

    /// Ends its subscription when destroyed or reset. Move-only.
    class Subscription {
    public:
        Subscription() = default;
        Subscription(Subscription&&) noexcept = default;
        Subscription& operator=(Subscription&& other) noexcept;
        ~Subscription();
        Subscription(const Subscription&) = delete;
        Subscription& operator=(const Subscription&) = delete;
        /// Ends the subscription; returns once no call of it is running. Idempotent.
        void reset();

    private:
        friend class DataChanges;
        Subscription(DataChanges* owner, std::shared_ptr<Slot> slot) : owner_(owner), slot_(std::move(slot)) {}
        DataChanges* owner_ = nullptr;
        std::shared_ptr<Slot> slot_;
    };

    [[nodiscard]] Subscription subscribe(Subscriber subscriber);
    void publish(const ComponentChange& change);
    [[nodiscard]] Subscription onSettle(SettleHook hook);
    void settle();

private:
    /// One subscriber or settle hook. Calls of it may run concurrently; ending the subscription waits until
    /// none runs.
    struct Slot {
        std::mutex mutex;
        std::condition_variable idle;
        bool active = true; ///< guarded by mutex
        int running = 0;    ///< calls in progress; guarded by mutex
        Subscriber subscriber;
        SettleHook hook;
    };
    void remove(const std::shared_ptr<Slot>& slot);
    /// Runs `call` for every active slot of `slots`, counting it as running.
    template <class Call>
    static void runEach(const std::vector<std::shared_ptr<Slot>>& slots, const Call& call);

    std::mutex mutex_; // guards the two lists (not the calls)
    std::vector<std::shared_ptr<Slot>> subscribers_;
    std::vector<std::shared_ptr<Slot>> settleHooks_;
};

} // namespace maelstrom::core
