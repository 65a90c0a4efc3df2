// maelctl.cpp — the command-line client of maelstromd: the original's grammar (docopt style: --opt=value or
// --opt value, unique prefixes of long options), plus `comp rm`, `es rm`, `--output json` on the listings and
// `project put --wait [--wait-timeout=<duration>]`. It speaks to the private port named by MAELSTROM_PRIVATE_URL
// (default http://127.0.0.1:8374), sending MAELSTROM_PRIVATE_TOKEN as a bearer token when set. Errors name what to
// do next: an unknown command lists the commands, an unknown option the options of the command.
#include "commands.h"

#include <maelstrom/core/version.h>

#include <algorithm>
#include <memory>

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr const char* kDefaultPrivateUrl = "http://127.0.0.1:8374";

const char* const kUsage[] = {
    "maelctl cert ls [--output=table|json]",
    "maelctl cluster nodes [--refresh] [--output=table|json]",
    "maelctl cluster ps [--refresh] [--output=table|json]",
    "maelctl comp ls [--prefix=<prefix>] [--output=table|json]",
    "maelctl comp rm <name>",
    "maelctl es ls [--prefix=<prefix>] [--component=<component>] [--type=<type>] [--output=table|json]",
    "maelctl es enable [--prefix=<prefix>] [--project=<project>] [--component=<component>] [--type=<type>]",
    "maelctl es disable [--prefix=<prefix>] [--project=<project>] [--component=<component>] [--type=<type>]",
    "maelctl es rm <name>",
    "maelctl logs [--components=<components>] [--since=<since>]",
    "maelctl project ls [--prefix=<prefix>] [--output=table|json]",
    "maelctl project put [--file=<file>] [--env=<envfile>] [--diffonly] [--wait [--wait-timeout=<duration>]]",
    "maelctl project rm <name>",
    "maelctl version",
};

using maelstrom::cli::CommandContext;

// One command of the grammar: its words, the flags it takes (true = takes a value), positional arguments,
// and what runs it (null for `version`).
struct CommandSpec {
    std::vector<std::string> words;
    std::map<std::string, bool> flags;
    std::size_t positionals = 0;
    int (*run)(CommandContext&) = nullptr;
};

int esEnable(CommandContext& ctx) { return maelstrom::cli::eventSourceToggle(ctx, true); }
int esDisable(CommandContext& ctx) { return maelstrom::cli::eventSourceToggle(ctx, false); }

const std::vector<CommandSpec>& commands() {
    namespace c = maelstrom::cli;
    static const std::vector<CommandSpec> specs = {
        {{"cert", "ls"}, {{"output", true}}, 0, c::certificateList},
        {{"cluster", "nodes"}, {{"refresh", false}, {"output", true}}, 0, c::clusterNodes},
        {{"cluster", "ps"}, {{"refresh", false}, {"output", true}}, 0, c::clusterPs},
        {{"comp", "ls"}, {{"prefix", true}, {"output", true}}, 0, c::componentList},
        {{"comp", "rm"}, {}, 1, c::componentRemove},
        {{"es", "ls"},
         {{"prefix", true}, {"component", true}, {"type", true}, {"output", true}},
         0,
         c::eventSourceList},
        {{"es", "enable"}, {{"prefix", true}, {"project", true}, {"component", true}, {"type", true}}, 0, esEnable},
        {{"es", "disable"}, {{"prefix", true}, {"project", true}, {"component", true}, {"type", true}}, 0, esDisable},
        {{"es", "rm"}, {}, 1, c::eventSourceRemove},
        {{"logs"}, {{"components", true}, {"since", true}}, 0, c::logs},
        {{"project", "ls"}, {{"prefix", true}, {"output", true}}, 0, c::projectList},
        {{"project", "put"},
         {{"file", true}, {"env", true}, {"diffonly", false}, {"wait", false}, {"wait-timeout", true}},
         0,
         c::projectPut},
        {{"project", "rm"}, {}, 1, c::projectRemove},
        {{"version"}, {}, 0, nullptr},
    };
    return specs;
}

std::string privateUrl() {
    const char* env = std::getenv("MAELSTROM_PRIVATE_URL");
    return env && *env ? env : kDefaultPrivateUrl;
}

void printUsage(std::ostream& out) {
    out << "Usage:\n";
    for (const char* line : kUsage) {
        out << "  " << line << "\n";
    }
}

void printHelp() {
    std::cout << "maelctl - Maelstrom Command Line Tool\n\n";
    printUsage(std::cout);
    std::cout << "\nEnvironment variables:\n"
              << "  MAELSTROM_PRIVATE_URL - URL of maelstromd host/port (default=" << kDefaultPrivateUrl << ")\n"
              << "  MAELSTROM_PRIVATE_TOKEN - bearer token, when maelstromd requires one\n"
              << "  NO_COLOR - when set, no colours (they appear only when stdout is a terminal and TERM is not dumb)\n"
              << "\nmaelstromd: " << privateUrl() << "\n";
}

std::string commandName(const CommandSpec& spec) {
    std::string name;
    for (const auto& w : spec.words) {
        name += (name.empty() ? "" : " ") + w;
    }
    return name;
}

struct Parsed {
    const CommandSpec* spec = nullptr;
    std::map<std::string, std::string> flags;
    std::vector<std::string> positionals;
};

// Matches argv against the grammar: words first, then --flag[=value] / --flag value (unique prefixes
// accepted, as docopt does) and positionals. Returns an error text, or "" on success.
std::string parse(const std::vector<std::string>& args, Parsed& out) {
    for (const auto& spec : commands()) {
        if (args.size() < spec.words.size() || !std::equal(spec.words.begin(), spec.words.end(), args.begin())) {
            continue;
        }
        out.spec = &spec;
        for (std::size_t i = spec.words.size(); i < args.size(); ++i) {
            const std::string& a = args[i];
            if (a.rfind("--", 0) != 0) {
                out.positionals.push_back(a);
                continue;
            }
            std::string name = a.substr(2);
            std::string value;
            bool hasValue = false;
            if (const auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
                hasValue = true;
            }
            std::vector<std::string> matches;
            for (const auto& [flag, takesValue] : spec.flags) {
                if (flag == name) {
                    matches = {flag};
                    break;
                }
                if (flag.rfind(name, 0) == 0) {
                    matches.push_back(flag);
                }
            }
            if (matches.size() != 1) {
                std::string known;
                for (const auto& [flag, takesValue] : spec.flags) {
                    known += (known.empty() ? "" : ", ") + ("--" + flag);
                }
                const std::string options = known.empty() ? "it takes no options" : "it takes " + known;
                return (matches.empty() ? "unknown option --" : "ambiguous option --") + name + " for '" +
                       commandName(spec) + "' (" + options + ")";
            }
            const bool takesValue = spec.flags.at(matches[0]);
            if (takesValue && !hasValue) {
                if (i + 1 >= args.size()) {
                    return "--" + matches[0] + " requires a value";
                }
                value = args[++i];
            } else if (!takesValue && hasValue) {
                return "--" + matches[0] + " takes no value";
            }
            out.flags[matches[0]] = value;
        }
        if (out.positionals.size() != spec.positionals) {
            return "'" + commandName(spec) + "' takes " +
                   (spec.positionals == 0 ? std::string("no arguments")
                                          : std::to_string(spec.positionals) + " argument (a name)") +
                   ", got " + std::to_string(out.positionals.size());
        }
        if (out.flags.count("output") && out.flags["output"] != "json" && out.flags["output"] != "table") {
            return "--output takes json or table, not '" + out.flags["output"] + "'";
        }
        return "";
    }
    std::string given;
    for (std::size_t i = 0; i < args.size() && i < 2 && args[i].rfind("-", 0) != 0; ++i) {
        given += (given.empty() ? "" : " ") + args[i];
    }
    return "unknown command '" + given + "'; the commands are:";
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    for (const auto& a : args) {
        if (a == "-h" || a == "--help") {
            printHelp();
            return 0;
        }
    }
    Parsed parsed;
    const std::string error = args.empty() ? "missing command; the commands are:" : parse(args, parsed);
    if (!error.empty()) {
        std::cerr << "maelctl: " << error << "\n";
        printUsage(std::cerr);
        return 1;
    }
    if (parsed.spec->words[0] == "version") {
        std::cout << "maelctl v" << MAELSTROM_VERSION << " built on " << MAELSTROM_BUILD_DATE << " commit "
                  << MAELSTROM_GIT_SHA << "\n";
        return 0;
    }
    const char* token = std::getenv("MAELSTROM_PRIVATE_TOKEN");
    std::unique_ptr<maelstrom::cli::ControlClient> client;
    CommandContext ctx;
    ctx.flags = parsed.flags;
    ctx.positionals = parsed.positionals;
    ctx.privateUrl = privateUrl();
    ctx.token = token ? token : "";
    ctx.client = [&]() -> maelstrom::cli::ControlClient& {
        if (!client) {
            client = std::make_unique<maelstrom::cli::ControlClient>(privateUrl(), token ? token : "");
        }
        return *client;
    };
    try {
        return parsed.spec->run(ctx);
    } catch (const std::exception& e) {
        std::cout << "ERROR: " << e.what() << "\n";
        return 1;
    }
}
