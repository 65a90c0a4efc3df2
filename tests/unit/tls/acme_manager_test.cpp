// acme_manager_test.cpp — the ACME manager's decisions without a CA: which hostnames can be ordered, when an order
// or a renewal is due (the window, its automatic cap for short-lived certificates, the backoff), the certificate
// record's JSON, the storage key kept in the data directory, and the metrics text; then a manager over the fake
// database: certificate records loaded into the store (one sealed with another key skipped), a failed order stored
// with its backoff, challenge lookups, and unknown SNI names waking it only for its own hostnames.
// SPDX-License-Identifier: Apache-2.0
#include "tls/acme_manager.h"

#include "event_sources/database_role_locks.h"
#include "fake_database.h"
#include "test_certificates.h"
#include "test_support.h"

#include <sys/stat.h>

#include <ctime>

using namespace maelstrom;
using namespace maelstrom::core::tls;
using namespace std::chrono_literals;

namespace {

/// A self-signed P-256 certificate for `name`, valid 90 days: {chain PEM, key PEM, notBefore, notAfter}.
struct TestPair {
    std::string chainPem;
    std::string keyPem;
    std::int64_t notBefore = 0;
    std::int64_t notAfter = 0;
};
TestPair makePair(const std::string& name) {
    const auto cert = test::makeCert(name, {name}, nullptr, false, 90);
    TestPair pair{cert.certPem, cert.keyPem, 0, 0};
    const auto info = inspectCertificate(pair.chainPem, pair.keyPem);
    pair.notBefore = info.notBefore;
    pair.notAfter = info.notAfter;
    return pair;
}

const std::string kKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

void putCertificate(sdk::Database& db, const std::string& name, const SecretBox& box) {
    const TestPair pair = makePair(name);
    CertificateRecord record;
    record.hostname = name;
    record.chainPem = pair.chainPem;
    record.keySealed = box.seal(pair.keyPem);
    record.issuer = "CN=" + name;
    record.notBefore = pair.notBefore;
    record.notAfter = pair.notAfter;
    db.putTlsRecord({kCertificateKind, name, encodeCertificateRecord(record), 0});
}

} // namespace

class AcmeManagerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AcmeManagerTest);
    CPPUNIT_TEST(testOrderableHostnames);
    CPPUNIT_TEST(testOrderDue);
    CPPUNIT_TEST(testBackoff);
    CPPUNIT_TEST(testRecordRoundTrip);
    CPPUNIT_TEST(testStorageKeyKeptInDataDir);
    CPPUNIT_TEST(testMetricsText);
    CPPUNIT_TEST(testManagerOverFakeDatabase);
    CPPUNIT_TEST(testUnknownNameWakesOnlyForOwnHostnames);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOrderableHostnames() {
        CPPUNIT_ASSERT_EQUAL(std::string("app.example.com"), orderableHostname("App.Example.COM"));
        CPPUNIT_ASSERT_EQUAL(std::string("a-b.example"), orderableHostname("a-b.example"));
        for (const char* refused : {"", "localhost", "*.example.com", "10.0.0.1", "example.com:8080", "[::1]",
                                    ".example.com", "example.com.", "a..b", "under_score.example"}) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(refused, std::string(), orderableHostname(refused));
        }
    }

    void testOrderDue() {
        const std::int64_t now = 1'800'000'000;
        CertificateRecord none;
        CPPUNIT_ASSERT(orderDue(none, now, 0s)); // never issued
        none.nextAttemptAt = now + 1;
        CPPUNIT_ASSERT(!orderDue(none, now, 0s)); // backing off

        CertificateRecord ninetyDays;
        ninetyDays.chainPem = "x";
        ninetyDays.notBefore = now - 10 * 86400;
        ninetyDays.notAfter = now + 80 * 86400;
        CPPUNIT_ASSERT(!orderDue(ninetyDays, now, 0s));
        ninetyDays.notBefore = now - 61 * 86400;
        ninetyDays.notAfter = now + 29 * 86400; // the default window: 30 days
        CPPUNIT_ASSERT(orderDue(ninetyDays, now, 0s));
        CPPUNIT_ASSERT(!orderDue(ninetyDays, now, std::chrono::hours(24 * 20))); // an explicit window
        ninetyDays.nextAttemptAt = now + 60;                                     // a failed renewal backs off too
        CPPUNIT_ASSERT(!orderDue(ninetyDays, now, 0s));

        // A 6-day certificate: the default window is a third of its lifetime (2 days), not 30 days.
        CertificateRecord sixDays;
        sixDays.chainPem = "x";
        sixDays.notBefore = now - 86400;
        sixDays.notAfter = now + 5 * 86400;
        CPPUNIT_ASSERT(!orderDue(sixDays, now, 0s));
        sixDays.notBefore = now - 5 * 86400;
        sixDays.notAfter = now + 86400;
        CPPUNIT_ASSERT(orderDue(sixDays, now, 0s));
    }

    void testBackoff() {
        CPPUNIT_ASSERT_EQUAL(60LL, static_cast<long long>(backoffAfter(1, 60s, 24h).count()));
        CPPUNIT_ASSERT_EQUAL(120LL, static_cast<long long>(backoffAfter(2, 60s, 24h).count()));
        CPPUNIT_ASSERT_EQUAL(3840LL, static_cast<long long>(backoffAfter(7, 60s, 24h).count()));
        CPPUNIT_ASSERT_EQUAL(86400LL, static_cast<long long>(backoffAfter(20, 60s, 24h).count()));
        CPPUNIT_ASSERT_EQUAL(86400LL, static_cast<long long>(backoffAfter(1000000, 60s, 24h).count()));
    }

    void testRecordRoundTrip() {
        CertificateRecord r;
        r.hostname = "app.example.com";
        r.chainPem = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n";
        r.keySealed = "v1:xyz";
        r.issuer = "CN=Pebble Intermediate CA \"x\"";
        r.notBefore = 1;
        r.notAfter = 2;
        r.issuedAt = 3;
        r.lastAttemptAt = 4;
        r.lastError = "boom";
        r.failures = 5;
        r.nextAttemptAt = 6;
        const CertificateRecord back = decodeCertificateRecord(encodeCertificateRecord(r));
        CPPUNIT_ASSERT_EQUAL(r.hostname, back.hostname);
        CPPUNIT_ASSERT_EQUAL(r.chainPem, back.chainPem);
        CPPUNIT_ASSERT_EQUAL(r.keySealed, back.keySealed);
        CPPUNIT_ASSERT_EQUAL(r.issuer, back.issuer);
        CPPUNIT_ASSERT_EQUAL(r.lastError, back.lastError);
        CPPUNIT_ASSERT_EQUAL(r.notAfter + r.notBefore + r.issuedAt + r.lastAttemptAt + r.failures + r.nextAttemptAt,
                             back.notAfter + back.notBefore + back.issuedAt + back.lastAttemptAt + back.failures +
                                 back.nextAttemptAt);
        CPPUNIT_ASSERT_THROW(decodeCertificateRecord("not json"), TlsError);
        CPPUNIT_ASSERT_THROW(decodeCertificateRecord("[1]"), TlsError);
        // Fields written by another version are optional.
        CPPUNIT_ASSERT_EQUAL(std::string("h"), decodeCertificateRecord("{\"hostname\":\"h\"}").hostname);
    }

    void testStorageKeyKeptInDataDir() {
        testing::TempDir dir;
        CPPUNIT_ASSERT_EQUAL(std::string("given key text"), storageKeySetting("given key text", dir.path(), true));
        CPPUNIT_ASSERT(!std::filesystem::exists(dir.path() / "tls-storage.key"));
        try {
            storageKeySetting("", dir.path(), false);
            CPPUNIT_FAIL("a shared database needs the key");
        } catch (const TlsError& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("MAEL_TLS_STORAGE_KEY") != std::string::npos);
        }
        const std::string made = storageKeySetting("", (dir.path() / "data").string(), true);
        CPPUNIT_ASSERT_EQUAL(std::size_t{64}, made.size());
        struct stat st {};
        CPPUNIT_ASSERT_EQUAL(0, ::stat((dir.path() / "data" / "tls-storage.key").c_str(), &st));
        CPPUNIT_ASSERT_EQUAL(0600, static_cast<int>(st.st_mode & 0777));
        CPPUNIT_ASSERT_EQUAL(made, storageKeySetting("", (dir.path() / "data").string(), true)); // kept
        const SecretBox box = SecretBox::fromSetting(made);
        CPPUNIT_ASSERT_EQUAL(std::string("secret"), box.open(box.seal("secret")));
    }

    void testMetricsText() {
        AcmeMetrics metrics;
        metrics.recordOrder(AcmeMetrics::Outcome::Issued);
        metrics.recordOrder(AcmeMetrics::Outcome::RateLimited);
        metrics.setNotAfter("a.example", 1900000000);
        const std::string text = metrics.render();
        CPPUNIT_ASSERT(text.find("# TYPE maelstrom_acme_orders_total counter") != std::string::npos);
        CPPUNIT_ASSERT(text.find("maelstrom_acme_orders_total{outcome=\"issued\"} 1\n") != std::string::npos);
        CPPUNIT_ASSERT(text.find("maelstrom_acme_orders_total{outcome=\"failed\"} 0\n") != std::string::npos);
        CPPUNIT_ASSERT(text.find("maelstrom_acme_orders_total{outcome=\"rate_limited\"} 1\n") != std::string::npos);
        CPPUNIT_ASSERT(text.find("# TYPE maelstrom_certificate_not_after_seconds gauge") != std::string::npos);
        CPPUNIT_ASSERT(text.find("maelstrom_certificate_not_after_seconds{hostname=\"a.example\"} 1900000000\n") !=
                       std::string::npos);
    }

    void testManagerOverFakeDatabase() {
        auto db = std::make_shared<testing::FakeDatabase>();
        const SecretBox box = SecretBox::fromSetting(kKey);
        putCertificate(*db, "app.example.com", box);
        putCertificate(*db, "other.example.com", SecretBox::fromSetting("another storage key of this cluster"));
        const std::string now = std::to_string(std::time(nullptr));
        db->putTlsRecord(
            {kAcmeChallengeKind, "tok_EN-1", "{\"keyAuthorization\":\"tok_EN-1.thumb\",\"createdAt\":" + now + "}", 0});
        db->putTlsRecord({kAcmeChallengeKind, "left-behind", "{\"keyAuthorization\":\"x.y\",\"createdAt\":1000}", 0});
        auto store = std::make_shared<CertificateStore>();
        AcmeMetrics metrics;
        AcmeManagerSettings settings;
        settings.acme.directoryUrl = "https://127.0.0.1:1/dir"; // nothing listens: every order fails at once
        settings.acme.timeout = 2s;
        settings.tick = 50ms;
        AcmeManager manager(
            settings, db, std::make_shared<core::DatabaseRoleLocks>(db, "node-1"), store, box,
            [] {
                return std::vector<std::string>{"app.example.com", "other.example.com", "Due.Example.com",
                                                "*.wild.example", "10.1.2.3"};
            },
            metrics);
        manager.start();
        CPPUNIT_ASSERT(testing::waitUntil([&] { return store->has("app.example.com"); }, 5s));
        // The order for due.example.com failed: stored with its backoff, counted; the sealed-elsewhere certificate
        // is not served (and not ordered again: it has a certificate); nothing for the unorderable names.
        CPPUNIT_ASSERT(testing::waitUntil([&] { return metrics.orders(AcmeMetrics::Outcome::Failed) == 1; }, 10s));
        manager.stop();
        CPPUNIT_ASSERT(!store->has("other.example.com"));
        const auto due = db->getTlsRecord(kCertificateKind, "due.example.com");
        CPPUNIT_ASSERT(due.has_value());
        const CertificateRecord failed = decodeCertificateRecord(due->value);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, failed.failures);
        CPPUNIT_ASSERT(!failed.lastError.empty());
        CPPUNIT_ASSERT(failed.nextAttemptAt >= failed.lastAttemptAt + 60);
        CPPUNIT_ASSERT(failed.chainPem.empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, db->listTlsRecords(kCertificateKind).size());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, metrics.orders(AcmeMetrics::Outcome::Failed));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{0}, metrics.orders(AcmeMetrics::Outcome::Issued));
        CPPUNIT_ASSERT(metrics.render().find("hostname=\"app.example.com\"") != std::string::npos);

        CPPUNIT_ASSERT_EQUAL(std::string("tok_EN-1.thumb"), manager.challenge("tok_EN-1").value_or("(none)"));
        // The role holder removed the challenge record a stopped node left behind, not the pending one.
        CPPUNIT_ASSERT(!db->getTlsRecord(kAcmeChallengeKind, "left-behind").has_value());
        CPPUNIT_ASSERT(!manager.challenge("unknown").has_value());
        CPPUNIT_ASSERT(!manager.challenge("../tok_EN-1").has_value());
        CPPUNIT_ASSERT(!manager.challenge("").has_value());
    }

    void testUnknownNameWakesOnlyForOwnHostnames() {
        auto db = std::make_shared<testing::FakeDatabase>();
        const SecretBox box = SecretBox::fromSetting(kKey);
        putCertificate(*db, "app.example.com", box);
        auto store = std::make_shared<CertificateStore>();
        AcmeMetrics metrics;
        AcmeManagerSettings settings;
        settings.acme.directoryUrl = "https://127.0.0.1:1/dir";
        settings.tick = 1h; // only a wake makes it look again
        settings.reloadPeriod = 1h;
        AcmeManager manager(
            settings, db, nullptr, store, box,
            [] {
                return std::vector<std::string>{"app.example.com", "late.example.com"};
            },
            metrics);
        manager.start();
        CPPUNIT_ASSERT(testing::waitUntil([&] { return store->has("app.example.com"); }, 5s));
        // late.example.com has no certificate yet: its order fails (nothing listens), then another node issues it.
        CPPUNIT_ASSERT(testing::waitUntil([&] { return metrics.orders(AcmeMetrics::Outcome::Failed) == 1; }, 10s));
        putCertificate(*db, "late.example.com", box);
        std::this_thread::sleep_for(1100ms); // wakes reload at most once a second
        manager.onUnknownName("stranger.example.com");
        std::this_thread::sleep_for(500ms);
        CPPUNIT_ASSERT(!store->has("late.example.com"));
        manager.onUnknownName("late.example.com");
        CPPUNIT_ASSERT(testing::waitUntil([&] { return store->has("late.example.com"); }, 3s));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, metrics.orders(AcmeMetrics::Outcome::Failed)); // backing off
        manager.stop();
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AcmeManagerTest);
