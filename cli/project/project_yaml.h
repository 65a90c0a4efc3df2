// project_yaml.h — reads a project file (maelstrom.yml) into the sdk::Project that `maelctl project put`
// sends with MaelstromService.PutProject.
// SPDX-License-Identifier: Apache-2.0
//
// Pipeline, as in the original maelctl:
//   1. the file is read as text (at most limits.maxFileBytes);
//   2. `${VAR}` interpolation (interpolation.h) runs over the WHOLE raw text, comments included, from
//      options.environment (the caller's environment with the `--env` file merged over it — see
//      common/env_file.h); substituted values are therefore YAML source text;
//   3. the text is parsed strictly (yaml_tree.h): unknown keys, duplicate keys, wrong types, bad cron
//      schedules, tags, aliases that expand past the limit, nesting, non-UTF-8 bytes are all errors;
//   4. it is converted: components sorted by name (the YAML key as written: the SERVER lowercases and
//      prefixes), each with a `docker` object, `projectName` = the YAML `name` as written, environment merged
//      (envfile < project `environment` < component `environment`, sorted by name), logdriveroptions sorted
//      by name; event sources sorted by name, then the crontab ones (`<componentKey>-cron-<i>`), all enabled.
// Keys are the Go field names lowercased (`mininstances`, not `minInstances`). Plain scalars follow YAML 1.1
// like go-yaml v2: `yes/no/on/off/y/n` are booleans, a float in an integer field is truncated, a quoted
// number is a string (and so an error in an integer field); string fields keep any scalar's text.
//
// Deliberate improvements (strictness with clear errors): cron schedules are validated (sdk/cron_schedule.h);
// two components, or two event sources of one project, whose names collide after the server's lowercasing
// are rejected (the original fails half-way through the writes); a second non-empty YAML document is an
// error; merge keys (`<<: *base`) work as in go-yaml. yaml-cpp differences that remain: a plain scalar
// holding `?` inside a flow collection (`{path: /a?b=1}`) must be quoted, and an unterminated quoted
// scalar at the very end of the file is accepted.
//
// Component keys beyond the original's, beside `idletimeoutseconds`: `idlepause` (bool) and
// `pausedtimeoutseconds` (int; negative is an error).
//
// Every error is a ProjectFileError whose what() is one line: `<file>:<line>: <what is wrong>`, the line being
// that of the file as written (before interpolation). Thread-safe: no shared state.
#pragma once

#include "yaml_tree.h"

#include <maelstrom/sdk/model.h>

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace maelstrom::cli {

class ProjectFileError : public std::runtime_error {
public:
    ProjectFileError(std::string file, int line, const std::string& message);
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; } ///< 1-based; 0 when the error is about the whole file
    const std::string& message() const noexcept { return message_; } ///< without "file:line: "

private:
    std::string file_;
    int line_;
    std::string message_;
};

struct ProjectLimits {
    std::size_t maxFileBytes = 1 << 20; ///< the project file, before and after interpolation
    std::size_t maxEnvFileBytes = 1 << 20;
    std::uint64_t maxNodes = 100000; ///< YAML nodes with aliases expanded (billion-laughs guard)
    int maxDepth = 64;               ///< YAML nesting
};

struct ProjectLoadOptions {
    /// Variables for `${...}`: the caller's environment, with `--env` files already merged over it.
    std::map<std::string, std::string> environment;
    ProjectLimits limits;
    /// Whether the `envfile:` key may read a file (relative paths are relative to the current directory,
    /// as in the original). Off for fuzzing, where it is an error instead.
    bool allowEnvFile = true;
};

/// Reads, interpolates, parses and converts the project file at `path`. Throws ProjectFileError.
sdk::Project loadProjectFile(const std::string& path, const ProjectLoadOptions& options);

/// Steps 2–4 on text already read; `fileName` is used in messages only. Throws ProjectFileError.
sdk::Project parseProjectYaml(std::string_view text, const std::string& fileName, const ProjectLoadOptions& options);

} // namespace maelstrom::cli
