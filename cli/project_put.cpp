// project_put.cpp — `maelctl project put [--file=maelstrom.yml] [--env=<envfile>] [--diffonly] [--wait
// [--wait-timeout=<duration>]]`: read the project file with the caller's environment (and the env file merged over
// it), send PutProject, print what changed; with --wait, follow the rollout of every added or updated component
// (see rollout.h) until it is ready, failed or the timeout passed.
#include "commands.h"

#include "common/env_file.h"
#include "project/project_yaml.h"
#include "rollout.h"
#include "terminal.h"

#include <maelstrom/sdk/poco/json_codec.h>

#include <maelstrom/sdk/duration.h>
#include <maelstrom/sdk/json.h>
#include <maelstrom/sdk/json_string.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <sys/ioctl.h>
#include <unistd.h>

namespace maelstrom::cli {
namespace codec = sdk::json::codec;
using common::processEnvironment;
using common::readEnvFile;

namespace {

constexpr std::int64_t kDefaultWaitTimeoutSeconds = 300;

template <class F>
void forEachInArray(const codec::ObjectReader& reader, const char* member, F&& f) {
    const Poco::Dynamic::Var* list = reader.find(member);
    if (!list || list->type() != typeid(Poco::JSON::Array::Ptr)) {
        return;
    }
    const auto array = list->extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i) {
        f(codec::ObjectReader(array->get(static_cast<unsigned>(i)),
                              std::string(member) + "[" + std::to_string(i) + "]"));
    }
}

/// Every instance of the cluster as the daemon knows it, and the id of the node that answered.
std::vector<RolloutInstance> clusterInstances(ControlClient& client, std::string& respondingNodeId,
                                              std::vector<std::pair<std::string, std::string>>& peers) {
    const auto value = codec::parse(client.call("NodeService.ListNodeStatus", "{}"));
    const codec::ObjectReader result(value, "result");
    respondingNodeId = result.getString("respondingNodeId");
    std::vector<RolloutInstance> instances;
    peers.clear();
    forEachInArray(result, "nodes", [&](const codec::ObjectReader& node) {
        const std::string nodeId = node.getString("nodeId");
        peers.emplace_back(nodeId, node.getString("peerUrl"));
        forEachInArray(node, "runningComponents", [&](const codec::ObjectReader& c) {
            instances.push_back(RolloutInstance{nodeId, c.getString("componentName"), c.getInt("componentVersion"),
                                                c.getString("status"), c.getBool("paused")});
        });
    });
    return instances;
}

/// One node's start reports (NodeService.ListRolloutStatus).
std::vector<RolloutStart> startReports(ControlClient& client) {
    const auto value = codec::parse(client.call("NodeService.ListRolloutStatus", "{}"));
    const codec::ObjectReader result(value, "result");
    const std::string nodeId = result.getString("nodeId");
    std::vector<RolloutStart> starts;
    forEachInArray(result, "components", [&](const codec::ObjectReader& c) {
        starts.push_back(RolloutStart{nodeId, c.getString("componentName"), c.getString("phase"),
                                      c.getInt("phaseVersion"), c.getString("pullStatus"), c.getInt("failedVersion"),
                                      c.getString("failure")});
    });
    return starts;
}

std::size_t terminalWidth() {
    winsize size{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
        return size.ws_col;
    }
    return 80;
}

/// Follows the rollout of `targets` until each is finished or `timeoutSeconds` passed. @return the exit code.
int followRollout(CommandContext& ctx, std::vector<RolloutTarget> targets, std::int64_t timeoutSeconds) {
    const TerminalStyle style = stdoutStyle();
    const std::size_t width = style.live ? terminalWidth() : 0;
    std::cout << "Waiting for " << targets.size() << (targets.size() == 1 ? " component" : " components")
              << " to roll out (timeout " << timeoutSeconds << " s)\n"
              << std::flush;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    std::vector<RolloutProgress> progress(targets.size());
    std::vector<std::string> printed(targets.size());
    std::map<std::string, std::unique_ptr<ControlClient>> peerClients; // by peer URL
    std::set<std::string> unreachable;                                 // peer URLs that failed once
    bool reportsKnown = true; // false: the daemon predates ListRolloutStatus (instances only)
    std::size_t drawn = 0;
    unsigned tick = 0;
    bool timedOut = false;
    while (true) {
        std::vector<RolloutInstance> instances;
        std::vector<RolloutStart> starts;
        try {
            std::string self;
            std::vector<std::pair<std::string, std::string>> peers;
            instances = clusterInstances(ctx.client(), self, peers);
            if (reportsKnown) {
                try {
                    starts = startReports(ctx.client());
                } catch (const sdk::RpcError& e) {
                    if (e.code() != -32601) {
                        throw;
                    }
                    reportsKnown = false;
                }
            }
            for (const auto& [nodeId, peerUrl] : peers) {
                if (!reportsKnown || nodeId == self || peerUrl.empty() || unreachable.count(peerUrl)) {
                    continue;
                }
                // Another node's start reports: best effort, asked directly at its peer URL (which may not be
                // reachable from here: then only its instances, from ListNodeStatus, are followed).
                try {
                    auto& peer = peerClients[peerUrl];
                    if (!peer) {
                        peer = std::make_unique<ControlClient>(peerUrl, ctx.token, std::chrono::seconds(2));
                    }
                    for (auto& s : startReports(*peer)) {
                        starts.push_back(std::move(s));
                    }
                } catch (const std::exception&) {
                    unreachable.insert(peerUrl);
                }
            }
        } catch (const sdk::RpcError& e) {
            printRpcError(ctx, "following the rollout failed", e);
            return 1;
        }
        bool allFinished = true;
        for (std::size_t i = 0; i < targets.size(); ++i) {
            if (rolloutFinished(progress[i].phase) && !printed[i].empty()) {
                continue; // a finished component stays finished
            }
            progress[i] = evaluateRollout(targets[i], instances, starts);
            targets[i].sawOld = targets[i].sawOld || progress[i].old > 0;
            allFinished = allFinished && rolloutFinished(progress[i].phase);
        }
        timedOut = !allFinished && std::chrono::steady_clock::now() >= deadline;
        if (style.live) {
            std::cout << liveFrame(style, targets, progress, tick++, drawn, width) << std::flush;
            drawn = targets.size();
        } else {
            for (std::size_t i = 0; i < targets.size(); ++i) {
                const std::string key = rolloutKey(targets[i], progress[i]);
                if (key != printed[i]) {
                    printed[i] = key;
                    std::cout << rolloutLine(style, targets[i], progress[i], 0) << "\n" << std::flush;
                }
            }
        }
        if (style.live) {
            for (std::size_t i = 0; i < targets.size(); ++i) {
                printed[i] = rolloutKey(targets[i], progress[i]);
            }
        }
        if (allFinished || timedOut) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    int code = 0;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        const auto& p = progress[i];
        const std::string who = t.name + " v" + std::to_string(t.version);
        if (p.phase == RolloutPhase::Failed) {
            std::cout << paint(style, Colour::Red, "ERROR: " + who + " did not roll out: " + p.detail) << "\n"
                      << "Next: " << rolloutNextStep(t, p) << "\n";
            code = 1;
        } else if (!rolloutFinished(p.phase)) {
            std::cout << paint(style, Colour::Red,
                               "ERROR: " + who + " not ready after " + std::to_string(timeoutSeconds) +
                                   " s: " + rolloutText(t, p, false))
                      << "\n"
                      << "Next: see maelctl cluster ps and maelctl logs --components=" << t.name
                      << ", or wait longer with --wait-timeout\n";
            code = 1;
        }
    }
    if (code == 0) {
        std::cout << paint(style, Colour::Green, "Rollout complete") << "\n";
    }
    std::cout << std::flush;
    return code;
}

/// --wait-timeout: a Go duration ("90s", "5m") or whole seconds; @return seconds, or -1 when invalid.
std::int64_t waitTimeoutSeconds(const CommandContext& ctx) {
    if (!ctx.has("wait-timeout")) {
        return kDefaultWaitTimeoutSeconds;
    }
    const std::string text = ctx.flag("wait-timeout");
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() < 10) {
        const std::int64_t seconds = std::stoll(text);
        return seconds > 0 ? seconds : -1;
    }
    const auto ns = sdk::parseGoDuration(text);
    if (!ns || *ns <= 0) {
        return -1;
    }
    return std::max<std::int64_t>(1, (*ns + 999'999'999) / 1'000'000'000);
}

} // namespace

int projectPut(CommandContext& ctx) {
    const bool wait = ctx.has("wait");
    if (ctx.has("wait-timeout") && !wait) {
        std::cout << "ERROR: --wait-timeout needs --wait\n";
        return 1;
    }
    if (wait && ctx.has("diffonly")) {
        std::cout << "ERROR: --wait cannot be used with --diffonly (a diff changes nothing to wait for)\n";
        return 1;
    }
    const std::int64_t timeoutSeconds = waitTimeoutSeconds(ctx);
    if (timeoutSeconds < 0) {
        std::cout << "ERROR: --wait-timeout: '" << ctx.flag("wait-timeout")
                  << "' is not a positive duration (examples: 90s, 5m, 300)\n";
        return 1;
    }
    const std::string file = ctx.has("file") ? ctx.flag("file") : "maelstrom.yml";
    ProjectLoadOptions options;
    options.environment = processEnvironment();
    if (ctx.has("env")) {
        try {
            for (const auto& [k, v] : readEnvFile(ctx.flag("env"))) {
                options.environment[k] = v; // the env file overrides the process environment
            }
        } catch (const std::exception& e) {
            std::string why = e.what();
            const std::string path = ctx.flag("env") + ": ";
            if (why.rfind(path, 0) == 0) {
                why = why.substr(path.size()); // the message starts with the path already
            }
            std::cout << "ERROR: Unable to load env file: " << ctx.flag("env") << " - " << why << "\n";
            return 1;
        }
    }
    sdk::Project project;
    try {
        project = loadProjectFile(file, options);
    } catch (const std::exception& e) {
        std::cout << "ERROR: Unable to load project YAML file - " << e.what() << "\n";
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) {
            std::cout << "Next: name the project file with --file=<file> (without it: maelstrom.yml in the current "
                         "directory)\n";
        }
        return 1;
    }

    std::string input = "{\"project\":";
    codec::writeJson(input, project);
    input += ctx.has("diffonly") ? ",\"diffOnly\":true}" : "}";
    // Which components ran before the put: their new version must run too.
    std::set<std::string> running;
    if (wait) {
        try {
            std::string self;
            std::vector<std::pair<std::string, std::string>> peers;
            for (const auto& i : clusterInstances(ctx.client(), self, peers)) {
                if (!i.paused && i.status != "stopping") {
                    running.insert(i.componentName);
                }
            }
        } catch (const sdk::RpcError& e) {
            printRpcError(ctx, "ListNodeStatus failed", e);
            return 1;
        }
    }
    std::string output;
    try {
        output = ctx.client().call("MaelstromService.PutProject", input);
    } catch (const sdk::RpcError& e) {
        printRpcError(ctx, "PutProject failed", e);
        return 1;
    }

    const auto value = codec::parse(output);
    const codec::ObjectReader result(value, "result");
    const std::string name = result.getString("name");
    auto names = [&](const char* member, bool models) {
        std::vector<std::string> out;
        const Poco::Dynamic::Var* list = result.find(member);
        if (!list || list->type() != typeid(Poco::JSON::Array::Ptr)) {
            return out;
        }
        const auto array = list->extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < array->size(); ++i) {
            const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
            out.push_back(models ? codec::ObjectReader(item, member).getString("name") : item.convert<std::string>());
        }
        return out;
    };
    struct Row {
        const char* type;
        const char* member;
        bool models;
        const char* action;
    };
    const Row rows[] = {
        {"Component", "componentsAdded", true, "Added"},
        {"Component", "componentsUpdated", true, "Updated"},
        {"Component", "componentsRemoved", false, "Removed"},
        {"EventSource", "eventSourcesAdded", true, "Added"},
        {"EventSource", "eventSourcesUpdated", true, "Updated"},
        {"EventSource", "eventSourcesRemoved", false, "Removed"},
    };
    std::vector<std::pair<const Row*, std::string>> lines;
    for (const auto& row : rows) {
        for (const auto& n : names(row.member, row.models)) {
            lines.emplace_back(&row, n);
        }
    }
    if (lines.empty()) {
        // The original prints this without a trailing newline (with --wait a line follows).
        std::cout << "PutProject: No project changes detected for project: " << name << " using file: " << file;
        if (wait) {
            std::cout << "\nNothing to wait for\n";
        }
        return 0;
    }
    std::cout << (ctx.has("diffonly") ? "Project diff: " : "Project saved: ") << name << " from file: " << file << "\n";
    std::cout << "Type         Name                               Action\n";
    for (const auto& [row, n] : lines) {
        std::printf("%-11s  %-33s  %s\n", row->type, n.c_str(), row->action);
    }
    std::fflush(stdout);
    if (!wait) {
        return 0;
    }
    std::vector<RolloutTarget> targets;
    for (const char* member : {"componentsAdded", "componentsUpdated"}) {
        for (const auto& n : names(member, true)) {
            std::string stored;
            try {
                std::string input = "{\"name\":";
                sdk::appendJsonString(input, n);
                stored = ctx.client().call("MaelstromService.GetComponent", input + "}");
            } catch (const sdk::RpcError& e) {
                printRpcError(ctx, "GetComponent failed", e);
                return 1;
            }
            const auto value = codec::parse(stored);
            sdk::Component component;
            codec::ObjectReader(value, "result").getObject("component", component, true);
            RolloutTarget target;
            target.name = component.name;
            target.version = component.version;
            target.image = component.docker ? component.docker->image : "";
            target.minInstances = component.minInstances;
            target.hadInstances = running.count(component.name) > 0;
            targets.push_back(std::move(target));
        }
    }
    if (targets.empty()) {
        std::cout << "No component changed: nothing to wait for\n";
        return 0;
    }
    return followRollout(ctx, std::move(targets), timeoutSeconds);
}

} // namespace maelstrom::cli
