// logs_handler.cpp — see logs_handler.h.
// SPDX-License-Identifier: Apache-2.0
#include "http/logs_handler.h"

#include "http/blocking_response.h"
#include "logs/container_log_followers.h"
#include "logs/log_format.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTMLForm.h>

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

using Headers = BlockingResponse::Headers;

const Headers& retryLater() {
    static const Headers headers{{"Retry-After", "5"}};
    return headers;
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

/// The query string of a request target ("" when it has none).
std::string queryOf(const std::string& target) {
    const auto q = target.find('?');
    if (q == std::string::npos) {
        return {};
    }
    const auto fragment = target.find('#', q + 1);
    return target.substr(q + 1, fragment == std::string::npos ? std::string::npos : fragment - q - 1);
}

/// Reads `components` and `since` from the query; answers 400 and returns nothing when one of them is invalid.
std::optional<StreamRequest> readStreamRequest(const LogsRequest& request, BlockingResponse& response) {
    StreamRequest asked;
    try {
        Poco::Net::HTMLForm form;
        form.setFieldLimit(100);
        form.setValueLengthLimit(static_cast<int>(kMaxComponentsBytes));
        form.read(queryOf(request.target));
        asked.componentsArg = form.get("components", "");
        asked.sinceArg = form.get("since", "");
    } catch (const Poco::Exception& e) {
        response.sendText(400, "invalid parameters: " + e.displayText());
        return std::nullopt;
    }
    asked.filter = ComponentFilter(asked.componentsArg);
    if (asked.filter.items().size() > kMaxComponentItems) {
        response.sendText(400, "invalid components: more than " + std::to_string(kMaxComponentItems) + " items");
        return std::nullopt;
    }
    try {
        asked.sinceMillis = parseSince(asked.sinceArg.empty() ? std::string("1m") : asked.sinceArg, sdk::unixMillis());
    } catch (const InvalidSince& e) {
        response.sendText(400, e.what());
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
bool followRunning(ContainerLogFollowers& followers, BlockingResponse& response) {
    try {
        followers.followRunning();
    } catch (const std::exception& e) {
        logger().error(std::string("logs: cannot list the containers: ") + e.what());
        response.sendText(500, "Can't list docker containers");
        return false;
    }
    return true;
}

// One `/_mael/logs` request, from its query to the end of its answer.
class LogsRequestServer {
public:
    LogsRequestServer(std::shared_ptr<LogStreams::State> state, const LogsRequest& request, int fd)
        : state_(std::move(state)), request_(request), fd_(fd),
          response_(fd, BlockingResponse::kDefaultWriteTimeout, state_->stopping.get_token()) {}

    /// Never throws: an unexpected error before the answer started answers 500; after, it ends the stream.
    void run() noexcept {
        try {
            serve();
        } catch (const std::exception& e) {
            failed(e.what());
        } catch (...) {
            failed("unknown exception");
        }
    }

private:
    void failed(const char* what) noexcept {
        try {
            logger().error("logs: request of " + request_.clientAddress + " failed: " + what);
        } catch (...) {
        }
        response_.sendText(500, "internal error"); // does nothing when the answer has started
    }

    void serve() {
        if (state_->stopping.stop_requested()) {
            response_.sendText(503, "maelstromd is shutting down", retryLater());
            return;
        }
        const std::optional<StreamRequest> asked = readStreamRequest(request_, response_);
        if (!asked) {
            return;
        }
        if (!state_->runtime->capabilities().logs) {
            response_.sendText(501, "the container runtime plugin cannot read logs");
            return;
        }
        if (!takeStreamSlot()) {
            return;
        }
        const StreamSlotRelease release{*state_};

        const std::string& client = request_.clientAddress;
        LineQueue queue(state_->limits.maxQueuedBytes);
        ContainerLogFollowers followers(
            state_->runtime,
            [&filter = asked->filter](const sdk::ContainerSummary& c) { return filter.matches(c.componentName); },
            [&queue](const FollowedLine& line) {
                queue.push(logMessageJson(line.component, line.stderrStream, line.text + "\n"));
            },
            followerOptions(asked->sinceMillis, client));
        const StreamTeardown teardown{queue, followers};

        if (!followRunning(followers, response_)) {
            return;
        }
        followers.startPolling();
        logger().information("logs: stream opened for " + client +
                             " (components=" + (asked->componentsArg.empty() ? "*" : asked->componentsArg) +
                             ", since=" + (asked->sinceArg.empty() ? "1m" : asked->sinceArg) + "), following " +
                             std::to_string(followers.following()) + " containers");

        std::ostream& out = response_.startChunked(200, {{"Cache-Control", "no-cache"}});
        const bool clientGone = !out.good() || relayLines(out, queue);
        response_.finish(); // the last chunk, when the client is still there to take it
        logger().information("logs: stream of " + client + " closed (" +
                             (clientGone ? "client went away" : "maelstromd is stopping") + ")");
    }

    /// Counts this request among the open streams; answers 503 + Retry-After and returns false when
    /// `maxStreams` are open already or maelstromd is stopping (checked under the lock, so that stop() either
    /// waits for this stream or this request sees the stop).
    bool takeStreamSlot() {
        std::unique_lock lock(state_->m);
        if (state_->stopping.stop_requested()) {
            lock.unlock();
            response_.sendText(503, "maelstromd is shutting down", retryLater());
            return false;
        }
        if (state_->open >= state_->limits.maxStreams) {
            const std::size_t limit = state_->limits.maxStreams;
            lock.unlock();
            response_.sendText(503,
                               "too many log streams open (limit " + std::to_string(limit) + "); close one and retry",
                               retryLater());
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
    /// maelstromd stops; returns true in the first case.
    bool relayLines(std::ostream& out, LineQueue& queue) {
        bool sentMore = false;
        const auto ping = state_->limits.pingInterval;
        auto nextPing = std::chrono::steady_clock::now() + ping;
        const std::stop_token stop = state_->stopping.get_token();
        std::vector<std::string> batch;
        while (!stop.stop_requested()) {
            batch.clear();
            queue.takeAll(batch, std::min(nextPing, std::chrono::steady_clock::now() + kHangupCheck), stop);
            if (stop.stop_requested()) {
                break;
            }
            if (clientHungUp(fd_, sentMore)) {
                return true;
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
                return true;
            }
        }
        return false;
    }

    std::shared_ptr<LogStreams::State> state_;
    const LogsRequest& request_;
    const int fd_;
    BlockingResponse response_;
};

} // namespace

LogStreams::LogStreams(std::shared_ptr<sdk::ContainerRuntime> runtime, LogStreamLimits limits)
    : state_(std::make_shared<State>()) {
    state_->runtime = std::move(runtime);
    state_->limits = limits;
}

LogStreams::~LogStreams() { stop(); }

void LogStreams::serve(const LogsRequest& request, int socketFd) {
    try {
        LogsRequestServer(state_, request, socketFd).run();
    } catch (...) { // run() throws nothing; this covers setting the response writer up
    }
}

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
