// data_changes.h — maelstrom core: in-process notification of component changes. MaelstromService publishes
// every put/remove of a component after it is stored; the resolver, convergers and image puller subscribe.
// (Peers are notified through NotifyDataChanged once the cluster exists.)
// Read-your-writes: a writer calls settle() once it has published every change of one write and before it
// answers its caller; settle() runs the settle hooks (the gateway's route reload), which return when this
// node's routing reflects the database as of that moment. So the request that follows a put, remove or toggle
// answered by this node is routed by the new rules.
// Threads: publish() and settle() run the subscribers / hooks synchronously on the caller's thread, outside the
// registry's lock; subscribe() and onSettle() may be called at any time. Subscribers must be quick and must not
// throw (errors are logged); a settle hook may block for a bounded time.
#pragma once

#include <maelstrom/sdk/model.h>

#include <functional>
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
};

class DataChanges {
public:
    using Subscriber = std::function<void(const ComponentChange&)>;
    using SettleHook = std::function<void()>;
    void subscribe(Subscriber subscriber);
    void publish(const ComponentChange& change);
    void onSettle(SettleHook hook);
    void settle();

private:
    std::mutex mutex_;
    std::vector<Subscriber> subscribers_;
    std::vector<SettleHook> settleHooks_;
};

} // namespace maelstrom::core
