// listings.h — maelctl: the tables of `comp ls`, `cluster ps` and `cert ls`, rendered as text (the original's printf
// layouts) so that they can be checked without a daemon.
#pragma once

#include <maelstrom/sdk/model.h>

#include <cstdint>
#include <string>
#include <vector>

namespace maelstrom::cli {

/// The status `cluster ps` shows for an instance: `paused` for a paused one (sent as "stopping" with
/// paused=true), else the status it was sent with.
std::string instanceStatus(const sdk::ComponentInfo& info);

/// The Idle Pause column of `comp ls`: "on (stop after N s)" with idlepause (N = the effective paused timeout),
/// "off (stop after N s)" when only pausedtimeoutseconds is set, "off" otherwise.
std::string idlePauseSummary(const sdk::DockerComponent& docker);

/// `maelctl comp ls`: "No components found" or the table. The Idle Pause column is added only when a listed
/// component sets idlepause or pausedtimeoutseconds, so other listings keep the original's layout.
std::string componentTable(const std::vector<sdk::Component>& components, std::int64_t nowMillis);

/// `maelctl cluster ps`: "No running containers found" or one row per instance of every node.
std::string clusterPsTable(const std::vector<sdk::NodeStatus>& nodes, std::int64_t nowMillis);

/// One row of NodeService.ListCertificates (times in unix seconds, 0 = none).
struct CertificateRow {
    std::string hostname;
    std::string source; ///< "acme" or "file"
    std::string issuer;
    std::int64_t notAfter = 0;
    std::int64_t issuedAt = 0;
    std::string lastError;
    std::int64_t nextAttemptAt = 0;
};

/// When a certificate expires, for people: "in 89 days", "in 5 hours", "expired 3 days ago", "not issued yet" (0).
std::string expiryText(std::int64_t notAfterSeconds, std::int64_t nowMillis);

/// `maelctl cert ls`: a line saying how to get certificates when there are none, else the table (the issuer's CN
/// when it is a distinguished name; the error column names the next attempt).
std::string certificateTable(const std::vector<CertificateRow>& rows, std::int64_t nowMillis);

} // namespace maelstrom::cli
