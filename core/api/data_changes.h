// data_changes.h — maelstrom core: in-process notification of component changes. MaelstromService publishes
// every put/remove of a component after it is stored; the resolver, convergers and image puller subscribe.
// (Peers are notified through NotifyDataChanged once the cluster exists.)
// Threads: publish() runs the subscribers synchronously on the caller's thread, outside the registry's lock;
// subscribe() may be called at any time. Subscribers must be quick and must not throw (errors are logged).
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
    void subscribe(Subscriber subscriber);
    void publish(const ComponentChange& change);

private:
    std::mutex mutex_;
    std::vector<Subscriber> subscribers_;
};

} // namespace maelstrom::core
