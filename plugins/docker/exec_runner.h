// exec_runner.h — docker plugin: runs a command inside a running container (POST /containers/{id}/exec, then
// /exec/{id}/start attached) and returns its combined output and exit code (healthcheckfailedcommand).
// SPDX-License-Identifier: Apache-2.0
// Thread-safety: stateless; blocks the caller for at most about `timeout`.
#pragma once

#include "engine_client.h"

#include <maelstrom/sdk/container_runtime.h>

#include <chrono>
#include <string>
#include <vector>

namespace maelstrom::plugins::docker {

/// @throws NotFound (no container), PluginError (not running, command cannot start, timed out), Unavailable.
sdk::ExecResult runExec(EngineClient& client, const std::string& containerId, const std::vector<std::string>& argv,
                        std::chrono::seconds timeout);

} // namespace maelstrom::plugins::docker
