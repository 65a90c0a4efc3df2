// cluster_env.cpp — see cluster_env.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster_env.h"

#include "dsn.h"

#include <Poco/Data/MySQL/Connector.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sched.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace maelstrom::testing::cluster {

namespace {

using Clock = std::chrono::steady_clock;

/// The rows of a maelctl table: the lines after the line of dashes under the header.
std::vector<std::vector<std::string>> tableRows(const std::string& text) {
    std::istringstream lines(text);
    std::string line;
    bool body = false;
    std::vector<std::vector<std::string>> rows;
    while (std::getline(lines, line)) {
        if (!body) {
            body = line.size() >= 10 && line.find_first_not_of('-') == std::string::npos;
            continue;
        }
        auto parts = lifecycle::words(line);
        if (!parts.empty())
            rows.push_back(std::move(parts));
    }
    return rows;
}

Poco::Data::Session directSession() {
    if (engine() == tdb::Engine::Mysql) {
        const auto t = plugins::sql::parseMysqlDsn(tdb::mysqlDsn());
        return Poco::Data::Session(Poco::Data::MySQL::Connector().createSession(
            "host=" + t.host + ";port=" + std::to_string(t.port) + ";user=" + t.user + ";password=" + t.password +
                ";db=" + t.database + ";character-set=utf8mb4",
            5));
    }
    const auto t = plugins::sql::parsePostgresDsn(tdb::postgresDsn());
    return Poco::Data::Session(Poco::Data::PostgreSQL::Connector().createSession(
        "host=" + t.host + " port=" + std::to_string(t.port) + " user=" + t.user + " password=" + t.password +
            " dbname=" + t.database + " sslmode=disable",
        5));
}

} // namespace

tdb::Engine engine() { return tdb::engineFromEnv(tdb::Engine::Mysql); }

std::string engineLabel() { return engine() == tdb::Engine::Mysql ? "mariadb" : "postgres"; }

bool backendsAvailable(std::string* why) {
    if (!docker::dockerAvailable()) {
        if (why)
            *why = "dockerd (tests/services/start-docker.sh)";
        return false;
    }
    if (engine() == tdb::Engine::Sqlite) {
        if (why)
            *why = "a database server: MAELSTROM_TEST_DB_ENGINE must be mysql or postgres";
        return false;
    }
    try {
        directSession().close();
        return true;
    } catch (const Poco::Exception& e) {
        if (why)
            *why = engineLabel() + " (tests/services/start-" + engineLabel() + ".sh): " + e.displayText();
    } catch (const std::exception& e) {
        if (why)
            *why = engineLabel() + " (tests/services/start-" + engineLabel() + ".sh): " + e.what();
    }
    return false;
}

void dropAllTables() {
    using Poco::Data::Keywords::into;
    using Poco::Data::Keywords::now;
    auto s = directSession();
    std::vector<std::string> tables;
    if (engine() == tdb::Engine::Mysql) {
        s << "SELECT CAST(table_name AS CHAR(255)) FROM information_schema.tables WHERE table_schema = DATABASE()",
            into(tables), now;
        s << "SET FOREIGN_KEY_CHECKS = 0", now;
        for (const auto& t : tables)
            s << "DROP TABLE IF EXISTS `" + t + "`", now;
        s << "SET FOREIGN_KEY_CHECKS = 1", now;
    } else {
        s << "SET client_min_messages TO warning", now;
        s << "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()", into(tables), now;
        for (const auto& t : tables)
            s << "DROP TABLE IF EXISTS \"" + t + "\" CASCADE", now;
    }
    s.close();
}

ProcessResult databaseScript(const std::string& action, std::chrono::seconds timeout) {
    const auto script =
        sourceDir() / "tests/services" / (action + (engine() == tdb::Engine::Mysql ? "-mariadb.sh" : "-postgres.sh"));
    return runProcess({"bash", script.string()}, {}, timeout);
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string seconds(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f s", value);
    return buf;
}

std::vector<Placement> runningPlacements(const std::string& component) {
    const auto r = docker::dockerCli({"ps", "--no-trunc", "--filter", "label=maelstrom_component=" + component,
                                      "--format", "{{.ID}} {{.Label \"maelstrom_node\"}}"});
    std::vector<Placement> out;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
        auto parts = lifecycle::words(line);
        if (!parts.empty())
            out.push_back({parts[0], parts.size() > 1 ? parts[1] : ""});
    }
    return out;
}

std::map<std::string, int> countByNode(const std::string& component) {
    std::map<std::string, int> counts;
    for (const auto& p : runningPlacements(component))
        ++counts[p.node];
    return counts;
}

std::vector<std::string> nodeContainers(const std::string& nodeId) {
    return lifecycle::words(
        docker::dockerCli({"ps", "-q", "--no-trunc", "--filter", "label=maelstrom_node=" + nodeId}).out);
}

void removeNodeContainers(const std::string& nodeId) {
    const auto ids = lifecycle::words(
        docker::dockerCli({"ps", "-aq", "--no-trunc", "--filter", "label=maelstrom_node=" + nodeId}).out);
    if (ids.empty())
        return;
    std::vector<std::string> args{"rm", "-f", "-v"};
    args.insert(args.end(), ids.begin(), ids.end());
    docker::dockerCli(args);
}

std::optional<std::set<std::string>> listedNodes(const Daemon& node, std::string* raw) {
    const auto r = node.maelctl({"cluster", "nodes"}, 20s);
    if (raw)
        *raw = r.out + r.err;
    if (r.exitCode != 0)
        return std::nullopt;
    std::set<std::string> ids;
    for (const auto& row : tableRows(r.out))
        ids.insert(row[0]);
    return ids;
}

std::optional<std::vector<PsRow>> listedContainers(const Daemon& node, std::string* raw) {
    const auto r = node.maelctl({"cluster", "ps"}, 20s);
    if (raw)
        *raw = r.out + r.err;
    if (r.exitCode != 0)
        return std::nullopt;
    std::vector<PsRow> rows;
    for (const auto& row : tableRows(r.out)) {
        if (row.size() >= 4)
            rows.push_back({row[0], row[1], row[2], row[3]});
    }
    return rows;
}

std::string describe(const Reply& reply) {
    if (reply.status < 0)
        return "no response (" + reply.error + ")";
    return std::to_string(reply.status) + " " + lifecycle::trimmed(reply.body.substr(0, 200));
}

const std::vector<std::string>& Cluster::suiteNodeIds() {
    static const std::vector<std::string> ids{"cluster-a", "cluster-b", "cluster-c", "cluster-d"};
    return ids;
}

Cluster::Cluster() {
    for (const auto& id : suiteNodeIds())
        removeNodeContainers(id);
    dropAllTables();
}

Cluster::~Cluster() {
    // All nodes at once: each drains and stops its own containers.
    for (auto& n : nodes_) {
        if (n.daemon->running())
            ::kill(n.daemon->pid(), SIGTERM);
    }
    nodes_.clear(); // each waits for its process (and keeps its log when MAELSTROM_TEST_LOG_DIR is set)
    exited_.clear();
    for (const auto& id : suiteNodeIds())
        removeNodeContainers(id);
}

Daemon& Cluster::start(const std::string& id, const NodeOptions& options) {
    const auto& allowed = suiteNodeIds();
    if (std::find(allowed.begin(), allowed.end(), id) == allowed.end())
        CPPUNIT_FAIL("node id " + id + " is not one of the suite's (Cluster::suiteNodeIds)");
    for (auto it = nodes_.begin(); it != nodes_.end(); ++it) {
        if (it->id != id)
            continue;
        if (it->daemon->running())
            CPPUNIT_FAIL("node " + id + " still runs: stop it before starting it again");
        exited_.push_back(std::move(it->daemon));
        nodes_.erase(it);
        break;
    }
    std::map<std::string, std::string> env{
        {"-MAEL_TOTAL_MEMORY", ""}, {"-MAEL_NODE_LIVENESS_SECONDS", ""}, {"-MAEL_SHUTDOWN_PAUSE_SECONDS", ""}};
    for (const auto& [k, v] : options.env)
        env[k] = v;
    env["MAEL_SQL_DRIVER"] = engine() == tdb::Engine::Mysql ? "mysql" : "postgres";
    env["MAEL_SQL_DSN"] = !options.sqlDsn.empty()          ? options.sqlDsn
                          : engine() == tdb::Engine::Mysql ? tdb::mysqlDsn()
                                                           : tdb::postgresDsn();
    env["MAEL_NODE_ID"] = id;
    env["MAEL_PEER_URL"] = "http://" + options.peerHost + ":{private_port}";
    if (options.totalMemoryMiB >= 0) {
        env.erase("-MAEL_TOTAL_MEMORY");
        env["MAEL_TOTAL_MEMORY"] = std::to_string(options.totalMemoryMiB);
    }
    // A restart keeps the node's data directory, as a restarted machine does: the new process owns (and adopts or
    // removes) the containers its predecessor left, instead of leaving them to nobody after a kill -9.
    auto& dir = dirs_[id];
    if (!dir)
        dir = std::make_unique<TempDir>();
    std::unique_ptr<Daemon> daemon;
    runInNetns(options.netns, [&] {
        daemon = std::make_unique<Daemon>(dir->path(), env, options.runtimeSettings, options.eventSources);
    });
    nodes_.push_back({id, options.netns, std::move(daemon)});
    return *nodes_.back().daemon;
}

Cluster::Node& Cluster::find(const std::string& id) {
    for (auto& n : nodes_) {
        if (n.id == id)
            return n;
    }
    CPPUNIT_FAIL("no node " + id + " in this cluster");
    throw std::logic_error("unreachable");
}

Daemon& Cluster::node(const std::string& id) { return *find(id).daemon; }

std::vector<std::string> Cluster::running() {
    std::vector<std::string> ids;
    for (auto& n : nodes_) {
        if (n.daemon->running())
            ids.push_back(n.id);
    }
    return ids;
}

void Cluster::signal(const std::string& id, int sig) { ::kill(node(id).pid(), sig); }

int Cluster::stop(const std::string& id, int sig, std::chrono::seconds timeout) { return node(id).stop(sig, timeout); }

void Cluster::onNode(const std::string& id, const std::function<void()>& fn) { runInNetns(find(id).netns, fn); }

Reply Cluster::request(const std::string& id, const std::string& host, const std::string& path,
                       std::chrono::seconds timeout) {
    Reply reply;
    onNode(id, [&] { reply = node(id).request(host, path, timeout); });
    return reply;
}

ProcessResult Cluster::maelctl(const std::string& id, const std::vector<std::string>& args) {
    ProcessResult result;
    onNode(id, [&] { result = node(id).maelctl(args); });
    return result;
}

void Cluster::putProject(const std::string& id, const std::string& yaml) {
    onNode(id, [&] { node(id).putProject(yaml); });
}

bool Cluster::waitForView(const std::vector<std::string>& observers, const std::set<std::string>& expected,
                          std::chrono::milliseconds timeout) {
    std::set<std::string> done;
    return waitUntil(
        [&] {
            for (const auto& id : observers) {
                if (done.count(id))
                    continue;
                std::optional<std::set<std::string>> listed;
                onNode(id, [&] { listed = listedNodes(node(id)); });
                if (!listed || *listed != expected)
                    return false;
                done.insert(id);
            }
            return true;
        },
        timeout);
}

std::string Cluster::views(const std::vector<std::string>& observers) {
    std::string out;
    for (const auto& id : observers) {
        std::string raw;
        std::optional<std::set<std::string>> listed;
        onNode(id, [&] { listed = listedNodes(node(id), &raw); });
        out += id + " lists:";
        if (!listed) {
            out += " (maelctl failed) " + raw;
        } else {
            for (const auto& n : *listed)
                out += " " + n;
        }
        out += "\n";
    }
    return out;
}

std::string Cluster::tails(std::size_t chars) {
    std::string out;
    for (auto& n : nodes_)
        out += "\n--- " + n.id + (n.daemon->running() ? "" : " (exited)") + " ---\n" + n.daemon->tail(chars);
    return out;
}

void runInNetns(const std::string& netns, const std::function<void()>& fn) {
    if (netns.empty()) {
        fn();
        return;
    }
    std::exception_ptr error;
    std::thread worker([&] {
        try {
            const std::string path = "/var/run/netns/" + netns;
            const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                throw std::runtime_error("open " + path + ": " + std::strerror(errno));
            const int rc = ::setns(fd, CLONE_NEWNET);
            const int setnsErrno = errno;
            ::close(fd);
            if (rc != 0)
                throw std::runtime_error("setns " + path + ": " + std::strerror(setnsErrno));
            fn();
        } catch (...) {
            error = std::current_exception();
        }
    });
    worker.join();
    if (error)
        std::rethrow_exception(error);
}

namespace {

const std::string kHub = "maelcl-hub";

std::string netnsOf(const std::string& id) { return "maelcl-" + id.substr(id.size() - 1); }
int indexOf(const std::string& id) { return id.back() - 'a' + 1; }
std::string hubPort(const std::string& id) { return "hub-" + id.substr(id.size() - 1); }
std::string uplink(const std::string& id) { return "maelcl-up-" + id.substr(id.size() - 1); }
std::string uplinkHere(const std::string& id) { return "10.250." + std::to_string(indexOf(id)) + ".1"; }

/// Runs one command that must succeed.
void must(const std::vector<std::string>& argv) {
    const auto r = runProcess(argv, {}, 30s);
    if (r.exitCode != 0) {
        std::string cmd;
        for (const auto& a : argv)
            cmd += (cmd.empty() ? "" : " ") + a;
        CPPUNIT_FAIL("'" + cmd + "' failed (" + std::to_string(r.exitCode) + "): " + r.out + r.err);
    }
}

bool canConnect(const std::string& address, int port) {
    try {
        Poco::Net::StreamSocket socket;
        socket.connect(Poco::Net::SocketAddress(address, static_cast<Poco::UInt16>(port)), Poco::Timespan(1, 0));
        return true;
    } catch (const Poco::Exception&) {
        return false;
    }
}

/// The engine's test DSN with its server address replaced by `host:port`.
std::string dsnThrough(const std::string& host, int port) {
    const bool mysql = engine() == tdb::Engine::Mysql;
    std::string dsn = mysql ? tdb::mysqlDsn() : tdb::postgresDsn();
    const auto t = mysql ? plugins::sql::parseMysqlDsn(dsn) : plugins::sql::parsePostgresDsn(dsn);
    const std::string from = (mysql ? "(" : "@") + t.host + ":" + std::to_string(t.port);
    const std::string to = (mysql ? "(" : "@") + host + ":" + std::to_string(port);
    const auto at = dsn.find(from);
    if (at == std::string::npos)
        CPPUNIT_FAIL("cannot find '" + from + "' in the test DSN to relay it (write the server as host:port)");
    return dsn.replace(at, from.size(), to);
}

} // namespace

bool PeerNetwork::available(std::string* why) {
    if (::geteuid() != 0) {
        if (why)
            *why = "network namespaces (needs root)";
        return false;
    }
    if (runProcess({"socat", "-V"}, {}, 10s).exitCode != 0) {
        if (why)
            *why = "socat (the database relay into the namespaces)";
        return false;
    }
    const auto probe = runProcess({"ip", "netns", "add", "maelcl-probe"}, {}, 10s);
    runProcess({"ip", "netns", "del", "maelcl-probe"}, {}, 10s);
    if (probe.exitCode != 0) {
        if (why)
            *why = "network namespaces (ip netns add: " + probe.out + probe.err + ")";
        return false;
    }
    return true;
}

namespace {

/// The forwarding rule that lets the uplinks reach containers on docker0 by their address (Docker's FORWARD
/// policy drops what it did not publish); it names our uplinks only. Docker keeps DOCKER-USER for such rules.
const std::vector<std::string> kForwardRule{"DOCKER-USER", "-i", "maelcl-up-+", "-o", "docker0", "-j", "ACCEPT"};

std::vector<std::string> iptables(const std::string& action) {
    std::vector<std::string> argv{"iptables", "-w", "5", action};
    argv.insert(argv.end(), kForwardRule.begin(), kForwardRule.end());
    return argv;
}

} // namespace

void PeerNetwork::removeLeftovers() {
    for (int i = 0; i < 10 && runProcess(iptables("-D"), {}, 10s).exitCode == 0; ++i) {
    }
    const auto list = runProcess({"ip", "netns", "list"}, {}, 10s);
    std::istringstream lines(list.out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto name = lifecycle::words(line);
        if (!name.empty() && name[0].rfind("maelcl-", 0) == 0)
            runProcess({"ip", "netns", "del", name[0]}, {}, 10s);
    }
    const auto links = runProcess({"ip", "-o", "link", "show"}, {}, 10s);
    std::istringstream linkLines(links.out);
    while (std::getline(linkLines, line)) {
        const auto parts = lifecycle::words(line);
        if (parts.size() < 2 || parts[1].rfind("maelcl-up-", 0) != 0)
            continue;
        runProcess({"ip", "link", "del", parts[1].substr(0, parts[1].find_first_of(":@"))}, {}, 10s);
    }
}

PeerNetwork::PeerNetwork(const std::vector<std::string>& nodeIds) : nodeIds_(nodeIds) {
    removeLeftovers();
    const auto addresses = runProcess({"ip", "-o", "-4", "addr", "show"}, {}, 10s).out;
    if (addresses.find(" 10.250.") != std::string::npos)
        CPPUNIT_FAIL("10.250.0.0/16 is in use on this host; the namespace tests need it:\n" + addresses);
    must({"ip", "netns", "add", kHub});
    must({"ip", "-n", kHub, "link", "set", "lo", "up"});
    must({"ip", "-n", kHub, "link", "add", "br0", "type", "bridge"});
    must({"ip", "-n", kHub, "link", "set", "br0", "up"});
    for (const auto& id : nodeIds_) {
        const std::string ns = netnsOf(id);
        const std::string i = std::to_string(indexOf(id));
        must({"ip", "netns", "add", ns});
        must({"ip", "-n", ns, "link", "set", "lo", "up"});
        // Peer link: bridge port in the hub, peer0 in the node.
        must({"ip", "link", "add", hubPort(id), "netns", kHub, "type", "veth", "peer", "name", "peer0", "netns", ns});
        must({"ip", "-n", kHub, "link", "set", hubPort(id), "master", "br0"});
        must({"ip", "-n", kHub, "link", "set", hubPort(id), "up"});
        must({"ip", "-n", ns, "addr", "add", "10.250.0." + i + "/24", "dev", "peer0"});
        must({"ip", "-n", ns, "link", "set", "peer0", "up"});
        // Uplink: here <-> up0 in the node, the node's default route.
        must({"ip", "link", "add", uplink(id), "type", "veth", "peer", "name", "up0", "netns", ns});
        must({"ip", "addr", "add", uplinkHere(id) + "/24", "dev", uplink(id)});
        must({"ip", "link", "set", uplink(id), "up"});
        must({"ip", "-n", ns, "addr", "add", "10.250." + i + ".2/24", "dev", "up0"});
        must({"ip", "-n", ns, "link", "set", "up0", "up"});
        must({"ip", "-n", ns, "route", "add", "default", "via", uplinkHere(id)});
    }
    if (runProcess({"iptables", "-w", "5", "-S", "DOCKER-USER"}, {}, 10s).exitCode == 0)
        must(iptables("-I"));
    // One database relay per node, on its uplink address.
    const auto server = engine() == tdb::Engine::Mysql ? plugins::sql::parseMysqlDsn(tdb::mysqlDsn())
                                                       : plugins::sql::parsePostgresDsn(tdb::postgresDsn());
    for (const auto& id : nodeIds_) {
        const int port = freePort();
        relays_.push_back(std::make_unique<BackgroundProcess>(std::vector<std::string>{
            "socat", "TCP-LISTEN:" + std::to_string(port) + ",bind=" + uplinkHere(id) + ",fork,reuseaddr",
            "TCP:" + server.host + ":" + std::to_string(server.port)}));
        relayPorts_[id] = port;
        if (!waitUntil([&] { return canConnect(uplinkHere(id), port); }, 10s))
            CPPUNIT_FAIL("the database relay on " + uplinkHere(id) + ":" + std::to_string(port) +
                         " does not answer: " + relays_.back()->output());
    }
}

PeerNetwork::~PeerNetwork() {
    relays_.clear();
    removeLeftovers();
}

NodeOptions PeerNetwork::options(const std::string& id) const {
    NodeOptions o;
    o.netns = netnsOf(id);
    o.peerHost = peerAddress(id);
    o.sqlDsn = dsnThrough(uplinkHere(id), relayPorts_.at(id));
    o.runtimeSettings["address"] = "container-ip";
    return o;
}

std::string PeerNetwork::peerAddress(const std::string& id) const { return "10.250.0." + std::to_string(indexOf(id)); }

void PeerNetwork::cut(const std::string& id) { must({"ip", "-n", kHub, "link", "set", hubPort(id), "down"}); }

void PeerNetwork::heal(const std::string& id) { must({"ip", "-n", kHub, "link", "set", hubPort(id), "up"}); }

} // namespace maelstrom::testing::cluster
