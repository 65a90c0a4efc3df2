// listings.h — maelctl: the tables of `comp ls` and `cluster ps`, rendered as text (the original's printf
// layouts) so that they can be checked without a daemon.
#pragma once

#include <maelstrom/sdk/model.h>

#include <cstdint>
#include <string>
#include <vector>

namespace maelstrom::cli {

/// The status `cluster ps` shows for an instance: `paused` for a paused one (sent as "stopping" with
/// paused=true), else the status it was sent with.
std::string instanceStatus(const sdk::ComponentInfo& info);

/// The Idle Pause column of `comp ls`: "on (stop after N s)" with idlepause (N = the effective paused timeout),
/// "off (stop after N s)" when only pausedtimeoutseconds is set, "off" otherwise.
std::string idlePauseSummary(const sdk::DockerComponent& docker);

/// `maelctl comp ls`: "No components found" or the table. The Idle Pause column is added only when a listed
/// component sets idlepause or pausedtimeoutseconds, so other listings keep the original's layout.
std::string componentTable(const std::vector<sdk::Component>& components, std::int64_t nowMillis);

/// `maelctl cluster ps`: "No running containers found" or one row per instance of every node.
std::string clusterPsTable(const std::vector<sdk::NodeStatus>& nodes, std::int64_t nowMillis);

} // namespace maelstrom::cli
