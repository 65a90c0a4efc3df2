// logs_handler.cpp — see logs_handler.h.
// SPDX-License-Identifier: Apache-2.0
#include "http/logs_handler.h"

#include "http/blocking_response.h"
#include "logs/container_log_followers.h"
#include "logs/log_format.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketImpl.h>
#include <Poco/URI.h>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <thread>
#include <vector>

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/json_string.h>

namespace maelstrom::core {

struct LogStreams::State {
    std::shared_ptr<sdk::ContainerRuntime> runtime;
    LogStreamLimits limits;
    std::stop_source stopping; ///< requested by stop(): every stream ends
    std::mutex m;
    std::condition_variable changed; ///< `open` changed
    std::size_t open = 0;            ///< guarded by m
    // Set by setCluster() (guarded by m; copied by each stream when it opens).
    std::string nodeId;
    std::function<std::vector<PeerLogSource>()> peers;
    std::string privateToken;
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
    bool localOnly = false; ///< `local=1`: this node's containers only, no peers
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
        if (form.has("local")) {
            const std::string local = form.get("local");
            if (local != "1" && local != "0") {
                response.sendText(400, "invalid local '" + local +
                                           "': use 1 (this node's containers only) or 0 (the whole cluster)");
                return std::nullopt;
            }
            asked.localOnly = local == "1";
        }
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

// ---- Relaying the peers' streams ----

/// The first retry of a failed peer; each failure doubles it, up to kPeerRetryMax (also the time a peer stream
/// must have lasted to count as a success).
constexpr std::chrono::milliseconds kPeerRetryFirst{250};
constexpr std::chrono::milliseconds kPeerRetryMax{5000};
/// Bounds how long a relay that is connecting holds up the end of its stream.
constexpr std::chrono::seconds kPeerConnectTimeout{2};
constexpr std::chrono::seconds kPeerSendTimeout{5};
/// A peer stream silent this long (peers send PING every second) is taken as broken and reconnected.
constexpr std::chrono::seconds kPeerSilence{30};

Poco::Timespan timespan(std::chrono::seconds s) { return Poco::Timespan(static_cast<long>(s.count()), 0); }

/// Go's url.QueryEscape without the '+' for spaces: unreserved bytes as they are, the rest %XX.
std::string percentEncode(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

/// Unix milliseconds in the Unix timestamp form of `since` ("1700000000.123"); "0" (the beginning) for <= 0.
std::string sinceTimestamp(std::int64_t millis) {
    if (millis <= 0) {
        return "0";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(millis / 1000),
                  static_cast<long long>(millis % 1000));
    return text;
}

/// Whether a line a peer sent looks like a message (a JSON object); anything else is dropped.
bool isMessage(const std::string& line) { return line.size() >= 2 && line.front() == '{' && line.back() == '}'; }

/// Adds `"Node":<nodeId>` to a peer's message that has none (a peer running an older maelstromd). JSON encoders
/// escape every quote inside strings, so `"Node":` can only occur in a line as a key.
void tagWithNode(std::string& line, const std::string& nodeId) {
    if (nodeId.empty() || line.find("\"Node\":") != std::string::npos) {
        return;
    }
    const auto lastInner = line.find_last_not_of(" \t", line.size() - 2);
    if (lastInner == std::string::npos || lastInner == 0) {
        return; // an empty object
    }
    std::string tag = ",\"Node\":";
    sdk::appendJsonString(tag, nodeId, sdk::JsonStringStyle::GoHtmlSafe);
    line.insert(line.size() - 1, tag);
}

/// What every relay of one merged stream asks its peer for, and where the lines go.
struct PeerStreamSpec {
    std::string componentsArg;
    std::int64_t sinceMillis = 0;
    std::string token;
    std::string client;                           ///< the merged stream's client, for log lines
    std::chrono::milliseconds pollInterval{1000}; ///< how often an unlisted peer is checked again
    std::size_t maxLineBytes = 1 << 20;           ///< longer peer lines are dropped
    LineQueue* queue = nullptr;
};

// One peer's `local=1` stream relayed into a merged stream, on a thread of its own: connects, pushes every
// message into the queue, and reconnects with backoff after a failure or an end, while the peer is listed.
class PeerRelay {
public:
    PeerRelay(PeerLogSource source, const PeerStreamSpec& spec)
        : source_(std::move(source)), spec_(spec), thread_([this](const std::stop_token& stop) { run(stop); }) {}
    ~PeerRelay() {
        requestStop();
        join();
    }
    PeerRelay(const PeerRelay&) = delete;
    PeerRelay& operator=(const PeerRelay&) = delete;

    /// Whether the peer is in the cluster's list now: an unlisted one is not reconnected (a stream still open
    /// goes on).
    void setListed(bool listed) { listed_ = listed; }

    /// Asks the thread to end and shuts its connection down (a blocked read returns at once). No wait.
    void requestStop() {
        thread_.request_stop();
        std::lock_guard lock(m_);
        if (fd_ >= 0) {
            ::shutdown(fd_, SHUT_RDWR);
        }
    }
    /// Waits for the thread; a connection attempt under way ends within kPeerConnectTimeout.
    void join() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    /// How one connection ended.
    struct Attempt {
        bool streamed = false;      ///< the peer answered 200
        std::int64_t lastAlive = 0; ///< Unix millis of the last line or PING received
        std::string why;            ///< what ended it
    };

    // Makes the connection's socket reachable by requestStop() for its life; unregisters before the session
    // closes the socket (declared after the session), so a stop never shuts down a descriptor reused meanwhile.
    class SocketRegistration {
    public:
        SocketRegistration(PeerRelay& relay, int fd, const std::stop_token& stop) : relay_(relay) {
            std::lock_guard lock(relay_.m_);
            if (!stop.stop_requested()) { // else requestStop() has run: it did not see this descriptor
                relay_.fd_ = fd;
            }
        }
        ~SocketRegistration() {
            std::lock_guard lock(relay_.m_);
            relay_.fd_ = -1;
        }
        SocketRegistration(const SocketRegistration&) = delete;
        SocketRegistration& operator=(const SocketRegistration&) = delete;

    private:
        PeerRelay& relay_;
    };

    std::string describe() const { return "peer " + source_.nodeId + " (" + source_.peerUrl + ")"; }

    void run(const std::stop_token& stop) {
        std::string host;
        Poco::UInt16 port = 0;
        std::string path;
        try {
            const Poco::URI uri(source_.peerUrl);
            if (uri.getScheme() != "http" || uri.getHost().empty()) {
                throw Poco::InvalidArgumentException("only http:// URLs are supported");
            }
            host = uri.getHost();
            port = uri.getPort();
            path = uri.getPath();
            while (!path.empty() && path.back() == '/') {
                path.pop_back();
            }
        } catch (const Poco::Exception& e) {
            logger().warning("logs: stream of " + spec_.client + ": not relaying " + describe() + ": " +
                             e.displayText());
            return;
        }
        std::int64_t since = spec_.sinceMillis;
        auto delay = kPeerRetryFirst;
        bool quiet = false; // a run of failures is logged once at information, then at debug
        while (!stop.stop_requested()) {
            if (!listed_) {
                sleep(stop, spec_.pollInterval);
                continue;
            }
            const auto began = std::chrono::steady_clock::now();
            const Attempt attempt = relayOnce(stop, host, port, path + "/_mael/logs?" + query(since));
            if (stop.stop_requested()) {
                break;
            }
            if (attempt.streamed) {
                since = std::max(since, attempt.lastAlive); // resume where it broke
            }
            // Only a stream that lasted resets the backoff: one that ends at once is retried as a failure.
            const bool lasted = attempt.streamed && std::chrono::steady_clock::now() - began >= kPeerRetryMax;
            if (lasted) {
                delay = kPeerRetryFirst;
                quiet = false;
            }
            const std::string text = "logs: stream of " + spec_.client + ": " + describe() + ": " + attempt.why +
                                     "; retrying in " + std::to_string(delay.count()) + " ms";
            if (quiet) {
                logger().debug(text);
            } else {
                logger().information(text);
            }
            quiet = !lasted;
            sleep(stop, delay);
            if (!lasted) {
                delay = std::min(delay * 2, kPeerRetryMax);
            }
        }
    }

    std::string query(std::int64_t since) const {
        std::string q;
        if (!spec_.componentsArg.empty()) {
            q = "components=" + percentEncode(spec_.componentsArg) + "&";
        }
        return q + "since=" + sinceTimestamp(since) + "&local=1";
    }

    Attempt relayOnce(const std::stop_token& stop, const std::string& host, Poco::UInt16 port,
                      const std::string& target) {
        Attempt attempt;
        try {
            Poco::Net::HTTPClientSession session(host, port);
            session.setTimeout(timespan(kPeerConnectTimeout), timespan(kPeerSendTimeout), timespan(kPeerSilence));
            Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, target, Poco::Net::HTTPMessage::HTTP_1_1);
            if (!spec_.token.empty()) {
                request.set("Authorization", "Bearer " + spec_.token);
            }
            session.sendRequest(request); // connects
            const SocketRegistration registration(*this, session.socket().impl()->sockfd(), stop);
            if (stop.stop_requested()) {
                return attempt;
            }
            Poco::Net::HTTPResponse response;
            std::istream& in = session.receiveResponse(response);
            if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
                attempt.why =
                    "answered " + std::to_string(static_cast<int>(response.getStatus())) + " " + response.getReason();
                return attempt;
            }
            attempt.streamed = true;
            attempt.lastAlive = sdk::unixMillis();
            relayLines(in, stop, attempt);
            attempt.why = "its stream ended";
        } catch (const Poco::Exception& e) {
            attempt.why = e.displayText();
        } catch (const std::exception& e) {
            attempt.why = e.what();
        }
        return attempt;
    }

    /// Pushes every message of `in` into the queue until it ends (or throws) or `stop` is requested.
    void relayLines(std::istream& in, const std::stop_token& stop, Attempt& attempt) {
        std::streambuf* const buffer = in.rdbuf();
        std::string line;
        bool tooLong = false;
        while (!stop.stop_requested()) {
            const int c = buffer->sbumpc();
            if (c == std::char_traits<char>::eof()) {
                return;
            }
            if (c != '\n') {
                if (line.size() < spec_.maxLineBytes) {
                    line.push_back(static_cast<char>(c));
                } else {
                    tooLong = true;
                }
                continue;
            }
            attempt.lastAlive = sdk::unixMillis();
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            if (tooLong) {
                logger().debug("logs: stream of " + spec_.client + ": dropped a line longer than " +
                               std::to_string(spec_.maxLineBytes) + " bytes from " + describe());
            } else if (isMessage(line)) {
                tagWithNode(line, source_.nodeId);
                spec_.queue->push(std::move(line));
            }
            line.clear();
            tooLong = false;
        }
    }

    /// Waits `delay` or until `stop` is requested.
    void sleep(const std::stop_token& stop, std::chrono::milliseconds delay) {
        std::unique_lock lock(m_);
        wake_.wait_for(lock, stop, delay, [] { return false; });
    }

    const PeerLogSource source_;
    const PeerStreamSpec& spec_; // owned by the PeerRelays that owns this relay
    std::atomic<bool> listed_{true};
    std::mutex m_;
    std::condition_variable_any wake_;
    int fd_ = -1;         ///< the connection's socket while reading it; guarded by m_
    std::jthread thread_; // last: started once everything else is set
};

// The relays of one merged stream, one per peer, kept in step with the peers' list by refresh(). Used from the
// stream's own thread only.
class PeerRelays {
public:
    PeerRelays(std::function<std::vector<PeerLogSource>()> peers, std::string selfId, PeerStreamSpec spec,
               std::size_t maxPeers)
        : peers_(std::move(peers)), selfId_(std::move(selfId)), spec_(std::move(spec)), maxPeers_(maxPeers) {}
    ~PeerRelays() { stop(); }
    PeerRelays(const PeerRelays&) = delete;
    PeerRelays& operator=(const PeerRelays&) = delete;

    /// Reads the peers' list: relays the new peers; the ones no longer listed are not reconnected.
    void refresh() {
        std::vector<PeerLogSource> listed;
        try {
            listed = peers_();
        } catch (const std::exception& e) {
            logger().debug(std::string("logs: cannot list the peers: ") + e.what());
            return;
        }
        std::set<std::string> keys;
        for (auto& peer : listed) {
            if (peer.nodeId == selfId_ || peer.peerUrl.empty()) {
                continue;
            }
            const std::string key = peer.nodeId + '\n' + peer.peerUrl;
            keys.insert(key);
            if (relays_.count(key)) {
                continue;
            }
            if (relays_.size() >= maxPeers_) {
                if (!warnedFull_) {
                    warnedFull_ = true;
                    logger().warning("logs: stream of " + spec_.client + " already relays " +
                                     std::to_string(maxPeers_) + " peers; not relaying " + peer.nodeId);
                }
                continue;
            }
            relays_.emplace(key, std::make_unique<PeerRelay>(std::move(peer), spec_));
        }
        for (auto& [key, relay] : relays_) {
            relay->setListed(keys.count(key) != 0);
        }
    }

    /// Ends every relay: all connections are shut down first, then the threads are joined. Idempotent.
    void stop() {
        for (auto& [key, relay] : relays_) {
            relay->requestStop();
        }
        relays_.clear(); // joins
    }

    std::size_t size() const { return relays_.size(); }

private:
    std::function<std::vector<PeerLogSource>()> peers_;
    const std::string selfId_;
    const PeerStreamSpec spec_; // the relays refer to it
    const std::size_t maxPeers_;
    std::map<std::string, std::unique_ptr<PeerRelay>> relays_;
    bool warnedFull_ = false;
};

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
// relays and followers are joined.
struct StreamTeardown {
    LineQueue& queue;
    ContainerLogFollowers& followers;
    std::optional<PeerRelays>& relays;
    ~StreamTeardown() {
        queue.close();
        if (relays) {
            relays->stop();
        }
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

        std::string nodeId;
        std::function<std::vector<PeerLogSource>()> peers;
        std::string token;
        {
            std::lock_guard lock(state_->m);
            nodeId = state_->nodeId;
            peers = state_->peers;
            token = state_->privateToken;
        }
        const std::string& client = request_.clientAddress;
        LineQueue queue(state_->limits.maxQueuedBytes);
        ContainerLogFollowers followers(
            state_->runtime,
            [&filter = asked->filter](const sdk::ContainerSummary& c) { return filter.matches(c.componentName); },
            [&queue, &nodeId](const FollowedLine& line) {
                queue.push(logMessageJson(line.component, line.stderrStream, line.text + "\n", nodeId));
            },
            followerOptions(asked->sinceMillis, client));
        std::optional<PeerRelays> relays;
        const StreamTeardown teardown{queue, followers, relays};

        if (!followRunning(followers, response_)) {
            return;
        }
        followers.startPolling();
        if (!asked->localOnly && peers) {
            relays.emplace(std::move(peers), nodeId, peerStreamSpec(*asked, token, queue),
                           state_->limits.maxPeersPerStream);
            relays->refresh();
        }
        logger().information("logs: stream opened for " + client +
                             " (components=" + (asked->componentsArg.empty() ? "*" : asked->componentsArg) +
                             ", since=" + (asked->sinceArg.empty() ? "1m" : asked->sinceArg) +
                             (asked->localOnly ? ", local" : "") + "), following " +
                             std::to_string(followers.following()) + " containers" +
                             (relays ? " and " + std::to_string(relays->size()) + " peers" : ""));

        std::ostream& out = response_.startChunked(200, {{"Cache-Control", "no-cache"}});
        const bool clientGone = !out.good() || relayLines(out, queue, relays ? &*relays : nullptr);
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

    PeerStreamSpec peerStreamSpec(const StreamRequest& asked, const std::string& token, LineQueue& queue) const {
        PeerStreamSpec spec;
        spec.componentsArg = asked.componentsArg;
        spec.sinceMillis = asked.sinceMillis;
        spec.token = token;
        spec.client = request_.clientAddress;
        spec.pollInterval = state_->limits.pollInterval;
        spec.maxLineBytes = state_->limits.maxQueuedBytes;
        spec.queue = &queue;
        return spec;
    }

    FollowerOptions followerOptions(std::int64_t sinceMillis, const std::string& client) const {
        FollowerOptions options;
        options.sinceMillis = sinceMillis;
        options.pollInterval = state_->limits.pollInterval;
        options.maxFollowers = state_->limits.maxFollowersPerStream;
        options.owner = "logs stream of " + client;
        return options;
    }

    /// Writes the followers' and relays' lines (and a PING every pingInterval) to `out` until the client goes
    /// away or maelstromd stops; returns true in the first case. Reads the peers' list again every pollInterval.
    bool relayLines(std::ostream& out, LineQueue& queue, PeerRelays* relays) {
        bool sentMore = false;
        const auto ping = state_->limits.pingInterval;
        auto nextPing = std::chrono::steady_clock::now() + ping;
        auto nextPeerCheck = std::chrono::steady_clock::now() + state_->limits.pollInterval;
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
            if (relays && std::chrono::steady_clock::now() >= nextPeerCheck) {
                relays->refresh();
                nextPeerCheck = std::chrono::steady_clock::now() + state_->limits.pollInterval;
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

void LogStreams::setCluster(std::string nodeId, std::function<std::vector<PeerLogSource>()> peers,
                            std::string privateToken) {
    std::lock_guard lock(state_->m);
    state_->nodeId = std::move(nodeId);
    state_->peers = std::move(peers);
    state_->privateToken = std::move(privateToken);
}

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
