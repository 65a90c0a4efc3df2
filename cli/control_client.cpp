// control_client.cpp — see control_client.h.
#include "control_client.h"

#include "registry/plugin_loader.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;

namespace maelstrom::cli {

ControlClient::ControlClient(const std::string& privateUrl, const std::string& token, std::chrono::milliseconds timeout)
    : url_(privateUrl) {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    const char* dirEnv = std::getenv("MAELSTROM_PLUGIN_DIR");
    const std::string dir =
        dirEnv && *dirEnv ? dirEnv : (self.parent_path() / "../lib/maelstrom/plugins").lexically_normal().string();
    const char* nameEnv = std::getenv("MAELSTROM_RPC_TRANSPORT");
    const std::string name = nameEnv && *nameEnv ? nameEnv : "jsonrpc-http";
    try {
        const auto plugin = core::LoadedPlugin::open(core::pluginPath(dir, name), sdk::ServiceKind::RpcTransport, name);
        transport_ = plugin.createService({}, sdk::HostContext{});
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("cannot load the RPC transport: ") + e.what() +
                                 " (set MAELSTROM_PLUGIN_DIR to the directory of " + name + ".so)");
    }
    sdk::RpcClientOptions options;
    options.bearerToken = token;
    options.timeout = timeout;
    client_ = std::dynamic_pointer_cast<sdk::RpcTransport>(transport_)->newClient(privateUrl, options);
}

ControlClient::~ControlClient() {
    client_.reset(); // before the library that holds its code
    transport_.reset();
}

std::string ControlClient::call(const std::string& method, const std::string& inputJson) {
    return client_->call(method, inputJson);
}

} // namespace maelstrom::cli
