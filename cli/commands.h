// commands.h — maelctl: one function per command of the grammar (as the original maelctl: the same calls,
// the same printf layouts), plus our additions: `comp rm`, `es rm`, `--output json` on the listings and
// `project put --wait`. Each returns the process exit code; errors print `ERROR: <context> - <err>` to stdout, then
// `Next: <what to do>` when there is something to say, and return 1.
#pragma once

#include "control_client.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace maelstrom::cli {

using Flags = std::map<std::string, std::string>; ///< --name → value ("" for switches)

struct CommandContext {
    std::function<ControlClient&()> client; ///< connects on first use
    std::string privateUrl;                 ///< MAELSTROM_PRIVATE_URL (or the default)
    std::string token;                      ///< MAELSTROM_PRIVATE_TOKEN (may be empty)
    Flags flags;
    std::vector<std::string> positionals;
    bool has(const std::string& flag) const { return flags.count(flag) > 0; }
    std::string flag(const std::string& name) const {
        const auto it = flags.find(name);
        return it == flags.end() ? "" : it->second;
    }
    bool json() const { return flag("output") == "json"; }
};

/// Prints the original's `ERROR: <context> - JsonRpcError: code=.. message=..` and, on a second line
/// `Next: ...`, what to do about it (see next_steps.h).
void printRpcError(const CommandContext& ctx, const std::string& context, const sdk::RpcError& error);

int certificateList(CommandContext& ctx);
int clusterNodes(CommandContext& ctx);
int clusterPs(CommandContext& ctx);
int componentList(CommandContext& ctx);
int componentRemove(CommandContext& ctx);
int eventSourceList(CommandContext& ctx);
int eventSourceToggle(CommandContext& ctx, bool enabled);
int eventSourceRemove(CommandContext& ctx);
int projectList(CommandContext& ctx);
int projectPut(CommandContext& ctx);
int projectRemove(CommandContext& ctx);
/// Streams /_mael/logs (logs_command.cpp); uses privateUrl and token, not the RPC client.
int logs(CommandContext& ctx);

} // namespace maelstrom::cli
