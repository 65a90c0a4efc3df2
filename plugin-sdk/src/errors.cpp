// errors.cpp — out-of-line destructors give each SDK error one vtable and one typeinfo, in libmaelstrom-sdk,
// so a plugin's throw is caught by the core's catch across dlopen.
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/rpc_transport.h>

namespace maelstrom::sdk {

PluginError::PluginError(const std::string& message) : std::runtime_error(message) {}
PluginError::~PluginError() = default;

InvalidConfig::InvalidConfig(std::string setting, const std::string& message)
    : PluginError(message), setting_(std::move(setting)) {}
InvalidConfig::~InvalidConfig() = default;

InvalidInput::InvalidInput(const std::string& message) : PluginError(message) {}
InvalidInput::~InvalidInput() = default;

NotFound::NotFound(const std::string& message) : PluginError(message) {}
NotFound::~NotFound() = default;

AlreadyExists::AlreadyExists(const std::string& message) : PluginError(message) {}
AlreadyExists::~AlreadyExists() = default;

VersionConflict::VersionConflict(const std::string& message) : PluginError(message) {}
VersionConflict::~VersionConflict() = default;

NotSupported::NotSupported(const std::string& message) : PluginError(message) {}
NotSupported::~NotSupported() = default;

Unavailable::Unavailable(const std::string& message) : PluginError(message) {}
Unavailable::~Unavailable() = default;

JsonError::JsonError(std::string path, const std::string& message)
    : PluginError(path.empty() ? message : path + ": " + message), path_(std::move(path)) {}
JsonError::~JsonError() = default;

RpcError::RpcError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
RpcError::~RpcError() = default;

RpcError toRpcError(const std::exception& error, const std::string& method) {
    if (const auto* e = dynamic_cast<const RpcError*>(&error))
        return *e;
    if (dynamic_cast<const JsonError*>(&error))
        return RpcError(RpcCode::InvalidParams, std::string("barrister: ") + error.what());
    if (dynamic_cast<const InvalidInput*>(&error))
        return RpcError(RpcCode::InvalidInput, error.what());
    if (dynamic_cast<const AlreadyExists*>(&error))
        return RpcError(RpcCode::AlreadyExists, error.what());
    if (dynamic_cast<const NotFound*>(&error))
        return RpcError(RpcCode::NotFound, error.what());
    if (dynamic_cast<const VersionConflict*>(&error))
        return RpcError(RpcCode::VersionConflict, error.what());
    return RpcError(RpcCode::MiscError, "barrister: method '" + method + "' raised unknown error: " + error.what());
}

} // namespace maelstrom::sdk
