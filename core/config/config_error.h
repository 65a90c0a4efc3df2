// config_error.h — maelstrom core: the one error type of startup configuration (registry YAML, MAEL_*
// environment, plugin loading). Its message is the single line maelstromd prints before exiting with code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace maelstrom::core {

/// Exit code of maelstromd when its configuration cannot be used (the reference uses 2 as well).
inline constexpr int kExitConfigError = 2;

class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

} // namespace maelstrom::core
