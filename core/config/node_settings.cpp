// node_settings.cpp — the node settings table and its resolution (defaults < file < MAEL_* environment).
#include "config/node_settings.h"

#include "config/config_error.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/settings.h>

#include <variant>

namespace maelstrom::core {
namespace {

using Member = std::variant<std::int64_t NodeSettings::*, bool NodeSettings::*, std::string NodeSettings::*>;

/// A setting the daemon accepts (and --check-config shows) without doing anything with it yet.
constexpr bool kNotActedOn = true;

struct Row {
    const char* key;
    const char* envVar;
    Member member;
    bool secret = false;
    bool notActedOn = false; ///< flipped off once something reads the setting
};

// The reference's variables plus ours (node_id, peer_url, http_event_loops, http_max_connections, http_worker_threads, router_max_queued, shutdown_keep_containers, aws_terminate_poll_seconds, private_token, data_dir, log_level).
const Row kRows[] = {
    {"public_port", "MAEL_PUBLIC_PORT", &NodeSettings::publicPort},
    {"public_https_port", "MAEL_PUBLIC_HTTPS_PORT", &NodeSettings::publicHttpsPort},
    {"tls_cert_file", "MAEL_TLS_CERT_FILE", &NodeSettings::tlsCertFile},
    {"tls_key_file", "MAEL_TLS_KEY_FILE", &NodeSettings::tlsKeyFile},
    {"letsencrypt_email", "LETSENCRYPT_EMAIL", &NodeSettings::letsencryptEmail},
    {"private_port", "MAEL_PRIVATE_PORT", &NodeSettings::privatePort},
    {"http_read_timeout", "MAEL_HTTP_READ_TIMEOUT", &NodeSettings::httpReadTimeoutSeconds},
    {"http_write_timeout", "MAEL_HTTP_WRITE_TIMEOUT", &NodeSettings::httpWriteTimeoutSeconds},
    {"http_idle_timeout", "MAEL_HTTP_IDLE_TIMEOUT", &NodeSettings::httpIdleTimeoutSeconds},
    {"http_event_loops", "MAEL_HTTP_EVENT_LOOPS", &NodeSettings::httpEventLoops},
    {"http_max_connections", "MAEL_HTTP_MAX_CONNECTIONS", &NodeSettings::httpMaxConnections},
    {"http_worker_threads", "MAEL_HTTP_WORKER_THREADS", &NodeSettings::httpWorkerThreads},
    {"router_max_queued", "MAEL_ROUTER_MAX_QUEUED", &NodeSettings::routerMaxQueued},
    {"instance_id", "MAEL_INSTANCE_ID", &NodeSettings::instanceId},
    {"node_id", "MAEL_NODE_ID", &NodeSettings::nodeId},
    {"peer_url", "MAEL_PEER_URL", &NodeSettings::peerUrl},
    {"cron_refresh_seconds", "MAEL_CRON_REFRESH_SECONDS", &NodeSettings::cronRefreshSeconds, false, kNotActedOn},
    {"total_memory", "MAEL_TOTAL_MEMORY", &NodeSettings::totalMemoryMiB},
    {"terminate_command", "MAEL_TERMINATE_COMMAND", &NodeSettings::terminateCommand},
    {"shutdown_pause_seconds", "MAEL_SHUTDOWN_PAUSE_SECONDS", &NodeSettings::shutdownPauseSeconds},
    {"shutdown_keep_containers", "MAEL_SHUTDOWN_KEEP_CONTAINERS", &NodeSettings::shutdownKeepContainers},
    {"docker_prune_minutes", "MAEL_DOCKER_PRUNE_MINUTES", &NodeSettings::dockerPruneMinutes},
    {"docker_prune_unreg_images", "MAEL_DOCKER_PRUNE_UNREG_IMAGES", &NodeSettings::dockerPruneUnregImages},
    {"docker_prune_unreg_keep", "MAEL_DOCKER_PRUNE_UNREG_KEEP", &NodeSettings::dockerPruneUnregKeep},
    {"node_liveness_seconds", "MAEL_NODE_LIVENESS_SECONDS", &NodeSettings::nodeLivenessSeconds},
    {"aws_terminate_queue_url", "MAEL_AWS_TERMINATE_QUEUE_URL", &NodeSettings::awsTerminateQueueUrl},
    {"aws_terminate_max_age_seconds", "MAEL_AWS_TERMINATE_MAX_AGE_SECONDS", &NodeSettings::awsTerminateMaxAgeSeconds},
    {"aws_spot_terminate_poll_seconds", "MAEL_AWS_SPOT_TERMINATE_POLL_SECONDS",
     &NodeSettings::awsSpotTerminatePollSeconds},
    {"aws_terminate_poll_seconds", "MAEL_AWS_TERMINATE_POLL_SECONDS", &NodeSettings::awsTerminatePollSeconds},
    {"private_token", "MAEL_PRIVATE_TOKEN", &NodeSettings::privateToken, true},
    {"data_dir", "MAEL_DATA_DIR", &NodeSettings::dataDir},
    {"log_level", "MAEL_LOG_LEVEL", &NodeSettings::logLevel},
    {"acme_directory_url", "MAEL_ACME_DIRECTORY_URL", &NodeSettings::acmeDirectoryUrl},
    {"acme_ca_file", "MAEL_ACME_CA_FILE", &NodeSettings::acmeCaFile},
    {"tls_storage_key", "MAEL_TLS_STORAGE_KEY", &NodeSettings::tlsStorageKey, true},
    {"acme_renew_before_days", "MAEL_ACME_RENEW_BEFORE_DAYS", &NodeSettings::acmeRenewBeforeDays},
};

std::string currentText(const NodeSettings& s, const Row& row) {
    return std::visit(
        [&](auto member) -> std::string {
            using T = std::remove_cvref_t<decltype(s.*member)>;
            if constexpr (std::is_same_v<T, std::string>) {
                return s.*member;
            } else if constexpr (std::is_same_v<T, bool>) {
                return s.*member ? "true" : "false";
            } else {
                return std::to_string(s.*member);
            }
        },
        row.member);
}

// Parses `text` into the row's member; `what` names the origin for the error ("MAEL_X" or "file:line: node.x").
void assign(NodeSettings& s, const Row& row, const std::string& text, const std::string& what) {
    try {
        std::visit(
            [&](auto member) {
                using T = std::remove_cvref_t<decltype(s.*member)>;
                if constexpr (std::is_same_v<T, std::string>) {
                    s.*member = text;
                } else if constexpr (std::is_same_v<T, bool>) {
                    s.*member = sdk::parseBool(row.key, text);
                } else {
                    s.*member = sdk::parseInt(row.key, text);
                }
            },
            row.member);
    } catch (const sdk::InvalidConfig& e) {
        // sdk messages start with "setting 'key': "; keep only the reason after it.
        std::string reason = e.what();
        const auto colon = reason.find("': ");
        if (colon != std::string::npos) {
            reason = reason.substr(colon + 3);
        }
        throw ConfigError(what + ": " + reason);
    }
}

} // namespace

bool tlsEnabled(const NodeSettings& settings) {
    return !settings.tlsCertFile.empty() || !settings.letsencryptEmail.empty();
}

std::vector<std::string> nodeSettingKeys() {
    std::vector<std::string> keys;
    for (const auto& row : kRows) {
        keys.emplace_back(row.key);
    }
    return keys;
}

NodeSettings resolveNodeSettings(const NodeSettingsInput& fromFile,
                                 const std::map<std::string, std::string>& environment, const std::string& fileName,
                                 std::vector<NodeSettingInfo>* report) {
    for (const auto& [key, value] : fromFile.values) {
        bool known = false;
        for (const auto& row : kRows) {
            known = known || key == row.key;
        }
        if (!known) {
            std::string valid;
            for (const auto& row : kRows) {
                valid += (valid.empty() ? "" : ", ") + std::string(row.key);
            }
            const auto line = fromFile.lines.find(key);
            throw ConfigError(fileName + ":" + std::to_string(line == fromFile.lines.end() ? 0 : line->second) +
                              ": unknown node setting '" + key + "' (valid: " + valid + ")");
        }
    }

    NodeSettings settings;
    for (const auto& row : kRows) {
        std::string source = "default";
        if (const auto it = fromFile.values.find(row.key); it != fromFile.values.end()) {
            const auto line = fromFile.lines.find(row.key);
            assign(settings, row, it->second,
                   fileName + ":" + std::to_string(line == fromFile.lines.end() ? 0 : line->second) + ": node." +
                       row.key);
            source = "file";
        }
        // Like the reference, a variable that is set but empty is parsed too (an empty int is an error).
        if (const auto it = environment.find(row.envVar); it != environment.end()) {
            assign(settings, row, it->second, std::string(row.envVar));
            source = "env";
        }
        if (report) {
            std::string value = currentText(settings, row);
            if (row.secret && !value.empty()) {
                value = "********";
            }
            report->push_back({row.key, row.envVar, value, source, row.notActedOn});
        }
    }
    if (settings.privatePort < 0 || settings.privatePort > 65535) {
        throw ConfigError("private_port out of range: " + std::to_string(settings.privatePort));
    }
    if (settings.publicPort < 0 || settings.publicPort > 65535) {
        throw ConfigError("public_port out of range: " + std::to_string(settings.publicPort));
    }
    if (settings.publicHttpsPort < 0 || settings.publicHttpsPort > 65535) {
        throw ConfigError("public_https_port out of range: " + std::to_string(settings.publicHttpsPort));
    }
    if (settings.tlsCertFile.empty() != settings.tlsKeyFile.empty()) {
        throw ConfigError(settings.tlsCertFile.empty()
                              ? "tls_key_file is set but tls_cert_file is not: set both (MAEL_TLS_CERT_FILE, "
                                "MAEL_TLS_KEY_FILE) or neither"
                              : "tls_cert_file is set but tls_key_file is not: set both (MAEL_TLS_CERT_FILE, "
                                "MAEL_TLS_KEY_FILE) or neither");
    }
    if (settings.httpEventLoops < 0 || settings.httpEventLoops > 256) {
        throw ConfigError("http_event_loops must be between 0 (one per core) and 256: " +
                          std::to_string(settings.httpEventLoops));
    }
    if (settings.httpMaxConnections < 1) {
        throw ConfigError("http_max_connections must be at least 1: " + std::to_string(settings.httpMaxConnections));
    }
    if (settings.httpWorkerThreads < 1 || settings.httpWorkerThreads > 4096) {
        throw ConfigError("http_worker_threads must be between 1 and 4096: " +
                          std::to_string(settings.httpWorkerThreads));
    }
    if (settings.awsTerminatePollSeconds < 1 || settings.awsTerminatePollSeconds > 86400) {
        throw ConfigError("aws_terminate_poll_seconds must be between 1 and 86400: " +
                          std::to_string(settings.awsTerminatePollSeconds));
    }
    if (settings.acmeRenewBeforeDays < 0 || settings.acmeRenewBeforeDays > 3650000) {
        throw ConfigError("acme_renew_before_days must be between 0 (30 days, at most a third of a certificate's "
                          "lifetime) and 3650000: " +
                          std::to_string(settings.acmeRenewBeforeDays));
    }
    if (settings.awsTerminateMaxAgeSeconds < 1) {
        throw ConfigError("aws_terminate_max_age_seconds must be at least 1: " +
                          std::to_string(settings.awsTerminateMaxAgeSeconds));
    }
    return settings;
}

} // namespace maelstrom::core
