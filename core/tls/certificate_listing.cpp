// certificate_listing.cpp — see certificate_listing.h.
// SPDX-License-Identifier: Apache-2.0
#include "tls/certificate_listing.h"

#include "tls/acme_manager.h"

#include <algorithm>
#include <tuple>

namespace maelstrom::core::tls {
namespace {

/// The RFC 2253 attribute `key` ("CN") of a distinguished name, or "" when it has none.
std::string attribute(const std::string& name, const std::string& key) {
    std::size_t start = 0;
    while (start < name.size()) {
        std::size_t end = start;
        while (end < name.size() && name[end] != ',') {
            end += name[end] == '\\' ? 2 : 1; // an escaped comma belongs to the value
        }
        const std::string part = name.substr(start, end - start);
        if (part.size() > key.size() && part.compare(0, key.size(), key) == 0 && part[key.size()] == '=') {
            return part.substr(key.size() + 1);
        }
        start = end + 1;
    }
    return "";
}

} // namespace

CertificateStatus certificateStatusOfRecord(const sdk::TlsRecord& record) {
    CertificateStatus row;
    row.hostname = record.name;
    row.source = "acme";
    try {
        const CertificateRecord r = decodeCertificateRecord(record.value);
        row.issuer = r.issuer;
        row.notBefore = r.notBefore;
        row.notAfter = r.notAfter;
        row.issuedAt = r.issuedAt;
        row.lastError = r.lastError;
        row.failures = r.failures;
        row.nextAttemptAt = r.nextAttemptAt;
    } catch (const std::exception& e) {
        row.lastError = std::string("unreadable certificate record: ") + e.what();
    }
    return row;
}

std::vector<CertificateStatus> listCertificateStatus(sdk::Database& database, const CertificateStore* store) {
    std::vector<CertificateStatus> rows;
    for (const auto& record : database.listTlsRecords(kCertificateKind)) {
        rows.push_back(certificateStatusOfRecord(record));
    }
    if (store != nullptr) {
        for (const auto& info : store->list()) {
            if (!info.hostname.empty()) {
                continue; // installed from a record listed above
            }
            CertificateStatus row;
            row.source = "file";
            row.issuer = info.issuer;
            row.notBefore = info.notBefore;
            row.notAfter = info.notAfter;
            row.issuedAt = info.notBefore;
            std::vector<std::string> names = info.dnsNames;
            if (names.empty()) {
                const std::string commonName = attribute(info.subject, "CN");
                names.push_back(commonName.empty() ? info.subject : commonName);
            }
            for (const auto& name : names) {
                row.hostname = name;
                rows.push_back(row);
            }
        }
    }
    std::sort(rows.begin(), rows.end(), [](const CertificateStatus& a, const CertificateStatus& b) {
        return std::tie(a.hostname, a.source) < std::tie(b.hostname, b.source);
    });
    return rows;
}

} // namespace maelstrom::core::tls
