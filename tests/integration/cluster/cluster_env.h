// cluster_env.h — shared helpers of the cluster end-to-end tests: several real maelstromd processes on this
// host (each with its own node id, private port and data dir) sharing one MariaDB or PostgreSQL database and
// one dockerd; what each node says about the cluster (`maelctl cluster nodes` / `cluster ps`), where the
// containers run (their maelstrom_node label), the database reset and the database server scripts.
// Only external behaviour is used: ports, maelctl, the docker CLI, maelstromd's log and the SQL server.
// SPDX-License-Identifier: Apache-2.0
//
// Engine under test: env MAELSTROM_TEST_DB_ENGINE (mysql or postgres), the servers and DSNs of the database
// tests (MAELSTROM_TEST_MYSQL_DSN, MAELSTROM_TEST_POSTGRES_DSN). Thread-safety: Cluster is used from the test
// thread only; the free functions may run on any thread.
#pragma once

#include "db_test_common.h"
#include "lifecycle_env.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace maelstrom::testing::cluster {

using namespace std::chrono_literals;
using lifecycle::Daemon;
using lifecycle::Reply;
namespace tdb = maelstrom::testing::db;

/// MAELSTROM_TEST_DB_ENGINE (mysql when unset).
tdb::Engine engine();
/// "mariadb" or "postgres", for messages and figures.
std::string engineLabel();

/// Whether dockerd and the engine's server answer; `why` names what is missing.
bool backendsAvailable(std::string* why);

/// Drops every table of the test database, whoever created it: the nodes started next migrate from scratch.
void dropAllTables();

/// Runs tests/services/<action>-mariadb.sh or <action>-postgres.sh (action: start, stop, restart).
ProcessResult databaseScript(const std::string& action, std::chrono::seconds timeout = 180s);

/// Seconds since `t0` (for figures and messages).
double secondsSince(std::chrono::steady_clock::time_point t0);
/// "1.23 s".
std::string seconds(double value);

/// A container as Docker sees it: id (full) and its maelstrom_node label.
struct Placement {
    std::string id;
    std::string node;
};
/// The running containers of `component` (label maelstrom_component).
std::vector<Placement> runningPlacements(const std::string& component);
/// Running containers of `component` per node id.
std::map<std::string, int> countByNode(const std::string& component);
/// The running containers labelled maelstrom_node=`nodeId` (any component).
std::vector<std::string> nodeContainers(const std::string& nodeId);
/// Removes every container (running or not) labelled maelstrom_node=`nodeId`.
void removeNodeContainers(const std::string& nodeId);

/// `maelctl cluster nodes` on `node`: the node ids of its rows (nullopt when maelctl fails).
std::optional<std::set<std::string>> listedNodes(const Daemon& node, std::string* raw = nullptr);
/// One row of `maelctl cluster ps`.
struct PsRow {
    std::string component;
    std::string version;
    std::string status;
    std::string node;
};
/// `maelctl cluster ps` on `node` (nullopt when maelctl fails).
std::optional<std::vector<PsRow>> listedContainers(const Daemon& node, std::string* raw = nullptr);

/// A request's outcome for messages: "200 hello" or "-1 Connection refused".
std::string describe(const Reply& reply);

/// Runs `fn` on a thread of this process that has joined the network namespace `netns` (/var/run/netns/<name>)
/// and waits for it; its exceptions (failed assertions too) come back to the caller. Processes and threads
/// started by `fn` stay in that namespace. An empty `netns` runs `fn` here.
void runInNetns(const std::string& netns, const std::function<void()>& fn);

/// How Cluster::start runs one node.
struct NodeOptions {
    std::int64_t totalMemoryMiB = -1;       ///< MAEL_TOTAL_MEMORY; -1 leaves it unset, 0 makes a relay-only node
    std::map<std::string, std::string> env; ///< more environment (overrides)
    std::string netns;                      ///< run in this network namespace ("": this one)
    std::string peerHost = "127.0.0.1";     ///< host of MAEL_PEER_URL
    std::string sqlDsn;                     ///< MAEL_SQL_DSN ("": the engine's test DSN)
    std::map<std::string, std::string> runtimeSettings; ///< the docker plugin's settings
    std::string eventSources;                           ///< the registry's event_sources entries ("": cron)
};
/// Options with MAEL_TOTAL_MEMORY = `mib`.
inline NodeOptions withMemory(std::int64_t mib) {
    NodeOptions options;
    options.totalMemoryMiB = mib;
    return options;
}

/// The nodes of one test. The constructor removes containers left by an earlier run on the suite's node ids
/// and drops every table; the destructor stops every node (SIGTERM, all at once) and removes their containers.
class Cluster {
public:
    Cluster();
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    /// The node ids a suite may use (≤ 14 characters, so `cluster nodes` shows them whole).
    static const std::vector<std::string>& suiteNodeIds();

    /// Starts maelstromd as node `id` (one of suiteNodeIds()) on the engine's database, peer URL
    /// http://127.0.0.1:<private port>; returns once it listens. An id whose process has exited may be started
    /// again (a restart: new ports, same data dir and node id); node(id) then names the new process.
    Daemon& start(const std::string& id, const NodeOptions& options = {});
    Daemon& node(const std::string& id);
    /// Ids of the started nodes whose process still runs, in start order.
    std::vector<std::string> running();
    /// Sends `signal` to node `id` without waiting.
    void signal(const std::string& id, int signal);
    /// Waits until node `id` has exited (sending `signal` first); returns its exit code.
    int stop(const std::string& id, int signal = SIGTERM, std::chrono::seconds timeout = 120s);

    /// Runs `fn` in node `id`'s network namespace (see runInNetns): for Daemon::request, maelctl, LoadClient.
    void onNode(const std::string& id, const std::function<void()>& fn);
    /// Daemon::request / maelctl / putProject of node `id`, run in its network namespace.
    Reply request(const std::string& id, const std::string& host, const std::string& path,
                  std::chrono::seconds timeout = 60s);
    ProcessResult maelctl(const std::string& id, const std::vector<std::string>& args);
    void putProject(const std::string& id, const std::string& yaml);

    /// Waits until every node of `observers` lists exactly `expected` in `cluster nodes`.
    bool waitForView(const std::vector<std::string>& observers, const std::set<std::string>& expected,
                     std::chrono::milliseconds timeout);
    /// What each of `observers` lists now (for messages).
    std::string views(const std::vector<std::string>& observers);
    /// The last `chars` characters of every node's log, each under its node id (for failure messages).
    std::string tails(std::size_t chars = 2500);

private:
    struct Node {
        std::string id;
        std::string netns;
        std::unique_ptr<Daemon> daemon;
    };
    Node& find(const std::string& id);
    std::vector<Node> nodes_;
    std::vector<std::unique_ptr<Daemon>> exited_;          ///< earlier processes of restarted ids (their logs kept)
    std::map<std::string, std::unique_ptr<TempDir>> dirs_; ///< each node id's data directory, kept across restarts
};

/// Network namespaces for nodes with real addresses, so one can be cut off from its peers. Each node gets:
///  - a peer link to a bridge in a hub namespace ("maelcl-hub"): 10.250.0.<i>/24, the address of its peer URL;
///  - an uplink to this namespace: 10.250.<i>.2/24 with 10.250.<i>.1 here and the default route through it,
///    over which it reaches the containers (by their bridge address) and the database (through a socat relay
///    listening on 10.250.<i>.1 that connects to the server on 127.0.0.1).
/// Cutting a node takes its bridge port down: no peer traffic either way, the database still reachable.
/// Containers are reached through this namespace's forwarding: a rule in Docker's DOCKER-USER chain accepts what
/// comes from the uplinks towards docker0 (removed again at the end).
/// <i> is 1 for cluster-a, 2 for cluster-b... Names are fixed (maelcl-*); leftovers of an earlier run are removed
/// first. Needs root, iproute2 and socat.
class PeerNetwork {
public:
    /// Whether namespaces can be made here; `why` names what is missing.
    static bool available(std::string* why);
    explicit PeerNetwork(const std::vector<std::string>& nodeIds);
    ~PeerNetwork();
    PeerNetwork(const PeerNetwork&) = delete;
    PeerNetwork& operator=(const PeerNetwork&) = delete;

    /// Options that run node `id` in its namespace: peer URL on its bridge address, database through its
    /// uplink relay, containers reached by their bridge address (the docker plugin's address: container-ip).
    NodeOptions options(const std::string& id) const;
    std::string peerAddress(const std::string& id) const;
    /// Takes node `id`'s bridge port down (cut) or up again (heal).
    void cut(const std::string& id);
    void heal(const std::string& id);

private:
    static void removeLeftovers();
    std::vector<std::string> nodeIds_;
    std::vector<std::unique_ptr<BackgroundProcess>> relays_;
    std::map<std::string, int> relayPorts_;
};

/// The component name of `key` in `project`.
inline std::string componentName(const std::string& project, const std::string& key) { return project + "_" + key; }

} // namespace maelstrom::testing::cluster
