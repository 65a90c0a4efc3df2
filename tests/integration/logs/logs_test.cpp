// logs_test.cpp — container logs end to end: a maelstromd (sqlite, docker,
// jsonrpc-http, with a private token) and hello-http containers the test starts through the docker plugin with
// the managed labels (maelstrom=true, maelstrom_component, maelstrom_version), reached on their published
// 127.0.0.1 port; their `/log?msg=T` route prints a line. Covers the line format, the components filter, `since`,
// PING keep-alives, containers started after the stream began, `maelctl logs`, a disconnecting client freeing
// its followers (maelstromd's threads and descriptors), bad parameters (400), the token, `local=1` (a node alone
// streams the same), `logdriver: maelstrom`, and a shutdown with a stream open.
#include "docker_test_env.h"
#include "lifecycle_env.h"
#include "test_support.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

using namespace maelstrom::testing;
using namespace maelstrom::testing::docker;
namespace fs = std::filesystem;

namespace {

const std::string kSuite = "logs-test";
const std::string kToken = "logs-test-token";
const std::string kNode = "logs-test-node";

/// The suite's daemon (a private token, a fixed node id) in a data dir of its own: started before any container
/// of the suite exists (its boot removes unknown managed containers, as adoption does), stopped by the last test.
struct Suite {
    TempDir dataDir;
    lifecycle::Daemon daemon{dataDir.path(), {{"MAEL_PRIVATE_TOKEN", kToken}, {"MAEL_NODE_ID", kNode}}};
};
std::unique_ptr<Suite>& suiteSlot() {
    static std::unique_ptr<Suite> s;
    return s;
}
lifecycle::Daemon& daemon() {
    auto& s = suiteSlot();
    if (!s) {
        removeSuiteContainers(kSuite);
        s = std::make_unique<Suite>();
    }
    return s->daemon;
}

/// A running fixture container of component `name`, started through the plugin (managed labels).
struct Container {
    sdk::ContainerSummary summary;
    std::string component;
};

std::shared_ptr<sdk::ContainerRuntime>& runtime() {
    static auto r = makeRuntime();
    return r;
}

Container startContainer(const std::string& component) {
    auto spec = fixtureSpec(component, kSuite);
    Container c;
    c.component = component;
    c.summary = runtime()->start(spec);
    CPPUNIT_ASSERT_MESSAGE("no endpoint for " + component, c.summary.endpoint.has_value());
    CPPUNIT_ASSERT_MESSAGE("not healthy: " + component, waitForHttp200(*c.summary.endpoint, "/health"));
    return c;
}

void removeContainer(const Container& c) {
    try {
        runtime()->remove(c.summary.id, true);
    } catch (const std::exception&) {
    }
}

void logLine(const Container& c, const std::string& msg, bool stderrStream = false) {
    const int status = httpGet(*c.summary.endpoint, "/log?msg=" + msg + (stderrStream ? "&stream=stderr" : ""));
    CPPUNIT_ASSERT_EQUAL_MESSAGE("/log of " + c.component, 200, status);
}

/// Whether `text` is the message of `data` logged by `component`: the original's three fields, tagged with the
/// daemon's node.
bool isExpectedLine(const std::string& text, const std::string& component, const std::string& data,
                    bool stderrStream = false) {
    const std::string fields = R"({"Component":")" + component + R"(","Stream":")" +
                               (stderrStream ? "stderr" : "stdout") + R"(","Data":")" + data + R"(\n")";
    return text == fields + R"(,"Node":")" + kNode + R"("})";
}

/// Whether `maelctl logs` printed the line of `component`, tagged with the daemon's node.
bool hasCliLine(const std::string& output, const std::string& component, const std::string& data) {
    return output.find("[" + component + "@" + kNode + "]\t" + data + "\n") != std::string::npos;
}

/// A /_mael/logs client reading the stream on its own thread; close() disconnects (the socket is closed).
class LogClient {
public:
    struct Line {
        std::string text; ///< without "\n" (the "\r" is checked, then removed)
        bool crlf = false;
        std::chrono::steady_clock::time_point at;
    };

    explicit LogClient(const std::string& query, const std::string& token = kToken, const std::string& method = "GET",
                       const std::string& body = "")
        : session_("127.0.0.1", static_cast<Poco::UInt16>(daemon().privatePort())) {
        session_.setTimeout(Poco::Timespan(30, 0));
        Poco::Net::HTTPRequest request(method, "/_mael/logs" + query, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!token.empty()) {
            request.set("Authorization", "Bearer " + token);
        }
        if (!body.empty()) {
            request.setContentType("application/x-www-form-urlencoded");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        session_.sendRequest(request) << body;
        std::istream& in = session_.receiveResponse(response_);
        if (response_.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
            Poco::StreamCopier::copyToString(in, body_);
            return;
        }
        reader_ = std::thread([this, &in] {
            std::string line;
            while (std::getline(in, line)) {
                Line l;
                l.crlf = !line.empty() && line.back() == '\r';
                if (l.crlf)
                    line.pop_back();
                l.text = line;
                l.at = std::chrono::steady_clock::now();
                std::lock_guard lock(m_);
                lines_.push_back(std::move(l));
                cv_.notify_all();
            }
            std::lock_guard lock(m_);
            ended_ = true;
            cv_.notify_all();
        });
    }
    ~LogClient() { close(); }

    int status() const { return static_cast<int>(response_.getStatus()); }
    const Poco::Net::HTTPResponse& response() const { return response_; }
    const std::string& body() const { return body_; }

    bool waitFor(const std::function<bool(const Line&)>& match, std::chrono::seconds timeout) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, timeout, [&] {
            for (const auto& l : lines_) {
                if (match(l))
                    return true;
            }
            return false;
        });
    }
    bool waitForCount(const std::string& text, int count, std::chrono::seconds timeout) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, timeout, [&] {
            int n = 0;
            for (const auto& l : lines_)
                n += l.text == text;
            return n >= count;
        });
    }
    bool waitForText(const std::string& text, std::chrono::seconds timeout = std::chrono::seconds(30)) {
        return waitFor([&](const Line& l) { return l.text == text; }, timeout);
    }
    /// Waits for the message of `data` from `component` (isExpectedLine).
    bool waitForMessage(const std::string& component, const std::string& data, bool stderrStream = false,
                        std::chrono::seconds timeout = std::chrono::seconds(30)) {
        return waitFor([&](const Line& l) { return isExpectedLine(l.text, component, data, stderrStream); }, timeout);
    }
    bool waitForContaining(const std::string& part, std::chrono::seconds timeout = std::chrono::seconds(30)) {
        return waitFor([&](const Line& l) { return l.text.find(part) != std::string::npos; }, timeout);
    }
    bool has(const std::string& part) {
        std::lock_guard lock(m_);
        for (const auto& l : lines_) {
            if (l.text.find(part) != std::string::npos)
                return true;
        }
        return false;
    }
    std::vector<Line> lines() {
        std::lock_guard lock(m_);
        return lines_;
    }
    std::string dump() {
        std::string out;
        for (const auto& l : lines())
            out += l.text + "\n";
        return out;
    }
    bool waitEnded(std::chrono::seconds timeout) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, timeout, [&] { return ended_; });
    }

    /// Disconnects: the socket is shut down and closed, the reader joined.
    void close() {
        if (closed_)
            return;
        closed_ = true;
        try {
            session_.socket().shutdown();
        } catch (const std::exception&) {
        }
        if (reader_.joinable())
            reader_.join();
        session_.reset();
    }

private:
    Poco::Net::HTTPClientSession session_;
    Poco::Net::HTTPResponse response_;
    std::string body_;
    std::thread reader_;
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<Line> lines_;
    bool ended_ = false;
    bool closed_ = false;
};

int procCount(int pid, const std::string& what) {
    if (what == "fds") {
        int n = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
            ++n;
        return n;
    }
    const std::string key = what == "rss" ? "VmRSS:" : "Threads:"; // rss in KiB
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key, 0) == 0)
            return std::stoi(line.substr(key.size()));
    }
    return -1;
}

/// Waits until maelstromd's thread count holds still for a second (streams of earlier tests end within
/// moments) and returns it.
int settledThreads(int pid) {
    int threads = procCount(pid, "threads");
    for (int stable = 0, i = 0; stable < 5 && i < 100; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const int now = procCount(pid, "threads");
        stable = now == threads ? stable + 1 : 0;
        threads = now;
    }
    return threads;
}

std::string unique(const std::string& prefix) { return prefix + "-" + uniqueSuffix(); }

/// POSTs one JSON-RPC call to the daemon; returns the response body.
std::string rpc(const std::string& method, const std::string& input) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(daemon().privatePort()));
    session.setTimeout(Poco::Timespan(30, 0));
    const std::string body = R"({"jsonrpc":"2.0","id":"t1","method":")" + method + R"(","params":[)" + input + "]}";
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/_mael/v1", Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.set("Authorization", "Bearer " + kToken);
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::string reply;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), reply);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(reply, 200, static_cast<int>(response.getStatus()));
    return reply;
}

/// Two containers shared by most tests: components logs-a-<pid> and logs-b-<pid>.
struct Shared {
    Container a;
    Container b;
};
Shared& shared() {
    static std::unique_ptr<Shared> s;
    if (!s) {
        daemon(); // first: its boot must not see the suite's containers
        s = std::make_unique<Shared>();
        std::atexit([] { removeSuiteContainers(kSuite); }); // also when only some tests run
        const std::string pid = std::to_string(::getpid());
        s->a = startContainer("logs-a-" + pid);
        s->b = startContainer("logs-b-" + pid);
    }
    return *s;
}

/// Other suites' maelstromd boots remove managed containers they do not know (adoption), which only matters
/// when suites share a Docker engine concurrently (ctest runs them one after the other): restart ours if gone.
void reviveShared() {
    for (Container* c : {&shared().a, &shared().b}) {
        bool running = false;
        try {
            running = runtime()->inspect(c->summary.id).state == sdk::ContainerState::Running;
        } catch (const std::exception&) {
        }
        if (!running) {
            std::cerr << "(container of " << c->component << " vanished; starting another)\n";
            *c = startContainer(c->component);
        }
    }
}

std::string filterAB() { return shared().a.component + "," + shared().b.component; }

ProcessResult maelctl(const std::vector<std::string>& args, const std::string& token = kToken,
                      std::chrono::seconds timeout = std::chrono::seconds(60)) {
    std::vector<std::string> argv{(binDir() / "maelctl").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> env{{"MAELSTROM_PRIVATE_URL", daemon().privateUrl()}};
    if (token.empty()) {
        env["-MAELSTROM_PRIVATE_TOKEN"] = "";
    } else {
        env["MAELSTROM_PRIVATE_TOKEN"] = token;
    }
    return runProcess(argv, env, timeout);
}

} // namespace

class LogsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LogsTest);
    CPPUNIT_TEST(streamShowsLinesInTheReferenceFormat);
    CPPUNIT_TEST(componentsFilter);
    CPPUNIT_TEST(sinceSelectsTheStart);
    CPPUNIT_TEST(pingsOncePerSecond);
    CPPUNIT_TEST(followsContainersStartedLater);
    CPPUNIT_TEST(maelctlPrintsTheLines);
    CPPUNIT_TEST(badParametersAnd401);
    CPPUNIT_TEST(disconnectFreesFollowers);
    CPPUNIT_TEST(slowClientIsBoundedAndReleased);
    CPPUNIT_TEST(logDriverMaelstromPrintsToStdout);
    CPPUNIT_TEST(shutdownEndsOpenStreams);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd (tests/services/start-docker.sh)");
        reviveShared();
    }

    void streamShowsLinesInTheReferenceFormat() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        const auto& a = shared().a;
        LogClient stream("?components=" + a.component);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(stream.body(), 200, stream.status());
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), stream.response().getContentType());
        CPPUNIT_ASSERT(stream.response().getChunkedTransferEncoding());
        const std::string out = unique("format-out");
        const std::string err = unique("format-err");
        logLine(a, out);
        logLine(a, err, true);
        CPPUNIT_ASSERT_MESSAGE(stream.dump(), stream.waitForMessage(a.component, out));
        CPPUNIT_ASSERT_MESSAGE(stream.dump(), stream.waitForMessage(a.component, err, true));
        for (const auto& l : stream.lines()) {
            CPPUNIT_ASSERT_MESSAGE("not CRLF-terminated: " + l.text, l.crlf);
        }
    }

    void componentsFilter() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        const auto& a = shared().a;
        const auto& b = shared().b;
        const std::string pid = std::to_string(::getpid());
        LogClient onlyA("?components=" + a.component);
        LogClient onlyB("?components=" + std::string("logs-b-*"));        // prefix
        LogClient both("?components=*-a-" + pid + ",%20*b-" + pid + "*"); // suffix and contains, trimmed
        const std::string markA = unique("filter-a");
        const std::string markB = unique("filter-b");
        logLine(b, markB);
        logLine(a, markA);
        CPPUNIT_ASSERT_MESSAGE(onlyA.dump(), onlyA.waitForContaining(markA));
        CPPUNIT_ASSERT_MESSAGE(onlyB.dump(), onlyB.waitForContaining(markB));
        CPPUNIT_ASSERT_MESSAGE(both.dump(), both.waitForContaining(markA) && both.waitForContaining(markB));
        // markB was printed before markA, and the followers deliver each container in order: give B's line a
        // moment more, then it must not have reached the A-only stream (and vice versa).
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        CPPUNIT_ASSERT_MESSAGE(onlyA.dump(), !onlyA.has(markB));
        CPPUNIT_ASSERT_MESSAGE(onlyB.dump(), !onlyB.has(markA));
    }

    void sinceSelectsTheStart() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        const auto& a = shared().a;
        const std::string old = unique("since-old");
        const auto before = std::chrono::system_clock::now();
        logLine(a, old);
        std::this_thread::sleep_for(std::chrono::milliseconds(3000));
        {
            LogClient recent("?since=1s&components=" + a.component);
            const std::string fresh = unique("since-new");
            logLine(a, fresh);
            CPPUNIT_ASSERT_MESSAGE(recent.dump(), recent.waitForContaining(fresh));
            CPPUNIT_ASSERT_MESSAGE(recent.dump(), !recent.has(old));
        }
        {
            LogClient byDefault("?components=" + a.component); // 1m
            CPPUNIT_ASSERT_MESSAGE(byDefault.dump(), byDefault.waitForContaining(old));
        }
        {
            const auto seconds =
                std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count() - 5;
            LogClient byTimestamp("?components=" + a.component + "&since=" + std::to_string(seconds));
            CPPUNIT_ASSERT_MESSAGE(byTimestamp.dump(), byTimestamp.waitForContaining(old));
        }
        {
            LogClient everything("?components=" + a.component + "&since=0");
            CPPUNIT_ASSERT_MESSAGE(everything.dump(), everything.waitForContaining(old));
        }
    }

    void pingsOncePerSecond() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        LogClient stream("?components=no-such-component-" + uniqueSuffix());
        CPPUNIT_ASSERT_EQUAL(200, stream.status());
        CPPUNIT_ASSERT(stream.waitForCount("PING", 4, std::chrono::seconds(20)));
        std::vector<std::chrono::steady_clock::time_point> pings;
        for (const auto& l : stream.lines()) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE("only PINGs expected", std::string("PING"), l.text);
            CPPUNIT_ASSERT(l.crlf);
            pings.push_back(l.at);
        }
        const auto span = std::chrono::duration_cast<std::chrono::milliseconds>(pings[3] - pings[0]).count();
        CPPUNIT_ASSERT_MESSAGE(std::to_string(span), span >= 2000 && span <= 6000); // 3 intervals of 1 s
    }

    void followsContainersStartedLater() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        const std::string component = "logs-c-" + uniqueSuffix();
        LogClient stream("?components=" + component);
        CPPUNIT_ASSERT(stream.waitForText("PING", std::chrono::seconds(10)));
        const Container c = startContainer(component);
        const std::string mark = unique("later");
        logLine(c, mark);
        const bool seen = stream.waitForMessage(component, mark);
        removeContainer(c);
        CPPUNIT_ASSERT_MESSAGE(stream.dump(), seen);
    }

    void maelctlPrintsTheLines() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        const auto& a = shared().a;
        const std::string out = unique("cli-out");
        const std::string err = unique("cli-err");
        logLine(a, out);
        logLine(a, err, true);
        // The command streams until interrupted: it is killed after a few seconds, having printed the last minute.
        const auto r = maelctl({"logs", "--components=" + a.component, "--since=1m"}, kToken, std::chrono::seconds(6));
        CPPUNIT_ASSERT_MESSAGE(r.out + r.err, hasCliLine(r.out, a.component, out));
        CPPUNIT_ASSERT_MESSAGE(r.out + r.err, hasCliLine(r.err, a.component, err));
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("PING") == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find(err) == std::string::npos);

        const auto bad = maelctl({"logs", "--since=bogus"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(bad.out + bad.err, 1, bad.exitCode);
        CPPUNIT_ASSERT_MESSAGE(bad.out, bad.out.find("ERROR: Request to " + daemon().privateUrl() +
                                                     "/_mael/logs?since=bogus failed - HTTP 400") == 0);
        CPPUNIT_ASSERT_MESSAGE(bad.out, bad.out.find("invalid since 'bogus'") != std::string::npos);

        const auto noToken = maelctl({"logs"}, "");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(noToken.out + noToken.err, 1, noToken.exitCode);
        CPPUNIT_ASSERT_MESSAGE(noToken.out, noToken.out.find("HTTP 401") != std::string::npos);
    }

    void badParametersAnd401() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        {
            LogClient s("?since=abc");
            CPPUNIT_ASSERT_EQUAL(400, s.status());
            CPPUNIT_ASSERT_MESSAGE(s.body(), s.body().find("invalid since 'abc'") == 0);
        }
        {
            LogClient s("?since=2024-13-45");
            CPPUNIT_ASSERT_EQUAL(400, s.status());
        }
        {
            std::string many;
            for (int i = 0; i < 101; ++i)
                many += "c" + std::to_string(i) + ",";
            LogClient s("?components=" + many);
            CPPUNIT_ASSERT_EQUAL(400, s.status());
            CPPUNIT_ASSERT_MESSAGE(s.body(), s.body().find("more than 100 items") != std::string::npos);
        }
        {
            LogClient s("?components=x", "");
            CPPUNIT_ASSERT_EQUAL(401, s.status());
            LogClient wrong("?components=x", "not-the-token");
            CPPUNIT_ASSERT_EQUAL(401, wrong.status());
        }
        {
            // At most 8 streams at once (streams of earlier tests may still be closing: at most 8 opens).
            std::vector<std::unique_ptr<LogClient>> open;
            int refused = 0;
            for (int i = 0; i < 9 && refused == 0; ++i) {
                open.push_back(std::make_unique<LogClient>("?components=none-" + uniqueSuffix()));
                if (open.back()->status() == 503) {
                    refused = i + 1;
                    CPPUNIT_ASSERT_MESSAGE(open.back()->body(),
                                           open.back()->body().find("too many log streams open (limit 8)") == 0);
                }
            }
            CPPUNIT_ASSERT_MESSAGE(std::to_string(refused), refused >= 1 && refused <= 9);
            open.clear();
            CPPUNIT_ASSERT(
                waitUntil([] { return LogClient("?components=none").status() == 200; }, std::chrono::seconds(15)));
        }
        {
            // Form parameters in a POST body work too (Go's FormValue).
            const auto& a = shared().a;
            const std::string mark = unique("form");
            logLine(a, mark);
            LogClient s("", kToken, "POST", "components=" + a.component + "&since=1m");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(s.body(), 200, s.status());
            CPPUNIT_ASSERT_MESSAGE(s.dump(), s.waitForMessage(a.component, mark));
        }
        {
            LogClient s("?since=1m&local=yes");
            CPPUNIT_ASSERT_EQUAL(400, s.status());
            CPPUNIT_ASSERT_MESSAGE(s.body(), s.body().find("invalid local 'yes'") == 0);
        }
        {
            // A node alone: its local stream is the whole stream.
            const auto& a = shared().a;
            const std::string mark = unique("local");
            logLine(a, mark);
            LogClient s("?components=" + a.component + "&since=1m&local=1");
            CPPUNIT_ASSERT_EQUAL_MESSAGE(s.body(), 200, s.status());
            CPPUNIT_ASSERT_MESSAGE(s.dump(), s.waitForMessage(a.component, mark));
        }
    }

    void disconnectFreesFollowers() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        const int pid = daemon().pid();
        const auto& a = shared().a;
        const std::string mark = unique("disconnect");
        logLine(a, mark);
        const int baseThreads = settledThreads(pid);
        int openThreads = 0;
        int openFds = 0;
        {
            LogClient stream("?components=" + filterAB());
            CPPUNIT_ASSERT_MESSAGE(stream.dump(), stream.waitForContaining(mark));
            // two followers and the poll thread (plus, maybe, a new worker of the listener's pool)
            CPPUNIT_ASSERT(
                waitUntil([&] { return procCount(pid, "threads") >= baseThreads + 3; }, std::chrono::seconds(10)));
            openThreads = procCount(pid, "threads");
            openFds = procCount(pid, "fds");
        }
        // The client is gone: the next PING fails, the followers' Docker streams close, their threads end. The
        // stream held 3 descriptors (client socket, two Docker log connections); the lifecycle and the log bridge
        // may open one pooled Docker connection meanwhile, so one descriptor of slack.
        const bool freed = waitUntil(
            [&] { return procCount(pid, "threads") <= openThreads - 3 && procCount(pid, "fds") <= openFds - 2; },
            std::chrono::seconds(20));
        CPPUNIT_ASSERT_MESSAGE("threads " + std::to_string(procCount(pid, "threads")) + " (open " +
                                   std::to_string(openThreads) + "), fds " + std::to_string(procCount(pid, "fds")) +
                                   " (open " + std::to_string(openFds) + ")",
                               freed);
        CPPUNIT_ASSERT(waitUntil([&] { return daemon().log().find("closed (client went away)") != std::string::npos; },
                                 std::chrono::seconds(10)));
        // Many short-lived clients leave nothing behind.
        for (int i = 0; i < 8; ++i) {
            LogClient stream("?components=" + filterAB());
            CPPUNIT_ASSERT(stream.waitForContaining(mark));
        }
        const bool settled =
            waitUntil([&] { return procCount(pid, "threads") <= baseThreads + 2; }, std::chrono::seconds(30));
        CPPUNIT_ASSERT_MESSAGE("threads " + std::to_string(procCount(pid, "threads")) + ", baseline " +
                                   std::to_string(baseThreads),
                               settled);
    }

    void slowClientIsBoundedAndReleased() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        const int pid = daemon().pid();
        const auto& a = shared().a;
        const int baseThreads = settledThreads(pid);
        const int baseRssKiB = procCount(pid, "rss");
        // A client that sends its request and never reads, with a small receive buffer.
        Poco::Net::StreamSocket client(Poco::Net::SocketAddress::IPv4);
        client.setReceiveBufferSize(4096);
        client.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(daemon().privatePort())));
        const std::string request = "GET /_mael/logs?since=1s&components=" + a.component +
                                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + kToken + "\r\n\r\n";
        client.sendBytes(request.data(), static_cast<int>(request.size()));
        CPPUNIT_ASSERT(
            waitUntil([&] { return procCount(pid, "threads") >= baseThreads + 2; }, std::chrono::seconds(10)));
        // 48 MiB of log lines: far more than the socket buffers and the 1 MiB queue can hold.
        {
            Poco::Net::HTTPClientSession session(a.summary.endpoint->host,
                                                 static_cast<Poco::UInt16>(a.summary.endpoint->port));
            session.setKeepAlive(true);
            session.setTimeout(Poco::Timespan(10, 0));
            const std::string path = "/log?msg=" + std::string(4096, 'x');
            for (int i = 0; i < 12288; ++i) {
                Poco::Net::HTTPRequest get(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
                session.sendRequest(get);
                Poco::Net::HTTPResponse response;
                std::string ignored;
                Poco::StreamCopier::copyToString(session.receiveResponse(response), ignored);
                CPPUNIT_ASSERT_EQUAL(200, static_cast<int>(response.getStatus()));
            }
        }
        std::this_thread::sleep_for(std::chrono::seconds(2)); // let the followers read what they can
        const int grownKiB = procCount(pid, "rss") - baseRssKiB;
        std::cerr << "(maelstromd grew by " << grownKiB << " KiB) ";
        // Unbounded, the 48 MiB would sit in maelstromd. Bounded, what grows is what passed through to the socket
        // buffers (a few MiB) — about 35 MiB in a sanitizer build, whose quarantine keeps freed blocks — whatever
        // the volume produced.
        CPPUNIT_ASSERT_MESSAGE("maelstromd grew by " + std::to_string(grownKiB) + " KiB", grownKiB < 64 * 1024);
        client.close();
        // Its followers were blocked on the full queue: closing must still release them.
        const bool freed =
            waitUntil([&] { return procCount(pid, "threads") <= baseThreads + 1; }, std::chrono::seconds(20));
        CPPUNIT_ASSERT_MESSAGE("threads " + std::to_string(procCount(pid, "threads")) + ", baseline " +
                                   std::to_string(baseThreads),
                               freed);
        const std::string mark = unique("after-slow");
        LogClient stream("?since=1s&components=" + a.component);
        logLine(a, mark);
        CPPUNIT_ASSERT_MESSAGE(stream.dump().substr(0, 2000), stream.waitForContaining(mark));
    }

    void logDriverMaelstromPrintsToStdout() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        const auto& a = shared().a;
        const std::string component = "logs-bridge-" + std::to_string(::getpid());
        const std::string reply =
            rpc("MaelstromService.PutComponent",
                R"({"component":{"name":")" + component +
                    R"(","environment":[],"maxConcurrency":1,"version":0,"docker":{"image":")" + fixtureImage() +
                    R"(","httpPort":8080,"httpHealthCheckPath":"/health","logDriver":"maelstrom"}}})");
        CPPUNIT_ASSERT_MESSAGE(reply, reply.find("\"result\"") != std::string::npos);
        auto spec = fixtureSpec(component, kSuite);
        spec.component.docker->logDriver = "maelstrom";
        Container c;
        c.component = component;
        c.summary = runtime()->start(spec);
        CPPUNIT_ASSERT(waitForHttp200(*c.summary.endpoint, "/health"));
        // The pseudo driver keeps Docker's default logging.
        const auto inspect = cliInspect(c.summary.id);
        CPPUNIT_ASSERT_EQUAL(std::string("json-file"),
                             inspect->getObject("HostConfig")->getObject("LogConfig")->getValue<std::string>("Type"));
        const std::string mark = unique("bridge");
        const std::string errMark = unique("bridge-err");
        const std::string notBridged = unique("not-bridged");
        logLine(a, notBridged);
        logLine(c, mark);
        logLine(c, errMark, true);
        const bool printed = waitUntil(
            [&] {
                const std::string out = daemon().log();
                return out.find("componentlog " + component + " - " + mark + "\n") != std::string::npos &&
                       out.find("componentlog " + component + " - " + errMark + "\n") != std::string::npos;
            },
            std::chrono::seconds(30));
        removeContainer(c);
        CPPUNIT_ASSERT_MESSAGE(daemon().log(), printed);
        CPPUNIT_ASSERT(daemon().log().find("componentlog " + a.component) == std::string::npos);
        CPPUNIT_ASSERT(daemon().log().find(notBridged) == std::string::npos);
    }

    void shutdownEndsOpenStreams() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "dockerd");
        {
            LogClient stream("?components=" + filterAB());
            CPPUNIT_ASSERT(stream.waitForText("PING", std::chrono::seconds(10)));
            const auto started = std::chrono::steady_clock::now();
            const int code = daemon().stop(SIGTERM, std::chrono::seconds(60));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon().log(), 0, code);
            CPPUNIT_ASSERT(stream.waitEnded(std::chrono::seconds(10)));
            CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
            const std::string output = daemon().log();
            CPPUNIT_ASSERT_MESSAGE(output, output.find("Sanitizer") == std::string::npos &&
                                               output.find("runtime error") == std::string::npos);
        }
        removeSuiteContainers(kSuite);
        suiteSlot().reset();
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogsTest);
