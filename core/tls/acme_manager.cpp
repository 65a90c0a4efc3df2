// acme_manager.cpp — see acme_manager.h.
// SPDX-License-Identifier: Apache-2.0
#include "tls/acme_manager.h"

#include "metrics/prometheus_text.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace maelstrom::core::tls {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("maelstrom.acme"); }

std::int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string utcDate(std::int64_t unixSeconds) {
    const std::time_t t = static_cast<std::time_t>(unixSeconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return text;
}

std::string stringify(const Poco::JSON::Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

Poco::JSON::Object::Ptr parseObject(const std::string& json, const char* what) {
    try {
        const Poco::Dynamic::Var value = Poco::JSON::Parser().parse(json);
        if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
            return value.extract<Poco::JSON::Object::Ptr>();
        }
    } catch (const Poco::Exception&) {
    }
    throw TlsError(std::string("not a valid ") + what + " record");
}

std::string text(const Poco::JSON::Object& object, const char* key) {
    return object.has(key) && !object.isNull(key) ? object.getValue<std::string>(key) : std::string();
}

std::int64_t number(const Poco::JSON::Object& object, const char* key) {
    return object.has(key) && !object.isNull(key) ? object.getValue<std::int64_t>(key) : 0;
}

/// ACME tokens are base64url (RFC 8555 §8.3); anything else is not looked up.
bool plausibleToken(const std::string& token) {
    return !token.empty() && token.size() <= 256 && std::all_of(token.begin(), token.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_';
    });
}

} // namespace

std::string encodeCertificateRecord(const CertificateRecord& r) {
    Poco::JSON::Object object;
    object.set("hostname", r.hostname);
    object.set("chainPem", r.chainPem);
    object.set("keySealed", r.keySealed);
    object.set("issuer", r.issuer);
    object.set("notBefore", r.notBefore);
    object.set("notAfter", r.notAfter);
    object.set("issuedAt", r.issuedAt);
    object.set("lastAttemptAt", r.lastAttemptAt);
    object.set("lastError", r.lastError);
    object.set("failures", r.failures);
    object.set("nextAttemptAt", r.nextAttemptAt);
    return stringify(object);
}

CertificateRecord decodeCertificateRecord(const std::string& json) {
    const auto object = parseObject(json, "certificate");
    try {
        CertificateRecord r;
        r.hostname = text(*object, "hostname");
        r.chainPem = text(*object, "chainPem");
        r.keySealed = text(*object, "keySealed");
        r.issuer = text(*object, "issuer");
        r.notBefore = number(*object, "notBefore");
        r.notAfter = number(*object, "notAfter");
        r.issuedAt = number(*object, "issuedAt");
        r.lastAttemptAt = number(*object, "lastAttemptAt");
        r.lastError = text(*object, "lastError");
        r.failures = number(*object, "failures");
        r.nextAttemptAt = number(*object, "nextAttemptAt");
        return r;
    } catch (const Poco::Exception& e) {
        throw TlsError("not a valid certificate record: " + e.displayText());
    }
}

std::string storageKeySetting(const std::string& setting, const std::string& dataDir, bool defaultSqliteDatabase) {
    if (!setting.empty()) {
        return setting;
    }
    if (!defaultSqliteDatabase) {
        throw TlsError("tls_storage_key (MAEL_TLS_STORAGE_KEY) is required with letsencrypt_email when the database "
                       "is shared: set the same value on every node (e.g. `openssl rand -hex 32`)");
    }
    const std::filesystem::path file = std::filesystem::path(dataDir) / "tls-storage.key";
    const auto readKey = [&]() -> std::string {
        std::ifstream in(file);
        std::string key;
        std::getline(in, key);
        if (!in && !in.eof()) {
            throw TlsError("cannot read " + file.string() + " (the TLS storage key)");
        }
        return key;
    };
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
        return readKey();
    }
    std::filesystem::create_directories(file.parent_path(), ec);
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
        throw TlsError("no random bytes for the TLS storage key");
    }
    static const char* const kHex = "0123456789abcdef";
    std::string key;
    for (unsigned char b : bytes) {
        key.push_back(kHex[b >> 4]);
        key.push_back(kHex[b & 15]);
    }
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) {
            return readKey(); // another process made it first
        }
        throw TlsError("cannot create " + file.string() + " (the TLS storage key): " + std::strerror(errno) +
                       "; set tls_storage_key (MAEL_TLS_STORAGE_KEY) instead");
    }
    const std::string line = key + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!written) {
        throw TlsError("cannot write " + file.string() + " (the TLS storage key)");
    }
    logger().information("acme: made the TLS storage key " + file.string() +
                         " (keep it with the database: the certificates' keys are sealed with it)");
    return key;
}

std::string orderableHostname(const std::string& name) {
    std::string lower;
    lower.reserve(name.size());
    for (unsigned char c : name) {
        lower.push_back(static_cast<char>(std::tolower(c)));
    }
    if (lower.empty() || lower.size() > 253 || lower.front() == '.' || lower.back() == '.' ||
        lower.find('.') == std::string::npos || lower.find("..") != std::string::npos) {
        return "";
    }
    bool allDigitsAndDots = true;
    for (unsigned char c : lower) {
        if (!std::isalnum(c) && c != '-' && c != '.') {
            return ""; // wildcards, ports, IPv6 literals, underscores...
        }
        allDigitsAndDots = allDigitsAndDots && (std::isdigit(c) || c == '.');
    }
    // An IPv4 literal (a CA issues no certificate for it over HTTP-01 here).
    return allDigitsAndDots ? "" : lower;
}

bool orderDue(const CertificateRecord& record, std::int64_t now, std::chrono::seconds renewBefore) {
    if (record.nextAttemptAt > now) {
        return false;
    }
    if (record.chainPem.empty() || record.notAfter <= 0) {
        return true;
    }
    std::int64_t window = renewBefore.count();
    if (window <= 0) {
        const std::int64_t lifetime = std::max<std::int64_t>(0, record.notAfter - record.notBefore);
        window = std::min<std::int64_t>(30 * 86400, lifetime / 3);
    }
    return now >= record.notAfter - window;
}

std::chrono::seconds backoffAfter(std::int64_t failures, std::chrono::seconds first, std::chrono::seconds max) {
    std::chrono::seconds wait = first;
    for (std::int64_t i = 1; i < failures && wait < max; ++i) {
        wait *= 2;
    }
    return std::min(wait, max);
}

// ---- metrics ----

void AcmeMetrics::recordOrder(Outcome outcome) noexcept {
    switch (outcome) {
    case Outcome::Issued:
        issued_.fetch_add(1);
        break;
    case Outcome::Failed:
        failed_.fetch_add(1);
        break;
    case Outcome::RateLimited:
        rateLimited_.fetch_add(1);
        break;
    }
}

std::uint64_t AcmeMetrics::orders(Outcome outcome) const noexcept {
    switch (outcome) {
    case Outcome::Issued:
        return issued_.load();
    case Outcome::Failed:
        return failed_.load();
    case Outcome::RateLimited:
        return rateLimited_.load();
    }
    return 0;
}

void AcmeMetrics::setNotAfter(const std::string& hostname, std::int64_t notAfter) {
    std::lock_guard lock(mutex_);
    notAfter_[hostname] = notAfter;
}

void AcmeMetrics::forget(const std::string& hostname) {
    std::lock_guard lock(mutex_);
    notAfter_.erase(hostname);
}

std::string AcmeMetrics::render() const {
    std::string out;
    prometheus::header(out, "maelstrom_acme_orders_total", "counter",
                       "ACME certificate orders made by this node, by outcome (rate_limited: the CA refused it "
                       "for its rate limits).");
    prometheus::sample(out, "maelstrom_acme_orders_total", "outcome=\"issued\"", issued_.load());
    prometheus::sample(out, "maelstrom_acme_orders_total", "outcome=\"failed\"", failed_.load());
    prometheus::sample(out, "maelstrom_acme_orders_total", "outcome=\"rate_limited\"", rateLimited_.load());
    prometheus::header(out, "maelstrom_certificate_not_after_seconds", "gauge",
                       "Expiry (unix time) of the ACME certificate this node serves, by hostname.");
    std::lock_guard lock(mutex_);
    for (const auto& [hostname, notAfter] : notAfter_) {
        prometheus::sample(out, "maelstrom_certificate_not_after_seconds",
                           "hostname=\"" + prometheus::escapeLabel(hostname) + "\"",
                           static_cast<std::uint64_t>(std::max<std::int64_t>(0, notAfter)));
    }
    return out;
}

// ---- manager ----

AcmeManager::AcmeManager(AcmeManagerSettings settings, std::shared_ptr<sdk::Database> database,
                         std::shared_ptr<sdk::RoleLocks> roles, std::shared_ptr<CertificateStore> store,
                         const SecretBox& box, Hostnames hostnames, AcmeMetrics& metrics)
    : settings_(std::move(settings)), database_(std::move(database)), roles_(std::move(roles)),
      store_(std::move(store)), box_(box), hostnames_(std::move(hostnames)), metrics_(metrics) {}

AcmeManager::~AcmeManager() { stop(); }

void AcmeManager::start() {
    if (thread_.joinable()) {
        return;
    }
    logger().information("acme: certificates for the HTTP event sources' hostnames from " +
                         settings_.acme.directoryUrl + " (account " + settings_.acme.email + ")");
    thread_ = std::thread([this] { run(); });
}

void AcmeManager::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        if (client_) {
            client_->cancel(); // an order in progress ends at once instead of waiting for the CA
        }
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
        if (roles_ && holder_) {
            try {
                roles_->release(kAcmeOrdersRole);
            } catch (const std::exception&) {
                // The lease expires by itself.
            }
            holder_ = false;
        }
    }
}

void AcmeManager::notify() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_.notify_all();
}

void AcmeManager::onUnknownName(const std::string& name) {
    bool known = false;
    {
        std::lock_guard lock(mutex_);
        known = current_.count(name) > 0;
        woken_ = woken_ || known;
    }
    if (known) {
        wake_.notify_all();
    }
}

std::optional<std::string> AcmeManager::challenge(const std::string& token) {
    if (!plausibleToken(token) || !database_) {
        return std::nullopt;
    }
    try {
        const auto record = database_->getTlsRecord(kAcmeChallengeKind, token);
        if (!record) {
            return std::nullopt;
        }
        const auto object = parseObject(record->value, "acme-challenge");
        const std::string keyAuthorization = text(*object, "keyAuthorization");
        if (keyAuthorization.empty()) {
            return std::nullopt;
        }
        // The CA may validate from several places at once: one line per token is enough.
        bool first = false;
        {
            std::lock_guard lock(mutex_);
            if (answered_.size() >= 1000) {
                answered_.clear();
            }
            first = answered_.insert(token).second;
        }
        if (first) {
            logger().information("acme: answering the HTTP-01 challenge for " + text(*object, "hostname"));
        }
        return keyAuthorization;
    } catch (const std::exception& e) {
        logger().debug(std::string("acme: looking up a challenge token: ") + e.what());
        return std::nullopt;
    }
}

bool AcmeManager::stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
}

bool AcmeManager::readHostnames() {
    std::set<std::string> names;
    try {
        for (const auto& name : hostnames_()) {
            if (auto orderable = orderableHostname(name); !orderable.empty()) {
                names.insert(std::move(orderable));
            }
        }
    } catch (const std::exception& e) {
        logger().debug(std::string("acme: reading the hostnames: ") + e.what());
        return false;
    }
    std::lock_guard lock(mutex_);
    if (names == current_) {
        return false;
    }
    current_ = std::move(names);
    return true;
}

void AcmeManager::reloadCertificates() {
    std::vector<sdk::TlsRecord> list;
    try {
        list = database_->listTlsRecords(kCertificateKind);
    } catch (const std::exception& e) {
        logger().warning(std::string("acme: reading the certificate records (retried): ") + e.what());
        return;
    }
    for (const auto& row : list) {
        CertificateRecord record;
        try {
            record = decodeCertificateRecord(row.value);
        } catch (const TlsError& e) {
            if (loadedAt_[row.name] != row.modifiedAt) {
                loadedAt_[row.name] = row.modifiedAt;
                logger().warning("acme: the certificate record of " + row.name + " is skipped: " + e.what());
            }
            continue;
        }
        if (record.hostname.empty()) {
            record.hostname = row.name;
        }
        const std::string hostname = record.hostname;
        records_[hostname] = record;
        if (record.chainPem.empty() || loadedAt_[hostname] == row.modifiedAt) {
            continue;
        }
        loadedAt_[hostname] = row.modifiedAt;
        try {
            store_->put(hostname, record.chainPem, box_.open(record.keySealed));
            metrics_.setNotAfter(hostname, record.notAfter);
            logger().information("acme: serving the certificate of " + hostname + " (valid until " +
                                 utcDate(record.notAfter) + ")");
        } catch (const TlsError& e) {
            logger().warning("acme: the certificate of " + hostname + " in the database cannot be used: " + e.what() +
                             " (every node needs the same MAEL_TLS_STORAGE_KEY)");
        }
    }
}

bool AcmeManager::holdsRole(bool force, std::chrono::milliseconds lease) {
    if (!roles_) {
        return true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!force && now < nextRoleAttempt_) {
        return holder_;
    }
    nextRoleAttempt_ = now + settings_.rolePeriod;
    bool held = false;
    try {
        held = roles_->acquireOrRenew(kAcmeOrdersRole, std::max(lease, settings_.roleLease));
        lastRoleError_.clear();
    } catch (const std::exception& e) {
        if (e.what() != lastRoleError_) { // once per distinct message while the database is away
            lastRoleError_ = e.what();
            logger().warning(std::string("acme: the role ") + kAcmeOrdersRole + " (retried): " + e.what());
        }
    }
    if (held != holder_) {
        logger().information(held
                                 ? std::string("acme: this node orders the certificates (role ") + kAcmeOrdersRole + ")"
                                 : std::string("acme: another node orders the certificates now"));
    }
    holder_ = held;
    return holder_;
}

void AcmeManager::orderDueHostnames() {
    std::set<std::string> names;
    {
        std::lock_guard lock(mutex_);
        names = current_;
    }
    std::vector<std::string> due;
    const std::int64_t now = unixNow();
    for (const auto& name : names) {
        const auto it = records_.find(name);
        if (orderDue(it == records_.end() ? CertificateRecord{} : it->second, now, settings_.renewBefore)) {
            due.push_back(name);
        }
    }
    if (due.empty() || !holdsRole(false)) {
        return;
    }
    for (const auto& name : due) {
        // Leased for the whole order, so that no other node starts one for the same name meanwhile.
        const auto orderLease = std::chrono::duration_cast<std::chrono::milliseconds>(
            settings_.authorizationTimeout + settings_.finalizeTimeout + 4 * settings_.acme.timeout);
        if (stopping() || !holdsRole(true, orderLease)) {
            return;
        }
        // Another node may have ordered it while it held the role: the database has the last word.
        try {
            if (const auto row = database_->getTlsRecord(kCertificateKind, name)) {
                auto record = decodeCertificateRecord(row->value);
                if (record.hostname.empty()) {
                    record.hostname = name;
                }
                records_[name] = record;
                if (!orderDue(record, unixNow(), settings_.renewBefore)) {
                    continue;
                }
            }
        } catch (const std::exception& e) {
            logger().warning("acme: reading the certificate record of " + name + " (retried): " + e.what());
            continue;
        }
        order(name);
    }
}

AcmeClient& AcmeManager::client() {
    if (client_) {
        return *client_;
    }
    const auto row = database_->getTlsRecord(kAcmeAccountKind, settings_.acme.directoryUrl);
    std::string keyPem;
    if (row) {
        keyPem = box_.open(text(*parseObject(row->value, "acme-account"), "keySealed"));
    }
    AcmeClient* made = nullptr;
    {
        // Published at once, so that stop() can cancel the registration too.
        std::lock_guard lock(mutex_);
        client_ = std::make_unique<AcmeClient>(settings_.acme, keyPem);
        made = client_.get();
        if (stopping_) {
            made->cancel();
        }
    }
    const std::string url = made->registerAccount();
    if (!row) {
        Poco::JSON::Object object;
        object.set("email", settings_.acme.email);
        object.set("accountUrl", url);
        object.set("keySealed", box_.seal(made->accountKeyPem()));
        database_->putTlsRecord({kAcmeAccountKind, settings_.acme.directoryUrl, stringify(object), 0});
        logger().information("acme: registered the account " + url);
    }
    return *made;
}

void AcmeManager::resetClient() {
    std::lock_guard lock(mutex_);
    client_.reset();
}

void AcmeManager::order(const std::string& hostname) {
    const auto started = std::chrono::steady_clock::now();
    logger().information("acme: ordering a certificate for " + hostname);
    std::vector<std::string> tokens;
    const auto removeChallenges = [&] {
        for (const auto& token : tokens) {
            try {
                database_->removeTlsRecord(kAcmeChallengeKind, token);
            } catch (const std::exception& e) {
                logger().warning("acme: removing a challenge record: " + std::string(e.what()));
            }
        }
        tokens.clear();
    };
    try {
        AcmeClient& acme = client();
        const AcmeClient::Order placed = acme.newOrder({hostname});
        for (const auto& challenge : placed.challenges) {
            Poco::JSON::Object object;
            object.set("keyAuthorization", challenge.keyAuthorization);
            object.set("hostname", challenge.hostname);
            object.set("createdAt", unixNow());
            database_->putTlsRecord({kAcmeChallengeKind, challenge.token, stringify(object), 0});
            tokens.push_back(challenge.token);
        }
        for (const auto& challenge : placed.challenges) {
            acme.acceptChallenge(challenge);
        }
        for (const auto& challenge : placed.challenges) {
            acme.waitForAuthorization(challenge, settings_.authorizationTimeout);
        }
        removeChallenges();
        const AcmeClient::Issued issued = acme.finalize(placed, settings_.finalizeTimeout);

        CertificateRecord record;
        record.hostname = hostname;
        record.chainPem = issued.chainPem;
        record.keySealed = box_.seal(issued.keyPem);
        record.issuer = issued.issuer;
        record.notBefore = issued.notBefore;
        record.notAfter = issued.notAfter;
        record.issuedAt = unixNow();
        record.lastAttemptAt = record.issuedAt;
        store_->put(hostname, issued.chainPem, issued.keyPem);
        database_->putTlsRecord({kCertificateKind, hostname, encodeCertificateRecord(record), 0});
        records_[hostname] = record;
        // Installed already: the next reload need not install it again.
        try {
            if (const auto stored = database_->getTlsRecord(kCertificateKind, hostname)) {
                loadedAt_[hostname] = stored->modifiedAt;
            }
        } catch (const std::exception&) {
            // The next reload installs the same pair again: harmless.
        }
        metrics_.setNotAfter(hostname, record.notAfter);
        metrics_.recordOrder(AcmeMetrics::Outcome::Issued);
        const auto millis =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
        logger().information("acme: certificate issued for " + hostname + " by " + issued.issuer + ", valid until " +
                             utcDate(issued.notAfter) + " (" + std::to_string(millis) + " ms)");
    } catch (const AcmeError& e) {
        removeChallenges();
        resetClient();
        if (stopping()) {
            logger().information("acme: the order for " + hostname + " was cancelled (stopping)");
            return; // not a failure: the next start orders again without a backoff
        }
        metrics_.recordOrder(e.rateLimited() ? AcmeMetrics::Outcome::RateLimited : AcmeMetrics::Outcome::Failed);
        recordFailure(hostname, e.what(), e.rateLimited(), std::max<std::int64_t>(e.retryAfter, 0));
    } catch (const std::exception& e) {
        removeChallenges();
        resetClient();
        metrics_.recordOrder(AcmeMetrics::Outcome::Failed);
        recordFailure(hostname, e.what(), false, 0);
    }
}

void AcmeManager::recordFailure(const std::string& hostname, const std::string& error, bool rateLimited,
                                std::int64_t retryAfter) {
    CertificateRecord record;
    if (const auto it = records_.find(hostname); it != records_.end()) {
        record = it->second;
    }
    record.hostname = hostname;
    const std::int64_t now = unixNow();
    record.failures += 1;
    record.lastAttemptAt = now;
    record.lastError = error;
    const auto wait = std::max<std::int64_t>(
        backoffAfter(record.failures, settings_.firstBackoff, settings_.maxBackoff).count(), retryAfter);
    record.nextAttemptAt = now + wait;
    records_[hostname] = record;
    if (rateLimited) {
        logger().warning("acme: the CA rate-limits orders for " + hostname + ": " + error + "; next attempt in " +
                         std::to_string(wait) + " s");
    } else {
        logger().warning("acme: ordering a certificate for " + hostname + " failed (" +
                         std::to_string(record.failures) + " in a row, next attempt in " + std::to_string(wait) +
                         " s): " + error);
    }
    try {
        database_->putTlsRecord({kCertificateKind, hostname, encodeCertificateRecord(record), 0});
    } catch (const std::exception& e) {
        logger().warning("acme: storing the failure of " + hostname + ": " + std::string(e.what()));
    }
}

void AcmeManager::sweepChallenges() {
    // A node that stopped in the middle of an order leaves its challenge records behind; nothing answers for them
    // after an hour (a CA validates within minutes).
    try {
        const std::int64_t cutoff = unixNow() - 3600;
        for (const auto& row : database_->listTlsRecords(kAcmeChallengeKind)) {
            std::int64_t createdAt = 0;
            try {
                createdAt = number(*parseObject(row.value, "acme-challenge"), "createdAt");
            } catch (const std::exception&) {
                // Unreadable: removed like an old one.
            }
            if (createdAt < cutoff) {
                database_->removeTlsRecord(kAcmeChallengeKind, row.name);
            }
        }
    } catch (const std::exception& e) {
        logger().debug(std::string("acme: removing old challenge records (retried): ") + e.what());
    }
}

void AcmeManager::run() {
    using Clock = std::chrono::steady_clock;
    auto lastReload = Clock::time_point{};
    bool pendingWake = true;
    while (!stopping()) {
        bool woken = false;
        {
            std::lock_guard lock(mutex_);
            woken = woken_;
            woken_ = false;
        }
        pendingWake = pendingWake || woken;
        const bool changed = readHostnames();
        const auto now = Clock::now();
        // A wake (a new hostname, an unknown SNI name that is one) reloads at once, but at most once a second.
        if (now >= nextReload_ || ((pendingWake || changed) && now >= lastReload + std::chrono::seconds(1))) {
            reloadCertificates();
            lastReload = now;
            nextReload_ = now + settings_.reloadPeriod;
            pendingWake = false;
        }
        if (holdsRole(false) && now >= nextSweep_) {
            nextSweep_ = now + std::chrono::minutes(10);
            sweepChallenges();
        }
        orderDueHostnames();
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, settings_.tick, [this] { return stopping_ || woken_; });
    }
}

} // namespace maelstrom::core::tls
