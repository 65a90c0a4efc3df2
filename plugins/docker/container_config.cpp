// container_config.cpp — component → POST /containers/create body.
// SPDX-License-Identifier: Apache-2.0
#include "container_config.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/JSON/Array.h>
#include <Poco/NumberParser.h>

#include <set>

namespace maelstrom::plugins::docker {

namespace sdk = maelstrom::sdk;

namespace {

struct PortRange {
    unsigned first = 0;
    unsigned last = 0;
    unsigned size() const { return last - first + 1; }
};

PortRange parseRange(const std::string& text, const std::string& spec, const char* what) {
    auto bad = [&]() -> sdk::InvalidInput {
        return sdk::InvalidInput("docker port spec '" + spec + "': invalid " + what + " '" + text + "'");
    };
    PortRange r;
    std::size_t dash = text.find('-');
    std::string a = text.substr(0, dash);
    std::string b = dash == std::string::npos ? a : text.substr(dash + 1);
    if (!Poco::NumberParser::tryParseUnsigned(a, r.first) || !Poco::NumberParser::tryParseUnsigned(b, r.last) ||
        r.first == 0 || r.last > 65535 || r.last < r.first) {
        throw bad();
    }
    return r;
}

const std::set<std::string>& ulimitNames() {
    static const std::set<std::string> names = {"core",    "cpu",      "data",   "fsize",      "locks",
                                                "memlock", "msgqueue", "nice",   "nofile",     "nproc",
                                                "rss",     "rtprio",   "rttime", "sigpending", "stack"};
    return names;
}

Poco::JSON::Array::Ptr stringArray(const std::vector<std::string>& values) {
    Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
    for (const auto& v : values) {
        a->add(v);
    }
    return a;
}

/// Cuts a trailing "/proto" off `rest`; returns the protocol ("tcp" when none). @throws sdk::InvalidInput.
std::string splitProtocol(const std::string& spec, std::string& rest) {
    std::string proto = "tcp";
    if (std::size_t slash = rest.rfind('/'); slash != std::string::npos) {
        proto = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        if (proto != "tcp" && proto != "udp" && proto != "sctp") {
            throw sdk::InvalidInput("docker port spec '" + spec + "': unknown protocol '" + proto + "'");
        }
    }
    return proto;
}

/// Cuts a leading "[ipv6]:" off `rest`; returns the address ("" when none). @throws sdk::InvalidInput.
std::string splitBracketedIp(const std::string& spec, std::string& rest) {
    std::string ip;
    if (!rest.empty() && rest.front() == '[') { // [ipv6]:host:container
        std::size_t close = rest.find(']');
        if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            throw sdk::InvalidInput("docker port spec '" + spec + "': malformed IPv6 address");
        }
        ip = rest.substr(1, close - 1);
        rest = rest.substr(close + 2);
    }
    return ip;
}

std::vector<std::string> splitColons(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        std::size_t colon = text.find(':', start);
        parts.push_back(text.substr(start, colon - start));
        if (colon == std::string::npos)
            break;
        start = colon + 1;
    }
    return parts;
}

/// The three fields of a port spec, as text ("" when absent).
struct PortSpecParts {
    std::string ip;
    std::string hostPart;
    std::string containerPart;
};

/// `[ip:][hostPort:]containerPort` (the IP may already have come from brackets). @throws sdk::InvalidInput.
PortSpecParts splitPortSpec(const std::string& spec, const std::string& rest, std::string ip) {
    const std::vector<std::string> parts = splitColons(rest);
    PortSpecParts out;
    if (parts.size() == 1) {
        out.containerPart = parts[0];
    } else if (parts.size() == 2) {
        out.hostPart = parts[0];
        out.containerPart = parts[1];
    } else if (parts.size() == 3 && ip.empty()) {
        ip = parts[0];
        out.hostPart = parts[1];
        out.containerPart = parts[2];
    } else {
        throw sdk::InvalidInput("docker port spec '" + spec + "': expected [ip:][hostPort:]containerPort[/proto]");
    }
    out.ip = std::move(ip);
    if (out.containerPart.empty()) {
        throw sdk::InvalidInput("docker port spec '" + spec + "': no container port");
    }
    return out;
}

/// One mapping per container port of the range. @throws sdk::InvalidInput (a bad range, ranges of two sizes).
std::vector<PortMapping> portMappings(const std::string& spec, const PortSpecParts& parts, const std::string& proto) {
    PortRange container = parseRange(parts.containerPart, spec, "container port");
    std::vector<PortMapping> out;
    if (parts.hostPart.empty()) {
        for (unsigned p = container.first; p <= container.last; ++p) {
            out.push_back({std::to_string(p) + "/" + proto, parts.ip, ""});
        }
        return out;
    }
    PortRange host = parseRange(parts.hostPart, spec, "host port");
    if (container.size() == 1 && host.size() > 1) {
        // Docker picks a free host port from the range.
        out.push_back({std::to_string(container.first) + "/" + proto, parts.ip, parts.hostPart});
        return out;
    }
    if (host.size() != container.size()) {
        throw sdk::InvalidInput("docker port spec '" + spec + "': host and container port ranges differ in size");
    }
    for (unsigned i = 0; i < container.size(); ++i) {
        out.push_back({std::to_string(container.first + i) + "/" + proto, parts.ip, std::to_string(host.first + i)});
    }
    return out;
}

} // namespace

std::vector<PortMapping> parsePortSpec(const std::string& spec) {
    std::string rest = spec;
    const std::string proto = splitProtocol(spec, rest);
    std::string ip = splitBracketedIp(spec, rest);
    return portMappings(spec, splitPortSpec(spec, rest, std::move(ip)), proto);
}

Ulimit parseUlimit(const std::string& text) {
    auto bad = [&](const std::string& why) {
        return sdk::InvalidInput("ulimit '" + text + "': " + why + " (expected name=soft[:hard])");
    };
    std::size_t eq = text.find('=');
    if (eq == std::string::npos) {
        throw bad("no '='");
    }
    Ulimit u;
    u.name = text.substr(0, eq);
    if (ulimitNames().count(u.name) == 0) {
        throw bad("unknown limit '" + u.name + "'");
    }
    std::string values = text.substr(eq + 1);
    std::size_t colon = values.find(':');
    std::string soft = values.substr(0, colon);
    std::string hard = colon == std::string::npos ? soft : values.substr(colon + 1);
    Poco::Int64 s = 0;
    Poco::Int64 h = 0;
    if (!Poco::NumberParser::tryParse64(soft, s)) {
        throw bad("soft limit '" + soft + "' is not a number");
    }
    if (!Poco::NumberParser::tryParse64(hard, h)) {
        throw bad("hard limit '" + hard + "' is not a number");
    }
    if (s > h) {
        throw bad("soft limit " + soft + " is above the hard limit " + hard);
    }
    u.soft = s;
    u.hard = h;
    return u;
}

std::vector<std::string> containerEnvironment(const sdk::ContainerSpec& spec) {
    std::vector<std::string> env;
    for (const auto& nv : spec.component.environment) {
        if (nv.name.rfind("MAELSTROM_", 0) == 0) {
            continue;
        }
        env.push_back(nv.name + "=" + nv.value);
    }
    env.push_back("MAELSTROM_PRIVATE_URL=" + spec.privateUrl);
    env.push_back("MAELSTROM_COMPONENT_NAME=" + spec.component.name);
    env.push_back("MAELSTROM_COMPONENT_VERSION=" + std::to_string(spec.component.version));
    env.push_back("MAELSTROM_PROJECT_NAME=" + spec.component.projectName);
    return env;
}

std::map<std::string, std::string> containerLabels(const sdk::ContainerSpec& spec) {
    std::map<std::string, std::string> labels = spec.extraLabels;
    labels[sdk::kLabelManaged] = "true";
    labels[sdk::kLabelComponent] = spec.component.name;
    labels[sdk::kLabelVersion] = std::to_string(spec.component.version);
    if (spec.component.docker) {
        labels[kLabelHttpPort] = std::to_string(spec.component.docker->httpPort);
    }
    return labels;
}

bool networkPublishes(const std::string& networkName) {
    return networkName != "host" && networkName != "none" && networkName.rfind("container:", 0) != 0;
}

std::string tcpPortKey(std::int64_t port) { return std::to_string(port) + "/tcp"; }

namespace {

sdk::InvalidInput inComponent(const std::string& componentName, const sdk::InvalidInput& e) {
    return sdk::InvalidInput("component '" + componentName + "': " + e.what());
}

/// The component's docker block. @throws sdk::InvalidInput when it has none or no image.
const sdk::DockerComponent& dockerSettings(const sdk::Component& c) {
    if (!c.docker) {
        throw sdk::InvalidInput("component '" + c.name + "' has no docker settings");
    }
    const sdk::DockerComponent& d = *c.docker;
    if (d.image.empty()) {
        throw sdk::InvalidInput("component '" + c.name + "' has no docker image");
    }
    return d;
}

/// The container's own settings: image, command, environment, labels, names, user.
Poco::JSON::Object::Ptr containerSettings(const sdk::ContainerSpec& spec, const sdk::DockerComponent& d) {
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
    body->set("Image", d.image);
    if (!d.command.empty())
        body->set("Cmd", stringArray(d.command));
    if (!d.entrypoint.empty())
        body->set("Entrypoint", stringArray(d.entrypoint));
    body->set("Env", stringArray(containerEnvironment(spec)));
    Poco::JSON::Object::Ptr labels = new Poco::JSON::Object;
    for (const auto& [k, v] : containerLabels(spec)) {
        labels->set(k, v);
    }
    body->set("Labels", labels);
    if (!d.hostname.empty())
        body->set("Hostname", d.hostname);
    if (!d.domainname.empty())
        body->set("Domainname", d.domainname);
    if (!d.user.empty())
        body->set("User", d.user);
    return body;
}

Poco::JSON::Object::Ptr logConfig(const sdk::DockerComponent& d) {
    Poco::JSON::Object::Ptr log = new Poco::JSON::Object;
    log->set("Type", d.logDriver);
    Poco::JSON::Object::Ptr options = new Poco::JSON::Object;
    for (const auto& nv : d.logDriverOptions) {
        options->set(nv.name, nv.value);
    }
    log->set("Config", options);
    return log;
}

Poco::JSON::Array::Ptr mountList(const sdk::DockerComponent& d) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& v : d.volumes) {
        Poco::JSON::Object::Ptr m = new Poco::JSON::Object;
        m->set("Type", v.type.empty() ? std::string("bind") : v.type);
        if (!v.source.empty())
            m->set("Source", v.source);
        m->set("Target", v.target);
        m->set("ReadOnly", v.readOnly);
        list->add(m);
    }
    return list;
}

/// @throws sdk::InvalidInput naming the component and the bad ulimit.
Poco::JSON::Array::Ptr ulimitList(const std::string& componentName, const sdk::DockerComponent& d) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& text : d.ulimits) {
        Ulimit u;
        try {
            u = parseUlimit(text);
        } catch (const sdk::InvalidInput& e) {
            throw inComponent(componentName, e);
        }
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
        o->set("Name", u.name);
        o->set("Soft", u.soft);
        o->set("Hard", u.hard);
        list->add(o);
    }
    return list;
}

/// HostConfig without the ports and the network: resources, init, logging, mounts, capabilities, DNS, ulimits.
/// @throws sdk::InvalidInput (a bad ulimit).
Poco::JSON::Object::Ptr hostConfig(const std::string& componentName, const sdk::DockerComponent& d) {
    Poco::JSON::Object::Ptr host = new Poco::JSON::Object;
    host->set("MemoryReservation", sdk::effectiveReserveMemoryMiB(d) * 1024 * 1024);
    if (d.limitMemoryMiB > 0)
        host->set("Memory", d.limitMemoryMiB * 1024 * 1024);
    if (d.init)
        host->set("Init", true);
    if (d.cpuShares > 0)
        host->set("CpuShares", d.cpuShares);
    if (!d.logDriver.empty() && d.logDriver != "maelstrom")
        host->set("LogConfig", logConfig(d));
    if (!d.volumes.empty())
        host->set("Mounts", mountList(d));
    if (!d.capadd.empty())
        host->set("CapAdd", stringArray(d.capadd));
    if (!d.capdrop.empty())
        host->set("CapDrop", stringArray(d.capdrop));
    if (!d.dns.empty())
        host->set("Dns", stringArray(d.dns));
    if (!d.dnsOptions.empty())
        host->set("DnsOptions", stringArray(d.dnsOptions));
    if (!d.dnsSearch.empty())
        host->set("DnsSearch", stringArray(d.dnsSearch));
    if (!d.ulimits.empty())
        host->set("Ulimits", ulimitList(componentName, d));
    return host;
}

/// Ports: the user's specs (a later mapping of the same container port replaces an earlier one), then
/// the published httpPort when nothing binds it yet. @throws sdk::InvalidInput (a bad port spec).
std::map<std::string, PortMapping> portBindings(const std::string& componentName, const sdk::DockerComponent& d,
                                                AddressMode mode) {
    std::map<std::string, PortMapping> bindings;
    for (const auto& portSpec : d.ports) {
        try {
            for (auto& m : parsePortSpec(portSpec)) {
                bindings[m.containerPort] = m;
            }
        } catch (const sdk::InvalidInput& e) {
            throw inComponent(componentName, e);
        }
    }
    std::string httpKey = tcpPortKey(d.httpPort);
    if (mode == AddressMode::Published && d.httpPort > 0 && networkPublishes(d.networkName) &&
        bindings.count(httpKey) == 0) {
        bindings[httpKey] = PortMapping{httpKey, "127.0.0.1", ""};
    }
    return bindings;
}

/// Sets ExposedPorts (httpPort and every bound port) on the body and PortBindings, when any, on the HostConfig.
void setPorts(Poco::JSON::Object& body, Poco::JSON::Object& host, const std::map<std::string, PortMapping>& bindings,
              std::int64_t httpPort) {
    Poco::JSON::Object::Ptr exposed = new Poco::JSON::Object;
    if (httpPort > 0) {
        exposed->set(tcpPortKey(httpPort), Poco::JSON::Object::Ptr(new Poco::JSON::Object));
    }
    Poco::JSON::Object::Ptr bound = new Poco::JSON::Object;
    for (const auto& [key, m] : bindings) {
        exposed->set(key, Poco::JSON::Object::Ptr(new Poco::JSON::Object));
        Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
        Poco::JSON::Object::Ptr b = new Poco::JSON::Object;
        b->set("HostIp", m.hostIp);
        b->set("HostPort", m.hostPort);
        list->add(b);
        bound->set(key, list);
    }
    body.set("ExposedPorts", exposed);
    if (bound->size() > 0)
        host.set("PortBindings", bound);
}

} // namespace

Poco::JSON::Object::Ptr containerCreateBody(const sdk::ContainerSpec& spec, AddressMode mode) {
    const sdk::DockerComponent& d = dockerSettings(spec.component);
    Poco::JSON::Object::Ptr body = containerSettings(spec, d);
    Poco::JSON::Object::Ptr host = hostConfig(spec.component.name, d);
    setPorts(*body, *host, portBindings(spec.component.name, d, mode), d.httpPort);
    if (!d.networkName.empty())
        host->set("NetworkMode", d.networkName);
    body->set("HostConfig", host);
    return body;
}

} // namespace maelstrom::plugins::docker
