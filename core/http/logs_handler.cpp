// logs_handler.cpp — see logs_handler.h.
// SPDX-License-Identifier: Apache-2.0
#include "http/logs_handler.h"

#include "logs/container_log_followers.h"
#include "logs/log_format.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/StreamSocket.h>

#include <sys/socket.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include <maelstrom/sdk/clock.h>

namespace maelstrom::core {

struct LogStreams::State {
    std::shared_ptr<sdk::ContainerRuntime> runtime;
    LogStreamLimits limits;
    std::stop_source stopping; ///< requested by stop(): every stream ends
    std::mutex m;
    std::condition_variable changed; ///< `open` changed
    std::size_t open = 0;            ///< guarded by m
};

namespace {

constexpr std::size_t kMaxComponentsBytes = 8192;
constexpr std::size_t kMaxComponentItems = 100;

Poco::Logger& logger() { return Poco::Logger::get("maelstrom.logs"); }

void sendText(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
              const std::string& body) {
    response.setStatus(status);
    response.setContentType("text/plain; charset=utf-8");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
}

// Lines between the followers (producers) and the response writer (consumer), bounded in bytes: a producer waits
// while the queue is full, so a slow client slows the followers instead of growing memory.
class LineQueue {
public:
    explicit LineQueue(std::size_t maxBytes) : maxBytes_(maxBytes) {}

    /// Waits while full; drops the line once the queue is closed.
    void push(std::string line) {
        std::unique_lock lock(m_);
        space_.wait(lock, [&] { return closed_ || bytes_ < maxBytes_; });
        if (closed_) {
            return;
        }
        bytes_ += line.size();
        lines_.push_back(std::move(line));
        ready_.notify_one();
    }

    /// Waits until there are lines, `deadline` passes or `stop` is requested; moves every queued line to `out`.
    void takeAll(std::vector<std::string>& out, std::chrono::steady_clock::time_point deadline, std::stop_token stop) {
        std::unique_lock lock(m_);
        ready_.wait_until(lock, stop, deadline, [&] { return !lines_.empty(); });
        while (!lines_.empty()) {
            out.push_back(std::move(lines_.front()));
            lines_.pop_front();
        }
        bytes_ = 0;
        space_.notify_all();
    }

    /// Releases every waiting producer; later pushes are dropped.
    void close() {
        std::lock_guard lock(m_);
        closed_ = true;
        lines_.clear();
        bytes_ = 0;
        space_.notify_all();
    }

private:
    const std::size_t maxBytes_;
    std::mutex m_;
    std::condition_variable space_;
    std::condition_variable_any ready_;
    std::deque<std::string> lines_;
    std::size_t bytes_ = 0;
    bool closed_ = false;
};

// How often the client's connection is checked for an orderly close between writes.
constexpr std::chrono::milliseconds kHangupCheck{200};

// True when the client closed its side (EOF) or the connection failed. The client sends nothing after its
// request, so EOF means it went away: noticed without waiting for a write to fail (which takes two writes).
// `sentMore` is set when it did send bytes (a pipelined request): then only failed writes tell.
bool clientHungUp(int fd, bool& sentMore) {
    if (fd < 0 || sentMore) {
        return false;
    }
    char c;
    const ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) {
        sentMore = true;
        return false;
    }
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/// What a `/_mael/logs` request asks for.
struct StreamRequest {
    std::string componentsArg; ///< as sent ("" = every component)
    std::string sinceArg;      ///< as sent ("" = the default, 1m)
    ComponentFilter filter;
    std::int64_t sinceMillis = 0;
};

/// Reads `components` and `since`; answers 400 and returns nothing when one of them is invalid.
std::optional<StreamRequest> readStreamRequest(Poco::Net::HTTPServerRequest& request,
                                               Poco::Net::HTTPServerResponse& response) {
    using Status = Poco::Net::HTTPResponse::HTTPStatus;
    StreamRequest asked;
    // Query or form parameters, as Go's FormValue reads them.
    try {
        Poco::Net::HTMLForm form;
        form.setFieldLimit(100);
        form.setValueLengthLimit(static_cast<int>(kMaxComponentsBytes));
        form.load(request, request.stream());
        asked.componentsArg = form.get("components", "");
        asked.sinceArg = form.get("since", "");
    } catch (const Poco::Exception& e) {
        sendText(response, Status::HTTP_BAD_REQUEST, "invalid parameters: " + e.displayText());
        return std::nullopt;
    }
    asked.filter = ComponentFilter(asked.componentsArg);
    if (asked.filter.items().size() > kMaxComponentItems) {
        sendText(response, Status::HTTP_BAD_REQUEST,
                 "invalid components: more than " + std::to_string(kMaxComponentItems) + " items");
        return std::nullopt;
    }
    try {
        asked.sinceMillis = parseSince(asked.sinceArg.empty() ? std::string("1m") : asked.sinceArg, sdk::unixMillis());
    } catch (const InvalidSince& e) {
        sendText(response, Status::HTTP_BAD_REQUEST, e.what());
        return std::nullopt;
    }
    return asked;
}

/// Gives back the stream slot a handler took, however its response ends.
struct StreamSlotRelease {
    LogStreams::State& state;
    ~StreamSlotRelease() {
        std::lock_guard lock(state.m);
        --state.open;
        state.changed.notify_all();
    }
};

// Whatever ends the stream (client gone, shutdown, an exception), producers are released before the
// followers are joined.
struct StreamTeardown {
    LineQueue& queue;
    ContainerLogFollowers& followers;
    ~StreamTeardown() {
        queue.close();
        followers.stop();
    }
};

/// Follows the containers running now; answers 500 and returns false when they cannot be listed.
bool followRunning(ContainerLogFollowers& followers, Poco::Net::HTTPServerResponse& response) {
    try {
        followers.followRunning();
    } catch (const std::exception& e) {
        logger().error(std::string("logs: cannot list the containers: ") + e.what());
        sendText(response, Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "Can't list docker containers");
        return false;
    }
    return true;
}

/// Sends the head of the endless chunked 200 answer; returns its body stream.
std::ostream& startStream(Poco::Net::HTTPServerResponse& response) {
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("text/plain; charset=utf-8");
    response.setChunkedTransferEncoding(true);
    response.set("Cache-Control", "no-cache");
    std::ostream& out = response.send();
    out.flush();
    return out;
}

/// The client connection's socket, or -1 when the request does not come from Poco's server (then only failed
/// writes tell that the client went away).
int clientSocket(Poco::Net::HTTPServerRequest& request) {
    if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
        return static_cast<int>(impl->socket().impl()->sockfd());
    }
    return -1;
}

class LogsRequestHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit LogsRequestHandler(std::shared_ptr<LogStreams::State> state) : state_(std::move(state)) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        using Status = Poco::Net::HTTPResponse::HTTPStatus;
        response.setKeepAlive(false); // the stream ends only when one side goes away
        if (state_->stopping.stop_requested()) {
            sendText(response, Status::HTTP_SERVICE_UNAVAILABLE, "maelstromd is shutting down");
            return;
        }
        const std::optional<StreamRequest> asked = readStreamRequest(request, response);
        if (!asked) {
            return;
        }
        if (!state_->runtime->capabilities().logs) {
            sendText(response, Status::HTTP_NOT_IMPLEMENTED, "the container runtime plugin cannot read logs");
            return;
        }
        if (!takeStreamSlot(response)) {
            return;
        }
        const StreamSlotRelease release{*state_};

        const std::string client = request.clientAddress().toString();
        LineQueue queue(state_->limits.maxQueuedBytes);
        ContainerLogFollowers followers(
            state_->runtime,
            [&filter = asked->filter](const sdk::ContainerSummary& c) { return filter.matches(c.componentName); },
            [&queue](const FollowedLine& line) {
                queue.push(logMessageJson(line.component, line.stderrStream, line.text + "\n"));
            },
            followerOptions(asked->sinceMillis, client));
        const StreamTeardown teardown{queue, followers};

        if (!followRunning(followers, response)) {
            return;
        }
        followers.startPolling();
        logger().information("logs: stream opened for " + client +
                             " (components=" + (asked->componentsArg.empty() ? "*" : asked->componentsArg) +
                             ", since=" + (asked->sinceArg.empty() ? "1m" : asked->sinceArg) + "), following " +
                             std::to_string(followers.following()) + " containers");

        std::ostream& out = startStream(response);
        const bool clientGone = relayLines(out, queue, clientSocket(request));
        logger().information("logs: stream of " + client + " closed (" +
                             (clientGone ? "client went away" : "maelstromd is stopping") + ")");
    }

private:
    /// Counts this response among the open streams; answers 503 + Retry-After and returns false when
    /// `maxStreams` are open already.
    bool takeStreamSlot(Poco::Net::HTTPServerResponse& response) {
        std::lock_guard lock(state_->m);
        if (state_->open >= state_->limits.maxStreams) {
            response.set("Retry-After", "5");
            sendText(response, Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                     "too many log streams open (limit " + std::to_string(state_->limits.maxStreams) +
                         "); close one and retry");
            return false;
        }
        ++state_->open;
        return true;
    }

    FollowerOptions followerOptions(std::int64_t sinceMillis, const std::string& client) const {
        FollowerOptions options;
        options.sinceMillis = sinceMillis;
        options.pollInterval = state_->limits.pollInterval;
        options.maxFollowers = state_->limits.maxFollowersPerStream;
        options.owner = "logs stream of " + client;
        return options;
    }

    /// Writes the followers' lines (and a PING every pingInterval) to `out` until the client goes away or
    /// maelstromd stops; returns true in the first case. `fd`: the client's socket (-1 = unknown).
    bool relayLines(std::ostream& out, LineQueue& queue, int fd) {
        bool sentMore = false;
        const auto ping = state_->limits.pingInterval;
        auto nextPing = std::chrono::steady_clock::now() + ping;
        const std::stop_token stop = state_->stopping.get_token();
        std::vector<std::string> batch;
        bool clientGone = false;
        try {
            while (!stop.stop_requested()) {
                batch.clear();
                queue.takeAll(batch, std::min(nextPing, std::chrono::steady_clock::now() + kHangupCheck), stop);
                if (stop.stop_requested()) {
                    break;
                }
                if (clientHungUp(fd, sentMore)) {
                    clientGone = true;
                    break;
                }
                for (const auto& line : batch) {
                    out.write(line.data(), static_cast<std::streamsize>(line.size()));
                    out.write("\r\n", 2);
                }
                bool wrote = !batch.empty();
                const auto now = std::chrono::steady_clock::now();
                if (now >= nextPing) {
                    wrote = true;
                    out.write("PING\r\n", 6);
                    nextPing += ping;
                    if (nextPing <= now) {
                        nextPing = now + ping;
                    }
                }
                if (wrote) {
                    out.flush();
                }
                if (!out.good()) {
                    clientGone = true;
                    break;
                }
            }
        } catch (const std::exception&) {
            clientGone = true;
        }
        return clientGone;
    }

    std::shared_ptr<LogStreams::State> state_;
};

} // namespace

LogStreams::LogStreams(std::shared_ptr<sdk::ContainerRuntime> runtime, LogStreamLimits limits)
    : state_(std::make_shared<State>()) {
    state_->runtime = std::move(runtime);
    state_->limits = limits;
}

LogStreams::~LogStreams() { stop(); }

Poco::Net::HTTPRequestHandler* LogStreams::newHandler() { return new LogsRequestHandler(state_); }

void LogStreams::stop(std::chrono::milliseconds wait) {
    state_->stopping.request_stop();
    std::unique_lock lock(state_->m);
    if (!state_->changed.wait_for(lock, wait, [&] { return state_->open == 0; })) {
        logger().warning("logs: " + std::to_string(state_->open) + " log streams still closing");
    }
}

std::size_t LogStreams::openStreams() const {
    std::lock_guard lock(state_->m);
    return state_->open;
}

} // namespace maelstrom::core
