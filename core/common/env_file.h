// env_file.h — the `NAME=value` file formats that maelstromd and maelctl read, and the process environment.
// SPDX-License-Identifier: Apache-2.0
//
//  * readEnvFile: maelctl `--env=<file>` and maelstromd's env file (`-f` / `maelstrom.envFile`). Each line is trimmed;
//    it is used only when it has '=' at a position > 0 and does not start with '#'. Key and value are the
//    trimmed text before and after the first '='. No quotes, no `export`.
//  * parseProjectEnvFile: the project YAML's `envfile:`, deliberately looser, as in the original: split
//    on '\n' only, no trimming (a '\r' stays in the value), every line holding '=' anywhere becomes a pair
//    split at the first '=' (the key may be empty), no comment handling (`#A=1` sets "#A").
//  * mergeEnvList: the YAML `environment:` lists: entries without '=' are dropped, later keys override.
// Files larger than the limit are refused (the reader never loads more than limit+1 bytes). Only regular
// files are read, so a path naming a FIFO or a device fails instead of blocking or reading forever.
// Pure functions apart from the file reads; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace maelstrom::common {

/// A file could not be read (missing, not a regular file, too large, I/O error). what() names the path.
class EnvFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::size_t kDefaultMaxEnvFileBytes = 1 << 20;

/// Reads a regular file whole, refusing anything larger than `maxBytes`. Throws EnvFileError.
std::string readRegularFile(const std::string& path, std::size_t maxBytes);

/// The `--env` file format above. Throws EnvFileError when the file cannot be read.
std::map<std::string, std::string> readEnvFile(const std::string& path, std::size_t maxBytes = kDefaultMaxEnvFileBytes);
std::map<std::string, std::string> parseEnvFileText(std::string_view text);

/// The project YAML `envfile:` format (quirks included, see above).
std::map<std::string, std::string> parseProjectEnvFile(std::string_view text);

/// `NAME=value` entries; entries without '=' are dropped; a later key overrides an earlier one.
void mergeEnvList(const std::vector<std::string>& entries, std::map<std::string, std::string>& into);

/// The calling process's environment (environ), as a map.
std::map<std::string, std::string> processEnvironment();

} // namespace maelstrom::common
