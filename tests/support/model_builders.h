// model_builders.h — small SDK model values for tests (header-only): a runnable component, an event source of
// project "proj" (the plugins' suites add their block) and an HTTP event source, so each suite states only what
// it cares about.
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

/// An event source `name` of component `component` in project "proj", version 1, with no type block yet.
inline sdk::EventSource projectEventSource(const std::string& name, const std::string& component) {
    sdk::EventSource es;
    es.name = name;
    es.componentName = component;
    es.projectName = "proj";
    es.version = 1;
    return es;
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
