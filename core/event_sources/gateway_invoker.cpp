// gateway_invoker.cpp — see gateway_invoker.h.
// SPDX-License-Identifier: Apache-2.0
#include "event_sources/gateway_invoker.h"

#include "gateway/reverse_proxy.h"
#include "net/request_head.h"
#include "routing/router.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>

#include <algorithm>
#include <istream>
#include <stdexcept>

namespace maelstrom::core {
namespace {

/// Margin over the component's deadline before the socket gives up (the gateway answers 504 at the deadline).
constexpr std::chrono::seconds kTimeoutMargin{15};

bool hasControlBytes(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
    });
}

// What the configuration may set: a token method, a path without controls or spaces, headers with token names
// and values without line breaks. Anything else would let a stored event source write a second request.
void checkSendable(const sdk::InvokeRequest& request) {
    if (!net::isToken(request.method)) {
        throw std::invalid_argument("method '" + request.method + "' is not an HTTP method");
    }
    if (request.path.empty() || request.path.front() != '/' || hasControlBytes(request.path) ||
        request.path.find(' ') != std::string::npos) {
        throw std::invalid_argument("path '" + request.path + "' must start with / and have no spaces");
    }
    if (request.componentName.empty() || hasControlBytes(request.componentName)) {
        throw std::invalid_argument("no component to invoke");
    }
    for (const auto& header : request.headers) {
        if (!net::isToken(header.name) || hasControlBytes(header.value)) {
            throw std::invalid_argument("header '" + header.name + "' cannot be sent (invalid name or value)");
        }
    }
}

} // namespace

GatewayInvoker::GatewayInvoker(InvokeTarget target, std::string type, const ComponentCache& components,
                               EventSourceMetrics& metrics, const sdk::Clock& clock)
    : target_(std::move(target)), type_(std::move(type)), components_(components), metrics_(metrics), clock_(clock) {}

sdk::InvokeResponse GatewayInvoker::invoke(const sdk::InvokeRequest& request) {
    checkSendable(request);
    const std::int64_t startedAt = clock_.unixMillis();
    std::optional<std::chrono::nanoseconds> lateness;
    if (request.dueAtUnixMillis) {
        lateness = std::chrono::milliseconds(std::max<std::int64_t>(0, startedAt - *request.dueAtUnixMillis));
    }
    Poco::Net::HTTPClientSession session(target_.host, static_cast<Poco::UInt16>(target_.port));
    std::int64_t maxDuration = 0;
    if (const auto component = components_.find(request.componentName)) {
        maxDuration = component->maxDurationSeconds;
    }
    const auto deadline = maxDuration > 0 ? std::chrono::seconds(maxDuration) : kDefaultMaxDuration;
    session.setTimeout(
        Poco::Timespan(std::chrono::duration_cast<std::chrono::seconds>(deadline + kTimeoutMargin).count(), 0));
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            throw sdk::Unavailable("maelstromd is stopping: no more firings");
        }
        active_.insert(&session);
    }
    struct Deregister {
        GatewayInvoker& self;
        Poco::Net::HTTPClientSession& session;
        ~Deregister() {
            std::lock_guard lock(self.mutex_);
            self.active_.erase(&session);
            self.idle_.notify_all();
        }
    } deregister{*this, session};
    try {
        auto response = send(request, session);
        metrics_.recordFiring(request.eventSourceName, request.componentName, type_,
                              response.status >= 200 && response.status <= 299, lateness);
        return response;
    } catch (const Poco::Exception& e) {
        metrics_.recordFiring(request.eventSourceName, request.componentName, type_, false, lateness);
        throw sdk::Unavailable("the private gateway did not answer: " + e.displayText());
    } catch (const std::exception& e) {
        metrics_.recordFiring(request.eventSourceName, request.componentName, type_, false, lateness);
        throw sdk::Unavailable(std::string("the private gateway did not answer: ") + e.what());
    }
}

sdk::InvokeResponse GatewayInvoker::send(const sdk::InvokeRequest& request, Poco::Net::HTTPClientSession& session) {
    Poco::Net::HTTPRequest http(request.method, request.path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& header : request.headers) {
        http.add(header.name, header.value);
    }
    http.set(kComponentHeader, request.componentName);
    if (!target_.privateToken.empty()) {
        http.set(kRelayTokenHeader, target_.privateToken);
    }
    if (!request.body.empty()) {
        http.setContentLength(static_cast<std::streamsize>(request.body.size()));
    }
    std::ostream& body = session.sendRequest(http);
    body.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    Poco::Net::HTTPResponse answer;
    std::istream& in = session.receiveResponse(answer);
    sdk::InvokeResponse response;
    response.status = static_cast<int>(answer.getStatus());
    for (const auto& [name, value] : answer) {
        response.headers.push_back({name, value});
    }
    char buffer[16 * 1024];
    while (in) {
        in.read(buffer, sizeof buffer);
        const auto got = static_cast<std::size_t>(in.gcount());
        const std::size_t room = kMaxBodyBytes - response.body.size();
        response.body.append(buffer, std::min(got, room));
        if (got > room) {
            response.bodyTruncated = true; // keep reading: the answer is consumed whole, the connection stays sane
        }
    }
    return response;
}

void GatewayInvoker::stop(std::chrono::milliseconds grace) {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    if (idle_.wait_for(lock, grace, [this] { return active_.empty(); })) {
        return;
    }
    // Cut what is left; a call that had not connected yet when it was cut connects a moment later, so cut again
    // until none is left.
    while (!active_.empty()) {
        for (auto* session : active_) {
            try {
                session->abort(); // the blocked read or write fails at once; invoke() deregisters it
            } catch (const Poco::Exception&) {
                // not connected yet: the next round cuts it
            }
        }
        idle_.wait_for(lock, std::chrono::milliseconds(100), [this] { return active_.empty(); });
    }
}

} // namespace maelstrom::core
