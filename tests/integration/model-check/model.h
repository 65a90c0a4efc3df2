// model.h — the model check of the database plugins and the control-plane API: a simple in-memory model of the
// stored state, the operations a seeded generator draws, and what the model says each operation must answer.
// Workers own disjoint key spaces (names start with "w<worker>"), so each worker's model is sequential even while
// eight workers run at once against one database; lists, toggles and projects are filtered to the worker's keys.
// SPDX-License-Identifier: Apache-2.0
//
// Pure code (no I/O): the runner (model_check.cpp) executes an Op on a Target and compares the Reply with
// expect(). Not thread-safe; one Generator and one State per worker.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace maelstrom::testing::model {

struct Comp {
    std::string project;
    std::string value; ///< the value of environment variable V: unicode and hostile text round-trip through it
    std::int64_t version = 0;
    bool operator==(const Comp&) const = default;
};

struct Es {
    std::string component;
    std::string project;
    std::string host; ///< http.hostname
    std::int64_t version = 0;
    bool enabled = true;
    bool operator==(const Es&) const = default;
};

struct Role {
    std::string holder;
    std::int64_t expiresAt = 0;
    bool operator==(const Role&) const = default;
};

struct Node {
    std::int64_t observedAt = 0;
    std::string peerUrl;
    bool operator==(const Node&) const = default;
};

/// Everything one worker has stored, keyed by name. `starts` is keyed by "<component>#<version>".
struct State {
    std::map<std::string, Comp> comps;
    std::map<std::string, Es> ess;
    std::map<std::string, Role> roles;
    std::map<std::string, Node> nodes;
    std::map<std::string, std::int64_t> starts;
    bool operator==(const State&) const = default;
};

enum class OpKind {
    PutComponent,
    GetComponent,
    RemoveComponent,
    ListComponents,
    PutEventSource,
    GetEventSource,
    RemoveEventSource,
    ListEventSources,
    ToggleEventSources,
    ListProjects,
    ApplyProjectChanges, ///< Database level: one transaction of removes and versioned puts
    PutProject,
    GetProject,
    RemoveProject, ///< API level: the project diff of MaelstromService
    AcquireRole,
    ReleaseRole,
    RoleHolder,
    PutNodeStatus,
    RemoveNodeStatus,
    ListNodeStatus,
    IncrementStartCount,
    StartCount,
};
const char* opName(OpKind kind);

/// One entry of an API-level project: component <project>_<component> with its value and, when `source` is not
/// empty, one HTTP event source <project>_<source> on `host`.
struct ProjectEntry {
    std::string component;
    std::string value;
    std::string source;
    std::string host;
};

struct Op {
    OpKind kind = OpKind::GetComponent;
    std::string name;         ///< component, event source, role, node or project name; list prefix
    std::string component;    ///< an event source's component; list/toggle component filter
    std::string project;      ///< a component's project; list project filter
    std::string value;        ///< component value, event source host, node peer URL
    std::int64_t version = 0; ///< version given to a put; observedAt; lease ms; start-count version
    std::int64_t limit = 0;   ///< page size of a list (the runner reads every page)
    bool enabled = true;      ///< toggle target
    std::optional<bool> enabledFilter;
    std::string node; ///< role holder
    // ApplyProjectChanges
    std::vector<std::string> removeComps;
    std::vector<std::string> removeEss;
    std::vector<std::pair<std::string, Comp>> putComps; ///< Comp.version = version given
    std::vector<std::pair<std::string, Es>> putEss;
    // PutProject
    std::vector<ProjectEntry> entries;
    bool invalid = false; ///< the op is built to be refused as invalid input (bad name, duplicate)
};
std::string describe(const Op& op);

enum class Code { Ok, AlreadyExists, VersionConflict, NotFound, Invalid, Unavailable, Other };
const char* codeName(Code code);

struct ProjectCount {
    std::int64_t components = 0;
    std::int64_t eventSources = 0;
    bool operator==(const ProjectCount&) const = default;
};

/// What a target answered, normalised across the Database interface and the RPC API.
struct Reply {
    Code code = Code::Ok;
    std::string message;
    std::int64_t version = 0; ///< put: stored version; increment/start count: the count
    bool found = false;       ///< remove*: existed; get*: found
    std::optional<Comp> comp;
    std::optional<Es> es;
    std::vector<std::pair<std::string, Comp>> comps;
    std::vector<std::pair<std::string, Es>> ess;
    std::vector<std::string> names; ///< toggle: changed names
    std::map<std::string, ProjectCount> projects;
    /// PutProject: names added / updated / removed (components, then event sources).
    std::set<std::string> added, updated, removed;
    bool acquired = false;
    std::string holder;
    std::int64_t expiresAt = 0;
    std::vector<std::pair<std::string, Node>> nodes;
};

/// A failed call's answer.
inline Reply failure(Code code, std::string message) {
    Reply r;
    r.code = code;
    r.message = std::move(message);
    return r;
}

/// When the operation ran, by the wall clock (ms): before it was sent and after the answer came.
struct Window {
    std::int64_t start = 0;
    std::int64_t end = 0;
};

/// What the model says of an op: the answer it must give, the state after it, and which keys it may touch (an op
/// whose outcome is unknown — a connection lost mid-call — must have left those keys wholly before or wholly
/// after).
struct Expectation {
    Code code = Code::Ok;
    Reply reply;
    State after;
    bool anyFailure = false; ///< the op must fail, with AlreadyExists or VersionConflict (which one depends on order)
    bool timingUncertain = false; ///< a lease ends within the clock slack of the window: several answers are right
    std::int64_t expiryLow = 0;   ///< AcquireRole: a lease taken during the window ends in [expiryLow, expiryHigh]
    std::int64_t expiryHigh = 0;
};

/// The model's answer. `apiLevel`: the API's rules (event sources need their component, project diffs).
Expectation expect(const Op& op, const State& before, const Window& window, bool apiLevel);

/// "" when `actual` is an answer the model allows for `op`, else what differs. For ops with uncertain timing,
/// `adopt` receives the state implied by the answer.
std::string compare(const Op& op, const Expectation& expected, const Reply& actual, State* adopt);

/// The keys an op may change (for re-reading after an unknown outcome).
struct Keys {
    std::set<std::string> comps, ess, roles, nodes, starts;
};
Keys keysOf(const Op& op, const State& before, const State& after);
/// `state` restricted to `keys`.
State restrict(const State& state, const Keys& keys);
/// What differs between two states, one line per key ("" when equal).
std::string diffStates(const State& expected, const State& actual);

/// Draws the operations of one worker. Deterministic: the same seed, worker and states give the same ops.
class Generator {
public:
    Generator(std::uint64_t seed, int worker, bool apiLevel);
    Op next(const State& state);
    /// The worker's key-space prefix ("w3").
    const std::string& prefix() const { return prefix_; }

private:
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
    std::string compName();
    std::string esName();
    std::string text();
    std::int64_t versionFor(std::int64_t stored, bool exists);
    Op projectChanges(const State& state);
    Op putProject();

    std::mt19937_64 rng_;
    bool api_;
    std::string prefix_;
};

} // namespace maelstrom::testing::model
