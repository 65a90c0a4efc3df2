// data_changes.cpp — see data_changes.h.
#include "api/data_changes.h"

#include <Poco/Logger.h>

#include <algorithm>

namespace maelstrom::core {

DataChanges::Subscription& DataChanges::Subscription::operator=(Subscription&& other) noexcept {
    if (this != &other) {
        reset();
        owner_ = other.owner_;
        slot_ = std::move(other.slot_);
        other.owner_ = nullptr;
    }
    return *this;
}

DataChanges::Subscription::~Subscription() { reset(); }

void DataChanges::Subscription::reset() {
    if (!slot_)
        return;
    {
        std::unique_lock<std::mutex> lock(slot_->mutex);
        slot_->active = false;
        slot_->idle.wait(lock, [&] { return slot_->running == 0; }); // a call in progress finishes first
    }
    owner_->remove(slot_);
    slot_.reset();
    owner_ = nullptr;
}

void DataChanges::remove(const std::shared_ptr<Slot>& slot) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase(subscribers_, slot);
    std::erase(settleHooks_, slot);
}

DataChanges::Subscription DataChanges::subscribe(Subscriber subscriber) {
    auto slot = std::make_shared<Slot>();
    slot->subscriber = std::move(subscriber);
    std::lock_guard<std::mutex> lock(mutex_);
    subscribers_.push_back(slot);
    return Subscription(this, slot);
}

DataChanges::Subscription DataChanges::onSettle(SettleHook hook) {
    auto slot = std::make_shared<Slot>();
    slot->hook = std::move(hook);
    std::lock_guard<std::mutex> lock(mutex_);
    settleHooks_.push_back(slot);
    return Subscription(this, slot);
}

template <class Call>
void DataChanges::runEach(const std::vector<std::shared_ptr<Slot>>& slots, const Call& call) {
    for (const auto& slot : slots) {
        {
            std::lock_guard<std::mutex> lock(slot->mutex);
            if (!slot->active)
                continue;
            ++slot->running;
        }
        call(*slot);
        std::lock_guard<std::mutex> lock(slot->mutex);
        if (--slot->running == 0)
            slot->idle.notify_all();
    }
}

void DataChanges::publish(const ComponentChange& change) {
    std::vector<std::shared_ptr<Slot>> slots;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        slots = subscribers_;
    }
    runEach(slots, [&](Slot& slot) {
        try {
            slot.subscriber(change);
        } catch (const std::exception& e) {
            Poco::Logger::get("maelstrom.api")
                .error("subscriber failed on change of component " + change.componentName + ": " + e.what());
        }
    });
}

void DataChanges::settle() {
    std::vector<std::shared_ptr<Slot>> slots;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        slots = settleHooks_;
    }
    runEach(slots, [](Slot& slot) {
        try {
            slot.hook();
        } catch (const std::exception& e) {
            Poco::Logger::get("maelstrom.api").error(std::string("settle hook failed: ") + e.what());
        }
    });
}

} // namespace maelstrom::core
