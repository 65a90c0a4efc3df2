// project_yaml.cpp — see project_yaml.h. The YAML tree (yaml_tree.h) is decoded by hand, one function per
// struct of the original's project file, each listing its keys: anything else is an unknown key.
#include "project_yaml.h"

#include "common/env_file.h"
#include "interpolation.h"

#include <maelstrom/sdk/cron_schedule.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <unordered_map>

namespace maelstrom::cli {

using common::EnvFileError;
using common::mergeEnvList;
using common::parseProjectEnvFile;
using common::readRegularFile;

namespace {

// Messages quote what they name with quoted(); this is the last guard for the one-line promise (a file name
// or a scheduler message carrying a control character).
std::string oneLine(const std::string& text) { return printable(text, text.size()); }

std::string formatWhat(const std::string& file, int line, const std::string& message) {
    return line > 0 ? oneLine(file) + ":" + std::to_string(line) + ": " + oneLine(message)
                    : oneLine(file) + ": " + oneLine(message);
}

} // namespace

ProjectFileError::ProjectFileError(std::string file, int line, const std::string& message)
    : std::runtime_error(formatWhat(file, line, message)), file_(std::move(file)), line_(line),
      message_(oneLine(message)) {}

namespace {

// ---- YAML 1.1 plain scalar resolution (what go-yaml v2 does for untagged, unquoted scalars) ----

struct Resolved {
    enum class Type { Null, Bool, Int, Float, String } type = Type::String;
    bool boolean = false;
    std::int64_t integer = 0;
    bool integerOverflow = false; // an integer literal beyond int64 (but within uint64: `magnitude`)
    std::uint64_t magnitude = 0;
    double real = 0;
};

bool matchesYamlFloat(std::string_view s) {
    // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    std::size_t i = 0;
    auto digits = [&] {
        const std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        return i - start;
    };
    if (i < s.size() && (s[i] == '-' || s[i] == '+'))
        ++i;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (digits() == 0)
            return false;
    } else {
        if (digits() == 0)
            return false;
        if (i < s.size() && s[i] == '.') {
            ++i;
            digits();
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+'))
            ++i;
        if (digits() == 0)
            return false;
    }
    return i == s.size();
}

// strconv.ParseInt/ParseUint(s, 0, 64): optional sign, 0x/0o/0b or leading-0 octal prefixes.
// Returns false on a syntax error; `magnitude` overflowing 64 bits is a syntax error too.
bool parseGoInteger(std::string_view s, bool& negative, std::uint64_t& magnitude) {
    negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    int base = 10;
    if (s.size() >= 2 && s[0] == '0') {
        const char p = static_cast<char>(s[1] | 0x20);
        if (p == 'x')
            base = 16, s.remove_prefix(2);
        else if (p == 'b')
            base = 2, s.remove_prefix(2);
        else if (p == 'o')
            base = 8, s.remove_prefix(2);
        else
            base = 8, s.remove_prefix(1);
    }
    if (s.empty())
        return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
    return ec == std::errc{} && end == s.data() + s.size();
}

Resolved resolvePlain(const std::string& in) {
    Resolved r;
    static const std::unordered_map<std::string, Resolved> kWords = [] {
        std::unordered_map<std::string, Resolved> m;
        Resolved t{Resolved::Type::Bool, true};
        Resolved f{Resolved::Type::Bool, false};
        for (const char* w : {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
            m[w] = t;
        for (const char* w : {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})
            m[w] = f;
        for (const char* w : {"", "~", "null", "Null", "NULL"})
            m[w] = Resolved{Resolved::Type::Null};
        Resolved nan{Resolved::Type::Float};
        nan.real = std::numeric_limits<double>::quiet_NaN();
        for (const char* w : {".nan", ".NaN", ".NAN"})
            m[w] = nan;
        Resolved inf{Resolved::Type::Float};
        inf.real = std::numeric_limits<double>::infinity();
        for (const char* w : {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})
            m[w] = inf;
        inf.real = -inf.real;
        for (const char* w : {"-.inf", "-.Inf", "-.INF"})
            m[w] = inf;
        return m;
    }();
    if (const auto it = kWords.find(in); it != kWords.end())
        return it->second;
    if (in.empty())
        return r;
    const char first = in.front();
    const bool numberLike = first == '+' || first == '-' || first == '.' || (first >= '0' && first <= '9');
    if (!numberLike)
        return r;
    std::string plain = in;
    if (first != '.')
        plain.erase(std::remove(plain.begin(), plain.end(), '_'), plain.end());
    if (first != '.') {
        bool negative = false;
        std::uint64_t magnitude = 0;
        if (parseGoInteger(plain, negative, magnitude)) {
            r.type = Resolved::Type::Int;
            const std::uint64_t limit = negative ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1;
            if (negative && magnitude > limit) {
                r.type = Resolved::Type::String; // below int64 and not a uint: go-yaml tries a float next
            } else if (magnitude > limit) {
                r.integerOverflow = true; // a uint64: go-yaml refuses it for an int64 field
                r.magnitude = magnitude;
            } else {
                r.integer = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
                return r;
            }
            if (r.type == Resolved::Type::Int)
                return r;
        }
    }
    if (matchesYamlFloat(plain)) {
        std::string_view digits = plain;
        if (digits.front() == '+')
            digits.remove_prefix(1);
        double value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec == std::errc{} && end == digits.data() + digits.size()) {
            r.type = Resolved::Type::Float;
            r.real = value;
            return r;
        }
    }
    r.type = Resolved::Type::String;
    return r;
}

std::string lowerAscii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// A dotted location for messages ("components.api.httpport"); keys are made printable and cut short.
std::string joinPath(const std::string& path, std::string_view key) {
    return path.empty() ? printable(key) : path + "." + printable(key);
}

// ---- Key sets (the Go field names of the original's structs, lowercased; idlepause and pausedtimeoutseconds
// are ours) ----

using KeySet = std::span<const std::string_view>;

constexpr std::string_view kProjectKeys[] = {"name", "environment", "envfile", "components"};
constexpr std::string_view kComponentKeys[] = {"image",
                                               "command",
                                               "entrypoint",
                                               "environment",
                                               "mininstances",
                                               "maxinstances",
                                               "maxinstancespernode",
                                               "maxconcurrency",
                                               "softconcurrencylimit",
                                               "scaledownconcurrencypct",
                                               "scaleupconcurrencypct",
                                               "maxdurationseconds",
                                               "httpport",
                                               "httphealthcheckpath",
                                               "httpstarthealthcheckseconds",
                                               "httphealthcheckseconds",
                                               "httphealthcheckmaxfailures",
                                               "healthcheckfailedcommand",
                                               "idletimeoutseconds",
                                               "idlepause",
                                               "pausedtimeoutseconds",
                                               "ports",
                                               "volumes",
                                               "networkname",
                                               "hostname",
                                               "domainname",
                                               "user",
                                               "dns",
                                               "dnsoptions",
                                               "dnssearch",
                                               "logdriver",
                                               "logdriveroptions",
                                               "eventsources",
                                               "crontab",
                                               "cpushares",
                                               "reservememory",
                                               "limitmemory",
                                               "containerinit",
                                               "pullcommand",
                                               "pullusername",
                                               "pullpassword",
                                               "pullimageonput",
                                               "pullimageonstart",
                                               "ulimits",
                                               "capadd",
                                               "capdrop",
                                               "startparallelism",
                                               "restartorder"};
constexpr std::string_view kVolumeKeys[] = {"type", "source", "target", "readonly"};
constexpr std::string_view kEventSourceKeys[] = {"name", "componentname", "projectname", "version",    "modifiedat",
                                                 "http", "cron",          "sqs",         "awsstepfunc"};
constexpr std::string_view kHttpKeys[] = {"hostname", "pathprefix", "stripprefix"};
constexpr std::string_view kCronKeys[] = {"schedule", "http"};
constexpr std::string_view kCronHttpKeys[] = {"method", "path", "data", "headers"};
constexpr std::string_view kNameValueKeys[] = {"name", "value"};
constexpr std::string_view kSqsKeys[] = {"queuename",        "nameasprefix",    "path",
                                         "maxconcurrency",   "messagesperpoll", "concurrencyperpoller",
                                         "visibilitytimeout"};
constexpr std::string_view kStepFuncKeys[] = {"activityname", "path", "maxconcurrency", "concurrencyperpoller"};

// The values of one mapping decoded as a struct: key → node, each key known.
struct Fields {
    std::string path;
    const YamlNode* node = nullptr;
    std::vector<std::pair<std::string_view, const YamlNode*>> values;

    const YamlNode* get(std::string_view key) const {
        for (const auto& [k, v] : values)
            if (k == key)
                return v;
        return nullptr;
    }
    std::string pathOf(std::string_view key) const { return joinPath(path, key); }
};

// Where two event sources (or components) would get the same name on the server, which lowercases.
struct NameClaim {
    std::string owner; // the component key
    int line;
};

class Decoder {
public:
    Decoder(const std::string& file, const InterpolatedText& source, const ProjectLoadOptions& options)
        : file_(file), source_(source), options_(options) {
        lineStarts_.push_back(0);
        for (std::size_t i = 0; i < source_.text.size(); ++i)
            if (source_.text[i] == '\n')
                lineStarts_.push_back(i + 1);
    }

    sdk::Project project(const YamlNode& root) {
        sdk::Project project;
        if (root.kind == YamlNode::Kind::Null)
            return project; // an empty file: the server rejects the empty name
        if (root.kind != YamlNode::Kind::Map)
            fail(root.line, "", "expected a mapping of project keys at the top level, got " + describe(root));
        const Fields f = fields(root, "", kProjectKeys);
        project.name = text(f, "name");

        std::map<std::string, std::string> projectEnv;
        if (const auto* envfile = f.get("envfile")) {
            const std::string path = toText(*envfile, "envfile");
            if (!path.empty()) {
                if (!options_.allowEnvFile)
                    fail(envfile->line, "envfile", "reading env files is disabled here");
                try {
                    projectEnv = parseProjectEnvFile(readRegularFile(path, options_.limits.maxEnvFileBytes));
                } catch (const EnvFileError& e) {
                    fail(envfile->line, "envfile", std::string("cannot read the env file: ") + e.what());
                }
            }
        }
        mergeEnvList(strings(f, "environment"), projectEnv);

        if (const auto* components = f.get("components")) {
            if (components->kind != YamlNode::Kind::Null) {
                if (components->kind != YamlNode::Kind::Map)
                    fail(components->line, "components",
                         "expected a mapping of component name to component, got " + describe(*components));
                std::vector<std::pair<const YamlNodePtr*, const YamlNodePtr*>> sorted;
                for (const auto& entry : components->entries)
                    sorted.emplace_back(&entry.first, &entry.second);
                std::stable_sort(sorted.begin(), sorted.end(),
                                 [](const auto& a, const auto& b) { return (*a.first)->value < (*b.first)->value; });
                std::unordered_map<std::string, NameClaim> componentNames;
                for (const auto& [key, value] : sorted) {
                    const std::string& name = (*key)->value;
                    const std::string path = joinPath("components", name);
                    claim(componentNames, name, name, (*key)->line, path, "component name");
                    project.components.push_back(component(**value, name, path, project.name, projectEnv));
                }
            }
        }
        return project;
    }

private:
    [[noreturn]] void fail(int parsedLine, const std::string& path, const std::string& what) const {
        throw ProjectFileError(file_, source_.originalLine(parsedLine), path.empty() ? what : path + ": " + what);
    }

    static std::string describe(const YamlNode& node) {
        switch (node.kind) {
        case YamlNode::Kind::Null:
            return "nothing";
        case YamlNode::Kind::Scalar:
            return quoted(node.value);
        case YamlNode::Kind::Sequence:
            return "a list";
        case YamlNode::Kind::Map:
            return "a mapping";
        }
        return "?";
    }

    Fields fields(const YamlNode& node, const std::string& path, KeySet known) const {
        Fields f;
        f.path = path;
        f.node = &node;
        if (node.kind == YamlNode::Kind::Null)
            return f;
        if (node.kind != YamlNode::Kind::Map)
            fail(node.line, path, "expected a mapping, got " + describe(node));
        for (const auto& [key, value] : node.entries) {
            const auto match = std::find(known.begin(), known.end(), key->value);
            if (match == known.end())
                fail(key->line, path, unknownKey(key->value, known));
            f.values.emplace_back(*match, value.get());
        }
        return f;
    }

    static std::string unknownKey(const std::string& key, KeySet known) {
        std::string message = "unknown key " + quoted(key);
        std::string_view suggestion;
        if (key.size() <= 64) {
            const std::string lower = lowerAscii(key);
            std::size_t best = 3;
            for (const auto candidate : known) {
                const std::size_t distance = lower == candidate ? 0 : editDistance(lower, candidate);
                if (distance < best) {
                    best = distance;
                    suggestion = candidate;
                }
            }
        }
        if (!suggestion.empty())
            message += " (did you mean '" + std::string(suggestion) + "'? keys are lowercase)";
        else if (known.size() <= 10) {
            message += " (known keys:";
            for (const auto candidate : known)
                message += " " + std::string(candidate);
            message += ")";
        } else {
            message += " (not one of the " + std::to_string(known.size()) + " keys of this block, which are lowercase)";
        }
        return message;
    }

    // ---- scalars ----

    std::string toText(const YamlNode& node, const std::string& path) const {
        if (node.kind == YamlNode::Kind::Null)
            return {};
        if (node.kind != YamlNode::Kind::Scalar)
            fail(node.line, path, "expected a string, got " + describe(node));
        if (node.style == YamlNode::Style::Plain && resolvePlain(node.value).type == Resolved::Type::Null)
            return {};
        return node.value;
    }

    std::int64_t toInteger(const YamlNode& node, const std::string& path) const {
        if (node.kind == YamlNode::Kind::Null)
            return 0;
        if (node.kind == YamlNode::Kind::Scalar && node.style == YamlNode::Style::Plain) {
            const Resolved r = resolvePlain(node.value);
            switch (r.type) {
            case Resolved::Type::Null:
                return 0;
            case Resolved::Type::Int:
                if (r.integerOverflow)
                    fail(node.line, path, "integer " + quoted(node.value) + " is out of range");
                return r.integer;
            case Resolved::Type::Float:
                // go-yaml v2 truncates a float stored in an integer field.
                if (std::isfinite(r.real) && r.real >= -9223372036854775808.0 && r.real < 9223372036854775808.0)
                    return static_cast<std::int64_t>(r.real);
                fail(node.line, path, "number " + quoted(node.value) + " is out of the integer range");
            default:
                break;
            }
        }
        fail(node.line, path, "expected an integer, got " + describe(node) + quotedHint(node));
    }

    double toNumber(const YamlNode& node, const std::string& path) const {
        if (node.kind == YamlNode::Kind::Null)
            return 0;
        if (node.kind == YamlNode::Kind::Scalar && node.style == YamlNode::Style::Plain) {
            const Resolved r = resolvePlain(node.value);
            switch (r.type) {
            case Resolved::Type::Null:
                return 0;
            case Resolved::Type::Int:
                if (r.integerOverflow)
                    return static_cast<double>(r.magnitude);
                return static_cast<double>(r.integer);
            case Resolved::Type::Float:
                return r.real;
            default:
                break;
            }
        }
        fail(node.line, path, "expected a number, got " + describe(node) + quotedHint(node));
    }

    bool toBoolean(const YamlNode& node, const std::string& path) const {
        if (node.kind == YamlNode::Kind::Null)
            return false;
        if (node.kind == YamlNode::Kind::Scalar && node.style == YamlNode::Style::Plain) {
            const Resolved r = resolvePlain(node.value);
            if (r.type == Resolved::Type::Null)
                return false;
            if (r.type == Resolved::Type::Bool)
                return r.boolean;
        }
        fail(node.line, path, "expected true or false, got " + describe(node) + quotedHint(node));
    }

    static std::string quotedHint(const YamlNode& node) {
        if (node.kind == YamlNode::Kind::Scalar && node.style == YamlNode::Style::Literal &&
            resolvePlain(node.value).type != Resolved::Type::String)
            return " (a quoted value is a string: remove the quotes)";
        return {};
    }

    std::vector<std::string> toStrings(const YamlNode& node, const std::string& path) const {
        std::vector<std::string> out;
        if (node.kind == YamlNode::Kind::Null)
            return out;
        if (node.kind != YamlNode::Kind::Sequence)
            fail(node.line, path, "expected a list of strings, got " + describe(node));
        out.reserve(node.items.size());
        for (std::size_t i = 0; i < node.items.size(); ++i)
            out.push_back(toText(*node.items[i], path + "[" + std::to_string(i) + "]"));
        return out;
    }

    std::string text(const Fields& f, std::string_view key) const {
        const auto* node = f.get(key);
        return node ? toText(*node, f.pathOf(key)) : std::string();
    }
    std::int64_t integer(const Fields& f, std::string_view key) const {
        const auto* node = f.get(key);
        return node ? toInteger(*node, f.pathOf(key)) : 0;
    }
    double number(const Fields& f, std::string_view key) const {
        const auto* node = f.get(key);
        return node ? toNumber(*node, f.pathOf(key)) : 0;
    }
    bool boolean(const Fields& f, std::string_view key) const {
        const auto* node = f.get(key);
        return node ? toBoolean(*node, f.pathOf(key)) : false;
    }
    std::vector<std::string> strings(const Fields& f, std::string_view key) const {
        const auto* node = f.get(key);
        return node ? toStrings(*node, f.pathOf(key)) : std::vector<std::string>{};
    }
    // A sub-struct that is present unless absent or null (the original's pointer fields).
    const YamlNode* present(const Fields& f, std::string_view key) const {
        const auto* node = f.get(key);
        return node && node->kind != YamlNode::Kind::Null ? node : nullptr;
    }

    std::vector<sdk::NameValue> nameValues(const YamlNode& node, const std::string& path) const {
        std::vector<sdk::NameValue> out;
        if (node.kind == YamlNode::Kind::Null)
            return out;
        if (node.kind != YamlNode::Kind::Sequence)
            fail(node.line, path, "expected a list of {name, value} mappings, got " + describe(node));
        for (std::size_t i = 0; i < node.items.size(); ++i) {
            const Fields f = fields(*node.items[i], path + "[" + std::to_string(i) + "]", kNameValueKeys);
            out.push_back(sdk::NameValue{text(f, "name"), text(f, "value")});
        }
        return out;
    }

    // Two names that the server would lowercase to the same one.
    void claim(std::unordered_map<std::string, NameClaim>& claims, const std::string& name, const std::string& owner,
               int line, const std::string& path, const char* what) const {
        const auto [it, inserted] = claims.emplace(lowerAscii(name), NameClaim{owner, line});
        if (inserted)
            return;
        std::string message = std::string(what) + " " + quoted(name) + " collides with the one on line " +
                              std::to_string(source_.originalLine(it->second.line));
        if (it->second.owner != owner)
            message += " (component " + quoted(it->second.owner) + ")";
        message += ": the server lowercases names and event source names are shared by the whole project";
        fail(line, path, message);
    }

    // ---- structs ----

    sdk::ComponentWithEventSources component(const YamlNode& node, const std::string& name, const std::string& path,
                                             const std::string& projectName,
                                             const std::map<std::string, std::string>& projectEnv) {
        const Fields f = fields(node, path, kComponentKeys);
        sdk::ComponentWithEventSources out;
        sdk::Component& c = out.component;
        c.name = name;
        c.projectName = projectName;

        std::map<std::string, std::string> env = projectEnv;
        mergeEnvList(strings(f, "environment"), env);
        for (auto& [k, v] : env)
            c.environment.push_back(sdk::NameValue{k, v});

        c.minInstances = integer(f, "mininstances");
        c.maxInstances = integer(f, "maxinstances");
        c.maxInstancesPerNode = integer(f, "maxinstancespernode");
        c.maxConcurrency = integer(f, "maxconcurrency");
        c.softConcurrencyLimit = boolean(f, "softconcurrencylimit");
        c.scaleDownConcurrencyPct = number(f, "scaledownconcurrencypct");
        c.scaleUpConcurrencyPct = number(f, "scaleupconcurrencypct");
        c.maxDurationSeconds = integer(f, "maxdurationseconds");
        c.startParallelism = text(f, "startparallelism");
        c.restartOrder = text(f, "restartorder");

        sdk::DockerComponent& d = c.docker.emplace();
        d.image = text(f, "image");
        d.command = strings(f, "command");
        d.entrypoint = strings(f, "entrypoint");
        d.httpPort = integer(f, "httpport");
        d.httpHealthCheckPath = text(f, "httphealthcheckpath");
        d.httpStartHealthCheckSeconds = integer(f, "httpstarthealthcheckseconds");
        d.httpHealthCheckSeconds = integer(f, "httphealthcheckseconds");
        d.httpHealthCheckMaxFailures = integer(f, "httphealthcheckmaxfailures");
        d.healthCheckFailedCommand = strings(f, "healthcheckfailedcommand");
        d.idleTimeoutSeconds = integer(f, "idletimeoutseconds");
        d.idlePause = boolean(f, "idlepause");
        d.pausedTimeoutSeconds = integer(f, "pausedtimeoutseconds");
        if (d.pausedTimeoutSeconds < 0)
            fail(f.get("pausedtimeoutseconds")->line, f.pathOf("pausedtimeoutseconds"),
                 "must not be negative, got " + std::to_string(d.pausedTimeoutSeconds) +
                     " (0 or absent: the default, 1800 seconds)");
        d.ports = strings(f, "ports");
        if (const auto* volumes = f.get("volumes"))
            d.volumes = volumeMounts(*volumes, f.pathOf("volumes"));
        d.networkName = text(f, "networkname");
        d.hostname = text(f, "hostname");
        d.domainname = text(f, "domainname");
        d.user = text(f, "user");
        d.dns = strings(f, "dns");
        d.dnsOptions = strings(f, "dnsoptions");
        d.dnsSearch = strings(f, "dnssearch");
        d.logDriver = text(f, "logdriver");
        if (const auto* options = f.get("logdriveroptions"))
            d.logDriverOptions = stringMap(*options, f.pathOf("logdriveroptions"));
        d.cpuShares = integer(f, "cpushares");
        d.reserveMemoryMiB = integer(f, "reservememory");
        d.limitMemoryMiB = integer(f, "limitmemory");
        d.init = boolean(f, "containerinit");
        d.pullCommand = strings(f, "pullcommand");
        d.pullUsername = text(f, "pullusername");
        d.pullPassword = text(f, "pullpassword");
        d.pullImageOnPut = boolean(f, "pullimageonput");
        d.pullImageOnStart = boolean(f, "pullimageonstart");
        d.ulimits = strings(f, "ulimits");
        d.capadd = strings(f, "capadd");
        d.capdrop = strings(f, "capdrop");

        if (const auto* sources = f.get("eventsources"))
            eventSources(*sources, f.pathOf("eventsources"), out);
        if (const auto* crontab = f.get("crontab"))
            cronTab(*crontab, f.pathOf("crontab"), out);
        return out;
    }

    std::vector<sdk::VolumeMount> volumeMounts(const YamlNode& node, const std::string& path) const {
        std::vector<sdk::VolumeMount> out;
        if (node.kind == YamlNode::Kind::Null)
            return out;
        if (node.kind != YamlNode::Kind::Sequence)
            fail(node.line, path,
                 "expected a list of {source, target, type, readonly} mappings, got " + describe(node));
        for (std::size_t i = 0; i < node.items.size(); ++i) {
            const Fields f = fields(*node.items[i], path + "[" + std::to_string(i) + "]", kVolumeKeys);
            sdk::VolumeMount v;
            v.type = text(f, "type");
            v.source = text(f, "source");
            v.target = text(f, "target");
            v.readOnly = boolean(f, "readonly");
            out.push_back(std::move(v));
        }
        return out;
    }

    // A map of string → string, as NameValues sorted by name.
    std::vector<sdk::NameValue> stringMap(const YamlNode& node, const std::string& path) const {
        std::vector<sdk::NameValue> out;
        if (node.kind == YamlNode::Kind::Null)
            return out;
        if (node.kind != YamlNode::Kind::Map)
            fail(node.line, path, "expected a mapping of names to values, got " + describe(node));
        for (const auto& [key, value] : node.entries)
            out.push_back(sdk::NameValue{key->value, toText(*value, joinPath(path, key->value))});
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        return out;
    }

    void eventSources(const YamlNode& node, const std::string& path, sdk::ComponentWithEventSources& out) {
        if (node.kind == YamlNode::Kind::Null)
            return;
        if (node.kind != YamlNode::Kind::Map)
            fail(node.line, path, "expected a mapping of event source name to event source, got " + describe(node));
        std::vector<const std::pair<YamlNodePtr, YamlNodePtr>*> sorted;
        for (const auto& entry : node.entries)
            sorted.push_back(&entry);
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const auto* a, const auto* b) { return a->first->value < b->first->value; });
        for (const auto* entry : sorted) {
            const std::string& name = entry->first->value;
            const std::string esPath = joinPath(path, name);
            claim(eventSourceNames_, name, out.component.name, entry->first->line, esPath, "event source name");
            sdk::EventSourceWithStatus es;
            es.enabled = true;
            es.eventSource = eventSource(*entry->second, esPath);
            es.eventSource.name = name;
            es.eventSource.componentName = out.component.name;
            es.eventSource.projectName = out.component.projectName;
            out.eventSources.push_back(std::move(es));
        }
    }

    sdk::EventSource eventSource(const YamlNode& node, const std::string& path) const {
        const Fields f = fields(node, path, kEventSourceKeys);
        sdk::EventSource es;
        // name, componentname and projectname are accepted (the original decodes them) but overwritten.
        (void)text(f, "name");
        (void)text(f, "componentname");
        (void)text(f, "projectname");
        es.version = integer(f, "version");
        es.modifiedAt = integer(f, "modifiedat");
        if (const auto* http = present(f, "http")) {
            const Fields h = fields(*http, f.pathOf("http"), kHttpKeys);
            es.http = sdk::HttpEventSource{text(h, "hostname"), text(h, "pathprefix"), boolean(h, "stripprefix")};
        }
        if (const auto* cron = present(f, "cron")) {
            const Fields c = fields(*cron, f.pathOf("cron"), kCronKeys);
            sdk::CronEventSource ces;
            ces.schedule = text(c, "schedule");
            if (const auto* request = c.get("http")) {
                const Fields r = fields(*request, c.pathOf("http"), kCronHttpKeys);
                ces.http.method = text(r, "method");
                ces.http.path = text(r, "path");
                ces.http.data = text(r, "data");
                if (const auto* headers = r.get("headers"))
                    ces.http.headers = nameValues(*headers, r.pathOf("headers"));
            }
            if (auto error = sdk::CronSchedule::check(ces.schedule)) {
                const auto* at = c.get("schedule");
                fail(at ? at->line : cron->line, c.pathOf("schedule"),
                     "invalid cron schedule " + quoted(ces.schedule) + ": " + *error);
            }
            es.cron = std::move(ces);
        }
        if (const auto* sqs = present(f, "sqs")) {
            const Fields s = fields(*sqs, f.pathOf("sqs"), kSqsKeys);
            sdk::SqsEventSource q;
            q.queueName = text(s, "queuename");
            q.nameAsPrefix = boolean(s, "nameasprefix");
            q.path = text(s, "path");
            q.maxConcurrency = integer(s, "maxconcurrency");
            q.messagesPerPoll = integer(s, "messagesperpoll");
            q.concurrencyPerPoller = integer(s, "concurrencyperpoller");
            q.visibilityTimeout = integer(s, "visibilitytimeout");
            es.sqs = std::move(q);
        }
        if (const auto* step = present(f, "awsstepfunc")) {
            const Fields s = fields(*step, f.pathOf("awsstepfunc"), kStepFuncKeys);
            sdk::AwsStepFunctionEventSource a;
            a.activityName = text(s, "activityname");
            a.path = text(s, "path");
            a.maxConcurrency = integer(s, "maxconcurrency");
            a.concurrencyPerPoller = integer(s, "concurrencyperpoller");
            es.awsstepfunc = std::move(a);
        }
        return es;
    }

    // `crontab:` shorthand: one cron event source per line "<schedule> <path>", after the `eventsources` ones.
    void cronTab(const YamlNode& node, const std::string& path, sdk::ComponentWithEventSources& out) {
        const std::string table = toText(node, path);
        // In a literal block (`crontab: |`) line i of the value is line i+1 after the `|`; otherwise errors
        // point at the value's first line.
        const bool literalBlock = node.kind == YamlNode::Kind::Scalar && charAt(node.line, node.column) == '|';
        int counter = 0;
        std::size_t start = 0;
        for (int index = 0; start <= table.size(); ++index) {
            const auto eol = table.find('\n', start);
            const std::string_view raw =
                std::string_view(table).substr(start, eol == std::string::npos ? std::string::npos : eol - start);
            start = eol == std::string::npos ? table.size() + 1 : eol + 1;
            std::vector<std::string_view> columns;
            std::size_t i = 0;
            while (i < raw.size()) {
                while (i < raw.size() && isSpace(raw[i]))
                    ++i;
                const std::size_t begin = i;
                while (i < raw.size() && !isSpace(raw[i]))
                    ++i;
                if (i > begin)
                    columns.push_back(raw.substr(begin, i - begin));
            }
            if (columns.empty() || columns.front().front() == '#')
                continue;
            if (columns.size() < 2 || columns.back().front() != '/')
                continue;
            std::string schedule;
            for (std::size_t k = 0; k + 1 < columns.size(); ++k) {
                if (k > 0)
                    schedule += ' ';
                schedule += columns[k];
            }
            const int line = literalBlock ? node.line + 1 + index : node.line;
            if (auto error = sdk::CronSchedule::check(schedule))
                fail(line, path, "invalid cron schedule " + quoted(schedule) + ": " + *error);
            sdk::EventSourceWithStatus es;
            es.enabled = true;
            es.eventSource.name = out.component.name + "-cron-" + std::to_string(counter++);
            es.eventSource.componentName = out.component.name;
            es.eventSource.projectName = out.component.projectName;
            sdk::CronEventSource cron;
            cron.schedule = std::move(schedule);
            cron.http.method = "GET";
            cron.http.path = std::string(columns.back());
            es.eventSource.cron = std::move(cron);
            claim(eventSourceNames_, es.eventSource.name, out.component.name, line, path, "event source name");
            out.eventSources.push_back(std::move(es));
        }
    }

    static bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n'; }

    char charAt(int line, int column) const {
        if (line < 1 || static_cast<std::size_t>(line) > lineStarts_.size() || column < 0)
            return '\0';
        const std::size_t at = lineStarts_[static_cast<std::size_t>(line - 1)] + static_cast<std::size_t>(column);
        return at < source_.text.size() ? source_.text[at] : '\0';
    }

    const std::string& file_;
    const InterpolatedText& source_;
    const ProjectLoadOptions& options_;
    std::vector<std::size_t> lineStarts_;
    std::unordered_map<std::string, NameClaim> eventSourceNames_; // lowercased name → first claim
};

} // namespace

sdk::Project parseProjectYaml(std::string_view text, const std::string& fileName, const ProjectLoadOptions& options) {
    const auto& limits = options.limits;
    if (text.size() > limits.maxFileBytes)
        throw ProjectFileError(fileName, 0,
                               "the file is larger than " + std::to_string(limits.maxFileBytes) + " bytes (" +
                                   std::to_string(text.size()) + ")");
    InterpolatedText source;
    try {
        source = interpolate(text, options.environment, limits.maxFileBytes);
    } catch (const std::length_error& e) {
        throw ProjectFileError(fileName, 0, e.what());
    }
    YamlNodePtr root;
    try {
        root = parseYamlTree(source.text, YamlLimits{limits.maxNodes, limits.maxDepth});
    } catch (const YamlTreeError& e) {
        std::string message = e.what();
        // yaml-cpp's message for a tab used as indentation is cryptic ("illegal map value"); say what it is.
        const int line = e.line();
        const auto lineStart = line <= 1 ? std::size_t{0} : [&] {
            std::size_t at = 0;
            for (int l = 1; l < line && at != std::string::npos; ++l) {
                at = source.text.find('\n', at);
                if (at != std::string::npos)
                    ++at;
            }
            return at;
        }();
        if (lineStart != std::string::npos && lineStart < source.text.size()) {
            const std::size_t firstNonSpace = source.text.find_first_not_of(" \t", lineStart);
            const std::size_t indentEnd = std::min(firstNonSpace, source.text.find('\n', lineStart));
            if (source.text
                    .substr(lineStart, indentEnd == std::string::npos ? std::string::npos : indentEnd - lineStart)
                    .find('\t') != std::string::npos)
                message += " (tabs are not allowed in YAML indentation: use spaces)";
        }
        throw ProjectFileError(fileName, source.originalLine(line), message);
    }
    Decoder decoder(fileName, source, options);
    return decoder.project(*root);
}

sdk::Project loadProjectFile(const std::string& path, const ProjectLoadOptions& options) {
    std::string text;
    try {
        text = readRegularFile(path, options.limits.maxFileBytes);
    } catch (const EnvFileError& e) {
        // readRegularFile names the path already; keep "file: cause" with the cause only once.
        std::string cause = e.what();
        if (cause.rfind(path + ": ", 0) == 0)
            cause = cause.substr(path.size() + 2);
        throw ProjectFileError(path, 0, "cannot read the project file: " + cause);
    }
    return parseProjectYaml(text, path, options);
}

} // namespace maelstrom::cli
