// component_cache.cpp — the gateway's copy of the component table.
#include "gateway/component_cache.h"

namespace maelstrom::core {

ComponentCache::ComponentCache() : components_(std::make_shared<const Map>()) {}

std::shared_ptr<const sdk::Component> ComponentCache::find(const std::string& name) const {
    auto map = components_.load();
    const auto it = map->find(name);
    if (it == map->end()) {
        return nullptr;
    }
    return std::shared_ptr<const sdk::Component>(std::move(map), &it->second); // aliasing: keeps the snapshot
}

void ComponentCache::refresh(sdk::Database& db) {
    const auto all = sdk::allPages<sdk::Component>(
        [&](const sdk::PageRequest& page) { return db.listComponents(sdk::ComponentFilter{}, page); });
    replace(all);
}

void ComponentCache::replace(const std::vector<sdk::Component>& components) {
    auto map = std::make_shared<Map>();
    for (const auto& c : components) {
        map->emplace(c.name, c);
    }
    components_.store(std::move(map));
    loaded_.store(true);
}

// put/remove are rare (control-plane writes): copy-on-write of the whole map is fine. A refresh running at the
// same time may overwrite the change with what it read a moment earlier; the next refresh (1 s) corrects it.
void ComponentCache::put(const sdk::Component& component) {
    auto map = std::make_shared<Map>(*components_.load());
    (*map)[component.name] = component;
    components_.store(std::move(map));
}

void ComponentCache::remove(const std::string& name) {
    auto map = std::make_shared<Map>(*components_.load());
    map->erase(name);
    components_.store(std::move(map));
}

} // namespace maelstrom::core
