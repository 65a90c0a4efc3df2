// project_put.cpp — `maelctl project put [--file=maelstrom.yml] [--env=<envfile>] [--diffonly]`:
// read the project file with the caller's environment (and the env file
// merged over it), send PutProject, print what changed.
#include "commands.h"

#include "common/env_file.h"
#include "project/project_yaml.h"

#include <maelstrom/sdk/poco/json_codec.h>

#include <maelstrom/sdk/json.h>

#include <cstdio>
#include <iostream>

namespace maelstrom::cli {
namespace codec = sdk::json::codec;
using common::processEnvironment;
using common::readEnvFile;

int projectPut(CommandContext& ctx) {
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
        return 1;
    }

    std::string input = "{\"project\":";
    codec::writeJson(input, project);
    input += ctx.has("diffonly") ? ",\"diffOnly\":true}" : "}";
    std::string output;
    try {
        output = ctx.client().call("MaelstromService.PutProject", input);
    } catch (const sdk::RpcError& e) {
        std::cout << "ERROR: PutProject failed - JsonRpcError: code=" << e.code() << " message=" << e.what() << "\n";
        if (e.code() == -32603) {
            std::cout
                << "(is maelstromd running at " << ctx.client().url()
                << "? set MAELSTROM_PRIVATE_URL to its private URL, and MAELSTROM_PRIVATE_TOKEN if it needs one)\n";
        }
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
        // The original prints this without a trailing newline.
        std::cout << "PutProject: No project changes detected for project: " << name << " using file: " << file;
        return 0;
    }
    std::cout << (ctx.has("diffonly") ? "Project diff: " : "Project saved: ") << name << " from file: " << file << "\n";
    std::cout << "Type         Name                               Action\n";
    for (const auto& [row, n] : lines) {
        std::printf("%-11s  %-33s  %s\n", row->type, n.c_str(), row->action);
    }
    std::fflush(stdout);
    return 0;
}

} // namespace maelstrom::cli
