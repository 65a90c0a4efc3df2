// errors.h — maelstrom SDK: the small error taxonomy shared by the core and all plugins.
// SPDX-License-Identifier: Apache-2.0
//
// Plugins throw these; the core maps them at its boundaries (RPC error codes through sdk::toRpcError in
// rpc_transport.h, HTTP statuses, exit codes).
// Whether retrying later can help is told by the type: Unavailable (a backend down or failing transiently) is
// the one error worth retrying; every other error says the request itself cannot succeed as sent.
#pragma once

#include <maelstrom/sdk/export.h>

#include <stdexcept>
#include <string>

namespace maelstrom::sdk {

/// Base of every error a plugin reports on purpose.
class MAELSTROM_SDK_API PluginError : public std::runtime_error {
public:
    explicit PluginError(const std::string& message);
    ~PluginError() override;
};

/// A setting of the plugin is missing, malformed or rejected. `setting()` names it ("" when global).
class MAELSTROM_SDK_API InvalidConfig : public PluginError {
public:
    InvalidConfig(std::string setting, const std::string& message);
    ~InvalidConfig() override;
    const std::string& setting() const noexcept { return setting_; }

private:
    std::string setting_;
};

/// Input data is invalid (a value the caller sent). Maps to RPC code 1001 unless a more precise code applies.
class MAELSTROM_SDK_API InvalidInput : public PluginError {
public:
    explicit InvalidInput(const std::string& message);
    ~InvalidInput() override;
};

/// The named thing does not exist (container, component, event source...). RPC code 1003.
class MAELSTROM_SDK_API NotFound : public PluginError {
public:
    explicit NotFound(const std::string& message);
    ~NotFound() override;
};

/// An insert found a row with that key already (optimistic create with version 0). RPC code 1002.
class MAELSTROM_SDK_API AlreadyExists : public PluginError {
public:
    explicit AlreadyExists(const std::string& message);
    ~AlreadyExists() override;
};

/// An update was made against a version that is no longer current. RPC code 1004.
class MAELSTROM_SDK_API VersionConflict : public PluginError {
public:
    explicit VersionConflict(const std::string& message);
    ~VersionConflict() override;
};

/// The optional ability is not implemented by this plugin (check the capabilities first).
class MAELSTROM_SDK_API NotSupported : public PluginError {
public:
    explicit NotSupported(const std::string& message);
    ~NotSupported() override;
};

/// The backend (database server, Docker daemon...) cannot be reached or failed transiently: retrying later can help.
class MAELSTROM_SDK_API Unavailable : public PluginError {
public:
    explicit Unavailable(const std::string& message);
    ~Unavailable() override;
};

/// A JSON document does not match the expected model type. `path()` is the dotted location
/// ("component.docker.httpPort"); the message says what is wrong there. RPC code -32602.
class MAELSTROM_SDK_API JsonError : public PluginError {
public:
    JsonError(std::string path, const std::string& message);
    ~JsonError() override;
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

} // namespace maelstrom::sdk
