// json_codec.cpp — the model JSON codec: one field list per model type (describe()) drives the text writer,
// the Var writer and the readers, so they cannot disagree on a key, an omission rule or a required flag.
// The rest of the codec lives beside it by job: codec/text_parser (JSON text → a node tree), codec/stringify
// (any Var → text), codec/json_value (what they share); UTF-8 and string literals are the SDK's utf8.h and
// json_string.h.
// SPDX-License-Identifier: Apache-2.0
//
// Two inputs, one set of decoding rules: FieldReader<Members> reads an object's fields either from a Poco
// object (fromVar, for the core's RPC layer) or from the tree of the codec's own text parser (fromJson).
//
// Performance notes (listing 10,000 event sources, decoding included, must stay well under 100 ms):
// fromJson never builds Poco objects (Poco's parser and its map-of-Var objects cost ~6x the whole decode);
// the text parser keeps strings as views of the input unless they hold escapes; Poco objects are indexed
// once as sorted (string_view, Var*) pairs instead of calling Object::get() (which copies the Var) per
// field; error paths are a chain of stack nodes rendered only when an error is thrown; toJson writes text
// directly instead of building and stringifying a Var tree.
#include <maelstrom/sdk/poco/json_codec.h>

#include "codec/json_value.h"
#include "codec/text_parser.h"

#include <maelstrom/sdk/json.h>
#include <maelstrom/sdk/json_string.h>

#include <Poco/Dynamic/Struct.h>
#include <Poco/Exception.h>

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <concepts>
#include <iterator>
#include <limits>
#include <optional>

namespace maelstrom::sdk::json::codec {

namespace {

using namespace detail;

void appendString(std::string& out, std::string_view s) { appendJsonString(out, s, JsonStringStyle::Compact); }

/// The model encoders write a non-finite float as 0 so that a required float stays a number for clients.
double finiteOrZero(double value) { return std::isfinite(value) ? value : 0.0; }

// ---------------------------------------------------------------------------------------------------------
// Error paths: a chain of nodes on the stack, rendered only when an error is thrown.

struct PathNode {
    const PathNode* parent = nullptr;
    std::string_view key; ///< the caller's root name, or a member key
    std::size_t index = 0;
    bool isIndex = false;
};

void renderPath(const PathNode& node, std::string& out) {
    if (node.parent == nullptr) {
        out.append(node.key);
        return;
    }
    renderPath(*node.parent, out);
    if (node.isIndex) {
        out.push_back('[');
        appendInteger(out, node.index);
        out.push_back(']');
    } else {
        if (!out.empty()) {
            out.push_back('.');
        }
        out.append(node.key);
    }
}

[[noreturn]] void fail(const PathNode& at, const std::string& message) {
    std::string path;
    renderPath(at, path);
    throw JsonError(std::move(path), message);
}

[[noreturn]] void failType(const PathNode& at, const char* expected, const Var& got) {
    fail(at, std::string("expected ") + expected + ", got " + kindName(kindOf(got)));
}

// ---------------------------------------------------------------------------------------------------------
// Members of a parsed object, sorted by key (std::map order), looked up without copying anything.

using MemberIndex = boost::container::small_vector<std::pair<std::string_view, const Var*>, 40>;

template <class Index>
void indexMembers(const Object& object, Index& index) {
    index.reserve(object.size());
    for (auto it = object.begin(); it != object.end(); ++it) {
        index.emplace_back(it->first, &it->second);
    }
}

template <class Index>
const Var* lookupMember(const Index& index, std::string_view key) noexcept {
    const auto it = std::lower_bound(index.begin(), index.end(), key,
                                     [](const auto& member, std::string_view k) { return member.first < k; });
    return it != index.end() && it->first == key ? it->second : nullptr;
}

// ---------------------------------------------------------------------------------------------------------
// Field lists. Each describe() names every wire field of one type, in the reference's order, with its
// presence rule; the visitors below give it meaning (write text, build a Var, read a Var or parsed text).

enum class Need { Optional, Required };
constexpr Need kReq = Need::Required;
constexpr Need kOpt = Need::Optional;

/// A string field restricted to `values`.
template <class S>
struct EnumRef {
    S& value;
    std::span<const char* const> values;
};
template <class S>
EnumRef<S> enumRef(S& value, std::span<const char* const> values) {
    return {value, values};
}

template <class T, class U>
concept Is = std::same_as<std::remove_const_t<T>, U>;

template <class V, Is<NameValue> T>
void describe(V& v, T& x) {
    v("name", x.name, kReq);
    v("value", x.value, kReq);
}

template <class V, Is<VolumeMount> T>
void describe(V& v, T& x) {
    v("type", x.type, kOpt);
    v("source", x.source, kReq);
    v("target", x.target, kReq);
    v("readOnly", x.readOnly, kOpt);
}

template <class V, Is<DockerComponent> T>
void describe(V& v, T& x) {
    v("image", x.image, kReq);
    v("command", x.command, kOpt);
    v("entrypoint", x.entrypoint, kOpt);
    v("httpPort", x.httpPort, kReq);
    v("httpHealthCheckPath", x.httpHealthCheckPath, kReq);
    v("httpStartHealthCheckSeconds", x.httpStartHealthCheckSeconds, kOpt);
    v("httpHealthCheckSeconds", x.httpHealthCheckSeconds, kOpt);
    v("httpHealthCheckMaxFailures", x.httpHealthCheckMaxFailures, kOpt);
    v("healthCheckFailedCommand", x.healthCheckFailedCommand, kOpt);
    v("idleTimeoutSeconds", x.idleTimeoutSeconds, kOpt);
    v("idlePause", x.idlePause, kOpt);
    v("pausedTimeoutSeconds", x.pausedTimeoutSeconds, kOpt);
    v("ports", x.ports, kOpt);
    v("volumes", x.volumes, kOpt);
    v("networkName", x.networkName, kOpt);
    v("logDriver", x.logDriver, kOpt);
    v("logDriverOptions", x.logDriverOptions, kOpt);
    v("cpuShares", x.cpuShares, kOpt);
    v("reserveMemoryMiB", x.reserveMemoryMiB, kOpt);
    v("limitMemoryMiB", x.limitMemoryMiB, kOpt);
    v("pullCommand", x.pullCommand, kOpt);
    v("pullUsername", x.pullUsername, kOpt);
    v("pullPassword", x.pullPassword, kOpt);
    v("pullImageOnPut", x.pullImageOnPut, kOpt);
    v("pullImageOnStart", x.pullImageOnStart, kOpt);
    v("dns", x.dns, kOpt);
    v("dnsOptions", x.dnsOptions, kOpt);
    v("dnsSearch", x.dnsSearch, kOpt);
    v("ulimits", x.ulimits, kOpt);
    v("init", x.init, kOpt);
    v("hostname", x.hostname, kOpt);
    v("domainname", x.domainname, kOpt);
    v("user", x.user, kOpt);
    v("capadd", x.capadd, kOpt);
    v("capdrop", x.capdrop, kOpt);
}

template <class V, Is<Component> T>
void describe(V& v, T& x) {
    v("name", x.name, kReq);
    v("projectName", x.projectName, kOpt);
    v("environment", x.environment, kReq);
    v("minInstances", x.minInstances, kOpt);
    v("maxInstances", x.maxInstances, kOpt);
    v("maxInstancesPerNode", x.maxInstancesPerNode, kOpt);
    v("maxConcurrency", x.maxConcurrency, kReq);
    v("softConcurrencyLimit", x.softConcurrencyLimit, kOpt);
    v("scaleUpConcurrencyPct", x.scaleUpConcurrencyPct, kOpt);
    v("scaleDownConcurrencyPct", x.scaleDownConcurrencyPct, kOpt);
    v("maxDurationSeconds", x.maxDurationSeconds, kOpt);
    v("startParallelism", enumRef(x.startParallelism, kStartParallelismValues), kOpt);
    v("RestartOrder", enumRef(x.restartOrder, kRestartOrderValues), kOpt); // capital R, as the reference
    v("version", x.version, kReq);
    v("modifiedAt", x.modifiedAt, kOpt);
    v("docker", x.docker, kOpt);
}

template <class V, Is<HttpEventSource> T>
void describe(V& v, T& x) {
    v("hostname", x.hostname, kOpt);
    v("pathPrefix", x.pathPrefix, kOpt);
    v("stripPrefix", x.stripPrefix, kOpt);
}

template <class V, Is<CronHttpRequest> T>
void describe(V& v, T& x) {
    v("method", x.method, kReq);
    v("path", x.path, kReq);
    v("data", x.data, kOpt);
    v("headers", x.headers, kOpt);
}

template <class V, Is<CronEventSource> T>
void describe(V& v, T& x) {
    v("schedule", x.schedule, kReq);
    v("http", x.http, kReq);
}

template <class V, Is<SqsEventSource> T>
void describe(V& v, T& x) {
    v("queueName", x.queueName, kReq);
    v("nameAsPrefix", x.nameAsPrefix, kOpt);
    v("path", x.path, kReq);
    v("maxConcurrency", x.maxConcurrency, kOpt);
    v("messagesPerPoll", x.messagesPerPoll, kOpt);
    v("concurrencyPerPoller", x.concurrencyPerPoller, kOpt);
    v("visibilityTimeout", x.visibilityTimeout, kOpt);
}

template <class V, Is<AwsStepFunctionEventSource> T>
void describe(V& v, T& x) {
    v("activityName", x.activityName, kReq);
    v("path", x.path, kReq);
    v("maxConcurrency", x.maxConcurrency, kOpt);
    v("concurrencyPerPoller", x.concurrencyPerPoller, kOpt);
}

template <class V, Is<EventSource> T>
void describe(V& v, T& x) {
    v("name", x.name, kReq);
    v("componentName", x.componentName, kReq);
    v("projectName", x.projectName, kOpt);
    v("version", x.version, kReq);
    v("modifiedAt", x.modifiedAt, kReq);
    v("http", x.http, kOpt);
    v("cron", x.cron, kOpt);
    v("sqs", x.sqs, kOpt);
    v("awsstepfunc", x.awsstepfunc, kOpt);
}

template <class V, Is<EventSourceWithStatus> T>
void describe(V& v, T& x) {
    v("eventSource", x.eventSource, kReq);
    v("enabled", x.enabled, kReq);
}

template <class V, Is<ComponentWithEventSources> T>
void describe(V& v, T& x) {
    v("component", x.component, kReq);
    v("eventSources", x.eventSources, kReq);
}

template <class V, Is<Project> T>
void describe(V& v, T& x) {
    v("name", x.name, kReq);
    v("components", x.components, kReq);
}

template <class V, Is<ProjectInfo> T>
void describe(V& v, T& x) {
    v("projectName", x.projectName, kReq);
    v("componentCount", x.componentCount, kReq);
    v("eventSourceCount", x.eventSourceCount, kReq);
}

template <class V, Is<ComponentActivity> T>
void describe(V& v, T& x) {
    v("requests", x.requests, kReq);
    v("concurrency", x.concurrency, kReq);
}

template <class V, Is<ComponentInfo> T>
void describe(V& v, T& x) {
    v("componentName", x.componentName, kReq);
    v("componentVersion", x.componentVersion, kReq);
    v("status", enumRef(x.status, kComponentStatusValues), kReq);
    v("maxConcurrency", x.maxConcurrency, kReq);
    v("memoryReservedMiB", x.memoryReservedMiB, kReq);
    v("startTime", x.startTime, kReq);
    v("lastRequestTime", x.lastRequestTime, kReq);
    v("totalRequests", x.totalRequests, kReq);
    v("activity", x.activity, kReq);
    v("paused", x.paused, kOpt);
    v("recentConcurrency", x.recentConcurrency, kOpt);
    v("peakConcurrency", x.peakConcurrency, kOpt);
}

template <class V, Is<NodeStatus> T>
void describe(V& v, T& x) {
    v("nodeId", x.nodeId, kReq);
    v("startedAt", x.startedAt, kReq);
    v("observedAt", x.observedAt, kReq);
    v("version", x.version, kReq);
    v("peerUrl", x.peerUrl, kReq);
    v("totalMemoryMiB", x.totalMemoryMiB, kReq);
    v("freeMemoryMiB", x.freeMemoryMiB, kReq);
    v("numCPUs", x.numCPUs, kReq);
    v("loadAvg1m", x.loadAvg1m, kReq);
    v("loadAvg5m", x.loadAvg5m, kReq);
    v("loadAvg15m", x.loadAvg15m, kReq);
    v("runningComponents", x.runningComponents, kReq);
}

/// The struct types that have a describe() (encoded as JSON objects).
template <class T>
struct IsModelType : std::false_type {};
#define MAELSTROM_MODEL_TYPE(T, rootName)                                                                              \
    template <>                                                                                                        \
    struct IsModelType<T> : std::true_type {};
MAELSTROM_SDK_MODEL_TYPES(MAELSTROM_MODEL_TYPE)
#undef MAELSTROM_MODEL_TYPE

template <class T>
concept Model = IsModelType<std::remove_const_t<T>>::value;

// ---------------------------------------------------------------------------------------------------------
// Text writer

template <Model T>
void writeObject(std::string& out, const T& value);

class TextWriter {
public:
    explicit TextWriter(std::string& out) : out_(out) {}

    void operator()(const char* name, const std::string& v, Need need) {
        if (need == kOpt && v.empty())
            return;
        key(name);
        appendString(out_, v);
    }
    void operator()(const char* name, const std::int64_t& v, Need need) {
        if (need == kOpt && v == 0)
            return;
        key(name);
        appendInteger(out_, v);
    }
    void operator()(const char* name, const double& v, Need need) {
        if (need == kOpt && finiteOrZero(v) == 0)
            return; // non-finite values count as 0
        key(name);
        appendDouble(out_, finiteOrZero(v));
    }
    void operator()(const char* name, const bool& v, Need need) {
        if (need == kOpt && !v)
            return;
        key(name);
        out_.append(v ? "true" : "false");
    }
    void operator()(const char* name, const EnumRef<const std::string>& v, Need need) { (*this)(name, v.value, need); }
    void operator()(const char* name, const std::vector<std::string>& v, Need need) {
        if (need == kOpt && v.empty())
            return;
        key(name);
        out_.push_back('[');
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i)
                out_.push_back(',');
            appendString(out_, v[i]);
        }
        out_.push_back(']');
    }
    template <Model T>
    void operator()(const char* name, const std::vector<T>& v, Need need) {
        if (need == kOpt && v.empty())
            return;
        key(name);
        out_.push_back('[');
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i)
                out_.push_back(',');
            writeObject(out_, v[i]);
        }
        out_.push_back(']');
    }
    template <Model T>
    void operator()(const char* name, const T& v, Need) {
        key(name);
        writeObject(out_, v);
    }
    template <Model T>
    void operator()(const char* name, const std::optional<T>& v, Need) {
        if (!v)
            return;
        key(name);
        writeObject(out_, *v);
    }

private:
    void key(const char* name) { // keys are ASCII identifiers: no escaping needed
        if (!first_)
            out_.push_back(',');
        first_ = false;
        out_.push_back('"');
        out_.append(name);
        out_.append("\":");
    }

    std::string& out_;
    bool first_ = true;
};

template <Model T>
void writeObject(std::string& out, const T& value) {
    out.push_back('{');
    TextWriter writer(out);
    describe(writer, value);
    out.push_back('}');
}

// ---------------------------------------------------------------------------------------------------------
// Var writer

template <Model T>
Var buildVar(const T& value);

class VarWriter {
public:
    explicit VarWriter(Object& object) : object_(object) {}

    void operator()(const char* name, const std::string& v, Need need) {
        if (need == kOpt && v.empty())
            return;
        object_.set(name, v);
    }
    void operator()(const char* name, const std::int64_t& v, Need need) {
        if (need == kOpt && v == 0)
            return;
        object_.set(name, static_cast<Poco::Int64>(v));
    }
    void operator()(const char* name, const double& v, Need need) {
        if (need == kOpt && finiteOrZero(v) == 0)
            return;
        object_.set(name, finiteOrZero(v));
    }
    void operator()(const char* name, const bool& v, Need need) {
        if (need == kOpt && !v)
            return;
        object_.set(name, v);
    }
    void operator()(const char* name, const EnumRef<const std::string>& v, Need need) { (*this)(name, v.value, need); }
    void operator()(const char* name, const std::vector<std::string>& v, Need need) {
        if (need == kOpt && v.empty())
            return;
        object_.set(name, toVarArray(v));
    }
    template <Model T>
    void operator()(const char* name, const std::vector<T>& v, Need need) {
        if (need == kOpt && v.empty())
            return;
        Array::Ptr array = new Array();
        for (const auto& item : v) {
            array->add(buildVar(item));
        }
        object_.set(name, array);
    }
    template <Model T>
    void operator()(const char* name, const T& v, Need) {
        object_.set(name, buildVar(v));
    }
    template <Model T>
    void operator()(const char* name, const std::optional<T>& v, Need) {
        if (v)
            object_.set(name, buildVar(*v));
    }

private:
    Object& object_;
};

template <Model T>
Var buildVar(const T& value) {
    Object::Ptr object = new Object();
    VarWriter writer(*object);
    describe(writer, value);
    return object;
}

// ---------------------------------------------------------------------------------------------------------
// Readers: scalar rules shared by both inputs (a Var, or the text parser's tree below)

std::int64_t intFromDouble(double d, const PathNode& at) {
    if (!std::isfinite(d) || std::trunc(d) != d) {
        fail(at, "expected int, got non-integral number " + formatDouble(d));
    }
    // [-2^63, 2^63): both bounds are exact doubles.
    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
        fail(at, "expected int, got number " + formatDouble(d) + " (out of int64 range)");
    }
    return static_cast<std::int64_t>(d);
}

std::int64_t intFromUnsigned(Poco::UInt64 u, const PathNode& at) {
    if (u > static_cast<Poco::UInt64>(std::numeric_limits<std::int64_t>::max())) {
        std::string text;
        appendInteger(text, u);
        fail(at, "expected int, got number " + text + " (out of int64 range)");
    }
    return static_cast<std::int64_t>(u);
}

void readValue(const Var& v, std::string& out, const PathNode& at) {
    if (!v.isEmpty() && v.type() == typeid(std::string)) {
        out = v.extract<std::string>();
    } else if (kindOf(v) == Kind::String) {
        out = v.convert<std::string>();
    } else {
        failType(at, "string", v);
    }
}

void readValue(const Var& v, std::int64_t& out, const PathNode& at) {
    switch (kindOf(v)) {
    case Kind::Int:
        out = v.type() == typeid(Poco::Int64) ? v.extract<Poco::Int64>() : v.convert<Poco::Int64>();
        return;
    case Kind::UInt:
        out = intFromUnsigned(v.convert<Poco::UInt64>(), at);
        return;
    case Kind::Float:
        out = intFromDouble(v.type() == typeid(double) ? v.extract<double>() : v.convert<double>(), at);
        return;
    default:
        failType(at, "int", v);
    }
}

void readValue(const Var& v, double& out, const PathNode& at) {
    switch (kindOf(v)) {
    case Kind::Float:
        out = v.type() == typeid(double) ? v.extract<double>() : v.convert<double>();
        return;
    case Kind::Int:
        out = static_cast<double>(v.convert<Poco::Int64>());
        return;
    case Kind::UInt:
        out = static_cast<double>(v.convert<Poco::UInt64>());
        return;
    default:
        failType(at, "float", v);
    }
}

void readValue(const Var& v, bool& out, const PathNode& at) {
    if (kindOf(v) != Kind::Bool) {
        failType(at, "bool", v);
    }
    out = v.type() == typeid(bool) ? v.extract<bool>() : v.convert<bool>();
}

void checkEnum(const std::string& value, std::span<const char* const> values, const PathNode& at) {
    for (const char* allowed : values) {
        if (value == allowed) {
            return;
        }
    }
    std::string shown = value.size() > 100 ? value.substr(0, 100) + "..." : value;
    std::string message = "value '" + shown + "' not in enum values: ";
    for (std::size_t i = 0; i < values.size(); ++i) {
        message += (i ? ", '" : "'") + std::string(values[i]) + "'";
    }
    fail(at, message);
}

[[noreturn]] void failType(const PathNode& at, const char* expected, const JNode& got) {
    fail(at, std::string("expected ") + expected + ", got " + kindName(got.kind));
}

void readValue(const JNode& v, std::string& out, const PathNode& at) {
    if (v.kind != Kind::String) {
        failType(at, "string", v);
    }
    out.assign(v.text);
}

void readValue(const JNode& v, std::int64_t& out, const PathNode& at) {
    switch (v.kind) {
    case Kind::Int:
        out = v.integer;
        return;
    case Kind::UInt:
        out = intFromUnsigned(v.unsignedInteger, at);
        return;
    case Kind::Float:
        out = intFromDouble(v.number, at);
        return;
    default:
        failType(at, "int", v);
    }
}

void readValue(const JNode& v, double& out, const PathNode& at) {
    switch (v.kind) {
    case Kind::Float:
        out = v.number;
        return;
    case Kind::Int:
        out = static_cast<double>(v.integer);
        return;
    case Kind::UInt:
        out = static_cast<double>(v.unsignedInteger);
        return;
    default:
        failType(at, "float", v);
    }
}

void readValue(const JNode& v, bool& out, const PathNode& at) {
    if (v.kind != Kind::Bool) {
        failType(at, "bool", v);
    }
    out = v.boolean;
}

template <Model T>
void readValue(const Var& v, T& out, const PathNode& at);
template <Model T>
void readValue(const JNode& v, T& out, const PathNode& at);

template <class Node, class T>
void readValue(const Node& v, std::vector<T>& out, const PathNode& at) {
    const auto items = arrayOf(v);
    if (!items) {
        failType(at, "array", v);
    }
    out.clear();
    out.resize(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) {
        const PathNode node{&at, {}, i, true};
        readValue((*items)[i], out[i], node);
    }
}

/// Members of a Poco object, indexed once (sorted by key) so that each field lookup copies nothing.
class VarMembers {
public:
    explicit VarMembers(const Object& object) { indexMembers(object, index_); }
    const Var* find(std::string_view key) const noexcept { return lookupMember(index_, key); }

private:
    MemberIndex index_;
};

/// Members of a parsed-text object: already sorted by key; among duplicates the last one counts.
class NodeMembers {
public:
    explicit NodeMembers(const JNode& object) : members_(object.children, object.count) {}
    const JNode* find(std::string_view key) const noexcept {
        const auto it = std::upper_bound(members_.begin(), members_.end(), key,
                                         [](std::string_view k, const JNode& m) { return k < m.key; });
        return it != members_.begin() && std::prev(it)->key == key ? &*std::prev(it) : nullptr;
    }

private:
    std::span<const JNode> members_;
};

/// The visitor that decodes one object's fields (see describe()) from its members.
template <class Members>
class FieldReader {
public:
    FieldReader(const Members& members, const PathNode& path) : members_(members), path_(path) {}

    template <class F>
    void operator()(const char* name, F& field, Need need) {
        const PathNode node{&path_, name};
        if (const auto* v = member(node, need)) {
            readValue(*v, field, node);
        }
    }
    template <Model T>
    void operator()(const char* name, std::optional<T>& field, Need need) {
        const PathNode node{&path_, name};
        if (const auto* v = member(node, need)) {
            field.emplace();
            readValue(*v, *field, node);
        }
    }
    void operator()(const char* name, EnumRef<std::string> field, Need need) {
        const PathNode node{&path_, name};
        if (const auto* v = member(node, need)) {
            readValue(*v, field.value, node);
            checkEnum(field.value, field.values, node);
        }
    }

private:
    /// The member named by `node`, or nullptr when it is absent or null (an error when required).
    auto member(const PathNode& node, Need need) const {
        const auto* v = members_.find(node.key);
        if (v != nullptr && kindOf(*v) != Kind::Null) {
            return v;
        }
        if (need == kReq) {
            fail(node, v == nullptr ? "is required" : "is required, got null");
        }
        return decltype(v)(nullptr);
    }

    const Members& members_;
    const PathNode& path_;
};

template <Model T>
void readValue(const Var& v, T& out, const PathNode& at) {
    const Object* object = objectOf(v);
    if (object == nullptr) {
        failType(at, "object", v);
    }
    const VarMembers members(*object);
    FieldReader<VarMembers> reader(members, at);
    describe(reader, out);
}

template <Model T>
void readValue(const JNode& v, T& out, const PathNode& at) {
    if (v.kind != Kind::Object) {
        failType(at, "object", v);
    }
    const NodeMembers members(v);
    FieldReader<NodeMembers> reader(members, at);
    describe(reader, out);
}

template <class Node, Model T>
void decodeRoot(const Node& value, T& out, const std::string& path) {
    const PathNode root{nullptr, path};
    T decoded{};
    readValue(value, decoded, root);
    out = std::move(decoded);
}

} // namespace

// ---------------------------------------------------------------------------------------------------------
// Public internal API

#define MAELSTROM_CODEC_TYPE(T, rootName)                                                                              \
    Poco::Dynamic::Var toVar(const T& v) { return buildVar(v); }                                                       \
    void writeJson(std::string& out, const T& v) { writeObject(out, v); }                                              \
    void fromVar(const Poco::Dynamic::Var& value, T& out, const std::string& path) { decodeRoot(value, out, path); }
MAELSTROM_SDK_MODEL_TYPES(MAELSTROM_CODEC_TYPE)
#undef MAELSTROM_CODEC_TYPE

namespace {
/// Text → model without building Poco objects (what json::fromJson does).
template <Model T>
void decodeText(std::string_view text, T& out, const std::string& path) {
    const ParsedText doc(text, kDefaultMaxDepth);
    decodeRoot(doc.root(), out, path);
}
} // namespace

// ---- ObjectReader

ObjectReader::ObjectReader(const Poco::Dynamic::Var& value, std::string path) : path_(std::move(path)) {
    const Object* object = objectOf(value);
    if (object == nullptr) {
        throw JsonError(path_, std::string("expected object, got ") + kindName(kindOf(value)));
    }
    indexMembers(*object, members_);
}

std::string ObjectReader::childPath(std::string_view key) const {
    std::string out = path_;
    if (!out.empty())
        out.push_back('.');
    out.append(key);
    return out;
}

const Poco::Dynamic::Var* ObjectReader::find(std::string_view key) const noexcept {
    const Var* v = lookupMember(members_, key);
    return v != nullptr && kindOf(*v) != Kind::Null ? v : nullptr;
}

const Poco::Dynamic::Var& ObjectReader::require(std::string_view key) const {
    const Var* v = lookupMember(members_, key);
    if (v == nullptr) {
        throw JsonError(childPath(key), "is required");
    }
    if (kindOf(*v) == Kind::Null) {
        throw JsonError(childPath(key), "is required, got null");
    }
    return *v;
}

namespace {
template <class T>
T readMember(const ObjectReader& reader, std::string_view key, bool required) {
    T out{};
    const Var* v = required ? &reader.require(key) : reader.find(key);
    if (v != nullptr) {
        const PathNode root{nullptr, reader.path()};
        const PathNode node{&root, key};
        readValue(*v, out, node);
    }
    return out;
}
} // namespace

std::string ObjectReader::getString(std::string_view key, bool required) const {
    return readMember<std::string>(*this, key, required);
}
std::int64_t ObjectReader::getInt(std::string_view key, bool required) const {
    return readMember<std::int64_t>(*this, key, required);
}
double ObjectReader::getFloat(std::string_view key, bool required) const {
    return readMember<double>(*this, key, required);
}
bool ObjectReader::getBool(std::string_view key, bool required) const { return readMember<bool>(*this, key, required); }
std::vector<std::string> ObjectReader::getStringList(std::string_view key, bool required) const {
    return readMember<std::vector<std::string>>(*this, key, required);
}
std::string ObjectReader::getEnum(std::string_view key, std::span<const char* const> values, bool required) const {
    const Var* v = required ? &require(key) : find(key);
    if (v == nullptr) {
        return {};
    }
    const PathNode root{nullptr, path_};
    const PathNode node{&root, key};
    std::string out;
    readValue(*v, out, node);
    checkEnum(out, values, node);
    return out;
}

} // namespace maelstrom::sdk::json::codec

// ---------------------------------------------------------------------------------------------------------
// json.h: thin wrappers over the codec

namespace maelstrom::sdk::json {

#define MAELSTROM_JSON_FUNCTIONS(T, rootName)                                                                          \
    std::string toJson(const T& v) {                                                                                   \
        std::string out;                                                                                               \
        out.reserve(256);                                                                                              \
        codec::writeJson(out, v);                                                                                      \
        return out;                                                                                                    \
    }                                                                                                                  \
    void fromJson(std::string_view text, T& out, const std::string& path) { codec::decodeText(text, out, path); }
MAELSTROM_SDK_MODEL_TYPES(MAELSTROM_JSON_FUNCTIONS)
#undef MAELSTROM_JSON_FUNCTIONS

} // namespace maelstrom::sdk::json
