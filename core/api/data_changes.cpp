// data_changes.cpp — see data_changes.h.
#include "api/data_changes.h"

#include <Poco/Logger.h>

namespace maelstrom::core {

void DataChanges::subscribe(Subscriber subscriber) {
    std::lock_guard<std::mutex> lock(mutex_);
    subscribers_.push_back(std::move(subscriber));
}

void DataChanges::publish(const ComponentChange& change) {
    std::vector<Subscriber> subscribers;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        subscribers = subscribers_;
    }
    for (const auto& s : subscribers) {
        try {
            s(change);
        } catch (const std::exception& e) {
            Poco::Logger::get("maelstrom.api").error("subscriber failed on change of component " +
                                                     change.componentName + ": " + e.what());
        }
    }
}

void DataChanges::onSettle(SettleHook hook) {
    std::lock_guard<std::mutex> lock(mutex_);
    settleHooks_.push_back(std::move(hook));
}

void DataChanges::settle() {
    std::vector<SettleHook> hooks;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        hooks = settleHooks_;
    }
    for (const auto& hook : hooks) {
        try {
            hook();
        } catch (const std::exception& e) {
            Poco::Logger::get("maelstrom.api").error(std::string("settle hook failed: ") + e.what());
        }
    }
}

} // namespace maelstrom::core
