// node_settings.h — maelstrom core: the daemon's own settings (ports, timeouts, memory, liveness...), read
// from the registry's `node:` block and overridden by the reference's MAEL_* environment variables.
// One table describes every setting: YAML key, env var, type, default.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace maelstrom::core {

struct NodeSettings {
    std::int64_t publicPort = 80;
    std::int64_t publicHttpsPort = 443;
    std::string tlsCertFile;      ///< PEM chain (leaf first) of the HTTPS port's default certificate; "" = none
    std::string tlsKeyFile;       ///< its PEM private key (set both or neither)
    std::string letsencryptEmail; ///< turns ACME certificates on (the account's contact)
    std::int64_t privatePort = 8374;
    std::int64_t httpReadTimeoutSeconds = 300;
    std::int64_t httpWriteTimeoutSeconds = 310;
    std::int64_t httpIdleTimeoutSeconds = 310;
    std::int64_t httpEventLoops = 0;         ///< event-loop threads shared by both listeners; 0 = one per core
    std::int64_t httpMaxConnections = 20000; ///< open connections per listener; more are closed at once
    std::int64_t httpWorkerThreads = 32;     ///< threads for blocking work of the private port (RPC methods, logs)
    std::int64_t routerMaxQueued = 0;        ///< requests waiting for a slot per component; 0 = unbounded
    std::string instanceId;
    std::string nodeId;  ///< empty: derived from the container runtime's id and the private port
    std::string peerUrl; ///< how peers reach this node's private port; empty: outbound address + private port
    std::int64_t cronRefreshSeconds = 60;
    std::int64_t totalMemoryMiB = -1; ///< -1: no cap
    std::string terminateCommand;
    std::int64_t shutdownPauseSeconds = 0;
    bool shutdownKeepContainers = false; ///< leave containers running on exit (adopted after a restart)
    std::int64_t dockerPruneMinutes = 0;
    bool dockerPruneUnregImages = false;
    std::string dockerPruneUnregKeep;
    std::int64_t nodeLivenessSeconds = 300;
    std::string awsTerminateQueueUrl;
    std::int64_t awsTerminateMaxAgeSeconds = 600;
    std::int64_t awsSpotTerminatePollSeconds = 0;
    std::int64_t awsTerminatePollSeconds = 30; ///< how often the lifecycle-hook queue is read (the reference: 30)
    std::string privateToken;                  ///< empty: private port open as in the reference
    std::string dataDir = "/var/lib/maelstrom";
    std::string logLevel = "information";
    std::string acmeDirectoryUrl = "https://acme-v02.api.letsencrypt.org/directory";
    std::string acmeCaFile;               ///< extra CAs trusted for the ACME server ("": the system's)
    std::string tlsStorageKey;            ///< seals the certificates' keys in the database (secret)
    std::int64_t acmeRenewBeforeDays = 0; ///< 0: 30 days, at most a third of a certificate's lifetime
};

/// One row of the settings table (for --check-config and error messages).
struct NodeSettingInfo {
    std::string key;         ///< YAML key under node:
    std::string envVar;      ///< MAEL_... override
    std::string value;       ///< resolved value as text ("********" for secrets)
    std::string source;      ///< "default", "file" or "env"
    bool notActedOn = false; ///< accepted but not acted on yet (--check-config says so)
};

/// Text values by YAML key, as read from the registry file (with their line for error messages).
struct NodeSettingsInput {
    std::map<std::string, std::string> values;
    std::map<std::string, int> lines;
};

/// Resolves the node settings: defaults, then the file's values, then MAEL_* variables from `environment`.
/// @throws ConfigError naming the key or variable and the bad value (unknown key, not an int...).
NodeSettings resolveNodeSettings(const NodeSettingsInput& fromFile,
                                 const std::map<std::string, std::string>& environment, const std::string& fileName,
                                 std::vector<NodeSettingInfo>* report = nullptr);

/// Whether the public gateway serves HTTPS: static certificate files or ACME (Let's Encrypt) configured.
bool tlsEnabled(const NodeSettings& settings);

/// The YAML keys accepted under node:, in table order.
std::vector<std::string> nodeSettingKeys();

} // namespace maelstrom::core
