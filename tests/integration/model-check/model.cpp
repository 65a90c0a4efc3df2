// model.cpp — see model.h.
// SPDX-License-Identifier: Apache-2.0
#include "model.h"

#include <algorithm>
#include <sstream>

namespace maelstrom::testing::model {

namespace {

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

/// Values that must round-trip byte for byte: accents, emoji (4-byte UTF-8), CJK, JSON and SQL metacharacters.
const std::vector<std::string> kTexts = {
    "plain",
    "ünïcødé ñ",
    "emoji \xF0\x9F\x98\x80\xF0\x9F\x8E\x89",
    "\xE6\xBC\xA2\xE5\xAD\x97\xE3\x81\x8B\xE3\x81\xAA",
    "quote\" back\\slash '",
    "tab\tnew\nline",
    "percent% under_score !",
    "",
    "x",
};

template <class T>
std::string show(const T& v);

std::string show(const Comp& c) {
    return "{project=" + c.project + " value=" + c.value + " v" + std::to_string(c.version) + "}";
}
std::string show(const Es& e) {
    return "{component=" + e.component + " project=" + e.project + " host=" + e.host + " v" +
           std::to_string(e.version) + (e.enabled ? " enabled" : " disabled") + "}";
}
std::string show(const Node& n) {
    return "{observedAt=" + std::to_string(n.observedAt) + " peerUrl=" + n.peerUrl + "}";
}
std::string show(std::int64_t v) { return std::to_string(v); }

template <class V>
void diffMaps(std::ostringstream& out, const char* what, const std::map<std::string, V>& expected,
              const std::map<std::string, V>& actual) {
    for (const auto& [k, v] : expected) {
        const auto it = actual.find(k);
        if (it == actual.end()) {
            out << "  " << what << " " << k << ": expected " << show(v) << ", missing\n";
        } else if (!(it->second == v)) {
            out << "  " << what << " " << k << ": expected " << show(v) << ", got " << show(it->second) << "\n";
        }
    }
    for (const auto& [k, v] : actual) {
        if (!expected.count(k))
            out << "  " << what << " " << k << ": unexpected " << show(v) << "\n";
    }
}

template <class V>
std::string showList(const std::vector<std::pair<std::string, V>>& items) {
    std::string out = "[";
    for (const auto& [k, v] : items)
        out += k + show(v) + " ";
    return out + "]";
}

std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ",") + n;
    return "[" + out + "]";
}
std::string joinNames(const std::set<std::string>& names) {
    return joinNames(std::vector<std::string>(names.begin(), names.end()));
}

/// The put rules shared by components and event sources: version 0 creates, N updates the row at N.
template <class V>
Code putRule(const std::map<std::string, V>& rows, const std::string& name, std::int64_t version,
             std::int64_t* stored) {
    const auto it = rows.find(name);
    if (it == rows.end()) {
        if (version != 0)
            return Code::VersionConflict;
        *stored = 1;
        return Code::Ok;
    }
    if (version == 0)
        return Code::AlreadyExists;
    if (version != it->second.version)
        return Code::VersionConflict;
    *stored = version + 1;
    return Code::Ok;
}

void removeComponent(State& s, const std::string& name) {
    s.comps.erase(name);
    for (auto it = s.ess.begin(); it != s.ess.end();) {
        it = it->second.component == name ? s.ess.erase(it) : std::next(it);
    }
}

/// Applies a put of an event source that passed putRule (a new row is enabled; an update keeps the flag).
void storeEs(State& s, const std::string& name, Es es, std::int64_t version) {
    const auto it = s.ess.find(name);
    es.enabled = it == s.ess.end() ? true : it->second.enabled;
    es.version = version;
    s.ess[name] = es;
}

} // namespace

const char* opName(OpKind kind) {
    switch (kind) {
    case OpKind::PutComponent:
        return "PutComponent";
    case OpKind::GetComponent:
        return "GetComponent";
    case OpKind::RemoveComponent:
        return "RemoveComponent";
    case OpKind::ListComponents:
        return "ListComponents";
    case OpKind::PutEventSource:
        return "PutEventSource";
    case OpKind::GetEventSource:
        return "GetEventSource";
    case OpKind::RemoveEventSource:
        return "RemoveEventSource";
    case OpKind::ListEventSources:
        return "ListEventSources";
    case OpKind::ToggleEventSources:
        return "ToggleEventSources";
    case OpKind::ListProjects:
        return "ListProjects";
    case OpKind::ApplyProjectChanges:
        return "ApplyProjectChanges";
    case OpKind::PutProject:
        return "PutProject";
    case OpKind::GetProject:
        return "GetProject";
    case OpKind::RemoveProject:
        return "RemoveProject";
    case OpKind::AcquireRole:
        return "AcquireRole";
    case OpKind::ReleaseRole:
        return "ReleaseRole";
    case OpKind::RoleHolder:
        return "RoleHolder";
    case OpKind::PutNodeStatus:
        return "PutNodeStatus";
    case OpKind::RemoveNodeStatus:
        return "RemoveNodeStatus";
    case OpKind::ListNodeStatus:
        return "ListNodeStatus";
    case OpKind::IncrementStartCount:
        return "IncrementStartCount";
    case OpKind::StartCount:
        return "StartCount";
    }
    return "?";
}

const char* codeName(Code code) {
    switch (code) {
    case Code::Ok:
        return "ok";
    case Code::AlreadyExists:
        return "already-exists";
    case Code::VersionConflict:
        return "version-conflict";
    case Code::NotFound:
        return "not-found";
    case Code::Invalid:
        return "invalid";
    case Code::Unavailable:
        return "unavailable";
    case Code::Other:
        return "other-error";
    }
    return "?";
}

std::string describe(const Op& op) {
    std::ostringstream out;
    out << opName(op.kind) << "(name=" << op.name;
    if (!op.component.empty())
        out << " component=" << op.component;
    if (!op.project.empty())
        out << " project=" << op.project;
    if (!op.value.empty())
        out << " value=" << op.value;
    if (op.version != 0)
        out << " version=" << op.version;
    if (op.limit != 0)
        out << " limit=" << op.limit;
    if (op.kind == OpKind::ToggleEventSources)
        out << " enabled=" << op.enabled;
    if (op.enabledFilter)
        out << " enabledFilter=" << *op.enabledFilter;
    if (!op.node.empty())
        out << " node=" << op.node;
    for (const auto& n : op.removeComps)
        out << " -comp:" << n;
    for (const auto& n : op.removeEss)
        out << " -es:" << n;
    for (const auto& [n, c] : op.putComps)
        out << " +comp:" << n << show(c);
    for (const auto& [n, e] : op.putEss)
        out << " +es:" << n << show(e);
    for (const auto& e : op.entries)
        out << " entry:" << e.component << "=" << e.value << "/" << e.source << "@" << e.host;
    if (op.invalid)
        out << " (invalid)";
    out << ")";
    return out.str();
}

Expectation expect(const Op& op, const State& before, const Window& window, bool apiLevel) {
    Expectation e;
    e.after = before;
    State& s = e.after;
    Reply& r = e.reply;
    switch (op.kind) {
    case OpKind::PutComponent: {
        if (op.invalid) {
            e.code = Code::Invalid;
            break;
        }
        std::int64_t stored = 0;
        e.code = putRule(s.comps, op.name, op.version, &stored);
        if (e.code == Code::Ok) {
            s.comps[op.name] = Comp{op.project, op.value, stored};
            r.version = stored;
        }
        break;
    }
    case OpKind::GetComponent: {
        const auto it = s.comps.find(op.name);
        if (it != s.comps.end()) {
            r.found = true;
            r.comp = it->second;
        } else if (apiLevel) {
            e.code = Code::NotFound;
        }
        break;
    }
    case OpKind::RemoveComponent:
        r.found = s.comps.count(op.name) > 0;
        removeComponent(s, op.name);
        break;
    case OpKind::ListComponents:
        for (const auto& [name, c] : s.comps) {
            if (startsWith(name, op.name) && (op.project.empty() || c.project == op.project)) {
                r.comps.emplace_back(name, c);
            }
        }
        break;
    case OpKind::PutEventSource: {
        if (op.invalid) {
            e.code = Code::Invalid;
            break;
        }
        Es es{op.component, op.project, op.value, 0, true};
        if (apiLevel) {
            const auto comp = s.comps.find(op.component);
            if (comp == s.comps.end()) {
                e.code = Code::NotFound;
                break;
            }
            es.project = comp->second.project;
        }
        std::int64_t stored = 0;
        e.code = putRule(s.ess, op.name, op.version, &stored);
        if (e.code == Code::Ok) {
            storeEs(s, op.name, es, stored);
            r.version = stored;
        }
        break;
    }
    case OpKind::GetEventSource: {
        const auto it = s.ess.find(op.name);
        if (it != s.ess.end()) {
            r.found = true;
            r.es = it->second;
        } else if (apiLevel) {
            e.code = Code::NotFound;
        }
        break;
    }
    case OpKind::RemoveEventSource:
        r.found = s.ess.erase(op.name) > 0;
        break;
    case OpKind::ListEventSources:
        for (const auto& [name, es] : s.ess) {
            if (startsWith(name, op.name) && (op.component.empty() || es.component == op.component) &&
                (!op.enabledFilter || es.enabled == *op.enabledFilter)) {
                r.ess.emplace_back(name, es);
            }
        }
        break;
    case OpKind::ToggleEventSources:
        for (auto& [name, es] : s.ess) {
            if (startsWith(name, op.name) && (op.component.empty() || es.component == op.component) &&
                es.enabled != op.enabled) {
                es.enabled = op.enabled;
                r.names.push_back(name);
            }
        }
        break;
    case OpKind::ListProjects:
        for (const auto& [name, c] : s.comps) {
            if (!c.project.empty() && startsWith(c.project, op.name))
                ++r.projects[c.project].components;
        }
        for (const auto& [name, es] : s.ess) {
            const auto it = r.projects.find(es.project);
            if (it != r.projects.end())
                ++it->second.eventSources;
        }
        break;
    case OpKind::ApplyProjectChanges: {
        for (const auto& name : op.removeComps)
            removeComponent(s, name);
        for (const auto& name : op.removeEss)
            s.ess.erase(name);
        for (const auto& [name, c] : op.putComps) {
            std::int64_t stored = 0;
            if (putRule(s.comps, name, c.version, &stored) != Code::Ok) {
                e.anyFailure = true;
                break;
            }
            s.comps[name] = Comp{c.project, c.value, stored};
        }
        for (const auto& [name, es] : op.putEss) {
            if (e.anyFailure)
                break;
            std::int64_t stored = 0;
            if (putRule(s.ess, name, es.version, &stored) != Code::Ok) {
                e.anyFailure = true;
                break;
            }
            storeEs(s, name, es, stored);
        }
        if (e.anyFailure)
            s = before; // one transaction: all or nothing
        break;
    }
    case OpKind::PutProject: {
        if (op.invalid) {
            e.code = Code::Invalid;
            break;
        }
        const std::string& project = op.name;
        std::set<std::string> newComps, newEss;
        for (const auto& entry : op.entries) {
            newComps.insert(project + "_" + entry.component);
            if (!entry.source.empty())
                newEss.insert(project + "_" + entry.source);
        }
        std::set<std::string> oldComps;
        for (const auto& [name, c] : before.comps) {
            if (c.project == project)
                oldComps.insert(name);
        }
        for (const auto& [name, es] : before.ess) {
            if (oldComps.count(es.component) && !newEss.count(name)) {
                r.removed.insert(name);
                s.ess.erase(name);
            }
        }
        for (const auto& name : oldComps) {
            if (!newComps.count(name)) {
                r.removed.insert(name);
                removeComponent(s, name);
            }
        }
        for (const auto& entry : op.entries) {
            const std::string name = project + "_" + entry.component;
            const auto it = s.comps.find(name);
            if (it == s.comps.end()) {
                r.added.insert(name);
                s.comps[name] = Comp{project, entry.value, 1};
            } else if (it->second.value != entry.value) {
                r.updated.insert(name);
                it->second.value = entry.value;
                ++it->second.version;
            }
            if (entry.source.empty())
                continue;
            const std::string esName = project + "_" + entry.source;
            const auto es = s.ess.find(esName);
            if (es == s.ess.end()) {
                r.added.insert(esName);
                s.ess[esName] = Es{name, project, entry.host, 1, true};
            } else if (es->second.host != entry.host || es->second.component != name) {
                r.updated.insert(esName);
                es->second.host = entry.host;
                es->second.component = name;
                ++es->second.version;
            }
        }
        break;
    }
    case OpKind::GetProject:
        for (const auto& [name, c] : s.comps) {
            if (c.project == op.name)
                r.comps.emplace_back(name, c);
        }
        for (const auto& [name, es] : s.ess) {
            const auto c = s.comps.find(es.component);
            if (c != s.comps.end() && c->second.project == op.name)
                r.ess.emplace_back(name, es);
        }
        if (r.comps.empty())
            e.code = Code::NotFound;
        break;
    case OpKind::RemoveProject: {
        std::vector<std::string> names;
        for (const auto& [name, c] : s.comps) {
            if (c.project == op.name)
                names.push_back(name);
        }
        r.found = !names.empty();
        for (const auto& n : names)
            removeComponent(s, n);
        break;
    }
    case OpKind::AcquireRole: {
        const auto it = s.roles.find(op.name);
        const bool unknown = it != s.roles.end() && it->second.holder == "?";
        const bool mine = it == s.roles.end() || it->second.holder == op.node;
        const bool surelyExpired = !unknown && (mine || it->second.expiresAt <= window.start);
        const bool surelyHeld = !unknown && !mine && it->second.expiresAt > window.end;
        e.expiryLow = window.start + op.version;
        e.expiryHigh = window.end + op.version;
        if (surelyExpired) {
            r.acquired = true;
            r.holder = op.node;
        } else if (surelyHeld) {
            r.acquired = false;
            r.holder = it->second.holder;
            r.expiresAt = it->second.expiresAt;
        } else {
            e.timingUncertain = true;
        }
        break;
    }
    case OpKind::ReleaseRole: {
        const auto it = s.roles.find(op.name);
        if (it != s.roles.end() && it->second.holder == "?") {
            e.timingUncertain = true; // unknown holder: either answer; afterwards the caller surely does not hold it
            break;
        }
        r.found = it != s.roles.end() && it->second.holder == op.node;
        if (r.found)
            s.roles.erase(it);
        break;
    }
    case OpKind::RoleHolder: {
        const auto it = s.roles.find(op.name);
        if (it == s.roles.end())
            break;
        if (it->second.holder == "?" || (it->second.expiresAt > window.start && it->second.expiresAt <= window.end)) {
            e.timingUncertain = true;
        } else if (it->second.expiresAt > window.end) {
            r.found = true;
            r.holder = it->second.holder;
            r.expiresAt = it->second.expiresAt;
        }
        break;
    }
    case OpKind::PutNodeStatus:
        s.nodes[op.name] = Node{op.version, op.value};
        break;
    case OpKind::RemoveNodeStatus:
        r.found = s.nodes.erase(op.name) > 0;
        break;
    case OpKind::ListNodeStatus:
        for (const auto& [name, n] : s.nodes) {
            if (startsWith(name, op.name))
                r.nodes.emplace_back(name, n);
        }
        break;
    case OpKind::IncrementStartCount: {
        auto& count = s.starts[op.name + "#" + std::to_string(op.version)];
        r.version = ++count;
        break;
    }
    case OpKind::StartCount: {
        const auto it = s.starts.find(op.name + "#" + std::to_string(op.version));
        r.version = it == s.starts.end() ? 0 : it->second;
        break;
    }
    }
    return e;
}

std::string compare(const Op& op, const Expectation& expected, const Reply& actual, State* adopt) {
    std::ostringstream out;
    if (adopt)
        *adopt = expected.after;
    if (expected.anyFailure) {
        if (actual.code != Code::AlreadyExists && actual.code != Code::VersionConflict) {
            out << "expected already-exists or version-conflict, got " << codeName(actual.code) << " "
                << actual.message;
        }
        return out.str();
    }
    if (actual.code != expected.code) {
        out << "expected " << codeName(expected.code) << ", got " << codeName(actual.code) << " " << actual.message;
        return out.str();
    }
    if (actual.code != Code::Ok && op.kind != OpKind::GetProject)
        return "";
    const Reply& e = expected.reply;
    switch (op.kind) {
    case OpKind::PutComponent:
    case OpKind::PutEventSource:
    case OpKind::IncrementStartCount:
    case OpKind::StartCount:
        if (actual.version != e.version)
            out << "expected version/count " << e.version << ", got " << actual.version;
        break;
    case OpKind::GetComponent:
        if (actual.comp != e.comp) {
            out << "expected " << (e.comp ? show(*e.comp) : "none") << ", got "
                << (actual.comp ? show(*actual.comp) : "none");
        }
        break;
    case OpKind::GetEventSource:
        if (actual.es != e.es) {
            out << "expected " << (e.es ? show(*e.es) : "none") << ", got " << (actual.es ? show(*actual.es) : "none");
        }
        break;
    case OpKind::RemoveComponent:
    case OpKind::RemoveEventSource:
    case OpKind::RemoveProject:
    case OpKind::RemoveNodeStatus:
        if (actual.found != e.found)
            out << "expected found=" << e.found << ", got " << actual.found;
        break;
    case OpKind::ListComponents:
        if (actual.comps != e.comps)
            out << "expected " << showList(e.comps) << "\n  got      " << showList(actual.comps);
        break;
    case OpKind::ListEventSources:
        if (actual.ess != e.ess)
            out << "expected " << showList(e.ess) << "\n  got      " << showList(actual.ess);
        break;
    case OpKind::ToggleEventSources:
        if (actual.names != e.names)
            out << "expected changed " << joinNames(e.names) << ", got " << joinNames(actual.names);
        break;
    case OpKind::ListProjects:
        if (actual.projects != e.projects) {
            out << "expected projects";
            for (const auto& [p, c] : e.projects)
                out << " " << p << ":" << c.components << "/" << c.eventSources;
            out << ", got";
            for (const auto& [p, c] : actual.projects)
                out << " " << p << ":" << c.components << "/" << c.eventSources;
        }
        break;
    case OpKind::ApplyProjectChanges:
        break;
    case OpKind::PutProject:
        if (actual.added != e.added || actual.updated != e.updated || actual.removed != e.removed) {
            out << "expected added " << joinNames(e.added) << " updated " << joinNames(e.updated) << " removed "
                << joinNames(e.removed) << "; got added " << joinNames(actual.added) << " updated "
                << joinNames(actual.updated) << " removed " << joinNames(actual.removed);
        }
        break;
    case OpKind::GetProject:
        if (actual.comps != e.comps || actual.ess != e.ess) {
            out << "expected " << showList(e.comps) << showList(e.ess) << "\n  got      " << showList(actual.comps)
                << showList(actual.ess);
        }
        break;
    case OpKind::AcquireRole: {
        if (actual.holder == op.node) {
            // Taken or renewed now: the lease runs from the plugin's clock, read during the call.
            if (actual.expiresAt < expected.expiryLow || actual.expiresAt > expected.expiryHigh) {
                out << "lease taken until " << actual.expiresAt << ", outside [" << expected.expiryLow << ", "
                    << expected.expiryHigh << "]";
            }
            if (actual.expiresAt > expected.expiryHigh - op.version && !actual.acquired) { // unexpired after the call
                out << "holds an unexpired lease but acquired=false";
            }
            if (!expected.timingUncertain && !e.acquired) {
                out << "expected held by " << e.holder << ", but " << op.node << " took it";
            }
        } else {
            if (actual.acquired)
                out << "acquired but the holder is " << actual.holder;
            if (!expected.timingUncertain && e.acquired) {
                out << "expected " << op.node << " to take it, but " << actual.holder << " holds it until "
                    << actual.expiresAt;
            }
            if (!expected.timingUncertain && !e.acquired &&
                (actual.holder != e.holder || actual.expiresAt != e.expiresAt)) {
                out << "expected holder " << e.holder << " until " << e.expiresAt << ", got " << actual.holder
                    << " until " << actual.expiresAt;
            }
        }
        if (out.str().empty() && adopt) {
            *adopt = expected.after;
            adopt->roles[op.name] = Role{actual.holder, actual.expiresAt};
        }
        return out.str();
    }
    case OpKind::ReleaseRole:
        if (!expected.timingUncertain && actual.found != e.found)
            out << "expected released=" << e.found << ", got " << actual.found;
        if (out.str().empty() && adopt && expected.timingUncertain) {
            *adopt = expected.after;
            if (actual.found) {
                adopt->roles.erase(op.name); // it was ours and is gone
            }                                // otherwise someone else may hold it: stays unknown
        }
        return out.str();
    case OpKind::RoleHolder:
        if (!expected.timingUncertain &&
            (actual.found != e.found || actual.holder != e.holder || actual.expiresAt != e.expiresAt)) {
            out << "expected " << (e.found ? e.holder + " until " + std::to_string(e.expiresAt) : "no holder")
                << ", got "
                << (actual.found ? actual.holder + " until " + std::to_string(actual.expiresAt) : "no holder");
        }
        if (out.str().empty() && adopt && expected.timingUncertain) {
            *adopt = expected.after;
            if (actual.found)
                adopt->roles[op.name] = Role{actual.holder, actual.expiresAt};
        }
        return out.str();
    case OpKind::PutNodeStatus:
        break;
    case OpKind::ListNodeStatus:
        if (actual.nodes != e.nodes)
            out << "expected " << showList(e.nodes) << "\n  got      " << showList(actual.nodes);
        break;
    }
    if (out.str().empty() && adopt)
        *adopt = expected.after;
    return out.str();
}

State restrict(const State& state, const Keys& keys) {
    State out;
    for (const auto& k : keys.comps)
        if (auto it = state.comps.find(k); it != state.comps.end())
            out.comps.insert(*it);
    for (const auto& k : keys.ess)
        if (auto it = state.ess.find(k); it != state.ess.end())
            out.ess.insert(*it);
    for (const auto& k : keys.roles)
        if (auto it = state.roles.find(k); it != state.roles.end())
            out.roles.insert(*it);
    for (const auto& k : keys.nodes)
        if (auto it = state.nodes.find(k); it != state.nodes.end())
            out.nodes.insert(*it);
    for (const auto& k : keys.starts)
        if (auto it = state.starts.find(k); it != state.starts.end())
            out.starts.insert(*it);
    return out;
}

Keys keysOf(const Op& op, const State& before, const State& after) {
    Keys k;
    auto collect = [](auto& into, const auto& a, const auto& b) {
        for (const auto& [name, v] : a)
            into.insert(name);
        for (const auto& [name, v] : b)
            into.insert(name);
    };
    collect(k.comps, before.comps, after.comps);
    collect(k.ess, before.ess, after.ess);
    collect(k.nodes, before.nodes, after.nodes);
    collect(k.starts, before.starts, after.starts);
    if (op.kind == OpKind::IncrementStartCount)
        k.starts.insert(op.name + "#" + std::to_string(op.version));
    return k;
}

std::string diffStates(const State& expected, const State& actual) {
    std::ostringstream out;
    diffMaps(out, "component", expected.comps, actual.comps);
    diffMaps(out, "event source", expected.ess, actual.ess);
    diffMaps(out, "node", expected.nodes, actual.nodes);
    diffMaps(out, "start count", expected.starts, actual.starts);
    return out.str();
}

// ---- generator ----

Generator::Generator(std::uint64_t seed, int worker, bool apiLevel)
    : rng_(seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(worker) * 0xBF58476D1CE4E5B9ULL + 1),
      api_(apiLevel), prefix_("w" + std::to_string(worker)) {}

std::string Generator::compName() {
    const int i = pick(9);
    if (!api_ && i == 6)
        return prefix_ + "-c%_" + std::to_string(pick(2)); // LIKE metacharacters, literal
    if (!api_ && i == 7)
        return prefix_ + "-c\xC3\xBC" + std::to_string(pick(2)); // non-ASCII name
    if (!api_ && i == 8)
        return prefix_ + "-c\xF0\x9F\x98\x80"; // outside the BMP (4-byte UTF-8)
    if (i >= 6)
        return prefix_ + "-c" + std::to_string(pick(6));
    return prefix_ + "-c" + std::to_string(i);
}

std::string Generator::esName() { return prefix_ + "-e" + std::to_string(pick(8)); }

std::string Generator::text() { return kTexts[static_cast<std::size_t>(pick(static_cast<int>(kTexts.size())))]; }

std::int64_t Generator::versionFor(std::int64_t stored, bool exists) {
    if (chance(0.8))
        return exists ? stored : 0;
    switch (pick(3)) {
    case 0:
        return exists ? 0 : 1;
    case 1:
        return stored + 1;
    default:
        return exists ? stored - 1 : 7;
    }
}

Op Generator::projectChanges(const State& state) {
    Op op;
    op.kind = OpKind::ApplyProjectChanges;
    const std::string project = prefix_ + "p" + std::to_string(pick(2));
    const int removes = pick(3);
    for (int i = 0; i < removes; ++i)
        op.removeComps.push_back(compName());
    if (chance(0.3))
        op.removeEss.push_back(esName());
    const int puts = 1 + pick(3);
    std::set<std::string> seen;
    for (int i = 0; i < puts; ++i) {
        const std::string name = compName();
        if (!seen.insert(name).second)
            continue;
        const auto it = state.comps.find(name);
        // Versions are drawn against the state before the removes: a removed-then-put name wants 0.
        const bool removed = std::find(op.removeComps.begin(), op.removeComps.end(), name) != op.removeComps.end();
        const bool exists = it != state.comps.end() && !removed;
        op.putComps.emplace_back(name, Comp{project, text(), versionFor(exists ? it->second.version : 0, exists)});
    }
    if (chance(0.6)) {
        const std::string name = esName();
        const auto it = state.ess.find(name);
        const bool exists = it != state.ess.end();
        op.putEss.emplace_back(name, Es{op.putComps.front().first, project, "h" + std::to_string(pick(4)) + ".test",
                                        versionFor(exists ? it->second.version : 0, exists), true});
    }
    return op;
}

Op Generator::putProject() {
    Op op;
    op.kind = OpKind::PutProject;
    op.name = prefix_ + "p" + std::to_string(pick(2));
    const int n = 1 + pick(3);
    std::set<int> used;
    for (int i = 0; i < n; ++i) {
        const int c = pick(4);
        if (!used.insert(c).second)
            continue;
        ProjectEntry entry{"c" + std::to_string(c), text(), "", ""};
        if (chance(0.7)) {
            entry.source = "e" + std::to_string(c);
            entry.host = "h" + std::to_string(pick(3)) + ".test";
        }
        op.entries.push_back(entry);
    }
    if (chance(0.05)) {
        op.entries.push_back(op.entries.front()); // a component named twice: refused, nothing written
        op.invalid = true;
    }
    return op;
}

Op Generator::next(const State& state) {
    struct Weight {
        OpKind kind;
        int weight;
    };
    static const std::vector<Weight> dbWeights = {
        {OpKind::PutComponent, 16},     {OpKind::GetComponent, 8},        {OpKind::RemoveComponent, 5},
        {OpKind::ListComponents, 6},    {OpKind::PutEventSource, 12},     {OpKind::GetEventSource, 5},
        {OpKind::RemoveEventSource, 4}, {OpKind::ListEventSources, 6},    {OpKind::ToggleEventSources, 4},
        {OpKind::ListProjects, 3},      {OpKind::ApplyProjectChanges, 5}, {OpKind::AcquireRole, 6},
        {OpKind::ReleaseRole, 2},       {OpKind::RoleHolder, 3},          {OpKind::PutNodeStatus, 3},
        {OpKind::RemoveNodeStatus, 2},  {OpKind::ListNodeStatus, 2},      {OpKind::IncrementStartCount, 3},
        {OpKind::StartCount, 2}};
    static const std::vector<Weight> apiWeights = {
        {OpKind::PutComponent, 18},     {OpKind::GetComponent, 8},     {OpKind::RemoveComponent, 5},
        {OpKind::ListComponents, 6},    {OpKind::PutEventSource, 12},  {OpKind::GetEventSource, 5},
        {OpKind::RemoveEventSource, 4}, {OpKind::ListEventSources, 6}, {OpKind::ToggleEventSources, 4},
        {OpKind::ListProjects, 3},      {OpKind::PutProject, 6},       {OpKind::GetProject, 3},
        {OpKind::RemoveProject, 2}};
    const auto& weights = api_ ? apiWeights : dbWeights;
    int total = 0;
    for (const auto& w : weights)
        total += w.weight;
    int roll = pick(total);
    OpKind kind = weights.front().kind;
    for (const auto& w : weights) {
        if (roll < w.weight) {
            kind = w.kind;
            break;
        }
        roll -= w.weight;
    }

    Op op;
    op.kind = kind;
    switch (kind) {
    case OpKind::PutComponent: {
        op.name = compName();
        const auto it = state.comps.find(op.name);
        const bool exists = it != state.comps.end();
        op.version = versionFor(exists ? it->second.version : 0, exists);
        op.value = text();
        if (!api_)
            op.project = chance(0.5) ? "" : prefix_ + "p" + std::to_string(pick(2));
        if (api_ && chance(0.04)) {
            op.name = prefix_ + "-Bad Name!"; // lowercased, still not a valid name
            op.invalid = true;
        }
        break;
    }
    case OpKind::GetComponent:
    case OpKind::RemoveComponent:
        op.name = compName();
        break;
    case OpKind::ListComponents: {
        static const char* tails[] = {"", "-", "-c", "-c1", "-c%", "p"};
        op.name = prefix_ + tails[pick(api_ ? 4 : 6)];
        op.limit = 1 + pick(5);
        if (chance(0.3))
            op.project = prefix_ + "p" + std::to_string(pick(2));
        break;
    }
    case OpKind::PutEventSource: {
        op.name = esName();
        const auto it = state.ess.find(op.name);
        const bool exists = it != state.ess.end();
        op.version = versionFor(exists ? it->second.version : 0, exists);
        // Mostly an existing component (the API requires one); an event source may move to another.
        if (exists && chance(0.7)) {
            op.component = it->second.component;
        } else {
            op.component = compName();
        }
        if (api_ && state.comps.count(op.component) && state.comps.at(op.component).project != "") {
            op.component = prefix_ + "-c0"; // API-level event sources stay on standalone components
        }
        op.value = "h" + std::to_string(pick(4)) + ".test";
        if (!api_) {
            const auto comp = state.comps.find(op.component);
            op.project = comp != state.comps.end() ? comp->second.project : "";
            if (chance(0.03))
                op.invalid = true; // no sub-type at all: invalid input
        }
        break;
    }
    case OpKind::GetEventSource:
    case OpKind::RemoveEventSource:
        op.name = esName();
        break;
    case OpKind::ListEventSources:
        op.name = prefix_ + (chance(0.5) ? "" : "-e");
        op.limit = 1 + pick(5);
        if (chance(0.3))
            op.component = compName();
        if (!api_ && chance(0.3))
            op.enabledFilter = chance(0.5);
        break;
    case OpKind::ToggleEventSources:
        op.name = prefix_;
        op.enabled = chance(0.5);
        if (chance(0.6))
            op.component = compName();
        break;
    case OpKind::ListProjects:
        op.name = prefix_ + (chance(0.5) ? "p" : "p1");
        break;
    case OpKind::ApplyProjectChanges:
        return projectChanges(state);
    case OpKind::PutProject:
        return putProject();
    case OpKind::GetProject:
    case OpKind::RemoveProject:
        op.name = prefix_ + "p" + std::to_string(pick(2));
        break;
    case OpKind::AcquireRole:
    case OpKind::ReleaseRole:
        op.name = prefix_ + "-r" + std::to_string(pick(3));
        op.node = prefix_ + "-n" + std::to_string(pick(3));
        op.version = chance(0.5) ? 40 : 60000;
        break;
    case OpKind::RoleHolder:
        op.name = prefix_ + "-r" + std::to_string(pick(3));
        break;
    case OpKind::PutNodeStatus:
        op.name = prefix_ + "-n" + std::to_string(pick(3));
        op.version = 1700000000000 + pick(1000000);
        op.value = "http://127.0.0.1:" + std::to_string(1000 + pick(60000)) + "/" + text();
        break;
    case OpKind::RemoveNodeStatus:
        op.name = prefix_ + "-n" + std::to_string(pick(3));
        break;
    case OpKind::ListNodeStatus:
        op.name = prefix_ + "-n";
        break;
    case OpKind::IncrementStartCount:
    case OpKind::StartCount:
        op.name = compName();
        op.version = 1 + pick(2);
        break;
    }
    return op;
}

} // namespace maelstrom::testing::model
