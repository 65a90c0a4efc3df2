// log_reader.h — docker plugin: a container's logs (GET /containers/{id}/logs) as lines, demultiplexed into
// stdout and stderr, once or following, until the logs end or a stop is requested.
// SPDX-License-Identifier: Apache-2.0
//
// Threads: readLogs blocks the calling thread; a stop request from any thread ends it promptly (the socket is
// shut down from the stop callback). The sink is called on the calling thread.
#pragma once

#include "engine_client.h"

#include <maelstrom/sdk/container_runtime.h>

#include <functional>
#include <stop_token>
#include <string>

namespace maelstrom::plugins::docker {

/// The `since` query value for a Unix time in milliseconds ("1700000000.123000000").
std::string sinceParameter(std::int64_t millis);

void readLogs(EngineClient& client, const std::string& containerId, const sdk::LogOptions& options,
              const std::function<void(const sdk::LogLine&)>& sink, std::stop_token stop);

} // namespace maelstrom::plugins::docker
