// acme_manager.h — maelstrom core: certificates from an ACME CA (Let's Encrypt) for the hostnames of the enabled
// HTTP event sources, shared by every node of the cluster through the database.
// SPDX-License-Identifier: Apache-2.0
//
// Behaviour:
//   - Which names: the hostnames of enabled HTTP event sources (the `hostnames` callback, read every tick), minus
//     those that cannot get a publicly trusted certificate (IP literals, names without a dot, wildcards, other
//     characters than letters, digits, '-' and '.'). Lowercased. A name no event source uses is never ordered: an
//     unknown SNI name only wakes the manager when it is one of these (anyone can point a name at a node).
//   - Who orders: the holder of the database role "acme-orders" (every ACME node tries to take or renew it every
//     rolePeriod with a lease of roleLease, so the first node started keeps it while it lives; an order leases it for
//     its whole length). The others only load what it stores.
//   - When: a hostname without a certificate record holding a certificate, or whose certificate is within the
//     renewal window of its notAfter (renewBefore; 0 = 30 days but at most a third of the certificate's lifetime,
//     so a CA issuing short-lived certificates does not cause an order per tick), and whose nextAttemptAt has
//     passed. After a failure the record keeps lastError, failures and nextAttemptAt = now + backoff (1 min
//     doubling to 24 h; a rate-limit error's Retry-After when it is later), logged as one warning line.
//   - How (RFC 8555 through AcmeClient, on the manager's thread): the account of the "acme-account" record named
//     by the directory URL (key made and sealed on first use); an order per hostname; each HTTP-01 challenge is
//     written as an "acme-challenge" record before it is accepted, so whichever node the CA reaches on the plain
//     port can answer it (challenge()), and removed afterwards; the certificate and its sealed key go into the
//     "certificate" record, and into this node's CertificateStore at once.
//   - The role holder removes challenge records older than an hour every 10 minutes (left by a node that stopped
//     during an order).
//   - Every node loads the "certificate" records whose modifiedAt changed every reloadPeriod (and when woken) into
//     its CertificateStore; a record whose key cannot be opened is skipped with one warning naming
//     MAEL_TLS_STORAGE_KEY (the nodes must share one key).
// Threads: one, started by start() and joined by stop(). notify(), onUnknownName() and the metrics are thread-safe
// and never block on the database; challenge() blocks on it (the plain port runs it off its event loop).
#pragma once

#include "tls/acme_client.h"
#include "tls/certificate_store.h"
#include "tls/secret_box.h"

#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/event_source.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::core::tls {

/// The role whose holder orders certificates for the whole cluster.
inline constexpr const char* kAcmeOrdersRole = "acme-orders";
/// Record kinds (the database's TLS records).
inline constexpr const char* kAcmeAccountKind = "acme-account";
inline constexpr const char* kAcmeChallengeKind = "acme-challenge";
inline constexpr const char* kCertificateKind = "certificate";

struct AcmeManagerSettings {
    AcmeSettings acme;                    ///< directory URL, extra CA file, account email
    std::chrono::seconds renewBefore{0};  ///< 0: 30 days, at most a third of the certificate's lifetime
    std::chrono::milliseconds tick{1000}; ///< how often the hostnames are read
    std::chrono::milliseconds reloadPeriod{5000};
    std::chrono::milliseconds rolePeriod{10000};
    std::chrono::milliseconds roleLease{60000};
    std::chrono::seconds firstBackoff{60};
    std::chrono::seconds maxBackoff{24 * 3600};
    std::chrono::seconds authorizationTimeout{90};
    std::chrono::seconds finalizeTimeout{90};
};

/// The state of one hostname as its "certificate" record holds it (times in unix seconds).
struct CertificateRecord {
    std::string hostname;
    std::string chainPem; ///< "" while never issued
    std::string keySealed;
    std::string issuer;
    std::int64_t notBefore = 0;
    std::int64_t notAfter = 0;
    std::int64_t issuedAt = 0;
    std::int64_t lastAttemptAt = 0;
    std::string lastError;
    std::int64_t failures = 0;
    std::int64_t nextAttemptAt = 0;
};
std::string encodeCertificateRecord(const CertificateRecord& record);
/// @throws TlsError when `json` is not a certificate record
CertificateRecord decodeCertificateRecord(const std::string& json);

/// The storage key's text: `setting` when set; otherwise, when the database is the default SQLite file of the data
/// directory (a single node), the key kept in <dataDir>/tls-storage.key (made with mode 0600 on first use).
/// @throws TlsError (one line) when neither, or when that file cannot be read or written.
std::string storageKeySetting(const std::string& setting, const std::string& dataDir, bool defaultSqliteDatabase);

/// `name` lowercased when a CA can issue a certificate for it, else "" (see the header comment).
std::string orderableHostname(const std::string& name);
/// Whether a hostname with this record should be ordered (or renewed) at unix time `now`.
bool orderDue(const CertificateRecord& record, std::int64_t now, std::chrono::seconds renewBefore);
/// The wait after the `failures`-th failure in a row (1 → first, doubling, at most `max`).
std::chrono::seconds backoffAfter(std::int64_t failures, std::chrono::seconds first, std::chrono::seconds max);

/// maelstrom_acme_orders_total{outcome} and maelstrom_certificate_not_after_seconds{hostname} (all thread-safe).
class AcmeMetrics {
public:
    enum class Outcome { Issued, Failed, RateLimited };
    void recordOrder(Outcome outcome) noexcept;
    std::uint64_t orders(Outcome outcome) const noexcept;
    void setNotAfter(const std::string& hostname, std::int64_t notAfter);
    void forget(const std::string& hostname);
    std::string render() const;

private:
    std::atomic<std::uint64_t> issued_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::uint64_t> rateLimited_{0};
    mutable std::mutex mutex_;
    std::map<std::string, std::int64_t> notAfter_; ///< guarded by mutex_
};

class AcmeManager {
public:
    using Hostnames = std::function<std::vector<std::string>()>;

    /// `roles` may be null (one node, no database roles: this node orders). `store` and `metrics` outlive it.
    AcmeManager(AcmeManagerSettings settings, std::shared_ptr<sdk::Database> database,
                std::shared_ptr<sdk::RoleLocks> roles, std::shared_ptr<CertificateStore> store, const SecretBox& box,
                Hostnames hostnames, AcmeMetrics& metrics);
    ~AcmeManager();
    AcmeManager(const AcmeManager&) = delete;
    AcmeManager& operator=(const AcmeManager&) = delete;

    void start();
    /// Ends the thread (an order in progress is cancelled); releases the role.
    void stop();
    /// Re-reads the hostnames and the certificate records as soon as possible.
    void notify();
    /// The store's unknown-name handler: wakes the manager when `name` is one of the current hostnames, otherwise
    /// does nothing. Never blocks.
    void onUnknownName(const std::string& name);
    /// The key authorization of the pending challenge `token` (any node's), or nullopt. Blocks on the database.
    std::optional<std::string> challenge(const std::string& token);

private:
    void run();
    /// Reads the hostnames; @return whether the set changed.
    bool readHostnames();
    void reloadCertificates();
    /// Takes or renews the role (at most every rolePeriod unless `force`) for max(`lease`, roleLease).
    bool holdsRole(bool force, std::chrono::milliseconds lease = std::chrono::milliseconds(0));
    void orderDueHostnames();
    /// Removes challenge records older than an hour (left by a node that stopped during an order).
    void sweepChallenges();
    void order(const std::string& hostname);
    /// The ACME client with its account (registered, and stored on first use).
    AcmeClient& client();
    void resetClient();
    /// Stores the failure with its backoff (at least `retryAfter` s) and logs it.
    void recordFailure(const std::string& hostname, const std::string& error, bool rateLimited,
                       std::int64_t retryAfter);
    bool stopping();

    const AcmeManagerSettings settings_;
    const std::shared_ptr<sdk::Database> database_;
    const std::shared_ptr<sdk::RoleLocks> roles_;
    const std::shared_ptr<CertificateStore> store_;
    const SecretBox box_;
    const Hostnames hostnames_;
    AcmeMetrics& metrics_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;          ///< guarded by mutex_
    bool woken_ = false;             ///< guarded by mutex_
    std::set<std::string> current_;  ///< the orderable hostnames; guarded by mutex_ (read by onUnknownName)
    std::set<std::string> answered_; ///< challenge tokens answered here (logged once each); guarded by mutex_

    // Only touched by the manager's thread.
    std::map<std::string, CertificateRecord> records_; ///< by hostname, as last loaded or written
    std::map<std::string, std::int64_t> loadedAt_;     ///< modifiedAt of the record installed in the store
    std::unique_ptr<AcmeClient> client_; ///< made and reset by the thread under mutex_ (stop() cancels it)
    bool holder_ = false;
    std::string lastRoleError_;
    std::chrono::steady_clock::time_point nextRoleAttempt_{};
    std::chrono::steady_clock::time_point nextReload_{};
    std::chrono::steady_clock::time_point nextSweep_{};
    std::thread thread_;
};

} // namespace maelstrom::core::tls
