// maelctl.cpp — the command-line client of maelstromd (reference-interfaces §4). It speaks to the private
// port named by MAELSTROM_PRIVATE_URL (default http://127.0.0.1:8374). The grammar below is the original's;
// commands that need the control-plane API report that plainly until the JSON-RPC transport is in place.
#include <maelstrom/core/version.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr const char* kDefaultPrivateUrl = "http://127.0.0.1:8374";

const char* const kUsage[] = {
    "maelctl cluster nodes [--refresh]",
    "maelctl cluster ps [--refresh]",
    "maelctl comp ls [--prefix=<prefix>]",
    "maelctl es ls [--prefix=<prefix>] [--component=<component>] [--type=<type>]",
    "maelctl es enable [--prefix=<prefix>] [--project=<project>] [--component=<component>] [--type=<type>]",
    "maelctl es disable [--prefix=<prefix>] [--project=<project>] [--component=<component>] [--type=<type>]",
    "maelctl logs [--components=<components>] [--since=<since>]",
    "maelctl project ls [--prefix=<prefix>]",
    "maelctl project put [--file=<file>] [--env=<envfile>] [--diffonly]",
    "maelctl project rm <name>",
    "maelctl version",
};

// One command of the grammar: its words, the flags it takes (true = takes a value), positional arguments.
struct CommandSpec {
    std::vector<std::string> words;
    std::map<std::string, bool> flags;
    std::size_t positionals = 0;
};

const std::vector<CommandSpec>& commands() {
    static const std::vector<CommandSpec> specs = {
        {{"cluster", "nodes"}, {{"refresh", false}}, 0},
        {{"cluster", "ps"}, {{"refresh", false}}, 0},
        {{"comp", "ls"}, {{"prefix", true}}, 0},
        {{"es", "ls"}, {{"prefix", true}, {"component", true}, {"type", true}}, 0},
        {{"es", "enable"}, {{"prefix", true}, {"project", true}, {"component", true}, {"type", true}}, 0},
        {{"es", "disable"}, {{"prefix", true}, {"project", true}, {"component", true}, {"type", true}}, 0},
        {{"logs"}, {{"components", true}, {"since", true}}, 0},
        {{"project", "ls"}, {{"prefix", true}}, 0},
        {{"project", "put"}, {{"file", true}, {"env", true}, {"diffonly", false}}, 0},
        {{"project", "rm"}, {}, 1},
        {{"version"}, {}, 0},
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
              << "\nmaelstromd: " << privateUrl() << "\n";
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
        if (args.size() < spec.words.size() ||
            !std::equal(spec.words.begin(), spec.words.end(), args.begin())) {
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
                return matches.empty() ? "unknown option --" + name : "ambiguous option --" + name;
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
            return "wrong number of arguments";
        }
        return "";
    }
    return "unknown command";
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
    const std::string error = args.empty() ? "missing command" : parse(args, parsed);
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
    std::string command;
    for (const auto& w : parsed.spec->words) {
        command += (command.empty() ? "" : " ") + w;
    }
    std::cout << "ERROR: '" << command << "' is not available in this build: it needs the control-plane API of "
              << privateUrl() << "/_mael/v1, which comes with the jsonrpc-http transport\n";
    return 1;
}
