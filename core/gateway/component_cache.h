// component_cache.h — the components the gateway routes to, by name, read from the database together with the
// HTTP event-source rules (every second and after a local change), so a request does not query the database.
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: find() may run on any thread concurrently with refresh()/replace(); the map is immutable and
// swapped atomically.
#pragma once

#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/model.h>

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace maelstrom::core {

class ComponentCache {
public:
    using Map = std::unordered_map<std::string, sdk::Component>;

    ComponentCache();

    /// The cached component, or null when it does not exist (as of the last refresh). No copy: the pointer
    /// shares ownership of the snapshot it was found in (the gateway calls this once per request).
    std::shared_ptr<const sdk::Component> find(const std::string& name) const;

    /// Every cached component (an immutable snapshot).
    std::shared_ptr<const Map> all() const { return components_.load(); }
    /// Whether the table was loaded at least once (refresh or replace): before that, absence means nothing.
    bool loaded() const noexcept { return loaded_.load(); }

    /// Reloads every component from `db` (all pages). @throws what the database throws.
    void refresh(sdk::Database& db);
    /// Installs exactly these components (tests, and callers that already hold the list).
    void replace(const std::vector<sdk::Component>& components);
    /// Adds or replaces one component (a local put, before the next refresh).
    void put(const sdk::Component& component);
    /// Forgets one component (a local remove).
    void remove(const std::string& name);

private:
    std::atomic<std::shared_ptr<const Map>> components_;
    std::atomic<bool> loaded_{false};
};

} // namespace maelstrom::core
