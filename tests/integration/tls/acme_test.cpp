// acme_test.cpp — ACME certificates end to end: real maelstromd processes with LETSENCRYPT_EMAIL set, ordering from
// pebble (tests/services/start-pebble.sh: directory https://127.0.0.1:14000/dir, HTTP-01 validated on port 5002 of
// 127.0.0.1, every name resolving to 127.0.0.1), so the maelstromd answering challenges runs with public_port 5002.
//   - issuance: a project whose HTTP event source names a hostname gets a certificate from pebble for it, served
//     for that SNI on the HTTPS port (verified against pebble's root) and an HTTPS request reaches the component;
//     an SNI name no event source uses fails the handshake and orders nothing (metrics and log);
//   - renewal: a pebble of the test's own issuing 30-second certificates: the certificate is renewed (another
//     serial served) without a restart;
//   - cluster: two maelstromd sharing one MariaDB (or PostgreSQL) database: the node holding the role orders with its
//     plain port elsewhere, the other answers the challenge on port 5002, and both serve the same certificate; once the
//     orderer stops, the other node takes the role and orders the next name itself. Without a storage key a node on
//     the shared database exits 2 (also --check-config).
// Only external behaviour is used: ports, maelctl, the logs, /_mael/metrics and pebble's management API.
// SPDX-License-Identifier: Apache-2.0
#include "cluster_env.h"
#include "lifecycle_env.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;

namespace {

using Clock = std::chrono::steady_clock;

std::string pebbleDir() {
    const char* dir = std::getenv("MAELSTROM_PEBBLE_DIR");
    return dir && *dir ? dir : "/var/tmp/maelstrom-pebble";
}
std::string pebbleCa() { return pebbleDir() + "/ca.pem"; }

/// Whether a pebble trusted by `ca.pem` answers at `directory`.
bool pebbleAnswers(const std::string& directory) {
    const auto r = runProcess({"curl", "-s", "--max-time", "3", "--cacert", pebbleCa(), directory}, {}, 10s);
    return r.exitCode == 0 && r.out.find("newNonce") != std::string::npos;
}

/// Pebble's current root (it changes at every pebble start), written to `dir`/root-<port>.pem.
std::string pebbleRoot(const TempDir& dir, int managementPort) {
    const auto r = runProcess({"curl", "-s", "--max-time", "5", "--cacert", pebbleCa(),
                               "https://127.0.0.1:" + std::to_string(managementPort) + "/roots/0"},
                              {}, 10s);
    if (r.exitCode != 0 || r.out.find("BEGIN CERTIFICATE") == std::string::npos) {
        CPPUNIT_FAIL("pebble's root from port " + std::to_string(managementPort) + ": " + r.out + r.err);
    }
    const std::string name = "root-" + std::to_string(managementPort) + ".pem";
    dir.write(name, r.out);
    return (dir.path() / name).string();
}

/// One HTTPS exchange: the handshake (SNI `name`, chain and name verified against `rootFile`), the leaf's serial,
/// then `GET path` with `Host: name`.
struct HttpsReply {
    bool handshake = false;
    std::string error;
    std::string serial; ///< the leaf's serial in hex
    std::string issuer;
    int status = -1;
    std::string body;
};

std::string sslErrors() {
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        text += (text.empty() ? "" : "; ") + std::string(buffer);
    }
    return text.empty() ? "no OpenSSL error" : text;
}

HttpsReply httpsGet(int port, const std::string& name, const std::string& rootFile, const std::string& path = "/",
                    bool sendRequest = true) {
    HttpsReply reply;
    ERR_clear_error();
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx.get(), rootFile.c_str(), nullptr) != 1) {
        reply.error = "loading " + rootFile + ": " + sslErrors();
        return reply;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{20, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        reply.error = "connect: " + std::string(std::strerror(errno));
        ::close(fd);
        return reply;
    }
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    SSL_set_fd(ssl.get(), fd);
    SSL_set_tlsext_host_name(ssl.get(), name.c_str());
    SSL_set1_host(ssl.get(), name.c_str());
    if (SSL_connect(ssl.get()) != 1) {
        reply.error = "handshake: " + sslErrors() +
                      " (verify: " + X509_verify_cert_error_string(SSL_get_verify_result(ssl.get())) + ")";
        ::close(fd);
        return reply;
    }
    reply.handshake = true;
    if (X509* leaf = SSL_get1_peer_certificate(ssl.get())) {
        BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(leaf), nullptr);
        char* hex = BN_bn2hex(bn);
        reply.serial = hex;
        OPENSSL_free(hex);
        BN_free(bn);
        char issuer[512];
        X509_NAME_oneline(X509_get_issuer_name(leaf), issuer, sizeof issuer);
        reply.issuer = issuer;
        X509_free(leaf);
    }
    if (sendRequest) {
        const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + name + "\r\nConnection: close\r\n\r\n";
        SSL_write(ssl.get(), request.data(), static_cast<int>(request.size()));
        std::string response;
        char buffer[4096];
        for (int n; (n = SSL_read(ssl.get(), buffer, sizeof buffer)) > 0;) {
            response.append(buffer, static_cast<std::size_t>(n));
        }
        if (response.rfind("HTTP/1.1 ", 0) == 0 && response.size() >= 12) {
            reply.status = std::stoi(response.substr(9, 3));
            const auto bodyAt = response.find("\r\n\r\n");
            reply.body = bodyAt == std::string::npos ? "" : response.substr(bodyAt + 4);
        } else {
            reply.error = "no HTTP response: " + response.substr(0, 200);
        }
    }
    SSL_shutdown(ssl.get());
    ::close(fd);
    return reply;
}

/// Waits until `port` completes a verified handshake for `name` whose serial is not `notSerial`; the reply.
HttpsReply waitForCertificate(int port, const std::string& name, const std::string& rootFile,
                              std::chrono::seconds timeout, const std::string& notSerial = "") {
    HttpsReply last;
    waitUntil(
        [&] {
            last = httpsGet(port, name, rootFile, "/", false);
            return last.handshake && last.serial != notSerial;
        },
        timeout);
    return last;
}

/// The environment that turns ACME on against `directory`, HTTPS on `httpsPort`, the plain port on `plainPort`.
std::map<std::string, std::string> acmeEnv(const std::string& directory, int httpsPort, int plainPort) {
    return {{"LETSENCRYPT_EMAIL", "acme-test@maelstrom.test"},
            {"MAEL_ACME_DIRECTORY_URL", directory},
            {"MAEL_ACME_CA_FILE", pebbleCa()},
            {"MAEL_PUBLIC_PORT", std::to_string(plainPort)},
            {"MAEL_PUBLIC_HTTPS_PORT", std::to_string(httpsPort)},
            {"-MAEL_TLS_CERT_FILE", ""},
            {"-MAEL_TLS_KEY_FILE", ""},
            {"-MAEL_TLS_STORAGE_KEY", ""},
            {"-MAEL_ACME_RENEW_BEFORE_DAYS", ""}};
}

/// The value of the sample `name{labels}` in the metrics text (-1 when absent).
long long sampleValue(const std::string& text, const std::string& sample) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(sample + " ", 0) == 0) {
            return std::stoll(line.substr(sample.size() + 1));
        }
    }
    return -1;
}

std::string metricsOf(int privatePort) {
    std::string body;
    httpGetStatus(privatePort, "/_mael/metrics", &body);
    return body;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// A pebble of the test's own: other ports, certificates valid for `validitySeconds`, same DNS and port 5002.
class OwnPebble {
public:
    OwnPebble(int validitySeconds) : acmePort_(freePort()), managementPort_(freePort()) {
        dir_.write("pebble-config.json",
                   "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" + std::to_string(acmePort_) +
                       "\", \"managementListenAddress\": \"127.0.0.1:" + std::to_string(managementPort_) +
                       "\", \"certificate\": \"" + pebbleDir() + "/cert.pem\", \"privateKey\": \"" + pebbleDir() +
                       "/key.pem\", \"httpPort\": 5002, \"tlsPort\": 5001, \"ocspResponderURL\": \"\", "
                       "\"externalAccountBindingRequired\": false, \"certificateValidityPeriod\": " +
                       std::to_string(validitySeconds) + "}}\n");
        process_ = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{"pebble", "-config", (dir_.path() / "pebble-config.json").string(), "-dnsserver",
                                     "127.0.0.1:8053"},
            std::map<std::string, std::string>{
                {"PEBBLE_VA_NOSLEEP", "1"}, {"PEBBLE_AUTHZREUSE", "0"}, {"PEBBLE_WFE_NONCEREJECT", "5"}});
        if (!waitUntil([&] { return pebbleAnswers(directory()) || !process_->running(); }, 20s) ||
            !process_->running()) {
            CPPUNIT_FAIL("the test's own pebble did not start:\n" + process_->output());
        }
    }
    ~OwnPebble() { process_->stop(SIGTERM); }
    std::string directory() const { return "https://127.0.0.1:" + std::to_string(acmePort_) + "/dir"; }
    int managementPort() const { return managementPort_; }
    std::string log() const { return process_->output(); }

private:
    TempDir dir_;
    int acmePort_;
    int managementPort_;
    std::unique_ptr<BackgroundProcess> process_;
};

const std::string kDirectory = "https://127.0.0.1:14000/dir";
constexpr int kManagementPort = 15000;
constexpr int kChallengePort = 5002;

} // namespace

class AcmeTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AcmeTest);
    CPPUNIT_TEST(testIssuanceForEventSourceHostnameOnly);
    CPPUNIT_TEST(testRenewalOfShortLivedCertificate);
    CPPUNIT_TEST(testTwoNodesShareOneCertificate);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        MAELSTROM_REQUIRE_BACKEND(pebbleAnswers(kDirectory), "pebble (tests/services/start-pebble.sh)");
    }

    // (a) a new HTTP event source's hostname gets a certificate, an HTTPS request reaches its component; (d) an SNI
    // name no event source uses fails the handshake and orders nothing.
    void testIssuanceForEventSourceHostnameOnly() {
        TempDir data;
        TempDir files;
        const std::string root = pebbleRoot(files, kManagementPort);
        const int httpsPort = freePort();
        Daemon daemon(data.path(), acmeEnv(kDirectory, httpsPort, kChallengePort));
        const std::string project = uniqueProject("acme");
        ProjectCleanup cleanup(project);
        const std::string host = project + ".maelstrom.test";

        const auto t0 = Clock::now();
        daemon.putProject(projectYaml(project, {componentYaml("web", host)}));
        const HttpsReply first = waitForCertificate(httpsPort, host, root, 60s);
        const double issued = secondsSince(t0);
        CPPUNIT_ASSERT_MESSAGE(first.error + "\n" + daemon.tail(), first.handshake);
        std::cout << "\nacme issuance: certificate served for " << host << " " << cluster::seconds(issued)
                  << " after the project was put (issuer " << first.issuer << ")" << std::endl;
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.log().find("certificate issued for " + host) != std::string::npos);

        const HttpsReply reply = httpsGet(httpsPort, host, root, "/");
        CPPUNIT_ASSERT_MESSAGE(reply.error + " " + reply.body + "\n" + daemon.tail(), reply.status == 200);

        // The plain port redirects a request for the hostname to HTTPS; the challenge record is gone.
        const Reply plain = daemon.request(host, "/some/path");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(cluster::describe(plain), 301, plain.status);

        // (d) Another name resolving here: no certificate, no order, now or after a while.
        const std::string metricsBefore = metricsOf(daemon.privatePort());
        const long long ordersBefore = sampleValue(metricsBefore, "maelstrom_acme_orders_total{outcome=\"issued\"}") +
                                       sampleValue(metricsBefore, "maelstrom_acme_orders_total{outcome=\"failed\"}");
        const std::string stranger = "stranger-" + project + ".maelstrom.test";
        for (int i = 0; i < 3; ++i) {
            const HttpsReply refused = httpsGet(httpsPort, stranger, root, "/", false);
            CPPUNIT_ASSERT_MESSAGE("a handshake for " + stranger + " succeeded", !refused.handshake);
        }
        std::this_thread::sleep_for(3s);
        const std::string metricsAfter = metricsOf(daemon.privatePort());
        const long long ordersAfter = sampleValue(metricsAfter, "maelstrom_acme_orders_total{outcome=\"issued\"}") +
                                      sampleValue(metricsAfter, "maelstrom_acme_orders_total{outcome=\"failed\"}");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(metricsAfter, ordersBefore, ordersAfter);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(metricsAfter, 1LL, ordersAfter);
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(),
                               daemon.log().find("ordering a certificate for " + stranger) == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(metricsAfter, metricsAfter.find("maelstrom_certificate_not_after_seconds{hostname=\"" +
                                                               host + "\"}") != std::string::npos);
        CPPUNIT_ASSERT(!!httpsGet(httpsPort, host, root, "/", false).handshake);
    }

    // (b) Certificates valid for 30 s (a pebble of the test's own): renewed before they expire, the new one served
    // by the same process.
    void testRenewalOfShortLivedCertificate() {
        OwnPebble pebble(30);
        TempDir data;
        TempDir files;
        const std::string root = pebbleRoot(files, pebble.managementPort());
        const int httpsPort = freePort();
        Daemon daemon(data.path(), acmeEnv(pebble.directory(), httpsPort, kChallengePort));
        const std::string project = uniqueProject("acmeren");
        ProjectCleanup cleanup(project);
        const std::string host = project + ".maelstrom.test";
        daemon.putProject(projectYaml(project, {componentYaml("web", host)}));

        const HttpsReply first = waitForCertificate(httpsPort, host, root, 60s);
        CPPUNIT_ASSERT_MESSAGE(first.error + "\n" + daemon.tail(), first.handshake);
        const auto t0 = Clock::now();
        const HttpsReply renewed = waitForCertificate(httpsPort, host, root, 45s, first.serial);
        CPPUNIT_ASSERT_MESSAGE(renewed.error + "\n" + daemon.tail(),
                               renewed.handshake && renewed.serial != first.serial);
        std::cout << "\nacme renewal: 30-second certificate of " << host << " replaced (serial " << first.serial
                  << " → " << renewed.serial << ") " << cluster::seconds(secondsSince(t0))
                  << " after the first was served, without a restart" << std::endl;
        CPPUNIT_ASSERT(daemon.running());
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), occurrences(daemon.log(), "certificate issued for " + host) >= 2);
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(),
                               daemon.log().find("maelstromd: starting") == daemon.log().rfind("maelstromd: starting"));
    }

    // (c) Two nodes on one MariaDB/PostgreSQL database: the orderer's plain port is elsewhere, so the CA's validation
    // reaches the other node on port 5002, which answers from the database; both serve the same certificate.
    void testTwoNodesShareOneCertificate() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(cluster::backendsAvailable(&why), why);
        TempDir files;
        const std::string root = pebbleRoot(files, kManagementPort);
        cluster::Cluster nodes;
        // Without a storage key the nodes could not share sealed keys: a shared database refuses to start, exit 2.
        {
            TempDir data;
            data.write("maelstromd.yml", "services:\n  database:\n    plugin: sqlite\n"
                                         "  container_runtime:\n    plugin: docker\n"
                                         "  load_balancer:\n    plugin: round-robin\n"
                                         "  rpc_transport:\n    plugin: jsonrpc-http\n");
            auto env = acmeEnv(kDirectory, freePort(), 0);
            env.erase("-MAEL_TLS_STORAGE_KEY");
            env["MAEL_PRIVATE_PORT"] = std::to_string(freePort());
            env["MAEL_DATA_DIR"] = data.path().string();
            env["MAEL_SQL_DRIVER"] = cluster::engine() == cluster::tdb::Engine::Mysql ? "mysql" : "postgres";
            env["MAEL_SQL_DSN"] = cluster::engine() == cluster::tdb::Engine::Mysql ? cluster::tdb::mysqlDsn()
                                                                                   : cluster::tdb::postgresDsn();
            const auto refused = runProcess(
                {(binDir() / "maelstromd").string(), "--config", (data.path() / "maelstromd.yml").string()}, env, 60s);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(refused.out + refused.err, 2, refused.exitCode);
            // One line (the last on stderr, after the log's) names the setting.
            const std::string err = refused.err.substr(0, refused.err.find_last_not_of('\n') + 1);
            const std::string last = err.substr(err.rfind('\n') + 1);
            CPPUNIT_ASSERT_MESSAGE(refused.err,
                                   last.rfind("maelstromd: tls_storage_key (MAEL_TLS_STORAGE_KEY)", 0) == 0);
            const auto checked = runProcess({(binDir() / "maelstromd").string(), "--config",
                                             (data.path() / "maelstromd.yml").string(), "--check-config"},
                                            env, 60s);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(checked.out + checked.err, 2, checked.exitCode);
            CPPUNIT_ASSERT_MESSAGE(checked.err, checked.err.find("MAEL_TLS_STORAGE_KEY") != std::string::npos);
        }
        const std::string storageKey = "acme-test shared storage key";
        const int httpsA = freePort();
        const int httpsB = freePort();
        cluster::NodeOptions a;
        a.env = acmeEnv(kDirectory, httpsA, 0);
        a.env["MAEL_TLS_STORAGE_KEY"] = storageKey;
        Daemon& orderer = nodes.start("cluster-a", a);
        CPPUNIT_ASSERT_MESSAGE(orderer.tail(), orderer.waitForLog("this node orders the certificates", 20s));
        cluster::NodeOptions b;
        b.env = acmeEnv(kDirectory, httpsB, kChallengePort);
        b.env["MAEL_TLS_STORAGE_KEY"] = storageKey;
        Daemon& answerer = nodes.start("cluster-b", b);

        const std::string project = uniqueProject("acmecl");
        ProjectCleanup cleanup(project);
        const std::string host = project + ".maelstrom.test";
        const auto t0 = Clock::now();
        orderer.putProject(projectYaml(project, {componentYaml("web", host)}));
        const HttpsReply onA = waitForCertificate(httpsA, host, root, 60s);
        CPPUNIT_ASSERT_MESSAGE(onA.error + "\n" + nodes.tails(), onA.handshake);
        const HttpsReply onB = waitForCertificate(httpsB, host, root, 20s);
        CPPUNIT_ASSERT_MESSAGE(onB.error + "\n" + nodes.tails(), onB.handshake);
        std::cout << "\nacme cluster (" << cluster::engineLabel() << "): one certificate served by both nodes "
                  << cluster::seconds(secondsSince(t0)) << " after the project was put" << std::endl;
        CPPUNIT_ASSERT_EQUAL(onA.serial, onB.serial);
        CPPUNIT_ASSERT_MESSAGE(nodes.tails(),
                               orderer.log().find("certificate issued for " + host) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(nodes.tails(),
                               answerer.log().find("ordering a certificate for " + host) == std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(nodes.tails(),
                               answerer.log().find("answering the HTTP-01 challenge for " + host) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(nodes.tails(),
                               orderer.log().find("answering the HTTP-01 challenge") == std::string::npos);

        // The orderer stops (its role released): the other node orders the next name itself.
        CPPUNIT_ASSERT_EQUAL(0, nodes.stop("cluster-a"));
        CPPUNIT_ASSERT_MESSAGE(answerer.tail(), answerer.waitForLog("this node orders the certificates", 30s));
        const std::string next = uniqueProject("acmecl");
        ProjectCleanup nextCleanup(next);
        const std::string nextHost = next + ".maelstrom.test";
        const auto t1 = Clock::now();
        answerer.putProject(projectYaml(next, {componentYaml("web", nextHost)}));
        const HttpsReply taken = waitForCertificate(httpsB, nextHost, root, 60s);
        CPPUNIT_ASSERT_MESSAGE(taken.error + "\n" + answerer.tail(), taken.handshake);
        std::cout << "acme cluster: after the orderer stopped, the other node ordered " << nextHost << " in "
                  << cluster::seconds(secondsSince(t1)) << std::endl;
        CPPUNIT_ASSERT_MESSAGE(answerer.tail(),
                               answerer.log().find("certificate issued for " + nextHost) != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AcmeTest);
