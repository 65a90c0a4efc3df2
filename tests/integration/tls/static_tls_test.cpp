// static_tls_test.cpp — maelstromd with static certificate files (MAEL_TLS_CERT_FILE / MAEL_TLS_KEY_FILE), a test CA
// and two server certificates made with the openssl tool in a temp dir, a component in Docker behind an HTTP event
// source:
//   - a bad pair at start: exit 2 with one line naming both files;
//   - HTTPS with the event source's hostname as SNI reaches the component (200 from the container, a 1 MiB upload
//     streamed through); a wrong SNI name gets the default (the static) certificate;
//   - TLS 1.1 refused, TLS 1.2 and 1.3 served, ALPN http/1.1 chosen for a client offering h2 and http/1.1, an
//     h2-only client refused; sessions resumed (openssl s_client -sess_out / -sess_in, both versions);
//   - the plain port: health check 200, ACME challenge 404 (no lookup without ACME), everything else 301 to the
//     HTTPS port with the Host's name (an IPv6 literal kept in brackets);
//   - the files replaced: the new certificate is served within a few seconds; a bad pair then: the old one stays;
//   - handshake failures and resumptions counted on the private port's /_mael/metrics.
// Holds RESOURCE_LOCK dockerd (the component runs in a container).
#include "lifecycle_env.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;
namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void writeFile(const fs::path& path, const std::string& text) {
    const fs::path tmp = path.string() + ".tmp";
    { std::ofstream(tmp) << text; }
    fs::rename(tmp, path); // as a deployment replaces a file: atomically
}

void mustRun(const std::vector<std::string>& argv) {
    const ProcessResult r = runProcess(argv, {}, std::chrono::seconds(30));
    if (r.exitCode != 0) {
        std::string command;
        for (const auto& a : argv) {
            command += a + " ";
        }
        CPPUNIT_FAIL(command + "failed: " + r.out + r.err);
    }
}

/// A CA and server certificates signed by it, made with the openssl tool.
struct TestPki {
    fs::path dir;
    explicit TestPki(const fs::path& where) : dir(where) {
        mustRun({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                 (dir / "ca.key").string(), "-out", (dir / "ca.pem").string(), "-days", "2", "-subj",
                 "/CN=Maelstrom TLS Test CA"});
    }
    /// <name>.pem (leaf then CA: a chain) and <name>.key for `cn` with the DNS names.
    void server(const std::string& name, const std::string& cn, const std::string& dnsNames) {
        mustRun({"openssl",
                 "req",
                 "-x509",
                 "-newkey",
                 "ec",
                 "-pkeyopt",
                 "ec_paramgen_curve:P-256",
                 "-nodes",
                 "-keyout",
                 (dir / (name + ".key")).string(),
                 "-out",
                 (dir / (name + ".leaf")).string(),
                 "-days",
                 "2",
                 "-subj",
                 "/CN=" + cn,
                 "-addext",
                 "subjectAltName=" + dnsNames,
                 "-CA",
                 (dir / "ca.pem").string(),
                 "-CAkey",
                 (dir / "ca.key").string()});
        std::ofstream(dir / (name + ".pem")) << readFile(dir / (name + ".leaf")) << readFile(dir / "ca.pem");
    }
    std::string ca() const { return (dir / "ca.pem").string(); }
};

/// `openssl s_client` to 127.0.0.1:port with `args`, sending `input`. With input, -ign_eof waits for the answer (the
/// request asks the server to close); without, the end of the input closes the connection after the handshake.
ProcessResult sClient(int port, const std::vector<std::string>& args, const std::string& input = "") {
    std::string command = "printf '" + input + "' | openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                          (input.empty() ? "" : " -ign_eof");
    for (const auto& a : args) {
        command += " " + a;
    }
    return runProcess({"sh", "-c", command + " 2>&1"}, {}, std::chrono::seconds(20));
}

/// curl over HTTPS to `host` resolved to 127.0.0.1:port, trusting `ca`; prints "<code> <http version>" last.
ProcessResult curlHttps(int port, const std::string& host, const std::string& ca, const std::string& path,
                        const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{"curl",       "-sS",
                                  "--cacert",   ca,
                                  "--resolve",  host + ":" + std::to_string(port) + ":127.0.0.1",
                                  "-w",         "\n%{http_code} %{http_version}",
                                  "--max-time", "20"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("https://" + host + ":" + std::to_string(port) + path);
    return runProcess(argv, {}, std::chrono::seconds(30));
}

int httpsPortOf(const std::string& log) {
    const std::string needle = ", public HTTPS port on ";
    const auto at = log.find(needle);
    return at == std::string::npos ? 0 : std::atoi(log.c_str() + at + needle.size());
}

long long sample(const std::string& text, const std::string& name) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(name + " ", 0) == 0) {
            return std::stoll(line.substr(name.size() + 1));
        }
    }
    return -1;
}

/// Plain GET with a Host header; the whole answer (head and body).
std::string plainGet(int port, const std::string& host, const std::string& path) {
    const ProcessResult r = runProcess({"curl", "-sS", "-i", "--max-time", "10", "-H", "Host: " + host,
                                        "http://127.0.0.1:" + std::to_string(port) + path},
                                       {}, std::chrono::seconds(20));
    return r.out + r.err;
}

} // namespace

class StaticTlsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(StaticTlsTest);
    CPPUNIT_TEST(testStaticCertificates);
    CPPUNIT_TEST_SUITE_END();

public:
    void testStaticCertificates() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const fs::path pki = dir.path() / "pki";
        fs::create_directories(pki);
        TestPki ca(pki);
        const std::string project = uniqueProject("tls");
        const std::string host = project + ".tls.test";
        ca.server("one", "tls-one", "DNS:" + host + ",DNS:*.tls.test");
        ca.server("two", "tls-two", "DNS:" + host);
        const fs::path certFile = dir.path() / "cert.pem";
        const fs::path keyFile = dir.path() / "key.pem";

        // A mismatched pair at start: exit 2, one line naming both files.
        writeFile(certFile, readFile(pki / "one.pem"));
        writeFile(keyFile, readFile(pki / "two.key"));
        {
            const fs::path data = dir.path() / "bad";
            fs::create_directories(data);
            std::ofstream(data / "maelstromd.yml")
                << "services:\n  database:\n    plugin: sqlite\n    settings:\n"
                   "      path: "
                << (data / "m.db").string() << "\n  load_balancer:\n    plugin: round-robin\n";
            const ProcessResult bad =
                runProcess({(binDir() / "maelstromd").string(), "--config", (data / "maelstromd.yml").string()},
                           {{"MAEL_TLS_CERT_FILE", certFile.string()},
                            {"MAEL_TLS_KEY_FILE", keyFile.string()},
                            {"MAEL_PUBLIC_PORT", "0"},
                            {"MAEL_PUBLIC_HTTPS_PORT", "0"},
                            {"MAEL_PRIVATE_PORT", std::to_string(freePort())},
                            {"MAEL_DATA_DIR", data.string()}},
                           std::chrono::seconds(60));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(bad.out + bad.err, 2, bad.exitCode);
            const std::string expected = "tls_cert_file " + certFile.string() + " with tls_key_file " +
                                         keyFile.string() + ": the private key does not belong to the certificate\n";
            CPPUNIT_ASSERT_MESSAGE(bad.err, bad.err.find(expected) != std::string::npos);
        }

        writeFile(keyFile, readFile(pki / "one.key"));
        const auto started = std::chrono::steady_clock::now();
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path() / "data", {{"MAEL_TLS_CERT_FILE", certFile.string()},
                                            {"MAEL_TLS_KEY_FILE", keyFile.string()},
                                            {"MAEL_PUBLIC_HTTPS_PORT", "0"}});
        const int https = httpsPortOf(daemon.log());
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), https > 0);
        const int plain = daemon.publicPort();
        daemon.putProject(projectYaml(project, {componentYaml("web", host, {"idletimeoutseconds: 120"})}));

        // SNI of the event source's hostname: through to the container; ALPN http/1.1 for a client offering h2 too.
        ProcessResult r = curlHttps(https, host, ca.ca(), "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err + daemon.tail(), std::string("hello\n\n200 1.1"), r.out);
        {
            std::ofstream big(pki / "big");
            big << std::string(1 << 20, 'x');
        }
        r = curlHttps(https, host, ca.ca(), "/upload", {"--data-binary", "@" + (pki / "big").string()});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, std::string("1048576\n\n200 1.1"), r.out);
        // Keep-alive: two requests on one connection.
        r = curlHttps(https, host, ca.ca(), "/",
                      {"-v", "-o", "/dev/null", "https://" + host + ":" + std::to_string(https) + "/id"});
        CPPUNIT_ASSERT_MESSAGE(r.err, r.err.find("Re-using existing connection") != std::string::npos);

        // Versions: 1.2 and 1.3 served, 1.1 refused (offered by a client at security level 0).
        r = curlHttps(https, host, ca.ca(), "/", {"--tlsv1.2", "--tls-max", "1.2"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, std::string("hello\n\n200 1.1"), r.out);
        r = sClient(https, {"-servername", host, "-tls1_3"});
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("New, TLSv1.3, Cipher is") != std::string::npos);
        r = sClient(https, {"-servername", host, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"});
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("New, (NONE), Cipher is (NONE)") != std::string::npos);
        // ALPN: h2 alone is refused (no_application_protocol).
        r = sClient(https, {"-servername", host, "-alpn", "h2"});
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("no application protocol") != std::string::npos);
        r = sClient(https, {"-servername", host, "-alpn", "h2,http/1.1"});
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("ALPN protocol: http/1.1") != std::string::npos);

        // A wrong SNI name (and none at all): the default certificate, which is the static one.
        r = sClient(https, {"-servername", "other.example"});
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("subject=CN = tls-one") != std::string::npos);
        r = sClient(https, {"-noservername"});
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("subject=CN = tls-one") != std::string::npos);

        // Resumption, both versions: a request on each connection so the TLS 1.3 ticket is read.
        const std::string request = "GET / HTTP/1.1\\r\\nHost: " + host + "\\r\\nConnection: close\\r\\n\\r\\n";
        for (const char* version : {"-tls1_2", "-tls1_3"}) {
            const std::string session = (pki / (std::string("session") + version)).string();
            r = sClient(https, {"-servername", host, version, "-sess_out", session}, request);
            CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("New, TLSv1.") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("hello") != std::string::npos);
            r = sClient(https, {"-servername", host, version, "-sess_in", session}, request);
            CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("Reused, TLSv1.") != std::string::npos);
        }

        // The plain port: health check, no ACME challenge without ACME, 301 for the rest.
        std::string answer = plainGet(plain, host, "/_mael_health_check");
        CPPUNIT_ASSERT_MESSAGE(answer, answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
        answer = plainGet(plain, host, "/.well-known/acme-challenge/abc_DEF-1");
        CPPUNIT_ASSERT_MESSAGE(answer, answer.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
        answer = plainGet(plain, host + ":" + std::to_string(plain), "/a/b?c=d&e");
        CPPUNIT_ASSERT_MESSAGE(answer, answer.rfind("HTTP/1.1 301 Moved Permanently\r\n", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(answer, answer.find("\r\nLocation: https://" + host + ":" + std::to_string(https) +
                                                   "/a/b?c=d&e\r\n") != std::string::npos);
        answer = plainGet(plain, "[::1]:" + std::to_string(plain), "/");
        CPPUNIT_ASSERT_MESSAGE(answer, answer.find("\r\nLocation: https://[::1]:" + std::to_string(https) + "/\r\n") !=
                                           std::string::npos);

        // Failures and resumptions counted on the private port.
        const std::string metrics = plainGet(daemon.privatePort(), "127.0.0.1", "/_mael/metrics");
        CPPUNIT_ASSERT_MESSAGE(metrics,
                               sample(metrics, "maelstrom_tls_handshake_failures_total{reason=\"version\"}") >= 1);
        CPPUNIT_ASSERT_MESSAGE(metrics,
                               sample(metrics, "maelstrom_tls_handshake_failures_total{reason=\"other\"}") >= 1);
        CPPUNIT_ASSERT_MESSAGE(metrics, sample(metrics, "maelstrom_tls_resumed_handshakes_total") >= 2);
        CPPUNIT_ASSERT_MESSAGE(metrics, sample(metrics, "maelstrom_tls_handshakes_total{outcome=\"ok\"}") >= 8);
        // ...and never logged per connection at warning level.
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.log().find("TLS handshake") == std::string::npos);

        // The files replaced: served within a few seconds, without a restart.
        writeFile(certFile, readFile(pki / "two.pem"));
        writeFile(keyFile, readFile(pki / "two.key"));
        const auto replaced = std::chrono::steady_clock::now();
        CPPUNIT_ASSERT_MESSAGE(
            daemon.tail(),
            waitUntil(
                [&] {
                    return sClient(https, {"-servername", host}).out.find("subject=CN = tls-two") != std::string::npos;
                },
                std::chrono::seconds(10)));
        std::cerr << "\n  new certificate served "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - replaced)
                         .count()
                  << " ms after the files were replaced\n";
        r = curlHttps(https, host, ca.ca(), "/");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, std::string("hello\n\n200 1.1"), r.out);
        // A bad pair now: logged once, the old certificate kept.
        writeFile(certFile, readFile(pki / "one.pem"));
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(),
                               daemon.waitForLog("changed but cannot be used", std::chrono::seconds(10)));
        r = sClient(https, {"-servername", host});
        CPPUNIT_ASSERT_MESSAGE(r.out, r.out.find("subject=CN = tls-two") != std::string::npos);
        CPPUNIT_ASSERT(daemon.running());
        std::cerr
            << "  whole test after the bad-pair start: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
            << " ms\n";
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StaticTlsTest);
