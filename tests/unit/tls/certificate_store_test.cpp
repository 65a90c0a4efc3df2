// certificate_store_test.cpp — inspectCertificate, CertificateStore (exact, wildcard and default lookups, the
// unknown-name handler), the file watcher and tls::ServerContext: handshakes between an OpenSSL client and the
// server context over memory BIOs (SNI choice, versions, ALPN, resumption, failure reasons).
#include "config/config_error.h"
#include "tls/certificate_files.h"
#include "tls/server_context.h"

#include "test_certificates.h"
#include "test_support.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace maelstrom::core;
using namespace maelstrom::core::tls;
using namespace std::chrono_literals;

namespace {

using maelstrom::test::makeCert;
using maelstrom::test::TestCert;

/// Client and server over a memory BIO pair.
struct Handshake {
    SSL_CTX* clientCtx = nullptr;
    SSL* client = nullptr;
    SSL* server = nullptr;
    unsigned long serverError = 0; ///< the server's first OpenSSL error when it failed
    bool ok = false;

    Handshake(ServerContext& context, const char* sni, int maxVersion = TLS1_3_VERSION,
              const std::vector<std::string>& alpn = {}, SSL_SESSION* resume = nullptr, int minVersion = 0) {
        clientCtx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_security_level(clientCtx, 0); // lets the client offer TLS 1.1 (to be refused by the server)
        if (minVersion) {
            SSL_CTX_set_min_proto_version(clientCtx, minVersion);
        }
        SSL_CTX_set_max_proto_version(clientCtx, maxVersion);
        client = SSL_new(clientCtx);
        server = SSL_new(context.context().native_handle());
        BIO* a = nullptr;
        BIO* b = nullptr;
        BIO_new_bio_pair(&a, 0, &b, 0);
        SSL_set_bio(client, a, a);
        SSL_set_bio(server, b, b);
        SSL_set_connect_state(client);
        SSL_set_accept_state(server);
        if (sni) {
            SSL_set_tlsext_host_name(client, sni);
        }
        if (!alpn.empty()) {
            std::string wire;
            for (const auto& p : alpn) {
                wire += static_cast<char>(p.size());
                wire += p;
            }
            SSL_set_alpn_protos(client, reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size()));
        }
        if (resume) {
            SSL_set_session(client, resume);
        }
        ERR_clear_error();
        bool clientDone = false;
        bool serverDone = false;
        for (int round = 0; round < 50 && !(clientDone && serverDone); ++round) {
            if (!clientDone) {
                const int r = SSL_do_handshake(client);
                if (r == 1) {
                    clientDone = true;
                } else if (SSL_get_error(client, r) != SSL_ERROR_WANT_READ) {
                    ERR_clear_error();
                    break;
                }
            }
            if (!serverDone) {
                const int r = SSL_do_handshake(server);
                if (r == 1) {
                    serverDone = true;
                } else if (SSL_get_error(server, r) != SSL_ERROR_WANT_READ) {
                    serverError = ERR_peek_error();
                    ERR_clear_error();
                    break;
                }
            }
        }
        ok = clientDone && serverDone;
        if (ok) {
            // TLS 1.3 tickets come after the handshake: let the client read them.
            char scrap[16];
            SSL_read(client, scrap, sizeof(scrap));
            ERR_clear_error();
        }
    }
    ~Handshake() {
        // Closed as after close_notify: OpenSSL drops the session of a connection cut without one.
        SSL_set_shutdown(client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_set_shutdown(server, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(client);
        SSL_free(server);
        SSL_CTX_free(clientCtx);
    }
    std::string peerCommonName() const {
        X509* peer = SSL_get1_peer_certificate(client);
        if (!peer) {
            return {};
        }
        std::array<char, 256> cn{};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn.data(), cn.size());
        X509_free(peer);
        return cn.data();
    }
    std::string alpnSelected() const {
        const unsigned char* data = nullptr;
        unsigned int length = 0;
        SSL_get0_alpn_selected(client, &data, &length);
        return std::string(reinterpret_cast<const char*>(data), length);
    }
    TlsFailure failure() const {
        return ServerContext::classify(
            boost::system::error_code(static_cast<int>(serverError), boost::asio::error::get_ssl_category()));
    }
};

void writeFile(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

} // namespace

class CertificateStoreTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CertificateStoreTest);
    CPPUNIT_TEST(testInspect);
    CPPUNIT_TEST(testInspectRefusesBadPairs);
    CPPUNIT_TEST(testLookups);
    CPPUNIT_TEST(testListAndRemove);
    CPPUNIT_TEST(testHandshakeChoosesBySni);
    CPPUNIT_TEST(testVersionsAndAlpn);
    CPPUNIT_TEST(testUnknownNameWithoutDefault);
    CPPUNIT_TEST(testResumption);
    CPPUNIT_TEST(testFilesAndWatcher);
    CPPUNIT_TEST(testMetricsText);
    CPPUNIT_TEST_SUITE_END();

public:
    void testInspect() {
        const TestCert ca = makeCert("Test CA", {}, nullptr, true, 365);
        const TestCert leaf = makeCert("app.test", {"App.Test", "www.app.test"}, &ca, false, 10);
        const CertificateInfo info = inspectCertificate(leaf.certPem + ca.certPem, leaf.keyPem);
        CPPUNIT_ASSERT_EQUAL(std::string("app.test"), info.hostname);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), info.dnsNames.size());
        CPPUNIT_ASSERT_EQUAL(std::string("www.app.test"), info.dnsNames[1]);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=app.test"), info.subject);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=Test CA"), info.issuer);
        const std::int64_t now = std::time(nullptr);
        CPPUNIT_ASSERT(info.notBefore <= now && info.notBefore > now - 300);
        CPPUNIT_ASSERT(std::llabs(info.notAfter - (now + 10 * 86400)) < 300);
        // No subjectAltName: the common name.
        const TestCert bare = makeCert("Bare.Test", {});
        CPPUNIT_ASSERT_EQUAL(std::string("bare.test"), inspectCertificate(bare.certPem, bare.keyPem).hostname);
    }

    void testInspectRefusesBadPairs() {
        const TestCert a = makeCert("a.test", {"a.test"});
        const TestCert b = makeCert("b.test", {"b.test"});
        const auto message = [](const std::string& chain, const std::string& key) -> std::string {
            try {
                inspectCertificate(chain, key);
            } catch (const TlsError& e) {
                return e.what();
            }
            return "no error";
        };
        CPPUNIT_ASSERT_EQUAL(std::string("the private key does not belong to the certificate"),
                             message(a.certPem, b.keyPem));
        const std::string noCert = message("hello", a.keyPem);
        CPPUNIT_ASSERT_MESSAGE(noCert, noCert.find("no PEM certificate found") == 0);
        const std::string noKey = message(a.certPem, a.certPem);
        CPPUNIT_ASSERT_MESSAGE(noKey, noKey.find("no PEM private key found") == 0);
        std::string damaged = a.certPem + a.certPem;
        damaged[damaged.size() - 100] = '!'; // the second certificate's base64
        const std::string bad = message(damaged, a.keyPem);
        CPPUNIT_ASSERT_MESSAGE(bad, bad.find("damaged certificate") == 0);
        for (const std::string& m : {noCert, noKey, bad}) {
            CPPUNIT_ASSERT_MESSAGE(m, m.find('\n') == std::string::npos); // one line
        }
    }

    void testLookups() {
        CertificateStore store;
        std::vector<std::string> unknown;
        store.setUnknownNameHandler([&](const std::string& name) { unknown.push_back(name); });
        const TestCert exact = makeCert("exact", {"a.example.com"});
        const TestCert wild = makeCert("wild", {"*.example.com"});
        const TestCert fallback = makeCert("fallback", {"default.test"});
        CPPUNIT_ASSERT(store.select("a.example.com") == nullptr); // nothing yet
        store.put("A.Example.com", exact.certPem, exact.keyPem);
        store.put("*.example.com", wild.certPem, wild.keyPem);
        CPPUNIT_ASSERT(store.has("a.example.COM"));
        CPPUNIT_ASSERT_EQUAL(std::string("CN=exact"), store.select("A.EXAMPLE.COM")->info.subject);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=exact"), store.select("a.example.com.")->info.subject);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=wild"), store.select("b.example.com")->info.subject);
        CPPUNIT_ASSERT(store.select("x.b.example.com") == nullptr); // a wildcard covers one label only
        CPPUNIT_ASSERT(store.select("example.com") == nullptr);
        store.setDefault(fallback.certPem, fallback.keyPem);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=fallback"), store.select("x.b.example.com")->info.subject);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=fallback"), store.select("")->info.subject);
        const std::vector<std::string> expected = {"a.example.com", "x.b.example.com", "example.com",
                                                   "x.b.example.com"};
        CPPUNIT_ASSERT(unknown == expected); // lowercased; never for exact or wildcard hits, nor without SNI
        // A bad pair leaves the old one in place.
        CPPUNIT_ASSERT_THROW(store.put("a.example.com", exact.certPem, wild.keyPem), TlsError);
        CPPUNIT_ASSERT_THROW(store.setDefault(exact.certPem, wild.keyPem), TlsError);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=exact"), store.select("a.example.com")->info.subject);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=fallback"), store.select("zzz")->info.subject);
    }

    void testListAndRemove() {
        CertificateStore store;
        const TestCert a = makeCert("a", {"a.test"});
        const TestCert b = makeCert("b", {"b.test"});
        store.put("b.test", b.certPem, b.keyPem);
        store.put("a.test", a.certPem, a.keyPem);
        CPPUNIT_ASSERT(!store.hasDefault());
        store.setDefault(a.certPem, a.keyPem);
        const auto list = store.list();
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), list.size());
        CPPUNIT_ASSERT_EQUAL(std::string(""), list[0].hostname);
        CPPUNIT_ASSERT_EQUAL(std::string("a.test"), list[1].hostname);
        CPPUNIT_ASSERT_EQUAL(std::string("b.test"), list[2].hostname);
        CPPUNIT_ASSERT(store.remove("B.test"));
        CPPUNIT_ASSERT(!store.remove("b.test"));
        CPPUNIT_ASSERT(!store.has("b.test"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), store.list().size());
    }

    void testHandshakeChoosesBySni() {
        auto store = std::make_shared<CertificateStore>();
        auto metrics = std::make_shared<TlsMetrics>();
        ServerContext context(store, metrics);
        const TestCert one = makeCert("one", {"one.test"});
        const TestCert fallback = makeCert("fallback", {"default.test"});
        store->put("one.test", one.certPem, one.keyPem);
        store->setDefault(fallback.certPem, fallback.keyPem);
        {
            Handshake h(context, "one.test");
            CPPUNIT_ASSERT(h.ok);
            CPPUNIT_ASSERT_EQUAL(std::string("one"), h.peerCommonName());
        }
        {
            Handshake h(context, "other.test");
            CPPUNIT_ASSERT(h.ok);
            CPPUNIT_ASSERT_EQUAL(std::string("fallback"), h.peerCommonName());
        }
        {
            Handshake h(context, nullptr); // no SNI at all
            CPPUNIT_ASSERT(h.ok);
            CPPUNIT_ASSERT_EQUAL(std::string("fallback"), h.peerCommonName());
        }
        // A replaced certificate is served from the next handshake on.
        const TestCert two = makeCert("two", {"one.test"});
        store->put("one.test", two.certPem, two.keyPem);
        Handshake h(context, "one.test");
        CPPUNIT_ASSERT_EQUAL(std::string("two"), h.peerCommonName());
    }

    void testVersionsAndAlpn() {
        auto store = std::make_shared<CertificateStore>();
        ServerContext context(store, std::make_shared<TlsMetrics>());
        const TestCert cert = makeCert("c", {"c.test"});
        store->setDefault(cert.certPem, cert.keyPem);
        {
            Handshake h(context, "c.test", TLS1_1_VERSION, {}, nullptr, TLS1_VERSION);
            CPPUNIT_ASSERT(!h.ok);
            CPPUNIT_ASSERT(h.failure() == TlsFailure::Version);
        }
        {
            Handshake h(context, "c.test", TLS1_2_VERSION);
            CPPUNIT_ASSERT(h.ok);
            CPPUNIT_ASSERT_EQUAL(TLS1_2_VERSION, SSL_version(h.client));
            CPPUNIT_ASSERT_EQUAL(std::string(""), h.alpnSelected()); // no ALPN offered: none chosen, still served
            // The client's first cipher wins (no server preference).
            CPPUNIT_ASSERT_EQUAL(std::string("ECDHE-ECDSA-AES256-GCM-SHA384"),
                                 std::string(SSL_get_cipher_name(h.client)));
        }
        {
            Handshake h(context, "c.test", TLS1_3_VERSION, {"h2", "http/1.1"});
            CPPUNIT_ASSERT(h.ok);
            CPPUNIT_ASSERT_EQUAL(TLS1_3_VERSION, SSL_version(h.client));
            CPPUNIT_ASSERT_EQUAL(std::string("http/1.1"), h.alpnSelected());
        }
        {
            Handshake h(context, "c.test", TLS1_3_VERSION, {"h2"});
            CPPUNIT_ASSERT(!h.ok);
            CPPUNIT_ASSERT_EQUAL(SSL_R_NO_APPLICATION_PROTOCOL, ERR_GET_REASON(h.serverError));
        }
        // Compression and renegotiation are off, server cipher preference too.
        const auto options = SSL_CTX_get_options(context.context().native_handle());
        CPPUNIT_ASSERT((options & SSL_OP_NO_COMPRESSION) != 0);
        CPPUNIT_ASSERT((options & SSL_OP_NO_RENEGOTIATION) != 0);
        CPPUNIT_ASSERT((options & SSL_OP_CIPHER_SERVER_PREFERENCE) == 0);
    }

    void testUnknownNameWithoutDefault() {
        auto store = std::make_shared<CertificateStore>();
        ServerContext context(store, std::make_shared<TlsMetrics>());
        const TestCert cert = makeCert("known", {"known.test"});
        store->put("known.test", cert.certPem, cert.keyPem);
        std::vector<std::string> asked;
        store->setUnknownNameHandler([&](const std::string& name) { asked.push_back(name); });
        Handshake h(context, "Unknown.Test");
        CPPUNIT_ASSERT(!h.ok);
        CPPUNIT_ASSERT(h.failure() == TlsFailure::UnknownName);
        CPPUNIT_ASSERT(asked == std::vector<std::string>{"unknown.test"});
        Handshake known(context, "known.test");
        CPPUNIT_ASSERT(known.ok);
    }

    void testResumption() {
        auto store = std::make_shared<CertificateStore>();
        ServerContext context(store, std::make_shared<TlsMetrics>());
        const TestCert a = makeCert("a", {"a.test"});
        const TestCert b = makeCert("b", {"b.test"});
        store->put("a.test", a.certPem, a.keyPem);
        store->put("b.test", b.certPem, b.keyPem);
        for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
            SSL_SESSION* session = nullptr;
            {
                Handshake first(context, "a.test", version);
                CPPUNIT_ASSERT(first.ok);
                CPPUNIT_ASSERT(!SSL_session_reused(first.server));
                session = SSL_get1_session(first.client);
            }
            CPPUNIT_ASSERT(session != nullptr);
            CPPUNIT_ASSERT(SSL_SESSION_is_resumable(session) == 1);
            Handshake second(context, "a.test", version, {}, session);
            SSL_SESSION_free(session);
            CPPUNIT_ASSERT_MESSAGE(std::to_string(version), second.ok);
            CPPUNIT_ASSERT_MESSAGE(std::to_string(version), SSL_session_reused(second.server) == 1);
        }
    }

    void testFilesAndWatcher() {
        maelstrom::testing::TempDir dir;
        const auto certFile = dir.path() / "cert.pem";
        const auto keyFile = dir.path() / "key.pem";
        const TestCert one = makeCert("one", {"one.test"});
        const TestCert two = makeCert("two", {"two.test"});
        writeFile(certFile, one.certPem);
        writeFile(keyFile, two.keyPem);
        auto store = std::make_shared<CertificateStore>();
        try {
            loadCertificateFiles(*store, certFile, keyFile);
            CPPUNIT_FAIL("a mismatched pair was accepted");
        } catch (const ConfigError& e) {
            const std::string m = e.what();
            CPPUNIT_ASSERT_MESSAGE(m, m.find(certFile.string()) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(m, m.find(keyFile.string()) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(m, m.find("does not belong") != std::string::npos);
        }
        CPPUNIT_ASSERT_THROW(loadCertificateFiles(*store, dir.path() / "missing.pem", keyFile), ConfigError);
        writeFile(keyFile, one.keyPem);
        loadCertificateFiles(*store, certFile, keyFile);
        CertificateFileWatcher watcher(store, certFile, keyFile, 50ms);
        watcher.start();
        // A new pair, written one file after the other, replaces it.
        const auto tmp = dir.path() / "tmp.pem";
        writeFile(tmp, two.certPem);
        std::filesystem::rename(tmp, certFile);
        writeFile(tmp, two.keyPem);
        std::filesystem::rename(tmp, keyFile);
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil([&] { return store->select("")->info.subject == "CN=two"; }, 5s));
        // A bad pair keeps the old one.
        writeFile(tmp, one.certPem);
        std::filesystem::rename(tmp, certFile);
        std::this_thread::sleep_for(300ms);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=two"), store->select("")->info.subject);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), watcher.reloads());
        watcher.stop();
    }

    void testMetricsText() {
        TlsMetrics metrics;
        metrics.recordOk(false);
        metrics.recordOk(true);
        metrics.recordFailure(TlsFailure::Version);
        metrics.recordFailure(TlsFailure::Timeout);
        const std::string text = metrics.render();
        for (const char* line :
             {"# TYPE maelstrom_tls_handshakes_total counter\n", "maelstrom_tls_handshakes_total{outcome=\"ok\"} 2\n",
              "maelstrom_tls_handshakes_total{outcome=\"failed\"} 2\n",
              "maelstrom_tls_handshake_failures_total{reason=\"version\"} 1\n",
              "maelstrom_tls_handshake_failures_total{reason=\"cipher\"} 0\n",
              "maelstrom_tls_handshake_failures_total{reason=\"unknown_name\"} 0\n",
              "maelstrom_tls_handshake_failures_total{reason=\"timeout\"} 1\n",
              "maelstrom_tls_handshake_failures_total{reason=\"other\"} 0\n",
              "maelstrom_tls_resumed_handshakes_total 1\n"}) {
            CPPUNIT_ASSERT_MESSAGE(text, text.find(line) != std::string::npos);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CertificateStoreTest);
