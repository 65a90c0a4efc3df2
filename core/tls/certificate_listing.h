// certificate_listing.h — what `maelctl cert ls` shows (NodeService.ListCertificates): one row per hostname with
// where its certificate comes from, who issued it, when it expires, when it was last renewed and the last renewal
// error. ACME certificates come from the database's "certificate" TLS records (the whole cluster's), the static file
// certificate from this node's CertificateStore (its default certificate, one row per DNS name it covers).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "tls/certificate_store.h"

#include <maelstrom/sdk/database.h>

#include <cstdint>
#include <string>
#include <vector>

namespace maelstrom::core::tls {

struct CertificateStatus {
    std::string hostname;
    std::string source; ///< "acme" (database record) or "file" (tls_cert_file of the node that answered)
    std::string issuer;
    std::int64_t notBefore = 0;     ///< unix seconds; 0 = never issued
    std::int64_t notAfter = 0;      ///< unix seconds; 0 = never issued
    std::int64_t issuedAt = 0;      ///< the last issuance or renewal (unix s); a file certificate's notBefore
    std::string lastError;          ///< "" when the last attempt went fine (or for a file certificate)
    std::int64_t failures = 0;      ///< attempts failed in a row
    std::int64_t nextAttemptAt = 0; ///< unix seconds; 0 = none planned
};

/// The row of one certificate record's value (JSON written by the ACME manager); a value that is not such JSON
/// gives a row naming the problem in lastError rather than hiding the hostname.
CertificateStatus certificateStatusOfRecord(const sdk::TlsRecord& record);

/// Every "certificate" record of `database` plus, when `store` has a default certificate, its rows; ordered by
/// hostname, then source. Blocking (one database call); throws what the database throws.
std::vector<CertificateStatus> listCertificateStatus(sdk::Database& database, const CertificateStore* store);

} // namespace maelstrom::core::tls
