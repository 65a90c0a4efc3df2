// cluster_bench.cpp — the cluster's four figures in one run: three maelstromd (node ids bench-a, bench-b, bench-c,
// peer URLs http://127.0.0.1:<private port>) sharing one MariaDB database (or PostgreSQL:
// MAELSTROM_TEST_DB_ENGINE=postgres) and this host's dockerd, serving components of the hello-http fixture, and
// a fourth maelstromd (bench-solo) alone on a second database of the same server as the one-node reference.
//  1. Cold start, three nodes against one: a request for a component with no instance anywhere → first response
//     byte through a node's public port (new connection). Every round uses a component never started before and
//     removes it afterwards (RemoveComponent; the next round starts once its container has stopped). N rounds
//     of each, interleaved, after one unmeasured warm-up of each; the three nodes' request goes to each node in
//     turn (the placement may start the container on another node, which the request is then relayed to). Each
//     node runs one idle container meanwhile. Target: three-node p50 − one-node p50 ≤ 20 ms.
//  2. Relay overhead: one component with one running instance, GET / through the node that runs it (local) and
//     through a node that relays to it, one keep-alive connection each, M sequential requests each (default
//     2,000) in interleaved blocks of 200 after 200 unmeasured ones. Target: p50 relayed − p50 local ≤ 0.3 ms.
//  3. A new node receives work: bench-a alone runs three components; bench-b joins and takes one of them
//     (bench-a keeps two); then, under light load through bench-a (each component every 20 ms), bench-c
//     joins: time from bench-c's public port answering until a container labelled maelstrom_node=bench-c
//     runs. Target ≤ 10 s.
//  4. Recovery from a killed node: a steady request loop (one request at a time, every 20 ms, GET /id) through
//     one node for the component of figure 2, which runs on another node; kill -9 of that node: time from the
//     kill until a request is answered 200 by a new container. Target ≤ 15 s.
// Order of the run: 3, 1, 2, 4 (the join builds the three-node cluster the others use).
//
//   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DMAELSTROM_BUILD_TESTS=ON
//   cmake --build build-rel --target cluster-bench -j2  (builds maelstromd, maelctl, the plugins, hello-http too)
//   tests/bench/cluster/cluster-bench.sh build-rel [rounds (20)] [relay requests (2000)]
//
// The script starts dockerd and MariaDB (tests/services), creates the databases maelstrom_bench (the three nodes)
// and maelstrom_bench_solo (the reference) and runs the program with MAELSTROM_TEST_MYSQL_DSN and
// MAELSTROM_BENCH_SOLO_DSN pointing at them. Databases of its own keep it apart from the cluster tests, which drop
// every table of theirs at each test (nodes on one database form one cluster). The program drops every table of
// both databases at its start and removes the containers labelled maelstrom_node=bench-*. It waits until no
// process of the cluster test suite (cluster-mariadb-test) runs, and reports its figures as disturbed when one
// ran meanwhile (its daemons and containers share the cores). MAELSTROM_TEST_LOG_DIR keeps every maelstromd log.
// Exit code: 0 all targets met, 1 a target not met, 2 an error or a disturbed run.
// SPDX-License-Identifier: Apache-2.0
#include "cluster_env.h"
#include "first_byte.h"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <cppunit/Exception.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numeric>
#include <thread>

using namespace maelstrom::testing;
using namespace maelstrom::testing::cluster;
using lifecycle::componentYaml;
using lifecycle::containsShortId;
using lifecycle::Daemon;
using lifecycle::LoadClient;
using lifecycle::percentile;
using lifecycle::ProjectCleanup;
using lifecycle::projectYaml;

namespace {

using Clock = std::chrono::steady_clock;

const std::string A = "bench-a";
const std::string B = "bench-b";
const std::string C = "bench-c";
const std::string S = "bench-solo"; // the one-node reference, on a database of its own
const std::vector<std::string> kNodeIds{A, B, C};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void say(const char* format, auto... args) {
    std::printf(format, args...);
    std::fflush(stdout);
}

/// Whether a process of the cluster test suite runs (its program is cluster-mariadb-test; the PostgreSQL run
/// uses the same executable).
bool clusterTestRunning() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char ch) { return std::isdigit(ch); }))
            continue;
        std::ifstream in(entry.path() / "cmdline");
        std::string program; // argv[0] (a compiler building the suite names it only in later arguments)
        std::getline(in, program, '\0');
        if (std::filesystem::path(program).filename() == "cluster-mariadb-test")
            return true;
    }
    return false;
}

/// Notes, twice a second, whether the cluster test suite ran at any moment of the benchmark.
class ClusterTestWatch {
public:
    ClusterTestWatch()
        : thread_([this](std::stop_token stop) {
              while (!stop.stop_requested()) {
                  if (clusterTestRunning())
                      seen_ = true;
                  std::this_thread::sleep_for(std::chrono::milliseconds(500));
              }
          }) {}
    bool seen() const { return seen_; }

private:
    std::atomic<bool> seen_{false};
    std::jthread thread_;
};

/// One keep-alive HTTP/1.1 connection to 127.0.0.1:port, reopened after an error or a `Connection: close`.
/// Reads Content-Length, chunked and close-delimited bodies.
class HttpConnection {
public:
    struct Response {
        int status = -1; ///< -1: no HTTP response (see error)
        std::string body;
        std::string error;
    };

    explicit HttpConnection(int port, std::chrono::seconds timeout = std::chrono::seconds(30))
        : port_(port), timeout_(timeout) {}

    Response get(const std::string& host, const std::string& path) {
        Response r;
        try {
            if (!socket_) {
                socket_ = std::make_unique<Poco::Net::StreamSocket>();
                socket_->connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port_)),
                                 Poco::Timespan(5, 0));
                socket_->setNoDelay(true);
                socket_->setReceiveTimeout(Poco::Timespan(static_cast<long>(timeout_.count()), 0));
            }
            const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
            socket_->sendBytes(request.data(), static_cast<int>(request.size()));
            std::string buf;
            std::size_t headEnd;
            while ((headEnd = buf.find("\r\n\r\n")) == std::string::npos)
                readMore(buf);
            std::string head = buf.substr(0, headEnd);
            std::transform(head.begin(), head.end(), head.begin(),
                           [](char ch) { return static_cast<char>(std::tolower(static_cast<unsigned char>(ch))); });
            if (head.rfind("http/1.", 0) != 0 || head.size() < 12)
                throw std::runtime_error("not an HTTP response: " + buf.substr(0, 80));
            r.status = std::atoi(head.c_str() + 9);
            std::string body = buf.substr(headEnd + 4);
            bool close = head.find("\r\nconnection: close") != std::string::npos;
            if (const auto at = head.find("\r\ncontent-length:"); at != std::string::npos) {
                const auto length = static_cast<std::size_t>(std::strtoull(head.c_str() + at + 17, nullptr, 10));
                while (body.size() < length)
                    readMore(body);
                body.resize(length);
            } else if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
                body = dechunk(body);
            } else {
                close = true;
                while (readMore(body, true)) {
                }
            }
            r.body = std::move(body);
            if (close)
                socket_.reset();
        } catch (const Poco::Exception& e) {
            r.error = e.displayText();
            socket_.reset();
        } catch (const std::exception& e) {
            r.error = e.what();
            socket_.reset();
        }
        return r;
    }

private:
    /// Appends what the socket has; false at the end of the stream when `eofOk`, else an exception.
    bool readMore(std::string& buf, bool eofOk = false) {
        char chunk[16384];
        const int n = socket_->receiveBytes(chunk, sizeof chunk);
        if (n <= 0) {
            if (eofOk)
                return false;
            throw std::runtime_error("connection closed mid-response");
        }
        buf.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    std::string dechunk(std::string raw) {
        std::string out;
        std::size_t pos = 0;
        for (;;) {
            std::size_t eol;
            while ((eol = raw.find("\r\n", pos)) == std::string::npos)
                readMore(raw);
            const auto size = static_cast<std::size_t>(std::strtoull(raw.c_str() + pos, nullptr, 16));
            pos = eol + 2;
            if (size == 0) {
                while (raw.find("\r\n", pos) == std::string::npos) // no trailers: the final empty line
                    readMore(raw);
                return out;
            }
            while (raw.size() < pos + size + 2)
                readMore(raw);
            out.append(raw, pos, size);
            pos += size + 2;
        }
    }

    int port_;
    std::chrono::seconds timeout_;
    std::unique_ptr<Poco::Net::StreamSocket> socket_;
};

/// A request loop on one keep-alive connection: GET `path` with `Host: host`, one at a time, one every
/// `interval` (or right after the previous one when it took longer), each recorded with its times.
class RequestLoop {
public:
    struct Record {
        Clock::time_point start, end;
        HttpConnection::Response response;
    };

    RequestLoop(int port, std::string host, std::string path, std::chrono::milliseconds interval)
        : thread_([this, port, host = std::move(host), path = std::move(path), interval](std::stop_token stop) {
              HttpConnection connection(port);
              auto next = Clock::now();
              while (!stop.stop_requested()) {
                  Record record;
                  record.start = Clock::now();
                  record.response = connection.get(host, path);
                  record.end = Clock::now();
                  {
                      std::lock_guard lock(mutex_);
                      records_.push_back(std::move(record));
                  }
                  next += interval;
                  const auto now = Clock::now();
                  if (next < now)
                      next = now;
                  else
                      std::this_thread::sleep_until(next);
              }
          }) {}

    void stop() {
        thread_.request_stop();
        if (thread_.joinable())
            thread_.join();
    }
    std::vector<Record> records() const {
        std::lock_guard lock(mutex_);
        return records_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<Record> records_;
    std::jthread thread_; // last: starts once the members above exist
};

/// The database of the three nodes: the engine's test DSN (MAELSTROM_TEST_MYSQL_DSN / _POSTGRES_DSN).
std::string clusterDsn() { return engine() == tdb::Engine::Mysql ? tdb::mysqlDsn() : tdb::postgresDsn(); }

/// The database of the one-node reference: MAELSTROM_BENCH_SOLO_DSN (required: another database than the
/// cluster's, or the reference node would join the cluster).
std::string soloDsn() {
    const char* dsn = std::getenv("MAELSTROM_BENCH_SOLO_DSN");
    if (dsn == nullptr || *dsn == '\0')
        throw std::runtime_error("MAELSTROM_BENCH_SOLO_DSN is not set (a second database for the one-node reference; "
                                 "tests/bench/cluster/cluster-bench.sh creates both)");
    if (dsn == clusterDsn())
        throw std::runtime_error("MAELSTROM_BENCH_SOLO_DSN names the cluster's database");
    return dsn;
}

/// Drops every table of the database `dsn` (of the engine under test): dropAllTables() works on the engine's test
/// DSN, which is pointed at `dsn` for the call.
void dropTablesOf(const std::string& dsn) {
    const char* variable = engine() == tdb::Engine::Mysql ? "MAELSTROM_TEST_MYSQL_DSN" : "MAELSTROM_TEST_POSTGRES_DSN";
    const char* before = std::getenv(variable);
    const std::string saved = before ? before : "";
    ::setenv(variable, dsn.c_str(), 1);
    try {
        dropAllTables();
    } catch (...) {
        saved.empty() ? ::unsetenv(variable) : ::setenv(variable, saved.c_str(), 1);
        throw;
    }
    saved.empty() ? ::unsetenv(variable) : ::setenv(variable, saved.c_str(), 1);
}

/// The benchmark's nodes: maelstromd processes bench-a..bench-c on the cluster's database and bench-solo on its
/// own. The constructor removes the containers of an earlier run and drops every table of both databases; the
/// destructor stops every node still running (SIGTERM, all at once) and removes every container labelled with
/// their ids.
class Nodes {
public:
    Nodes() {
        for (const auto& id : allIds())
            removeNodeContainers(id);
        dropTablesOf(clusterDsn());
        dropTablesOf(soloDsn());
    }
    ~Nodes() {
        for (auto& [id, daemon] : daemons_) {
            if (daemon->running())
                ::kill(daemon->pid(), SIGTERM);
        }
        daemons_.clear();
        for (const auto& id : allIds())
            removeNodeContainers(id);
    }
    Nodes(const Nodes&) = delete;
    Nodes& operator=(const Nodes&) = delete;

    /// Starts node `id` on the database `dsn`; returns once its public port listens.
    Daemon& start(const std::string& id, const std::string& dsn) {
        std::map<std::string, std::string> env{
            {"-MAEL_TOTAL_MEMORY", ""}, {"-MAEL_NODE_LIVENESS_SECONDS", ""}, {"-MAEL_SHUTDOWN_PAUSE_SECONDS", ""}};
        env["MAEL_SQL_DRIVER"] = engine() == tdb::Engine::Mysql ? "mysql" : "postgres";
        env["MAEL_SQL_DSN"] = dsn;
        env["MAEL_NODE_ID"] = id;
        env["MAEL_PEER_URL"] = "http://127.0.0.1:{private_port}";
        dirs_.push_back(std::make_unique<TempDir>());
        auto& daemon = daemons_[id];
        daemon = std::make_unique<Daemon>(dirs_.back()->path(), env);
        return *daemon;
    }
    Daemon& node(const std::string& id) { return *daemons_.at(id); }

    /// Waits until every node of `observers` lists exactly `expected` in `maelctl cluster nodes`.
    bool waitForView(const std::vector<std::string>& observers, const std::set<std::string>& expected,
                     std::chrono::milliseconds timeout) {
        return waitUntil(
            [&] {
                for (const auto& id : observers) {
                    const auto listed = listedNodes(node(id));
                    if (!listed || *listed != expected)
                        return false;
                }
                return true;
            },
            timeout);
    }
    /// The end of every node's log, each under its id (for error messages).
    std::string tails(std::size_t chars = 3000) {
        std::string out;
        for (auto& [id, daemon] : daemons_)
            out += "\n--- " + id + (daemon->running() ? "" : " (exited)") + " ---\n" + daemon->tail(chars);
        return out;
    }

private:
    static std::vector<std::string> allIds() { return {A, B, C, S}; }
    std::vector<std::unique_ptr<TempDir>> dirs_;
    std::map<std::string, std::unique_ptr<Daemon>> daemons_;
};

std::string hostname(const std::string& key) { return key + ".clbench.test"; }

/// A fixture component that stays up for the whole run (no idle stop, no scale-up under these loads, health
/// checks every 10 s so idle instances stay quiet).
std::string component(const std::string& key) {
    return componentYaml(key, hostname(key),
                         {"idletimeoutseconds: 600", "httphealthcheckseconds: 10", "maxconcurrency: 50"});
}

/// The node the only running container of `name` is on ("" when there is not exactly one).
std::string onlyNode(const std::string& name) {
    const auto placed = runningPlacements(name);
    return placed.size() == 1 ? placed[0].node : "";
}

std::string countsText(const std::map<std::string, int>& counts) {
    std::string out = "{";
    for (const auto& [node, n] : counts)
        out += (out.size() > 1 ? " " : "") + (node.empty() ? "?" : node) + ":" + std::to_string(n);
    return out + "}";
}

struct Stats {
    double p50 = 0, p99 = 0, mean = 0, min = 0, max = 0;
};

Stats stats(const std::vector<double>& v) {
    if (v.empty())
        return {};
    return {percentile(v, 0.5), percentile(v, 0.99),
            std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()),
            *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
}

struct Round {
    double millis = 0;
    std::string where; ///< the node its container ran on
};

/// One cold start: GET / for component `key` of `project` through `entry`, first byte timed; then the component is
/// removed and, once its container has stopped, the node rows get half a second to settle.
Round coldStart(Nodes& nodes, const std::string& entry, const std::string& project, const std::string& key) {
    const std::string name = componentName(project, key);
    std::string statusLine;
    Round round;
    round.millis = maelstrom::bench::firstByteMillis(nodes.node(entry).publicPort(), hostname(key), &statusLine);
    if (round.millis < 0)
        throw std::runtime_error("cold start of " + name + " through " + entry + " answered '" + statusLine + "'" +
                                 nodes.tails());
    round.where = onlyNode(name);
    if (round.where.empty())
        round.where = countsText(countByNode(name));
    const auto removed = nodes.node(entry).maelctl({"comp", "rm", name});
    if (removed.exitCode != 0)
        throw std::runtime_error("maelctl comp rm " + name + ": " + removed.out + removed.err);
    if (!waitUntil([&] { return lifecycle::runningContainers(name).empty(); }, std::chrono::seconds(30)))
        throw std::runtime_error(name + " still runs 30 s after its removal: " + countsText(countByNode(name)) +
                                 nodes.tails());
    // The node rows are rewritten and broadcast when containers change: let them settle before the next round.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return round;
}

struct Figure {
    std::string what;
    std::string result;
    std::string target;
    bool met;
};

std::string fmt(const char* format, auto... args) {
    char buf[256];
    std::snprintf(buf, sizeof buf, format, args...);
    return buf;
}

int run(int rounds, int relayRequests) {
    if (std::string why; !backendsAvailable(&why))
        throw std::runtime_error("missing backend: " + why);
    if (clusterTestRunning()) {
        say("waiting: the cluster test suite runs (its daemons and containers would share the cores)...\n");
        if (!waitUntil([] { return !clusterTestRunning(); }, std::chrono::minutes(30)))
            throw std::runtime_error("the cluster test suite still runs after 30 minutes");
    }
    ClusterTestWatch watch;
    const std::string project = lifecycle::uniqueProject("clb");     // the three nodes'
    const std::string soloProject = lifecycle::uniqueProject("clb"); // the reference node's
    ProjectCleanup cleanup(project);                                 // after the nodes have stopped
    ProjectCleanup soloCleanup(soloProject);
    Nodes nodes;
    std::vector<Figure> figures;

    // Every component of the run, put once. The cluster: cold starts c0..cN, x/y/z for the join, r for the relay
    // and the kill. The reference node: the same cold starts and x (so it too runs one idle container).
    std::vector<std::string> keys, blocks;
    for (int i = 0; i <= rounds; ++i) {
        keys.push_back("c" + std::to_string(i));
        blocks.push_back(component(keys.back()));
    }
    std::vector<std::string> soloBlocks = blocks;
    soloBlocks.push_back(component("x"));
    for (const auto& key : {"x", "y", "z", "r"})
        blocks.push_back(component(key));

    const std::string clusterDb = clusterDsn(), soloDb = soloDsn();
    say("cluster benchmark: %s, nodes %s %s %s on database %s, reference node %s on %s, 127.0.0.1, image %s, %d "
        "cold-start rounds, %d relay requests\n",
        engineLabel().c_str(), A.c_str(), B.c_str(), C.c_str(), clusterDb.substr(clusterDb.rfind('/') + 1).c_str(),
        S.c_str(), soloDb.substr(soloDb.rfind('/') + 1).c_str(), lifecycle::lifecycleImage().c_str(), rounds,
        relayRequests);
    auto& a = nodes.start(A, clusterDb);
    a.putProject(projectYaml(project, blocks));
    auto& s = nodes.start(S, soloDb);
    s.putProject(projectYaml(soloProject, soloBlocks));

    // 3. bench-a runs x, y, z; bench-b joins and takes one; then bench-c joins under light load.
    say("\n3. a new node receives work\n");
    for (const auto& key : {"x", "y", "z"}) {
        const Reply r = a.request(hostname(key), "/");
        if (r.status != 200)
            throw std::runtime_error(std::string(key) + " through " + A + ": " + describe(r) + nodes.tails());
    }
    if (nodeContainers(A).size() != 3)
        throw std::runtime_error(A + " runs " + std::to_string(nodeContainers(A).size()) + " containers, not 3");
    const auto tB = Clock::now();
    nodes.start(B, clusterDb);
    const double bUp = secs(Clock::now() - tB);
    const bool bGot = waitUntil([&] { return !nodeContainers(B).empty(); }, std::chrono::seconds(30));
    const double bTook = secs(Clock::now() - tB) - bUp;
    say("  %s joined (%s running 3): port answering after %.2f s, a container on %s %.2f s later\n", B.c_str(),
        A.c_str(), bUp, B.c_str(), bTook);
    if (!bGot)
        throw std::runtime_error(B + " received no container within 30 s" + nodes.tails());
    if (!waitUntil([&] { return nodeContainers(A).size() == 2 && nodeContainers(B).size() == 1; },
                   std::chrono::seconds(20)))
        throw std::runtime_error("not 2 + 1 containers on " + A + " and " + B + ": " +
                                 std::to_string(nodeContainers(A).size()) + " + " +
                                 std::to_string(nodeContainers(B).size()) + nodes.tails());
    double cTook = -1, cUp = 0;
    {
        std::vector<std::unique_ptr<LoadClient>> loads;
        for (const auto& key : {"x", "y", "z"})
            loads.push_back(
                std::make_unique<LoadClient>(a.publicPort(), hostname(key), "/", std::chrono::milliseconds(20)));
        std::this_thread::sleep_for(std::chrono::seconds(1));
        const auto tSpawn = Clock::now();
        nodes.start(C, clusterDb);
        const auto tUp = Clock::now();
        cUp = secs(tUp - tSpawn);
        if (waitUntil([&] { return !nodeContainers(C).empty(); }, std::chrono::seconds(30)))
            cTook = secs(Clock::now() - tUp);
        const bool spread = waitUntil(
            [&] {
                return nodeContainers(A).size() == 1 && nodeContainers(B).size() == 1 && nodeContainers(C).size() == 1;
            },
            std::chrono::seconds(20));
        std::size_t requests = 0, errors = 0;
        std::string samples;
        for (auto& load : loads) {
            load->stop();
            const auto r = load->result();
            requests += r.requests;
            errors += r.errors;
            for (const auto& e : r.errorSamples)
                samples += "\n    " + e;
        }
        say("  %s joined (%s running 2, %s 1): port answering %.2f s after the start, a container on %s %.2f s "
            "later; one container per node afterwards: %s; light load through %s: %zu requests, %zu failed%s\n",
            C.c_str(), A.c_str(), B.c_str(), cUp, C.c_str(), cTook, spread ? "yes" : "NO", A.c_str(), requests, errors,
            samples.c_str());
        if (cTook < 0)
            throw std::runtime_error(C + " received no container within 30 s" + nodes.tails());
    }
    if (!nodes.waitForView(kNodeIds, {A, B, C}, std::chrono::seconds(15)))
        throw std::runtime_error("the nodes do not list each other" + nodes.tails());

    // 1. Cold start: one node against three, interleaved rounds (the first a warm-up); the three nodes' request goes
    // to each node in turn.
    say("\n1. cold start, one node (%s, on its own database) against three (%s, %s, %s); each node runs one idle "
        "container\n",
        S.c_str(), A.c_str(), B.c_str(), C.c_str());
    {
        const Reply x = s.request(hostname("x"), "/");
        if (x.status != 200)
            throw std::runtime_error("x through " + S + ": " + describe(x) + nodes.tails());
    }
    std::vector<double> one, three;
    int placedElsewhere = 0;
    for (int i = 0; i <= rounds; ++i) {
        const std::string& entry = kNodeIds[static_cast<std::size_t>(i) % kNodeIds.size()];
        Round oneRound, threeRound;
        const std::string& key = keys[static_cast<std::size_t>(i)];
        if (i % 2 == 0) {
            oneRound = coldStart(nodes, S, soloProject, key);
            threeRound = coldStart(nodes, entry, project, key);
        } else {
            threeRound = coldStart(nodes, entry, project, key);
            oneRound = coldStart(nodes, S, soloProject, key);
        }
        if (i > 0) {
            one.push_back(oneRound.millis);
            three.push_back(threeRound.millis);
            placedElsewhere += threeRound.where != entry ? 1 : 0;
        }
        say("  round %-5s one node %7.1f ms   three nodes %7.1f ms (via %s, container on %s)%s\n",
            i == 0 ? "warm" : std::to_string(i).c_str(), oneRound.millis, threeRound.millis, entry.c_str(),
            threeRound.where.c_str(), i == 0 ? " not counted" : "");
    }

    // 2. Relay overhead.
    say("\n2. relay overhead\n");
    const std::string r = componentName(project, "r");
    {
        const Reply first = a.request(hostname("r"), "/");
        if (first.status != 200)
            throw std::runtime_error("r through " + A + ": " + describe(first) + nodes.tails());
    }
    const std::string owner = onlyNode(r);
    if (owner.empty())
        throw std::runtime_error("r does not run exactly once: " + countsText(countByNode(r)));
    const std::string relay = owner == A ? B : A;
    const auto rIds = [&] {
        std::vector<std::string> out;
        for (const auto& p : runningPlacements(r))
            out.push_back(p.id);
        return out;
    }();
    HttpConnection local(nodes.node(owner).publicPort()), relayed(nodes.node(relay).publicPort());
    for (auto* connection : {&local, &relayed}) {
        const auto id = connection->get(hostname("r"), "/id");
        if (id.status != 200 || !containsShortId(rIds, id.body))
            throw std::runtime_error("r's /id through " + std::string(connection == &local ? owner : relay) + ": " +
                                     std::to_string(id.status) + " " + id.body + id.error);
    }
    std::vector<double> localMs, relayedMs;
    auto block = [&](HttpConnection& connection, std::vector<double>* into, int count) {
        for (int i = 0; i < count; ++i) {
            const auto t0 = Clock::now();
            const auto response = connection.get(hostname("r"), "/");
            const double took = ms(Clock::now() - t0);
            if (response.status != 200)
                throw std::runtime_error("r: " + std::to_string(response.status) + " " + response.body +
                                         response.error);
            if (into)
                into->push_back(took);
        }
    };
    block(local, nullptr, 200);
    block(relayed, nullptr, 200);
    for (int done = 0; done < relayRequests; done += 200) {
        const int count = std::min(200, relayRequests - done);
        block(local, &localMs, count);
        block(relayed, &relayedMs, count);
    }
    const auto rCounts = countByNode(r);
    if (rCounts != std::map<std::string, int>{{owner, 1}})
        throw std::runtime_error("r's instances changed during the relay measurement: " + countsText(rCounts));
    const Stats ls = stats(localMs), rs = stats(relayedMs);
    say("  local   (via %s, runs r): p50 %.3f ms  p99 %.3f ms  mean %.3f ms  (%zu requests)\n", owner.c_str(), ls.p50,
        ls.p99, ls.mean, localMs.size());
    say("  relayed (via %s -> %s):   p50 %.3f ms  p99 %.3f ms  mean %.3f ms  (%zu requests)\n", relay.c_str(),
        owner.c_str(), rs.p50, rs.p99, rs.mean, relayedMs.size());

    // 4. kill -9 of r's node under a steady loop through another node.
    say("\n4. recovery from a killed node\n");
    const std::string victim = owner;
    double recovered = -1, dropped = -1;
    std::size_t sent = 0, failed = 0, afterKill = 0;
    std::string newNode, failSample;
    {
        RequestLoop loop(nodes.node(relay).publicPort(), hostname("r"), "/id", std::chrono::milliseconds(20));
        std::this_thread::sleep_for(std::chrono::seconds(2));
        const auto tKill = Clock::now();
        nodes.node(victim).stop(SIGKILL);
        auto served = [&](const RequestLoop::Record& rec) {
            return rec.start >= tKill && rec.response.status == 200 && !containsShortId(rIds, rec.response.body);
        };
        waitUntil(
            [&] {
                const auto records = loop.records();
                return std::any_of(records.begin(), records.end(), served);
            },
            std::chrono::seconds(60));
        std::this_thread::sleep_for(std::chrono::seconds(1));
        loop.stop();
        for (const auto& rec : loop.records()) {
            ++sent;
            afterKill += rec.end >= tKill ? 1 : 0;
            if (rec.response.status != 200) {
                ++failed;
                if (failSample.size() < 600)
                    failSample += fmt("\n    +%.2f s: ", secs(rec.end - tKill)) +
                                  (rec.response.status < 0 ? "no response (" + rec.response.error + ")"
                                                           : std::to_string(rec.response.status) + " " +
                                                                 lifecycle::trimmed(rec.response.body.substr(0, 120)));
            }
            if (recovered < 0 && served(rec))
                recovered = secs(rec.end - tKill);
        }
        for (const auto& [node, n] : countByNode(r)) // the killed node's container keeps running (orphaned)
            if (node != victim)
                newNode += (newNode.empty() ? "" : ", ") + node + (n > 1 ? " x" + std::to_string(n) : "");
        // For comparison: when membership (health checks of the peers) drops the killed node.
        if (waitUntil(
                [&] {
                    const auto listed = listedNodes(nodes.node(relay));
                    return listed && !listed->count(victim);
                },
                std::chrono::seconds(30)))
            dropped = secs(Clock::now() - tKill);
    }
    say("  killed %s (ran r) under a loop through %s: answered by a new container %.2f s after the kill; r now runs "
        "on %s (and orphaned on %s); %zu requests, %zu ended after the kill, %zu failed%s\n"
        "  %s no longer lists %s %.2f s after the kill (-1: not within 30 s)\n",
        victim.c_str(), relay.c_str(), recovered, newNode.empty() ? "no other node" : newNode.c_str(), victim.c_str(),
        sent, afterKill, failed, failSample.c_str(), relay.c_str(), victim.c_str(), dropped);
    if (recovered < 0)
        say("  r was not served again within 60 s%s\n", nodes.tails().c_str());

    // Summary.
    const Stats os = stats(one), ts = stats(three);
    figures.push_back({"1. cold start p50 / p99, one node", fmt("%.1f / %.1f ms", os.p50, os.p99), "reference", true});
    figures.push_back(
        {"1. cold start p50 / p99, three nodes",
         fmt("%.1f / %.1f ms (%d of %zu placed on another node)", ts.p50, ts.p99, placedElsewhere, three.size()), "",
         true});
    figures.push_back({"1. three-node p50 overhead", fmt("%+.1f ms (ratio %.2f)", ts.p50 - os.p50, ts.p50 / os.p50),
                       "<= 20 ms", ts.p50 - os.p50 <= 20});
    figures.push_back({"2. request p50 local / relayed", fmt("%.3f / %.3f ms", ls.p50, rs.p50), "", true});
    figures.push_back({"2. relay overhead, p50", fmt("%+.3f ms (ratio %.2f)", rs.p50 - ls.p50, rs.p50 / ls.p50),
                       "<= 0.3 ms", rs.p50 - ls.p50 <= 0.3});
    figures.push_back({"3. new node's first container", fmt("%.2f s (ratio to target %.2f)", cTook, cTook / 10),
                       "<= 10 s", cTook <= 10});
    figures.push_back({"4. recovery after kill -9",
                       recovered < 0
                           ? std::string("none within 60 s")
                           : fmt("%.2f s (ratio to target %.2f), %zu failed", recovered, recovered / 15, failed),
                       "<= 15 s", recovered >= 0 && recovered <= 15});
    say("\nsummary (%s, %d rounds, %d relay requests)\n", engineLabel().c_str(), rounds, relayRequests);
    say("%-38s  %-52s  %-10s  %s\n", "figure", "result", "target", "met");
    bool all = true;
    for (const auto& f : figures) {
        const bool judged = !f.target.empty() && f.target != "reference";
        all = all && f.met;
        say("%-38s  %-52s  %-10s  %s\n", f.what.c_str(), f.result.c_str(), f.target.c_str(),
            judged ? (f.met ? "MET" : "NOT MET") : "");
    }
    if (watch.seen()) {
        say("\nDISTURBED: the cluster test suite ran during the benchmark (figures not comparable)\n");
        return 2;
    }
    return all ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
    const int relayRequests = argc > 2 ? std::max(200, std::atoi(argv[2])) : 2000;
    try {
        return run(rounds, relayRequests);
    } catch (const CppUnit::Exception& e) {
        std::fprintf(stderr, "cluster-bench: %s\n", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cluster-bench: %s\n", e.what());
    }
    return 2;
}
