// lifecycle_env.cpp — see lifecycle_env.h.
// SPDX-License-Identifier: Apache-2.0
#include "lifecycle_env.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace maelstrom::testing::lifecycle {

namespace {

using Clock = std::chrono::steady_clock;

double millisSince(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/// The public port from maelstromd's "private port listening on X, public port on Y" line (0: not yet).
int listeningPublicPort(const std::string& log) {
    const std::string needle = ", public port on ";
    const auto line = log.find("private port listening on ");
    if (line == std::string::npos)
        return 0;
    const auto at = log.find(needle, line);
    if (at == std::string::npos)
        return 0;
    int port = 0;
    auto i = at + needle.size();
    for (; i < log.size() && std::isdigit(static_cast<unsigned char>(log[i])); ++i) {
        port = port * 10 + (log[i] - '0');
    }
    // The whole number written: the line ends there, or goes on with the HTTPS port when TLS is on.
    return i < log.size() && (log[i] == '\n' || log[i] == ',') ? port : 0;
}

} // namespace

Daemon::Daemon(const fs::path& dataDir, const std::map<std::string, std::string>& env,
               const std::map<std::string, std::string>& runtimeSettings, const std::string& eventSources)
    : dataDir_(dataDir) {
    std::string runtime = "  container_runtime:\n    plugin: docker\n";
    if (!runtimeSettings.empty()) {
        runtime += "    settings:\n";
        for (const auto& [k, v] : runtimeSettings)
            runtime += "      " + k + ": " + v + "\n";
    }
    const std::string yaml = "services:\n"
                             "  database:\n    plugin: sqlite\n    settings:\n      path: " +
                             (dataDir_ / "maelstrom.db").string() + "\n" + runtime +
                             "  load_balancer:\n    plugin: round-robin\n"
                             "  rpc_transport:\n    plugin: jsonrpc-http\n"
                             "  event_sources:\n" +
                             (eventSources.empty() ? std::string("    - plugin: cron\n") : eventSources);
    fs::create_directories(dataDir_);
    { std::ofstream(dataDir_ / "maelstromd.yml") << yaml; }
    std::map<std::string, std::string> all = {{"MAEL_PUBLIC_PORT", "0"},   {"MAEL_DATA_DIR", dataDir_.string()},
                                              {"-MAEL_SQL_DRIVER", ""},    {"-MAEL_SQL_DSN", ""},
                                              {"-MAEL_PRIVATE_TOKEN", ""}, {"-MAEL_SHUTDOWN_KEEP_CONTAINERS", ""}};
    for (const auto& [k, v] : env) {
        all[k] = v;
    }
    // The private port: a free one (maelctl needs it before the log says anything); retried when taken.
    for (int attempt = 0; attempt < 3; ++attempt) {
        privatePort_ = freePort();
        all["MAEL_PRIVATE_PORT"] = std::to_string(privatePort_);
        for (const auto& [k, v] : env) { // "{private_port}" in a value: the port chosen (e.g. MAEL_PEER_URL)
            if (const auto at = v.find("{private_port}"); at != std::string::npos) {
                all[k] = std::string(v).replace(at, 14, std::to_string(privatePort_));
            }
        }
        process_ =
            std::make_unique<BackgroundProcess>(std::vector<std::string>{(binDir() / "maelstromd").string(), "--config",
                                                                         (dataDir_ / "maelstromd.yml").string()},
                                                all);
        const bool up = waitUntil(
            [&] {
                publicPort_ = listeningPublicPort(process_->output());
                return publicPort_ > 0 || !process_->running();
            },
            std::chrono::seconds(90));
        if (up && publicPort_ > 0 && process_->running()) {
            return;
        }
        const std::string out = process_->output();
        if (out.find("ddress already in use") == std::string::npos) {
            CPPUNIT_FAIL("maelstromd did not start:\n" + out);
        }
        process_->stop(SIGKILL);
    }
    CPPUNIT_FAIL("maelstromd did not start (ports taken):\n" + process_->output());
}

Daemon::~Daemon() {
    if (process_ && process_->running()) {
        process_->stop(SIGTERM, std::chrono::seconds(60));
    }
    // Failure messages are wrapped and cut; MAELSTROM_TEST_LOG_DIR keeps every maelstromd log whole.
    if (const char* keep = std::getenv("MAELSTROM_TEST_LOG_DIR"); keep && *keep && process_) {
        std::error_code ec; // a destructor must not throw
        fs::create_directories(keep, ec);
        std::ofstream(fs::path(keep) / ("maelstromd-" + std::to_string(process_->pid()) + ".log")) << log();
    }
}

std::string Daemon::tail(std::size_t chars) const {
    const std::string out = log();
    return out.size() > chars ? "..." + out.substr(out.size() - chars) : out;
}

bool Daemon::waitForLog(const std::string& needle, std::chrono::milliseconds timeout) const {
    return waitUntil([&] { return log().find(needle) != std::string::npos; }, timeout);
}

ProcessResult Daemon::maelctl(const std::vector<std::string>& args, std::chrono::seconds timeout) const {
    std::vector<std::string> argv{(binDir() / "maelctl").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv, {{"MAELSTROM_PRIVATE_URL", privateUrl()}}, timeout);
}

void Daemon::putProject(const std::string& yaml) const {
    static std::atomic<int> counter{0};
    const fs::path file = dataDir_ / ("project-" + std::to_string(++counter) + ".yml");
    { std::ofstream(file) << yaml; }
    const auto r = maelctl({"project", "put", "--file=" + file.string()});
    if (r.exitCode != 0) {
        CPPUNIT_FAIL("maelctl project put failed (" + std::to_string(r.exitCode) + "): " + r.out + r.err + "\nyaml:\n" +
                     yaml);
    }
}

std::int64_t Daemon::componentVersion(const std::string& component) const {
    try {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(privatePort_));
        session.setTimeout(Poco::Timespan(30, 0));
        const std::string body =
            R"({"jsonrpc":"2.0","id":"v","method":"MaelstromService.GetComponent","params":[{"name":")" + component +
            R"("}]})";
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, "/_mael/v1", Poco::Net::HTTPMessage::HTTP_1_1);
        req.setContentType("application/json");
        req.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(req) << body;
        Poco::Net::HTTPResponse resp;
        std::string text;
        Poco::StreamCopier::copyToString(session.receiveResponse(resp), text);
        Poco::JSON::Parser parser;
        auto o = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
        if (!o->has("result"))
            return -1;
        return o->getObject("result")->getObject("component")->getValue<std::int64_t>("version");
    } catch (const std::exception&) {
        return -1;
    }
}

std::string lifecycleImage() {
    static const std::string image = [] {
        const std::string tag = "maelstrom-test/lifecycle:" + std::to_string(::getpid());
        const auto r = docker::dockerCli({"tag", docker::fixtureImage(1), tag});
        if (r.exitCode != 0) {
            throw std::runtime_error("docker tag " + tag + " failed: " + r.err);
        }
        // Registered after fixtureImage()'s own clean-up, so it runs first.
        std::atexit([] { docker::dockerCli({"rmi", "maelstrom-test/lifecycle:" + std::to_string(::getpid())}); });
        return tag;
    }();
    return image;
}

std::string uniqueProject(const std::string& stem) {
    static std::atomic<int> counter{0};
    std::string name = stem + std::to_string(::getpid() % 1000000) + "x" + std::to_string(++counter);
    return name.substr(0, 20);
}

std::string componentYaml(const std::string& key, const std::string& hostname, const std::vector<std::string>& extra) {
    std::string y = "  " + key + ":\n" + "    image: " + lifecycleImage() +
                    "\n"
                    "    httpport: 8080\n"
                    "    httphealthcheckpath: /health\n";
    bool hasHealthSeconds = false;
    for (const auto& line : extra) {
        hasHealthSeconds = hasHealthSeconds || line.rfind("httphealthcheckseconds:", 0) == 0;
        y += "    " + line + "\n";
    }
    if (!hasHealthSeconds) {
        y += "    httphealthcheckseconds: 1\n";
    }
    y += "    eventsources:\n      " + key + "web:\n        http:\n          hostname: " + hostname + "\n";
    return y;
}

std::string projectYaml(const std::string& project, const std::vector<std::string>& components) {
    std::string y = "name: " + project + "\ncomponents:\n";
    for (const auto& c : components)
        y += c;
    return y;
}

Reply request(int port, const std::string& host, const std::string& path, std::chrono::seconds timeout) {
    Reply reply;
    const auto t0 = Clock::now();
    try {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
        session.setTimeout(Poco::Timespan(static_cast<long>(timeout.count()), 0));
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
        req.setHost(host);
        session.sendRequest(req);
        Poco::Net::HTTPResponse resp;
        std::istream& in = session.receiveResponse(resp);
        Poco::StreamCopier::copyToString(in, reply.body);
        reply.status = static_cast<int>(resp.getStatus());
    } catch (const Poco::Exception& e) {
        reply.error = e.displayText();
    } catch (const std::exception& e) {
        reply.error = e.what();
    }
    reply.millis = millisSince(t0);
    return reply;
}

std::vector<std::string> runningContainers(const std::string& component) {
    return words(
        docker::dockerCli({"ps", "-q", "--no-trunc", "--filter", "label=maelstrom_component=" + component}).out);
}

std::vector<std::string> allContainers(const std::string& component) {
    return words(
        docker::dockerCli({"ps", "-aq", "--no-trunc", "--filter", "label=maelstrom_component=" + component}).out);
}

std::vector<std::string> containersInStatus(const std::string& component, const std::string& status) {
    return words(docker::dockerCli({"ps", "-aq", "--no-trunc", "--filter", "status=" + status, "--filter",
                                    "label=maelstrom_component=" + component})
                     .out);
}

std::vector<std::string> containersOnceStarted(const std::string& component) {
    const auto created = containersInStatus(component, "created");
    auto all = allContainers(component);
    std::erase_if(
        all, [&](const std::string& id) { return std::find(created.begin(), created.end(), id) != created.end(); });
    return all;
}

std::string containerVersionLabel(const std::string& id) {
    auto r = docker::dockerCli({"inspect", "-f", "{{index .Config.Labels \"maelstrom_version\"}}", id});
    if (r.exitCode != 0)
        return "";
    std::string v = r.out;
    while (!v.empty() && (v.back() == '\n' || v.back() == ' '))
        v.pop_back();
    return v;
}

bool containerRunning(const std::string& id) {
    auto r = docker::dockerCli({"inspect", "-f", "{{.State.Running}}", id});
    return r.exitCode == 0 && r.out.find("true") == 0;
}

std::string trimmed(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
    return text;
}

bool containsShortId(const std::vector<std::string>& ids, const std::string& shortIdText) {
    const std::string shortId = trimmed(shortIdText);
    if (shortId.empty())
        return false;
    return std::any_of(ids.begin(), ids.end(), [&](const std::string& id) { return id.rfind(shortId, 0) == 0; });
}

void removeProjectContainers(const std::string& project) {
    auto r = docker::dockerCli({"ps", "-a", "--no-trunc", "--filter", "label=maelstrom=true", "--format",
                                "{{.ID}} {{.Label \"maelstrom_component\"}}"});
    std::istringstream lines(r.out);
    std::string line;
    const std::string prefix = project + "_";
    while (std::getline(lines, line)) {
        auto parts = words(line);
        if (parts.size() == 2 && parts[1].rfind(prefix, 0) == 0) {
            docker::dockerCli({"rm", "-f", "-v", parts[0]});
        }
    }
}

std::string dockerTimestamp() {
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                  static_cast<long long>(ns % 1000000000));
    return buf;
}

std::vector<DockerEvent> dockerEvents(const std::string& component, const std::string& since,
                                      const std::string& until) {
    auto r = docker::dockerCli({"events", "--since", since, "--until", until, "--filter", "type=container", "--filter",
                                "label=maelstrom_component=" + component, "--format",
                                "{{.TimeNano}} {{.Action}} {{.Actor.ID}}"});
    std::vector<DockerEvent> events;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
        auto parts = words(line);
        if (parts.size() < 3)
            continue;
        DockerEvent e;
        e.timeNano = std::stoll(parts[0]);
        e.action = parts[1];
        e.id = parts.back();
        events.push_back(e);
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const DockerEvent& a, const DockerEvent& b) { return a.timeNano < b.timeNano; });
    return events;
}

LoadClient::LoadClient(int port, std::string host, std::string path, std::chrono::microseconds interval)
    : port_(port), host_(std::move(host)), path_(std::move(path)), interval_(interval),
      thread_([this](std::stop_token stop) { run(stop); }) {}

LoadClient::~LoadClient() { stop(); }

void LoadClient::stop() {
    if (thread_.joinable()) {
        thread_.request_stop();
        thread_.join();
    }
}

LoadClient::Result LoadClient::result() const {
    std::lock_guard lock(mutex_);
    return result_;
}

void LoadClient::run(std::stop_token stop) {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    auto next = Clock::now();
    while (!stop.stop_requested()) {
        if (!session) {
            session = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", static_cast<Poco::UInt16>(port_));
            session->setKeepAlive(true);
            session->setTimeout(Poco::Timespan(10, 0));
        }
        const auto t0 = Clock::now();
        std::string error;
        try {
            Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, path_, Poco::Net::HTTPMessage::HTTP_1_1);
            req.setHost(host_);
            req.setKeepAlive(true);
            session->sendRequest(req);
            Poco::Net::HTTPResponse resp;
            std::string body;
            Poco::StreamCopier::copyToString(session->receiveResponse(resp), body);
            if (resp.getStatus() != 200) {
                error = "status " + std::to_string(resp.getStatus()) + ": " + body.substr(0, 200);
            }
            if (!resp.getKeepAlive()) {
                session.reset();
            }
        } catch (const Poco::Exception& e) {
            error = "exception: " + e.displayText();
            session.reset();
        }
        const double ms = millisSince(t0);
        {
            std::lock_guard lock(mutex_);
            ++result_.requests;
            if (error.empty()) {
                result_.latenciesMs.push_back(ms);
            } else {
                ++result_.errors;
                if (result_.errorSamples.size() < 10)
                    result_.errorSamples.push_back(error);
            }
        }
        next += interval_;
        const auto now = Clock::now();
        if (next < now) {
            next = now; // behind schedule (a slow request): no burst to catch up
        } else {
            std::this_thread::sleep_until(next);
        }
    }
}

double percentile(std::vector<double> values, double p) {
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(p * static_cast<double>(values.size()));
    if (rank >= values.size())
        rank = values.size() - 1;
    return values[rank];
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    std::string w;
    while (in >> w)
        out.push_back(w);
    return out;
}

} // namespace maelstrom::testing::lifecycle
