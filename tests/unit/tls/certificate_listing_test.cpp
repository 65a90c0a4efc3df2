// certificate_listing_test.cpp — what NodeService.ListCertificates answers (`maelctl cert ls`): the "certificate"
// records of the database (other kinds left out, unreadable values shown with their problem) and the store's
// default certificate (one row per DNS name), ordered by hostname; ACME certificates installed in the store are not
// listed twice.
// SPDX-License-Identifier: Apache-2.0
#include "tls/certificate_listing.h"

#include "fake_database.h"
#include "test_support.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <maelstrom/sdk/errors.h>

#include <ctime>
#include <fstream>
#include <sstream>

using namespace maelstrom;
using namespace maelstrom::core::tls;
using maelstrom::testing::FakeDatabase;
using maelstrom::testing::TempDir;

namespace {

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// A self-signed P-256 pair made with the openssl tool: {chain PEM, key PEM}.
std::pair<std::string, std::string> selfSigned(const TempDir& dir, const std::string& subject,
                                               const std::string& altNames) {
    const auto cert = dir.path() / "cert.pem";
    const auto key = dir.path() / "key.pem";
    std::vector<std::string> argv = {
        "openssl", "req",     "-x509",      "-newkey", "ec",          "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes",  "-keyout", key.string(), "-out",    cert.string(), "-days",    "30",
        "-subj",   subject};
    if (!altNames.empty()) {
        argv.insert(argv.end(), {"-addext", "subjectAltName=" + altNames});
    }
    const auto made = maelstrom::testing::runProcess(argv);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(made.out + made.err, 0, made.exitCode);
    return {slurp(cert), slurp(key)};
}

} // namespace

class CertificateListingTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CertificateListingTest);
    CPPUNIT_TEST(testRecordsAndFileCertificate);
    CPPUNIT_TEST(testUnreadableRecordAndNoStore);
    CPPUNIT_TEST(testFileCertificateWithoutDnsNames);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRecordsAndFileCertificate() {
        FakeDatabase database;
        database.putTlsRecord({"certificate", "b.example.org",
                               R"({"hostname":"b.example.org","chainPem":"-","keySealed":"v1:-","issuer":"CN=CA",)"
                               R"("notBefore":100,"notAfter":200,"issuedAt":150,"lastAttemptAt":150,)"
                               R"("lastError":"","failures":0,"nextAttemptAt":0})",
                               0});
        database.putTlsRecord({"certificate", "a.example.org",
                               R"({"hostname":"a.example.org","chainPem":"","keySealed":"","issuer":"","notBefore":0,)"
                               R"("notAfter":0,"issuedAt":0,"lastAttemptAt":90,"lastError":"rateLimited: slow down",)"
                               R"("failures":3,"nextAttemptAt":500})",
                               0});
        database.putTlsRecord({"acme-challenge", "a-token", "{}", 0});
        database.putTlsRecord({"acme-account", "https://ca.example/dir", "{}", 0});

        TempDir dir;
        const auto [chain, key] =
            selfSigned(dir, "/O=Listing/CN=static.example.org", "DNS:static.example.org,DNS:c.example.org");
        CertificateStore store;
        store.setDefault(chain, key);
        // an ACME certificate installed under its hostname: listed once, from its record
        const auto [acmeChain, acmeKey] = selfSigned(dir, "/CN=b.example.org", "DNS:b.example.org");
        store.put("b.example.org", acmeChain, acmeKey);

        const auto rows = listCertificateStatus(database, &store);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), rows.size());
        CPPUNIT_ASSERT_EQUAL(std::string("a.example.org"), rows[0].hostname);
        CPPUNIT_ASSERT_EQUAL(std::string("acme"), rows[0].source);
        CPPUNIT_ASSERT_EQUAL(std::string("rateLimited: slow down"), rows[0].lastError);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), rows[0].failures);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(500), rows[0].nextAttemptAt);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), rows[0].notAfter);
        CPPUNIT_ASSERT_EQUAL(std::string("b.example.org"), rows[1].hostname);
        CPPUNIT_ASSERT_EQUAL(std::string("acme"), rows[1].source);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=CA"), rows[1].issuer);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(100), rows[1].notBefore);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(200), rows[1].notAfter);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(150), rows[1].issuedAt);
        CPPUNIT_ASSERT_EQUAL(std::string(""), rows[1].lastError);
        CPPUNIT_ASSERT_EQUAL(std::string("c.example.org"), rows[2].hostname);
        CPPUNIT_ASSERT_EQUAL(std::string("file"), rows[2].source);
        CPPUNIT_ASSERT_EQUAL(std::string("static.example.org"), rows[3].hostname);
        CPPUNIT_ASSERT_EQUAL(std::string("file"), rows[3].source);
        CPPUNIT_ASSERT_MESSAGE(rows[3].issuer, rows[3].issuer.find("CN=static.example.org") != std::string::npos);
        const std::int64_t now = std::time(nullptr);
        CPPUNIT_ASSERT(rows[3].notAfter > now + 29 * 86400 && rows[3].notAfter <= now + 30 * 86400 + 60);
        CPPUNIT_ASSERT_EQUAL(rows[3].notBefore, rows[3].issuedAt);
    }

    void testUnreadableRecordAndNoStore() {
        FakeDatabase database;
        database.putTlsRecord({"certificate", "broken.example.org", "not json", 0});
        database.putTlsRecord({"certificate", "array.example.org", "[1]", 0});
        database.putTlsRecord({"certificate", "sparse.example.org", R"({"notAfter":7})", 0});
        const auto rows = listCertificateStatus(database, nullptr);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), rows.size());
        CPPUNIT_ASSERT_EQUAL(std::string("array.example.org"), rows[0].hostname);
        CPPUNIT_ASSERT(rows[0].lastError.rfind("unreadable certificate record: ", 0) == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("broken.example.org"), rows[1].hostname);
        CPPUNIT_ASSERT(rows[1].lastError.rfind("unreadable certificate record: ", 0) == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("sparse.example.org"), rows[2].hostname);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), rows[2].notAfter);
        CPPUNIT_ASSERT_EQUAL(std::string(""), rows[2].lastError);
        CPPUNIT_ASSERT(listCertificateStatus(database, nullptr).size() == 3);
        CertificateStore empty;
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), listCertificateStatus(database, &empty).size());
        // a database that cannot be reached: its error, not a partial list
        database.setUnavailable(true);
        CPPUNIT_ASSERT_THROW(listCertificateStatus(database, &empty), sdk::Unavailable);
    }

    void testFileCertificateWithoutDnsNames() {
        FakeDatabase database;
        TempDir dir;
        const auto [chain, key] = selfSigned(dir, "/O=Listing, Inc./CN=legacy.example.org", "");
        CertificateStore store;
        store.setDefault(chain, key);
        const auto rows = listCertificateStatus(database, &store);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), rows.size());
        CPPUNIT_ASSERT_EQUAL(std::string("legacy.example.org"), rows[0].hostname);
        CPPUNIT_ASSERT_EQUAL(std::string("file"), rows[0].source);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CertificateListingTest);
