// fuzz_target.cpp — libFuzzer target for the project file reader (cli/project): any byte string is a
// maelstrom.yml given to parseProjectYaml() with a fixed environment. Checked on every input: no crash or
// sanitizer report, no exception other than ProjectFileError, every error one line starting "fuzz.yml:",
// and on success the documented shape (components sorted, each with docker, event sources named and
// enabled, environment sorted). `envfile:` is disabled (no file access while fuzzing).
// Built and run by tests/fuzz/run-fuzzer.sh project-yaml <seconds> (sources in sources.txt).
// SPDX-License-Identifier: Apache-2.0
#include "project_yaml.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace cli = maelstrom::cli;

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "project-yaml fuzz invariant broken: %s\n%.400s\n", what, detail.c_str());
    std::abort();
}

const cli::ProjectLoadOptions& options() {
    static const cli::ProjectLoadOptions opts = [] {
        cli::ProjectLoadOptions o;
        o.environment = {{"A", "a"}, {"EMPTY", ""}, {"NL", "x\ny: 1"}, {"PORT", "8080"}, {"BRACE", "{[\"'"}};
        o.allowEnvFile = false;
        o.limits.maxFileBytes = 64 * 1024;
        return o;
    }();
    return opts;
}

void checkProject(const maelstrom::sdk::Project& project) {
    for (std::size_t i = 0; i < project.components.size(); ++i) {
        const auto& c = project.components[i];
        if (i > 0 && project.components[i - 1].component.name > c.component.name)
            fail("components not sorted", c.component.name);
        if (!c.component.docker)
            fail("component without docker", c.component.name);
        if (c.component.projectName != project.name)
            fail("projectName differs from the project name", c.component.name);
        for (std::size_t k = 1; k < c.component.environment.size(); ++k)
            if (c.component.environment[k - 1].name >= c.component.environment[k].name)
                fail("environment not sorted", c.component.name);
        for (const auto& es : c.eventSources) {
            if (!es.enabled)
                fail("event source not enabled", es.eventSource.name);
            if (es.eventSource.componentName != c.component.name)
                fail("event source componentName", es.eventSource.name);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        checkProject(cli::parseProjectYaml(text, "fuzz.yml", options()));
    } catch (const cli::ProjectFileError& e) {
        const std::string what = e.what();
        if (what.rfind("fuzz.yml:", 0) != 0)
            fail("error does not start with the file name", what);
        if (what.find('\n') != std::string::npos || what.find('\r') != std::string::npos)
            fail("error is not one line", what);
    } catch (const std::exception& e) {
        fail("unexpected exception type", e.what());
    } catch (...) {
        fail("unexpected non-standard exception", "");
    }
    return 0;
}
