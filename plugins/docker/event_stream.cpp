// event_stream.cpp — GET /events reader with automatic re-subscription.
// SPDX-License-Identifier: Apache-2.0
#include "event_stream.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace maelstrom::plugins::docker {

namespace sdk = maelstrom::sdk;

std::optional<sdk::ContainerEvent> toContainerEvent(const Poco::JSON::Object::Ptr& message) {
    std::string type = jsonString(message, "Type");
    std::string action = jsonString(message, "Action");
    if (action.empty()) {
        action = jsonString(message, "status"); // pre-1.22 field, still sent
    }
    auto actor = jsonObject(message, "Actor");
    auto attributes = jsonObject(actor, "Attributes");
    sdk::ContainerEvent e;
    if (attributes) {
        for (const auto& [k, v] : *attributes) {
            try {
                e.attributes[k] = v.convert<std::string>();
            } catch (const Poco::Exception&) {
            }
        }
    }
    std::int64_t nanos = jsonInt(message, "timeNano");
    e.timeMillis = nanos > 0 ? nanos / 1000000 : jsonInt(message, "time") * 1000;
    if (type == "container") {
        e.containerId = jsonString(actor, "ID");
        if (action == "start") {
            e.kind = sdk::ContainerEventKind::Started;
        } else if (action == "die") {
            e.kind = sdk::ContainerEventKind::Died;
        } else if (action == "oom") {
            e.kind = sdk::ContainerEventKind::OomKilled;
        } else if (action.rfind("health_status", 0) == 0) {
            e.kind = sdk::ContainerEventKind::HealthStatus;
            std::size_t colon = action.find(':');
            if (colon != std::string::npos) {
                std::string status = action.substr(colon + 1);
                while (!status.empty() && status.front() == ' ')
                    status.erase(0, 1);
                e.attributes["health_status"] = status;
            }
        } else {
            return std::nullopt;
        }
        return e;
    }
    if (type == "image" && action == "tag") {
        e.kind = sdk::ContainerEventKind::ImageTagged;
        e.imageName = e.attributes.count("name") ? e.attributes["name"] : jsonString(actor, "ID");
        return e;
    }
    return std::nullopt;
}

std::string eventFilters() {
    return R"({"type":["container","image"],"event":["start","die","oom","health_status","tag"]})";
}

EventSubscription::EventSubscription(std::shared_ptr<EngineClient> client, sdk::PluginLogger logger, Sink sink)
    : client_(std::move(client)), logger_(std::move(logger)), sink_(std::move(sink)) {}

void EventSubscription::start() {
    std::lock_guard lock(threadMutex_);
    thread_ = std::thread([self = shared_from_this()] { self->run(); });
}

EventSubscription::~EventSubscription() { cancel(); }

void EventSubscription::cancel() {
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
        if (current_ != nullptr) {
            current_->cancel();
        }
    }
    cv_.notify_all();
    std::thread toJoin;
    {
        std::lock_guard lock(threadMutex_);
        if (thread_.joinable()) {
            if (thread_.get_id() == std::this_thread::get_id()) {
                thread_.detach(); // cancelled from the sink: the loop sees cancelled_ and returns
                return;
            }
            toJoin = std::move(thread_);
        }
    }
    if (toJoin.joinable()) {
        toJoin.join(); // without holding a lock the reader needs
    }
}

int EventSubscription::connections() const {
    std::lock_guard lock(mutex_);
    return connections_;
}

bool EventSubscription::waitBackoff(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, delay, [this] { return cancelled_; });
}

void EventSubscription::run() {
    std::chrono::milliseconds backoff(100);
    bool everConnected = false;
    bool reportedDown = false;
    // Events are asked for since the last one delivered, or since the first subscription when none was, so
    // nothing that happens while the stream is re-opened is lost (the daemon keeps recent events).
    std::int64_t floorNano = 0;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (cancelled_)
                return;
        }
        std::string path = "/events?filters=" + urlEncode(eventFilters());
        std::int64_t sinceNano = std::max(lastTimeNano_, floorNano);
        if (sinceNano > 0) {
            char since[64];
            std::snprintf(since, sizeof since, "%lld.%09lld", static_cast<long long>(sinceNano / 1000000000),
                          static_cast<long long>(sinceNano % 1000000000));
            path += "&since=" + std::string(since);
        }
        if (floorNano == 0) {
            floorNano = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
        }
        std::unique_ptr<EngineStream> stream;
        try {
            stream = client_->openStream("GET", path, "subscribe to events");
            if (stream->status() != 200) {
                std::string body = stream->readAll();
                throwEngineError(stream->status(), body, "subscribe to events");
            }
            stream->setReadTimeout(std::chrono::milliseconds(0)); // events may be minutes apart
        } catch (const std::exception& e) {
            if (!reportedDown) {
                logger_.warning(std::string("docker events: ") + e.what() + "; retrying");
                reportedDown = true;
            }
            if (!waitBackoff(backoff))
                return;
            backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
            continue;
        }
        {
            std::lock_guard lock(mutex_);
            if (cancelled_)
                return;
            current_ = stream.get();
            ++connections_;
        }
        if (everConnected) {
            logger_.information("docker events: stream re-opened");
        }
        everConnected = true;
        reportedDown = false;
        backoff = std::chrono::milliseconds(100);
        try {
            std::string line;
            while (std::getline(stream->body(), line)) {
                if (line.empty() || line == "\r")
                    continue;
                Poco::JSON::Object::Ptr message;
                try {
                    message = parseJson(line, "events").extract<Poco::JSON::Object::Ptr>();
                } catch (...) {
                    continue;
                }
                std::int64_t nanos = jsonInt(message, "timeNano");
                std::string key = jsonString(message, "Type") + "/" + jsonString(message, "Action") + "/" +
                                  jsonString(jsonObject(message, "Actor"), "ID");
                if (nanos < lastTimeNano_ || (nanos == lastTimeNano_ && lastKeys_.count(key) != 0)) {
                    continue; // replayed after a reconnect: already delivered
                }
                if (nanos > lastTimeNano_) {
                    lastTimeNano_ = nanos;
                    lastKeys_.clear();
                }
                lastKeys_.insert(key);
                auto event = toContainerEvent(message);
                if (!event)
                    continue;
                try {
                    sink_(*event);
                } catch (const std::exception& e) {
                    logger_.error(std::string("docker events: the subscriber failed: ") + e.what());
                }
                std::lock_guard lock(mutex_);
                if (cancelled_)
                    break;
            }
        } catch (const std::exception& e) {
            std::lock_guard lock(mutex_);
            if (!cancelled_) {
                logger_.warning(std::string("docker events: stream broke (") + e.what() + "); re-subscribing");
            }
        }
        {
            std::lock_guard lock(mutex_);
            current_ = nullptr;
            if (cancelled_)
                return;
        }
        logger_.information("docker events: stream ended (daemon restart?); re-subscribing");
        if (!waitBackoff(backoff))
            return;
    }
}

} // namespace maelstrom::plugins::docker
