// json_codec.cpp — the model JSON codec: one field list per model type (describe()) drives the text writer,
// the Var writer and the readers, so they cannot disagree on a key, an omission rule or a required flag.
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
#include "json_codec.h"

#include <maelstrom/sdk/json.h>

#include <Poco/Dynamic/Struct.h>
#include <Poco/Exception.h>

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstring>
#include <deque>
#include <iterator>
#include <limits>
#include <optional>

namespace maelstrom::sdk::json::codec {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// ---------------------------------------------------------------------------------------------------------
// UTF-8

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD"; // U+FFFD

/// Length of the well-formed UTF-8 sequence that starts at s[i] (RFC 3629: no overlong forms, no surrogates,
/// nothing above U+10FFFF), or 0 when the byte there does not start one.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) noexcept {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto isCont = [&](std::size_t k) { return (at(k) & 0xC0) == 0x80; };
    const unsigned char c = at(0);
    const std::size_t left = s.size() - i;
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        return left >= 2 && isCont(1) ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || !isCont(1) || !isCont(2)) {
            return 0;
        }
        if ((c == 0xE0 && at(1) < 0xA0) || (c == 0xED && at(1) > 0x9F)) {
            return 0; // overlong, or a UTF-16 surrogate
        }
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || !isCont(1) || !isCont(2) || !isCont(3)) {
            return 0;
        }
        if ((c == 0xF0 && at(1) < 0x90) || (c == 0xF4 && at(1) > 0x8F)) {
            return 0; // overlong, or above U+10FFFF
        }
        return 4;
    }
    return 0;
}

/// Offset of the first byte that is not part of well-formed UTF-8, or npos.
std::size_t firstInvalidUtf8(std::string_view s) noexcept {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        while (i + 8 <= n) { // ASCII fast path
            std::uint64_t word;
            std::memcpy(&word, s.data() + i, 8);
            if (word & 0x8080808080808080ULL) {
                break;
            }
            i += 8;
        }
        if (i >= n) {
            break;
        }
        const std::size_t len = utf8SequenceLength(s, i);
        if (len == 0) {
            return i;
        }
        i += len;
    }
    return std::string_view::npos;
}

/// Appends `s` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD (one per byte, as Go).
void appendRepairedUtf8(std::string& out, std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t len = utf8SequenceLength(s, i);
        if (len == 0) {
            out.append(kReplacementChar);
            ++i;
        } else {
            out.append(s.data() + i, len);
            i += len;
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Text output primitives

constexpr char kHexDigits[] = "0123456789abcdef";

void appendString(std::string& out, std::string_view s) {
    out.push_back('"');
    const char* p = s.data();
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const std::size_t start = i;
        while (i < n) {
            const auto c = static_cast<unsigned char>(p[i]);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
                break;
            }
            ++i;
        }
        out.append(p + start, i - start);
        if (i >= n) {
            break;
        }
        const auto c = static_cast<unsigned char>(p[i]);
        if (c >= 0x80) {
            const std::size_t len = utf8SequenceLength(s, i);
            if (len == 0) {
                out.append(kReplacementChar);
                ++i;
            } else {
                out.append(p + i, len);
                i += len;
            }
            continue;
        }
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
            out.append("\\u00");
            out.push_back(kHexDigits[c >> 4]);
            out.push_back(kHexDigits[c & 0xF]);
        }
        ++i;
    }
    out.push_back('"');
}

template <class Int>
void appendInteger(std::string& out, Int value) {
    char buf[24];
    const auto result = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, result.ptr);
}

/// Shortest text that reads back as the same double; JSON has no NaN/Infinity, so those become null.
void appendDouble(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out.append("null");
        return;
    }
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, result.ptr);
}

std::string formatDouble(double value) {
    std::string s;
    appendDouble(s, value);
    return s;
}

/// The model encoders write a non-finite float as 0 so that a required float stays a number for clients.
double finiteOrZero(double value) { return std::isfinite(value) ? value : 0.0; }

// ---------------------------------------------------------------------------------------------------------
// Var classification

enum class Kind { Null, Bool, String, Int, UInt, Float, Object, Array, Other };

Kind kindOf(const Var& v) {
    if (v.isEmpty()) {
        return Kind::Null;
    }
    const std::type_info& t = v.type();
    if (t == typeid(std::string)) return Kind::String;
    if (t == typeid(Poco::Int64)) return Kind::Int;
    if (t == typeid(double)) return Kind::Float;
    if (t == typeid(bool)) return Kind::Bool;
    if (t == typeid(Object::Ptr)) return v.extract<Object::Ptr>().isNull() ? Kind::Null : Kind::Object;
    if (t == typeid(Array::Ptr)) return v.extract<Array::Ptr>().isNull() ? Kind::Null : Kind::Array;
    if (t == typeid(Object)) return Kind::Object;
    if (t == typeid(Array) || t == typeid(std::vector<Var>)) return Kind::Array;
    if (t == typeid(Poco::UInt64)) return Kind::UInt;
    if (v.isBoolean()) return Kind::Bool;
    if (v.isInteger()) return v.isSigned() ? Kind::Int : Kind::UInt;
    if (v.isNumeric()) return Kind::Float;
    if (v.isString()) return Kind::String;
    return Kind::Other;
}

const char* kindName(Kind kind) noexcept {
    switch (kind) {
    case Kind::Null: return "null";
    case Kind::Bool: return "bool";
    case Kind::String: return "string";
    case Kind::Int:
    case Kind::UInt:
    case Kind::Float: return "number";
    case Kind::Object: return "object";
    case Kind::Array: return "array";
    case Kind::Other: break;
    }
    return "unsupported value";
}

const Object* objectOf(const Var& v) {
    if (v.isEmpty()) {
        return nullptr;
    }
    const std::type_info& t = v.type();
    if (t == typeid(Object::Ptr)) return v.extract<Object::Ptr>().get();
    if (t == typeid(Object)) return &v.extract<Object>();
    return nullptr;
}

std::optional<std::span<const Var>> arrayOf(const Var& v) {
    if (v.isEmpty()) {
        return std::nullopt;
    }
    const std::type_info& t = v.type();
    if (t == typeid(Array::Ptr)) {
        const Array* a = v.extract<Array::Ptr>().get();
        if (a == nullptr) return std::nullopt;
        return std::span<const Var>(a->begin(), a->end());
    }
    if (t == typeid(Array)) {
        const Array& a = v.extract<Array>();
        return std::span<const Var>(a.begin(), a.end());
    }
    if (t == typeid(std::vector<Var>)) {
        const auto& a = v.extract<std::vector<Var>>();
        return std::span<const Var>(a.begin(), a.end());
    }
    return std::nullopt;
}

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
#define MAELSTROM_MODEL_TYPE(T) \
    template <>                 \
    struct IsModelType<T> : std::true_type {};
MAELSTROM_MODEL_TYPE(NameValue)
MAELSTROM_MODEL_TYPE(VolumeMount)
MAELSTROM_MODEL_TYPE(DockerComponent)
MAELSTROM_MODEL_TYPE(Component)
MAELSTROM_MODEL_TYPE(HttpEventSource)
MAELSTROM_MODEL_TYPE(CronHttpRequest)
MAELSTROM_MODEL_TYPE(CronEventSource)
MAELSTROM_MODEL_TYPE(SqsEventSource)
MAELSTROM_MODEL_TYPE(AwsStepFunctionEventSource)
MAELSTROM_MODEL_TYPE(EventSource)
MAELSTROM_MODEL_TYPE(EventSourceWithStatus)
MAELSTROM_MODEL_TYPE(ComponentWithEventSources)
MAELSTROM_MODEL_TYPE(Project)
MAELSTROM_MODEL_TYPE(ProjectInfo)
MAELSTROM_MODEL_TYPE(ComponentActivity)
MAELSTROM_MODEL_TYPE(ComponentInfo)
MAELSTROM_MODEL_TYPE(NodeStatus)
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
        if (need == kOpt && v.empty()) return;
        key(name);
        appendString(out_, v);
    }
    void operator()(const char* name, const std::int64_t& v, Need need) {
        if (need == kOpt && v == 0) return;
        key(name);
        appendInteger(out_, v);
    }
    void operator()(const char* name, const double& v, Need need) {
        if (need == kOpt && finiteOrZero(v) == 0) return; // non-finite values count as 0
        key(name);
        appendDouble(out_, finiteOrZero(v));
    }
    void operator()(const char* name, const bool& v, Need need) {
        if (need == kOpt && !v) return;
        key(name);
        out_.append(v ? "true" : "false");
    }
    void operator()(const char* name, const EnumRef<const std::string>& v, Need need) { (*this)(name, v.value, need); }
    void operator()(const char* name, const std::vector<std::string>& v, Need need) {
        if (need == kOpt && v.empty()) return;
        key(name);
        out_.push_back('[');
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i) out_.push_back(',');
            appendString(out_, v[i]);
        }
        out_.push_back(']');
    }
    template <Model T>
    void operator()(const char* name, const std::vector<T>& v, Need need) {
        if (need == kOpt && v.empty()) return;
        key(name);
        out_.push_back('[');
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i) out_.push_back(',');
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
        if (!v) return;
        key(name);
        writeObject(out_, *v);
    }

private:
    void key(const char* name) { // keys are ASCII identifiers: no escaping needed
        if (!first_) out_.push_back(',');
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
        if (need == kOpt && v.empty()) return;
        object_.set(name, v);
    }
    void operator()(const char* name, const std::int64_t& v, Need need) {
        if (need == kOpt && v == 0) return;
        object_.set(name, static_cast<Poco::Int64>(v));
    }
    void operator()(const char* name, const double& v, Need need) {
        if (need == kOpt && finiteOrZero(v) == 0) return;
        object_.set(name, finiteOrZero(v));
    }
    void operator()(const char* name, const bool& v, Need need) {
        if (need == kOpt && !v) return;
        object_.set(name, v);
    }
    void operator()(const char* name, const EnumRef<const std::string>& v, Need need) { (*this)(name, v.value, need); }
    void operator()(const char* name, const std::vector<std::string>& v, Need need) {
        if (need == kOpt && v.empty()) return;
        object_.set(name, toVarArray(v));
    }
    template <Model T>
    void operator()(const char* name, const std::vector<T>& v, Need need) {
        if (need == kOpt && v.empty()) return;
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
        if (v) object_.set(name, buildVar(*v));
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
    case Kind::UInt: out = intFromUnsigned(v.convert<Poco::UInt64>(), at); return;
    case Kind::Float:
        out = intFromDouble(v.type() == typeid(double) ? v.extract<double>() : v.convert<double>(), at);
        return;
    default: failType(at, "int", v);
    }
}

void readValue(const Var& v, double& out, const PathNode& at) {
    switch (kindOf(v)) {
    case Kind::Float: out = v.type() == typeid(double) ? v.extract<double>() : v.convert<double>(); return;
    case Kind::Int: out = static_cast<double>(v.convert<Poco::Int64>()); return;
    case Kind::UInt: out = static_cast<double>(v.convert<Poco::UInt64>()); return;
    default: failType(at, "float", v);
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

// ---- The parsed-text tree: the fast parser's output, read like a Var.

/// One value of a document parsed by TextParser. Strings point into the source text (or into the document's
/// store when they had escapes); an object's members are sorted by key (stable: among duplicates the last
/// one wins, as with Poco's map).
struct JNode {
    Kind kind = Kind::Null;
    union {
        bool boolean;
        std::int64_t integer;          // Kind::Int
        std::uint64_t unsignedInteger; // Kind::UInt: above INT64_MAX
        double number;                 // Kind::Float
    };
    std::string_view text;             // Kind::String
    std::string_view key;              // the member name, for a member of an object
    std::uint32_t first = 0;           // Object/Array: children are the document's nodes [first, first + count)
    std::uint32_t count = 0;
    const JNode* children = nullptr;   // set once parsing is done (the node vector no longer moves)

    JNode() : integer(0) {}
};

Kind kindOf(const JNode& n) noexcept { return n.kind; }

std::optional<std::span<const JNode>> arrayOf(const JNode& n) {
    if (n.kind != Kind::Array) {
        return std::nullopt;
    }
    return std::span<const JNode>(n.children, n.count);
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
    case Kind::Int: out = v.integer; return;
    case Kind::UInt: out = intFromUnsigned(v.unsignedInteger, at); return;
    case Kind::Float: out = intFromDouble(v.number, at); return;
    default: failType(at, "int", v);
    }
}

void readValue(const JNode& v, double& out, const PathNode& at) {
    switch (v.kind) {
    case Kind::Float: out = v.number; return;
    case Kind::Int: out = static_cast<double>(v.integer); return;
    case Kind::UInt: out = static_cast<double>(v.unsignedInteger); return;
    default: failType(at, "float", v);
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

// ---------------------------------------------------------------------------------------------------------
// Text parser: strict RFC 8259 JSON → a flat JNode tree over the source text. Poco's parser (pdjson) cost
// ~85% of a decode, cannot take a top-level scalar and gives messages without a position; this one fills
// one node vector per document and copies only strings that contain escapes. Recursion is bounded by the
// depth limit (itself capped), so no input can exhaust the stack.

constexpr int kDepthCap = 256; // whatever the caller asks: recursion stays far from any thread's stack size

class ParsedText {
public:
    /// @throws JsonError("", "Unable to parse JSON: <what> at offset <n>")
    ParsedText(std::string_view text, int maxDepth);
    ParsedText(const ParsedText&) = delete; // nodes point at each other
    ParsedText& operator=(const ParsedText&) = delete;
    const JNode& root() const noexcept { return root_; }

private:
    friend class TextParser;
    std::string repaired_;             // the text with invalid UTF-8 replaced, when it had any
    std::vector<JNode> nodes_;         // children blocks of every container
    std::deque<std::string> unescaped_; // strings that had escapes (a deque never moves its elements)
    JNode root_;
};

class TextParser {
public:
    TextParser(std::string_view text, int maxDepth, ParsedText& doc)
        : s_(text), n_(text.size()), maxDepth_(maxDepth), doc_(doc) {}

    void parseDocument() {
        skipSpace();
        if (pos_ >= n_) {
            error("empty document");
        }
        parseValue(doc_.root_, 0);
        skipSpace();
        if (pos_ < n_) {
            error("unexpected " + describeChar() + " after the JSON value");
        }
    }

private:
    [[noreturn]] void error(const std::string& what) const {
        throw JsonError("", "Unable to parse JSON: " + what + " at offset " + std::to_string(pos_));
    }

    std::string describeChar() const {
        if (pos_ >= n_) {
            return "end of text";
        }
        const auto c = static_cast<unsigned char>(s_[pos_]);
        if (c < 0x20 || c >= 0x7F) {
            char buf[8];
            buf[0] = '\\';
            buf[1] = 'x';
            buf[2] = kHexDigits[c >> 4];
            buf[3] = kHexDigits[c & 0xF];
            return std::string("character '") + std::string(buf, 4) + "'";
        }
        return std::string("character '") + static_cast<char>(c) + "'";
    }

    void skipSpace() noexcept {
        while (pos_ < n_) {
            const char c = s_[pos_];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            ++pos_;
        }
    }

    void parseValue(JNode& out, int depth) {
        if (pos_ >= n_) {
            error("expected a value, found end of text");
        }
        switch (s_[pos_]) {
        case '{': parseContainer(out, depth + 1, true); return;
        case '[': parseContainer(out, depth + 1, false); return;
        case '"':
            out.kind = Kind::String;
            out.text = parseString();
            return;
        case 't': literal("true"); out.kind = Kind::Bool; out.boolean = true; return;
        case 'f': literal("false"); out.kind = Kind::Bool; out.boolean = false; return;
        case 'n': literal("null"); out.kind = Kind::Null; return;
        default:
            if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) {
                parseNumber(out);
                return;
            }
            error("expected a value, found " + describeChar());
        }
    }

    void literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) {
            error("invalid literal (expected '" + std::string(word) + "')");
        }
        pos_ += word.size();
    }

    void parseContainer(JNode& out, int depth, bool isObject) {
        if (depth > maxDepth_) {
            error("nesting deeper than " + std::to_string(maxDepth_) + " levels");
        }
        const char close = isObject ? '}' : ']';
        ++pos_; // '{' or '['
        boost::container::small_vector<JNode, 12> items;
        skipSpace();
        if (pos_ < n_ && s_[pos_] == close) {
            ++pos_;
        } else {
            while (true) {
                JNode& item = items.emplace_back();
                if (isObject) {
                    skipSpace();
                    if (pos_ >= n_ || s_[pos_] != '"') {
                        error("expected a member name (a string), found " + describeChar());
                    }
                    item.key = parseString();
                    skipSpace();
                    if (pos_ >= n_ || s_[pos_] != ':') {
                        error("expected ':' after a member name, found " + describeChar());
                    }
                    ++pos_;
                }
                skipSpace();
                parseValue(item, depth);
                skipSpace();
                if (pos_ < n_ && s_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                if (pos_ < n_ && s_[pos_] == close) {
                    ++pos_;
                    break;
                }
                error(std::string("expected ',' or '") + close + "', found " + describeChar());
            }
        }
        if (isObject && items.size() > 1) {
            const auto byKey = [](const JNode& a, const JNode& b) { return a.key < b.key; };
            if (items.size() <= 32) { // insertion sort: stable, and no temporary buffer as stable_sort takes
                for (std::size_t i = 1; i < items.size(); ++i) {
                    for (std::size_t j = i; j > 0 && byKey(items[j], items[j - 1]); --j) {
                        std::swap(items[j], items[j - 1]);
                    }
                }
            } else {
                std::stable_sort(items.begin(), items.end(), byKey);
            }
        }
        if (doc_.nodes_.size() + items.size() > std::numeric_limits<std::uint32_t>::max()) {
            error("document too large");
        }
        out.kind = isObject ? Kind::Object : Kind::Array;
        out.first = static_cast<std::uint32_t>(doc_.nodes_.size());
        out.count = static_cast<std::uint32_t>(items.size());
        doc_.nodes_.insert(doc_.nodes_.end(), std::make_move_iterator(items.begin()),
                           std::make_move_iterator(items.end()));
    }

    /// At a '"': the string's text (a view into the source when it has no escapes).
    std::string_view parseString() {
        ++pos_;
        const std::size_t start = pos_;
        while (pos_ < n_) {
            const auto c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                return s_.substr(start, pos_++ - start);
            }
            if (c == '\\') {
                return parseEscapedString(start);
            }
            if (c < 0x20) {
                error("unescaped control character in a string");
            }
            ++pos_;
        }
        error("unterminated string");
    }

    std::string_view parseEscapedString(std::size_t start) {
        std::string& out = doc_.unescaped_.emplace_back(s_.substr(start, pos_ - start));
        while (pos_ < n_) {
            const auto c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c < 0x20) {
                error("unescaped control character in a string");
            }
            if (c != '\\') {
                out.push_back(static_cast<char>(c));
                ++pos_;
                continue;
            }
            if (++pos_ >= n_) {
                break;
            }
            switch (s_[pos_]) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': appendCodePoint(out, parseUnicodeEscape()); continue; // consumed its own characters
            default: error("invalid escape " + describeChar() + " in a string");
            }
            ++pos_;
        }
        error("unterminated string");
    }

    /// At the 'u' of \uXXXX: the code point, combining a surrogate pair; a lone surrogate becomes U+FFFD
    /// (as Go's decoder does). Leaves pos_ after the escape(s).
    std::uint32_t parseUnicodeEscape() {
        const std::uint32_t first = hex4();
        if (first >= 0xD800 && first <= 0xDBFF && pos_ + 1 < n_ && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
            const std::size_t save = pos_;
            ++pos_;
            const std::uint32_t second = hex4();
            if (second >= 0xDC00 && second <= 0xDFFF) {
                return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            }
            pos_ = save; // not a low surrogate: the first one is alone, the second escape is read next
        }
        return first >= 0xD800 && first <= 0xDFFF ? 0xFFFD : first;
    }

    std::uint32_t hex4() {
        ++pos_; // 'u'
        if (pos_ + 4 > n_) {
            error("truncated \\u escape");
        }
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i, ++pos_) {
            const char c = s_[pos_];
            value <<= 4;
            if (c >= '0' && c <= '9') value |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') value |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') value |= static_cast<std::uint32_t>(c - 'A' + 10);
            else error("invalid hex digit in a \\u escape");
        }
        return value;
    }

    static void appendCodePoint(std::string& out, std::uint32_t cp) { appendUtf8(out, cp); }

    void parseNumber(JNode& out) {
        const std::size_t start = pos_;
        const auto isDigit = [&](std::size_t i) { return i < n_ && s_[i] >= '0' && s_[i] <= '9'; };
        if (s_[pos_] == '-') ++pos_;
        if (pos_ < n_ && s_[pos_] == '0') {
            ++pos_;
        } else if (isDigit(pos_)) {
            while (isDigit(pos_)) ++pos_;
        } else {
            error("invalid number (a digit must follow '-')");
        }
        bool integral = true;
        if (pos_ < n_ && s_[pos_] == '.') {
            ++pos_;
            if (!isDigit(pos_)) error("invalid number (a digit must follow '.')");
            while (isDigit(pos_)) ++pos_;
            integral = false;
        }
        if (pos_ < n_ && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < n_ && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (!isDigit(pos_)) error("invalid number (a digit must follow the exponent mark)");
            while (isDigit(pos_)) ++pos_;
            integral = false;
        }
        const char* first = s_.data() + start;
        const char* last = s_.data() + pos_;
        if (integral) {
            if (std::from_chars(first, last, out.integer).ec == std::errc()) {
                out.kind = Kind::Int;
                return;
            }
            if (*first != '-' && std::from_chars(first, last, out.unsignedInteger).ec == std::errc()) {
                out.kind = Kind::UInt;
                return;
            }
        }
        // Fractions, exponents and integers beyond 64 bits: a double (as every number is in Go).
        const auto result = std::from_chars(first, last, out.number);
        if (result.ec == std::errc::result_out_of_range) {
            const std::string_view token(first, static_cast<std::size_t>(last - first));
            const std::size_t e = token.find_first_of("eE");
            if (e != std::string_view::npos && e + 1 < token.size() && token[e + 1] == '-') {
                out.number = *first == '-' ? -0.0 : 0.0; // underflow: as good as zero
            } else {
                error("number out of range: " + std::string(token.substr(0, 40)));
            }
        } else if (result.ec != std::errc()) {
            error("invalid number");
        }
        out.kind = Kind::Float;
    }

    std::string_view s_;
    std::size_t n_;
    std::size_t pos_ = 0;
    int maxDepth_;
    ParsedText& doc_;
};

ParsedText::ParsedText(std::string_view text, int maxDepth) {
    const std::size_t bad = firstInvalidUtf8(text);
    if (bad != std::string_view::npos) { // repaired as Go's decoder does: each bad byte becomes U+FFFD
        repaired_.reserve(text.size() + 16);
        repaired_.append(text.substr(0, bad));
        appendRepairedUtf8(repaired_, text.substr(bad));
        text = repaired_;
    }
    nodes_.reserve(text.size() / 12 + 4);
    TextParser parser(text, std::clamp(maxDepth, 1, kDepthCap), *this);
    parser.parseDocument();
    // The node vector is final: turn child indexes into pointers.
    for (JNode& node : nodes_) {
        if (node.kind == Kind::Object || node.kind == Kind::Array) {
            node.children = nodes_.data() + node.first;
        }
    }
    if (root_.kind == Kind::Object || root_.kind == Kind::Array) {
        root_.children = nodes_.data() + root_.first;
    }
}

/// The Poco form of a parsed value (what codec::parse returns).
Var toPocoVar(const JNode& node) {
    switch (node.kind) {
    case Kind::Bool: return node.boolean;
    case Kind::String: return std::string(node.text);
    case Kind::Int: return static_cast<Poco::Int64>(node.integer);
    case Kind::UInt: return static_cast<Poco::UInt64>(node.unsignedInteger);
    case Kind::Float: return node.number;
    case Kind::Object: {
        Object::Ptr object = new Object();
        for (std::uint32_t i = 0; i < node.count; ++i) {
            object->set(std::string(node.children[i].key), toPocoVar(node.children[i]));
        }
        return object;
    }
    case Kind::Array: {
        Array::Ptr array = new Array();
        for (std::uint32_t i = 0; i < node.count; ++i) {
            array->add(toPocoVar(node.children[i]));
        }
        return array;
    }
    default: return Var();
    }
}

// ---------------------------------------------------------------------------------------------------------
// Generic stringify

constexpr int kMaxStringifyDepth = 512;

void stringifyValue(std::string& out, const Var& v, int depth);

template <class It>
void stringifyMembers(std::string& out, It begin, It end, int depth) {
    out.push_back('{');
    for (It it = begin; it != end; ++it) {
        if (it != begin) out.push_back(',');
        appendString(out, it->first);
        out.push_back(':');
        stringifyValue(out, it->second, depth + 1);
    }
    out.push_back('}');
}

void stringifyValue(std::string& out, const Var& v, int depth) {
    if (depth > kMaxStringifyDepth) {
        throw JsonError("", "cannot write JSON: value nested deeper than " + std::to_string(kMaxStringifyDepth) +
                                " levels");
    }
    if (v.isEmpty()) {
        out.append("null");
        return;
    }
    const std::type_info& t = v.type();
    if (t == typeid(std::string)) {
        appendString(out, v.extract<std::string>());
    } else if (t == typeid(Poco::Int64)) {
        appendInteger(out, v.extract<Poco::Int64>());
    } else if (t == typeid(double)) {
        appendDouble(out, v.extract<double>());
    } else if (t == typeid(bool)) {
        out.append(v.extract<bool>() ? "true" : "false");
    } else if (const Object* object = objectOf(v)) {
        stringifyMembers(out, object->begin(), object->end(), depth);
    } else if (const auto items = arrayOf(v)) {
        out.push_back('[');
        for (std::size_t i = 0; i < items->size(); ++i) {
            if (i) out.push_back(',');
            stringifyValue(out, (*items)[i], depth + 1);
        }
        out.push_back(']');
    } else if (t == typeid(Poco::DynamicStruct)) {
        const auto& s = v.extract<Poco::DynamicStruct>();
        stringifyMembers(out, s.begin(), s.end(), depth);
    } else if (t == typeid(Poco::OrderedDynamicStruct)) {
        const auto& s = v.extract<Poco::OrderedDynamicStruct>();
        stringifyMembers(out, s.begin(), s.end(), depth);
    } else {
        switch (kindOf(v)) {
        case Kind::Null: out.append("null"); break; // a null Object::Ptr / Array::Ptr
        case Kind::Bool: out.append(v.convert<bool>() ? "true" : "false"); break;
        case Kind::Int: appendInteger(out, v.convert<Poco::Int64>()); break;
        case Kind::UInt: appendInteger(out, v.convert<Poco::UInt64>()); break;
        case Kind::Float: appendDouble(out, v.convert<double>()); break;
        default: {
            std::string text;
            try {
                text = v.convert<std::string>(); // dates, UUIDs...: their text form, as Poco would write them
            } catch (const Poco::Exception&) {
                throw JsonError("", std::string("cannot write JSON: a value of type ") + t.name() +
                                        " has no JSON form");
            }
            appendString(out, text);
        }
        }
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------------------
// Public internal API

Poco::Dynamic::Var parse(std::string_view text, int maxDepth) {
    const ParsedText doc(text, maxDepth);
    return toPocoVar(doc.root());
}

void stringifyTo(std::string& out, const Poco::Dynamic::Var& value) { stringifyValue(out, value, 0); }

std::string stringify(const Poco::Dynamic::Var& value) {
    std::string out;
    stringifyValue(out, value, 0);
    return out;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        cp = 0xFFFD;
    }
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

void appendJsonString(std::string& out, std::string_view text) { appendString(out, text); }

#define MAELSTROM_CODEC_TYPE(T)                                                                 \
    Poco::Dynamic::Var toVar(const T& v) { return buildVar(v); }                               \
    void writeJson(std::string& out, const T& v) { writeObject(out, v); }                      \
    void fromVar(const Poco::Dynamic::Var& value, T& out, const std::string& path) {           \
        decodeRoot(value, out, path);                                                          \
    }
MAELSTROM_CODEC_TYPE(NameValue)
MAELSTROM_CODEC_TYPE(VolumeMount)
MAELSTROM_CODEC_TYPE(DockerComponent)
MAELSTROM_CODEC_TYPE(Component)
MAELSTROM_CODEC_TYPE(HttpEventSource)
MAELSTROM_CODEC_TYPE(CronHttpRequest)
MAELSTROM_CODEC_TYPE(CronEventSource)
MAELSTROM_CODEC_TYPE(SqsEventSource)
MAELSTROM_CODEC_TYPE(AwsStepFunctionEventSource)
MAELSTROM_CODEC_TYPE(EventSource)
MAELSTROM_CODEC_TYPE(EventSourceWithStatus)
MAELSTROM_CODEC_TYPE(ComponentWithEventSources)
MAELSTROM_CODEC_TYPE(Project)
MAELSTROM_CODEC_TYPE(ProjectInfo)
MAELSTROM_CODEC_TYPE(ComponentActivity)
MAELSTROM_CODEC_TYPE(ComponentInfo)
MAELSTROM_CODEC_TYPE(NodeStatus)
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
    if (!out.empty()) out.push_back('.');
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
bool ObjectReader::getBool(std::string_view key, bool required) const {
    return readMember<bool>(*this, key, required);
}
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

#define MAELSTROM_JSON_ENCODE(T)                  \
    std::string toJson(const T& v) {              \
        std::string out;                          \
        out.reserve(256);                         \
        codec::writeJson(out, v);                 \
        return out;                               \
    }
MAELSTROM_JSON_ENCODE(NameValue)
MAELSTROM_JSON_ENCODE(VolumeMount)
MAELSTROM_JSON_ENCODE(DockerComponent)
MAELSTROM_JSON_ENCODE(Component)
MAELSTROM_JSON_ENCODE(HttpEventSource)
MAELSTROM_JSON_ENCODE(CronEventSource)
MAELSTROM_JSON_ENCODE(SqsEventSource)
MAELSTROM_JSON_ENCODE(AwsStepFunctionEventSource)
MAELSTROM_JSON_ENCODE(EventSource)
MAELSTROM_JSON_ENCODE(EventSourceWithStatus)
MAELSTROM_JSON_ENCODE(ComponentWithEventSources)
MAELSTROM_JSON_ENCODE(Project)
MAELSTROM_JSON_ENCODE(ProjectInfo)
MAELSTROM_JSON_ENCODE(ComponentActivity)
MAELSTROM_JSON_ENCODE(ComponentInfo)
MAELSTROM_JSON_ENCODE(NodeStatus)
#undef MAELSTROM_JSON_ENCODE

#define MAELSTROM_JSON_DECODE(T)                                               \
    void fromJson(std::string_view text, T& out, const std::string& path) {   \
        codec::decodeText(text, out, path);                                   \
    }
MAELSTROM_JSON_DECODE(NameValue)
MAELSTROM_JSON_DECODE(VolumeMount)
MAELSTROM_JSON_DECODE(DockerComponent)
MAELSTROM_JSON_DECODE(Component)
MAELSTROM_JSON_DECODE(EventSource)
MAELSTROM_JSON_DECODE(EventSourceWithStatus)
MAELSTROM_JSON_DECODE(ComponentWithEventSources)
MAELSTROM_JSON_DECODE(Project)
MAELSTROM_JSON_DECODE(ProjectInfo)
MAELSTROM_JSON_DECODE(ComponentInfo)
MAELSTROM_JSON_DECODE(NodeStatus)
#undef MAELSTROM_JSON_DECODE

} // namespace maelstrom::sdk::json
