// maelstromd.cpp — maelstrom core: the daemon. Reads the service registry, loads the plugins it names, opens
// the private port and serves until SIGINT/SIGTERM. Any configuration problem stops it before a port is
// opened, with one line on stderr and exit code 2.
#include "api/api_dispatcher.h"
#include "api/data_changes.h"
#include "api/maelstrom_service.h"
#include "cluster/aws_lifecycle.h"
#include "cluster/change_broadcast.h"
#include "cluster/cluster_autoscaler.h"
#include "cluster/cluster_view.h"
#include "cluster/local_node.h"
#include "cluster/membership.h"
#include "cluster/node_service.h"
#include "cluster/peer_client.h"
#include "cluster/placement.h"
#include "cluster/remote_instances.h"
#include "common/env_file.h"
#include "config/config_error.h"
#include "config/registry_config.h"
#include "daemon/sd_notify.h"
#include "event_sources/database_role_locks.h"
#include "event_sources/event_sources.h"
#include "gateway/component_cache.h"
#include "gateway/gateway.h"
#include "gateway/public_server.h"
#include "gateway/route_refresher.h"
#include "http/logs_handler.h"
#include "http/private_server.h"
#include "lifecycle/docker_prune_timer.h"
#include "lifecycle/lifecycle_manager.h"
#include "lifecycle/local_wake.h"
#include "logs/log_bridge.h"
#include "registry/plugin_loader.h"
#include "registry/service_registry.h"
#include "routing/resolver.h"
#include "routing/router_registry.h"
#include "tls/acme_manager.h"
#include "tls/certificate_files.h"

#include <maelstrom/core/version.h>

#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace maelstrom::core {
namespace {

fs::path executableDir() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : self.parent_path();
}

// The env file's variables override the environment (the format is common::readEnvFile's: trimmed KEY=VALUE
// lines, '#' comments; only a regular file of at most 1 MiB is read).
void loadEnvFile(const std::string& path) {
    try {
        for (const auto& [name, value] : common::readEnvFile(path)) {
            setenv(name.c_str(), value.c_str(), 1);
        }
    } catch (const common::EnvFileError& e) {
        throw ConfigError(std::string(e.what()) + " (the env file)");
    }
}

// A state for the service manager ($NOTIFY_SOCKET, set by systemd for Type=notify); a failure is logged, never
// fatal: the daemon serves either way.
void tellServiceManager(const std::string& state, Poco::Logger& log) {
    try {
        notifyServiceManager(state);
    } catch (const NotifyError& e) {
        log.warning(std::string("telling the service manager: ") + e.what());
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

void pauseSeconds(std::int64_t seconds) {
    if (seconds > 0) {
        Poco::Logger::get("maelstrom.daemon").information("maelstromd: pausing " + std::to_string(seconds) + " s");
        std::this_thread::sleep_for(std::chrono::seconds(seconds));
    }
}

// Requests that came through the private port's gateway may still be in flight or queued after the public
// listener closed; wait for them (bounded by the longest request deadline) before the containers go.
void waitForRequestsToDrain(RouterRegistry& routers) {
    const auto deadline = std::chrono::steady_clock::now() + kDefaultMaxDuration;
    while (std::chrono::steady_clock::now() < deadline) {
        bool busy = false;
        for (const auto& router : routers.all()) {
            const auto activity = router->activity();
            busy = busy || activity.inFlight > 0 || activity.queued > 0;
        }
        if (!busy) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// Every connection is a file descriptor (two when proxied): the soft limit (often 1024) goes up to the hard one.
void raiseOpenFilesLimit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    Poco::Logger::get("maelstrom.daemon")
        .information("open files limit " + std::to_string(limit.rlim_cur) +
                     " (connections beyond it are refused until some end)");
}

// The key sealing the ACME account and certificate keys in the database (letsencrypt_email set): tls_storage_key, or
// with the default SQLite file of the data directory the key kept there (made when `make`; otherwise nothing is
// checked then). @throws ConfigError (one line) when it is missing or too short.
std::optional<tls::SecretBox> acmeSecretBox(const RegistryConfig& config, bool make) {
    const std::string dataDir = fs::absolute(config.node.dataDir).lexically_normal().string();
    const ServiceEntry* database = config.find(sdk::ServiceKind::Database);
    const bool defaultDatabase =
        database && ownerKeyFor(dataDir, database->plugin, database->settings.scalars) == dataDir;
    if (!make && defaultDatabase && config.node.tlsStorageKey.empty()) {
        return std::nullopt;
    }
    try {
        return tls::SecretBox::fromSetting(tls::storageKeySetting(config.node.tlsStorageKey, dataDir, defaultDatabase));
    } catch (const tls::TlsError& e) {
        throw ConfigError(std::string("tls_storage_key (MAEL_TLS_STORAGE_KEY): ") + e.what());
    }
}

// One serving maelstromd: the control plane (RPC dispatcher over the database), the data plane (resolver,
// component cache, routers, gateways), container logs and the container lifecycle, wired in dependency order
// over the plugins of the service registry. Construction opens no port; start() does. Members are declared
// in dependency order, so they are destroyed in reverse.
class RunningNode {
public:
    RunningNode(const RegistryConfig& config, ServiceRegistry& services)
        : config_(config), services_(services), log_(Poco::Logger::get("maelstrom.daemon")) {
        setUpTls();
        const std::optional<tls::SecretBox> acmeBox = acmeStorageBox();
        identifyNode();
        setUpControlPlane();
        setUpDataPlane();
        setUpLogs();
        setUpLifecycle();
        setUpCluster();
        setUpAws();
        setUpPruner();
        setUpEventSources();
        setUpAcme(acmeBox);
    }

    /// Opens the private and public ports. @throws what binding throws, after stopping what was started.
    void start() {
        raiseOpenFilesLimit();
        // Both listeners share the node's event loops (one per core unless http_event_loops says otherwise).
        loops_ = std::make_shared<net::EventLoops>(static_cast<std::size_t>(config_.node.httpEventLoops));
        privateServer_ = std::make_unique<PrivateServer>(config_.node, routes_, loops_);
        publicServer_ = std::make_unique<PublicServer>(config_.node, gateway_, "0.0.0.0", loops_);
        try {
            if (certificates_) {
                publicServer_->enableTls(certificates_, tlsMetrics_);
            }
            if (acme_) {
                tls::AcmeManager* acme = acme_.get();
                publicServer_->setAcmeChallengeLookup(
                    [acme](const std::string& token) { return acme->challenge(token); });
            }
            privateServer_->start();
            publicServer_->start();
        } catch (...) {
            privateServer_->stop();
            stopBackgroundWork();
            services_.shutdown();
            throw;
        }
        log_.information("private port listening on " + std::to_string(privateServer_->port()) + ", public port on " +
                         std::to_string(publicServer_->port()) +
                         (certificates_ ? ", public HTTPS port on " + std::to_string(publicServer_->httpsPort()) : ""));
        if (certificateFiles_) {
            certificateFiles_->start();
        }
        if (acme_) {
            acme_->start();
        }
        // Only now, so a maelstromd that cannot open its ports never touches the containers of a running one.
        if (lifecycle_) {
            lifecycle_->start();
        }
        // Joining after adoption: the first status this node publishes lists the containers it kept.
        if (membership_) {
            membership_->start();
            autoscaler_->start();
        }
        // The lifecycle-hook and spot pollers, when configured (otherwise nothing AWS runs until a TerminateNode
        // names this instance).
        aws_->start();
        if (pruner_) {
            pruner_->start();
        }
        // Last: firings go through the private port, which is open now.
        if (eventSources_) {
            eventSources_->start(
                InvokeTarget{"127.0.0.1", privateServer_->port(), config_.node.privateToken},
                std::make_shared<RouterCapacity>(routers_, [view = view_.get()] { return view->nodes().size(); }));
        }
    }

    // Graceful shutdown: no more scaling; pause so peers and load balancers notice;
    // stop accepting and let the requests in progress finish; stop the containers (or leave them for the next
    // maelstromd to adopt); pause again; close the private port last.
    void stopGracefully() {
        log_.information("maelstromd: stopping");
        // No more firings; those in progress get a moment to finish; the cron role is released for another node.
        if (eventSources_) {
            eventSources_->stop();
        }
        // No more orders (one in progress is cancelled); the acme-orders role is released for another node.
        if (acme_) {
            acme_->stop();
        }
        // No more lifecycle notices read here (the poller role is released for another node); a long poll in
        // flight is aborted. A TerminateNode accepted from now on is still completed below.
        aws_->stop();
        // No prune starts from now on; one in progress ends beside the shutdown (waited for in stopBackgroundWork).
        if (pruner_) {
            pruner_->requestStop();
        }
        // Leave the cluster first: the row deleted and every peer told (they stop relaying here at once) before
        // waiting for a scaling pass or a placement under way here, which may take seconds; then no more scaling
        // or placement decisions here, the roles released for another node to take.
        if (membership_) {
            membership_->stop();
        }
        if (autoscaler_) {
            autoscaler_->stop();
        }
        if (placement_) {
            placement_->stop();
        }
        if (lifecycle_) {
            lifecycle_->stopBackground();
        }
        pauseSeconds(config_.node.shutdownPauseSeconds);
        publicServer_->stop();
        if (certificateFiles_) {
            certificateFiles_->stop();
        }
        waitForRequestsToDrain(routers_);
        if (lifecycle_) {
            const bool keep = config_.node.shutdownKeepContainers;
            log_.information(keep ? "maelstromd: leaving the containers running for the next maelstromd"
                                  : "maelstromd: stopping the containers");
            lifecycle_->shutdown(!keep);
        }
        pauseSeconds(config_.node.shutdownPauseSeconds);
        if (logStreams_) {
            logStreams_->stop(); // open /_mael/logs streams end now, or the private port would wait for them
        }
        privateServer_->stop();
        stopBackgroundWork();
        if (auto database = services_.database()) {
            try {
                database->releaseAllRoles(nodeId_);
            } catch (const std::exception& e) {
                log_.warning(std::string("releasing this node's roles (they expire by themselves): ") + e.what());
            }
        }
        // Drained, containers stopped, ports closed: when AWS asked this node to go, tell Auto Scaling it may
        // continue and run the terminate command (nothing happens on a plain SIGTERM).
        aws_->finishShutdown();
    }

private:
    // The node id: node_id / MAEL_NODE_ID, else derived from the container runtime's id (the reference used the
    // Docker daemon's ID alone, so several maelstromd on one engine collided) and the private port.
    void identifyNode() {
        std::string engineId = LocalNode::hostNodeId();
        if (auto runtime = services_.containerRuntime()) {
            try {
                runtimeInfo_ = runtime->info();
                engineId = runtimeInfo_.nodeId;
            } catch (const std::exception& e) {
                services_.shutdown();
                throw ConfigError(std::string("the container runtime does not answer: ") + e.what());
            }
        }
        nodeId_ = !config_.node.nodeId.empty() ? config_.node.nodeId
                                               : LocalNode::defaultNodeId(engineId, config_.node.privatePort);
        node_ = std::make_unique<LocalNode>(nodeId_, config_.node.peerUrl, config_.node.privatePort,
                                            config_.node.totalMemoryMiB);
        view_ = std::make_unique<ClusterView>(nodeId_);
        peers_ = std::make_unique<PeerClient>(services_.rpcTransport(), config_.node.privateToken);
        // A TerminateNode naming this instance goes to the AWS lifecycle (made in setUpAws, before any port opens).
        RunningNode* self = this;
        nodeService_ = std::make_unique<NodeService>(
            *node_, *view_, *peers_, services_.database(), std::weak_ptr<LifecycleManager>(), config_.node.instanceId,
            [self](const AwsLifecycleHook& hook) { self->aws_->accept(hook); });
        log_.information("node id " + nodeId_ + ", peer URL " + node_->peerUrl());
    }

    void setUpControlPlane() {
        if (services_.database()) {
            placement_ = std::make_shared<Placement>(*nodeService_, services_.database());
            placement_->setMetrics(&clusterMetrics_);
            coldStarter_ = std::make_shared<LocalWakeColdStarter>(placement_);
            routers_.setColdStarter(coldStarter_);
        }
        if (services_.database() && services_.rpcTransport()) {
            api_ = std::make_unique<MaelstromService>(services_.database(), changes_);
            dispatcher_ = std::make_unique<ApiDispatcher>(*api_, changes_, *nodeService_, placement_.get());
            dispatcher_->setCertificateLister([database = services_.database(), store = certificates_] {
                return tls::listCertificateStatus(*database, store.get());
            });
            routes_.transport = services_.rpcTransport();
            routes_.dispatcher = dispatcher_.get();
        } else {
            log_.warning("control plane disabled: the registry names no database and rpc_transport");
        }
    }

    // HTTPS on the public gateway when TLS is on: the certificates handshakes choose from by SNI, the static files'
    // pair as the default one (a bad pair stops the start here: ConfigError), re-read when the files change.
    void setUpTls() {
        if (!tlsEnabled(config_.node)) {
            return;
        }
        certificates_ = std::make_shared<tls::CertificateStore>();
        tlsMetrics_ = std::make_shared<TlsMetrics>();
        if (!config_.node.tlsCertFile.empty()) {
            const tls::CertificateInfo info =
                tls::loadCertificateFiles(*certificates_, config_.node.tlsCertFile, config_.node.tlsKeyFile);
            log_.information("TLS: default certificate from " + config_.node.tlsCertFile + ": '" + info.subject +
                             "' issued by '" + info.issuer + "'");
            certificateFiles_ = std::make_unique<tls::CertificateFileWatcher>(certificates_, config_.node.tlsCertFile,
                                                                              config_.node.tlsKeyFile);
        }
        routes_.metricsBlocks.emplace_back([metrics = tlsMetrics_] { return metrics->render(); });
    }

    // With letsencrypt_email: the key sealing the ACME account and certificate keys in the database, checked before
    // anything starts (a missing or short key is a ConfigError: exit 2 with one line).
    std::optional<tls::SecretBox> acmeStorageBox() {
        if (config_.node.letsencryptEmail.empty()) {
            return std::nullopt;
        }
        if (!services_.database()) {
            throw ConfigError("letsencrypt_email needs a database: the ACME account and the certificates live there");
        }
        return acmeSecretBox(config_, true);
    }

    // Certificates from the ACME CA for the hostnames of the enabled HTTP event sources: ordered by the node holding
    // the role acme-orders, shared through the database, loaded by every node into the HTTPS port's store; an
    // unknown SNI name wakes the manager only when it is one of those hostnames.
    void setUpAcme(const std::optional<tls::SecretBox>& box) {
        if (!box || !certificates_) {
            return;
        }
        auto database = services_.database();
        tls::AcmeManagerSettings settings;
        settings.acme.directoryUrl = config_.node.acmeDirectoryUrl;
        settings.acme.caFile = config_.node.acmeCaFile;
        settings.acme.email = config_.node.letsencryptEmail;
        settings.renewBefore = std::chrono::hours(24 * config_.node.acmeRenewBeforeDays);
        const HttpResolver* resolver = &resolver_;
        acme_ = std::make_unique<tls::AcmeManager>(
            std::move(settings), database, std::make_shared<DatabaseRoleLocks>(database, nodeId_), certificates_, *box,
            [resolver] {
                const auto table = resolver->table();
                return table ? table->hostnames() : std::vector<std::string>{};
            },
            acmeMetrics_);
        tls::AcmeManager* acme = acme_.get();
        certificates_->setUnknownNameHandler([acme](const std::string& name) { acme->onUnknownName(name); });
        tls::AcmeMetrics* metrics = &acmeMetrics_;
        routes_.metricsBlocks.emplace_back([metrics] { return metrics->render(); });
    }

    // Rules and components reloaded every second and after every local change; one router per component with
    // the load balancer plugin's picker. Instances are registered by the container lifecycle, which is also
    // the routers' cold starter.
    void setUpDataPlane() {
        if (services_.database()) {
            refresher_ = std::make_unique<RouteRefresher>(services_.database(), resolver_, components_);
            RouteRefresher* notifyTarget = refresher_.get();
            ComponentCache* cache = &components_;
            routeUpdates_ = changes_.subscribe([notifyTarget, cache](const ComponentChange& change) {
                if (change.kind == ComponentChange::Kind::ComponentPut && change.component) {
                    cache->put(*change.component);
                } else if (change.kind == ComponentChange::Kind::ComponentRemoved) {
                    cache->remove(change.componentName);
                }
                notifyTarget->notify();
            });
            // Read-your-writes: an RPC that changed components or event sources answers only once this node's
            // routing reflects it.
            routeSettle_ = changes_.onSettle([notifyTarget] {
                if (!notifyTarget->awaitRefresh()) {
                    Poco::Logger::get("maelstrom.gateway")
                        .warning("gateway: routes not reloaded within 5 s after a local change");
                }
            });
            refresher_->start();
        } else {
            log_.warning("gateway: the registry names no database, so no component can be routed to");
        }
        routes_.gateway = &gateway_;
        routes_.metrics = &metrics_;
        // Calls into the database and runtime plugins (counted by the registry's wrappers), and the cluster's
        // decisions and instances per node.
        const ServiceRegistry* services = &services_;
        routes_.metricsBlocks.emplace_back(
            [services] { return services->databaseCalls().render() + services->dockerCalls().render(); });
        routes_.metricsBlocks.emplace_back([cluster = &clusterMetrics_] { return cluster->render(); });
        // Instances per component and node: this node's as its lifecycle sees them now, the peers' as last told.
        clusterMetrics_.setNodesSource([node = node_.get(), view = view_.get()] {
            std::vector<sdk::NodeStatus> nodes{node->status()};
            for (auto& peer : view->peers()) {
                nodes.push_back(std::move(peer));
            }
            return nodes;
        });
        gateway_.setRelayIdentity(nodeId_, config_.node.privateToken);
    }

    // /_mael/logs streams, and the `logdriver: maelstrom` bridge to our stdout.
    void setUpLogs() {
        auto runtime = services_.containerRuntime();
        if (!runtime || !runtime->capabilities().logs) {
            return;
        }
        logStreams_ = std::make_unique<LogStreams>(runtime);
        // `maelctl logs` through any node shows every node's containers: the stream also follows the peers' logs.
        ClusterView* view = view_.get();
        logStreams_->setCluster(
            nodeId_,
            [view] {
                std::vector<PeerLogSource> peers;
                for (const auto& node : view->peers()) {
                    peers.push_back({node.nodeId, node.peerUrl});
                }
                return peers;
            },
            config_.node.privateToken);
        routes_.logs = logStreams_.get();
        ComponentCache* cache = &components_;
        logBridge_ = std::make_unique<LogBridge>(
            runtime,
            [cache](const sdk::ContainerSummary& c) {
                const auto component = cache->find(c.componentName);
                return component && component->docker && component->docker->logDriver == "maelstrom";
            },
            std::cout);
        logBridge_->start();
    }

    // Cold starts, deploys, health checks, scaling and idle stops; start() adopts the containers a previous
    // maelstromd left running (requests arriving meanwhile wait for the adoption, not for a cold start).
    void setUpLifecycle() {
        auto runtime = services_.containerRuntime();
        if (!runtime) {
            log_.warning("lifecycle: the registry names no container_runtime, so no container is started");
            return;
        }
        const std::int64_t totalMemoryMiB = config_.node.totalMemoryMiB > 0
                                                ? config_.node.totalMemoryMiB
                                                : runtimeInfo_.totalMemoryBytes / (1024 * 1024);
        const std::string privateUrl =
            "http://" + runtimeInfo_.hostGateway + ":" + std::to_string(config_.node.privatePort);
        // The owner of this maelstromd's containers: its data directory, and its database unless that is the default
        // SQLite file there (two maelstromd on one data directory with databases of their own touch only their own).
        const std::string dataDir = fs::absolute(config_.node.dataDir).lexically_normal().string();
        const ServiceEntry* database = config_.find(sdk::ServiceKind::Database);
        const std::string ownerId =
            ownerIdFor(database ? ownerKeyFor(dataDir, database->plugin, database->settings.scalars) : dataDir);
        // The membership loop is created with the cluster (after this); the callback finds it through this node.
        RunningNode* self = this;
        lifecycle_ =
            std::make_shared<LifecycleManager>(*runtime, services_.database().get(), routers_, components_,
                                               LifecycleSettings{nodeId_, privateUrl, totalMemoryMiB, ownerId,
                                                                 [self] {
                                                                     if (self->membership_) {
                                                                         self->membership_->containersChanged();
                                                                     }
                                                                 },
                                                                 &lifecycleMetrics_});
        // Everything that calls the lifecycle holds it weakly: once stopBackgroundWork drops it, a late request,
        // status poll or change finds nothing to call instead of a destroyed manager.
        const std::weak_ptr<LifecycleManager> lifecycle = lifecycle_;
        nodeService_->attachLifecycle(lifecycle);
        if (coldStarter_) {
            coldStarter_->attach(lifecycle); // a request for a paused component thaws it here first
        }
        routes_.lifecycleMetrics = &lifecycleMetrics_;
        node_->setRunningComponentsSource([lifecycle] {
            const auto manager = lifecycle.lock();
            return manager ? manager->runningComponents() : std::vector<sdk::ComponentInfo>{};
        });
        const std::int64_t startedAt = node_->status().startedAt;
        node_->setVersionSource([lifecycle, startedAt] {
            const auto manager = lifecycle.lock();
            return manager ? manager->version() : startedAt;
        });
        lifecycleUpdates_ = changes_.subscribe([lifecycle](const ComponentChange& change) {
            if (const auto manager = lifecycle.lock()) {
                manager->componentChanged(change);
            }
        });
    }

    // Membership (status rows, health checks, broadcasts), the routers' view of the peers' instances, change
    // broadcasts and the cluster-wide autoscaler. Needs the database; one node alone is a cluster of one.
    void setUpCluster() {
        if (!services_.database()) {
            return;
        }
        remote_ = std::make_unique<RemoteInstances>(nodeId_, routers_, components_);
        RemoteInstances* remote = remote_.get();
        view_->setObserver([remote](const std::vector<sdk::NodeStatus>& nodes) { remote->update(nodes); });
        membership_ =
            std::make_unique<Membership>(*nodeService_, services_.database(), config_.node.nodeLivenessSeconds);
        changeBroadcast_ = std::make_unique<ChangeBroadcast>(*nodeService_, changes_, components_);
        autoscaler_ = std::make_unique<ClusterAutoscaler>(*nodeService_, services_.database(), components_);
        autoscaler_->setMetrics(&clusterMetrics_);
    }

    // The AWS node lifecycle: the lifecycle-hook queue poller (MAEL_AWS_TERMINATE_QUEUE_URL), the spot interruption
    // poller (MAEL_AWS_SPOT_TERMINATE_POLL_SECONDS) and what a TerminateNode for this instance sets off. Always made
    // (it costs nothing: the AWS clients are made on first use), so a TerminateNode that names this instance is
    // completed even on a node that polls nothing.
    void setUpAws() {
        AwsLifecycleSettings settings;
        settings.instanceId = config_.node.instanceId;
        settings.queueUrl = config_.node.awsTerminateQueueUrl;
        settings.queuePollInterval = std::chrono::seconds(config_.node.awsTerminatePollSeconds);
        settings.maxMessageAge = std::chrono::seconds(config_.node.awsTerminateMaxAgeSeconds);
        settings.spotPollInterval =
            std::chrono::seconds(std::max<std::int64_t>(0, config_.node.awsSpotTerminatePollSeconds));
        settings.terminateCommand = config_.node.terminateCommand;
        std::shared_ptr<sdk::RoleLocks> roles;
        if (auto database = services_.database()) {
            roles = std::make_shared<DatabaseRoleLocks>(database, nodeId_);
        }
        NodeService* nodes = nodeService_.get();
        ClusterView* view = view_.get();
        PeerClient* peers = peers_.get();
        AwsLifecycleCluster cluster{[nodes](const AwsLifecycleHook& hook) { return nodes->terminate(hook); },
                                    [view] { return view->peers(); },
                                    [peers](const sdk::NodeStatus& node, const AwsLifecycleHook& hook) {
                                        return peers->terminateNode(node.peerUrl, hook);
                                    }};
        aws_ = std::make_unique<AwsLifecycle>(std::move(settings), makeAwsLifecycleClients, std::move(roles),
                                              std::move(cluster), [] { ::kill(::getpid(), SIGTERM); });
        routes_.awsLifecycle = aws_.get();
    }

    // The container runtime's prune every docker_prune_minutes (0: off), by one node per engine (the holder of the
    // role docker-prune-<engine id>); what it does is logged once at start.
    void setUpPruner() {
        auto runtime = services_.containerRuntime();
        if (!runtime || config_.node.dockerPruneMinutes <= 0) {
            return;
        }
        DockerPruneSettings settings;
        settings.period = std::chrono::minutes(config_.node.dockerPruneMinutes);
        settings.removeUnregisteredImages = config_.node.dockerPruneUnregImages;
        settings.keepGlobs = parseKeepGlobs(config_.node.dockerPruneUnregKeep);
        settings.engineId = runtimeInfo_.nodeId;
        std::shared_ptr<sdk::RoleLocks> roles;
        if (auto database = services_.database()) {
            roles = std::make_shared<DatabaseRoleLocks>(database, nodeId_);
        }
        pruner_ = std::make_unique<DockerPruneTimer>(std::move(settings), runtime, services_.database(),
                                                     std::move(roles), pruneMetrics_);
        PruneMetrics* metrics = &pruneMetrics_;
        routes_.metricsBlocks.push_back([metrics] { return metrics->render(); });
    }

    // The event-source drivers the registry names (the shipped one: cron), fed with their enabled event sources every
    // second and at once after any change made here or told by a peer.
    void setUpEventSources() {
        auto drivers = services_.eventSourceDrivers();
        if (drivers.empty()) {
            return;
        }
        if (!services_.database()) {
            log_.warning("event sources: the registry names no database, so no event source fires");
            return;
        }
        std::vector<EventSources::Driver> list;
        for (auto& [plugin, driver] : drivers) {
            list.push_back({plugin, driver});
        }
        eventSources_ = std::make_unique<EventSources>(std::move(list), services_.database(), nodeId_, components_,
                                                       eventSourceMetrics_);
        routes_.eventSourceMetrics = &eventSourceMetrics_;
        EventSources* feed = eventSources_.get();
        eventSourceUpdates_ = changes_.subscribe([feed](const ComponentChange&) { feed->notify(); });
    }

    /// Stops the lifecycle (containers still running are left running; after stopGracefully there are none
    /// unless kept on purpose), the log bridge and the route refresher.
    void stopBackgroundWork() {
        if (acme_) {
            acme_->stop();
        }
        aws_->stop();
        if (pruner_) {
            pruner_->stop();
        }
        eventSourceUpdates_.reset();
        if (eventSources_) {
            eventSources_->stop();
        }
        if (autoscaler_) {
            autoscaler_->stop();
        }
        if (placement_) {
            placement_->stop();
        }
        changeBroadcast_.reset();
        view_->setObserver(nullptr);
        // No change reaches the lifecycle or the refresher once they stop (a late RPC may still publish one).
        lifecycleUpdates_.reset();
        routeUpdates_.reset();
        routeSettle_.reset();
        if (lifecycle_) {
            lifecycle_->shutdown(false);
        }
        if (logBridge_) {
            logBridge_->stop();
        }
        if (refresher_) {
            refresher_->stop();
        }
        lifecycle_.reset();
    }

    const RegistryConfig& config_;
    ServiceRegistry& services_;
    Poco::Logger& log_;
    std::string nodeId_;
    sdk::RuntimeInfo runtimeInfo_;
    std::unique_ptr<LocalNode> node_;
    std::unique_ptr<ClusterView> view_;
    std::unique_ptr<PeerClient> peers_;
    std::unique_ptr<NodeService> nodeService_;
    std::unique_ptr<AwsLifecycle> aws_; ///< made in setUpAws (before any port opens); nodeService_ calls it

    PruneMetrics pruneMetrics_;                ///< before pruner_ and the private server: outlives both
    std::unique_ptr<DockerPruneTimer> pruner_; ///< null when pruning is off

    DataChanges changes_;
    ClusterMetrics clusterMetrics_;        ///< placement_ and autoscaler_ count in it: outlives them
    std::shared_ptr<Placement> placement_; ///< places the cold starts coldStarter_ does not answer by a wake
    std::shared_ptr<LocalWakeColdStarter> coldStarter_; ///< the routers' cold starter (held weakly by them)
    std::unique_ptr<MaelstromService> api_;
    std::unique_ptr<ApiDispatcher> dispatcher_;
    PrivateRoutes routes_;
    HttpResolver resolver_;
    ComponentCache components_;
    RouterRegistry routers_{services_.loadBalancer(), {}, defaultRouterSettings(config_.node)};
    GatewayMetrics metrics_{&routers_};
    LifecycleMetrics lifecycleMetrics_; ///< before lifecycle_: outlives it
    Gateway gateway_{resolver_, components_, routers_, &metrics_};
    std::unique_ptr<RouteRefresher> refresher_;
    std::unique_ptr<LogStreams> logStreams_;
    std::unique_ptr<LogBridge> logBridge_;
    std::shared_ptr<LifecycleManager> lifecycle_; ///< shared only to hand out weak_ptrs; owned here
    std::unique_ptr<RemoteInstances> remote_;
    std::unique_ptr<Membership> membership_;
    std::unique_ptr<ChangeBroadcast> changeBroadcast_;
    std::unique_ptr<ClusterAutoscaler> autoscaler_;
    EventSourceMetrics eventSourceMetrics_;
    std::unique_ptr<EventSources> eventSources_;
    std::shared_ptr<tls::CertificateStore> certificates_; ///< TLS on: what the HTTPS port serves
    std::shared_ptr<TlsMetrics> tlsMetrics_;
    std::unique_ptr<tls::CertificateFileWatcher> certificateFiles_; ///< tls_cert_file set
    tls::AcmeMetrics acmeMetrics_;                                  ///< before acme_ and the private server
    std::unique_ptr<tls::AcmeManager> acme_;                        ///< letsencrypt_email set
    std::shared_ptr<net::EventLoops> loops_;                        ///< the listeners' threads; outlives both servers
    std::unique_ptr<PrivateServer> privateServer_;
    std::unique_ptr<PublicServer> publicServer_;
    // After what they call into: destroyed first, and each waits for a call of it in progress.
    DataChanges::Subscription routeUpdates_;
    DataChanges::Subscription routeSettle_;
    DataChanges::Subscription lifecycleUpdates_;
    DataChanges::Subscription eventSourceUpdates_;
};

class MaelstromDaemon : public Poco::Util::ServerApplication {
protected:
    void defineOptions(Poco::Util::OptionSet& options) override {
        ServerApplication::defineOptions(options);
        using Poco::Util::Option;
        options.addOption(Option("config", "c",
                                 "the service registry file (default: $MAELSTROM_CONFIG, "
                                 "<prefix>/etc/maelstrom/maelstromd.yml, /etc/maelstrom/maelstromd.yml)")
                              .argument("FILE")
                              .binding("maelstrom.config"));
        options.addOption(
            Option("check-config", "", "load every plugin, print the resolved services and settings, exit")
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
                dir = loadRegistryConfig(configFile(), defaultPluginDir, common::processEnvironment()).pluginDir;
            }
            const std::string path = pluginPath(dir, name);
            const LoadedPlugin plugin = LoadedPlugin::open(path, std::nullopt, name);
            describePlugin(plugin.descriptor(), path, std::cout);
            return EXIT_OK;
        }

        const std::string file = configFile();
        const RegistryConfig registryConfig = loadRegistryConfig(file, defaultPluginDir, common::processEnvironment());
        setUpLogging(registryConfig.node.logLevel);
        Poco::Logger& log = Poco::Logger::get("maelstrom.daemon");

        // Every plugin is loaded and created before any port opens; a failure stops here with nothing started.
        std::unique_ptr<ServiceRegistry> services = ServiceRegistry::start(registryConfig, MAELSTROM_VERSION);

        if (config().hasProperty("maelstrom.checkConfig")) {
            if (!registryConfig.node.letsencryptEmail.empty()) {
                acmeSecretBox(registryConfig, false); // a missing or short storage key: exit 2 here as at a start
            }
            std::cout << "maelstromd " << MAELSTROM_VERSION << ": configuration OK\n"
                      << "registry: " << file << "\n"
                      << "plugin_dir: " << registryConfig.pluginDir << "\n";
            services->describe(std::cout);
            if (!registryConfig.node.tlsCertFile.empty()) {
                tls::CertificateStore check; // a bad pair is a ConfigError (exit 2) here as at a start
                tls::loadCertificateFiles(check, registryConfig.node.tlsCertFile, registryConfig.node.tlsKeyFile);
            }
            std::cout << "node:\n";
            for (const auto& row : registryConfig.nodeReport) {
                std::cout << "  " << row.key << " = " << row.value << " (" << row.source << ", " << row.envVar << ")"
                          << (row.notActedOn ? " (accepted, not acted on yet)" : "") << "\n";
            }
            services->shutdown();
            return EXIT_OK;
        }

        log.information(versionLine() + ": starting with registry " + file);
        RunningNode node(registryConfig, *services);
        node.start(); // on failure everything started is stopped again before the error propagates
        // Type=notify: `systemctl start` returns once both ports accept connections.
        tellServiceManager("READY=1\nSTATUS=serving", log);
        waitForTerminationRequest();
        tellServiceManager("STOPPING=1\nSTATUS=stopping gracefully", log);
        node.stopGracefully();
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
