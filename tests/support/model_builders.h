// model_builders.h — small SDK model values for tests (header-only): a runnable component and an HTTP event
// source, so each suite states only what it cares about.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <maelstrom/sdk/model.h>

#include <string>

namespace maelstrom::testing {

/// A component with a docker block (image example/<name>, httpPort 8080) and maxConcurrency 1.
inline sdk::Component testComponent(const std::string& name) {
    sdk::Component c;
    c.name = name;
    c.maxConcurrency = 1;
    c.docker = sdk::DockerComponent{};
    c.docker->image = "example/" + name;
    c.docker->httpPort = 8080;
    return c;
}

/// An HTTP event source `name` routing host/prefix to `component`.
inline sdk::EventSource httpEventSource(const std::string& name, const std::string& component, const std::string& host,
                                        const std::string& prefix, bool stripPrefix = false) {
    sdk::EventSource es;
    es.name = name;
    es.componentName = component;
    es.http = sdk::HttpEventSource{host, prefix, stripPrefix};
    return es;
}

} // namespace maelstrom::testing
