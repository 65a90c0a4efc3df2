// maelstromd.cpp — maelstrom core: the daemon. Reads the service registry, loads the plugins it names, opens
// the private port and serves until SIGINT/SIGTERM. Any configuration problem stops it before a port is
// opened, with one line on stderr and exit code 2.
#include "api/api_dispatcher.h"
#include "api/data_changes.h"
#include "api/maelstrom_service.h"
#include "cluster/local_node.h"
#include "config/config_error.h"
#include "config/registry_config.h"
#include "gateway/component_cache.h"
#include "gateway/gateway.h"
#include "gateway/logging_cold_starter.h"
#include "gateway/public_server.h"
#include "gateway/route_refresher.h"
#include "http/private_server.h"
#include "registry/plugin_loader.h"
#include "registry/service_registry.h"
#include "routing/resolver.h"
#include "routing/router_registry.h"

#include <maelstrom/core/version.h>

#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

extern char** environ;

namespace fs = std::filesystem;

namespace maelstrom::core {
namespace {

std::map<std::string, std::string> processEnvironment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string::npos) {
            env[entry.substr(0, eq)] = entry.substr(eq + 1);
        }
    }
    return env;
}

fs::path executableDir() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : self.parent_path();
}

// Env-file format of the reference (reference-interfaces §5.2): trimmed lines, KEY=VALUE, '#' comments,
// values override the environment.
void loadEnvFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw ConfigError(path + ": cannot read the env file");
    }
    auto trim = [](std::string s) {
        const auto b = s.find_first_not_of(" \t\r\n");
        const auto e = s.find_last_not_of(" \t\r\n");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        const auto eq = line.find('=');
        if (line.empty() || line[0] == '#' || eq == std::string::npos || eq == 0) {
            continue;
        }
        setenv(trim(line.substr(0, eq)).c_str(), trim(line.substr(eq + 1)).c_str(), 1);
    }
}

std::string versionLine() {
    return std::string("maelstromd v") + MAELSTROM_VERSION + " built on " + MAELSTROM_BUILD_DATE + " commit " +
           MAELSTROM_GIT_SHA;
}

void setUpLogging(const std::string& level) {
    auto* formatter = new Poco::PatternFormatter("%Y-%m-%d %H:%M:%S.%i %p %s: %t");
    Poco::AutoPtr<Poco::Channel> channel(new Poco::FormattingChannel(formatter, new Poco::ConsoleChannel(std::cerr)));
    Poco::Logger::root().setChannel(channel);
    try {
        Poco::Logger::root().setLevel(level);
    } catch (const Poco::Exception&) {
        throw ConfigError("log_level: unknown level '" + level +
                          "' (valid: debug, information, notice, warning, error)");
    }
}

class MaelstromDaemon : public Poco::Util::ServerApplication {
protected:
    void defineOptions(Poco::Util::OptionSet& options) override {
        ServerApplication::defineOptions(options);
        using Poco::Util::Option;
        options.addOption(Option("config", "c", "the service registry file (default: $MAELSTROM_CONFIG, "
                                                "<prefix>/etc/maelstrom/maelstromd.yml, /etc/maelstrom/maelstromd.yml)")
                              .argument("FILE")
                              .binding("maelstrom.config"));
        options.addOption(Option("check-config", "", "load every plugin, print the resolved services and settings, exit")
                              .binding("maelstrom.checkConfig"));
        options.addOption(Option("describe-plugin", "", "print a plugin's kind, version and settings table, exit")
                              .argument("NAME")
                              .binding("maelstrom.describePlugin"));
        options.addOption(Option("env-file", "f", "load KEY=VALUE lines into the environment first (as the original)")
                              .argument("FILE")
                              .binding("maelstrom.envFile"));
        options.addOption(Option("version", "v", "print the version and exit").binding("maelstrom.version"));
        options.addOption(Option("help", "h", "print this help and exit").binding("maelstrom.help"));
    }

    void handleOption(const std::string& name, const std::string& value) override {
        ServerApplication::handleOption(name, value);
        if (name == "help" || name == "version") {
            stopOptionsProcessing();
        }
    }

    int main(const ArgVec& args) override {
        if (config().hasProperty("maelstrom.help")) {
            Poco::Util::HelpFormatter help(options());
            help.setCommand("maelstromd");
            help.setUsage("[--config FILE] [--check-config] [--describe-plugin NAME] [--env-file FILE]");
            help.setHeader("maelstrom daemon: starts containers on demand and proxies requests to them.");
            help.setFooter("Environment: MAEL_* variables override the registry's node settings; "
                           "MAEL_SQL_DRIVER + MAEL_SQL_DSN select the database plugin.");
            help.setUnixStyle(true);
            help.format(std::cout);
            return EXIT_OK;
        }
        if (config().hasProperty("maelstrom.version") || (!args.empty() && args[0] == "version")) {
            std::cout << versionLine() << "\n";
            return EXIT_OK;
        }
        if (!args.empty()) {
            std::cerr << "maelstromd: unexpected argument '" << args[0] << "' (see --help)\n";
            return kExitConfigError;
        }
        try {
            return serve();
        } catch (const ConfigError& e) {
            std::cerr << "maelstromd: " << e.what() << "\n";
            return kExitConfigError;
        }
    }

private:
    std::string configFile() const {
        if (config().hasProperty("maelstrom.config")) {
            return config().getString("maelstrom.config");
        }
        if (const char* env = std::getenv("MAELSTROM_CONFIG"); env && *env) {
            return env;
        }
        const fs::path candidates[] = {executableDir() / "../etc/maelstrom/maelstromd.yml",
                                       "/etc/maelstrom/maelstromd.yml"};
        for (const auto& c : candidates) {
            if (fs::exists(c)) {
                return c.lexically_normal().string();
            }
        }
        throw ConfigError("no registry file found (tried " + candidates[0].lexically_normal().string() + " and " +
                          candidates[1].string() + "); pass --config FILE");
    }

    int serve() {
        if (config().hasProperty("maelstrom.envFile")) {
            loadEnvFile(config().getString("maelstrom.envFile"));
        }
        const std::string defaultPluginDir = (executableDir() / "../lib/maelstrom/plugins").lexically_normal().string();

        if (config().hasProperty("maelstrom.describePlugin")) {
            const std::string name = config().getString("maelstrom.describePlugin");
            std::string dir = defaultPluginDir;
            if (config().hasProperty("maelstrom.config")) {
                dir = loadRegistryConfig(configFile(), defaultPluginDir, processEnvironment()).pluginDir;
            }
            const std::string path = pluginPath(dir, name);
            const LoadedPlugin plugin = LoadedPlugin::open(path, std::nullopt, name);
            describePlugin(plugin.descriptor(), path, std::cout);
            return EXIT_OK;
        }

        const std::string file = configFile();
        const RegistryConfig registryConfig = loadRegistryConfig(file, defaultPluginDir, processEnvironment());
        setUpLogging(registryConfig.node.logLevel);
        Poco::Logger& log = Poco::Logger::get("maelstrom.daemon");

        // Every plugin is loaded and created before any port opens; a failure stops here with nothing started.
        std::unique_ptr<ServiceRegistry> services = ServiceRegistry::start(registryConfig, MAELSTROM_VERSION);

        if (config().hasProperty("maelstrom.checkConfig")) {
            std::cout << "maelstromd " << MAELSTROM_VERSION << ": configuration OK\n"
                      << "registry: " << file << "\n"
                      << "plugin_dir: " << registryConfig.pluginDir << "\n";
            services->describe(std::cout);
            std::cout << "node:\n";
            for (const auto& row : registryConfig.nodeReport) {
                std::cout << "  " << row.key << " = " << row.value << " (" << row.source << ", " << row.envVar
                          << ")\n";
            }
            services->shutdown();
            return EXIT_OK;
        }

        log.information(versionLine() + ": starting with registry " + file);

        std::string nodeId = LocalNode::hostNodeId();
        if (auto runtime = services->containerRuntime()) {
            try {
                nodeId = runtime->info().nodeId; // the reference's node id is the Docker daemon's ID
            } catch (const std::exception& e) {
                services->shutdown();
                throw ConfigError(std::string("the container runtime does not answer: ") + e.what());
            }
        }
        const LocalNode node(nodeId, registryConfig.node.privatePort, registryConfig.node.totalMemoryMiB);
        DataChanges changes;
        std::unique_ptr<MaelstromService> api;
        std::unique_ptr<ApiDispatcher> dispatcher;
        PrivateRoutes routes;
        if (services->database() && services->rpcTransport()) {
            api = std::make_unique<MaelstromService>(services->database(), changes);
            dispatcher = std::make_unique<ApiDispatcher>(*api, changes, node);
            routes.transport = services->rpcTransport();
            routes.dispatcher = dispatcher.get();
        } else {
            log.warning("control plane disabled: the registry names no database and rpc_transport");
        }

        // Data plane: rules and components reloaded every second and after every local change; one router per
        // component with the load balancer plugin's picker. Instances are registered by the container
        // lifecycle (not there yet: cold starts are only logged).
        HttpResolver resolver;
        ComponentCache components;
        LoggingColdStarter coldStarter;
        RouterRegistry routers(services->loadBalancer(), &coldStarter);
        Gateway gateway(resolver, components, routers);
        std::unique_ptr<RouteRefresher> refresher;
        if (services->database()) {
            refresher = std::make_unique<RouteRefresher>(services->database(), resolver, components);
            RouteRefresher* notifyTarget = refresher.get();
            changes.subscribe([notifyTarget, &components](const ComponentChange& change) {
                if (change.kind == ComponentChange::Kind::ComponentPut && change.component) {
                    components.put(*change.component);
                } else if (change.kind == ComponentChange::Kind::ComponentRemoved) {
                    components.remove(change.componentName);
                }
                notifyTarget->notify();
            });
            refresher->start();
        } else {
            log.warning("gateway: the registry names no database, so no component can be routed to");
        }
        routes.gateway = &gateway;

        PrivateServer privateServer(registryConfig.node, routes);
        PublicServer publicServer(registryConfig.node, gateway);
        try {
            privateServer.start();
            publicServer.start();
        } catch (...) {
            privateServer.stop();
            if (refresher) {
                refresher->stop();
            }
            services->shutdown();
            throw;
        }
        log.information("private port listening on " + std::to_string(privateServer.port()) +
                        ", public port on " + std::to_string(publicServer.port()));

        waitForTerminationRequest();

        log.information("maelstromd: stopping");
        publicServer.stop();
        privateServer.stop();
        if (refresher) {
            refresher->stop();
        }
        services->shutdown();
        log.information("maelstromd: exiting");
        return EXIT_OK;
    }
};

} // namespace
} // namespace maelstrom::core

int main(int argc, char** argv) {
    // Block the termination signals before any thread exists, so every thread inherits the mask and only the
    // main thread's sigwait (waitForTerminationRequest) receives them: a clean stop, whichever thread runs.
    // A shell starts background jobs with SIGINT ignored; an ignored signal is discarded even while blocked,
    // so restore the default disposition first or `kill -INT` would never reach sigwait.
    for (int sig : {SIGINT, SIGTERM, SIGQUIT}) {
        std::signal(sig, SIG_DFL);
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    maelstrom::core::MaelstromDaemon daemon;
    try {
        daemon.init(argc, argv);
    } catch (const Poco::Exception& e) {
        std::cerr << "maelstromd: " << e.displayText() << " (see --help)\n";
        return maelstrom::core::kExitConfigError;
    }
    return static_cast<Poco::Util::Application&>(daemon).run();
}
