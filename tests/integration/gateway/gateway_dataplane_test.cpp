// gateway_dataplane_test.cpp — the data plane under load and attack, with the gateway built in-process (resolver,
// component cache, routers with the round-robin plugin, Gateway, public and private listeners on 127.0.0.1) in
// front of hello-http processes and in-test raw TCP upstreams (RawUpstream: plain sockets, scripted answers,
// requests counted):
//   - streamed responses: chunks of a text/event-stream answer, and the pieces of a Content-Length answer, reach
//     the client as the upstream writes them (each within 100 ms; the figure is printed), not together at the end;
//   - streamed request bodies: the first piece of a chunked upload reaches the upstream before the client sent
//     its last, and the body arrives intact;
//   - strict parsing: every payload of desync-corpus.txt (malformed and ambiguous requests: chunk sizes,
//     Content-Length, Transfer-Encoding, header syntax, request line, sizes) sent to both ports is refused
//     (400 / 413 / 414 / 431 / 501, or a close) with nothing after it answered 2xx, and the upstream receives no
//     request at all; a well-formed request is still served, and `Content-Length: 1x` gets a real 400 answer;
//   - backpressure: a 1 GiB download to a client reading at 1 MiB/s, and a 1 GiB upload to an upstream reading at
//     1 MiB/s, each for 8 s and then fast, grow the process RSS by less than 16 MiB;
//   - scale: 10,000 idle keep-alive connections plus 1,000 WebSocket tunnels cost no thread each, at most 20 KiB
//     of RSS each, and requests made meanwhile keep a p99 below 10 ms.
// Figures go to stderr, one line each. Clients that need many connections drive raw sockets from one epoll or
// poll loop, so the test's own threads stay few; the 11,000 of the scale test run in a forked child process, so
// that the RSS and thread figures are the gateway's and each process stays within a 20,000 RLIMIT_NOFILE.
// Soak: with MAELSTROM_SOAK=1 the slow phases of testSlowReaderBackpressure last the whole transfer (1 GiB at
// 1 MiB/s: about 1,024 s per direction), which is past the ctest timeout: run the binary directly for that.
#include "gateway/component_cache.h"
#include "gateway/gateway.h"
#include "gateway/public_server.h"
#include "gateway_test_env.h"
#include "http/private_server.h"
#include "model_builders.h"
#include "routing/resolver.h"
#include "routing/router.h"
#include "routing/router_registry.h"
#include "test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define MAELSTROM_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAELSTROM_TEST_ASAN 1
#endif
#endif
#ifndef MAELSTROM_TEST_ASAN
#define MAELSTROM_TEST_ASAN 0
#endif

using namespace maelstrom;
using namespace maelstrom::core;
using namespace maelstrom::testing;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

constexpr bool kAsan = MAELSTROM_TEST_ASAN != 0;

long long msSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

double msBetween(Clock::time_point from, Clock::time_point to) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(to - from).count()) / 1000.0;
}

std::string fixed(double value, int digits = 1) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(digits) << value;
    return out.str();
}

bool soak() {
    const char* v = std::getenv("MAELSTROM_SOAK");
    return v != nullptr && std::string(v) == "1";
}

// ---- the gateway under test ----

sdk::Component component(const std::string& name, std::int64_t maxDurationSeconds = 60) {
    sdk::Component c = testing::testComponent(name);
    c.maxDurationSeconds = maxDurationSeconds;
    return c;
}

/// The daemon's defaults, ports chosen by the kernel.
NodeSettings testSettings() {
    NodeSettings settings;
    settings.publicPort = 0;
    settings.privatePort = 0;
    return settings;
}

struct InProcessGateway {
    HttpResolver resolver;
    ComponentCache components;
    RouterRegistry routers{roundRobin(), {}}; // no cold starts: the tests register instances
    Gateway gateway{resolver, components, routers};
    std::unique_ptr<PublicServer> publicServer;
    std::unique_ptr<PrivateServer> privateServer;
    std::vector<sdk::EventSource> rules;

    explicit InProcessGateway(const NodeSettings& settings = testSettings()) {
        publicServer = std::make_unique<PublicServer>(settings, gateway, "127.0.0.1");
        publicServer->start();
        PrivateRoutes routes;
        routes.gateway = &gateway;
        privateServer = std::make_unique<PrivateServer>(settings, routes);
        privateServer->start();
    }
    ~InProcessGateway() {
        publicServer->stop();
        privateServer->stop();
    }
    /// Requests for `host` go to the component `comp`.
    void route(const std::string& comp, const std::string& host, std::int64_t maxDuration = 60) {
        components.put(component(comp, maxDuration));
        rules.push_back(testing::httpEventSource(comp + "-es", comp, host, ""));
        resolver.replace(rules);
    }
    /// `capacity` 0: unlimited slots.
    void addInstance(const std::string& comp, const std::string& id, const std::string& endpoint,
                     std::int64_t capacity = 1) {
        routers.byComponent(comp)->addInstance(makeInstanceSpec(id, endpoint, capacity));
    }
    int port() const { return publicServer->port(); }
    int privatePort() const { return privateServer->port(); }
};

// ---- sockets ----

void setTimeouts(int fd, std::chrono::seconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count());
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

int statusOf(std::string_view answer) {
    if (answer.size() < 12 || answer.substr(0, 7) != "HTTP/1.") {
        return -1;
    }
    return std::atoi(std::string(answer.substr(9, 3)).c_str());
}

/// The status of every response head in `answer` (a status line at its start or right after a line end).
std::vector<int> statusesIn(std::string_view answer) {
    std::vector<int> statuses;
    for (std::size_t pos = answer.find("HTTP/1."); pos != std::string_view::npos;
         pos = answer.find("HTTP/1.", pos + 1)) {
        if (pos == 0 || answer[pos - 1] == '\n') {
            statuses.push_back(statusOf(answer.substr(pos)));
        }
    }
    return statuses;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

/// Every value of header `name` in `head` (case-insensitive name, values trimmed), in order.
std::vector<std::string> headerValues(std::string_view head, std::string_view name) {
    std::vector<std::string> values;
    const std::string wanted = lower(name);
    std::size_t pos = head.find('\n');
    while (pos != std::string_view::npos && pos + 1 < head.size()) {
        const std::size_t end = head.find('\n', pos + 1);
        const std::string_view line = head.substr(pos + 1, end == std::string_view::npos ? end : end - pos - 1);
        const std::size_t colon = line.find(':');
        if (colon != std::string_view::npos && lower(trim(line.substr(0, colon))) == wanted) {
            values.emplace_back(trim(line.substr(colon + 1)));
        }
        pos = end;
    }
    return values;
}

std::string firstLine(std::string_view text) { return std::string(text.substr(0, text.find("\r\n"))); }

// ---- HTTP/1.1 bodies, read leniently (the way a lax backend would) ----

/// Decodes one message body incrementally: Content-Length, chunked, or up to the close. Lenient on purpose (hex
/// sizes with extensions ignored, LF accepted for CRLF): it stands for the backend a desync would fool.
class BodyDecoder {
public:
    enum class Framing { None, Length, Chunked, UntilClose };
    static constexpr std::size_t kMalformed = static_cast<std::size_t>(-1);

    void start(Framing framing, std::uint64_t length = 0) {
        framing_ = framing;
        remaining_ = length;
        state_ = framing == Framing::None || (framing == Framing::Length && length == 0) ? State::Done
                 : framing == Framing::Chunked                                           ? State::SizeLine
                                                                                         : State::Data;
        line_.clear();
    }
    bool done() const { return state_ == State::Done; }
    void closed() {
        if (framing_ == Framing::UntilClose) {
            state_ = State::Done;
        }
    }

    /// Consumes the bytes of `data` that belong to the body and passes the decoded payload to `sink`; returns how
    /// many were consumed (what follows belongs to the next message), or kMalformed.
    std::size_t feed(std::string_view data, const std::function<void(std::string_view)>& sink) {
        std::size_t used = 0;
        while (used < data.size() && state_ != State::Done) {
            const std::string_view rest = data.substr(used);
            switch (state_) {
            case State::Data: {
                std::size_t take = rest.size();
                if (framing_ != Framing::UntilClose) {
                    take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
                    remaining_ -= take;
                }
                sink(rest.substr(0, take));
                used += take;
                if (framing_ != Framing::UntilClose && remaining_ == 0) {
                    state_ = framing_ == Framing::Chunked ? State::DataEnd : State::Done;
                }
                break;
            }
            case State::SizeLine:
            case State::DataEnd:
            case State::Trailer: {
                const std::size_t nl = rest.find('\n');
                if (nl == std::string_view::npos) {
                    line_.append(rest);
                    used += rest.size();
                    if (line_.size() > 64 * 1024) {
                        return kMalformed;
                    }
                    break;
                }
                line_.append(rest.substr(0, nl));
                used += nl + 1;
                std::string line = std::move(line_);
                line_.clear();
                if (!line.empty() && line.back() == '\r') {
                    line.pop_back();
                }
                if (!lineDone(line)) {
                    return kMalformed;
                }
                break;
            }
            case State::Done:
                break;
            }
        }
        return used;
    }

private:
    enum class State { SizeLine, Data, DataEnd, Trailer, Done };

    bool lineDone(const std::string& line) {
        if (state_ == State::DataEnd) {
            if (!line.empty()) {
                return false;
            }
            state_ = State::SizeLine;
            return true;
        }
        if (state_ == State::Trailer) {
            if (line.empty()) {
                state_ = State::Done;
            }
            return true;
        }
        const std::string_view size = trim(std::string_view(line).substr(0, line.find(';')));
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), value, 16);
        if (size.empty() || ec != std::errc() || end != size.data() + size.size()) {
            return false;
        }
        remaining_ = value;
        state_ = value == 0 ? State::Trailer : State::Data;
        return true;
    }

    Framing framing_ = Framing::None;
    State state_ = State::Done;
    std::uint64_t remaining_ = 0;
    std::string line_;
};

/// The framing a lenient reader gives the body after `head`: chunked when Transfer-Encoding mentions chunked,
/// else a Content-Length that parses as a number, else none (`until close` for responses; also none when the
/// Content-Length is not a number).
BodyDecoder::Framing framingOf(std::string_view head, bool response, std::uint64_t& length) {
    for (const auto& te : headerValues(head, "Transfer-Encoding")) {
        if (lower(te).find("chunked") != std::string::npos) {
            return BodyDecoder::Framing::Chunked;
        }
    }
    const auto lengths = headerValues(head, "Content-Length");
    if (!lengths.empty()) {
        const std::string& text = lengths.front();
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
        const bool number = ec == std::errc() && end == text.data() + text.size();
        return number ? BodyDecoder::Framing::Length : BodyDecoder::Framing::None;
    }
    if (response) {
        const int status = statusOf(head);
        return status == 204 || status == 304 || (status >= 100 && status < 200) ? BodyDecoder::Framing::None
                                                                                 : BodyDecoder::Framing::UntilClose;
    }
    return BodyDecoder::Framing::None;
}

/// One HTTP/1.1 response read incrementally on the client side. The body is kept, or given to `onBody` instead.
class ResponseReader {
public:
    explicit ResponseReader(std::function<void(std::string_view)> onBody = nullptr) : onBody_(std::move(onBody)) {}

    /// Feeds received bytes; false once the framing cannot be read.
    bool feed(std::string_view data) {
        if (!headDone_) {
            raw_.append(data);
            const std::size_t end = raw_.find("\r\n\r\n");
            if (end == std::string::npos) {
                return raw_.size() < 1024 * 1024;
            }
            head_ = raw_.substr(0, end + 4);
            const std::string rest = raw_.substr(end + 4);
            raw_.clear();
            headDone_ = true;
            std::uint64_t length = 0;
            const BodyDecoder::Framing framing = framingOf(head_, true, length);
            decoder_.start(framing, length);
            return feedBody(rest);
        }
        return feedBody(data);
    }
    void closed() { decoder_.closed(); }
    bool headDone() const { return headDone_; }
    bool complete() const { return headDone_ && decoder_.done(); }
    int status() const { return statusOf(head_); }
    const std::string& head() const { return head_; }
    const std::string& body() const { return body_; }
    std::int64_t bodyBytes() const { return bodyBytes_; }

private:
    bool feedBody(std::string_view data) {
        const std::size_t used = decoder_.feed(data, [this](std::string_view piece) {
            bodyBytes_ += static_cast<std::int64_t>(piece.size());
            if (onBody_) {
                onBody_(piece);
            } else {
                body_.append(piece);
            }
        });
        return used != BodyDecoder::kMalformed;
    }

    std::function<void(std::string_view)> onBody_;
    std::string raw_;
    std::string head_;
    std::string body_;
    std::int64_t bodyBytes_ = 0;
    bool headDone_ = false;
    BodyDecoder decoder_;
};

/// Reads one response from a blocking socket (until it is complete, the peer closes or `limit` passes).
ResponseReader readResponse(int fd, std::chrono::milliseconds limit) {
    ResponseReader reader;
    const auto end = Clock::now() + limit;
    char buffer[16384];
    while (!reader.complete() && Clock::now() < end) {
        pollfd p{fd, POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        if (::poll(&p, 1, static_cast<int>(std::max<long long>(left, 1))) <= 0) {
            continue;
        }
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            reader.closed();
            break;
        }
        if (!reader.feed(std::string_view(buffer, static_cast<std::size_t>(n)))) {
            break;
        }
    }
    return reader;
}

/// Paces reads at `bytesPerSecond` while `slowFor` has not passed since the first call, then lets them through.
class Throttle {
public:
    Throttle(std::int64_t bytesPerSecond, std::chrono::milliseconds slowFor)
        : rate_(bytesPerSecond), slowFor_(slowFor) {}

    /// How many bytes the next read may take (at most `want`), after sleeping as long as the pace needs.
    std::size_t next(std::size_t want) {
        if (!started_) {
            started_ = true;
            start_ = Clock::now();
        }
        for (;;) {
            const auto elapsed = Clock::now() - start_;
            if (elapsed >= slowFor_) {
                return want;
            }
            const double seconds = std::chrono::duration<double>(elapsed).count();
            const auto allowed = static_cast<std::int64_t>(seconds * static_cast<double>(rate_)) - slowBytes_;
            if (allowed >= static_cast<std::int64_t>(std::min<std::size_t>(want, 16 * 1024))) {
                return std::min<std::size_t>(want, static_cast<std::size_t>(allowed));
            }
            std::this_thread::sleep_for(10ms);
        }
    }
    void consumed(std::size_t n) {
        if (Clock::now() - start_ < slowFor_) {
            slowBytes_ += static_cast<std::int64_t>(n);
        }
    }
    std::int64_t slowBytes() const { return slowBytes_; }

private:
    std::int64_t rate_;
    std::chrono::milliseconds slowFor_;
    bool started_ = false;
    Clock::time_point start_;
    std::int64_t slowBytes_ = 0;
};

// ---- RawUpstream: a scripted HTTP/1.1 upstream on plain sockets ----

/// Accepts connections on 127.0.0.1, reads one request head per connection and runs the scripted `Responder` on
/// the socket (on a thread of its own per connection, or — `inlineHandling` — on the accepting thread, for
/// upstreams that only answer and hold many sockets). The responder reads the body through readBody(), which
/// counts the requests: one is counted when its body was read to its end, or at once when its framing is
/// unreadable (a lax backend would have served something); a body cut short is counted as incomplete instead.
/// A connection is closed after the responder, unless it returns true: then it is held open until destruction.
class RawUpstream {
public:
    using Responder = std::function<bool(int fd, const std::string& head, std::string& rest, RawUpstream& self)>;

    explicit RawUpstream(Responder responder, bool inlineHandling = false)
        : responder_(std::move(responder)), inline_(inlineHandling) {
        listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CPPUNIT_ASSERT(listenFd_ >= 0);
        const int one = 1;
        ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CPPUNIT_ASSERT(::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        CPPUNIT_ASSERT(::listen(listenFd_, 4096) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        acceptor_ = std::thread([this] { acceptLoop(); });
    }
    ~RawUpstream() {
        stop_ = true;
        if (acceptor_.joinable()) {
            acceptor_.join();
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (int fd : open_) {
                ::shutdown(fd, SHUT_RDWR);
            }
        }
        std::vector<std::thread> threads;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            threads.swap(threads_);
        }
        for (auto& t : threads) {
            t.join();
        }
        std::lock_guard<std::mutex> lock(mutex_);
        for (int fd : open_) {
            ::close(fd);
        }
        ::close(listenFd_);
    }
    RawUpstream(const RawUpstream&) = delete;
    RawUpstream& operator=(const RawUpstream&) = delete;

    int port() const { return port_; }
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int connections() const { return connections_.load(); }
    int heads() const { return heads_.load(); }
    int requests() const { return requests_.load(); }
    int incomplete() const { return incomplete_.load(); }
    int busy() const { return busy_.load(); }
    std::size_t held() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return held_;
    }
    /// The request lines of the requests counted so far.
    std::vector<std::string> counted() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return countedLines_;
    }

    /// Reads the body of the request `head` (`rest`: bytes already read after the head) and gives each received
    /// piece of payload to `onData` with the time it arrived. `throttle`, when given, paces the reads. Returns
    /// true, and counts the request, when the body was read to its end or its chunked framing turned out
    /// malformed (a lax backend would serve what it got); false when the connection ended first.
    bool readBody(int fd, const std::string& head, std::string& rest,
                  const std::function<void(std::string_view, Clock::time_point)>& onData = nullptr,
                  Throttle* throttle = nullptr) {
        // An unreadable Content-Length frames no body here: the request counts at once.
        std::uint64_t length = 0;
        const BodyDecoder::Framing framing = framingOf(head, false, length);
        BodyDecoder decoder;
        decoder.start(framing, length);
        const auto sink = [&](std::string_view piece) {
            if (onData) {
                onData(piece, Clock::now());
            }
        };
        std::size_t used = decoder.feed(rest, sink);
        rest.erase(0, used == BodyDecoder::kMalformed ? rest.size() : used);
        std::vector<char> buffer(64 * 1024);
        while (used != BodyDecoder::kMalformed && !decoder.done()) {
            std::size_t want = buffer.size();
            if (throttle != nullptr) {
                want = throttle->next(want);
            }
            const ssize_t n = ::recv(fd, buffer.data(), want, 0);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                ++incomplete_;
                return false;
            }
            if (throttle != nullptr) {
                throttle->consumed(static_cast<std::size_t>(n));
            }
            const std::string_view got(buffer.data(), static_cast<std::size_t>(n));
            used = decoder.feed(got, sink);
            if (used != BodyDecoder::kMalformed && decoder.done()) {
                rest.assign(got.substr(used));
            }
        }
        // A malformed chunked body still reached the backend: a lax one would have served something.
        std::lock_guard<std::mutex> lock(mutex_);
        ++requests_;
        countedLines_.push_back(firstLine(head));
        return true;
    }

private:
    void acceptLoop() {
        while (!stop_) {
            pollfd p{listenFd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) {
                continue;
            }
            const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) {
                continue;
            }
            ++connections_;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                open_.insert(fd);
            }
            if (inline_) {
                serve(fd);
            } else {
                ++busy_;
                std::lock_guard<std::mutex> lock(mutex_);
                threads_.emplace_back([this, fd] {
                    serve(fd);
                    --busy_;
                });
            }
        }
    }

    void serve(int fd) {
        setTimeouts(fd, 30s);
        std::string buffer;
        char chunk[16384];
        std::size_t end = std::string::npos;
        while ((end = buffer.find("\r\n\r\n")) == std::string::npos && buffer.size() < 1024 * 1024) {
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            buffer.append(chunk, static_cast<std::size_t>(n));
        }
        bool hold = false;
        if (end != std::string::npos) {
            ++heads_;
            const std::string head = buffer.substr(0, end + 4);
            std::string rest = buffer.substr(end + 4);
            hold = responder_(fd, head, rest, *this);
        }
        std::lock_guard<std::mutex> lock(mutex_);
        if (hold) {
            ++held_;
        } else {
            open_.erase(fd);
            ::close(fd);
        }
    }

    Responder responder_;
    bool inline_;
    int listenFd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::atomic<int> heads_{0};
    std::atomic<int> requests_{0};
    std::atomic<int> incomplete_{0};
    std::atomic<int> busy_{0};
    mutable std::mutex mutex_;
    std::set<int> open_;
    std::size_t held_ = 0;
    std::vector<std::string> countedLines_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

/// A complete answer with Content-Length and `Connection: close`.
std::string answer(int status, const std::string& body, const std::string& extraHeaders = "") {
    return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Other") +
           "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n" + extraHeaders + "\r\n" + body;
}

// ---- the process ----

// ---- the desync corpus (format: the top of desync-corpus.txt) ----

struct CorpusEntry {
    std::string name;
    std::string payload;       ///< decoded, placeholders still in
    std::vector<int> accepted; ///< statuses that count as a refusal
};

int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/// Decodes the escapes of `text` from `pos`; stops at an unescaped "}" when `nested` (pos is left after it).
std::string decodeEscapes(const std::string& text, std::size_t& pos, bool nested, const std::string& where) {
    std::string out;
    while (pos < text.size()) {
        const char c = text[pos];
        if (c == '}' && nested) {
            ++pos;
            return out;
        }
        if (c != '\\') {
            out += c;
            ++pos;
            continue;
        }
        CPPUNIT_ASSERT_MESSAGE(where + ": escape at the end of a line", pos + 1 < text.size());
        const char e = text[pos + 1];
        pos += 2;
        switch (e) {
        case 'r':
            out += '\r';
            break;
        case 'n':
            out += '\n';
            break;
        case 't':
            out += '\t';
            break;
        case '0':
            out += '\0';
            break;
        case '\\':
            out += '\\';
            break;
        case 'x': {
            const int high = pos + 1 < text.size() ? hexDigit(text[pos]) : -1;
            const int low = pos + 1 < text.size() ? hexDigit(text[pos + 1]) : -1;
            CPPUNIT_ASSERT_MESSAGE(where + ": bad \\x escape", high >= 0 && low >= 0);
            out += static_cast<char>(high * 16 + low);
            pos += 2;
            break;
        }
        case '{': {
            const std::size_t colon = text.find(':', pos);
            CPPUNIT_ASSERT_MESSAGE(where + ": \\{ without a count", colon != std::string::npos);
            const int count = std::stoi(text.substr(pos, colon - pos));
            pos = colon + 1;
            const std::string unit = decodeEscapes(text, pos, true, where);
            for (int i = 0; i < count; ++i) {
                out += unit;
            }
            break;
        }
        default:
            CPPUNIT_FAIL(where + ": unknown escape \\" + std::string(1, e));
        }
    }
    CPPUNIT_ASSERT_MESSAGE(where + ": \\{ without its closing }", !nested);
    return out;
}

std::vector<CorpusEntry> loadCorpus(const std::filesystem::path& file) {
    std::ifstream in(file);
    CPPUNIT_ASSERT_MESSAGE("cannot read " + file.string(), in.good());
    std::vector<CorpusEntry> entries;
    std::string line;
    std::string text; // the current block's lines, joined
    int number = 0;
    const std::vector<int> defaults{400, 413, 414, 431, 501};
    auto finish = [&] {
        if (entries.empty()) {
            return;
        }
        std::size_t pos = 0;
        entries.back().payload =
            decodeEscapes(text, pos, false, file.filename().string() + " \"" + entries.back().name + "\"");
        CPPUNIT_ASSERT_MESSAGE(entries.back().name + ": empty payload", !entries.back().payload.empty());
        text.clear();
    };
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line[0] == '#') {
            continue;
        }
        if (line.rfind("=== ", 0) == 0) {
            finish();
            entries.push_back({line.substr(4), "", defaults});
            continue;
        }
        CPPUNIT_ASSERT_MESSAGE(file.string() + ":" + std::to_string(number) + ": payload outside a block",
                               !entries.empty());
        if (line.rfind("@accept ", 0) == 0) {
            std::istringstream statuses(line.substr(8));
            entries.back().accepted.clear();
            for (int s = 0; statuses >> s;) {
                entries.back().accepted.push_back(s);
            }
            continue;
        }
        text += line;
    }
    finish();
    return entries;
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
    return text;
}

/// Several raw exchanges at once, each on its own connection: every payload is written (as far as the server
/// takes it: a refused request may be closed before all of it went out) while the answers are read, until each
/// connection is closed or `limit` passes.
struct Exchange {
    std::string request;
    std::string answer;
    bool closed = false;
    std::size_t sent = 0;
    int fd = -1;
};

void exchangeAll(int port, std::vector<Exchange>& exchanges, std::chrono::milliseconds limit) {
    for (auto& e : exchanges) {
        e.fd = connectTo(port);
        setNonBlocking(e.fd);
    }
    const auto end = Clock::now() + limit;
    std::vector<pollfd> polls;
    std::vector<std::size_t> index;
    char buffer[16384];
    for (;;) {
        polls.clear();
        index.clear();
        for (std::size_t i = 0; i < exchanges.size(); ++i) {
            const Exchange& e = exchanges[i];
            if (!e.closed) {
                const bool writing = e.sent < e.request.size();
                polls.push_back({e.fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0});
                index.push_back(i);
            }
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        if (polls.empty() || left <= 0) {
            break;
        }
        if (::poll(polls.data(), polls.size(), static_cast<int>(left)) <= 0) {
            continue;
        }
        for (std::size_t k = 0; k < polls.size(); ++k) {
            Exchange& e = exchanges[index[k]];
            if ((polls[k].revents & POLLOUT) != 0 && e.sent < e.request.size()) {
                const ssize_t n = ::send(e.fd, e.request.data() + e.sent, e.request.size() - e.sent, MSG_NOSIGNAL);
                if (n > 0) {
                    e.sent += static_cast<std::size_t>(n);
                } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                    e.sent = e.request.size(); // the server stopped reading: only its answer matters now
                }
            }
            if ((polls[k].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                for (;;) {
                    const ssize_t n = ::recv(e.fd, buffer, sizeof buffer, 0);
                    if (n > 0) {
                        e.answer.append(buffer, static_cast<std::size_t>(n));
                        continue;
                    }
                    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                        break;
                    }
                    e.closed = true;
                    break;
                }
            }
        }
    }
    for (auto& e : exchanges) {
        ::close(e.fd);
        e.fd = -1;
    }
}

/// Printable form of the start of an answer (for the messages).
std::string printable(std::string_view text, std::size_t max = 120) {
    std::string out;
    for (char c : text.substr(0, max)) {
        if (c == '\r') {
            out += "\\r";
        } else if (c == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
            out += '?';
        } else {
            out += c;
        }
    }
    return out;
}

// ---- many connections from one epoll loop ----

/// Opens `count` connections to `port` (at most `window` being set up at once); each sends `request` and reads
/// until `answered` accepts what arrived. The accepted connections are left open (idle) in `open`. Plain system
/// calls only, no test macros: it also runs in ClientProcess.
struct OpenResult {
    std::size_t ok = 0;
    std::size_t failed = 0;
    long long ms = 0;
    std::string firstFailure;
};

OpenResult openMany(int port, std::size_t count, const std::string& request,
                    const std::function<bool(const std::string&)>& answered, std::size_t window,
                    std::chrono::seconds limit, std::vector<int>& open) {
    struct Pending {
        int fd = -1;
        std::size_t sent = 0;
        std::string in;
    };
    OpenResult result;
    const auto start = Clock::now();
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        result.failed = count;
        result.firstFailure = std::string("epoll_create1: ") + std::strerror(errno);
        return result;
    }
    std::vector<Pending> slots(window);
    std::vector<std::size_t> freeSlots;
    for (std::size_t i = 0; i < window; ++i) {
        freeSlots.push_back(window - 1 - i);
    }
    std::size_t started = 0;
    std::size_t inFlight = 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto fail = [&](Pending& p, const std::string& why) {
        if (result.firstFailure.empty()) {
            result.firstFailure = why + " (after " + std::to_string(result.ok) + " connections)";
        }
        ++result.failed;
        ::epoll_ctl(ep, EPOLL_CTL_DEL, p.fd, nullptr);
        ::close(p.fd);
        p = Pending{};
    };
    std::vector<epoll_event> events(window);
    char buffer[4096];
    const auto end = start + limit;
    while ((started < count || inFlight > 0) && Clock::now() < end) {
        while (started < count && !freeSlots.empty()) {
            const std::size_t slot = freeSlots.back();
            freeSlots.pop_back();
            Pending& p = slots[slot];
            p = Pending{};
            p.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            ++started;
            if (p.fd < 0) {
                if (result.firstFailure.empty()) {
                    result.firstFailure = std::string("socket: ") + std::strerror(errno);
                }
                ++result.failed;
                freeSlots.push_back(slot);
                continue;
            }
            if (::connect(p.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
                fail(p, std::string("connect: ") + std::strerror(errno));
                freeSlots.push_back(slot);
                continue;
            }
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLOUT;
            ev.data.u64 = slot;
            ::epoll_ctl(ep, EPOLL_CTL_ADD, p.fd, &ev);
            ++inFlight;
        }
        const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
        for (int k = 0; k < n; ++k) {
            const std::size_t slot = events[static_cast<std::size_t>(k)].data.u64;
            Pending& p = slots[slot];
            if (p.fd < 0) {
                continue;
            }
            const std::uint32_t what = events[static_cast<std::size_t>(k)].events;
            bool finished = false;
            if ((what & EPOLLOUT) != 0 && p.sent < request.size()) {
                int error = 0;
                socklen_t len = sizeof error;
                ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len);
                const ssize_t sent =
                    error != 0 ? -1 : ::send(p.fd, request.data() + p.sent, request.size() - p.sent, MSG_NOSIGNAL);
                if (sent < 0 && (error != 0 || (errno != EAGAIN && errno != EWOULDBLOCK))) {
                    fail(p, std::string("send: ") + std::strerror(error != 0 ? error : errno));
                    finished = true;
                } else if (sent > 0) {
                    p.sent += static_cast<std::size_t>(sent);
                    if (p.sent == request.size()) {
                        epoll_event ev{};
                        ev.events = EPOLLIN;
                        ev.data.u64 = slot;
                        ::epoll_ctl(ep, EPOLL_CTL_MOD, p.fd, &ev);
                    }
                }
            }
            if (!finished && (what & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
                for (;;) {
                    const ssize_t got = ::recv(p.fd, buffer, sizeof buffer, 0);
                    if (got > 0) {
                        p.in.append(buffer, static_cast<std::size_t>(got));
                        continue;
                    }
                    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                        break;
                    }
                    fail(p, "closed by the server after \"" + printable(p.in, 60) + "\"");
                    finished = true;
                    break;
                }
                if (!finished && answered(p.in)) {
                    ::epoll_ctl(ep, EPOLL_CTL_DEL, p.fd, nullptr);
                    open.push_back(p.fd);
                    ++result.ok;
                    p = Pending{};
                    finished = true;
                }
            }
            if (finished) {
                --inFlight;
                freeSlots.push_back(slot);
            }
        }
    }
    for (auto& p : slots) {
        if (p.fd >= 0) {
            if (result.firstFailure.empty()) {
                result.firstFailure = "no answer within " + std::to_string(limit.count()) + " s";
            }
            ++result.failed;
            ::close(p.fd);
        }
    }
    result.failed += count - started;
    ::close(ep);
    result.ms = msSince(start);
    return result;
}

/// Raises RLIMIT_NOFILE to `needed` at least: the soft limit to the hard one, and when the hard one is lower
/// than `needed` both to `wanted` (root only); fails with a clear message when that is impossible.
void raiseFileLimit(rlim_t needed, rlim_t wanted) {
    rlimit limit{};
    CPPUNIT_ASSERT(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
    const rlim_t before = limit.rlim_cur;
    if (limit.rlim_max < needed) {
        rlimit raised{wanted, wanted};
        if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
            CPPUNIT_FAIL("RLIMIT_NOFILE: hard limit " + std::to_string(limit.rlim_max) + " < " +
                         std::to_string(needed) + " and it cannot be raised (" + std::strerror(errno) +
                         "): run as root or raise it (ulimit -Hn " + std::to_string(needed) + ")");
        }
    } else if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        CPPUNIT_ASSERT(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
    }
    CPPUNIT_ASSERT(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
    std::cerr << "RLIMIT_NOFILE: soft " << before << " -> " << limit.rlim_cur << " (hard " << limit.rlim_max << ")\n";
    CPPUNIT_ASSERT_MESSAGE("RLIMIT_NOFILE soft limit " + std::to_string(limit.rlim_cur), limit.rlim_cur >= needed);
}

/// A complete HTTP/1.1 response with status `status` (what openMany waits for).
std::function<bool(const std::string&)> completeAnswer(int status) {
    return [status](const std::string& in) {
        ResponseReader reader;
        reader.feed(in);
        return reader.complete() && reader.status() == status;
    };
}

/// The clients of testTenThousandIdleConnections, in a child process of their own (forked before the gateway
/// exists, so it inherits none of its sockets): its connections count against its own RLIMIT_NOFILE (11,000
/// client sockets plus the gateway's 13,000 would not fit one process under a 20,000 hard limit), and the test
/// process's RSS and thread count show the gateway's cost only. The child runs plain system calls and containers,
/// never the test macros, and ends with _exit. One command per line on a pipe, one answer line back:
///   "open <port> <count> <health|upgrade>" -> "<ok> <failed> <ms> <first failure>"  (the connections stay open)
///   "check" -> the number of open connections the server closed (or sent anything on) since
///   "close" -> "closed", after closing every connection; the child then exits.
class ClientProcess {
public:
    ClientProcess() {
        int commands[2];
        int answers[2];
        CPPUNIT_ASSERT(::pipe2(commands, O_CLOEXEC) == 0);
        CPPUNIT_ASSERT(::pipe2(answers, O_CLOEXEC) == 0);
        pid_ = ::fork();
        CPPUNIT_ASSERT_MESSAGE(std::strerror(errno), pid_ >= 0);
        if (pid_ == 0) {
            ::close(commands[1]);
            ::close(answers[0]);
            serve(commands[0], answers[1]);
            ::_exit(0);
        }
        ::close(commands[0]);
        ::close(answers[1]);
        commands_ = commands[1];
        answers_ = answers[0];
    }
    ~ClientProcess() {
        ::close(commands_);
        ::close(answers_);
        if (pid_ > 0) {
            int status = 0;
            for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
                std::this_thread::sleep_for(50ms);
            }
            if (::waitpid(pid_, &status, WNOHANG) == 0) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
            }
        }
    }
    ClientProcess(const ClientProcess&) = delete;
    ClientProcess& operator=(const ClientProcess&) = delete;

    /// Sends one command and returns its answer line (fails the test when the child does not answer in time).
    std::string call(const std::string& command, std::chrono::seconds timeout) {
        CPPUNIT_ASSERT(writeLine(commands_, command));
        std::string line;
        CPPUNIT_ASSERT_MESSAGE("the client process did not answer \"" + command + "\"",
                               readLine(answers_, line, Clock::now() + timeout));
        return line;
    }

    static OpenResult parseOpen(const std::string& line) {
        OpenResult result;
        std::istringstream in(line);
        in >> result.ok >> result.failed >> result.ms;
        std::getline(in >> std::ws, result.firstFailure);
        return result;
    }

private:
    static bool writeLine(int fd, const std::string& text) { return sendAll(fd, text + "\n"); }
    static bool readLine(int fd, std::string& line, Clock::time_point deadline) {
        line.clear();
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) {
                return false;
            }
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
                continue;
            }
            char c = 0;
            const ssize_t n = ::read(fd, &c, 1);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                return false;
            }
            if (c == '\n') {
                return true;
            }
            line += c;
        }
    }

    /// The child: runs commands until "close" or the parent goes away.
    static void serve(int commands, int answers) {
        const std::string health = "GET /_mael_health_check HTTP/1.1\r\nHost: idle.test\r\n\r\n";
        const std::string upgrade = "GET /socket HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\n"
                                    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                    "Sec-WebSocket-Version: 13\r\n\r\n";
        const auto upgraded = [](const std::string& in) {
            return statusOf(in) == 101 && in.find("\r\n\r\n") != std::string::npos;
        };
        std::vector<int> open;
        open.reserve(16384);
        std::string command;
        while (readLine(commands, command, Clock::now() + std::chrono::hours(1))) {
            std::istringstream in(command);
            std::string verb;
            in >> verb;
            if (verb == "open") {
                int port = 0;
                std::size_t count = 0;
                std::string kind;
                in >> port >> count >> kind;
                const bool ws = kind == "upgrade";
                const OpenResult r =
                    openMany(port, count, ws ? upgrade : health,
                             ws ? std::function<bool(const std::string&)>(upgraded) : completeAnswer(200),
                             ws ? 128 : 256, 60s, open);
                std::string why = r.firstFailure;
                std::replace(why.begin(), why.end(), '\n', ' ');
                writeLine(answers, std::to_string(r.ok) + " " + std::to_string(r.failed) + " " + std::to_string(r.ms) +
                                       " " + why);
            } else if (verb == "check") {
                int closed = 0;
                for (std::size_t start = 0; start < open.size(); start += 1000) {
                    std::vector<pollfd> polls;
                    for (std::size_t i = start; i < std::min(open.size(), start + 1000); ++i) {
                        polls.push_back({open[i], POLLIN, 0});
                    }
                    if (::poll(polls.data(), polls.size(), 0) > 0) {
                        for (const auto& p : polls) {
                            closed += (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0 ? 1 : 0;
                        }
                    }
                }
                writeLine(answers, std::to_string(closed));
            } else if (verb == "close") {
                for (int fd : open) {
                    ::close(fd);
                }
                open.clear();
                writeLine(answers, "closed");
                return;
            } else {
                writeLine(answers, "unknown command");
            }
        }
    }

    pid_t pid_ = -1;
    int commands_ = -1;
    int answers_ = -1;
};

} // namespace

class GatewayDataplaneTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(GatewayDataplaneTest);
    CPPUNIT_TEST(testStreamedResponseChunks);
    CPPUNIT_TEST(testStreamedRequestBody);
    CPPUNIT_TEST(testStrictParsingCorpus);
    CPPUNIT_TEST(testSlowReaderBackpressure);
    CPPUNIT_TEST(testTenThousandIdleConnections);
    CPPUNIT_TEST(testClientDisconnectCancelsUpstream);
    CPPUNIT_TEST_SUITE_END();

public:
    void testStreamedResponseChunks() {
        // The upstream writes five 20-byte pieces 400 ms apart, as chunks of a text/event-stream answer (/sse) or
        // as the body of a Content-Length answer (/pieces). Each piece must reach the client within 100 ms of
        // being written (the target is 10 ms; the slack is for sanitizers and loaded CI machines).
        constexpr int kPieces = 5;
        std::mutex mutex;
        std::vector<Clock::time_point> written(kPieces);
        auto piece = [](int i) {
            std::string p = "data: piece-" + std::to_string(i);
            return p + std::string(18 - p.size(), 'x') + "\n\n"; // 20 bytes
        };
        RawUpstream upstream([&](int fd, const std::string& head, std::string& rest, RawUpstream& self) {
            self.readBody(fd, head, rest);
            const bool chunked = head.rfind("GET /sse ", 0) == 0;
            std::string start = "HTTP/1.1 200 OK\r\n";
            start += chunked ? "Content-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                             : "Content-Type: text/plain\r\nContent-Length: " + std::to_string(kPieces * 20) + "\r\n";
            start += "Connection: close\r\n\r\n";
            if (!sendAll(fd, start)) {
                return false;
            }
            for (int i = 0; i < kPieces; ++i) {
                std::this_thread::sleep_for(400ms);
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    written[static_cast<std::size_t>(i)] = Clock::now();
                }
                if (!sendAll(fd, chunked ? "14\r\n" + piece(i) + "\r\n" : piece(i))) {
                    return false;
                }
            }
            if (chunked) {
                sendAll(fd, "0\r\n\r\n");
            }
            return false;
        });
        InProcessGateway gw;
        gw.route("stream", "stream.test");
        gw.addInstance("stream", "stream-1", upstream.endpoint(), 0);

        // Both answers are measured first (each prints its figures), then checked.
        struct Measured {
            std::string target;
            ResponseReader reader;
            int pieces = 0;
            double worst = 0;
            std::string latencies;
        };
        std::vector<Measured> results;
        for (const char* target : {"/sse", "/pieces"}) {
            Measured m;
            m.target = target;
            const int fd = connectTo(gw.port());
            CPPUNIT_ASSERT(
                sendAll(fd, "GET " + m.target + " HTTP/1.1\r\nHost: stream.test\r\nConnection: close\r\n\r\n"));
            std::vector<Clock::time_point> arrived(kPieces);
            char buffer[4096];
            const auto end = Clock::now() + 20s;
            while (!m.reader.complete() && Clock::now() < end) {
                pollfd p{fd, POLLIN, 0};
                if (::poll(&p, 1, 100) <= 0) {
                    continue;
                }
                const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                const auto now = Clock::now();
                if (n <= 0) {
                    m.reader.closed();
                    break;
                }
                if (!m.reader.feed(std::string_view(buffer, static_cast<std::size_t>(n)))) {
                    break;
                }
                while (m.pieces < kPieces && m.reader.body().find(piece(m.pieces)) != std::string::npos) {
                    arrived[static_cast<std::size_t>(m.pieces++)] = now;
                }
            }
            ::close(fd);
            std::lock_guard<std::mutex> lock(mutex);
            for (int i = 0; i < m.pieces; ++i) {
                const auto index = static_cast<std::size_t>(i);
                const double ms = msBetween(written[index], arrived[index]);
                m.latencies += fixed(ms) + " ";
                m.worst = std::max(m.worst, ms);
            }
            std::cerr << "streamed response " << m.target << " (" << kPieces
                      << " x 20 B, 400 ms apart): latency per piece ms: " << m.latencies << "max " << fixed(m.worst)
                      << " ms\n";
            results.push_back(std::move(m));
        }
        for (const Measured& m : results) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(m.reader.head(), 200, m.reader.status());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(m.target + ": pieces received: " + printable(m.reader.body(), 200), kPieces,
                                         m.pieces);
            CPPUNIT_ASSERT_MESSAGE(m.target + ": incomplete answer", m.reader.complete());
            if (m.target == "/sse") {
                CPPUNIT_ASSERT_MESSAGE(m.reader.head(),
                                       lower(m.reader.head()).find("content-type: text/event-stream") !=
                                           std::string::npos);
            }
            CPPUNIT_ASSERT_MESSAGE(m.target + ": pieces held back by the proxy, latency ms: " + m.latencies,
                                   m.worst <= 100.0);
        }
    }

    void testStreamedRequestBody() {
        // Five 1,000-byte chunks 300 ms apart: the first must reach the upstream before the client sends the last
        // (a proxy that reads the whole body first fails this), and the upstream must see all 5,000 bytes intact.
        constexpr int kPieces = 5;
        constexpr std::size_t kPieceBytes = 1000;
        std::mutex mutex;
        std::vector<Clock::time_point> arrived(kPieces);
        std::vector<bool> seen(kPieces, false);
        RawUpstream upstream([&](int fd, const std::string& head, std::string& rest, RawUpstream& self) {
            std::string body;
            const bool complete = self.readBody(fd, head, rest, [&](std::string_view data, Clock::time_point at) {
                std::lock_guard<std::mutex> lock(mutex);
                for (char c : data) {
                    const int i = c - 'A';
                    if (i >= 0 && i < kPieces && !seen[static_cast<std::size_t>(i)]) {
                        seen[static_cast<std::size_t>(i)] = true;
                        arrived[static_cast<std::size_t>(i)] = at;
                    }
                }
                body.append(data);
            });
            std::string expected;
            for (int i = 0; i < kPieces; ++i) {
                expected += std::string(kPieceBytes, static_cast<char>('A' + i));
            }
            sendAll(fd, answer(200, "bytes=" + std::to_string(body.size()) +
                                        " intact=" + (complete && body == expected ? "yes" : "no") + "\n"));
            return false;
        });
        InProcessGateway gw;
        gw.route("upload", "upload.test");
        gw.addInstance("upload", "upload-1", upstream.endpoint(), 0);

        const int fd = connectTo(gw.port());
        setTimeouts(fd, 30s);
        CPPUNIT_ASSERT(sendAll(fd, "POST /upload HTTP/1.1\r\nHost: upload.test\r\nTransfer-Encoding: chunked\r\n"
                                   "Connection: close\r\n\r\n"));
        std::vector<Clock::time_point> sent(kPieces);
        for (int i = 0; i < kPieces; ++i) {
            if (i > 0) {
                std::this_thread::sleep_for(300ms);
            }
            sent[static_cast<std::size_t>(i)] = Clock::now();
            CPPUNIT_ASSERT(sendAll(fd, "3e8\r\n" + std::string(kPieceBytes, static_cast<char>('A' + i)) + "\r\n"));
        }
        CPPUNIT_ASSERT(sendAll(fd, "0\r\n\r\n"));
        const ResponseReader reply = readResponse(fd, 30s);
        ::close(fd);
        std::lock_guard<std::mutex> lock(mutex);
        std::string latencies;
        for (int i = 0; i < kPieces; ++i) {
            const auto index = static_cast<std::size_t>(i);
            latencies += seen[index] ? fixed(msBetween(sent[index], arrived[index])) + " " : "- ";
        }
        std::cerr << "streamed request body (5 x 1000 B, 300 ms apart): client send -> upstream arrival ms: "
                  << latencies << "\n";
        CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.head() + reply.body(), 200, reply.status());
        CPPUNIT_ASSERT_EQUAL(std::string("bytes=5000 intact=yes\n"), reply.body());
        CPPUNIT_ASSERT_MESSAGE("the first piece reached the upstream only after the client sent the last: " + latencies,
                               seen[0] && arrived[0] < sent[kPieces - 1]);
    }

    void testStrictParsingCorpus() {
        const auto corpus = loadCorpus(sourceDir() / "tests/integration/gateway/desync-corpus.txt");
        CPPUNIT_ASSERT_MESSAGE(std::to_string(corpus.size()), corpus.size() >= 40);
        RawUpstream upstream([](int fd, const std::string& head, std::string& rest, RawUpstream& self) {
            if (self.readBody(fd, head, rest)) { // a request cut short gets no answer
                sendAll(fd, answer(200, "upstream served " + firstLine(head) + "\n"));
            }
            return false;
        });
        InProcessGateway gw;
        gw.route("desync", "desync.test");
        gw.addInstance("desync", "desync-1", upstream.endpoint(), 0);

        std::vector<std::string> failures;
        for (const bool privatePort : {false, true}) {
            const std::string portName = privatePort ? "private" : "public";
            const std::string route = privatePort ? "MAELSTROM-COMPONENT: desync\r\n" : "";
            const std::string followUp = "GET /smuggled HTTP/1.1\r\nHost: desync.test\r\n" + route + "\r\n";
            std::vector<Exchange> exchanges(corpus.size());
            for (std::size_t i = 0; i < corpus.size(); ++i) {
                exchanges[i].request =
                    replaceAll(replaceAll(corpus[i].payload, "${HOST}", "desync.test"), "${ROUTE}", route) + followUp;
            }
            exchangeAll(privatePort ? gw.privatePort() : gw.port(), exchanges, 8s);
            for (std::size_t i = 0; i < corpus.size(); ++i) {
                const Exchange& e = exchanges[i];
                const std::vector<int> statuses = statusesIn(e.answer);
                std::string shown;
                bool twoHundred = false;
                for (int s : statuses) {
                    shown += std::to_string(s) + " ";
                    twoHundred = twoHundred || (s >= 200 && s < 300);
                }
                const auto& accepted = corpus[i].accepted;
                const bool refused =
                    statuses.empty() ? e.closed && e.answer.empty()
                                     : std::find(accepted.begin(), accepted.end(), statuses.front()) != accepted.end();
                std::cerr << "desync corpus [" << portName << "] " << corpus[i].name << ": "
                          << (statuses.empty() ? (e.answer.empty() ? "no answer " : "garbage ") : shown)
                          << (e.closed ? "closed" : "left open") << "\n";
                if (twoHundred || !refused) {
                    failures.push_back("[" + portName + "] " + corpus[i].name + ": " +
                                       (statuses.empty() ? std::string(e.closed ? "closed" : "no answer, left open")
                                                         : "statuses " + shown) +
                                       " answer \"" + printable(e.answer) + "\"");
                }
            }
        }
        // Requests the gateway forwarded end at the upstream within moments; one it cut short is not counted.
        waitUntil([&] { return upstream.busy() == 0; }, 10s);
        const std::vector<std::string> reached = upstream.counted();
        std::string reachedText;
        for (const auto& line : reached) {
            reachedText += "\n  " + printable(line);
        }
        std::cerr << "desync corpus: " << corpus.size() << " payloads x 2 ports, " << failures.size()
                  << " not refused; upstream: " << upstream.connections() << " connections, " << upstream.heads()
                  << " request heads, " << reached.size() << " requests, " << upstream.incomplete() << " cut short\n";
        std::string failureText;
        for (const auto& f : failures) {
            failureText += "\n  " + f;
        }
        CPPUNIT_ASSERT_MESSAGE("payloads not refused:" + failureText, failures.empty());
        CPPUNIT_ASSERT_MESSAGE("requests of the corpus reached the upstream:" + reachedText, reached.empty());

        // The server is fine: well-formed requests on fresh connections are served on both ports.
        const Reply good = get(gw.port(), "/fine", "desync.test");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(good.body, 200, good.status);
        const Reply goodPrivate = get(gw.privatePort(), "/fine", "any.test", {{"MAELSTROM-COMPONENT", "desync"}});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(goodPrivate.body, 200, goodPrivate.status);
        CPPUNIT_ASSERT_EQUAL(2, upstream.requests());

        // `Content-Length: 1x` gets a real HTTP/1.1 400 answer, not just a close.
        for (const int port : {gw.port(), gw.privatePort()}) {
            const int fd = connectTo(port);
            CPPUNIT_ASSERT(sendAll(fd, "POST /cl HTTP/1.1\r\nHost: desync.test\r\nMAELSTROM-COMPONENT: desync\r\n"
                                       "Content-Length: 1x\r\n\r\nhello"));
            const ResponseReader reply = readResponse(fd, 10s);
            ::close(fd);
            CPPUNIT_ASSERT_MESSAGE(printable(reply.head() + reply.body(), 300),
                                   reply.head().rfind("HTTP/1.1 400 ", 0) == 0 && reply.complete());
        }
        CPPUNIT_ASSERT_EQUAL(2, upstream.requests());
    }

    void testSlowReaderBackpressure() {
        // A client reading a 1 GiB download at 1 MiB/s for 8 s and then fast, and an upstream reading a 1 GiB upload
        // at 1 MiB/s for 8 s and then fast: the proxy must hold back (TCP backpressure) instead of buffering what the
        // slow side does not take, so the process RSS grows by less than 16 MiB. MAELSTROM_SOAK=1: the slow phase
        // lasts the whole transfer (about 1,024 s each way).
        const std::int64_t total = 1024LL * 1024 * 1024;
        const std::int64_t rate = 1024 * 1024;
        const std::chrono::milliseconds slowFor = soak() ? std::chrono::milliseconds(std::chrono::hours(24)) : 8000ms;
        const std::int64_t limitKiB = 16 * 1024;

        std::atomic<std::int64_t> uploadSlowBytes{0};
        RawUpstream sink([&](int fd, const std::string& head, std::string& rest, RawUpstream& self) {
            std::int64_t bytes = 0;
            Throttle throttle(rate, slowFor);
            const bool slow = head.rfind("POST /slow ", 0) == 0;
            self.readBody(
                fd, head, rest,
                [&](std::string_view data, Clock::time_point) { bytes += static_cast<std::int64_t>(data.size()); },
                slow ? &throttle : nullptr);
            uploadSlowBytes = throttle.slowBytes();
            sendAll(fd, answer(200, std::to_string(bytes) + "\n"));
            return false;
        });
        InProcessGateway gw;
        gw.route("bulk", "bulk.test", 3600);
        gw.addInstance("bulk", "bulk-1", hellos()[2].endpoint());
        gw.route("sink", "sink.test", 3600);
        gw.addInstance("sink", "sink-1", sink.endpoint(), 0);
        // Warm up threads, pools and buffers so the measurement sees only growth from the transfers.
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/bytes?n=10000000", "bulk.test").status);
        CPPUNIT_ASSERT_EQUAL(
            200, send(gw.port(), "POST", "/warm", {{"Host", "sink.test"}}, std::string(10000000, 'w')).status);

        // Download through a slow reader.
        {
            RssSampler rss;
            const auto start = Clock::now();
            const int fd = connectTo(gw.port());
            setTimeouts(fd, 120s);
            CPPUNIT_ASSERT(sendAll(fd, "GET /bytes?n=" + std::to_string(total) +
                                           " HTTP/1.1\r\nHost: bulk.test\r\nConnection: close\r\n\r\n"));
            bool allB = true;
            ResponseReader reader(
                [&](std::string_view data) { allB = allB && data.find_first_not_of('b') == std::string_view::npos; });
            Throttle throttle(rate, slowFor);
            std::vector<char> buffer(64 * 1024);
            while (!reader.complete()) {
                const std::size_t want = reader.headDone() ? throttle.next(buffer.size()) : 4096;
                const ssize_t n = ::recv(fd, buffer.data(), want, 0);
                if (n <= 0) {
                    reader.closed();
                    break;
                }
                if (reader.headDone()) {
                    throttle.consumed(static_cast<std::size_t>(n));
                }
                CPPUNIT_ASSERT(reader.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n))));
            }
            ::close(fd);
            rss.finish();
            std::cerr << "1 GiB download to a slow reader (" << throttle.slowBytes() / 1024
                      << " KiB at 1 MiB/s, then fast): " << msSince(start) << " ms, RSS peak growth " << rss.growthKiB()
                      << " KiB\n";
            CPPUNIT_ASSERT_EQUAL_MESSAGE(reader.head(), 200, reader.status());
            CPPUNIT_ASSERT_EQUAL(total, reader.bodyBytes());
            CPPUNIT_ASSERT(allB);
            CPPUNIT_ASSERT_MESSAGE("RSS grew by " + std::to_string(rss.growthKiB()) + " KiB",
                                   rss.growthKiB() < limitKiB);
        }
        // Upload to a slow upstream.
        {
            RssSampler rss;
            const auto start = Clock::now();
            const int fd = connectTo(gw.port());
            setTimeouts(fd, 120s);
            CPPUNIT_ASSERT(sendAll(fd, "POST /slow HTTP/1.1\r\nHost: sink.test\r\nContent-Length: " +
                                           std::to_string(total) + "\r\nConnection: close\r\n\r\n"));
            const std::string chunk(64 * 1024, 'u');
            std::int64_t sent = 0;
            while (sent < total && sendAll(fd, chunk)) {
                sent += static_cast<std::int64_t>(chunk.size());
            }
            const ResponseReader reply = readResponse(fd, 120s);
            ::close(fd);
            rss.finish();
            std::cerr << "1 GiB upload to a slow upstream (" << uploadSlowBytes.load() / 1024
                      << " KiB at 1 MiB/s, then fast): " << msSince(start) << " ms, RSS peak growth " << rss.growthKiB()
                      << " KiB\n";
            CPPUNIT_ASSERT_EQUAL(total, sent);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(reply.head() + reply.body(), 200, reply.status());
            CPPUNIT_ASSERT_EQUAL(std::to_string(total) + "\n", reply.body());
            CPPUNIT_ASSERT_MESSAGE("RSS grew by " + std::to_string(rss.growthKiB()) + " KiB",
                                   rss.growthKiB() < limitKiB);
        }
    }

    void testTenThousandIdleConnections() {
        // 10,000 keep-alive connections that each made one request (the health check) and then idle, plus 1,000
        // WebSocket tunnels to an upstream that holds them open: no thread per connection, a small RSS cost each,
        // and a routed request still answered fast while they are all open. The clients run in a child process
        // (ClientProcess), so the figures are the gateway's.
        constexpr std::size_t kIdle = 10000;
        constexpr std::size_t kTunnels = 1000;
        // AddressSanitizer adds redzones to every allocation and keeps freed memory in quarantine for a while.
        const double perConnectionLimitKiB = kAsan ? 64.0 : 20.0;
        const double p99LimitMs = kAsan ? 50.0 : 10.0;
        // Each process: its 11,000 client sockets, or the gateway's 11,000 plus 2 x 1,000 for the tunnels.
        raiseFileLimit(16384, 65536);
        ClientProcess clients; // forked now, before any socket of the gateway exists

        NodeSettings settings = testSettings();
        settings.httpMaxConnections = 20000; // requires httpMaxConnections
        RawUpstream wsUpstream(
            [](int fd, const std::string& head, std::string& rest, RawUpstream& self) {
                self.readBody(fd, head, rest);
                return sendAll(fd, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                   "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
            },
            /*inlineHandling=*/true);
        InProcessGateway gw(settings);
        gw.route("web", "web.test");
        gw.addInstance("web", "web-1", hellos()[0].endpoint());
        gw.route("ws", "ws.test", 600);
        gw.addInstance("ws", "ws-1", wsUpstream.endpoint(), 0);
        const std::string port = std::to_string(gw.port());

        // Warm-up: the listeners' loops, allocators and the proxy path have served before the baseline.
        const OpenResult warmed = ClientProcess::parseOpen(clients.call("open " + port + " 200 health", 180s));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(warmed.firstFailure, std::size_t{200}, warmed.ok);
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/", "web.test").status);
        std::this_thread::sleep_for(200ms);
        const std::int64_t threadsBefore = threadCount();
        const std::int64_t rssBefore = rssKiB();

        const OpenResult opened =
            ClientProcess::parseOpen(clients.call("open " + port + " " + std::to_string(kIdle) + " health", 180s));
        std::this_thread::sleep_for(200ms);
        const std::int64_t rssIdle = rssKiB();
        std::cerr << kIdle << " keep-alive connections: " << opened.ok << " answered and idle in " << opened.ms
                  << " ms, " << opened.failed << " failed" << (opened.failed > 0 ? ": " + opened.firstFailure : "")
                  << "\n";
        const OpenResult ws =
            ClientProcess::parseOpen(clients.call("open " + port + " " + std::to_string(kTunnels) + " upgrade", 180s));
        std::cerr << kTunnels << " WebSocket tunnels: " << ws.ok << " open in " << ws.ms << " ms, " << ws.failed
                  << " failed" << (ws.failed > 0 ? ": " + ws.firstFailure : "") << "\n";
        waitUntil([&] { return wsUpstream.held() >= kTunnels; }, 10s);
        std::this_thread::sleep_for(500ms);
        const std::int64_t threadsAfter = threadCount();
        const std::int64_t rssAfter = rssKiB();

        // Requests while all of them are open: 200 in a row from a fresh keep-alive client to hello-http.
        std::vector<double> latencies;
        std::string latencyFailure;
        {
            const int fd = connectTo(gw.port());
            for (int i = 0; i < 200 && latencyFailure.empty(); ++i) {
                const auto start = Clock::now();
                if (!sendAll(fd, "GET / HTTP/1.1\r\nHost: web.test\r\n\r\n")) {
                    latencyFailure = "send failed at request " + std::to_string(i);
                    break;
                }
                const ResponseReader reply = readResponse(fd, 10s);
                latencies.push_back(msBetween(start, Clock::now()));
                if (!reply.complete() || reply.status() != 200 || reply.body() != "hello\n") {
                    latencyFailure = "request " + std::to_string(i) + ": " + printable(reply.head() + reply.body());
                }
            }
            ::close(fd);
        }
        std::sort(latencies.begin(), latencies.end());
        const double p50 = latencies.empty() ? -1 : latencies[latencies.size() / 2];
        const double p99 = latencies.empty() ? -1 : latencies[(latencies.size() * 99 + 99) / 100 - 1];

        // Still open (the server closed none of them), then all closed by the clients.
        const int closedByServer = std::stoi(clients.call("check", 60s));
        CPPUNIT_ASSERT_EQUAL(std::string("closed"), clients.call("close", 120s));

        const auto kib = [](std::int64_t from, std::int64_t to, std::size_t n) {
            return static_cast<double>(to - from) / static_cast<double>(n);
        };
        const double perIdleKiB = kib(rssBefore, rssIdle, kIdle);
        const double perTunnelKiB = kib(rssIdle, rssAfter, kTunnels);
        const double perConnectionKiB = kib(rssBefore, rssAfter, kIdle + kTunnels);
        const std::string asan = kAsan ? " (AddressSanitizer build)" : "";
        std::cerr << "idle connections and tunnels: threads " << threadsBefore << " -> " << threadsAfter << ", RSS "
                  << rssBefore << " -> " << rssIdle << " -> " << rssAfter << " KiB: " << fixed(perIdleKiB, 2)
                  << " KiB per idle connection, " << fixed(perTunnelKiB, 2) << " KiB per tunnel, "
                  << fixed(perConnectionKiB, 2) << " KiB per connection overall" << asan << "\n";
        std::cerr << "200 requests with " << opened.ok + ws.ok << " connections open: p50 " << fixed(p50, 2)
                  << " ms, p99 " << fixed(p99, 2) << " ms" << asan
                  << "; idle connections closed by the server: " << closedByServer << "\n";

        CPPUNIT_ASSERT_EQUAL_MESSAGE(opened.firstFailure, kIdle, opened.ok);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(ws.firstFailure, kTunnels, ws.ok);
        CPPUNIT_ASSERT_EQUAL(kTunnels, wsUpstream.held());
        CPPUNIT_ASSERT_MESSAGE("opening the idle connections took " + std::to_string(opened.ms) + " ms",
                               opened.ms < 30000);
        CPPUNIT_ASSERT_EQUAL(0, closedByServer);
        CPPUNIT_ASSERT_MESSAGE("threads grew from " + std::to_string(threadsBefore) + " to " +
                                   std::to_string(threadsAfter),
                               threadsAfter - threadsBefore <= 8);
        CPPUNIT_ASSERT_MESSAGE(fixed(perIdleKiB, 2) + " KiB per idle connection", perIdleKiB <= perConnectionLimitKiB);
        CPPUNIT_ASSERT_MESSAGE(fixed(perConnectionKiB, 2) + " KiB per connection",
                               perConnectionKiB <= perConnectionLimitKiB);
        CPPUNIT_ASSERT_MESSAGE(latencyFailure, latencyFailure.empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t{200}, latencies.size());
        CPPUNIT_ASSERT_MESSAGE("p99 " + fixed(p99, 2) + " ms", p99 < p99LimitMs);

        // Everything closed: the server still answers.
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/_mael_health_check", "x").status);
        CPPUNIT_ASSERT_EQUAL(200, get(gw.port(), "/", "web.test").status);
        CPPUNIT_ASSERT_EQUAL(200, get(gw.privatePort(), "/_mael_health_check", "x").status);
    }

    void testClientDisconnectCancelsUpstream() {
        // A client that closes its connection while the instance works (5 s sleep) frees the slot at once: the
        // upstream request is cancelled (its connection closed) instead of running to its end.
        InProcessGateway gw;
        gw.route("slow", "slow.test");
        gw.addInstance("slow", "slow-1", hellos()[0].endpoint());
        const int fd = connectTo(gw.port());
        CPPUNIT_ASSERT(sendAll(fd, "GET /sleep?ms=5000 HTTP/1.1\r\nHost: slow.test\r\n\r\n"));
        const auto router = gw.routers.byComponent("slow");
        const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (router->activity().inFlight == 0 && std::chrono::steady_clock::now() < limit) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, router->activity().inFlight);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const auto closed = std::chrono::steady_clock::now();
        ::close(fd);
        while (router->activity().inFlight != 0 &&
               std::chrono::steady_clock::now() - closed < std::chrono::seconds(10)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        const auto freedMs =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - closed).count();
        std::cerr << "client gone during a 5 s upstream request: slot freed after " << freedMs << " ms\n";
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, router->activity().inFlight);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(freedMs), freedMs < 1500);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayDataplaneTest);
