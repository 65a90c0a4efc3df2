// docker_runtime.cpp — the ContainerRuntime over the Engine API.
// SPDX-License-Identifier: Apache-2.0
#include "docker_runtime.h"

#include "exec_runner.h"
#include "log_reader.h"
#include "pruner.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/JSON/Array.h>
#include <Poco/NumberParser.h>

#include <cstdio>
#include <ctime>

namespace maelstrom::plugins::docker {

namespace sdk = maelstrom::sdk;

std::int64_t parseDockerTime(const std::string& text) {
    std::tm tm{};
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &year, &month, &day, &hour, &minute, &second) != 6) {
        return 0;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    std::int64_t millis = static_cast<std::int64_t>(timegm(&tm)) * 1000;
    std::size_t dot = text.find('.');
    if (dot != std::string::npos) {
        int ms = 0;
        int digits = 0;
        for (std::size_t i = dot + 1;
             i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && digits < 3; ++i, ++digits) {
            ms = ms * 10 + (text[i] - '0');
        }
        while (digits++ < 3)
            ms *= 10;
        millis += ms;
    }
    return millis;
}

namespace {

/// A handle that keeps the subscription alive; the runtime keeps a weak reference to cancel it at shutdown.
class SubscriptionHandle : public sdk::Subscription {
public:
    explicit SubscriptionHandle(std::shared_ptr<EventSubscription> s) : s_(std::move(s)) {}
    ~SubscriptionHandle() override { s_->cancel(); }
    void cancel() override { s_->cancel(); }

private:
    std::shared_ptr<EventSubscription> s_;
};

sdk::ContainerState toState(const std::string& status) {
    if (status == "running" || status == "restarting")
        return sdk::ContainerState::Running;
    if (status == "paused")
        return sdk::ContainerState::Paused;
    if (status == "created")
        return sdk::ContainerState::Created;
    if (status == "exited" || status == "dead" || status == "removing")
        return sdk::ContainerState::Exited;
    return sdk::ContainerState::Unknown;
}

std::int64_t labelInt(const std::map<std::string, std::string>& labels, const char* key) {
    auto it = labels.find(key);
    Poco::Int64 v = 0;
    if (it == labels.end() || !Poco::NumberParser::tryParse64(it->second, v))
        return 0;
    return v;
}

/// The container's labels (a Labels object of an inspect or a list answer), and the component and version
/// they name.
void setLabels(sdk::ContainerSummary& s, const Poco::JSON::Object::Ptr& labels) {
    if (labels) {
        for (const auto& [k, v] : *labels) {
            s.labels[k] = v.convert<std::string>();
        }
    }
    s.componentName = s.labels.count(sdk::kLabelComponent) ? s.labels[sdk::kLabelComponent] : std::string();
    s.componentVersion = labelInt(s.labels, sdk::kLabelVersion);
}

std::string loopbackFor(const std::string& hostIp) {
    if (hostIp.empty() || hostIp == "0.0.0.0" || hostIp == "::")
        return "127.0.0.1";
    return hostIp;
}

/// The container's IP: on its own network mode when it has one, else bridge, else the first with an address.
std::string containerIp(const Poco::JSON::Object::Ptr& networks, const std::string& networkMode) {
    if (!networks)
        return {};
    for (const std::string& preferred : {networkMode, std::string("bridge")}) {
        auto n = jsonObject(networks, preferred);
        std::string ip = jsonString(n, "IPAddress");
        if (!ip.empty())
            return ip;
    }
    for (const auto& [name, value] : *networks) {
        (void)value;
        std::string ip = jsonString(networks->getObject(name), "IPAddress");
        if (!ip.empty())
            return ip;
    }
    return {};
}

/// The first host address of an IPv4 subnet ("172.17.0.0/16" → "172.17.0.1"); "" for anything else.
std::string firstHostOf(const std::string& subnet) {
    unsigned a, b, c, d, bits;
    if (std::sscanf(subnet.c_str(), "%u.%u.%u.%u/%u", &a, &b, &c, &d, &bits) != 5 || a > 255 || b > 255 || c > 255 ||
        d > 255 || bits > 30) {
        return {};
    }
    std::uint32_t ip = (a << 24) | (b << 16) | (c << 8) | d;
    std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t(0) << (32 - bits);
    ip = (ip & mask) + 1;
    return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." + std::to_string((ip >> 8) & 255) +
           "." + std::to_string(ip & 255);
}

std::string componentLabel(const std::string& name, const std::string& image) {
    return "component '" + name + "' (image '" + image + "')";
}

std::string componentLabel(const sdk::ContainerSpec& spec) {
    return componentLabel(spec.component.name, spec.component.docker ? spec.component.docker->image : std::string());
}

/// Running and paused containers have an address (a paused one answers there again once unpaused).
bool hasEndpoint(sdk::ContainerState state) {
    return state == sdk::ContainerState::Running || state == sdk::ContainerState::Paused;
}

} // namespace

DockerRuntime::DockerRuntime(DockerRuntimeOptions options)
    : client_(std::make_shared<EngineClient>(options.engine)), address_(options.address), logger_(options.logger),
      puller_(*client_, options.logger, options.pullTimeout) {}

DockerRuntime::~DockerRuntime() { shutdown(); }

sdk::RuntimeCapabilities DockerRuntime::capabilities() const {
    sdk::RuntimeCapabilities c;
    c.exec = true;
    c.logs = true;
    c.events = true;
    c.prune = true;
    c.adopt = true;
    c.pause = true;
    c.precreate = true;
    return c;
}

sdk::RuntimeInfo DockerRuntime::info() {
    auto o = client_->json("GET", "/info", "read daemon info").extract<Poco::JSON::Object::Ptr>();
    sdk::RuntimeInfo info;
    info.nodeId = jsonString(o, "ID");
    info.totalMemoryBytes = jsonInt(o, "MemTotal");
    info.numCpus = jsonInt(o, "NCPU");
    info.engineVersion = jsonString(o, "ServerVersion");
    info.apiVersion = client_->apiVersion();
    info.hostGateway = "172.17.0.1";
    for (const char* network : {"docker_gwbridge", "bridge"}) {
        auto r =
            client_->request("GET", std::string("/networks/") + network, std::string("inspect network ") + network);
        if (r.status != 200)
            continue;
        auto configs = jsonArray(
            jsonObject(parseJson(r.body, "inspect network").extract<Poco::JSON::Object::Ptr>(), "IPAM"), "Config");
        auto config = configs && configs->size() > 0 ? configs->getObject(0) : nullptr;
        std::string gateway = jsonString(config, "Gateway");
        if (gateway.empty()) {
            gateway = firstHostOf(jsonString(config, "Subnet")); // Docker's own choice when none is configured
        }
        if (!gateway.empty()) {
            info.hostGateway = gateway;
            break;
        }
    }
    return info;
}

void DockerRuntime::ensureImage(const sdk::DockerComponent& docker, sdk::PullPolicy policy,
                                const sdk::PullProgress& progress) {
    puller_.ensure(docker, policy, progress);
}

void DockerRuntime::removeQuietly(const std::string& containerId, const std::string& why) {
    try {
        remove(containerId, true);
        logger_.information("removed container " + containerId + " (" + why + ")");
    } catch (const std::exception& e) {
        logger_.error("could not remove container " + containerId + " after " + why + ": " + e.what());
    }
}

std::string DockerRuntime::createContainer(const sdk::ContainerSpec& spec, const std::string& who) {
    Poco::JSON::Object::Ptr body = containerCreateBody(spec, address_);
    const auto& docker = *spec.component.docker;
    auto created = client_->request("POST", "/containers/create", "create container for " + who, toJson(body));
    if (created.status == 404) {
        throw sdk::NotFound("docker: create container for " + who + ": image '" + docker.image +
                            "' is not present (pull it first): " + dockerMessage(created.body));
    }
    if (created.status >= 400) {
        throwEngineError(created.status, created.body, "create container for " + who);
    }
    std::string id = jsonString(parseJson(created.body, "create container").extract<Poco::JSON::Object::Ptr>(), "Id");
    if (id.empty()) {
        throw sdk::PluginError("docker: create container for " + who + ": the answer carries no Id: " + created.body);
    }
    return id;
}

std::string DockerRuntime::describeQuietly(const std::string& containerId) {
    try {
        auto s = inspect(containerId);
        if (!s.componentName.empty())
            return componentLabel(s.componentName, s.image);
    } catch (const std::exception&) {
        // Only used to word an error that is already being reported.
    }
    return {};
}

sdk::ContainerSummary DockerRuntime::startContainer(const std::string& id, std::string who) {
    std::string shortId = id.substr(0, 12);
    auto of = [&] { return who.empty() ? std::string() : " of " + who; };
    auto started =
        client_->request("POST", "/containers/" + urlEncode(id) + "/start", "start container " + shortId + of());
    if (started.status >= 400) {
        if (who.empty())
            who = describeQuietly(id);
        throwEngineError(started.status, started.body, "start container " + shortId + of());
    }
    auto inspected =
        client_->json("GET", "/containers/" + urlEncode(id) + "/json", "inspect container " + shortId + of())
            .extract<Poco::JSON::Object::Ptr>();
    sdk::ContainerSummary summary = summaryFromInspect(inspected);
    if (who.empty())
        who = componentLabel(summary.componentName, summary.image);
    if (summary.state != sdk::ContainerState::Running) {
        auto state = jsonObject(inspected, "State");
        std::string why = "exit code " + std::to_string(jsonInt(state, "ExitCode"));
        if (jsonBool(state, "OOMKilled"))
            why += ", out of memory (OOM-killed)";
        std::string error = jsonString(state, "Error");
        if (!error.empty())
            why += ", " + error;
        throw sdk::PluginError("docker: container " + shortId + " of " + who + " exited right after start (" + why +
                               ")");
    }
    std::int64_t httpPort = labelInt(summary.labels, kLabelHttpPort);
    if (httpPort > 0 && !summary.endpoint) {
        throw sdk::PluginError("docker: container " + shortId + " of " + who + ": no address for its httpPort " +
                               std::to_string(httpPort) + " (network '" +
                               jsonString(jsonObject(inspected, "HostConfig"), "NetworkMode") + "')");
    }
    logger_.information("started container " + shortId + " of " + who + " at " +
                        (summary.endpoint ? summary.endpoint->host + ":" + std::to_string(summary.endpoint->port)
                                          : std::string("no endpoint")));
    return summary;
}

sdk::ContainerSummary DockerRuntime::start(const sdk::ContainerSpec& spec) {
    std::string who = componentLabel(spec);
    std::string id = createContainer(spec, who);
    try {
        return startContainer(id, who);
    } catch (...) {
        removeQuietly(id, "failed start");
        throw;
    }
}

sdk::ContainerSummary DockerRuntime::create(const sdk::ContainerSpec& spec) {
    std::string who = componentLabel(spec);
    std::string id = createContainer(spec, who);
    try {
        auto summary = summaryFromInspect(
            client_->json("GET", "/containers/" + id + "/json", "inspect container " + id.substr(0, 12) + " of " + who)
                .extract<Poco::JSON::Object::Ptr>());
        logger_.information("created container " + id.substr(0, 12) + " of " + who + " (not started)");
        return summary;
    } catch (...) {
        removeQuietly(id, "failed create");
        throw;
    }
}

sdk::ContainerSummary DockerRuntime::startCreated(const std::string& containerId) {
    return startContainer(containerId, {});
}

void DockerRuntime::setPaused(const std::string& containerId, bool paused) {
    const std::string verb = paused ? "pause" : "unpause";
    const std::string what = verb + " container " + containerId;
    auto r = client_->request("POST", "/containers/" + urlEncode(containerId) + "/" + verb, what);
    if (r.status < 300) {
        logger_.debug(verb + "d container " + containerId);
        return;
    }
    if (r.status != 404) {
        // Docker refuses to pause a paused container and to unpause one that is not paused (409 or 500, depending
        // on the version): fine when the container already is where it was asked to be (a stopped or created one
        // is an error).
        auto wanted = paused ? sdk::ContainerState::Paused : sdk::ContainerState::Running;
        if (inspect(containerId).state == wanted)
            return;
    }
    throwEngineError(r.status, r.body, what);
}

void DockerRuntime::pause(const std::string& containerId) { setPaused(containerId, true); }

void DockerRuntime::unpause(const std::string& containerId) { setPaused(containerId, false); }

void DockerRuntime::stop(const std::string& containerId, std::chrono::seconds grace) {
    std::string what = "stop container " + containerId;
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(grace) + std::chrono::seconds(60);
    auto r =
        client_->request("POST", "/containers/" + urlEncode(containerId) + "/stop?t=" + std::to_string(grace.count()),
                         what, {}, {}, timeout);
    if (r.status == 204 || r.status == 304)
        return;
    throwEngineError(r.status, r.body, what);
}

void DockerRuntime::remove(const std::string& containerId, bool force) {
    std::string what = "remove container " + containerId;
    auto r = client_->request("DELETE", "/containers/" + urlEncode(containerId) + "?v=1" + (force ? "&force=1" : ""),
                              what, {}, {}, std::chrono::seconds(120));
    if (r.status < 300 || r.status == 404)
        return;
    if (r.status == 409 && dockerMessage(r.body).find("already in progress") != std::string::npos)
        return;
    throwEngineError(r.status, r.body, what);
}

sdk::ContainerSummary DockerRuntime::inspect(const std::string& containerId) {
    auto o = client_->json("GET", "/containers/" + urlEncode(containerId) + "/json", "inspect container " + containerId)
                 .extract<Poco::JSON::Object::Ptr>();
    return summaryFromInspect(o);
}

std::vector<sdk::ContainerSummary> DockerRuntime::listManaged(bool all) {
    std::string filters = std::string(R"({"label":[")") + sdk::kLabelManaged + "=true\"]}";
    auto list =
        client_
            ->json("GET", std::string("/containers/json?all=") + (all ? "1" : "0") + "&filters=" + urlEncode(filters),
                   "list managed containers")
            .extract<Poco::JSON::Array::Ptr>();
    std::vector<sdk::ContainerSummary> out;
    for (std::size_t i = 0; list && i < list->size(); ++i) {
        out.push_back(summaryFromList(list->getObject(static_cast<unsigned>(i))));
    }
    return out;
}

sdk::ContainerSummary DockerRuntime::summaryFromInspect(const Poco::JSON::Object::Ptr& o) const {
    sdk::ContainerSummary s;
    s.id = jsonString(o, "Id");
    auto config = jsonObject(o, "Config");
    s.image = jsonString(config, "Image");
    setLabels(s, jsonObject(config, "Labels"));
    auto state = jsonObject(o, "State");
    s.state = toState(jsonString(state, "Status"));
    s.createdAt = parseDockerTime(jsonString(o, "Created"));
    std::int64_t httpPort = labelInt(s.labels, kLabelHttpPort);
    if (!hasEndpoint(s.state) || httpPort <= 0)
        return s;

    std::string networkMode = jsonString(jsonObject(o, "HostConfig"), "NetworkMode");
    if (networkMode == "host") {
        s.endpoint = sdk::Endpoint{"127.0.0.1", httpPort};
        return s;
    }
    auto settings = jsonObject(o, "NetworkSettings");
    if (address_ == AddressMode::Published) {
        auto ports = jsonObject(settings, "Ports");
        auto bindings = jsonArray(ports, tcpPortKey(httpPort));
        if (bindings && bindings->size() > 0) {
            auto b = bindings->getObject(0);
            Poco::Int64 port = 0;
            if (Poco::NumberParser::tryParse64(jsonString(b, "HostPort"), port) && port > 0) {
                s.endpoint = sdk::Endpoint{loopbackFor(jsonString(b, "HostIp")), port};
                return s;
            }
        }
    }
    std::string ip = containerIp(jsonObject(settings, "Networks"), networkMode);
    if (!ip.empty())
        s.endpoint = sdk::Endpoint{ip, httpPort};
    return s;
}

sdk::ContainerSummary DockerRuntime::summaryFromList(const Poco::JSON::Object::Ptr& o) const {
    sdk::ContainerSummary s;
    s.id = jsonString(o, "Id");
    s.image = jsonString(o, "Image");
    setLabels(s, jsonObject(o, "Labels"));
    s.state = toState(jsonString(o, "State"));
    s.createdAt = jsonInt(o, "Created") * 1000;
    std::int64_t httpPort = labelInt(s.labels, kLabelHttpPort);
    if (!hasEndpoint(s.state) || httpPort <= 0)
        return s;
    std::string networkMode = jsonString(jsonObject(o, "HostConfig"), "NetworkMode");
    if (networkMode == "host") {
        s.endpoint = sdk::Endpoint{"127.0.0.1", httpPort};
        return s;
    }
    if (address_ == AddressMode::Published) {
        auto ports = jsonArray(o, "Ports");
        for (std::size_t i = 0; ports && i < ports->size(); ++i) {
            auto p = ports->getObject(static_cast<unsigned>(i));
            if (jsonInt(p, "PrivatePort") == httpPort && jsonString(p, "Type") == "tcp" &&
                jsonInt(p, "PublicPort") > 0) {
                s.endpoint = sdk::Endpoint{loopbackFor(jsonString(p, "IP")), jsonInt(p, "PublicPort")};
                return s;
            }
        }
    }
    std::string ip = containerIp(jsonObject(jsonObject(o, "NetworkSettings"), "Networks"),
                                 networkMode == "default" ? std::string("bridge") : networkMode);
    if (!ip.empty())
        s.endpoint = sdk::Endpoint{ip, httpPort};
    return s;
}

sdk::ExecResult DockerRuntime::exec(const std::string& containerId, const std::vector<std::string>& argv,
                                    std::chrono::seconds timeout) {
    return runExec(*client_, containerId, argv, timeout);
}

void DockerRuntime::logs(const std::string& containerId, const sdk::LogOptions& options,
                         const std::function<void(const sdk::LogLine&)>& sink, std::stop_token stop) {
    readLogs(*client_, containerId, options, sink, std::move(stop));
}

std::unique_ptr<sdk::Subscription> DockerRuntime::subscribe(std::function<void(const sdk::ContainerEvent&)> sink) {
    auto s = std::make_shared<EventSubscription>(client_, logger_, std::move(sink));
    s->start();
    {
        std::lock_guard lock(subscriptionsMutex_);
        std::erase_if(subscriptions_, [](const auto& w) { return w.expired(); });
        subscriptions_.push_back(s);
    }
    return std::make_unique<SubscriptionHandle>(std::move(s));
}

sdk::PruneReport DockerRuntime::prune(const sdk::PruneOptions& options) {
    return docker::prune(*client_, logger_, options);
}

void DockerRuntime::shutdown() {
    std::vector<std::shared_ptr<EventSubscription>> live;
    {
        std::lock_guard lock(subscriptionsMutex_);
        for (auto& w : subscriptions_) {
            if (auto s = w.lock())
                live.push_back(std::move(s));
        }
        subscriptions_.clear();
    }
    for (auto& s : live) {
        s->cancel();
    }
}

} // namespace maelstrom::plugins::docker
