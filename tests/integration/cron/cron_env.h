// cron_env.h — what the cron end-to-end tests share: a component whose event sources are cron schedules firing
// into the fixture's /record route, and the hits as the container logged them (docker logs with timestamps), so
// a firing is counted where it arrived, whichever node sent it.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lifecycle_env.h"

#include <string>
#include <utility>
#include <vector>

namespace maelstrom::testing::cron {

/// One cron event source of a project YAML (indented to sit under a component's `eventsources:`).
struct CronYaml {
    CronYaml(std::string key_, std::string schedule_, std::string path_, std::string method_ = "GET",
             std::string data_ = "", std::vector<std::pair<std::string, std::string>> headers_ = {})
        : key(std::move(key_)), schedule(std::move(schedule_)), path(std::move(path_)), method(std::move(method_)),
          data(std::move(data_)), headers(std::move(headers_)) {}
    std::string key;
    std::string schedule;
    std::string path;
    std::string method;
    std::string data;                                         ///< "" = none
    std::vector<std::pair<std::string, std::string>> headers; ///< name, value
};

/// The project: one fixture component `key` (reachable at `hostname`) with the given cron event sources.
std::string cronProject(const std::string& project, const std::string& key, const std::string& hostname,
                        const std::vector<CronYaml>& sources, const std::vector<std::string>& extra = {});

struct Hit {
    double at = 0;    ///< when the container logged it (Unix seconds, from docker's timestamp)
    std::string line; ///< "RECORD <method> <target> headers=... body=..."
};
/// The /record requests every container of `component` (running or not) logged whose target starts with
/// `pathPrefix`, oldest first.
std::vector<Hit> hits(const std::string& component, const std::string& pathPrefix);

/// The hits one per line with their times, for failure messages.
std::string joined(const std::vector<Hit>& list);

/// Seconds since the Unix epoch, now.
double nowSeconds();

/// A JSON-RPC call to `privatePort`: method with `params` (a JSON object); the raw response text.
std::string rpc(int privatePort, const std::string& method, const std::string& params);

} // namespace maelstrom::testing::cron
