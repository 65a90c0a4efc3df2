// pruner.h — docker plugin: image and container pruning: stopped containers (managed containers created and never
// started are kept: they are pre-created instances), dangling images and, optionally, images no component refers
// to, keeping tags that match the keep globs.
// SPDX-License-Identifier: Apache-2.0
//
// Differences from the reference, on purpose: exited containers are pruned first (so images they held can
// go in the same pass); a registered image without a tag ("mycorp/hr") matches the tag Docker gives it
// ("mycorp/hr:latest"); an image with several tags is removed tag by tag instead of failing.
// Thread-safety: stateless.
#pragma once

#include "engine_client.h"

#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/plugin.h>

#include <string>

namespace maelstrom::plugins::docker {

/// Glob rules of MAEL_DOCKER_PRUNE_UNREG_KEEP: "*" all, "*x*" contains, "*x" ends with, "x*" starts with,
/// anything else exact.
bool matchesKeepGlob(const std::string& tag, const std::string& glob);

sdk::PruneReport prune(EngineClient& client, const sdk::PluginLogger& logger, const sdk::PruneOptions& options);

} // namespace maelstrom::plugins::docker
