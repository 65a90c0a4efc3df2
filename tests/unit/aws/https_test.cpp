// https_test.cpp — aws: the HTTPS path against a local TLS server — the certificate checked against the trusted
// store (here a throwaway CA bundle, through SSL_CERT_FILE) and against the host name, and abort() ending a request
// stuck inside TLS. Certificates are made with the openssl tool at run time.
// SPDX-License-Identifier: Apache-2.0
#include "aws/context.h"
#include "aws/error.h"

#include "local_server.h"
#include "test_support.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdlib>
#include <fstream>
#include <future>

using namespace maelstrom::aws;
using namespace std::chrono_literals;
using maelstrom::testing::TempDir;
using maelstrom::testing::aws::always;
using maelstrom::testing::aws::CannedResponse;
using maelstrom::testing::aws::LocalServer;
using maelstrom::testing::aws::TlsFiles;

namespace {

// Self-signed certificates in a folder that lives as long as the test binary: the library's TLS context is made
// once per process, with the trusted store SSL_CERT_FILE names at that moment.
struct Certificates {
    TempDir dir;
    TlsFiles forLoopback;  ///< CN and subjectAltName 127.0.0.1
    TlsFiles forOtherName; ///< other.example only
    std::string problem;   ///< why there are none (no openssl tool)

    Certificates() {
        forLoopback = make("loopback", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1");
        forOtherName = make("other", "/CN=other.example", "subjectAltName=DNS:other.example");
        if (!problem.empty()) {
            return;
        }
        // Both trusted: the second is refused for its name, not for an unknown issuer.
        std::ofstream bundle(dir.path() / "bundle.pem");
        for (const auto* file : {&forLoopback.certificate, &forOtherName.certificate}) {
            std::ifstream in(*file);
            bundle << in.rdbuf();
        }
        bundle.close();
        ::setenv("SSL_CERT_FILE", (dir.path() / "bundle.pem").c_str(), 1);
    }

    TlsFiles make(const std::string& name, const std::string& subject, const std::string& altName) {
        const TlsFiles files{(dir.path() / (name + "-cert.pem")).string(), (dir.path() / (name + "-key.pem")).string()};
        const auto result = maelstrom::testing::runProcess({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                                            "-days", "2", "-keyout", files.privateKey, "-out",
                                                            files.certificate, "-subj", subject, "-addext", altName});
        if (result.exitCode != 0) {
            problem = "openssl req failed (" + std::to_string(result.exitCode) + "): " + result.err;
        }
        return files;
    }
};

Certificates& certificates() {
    static Certificates made;
    return made;
}

std::shared_ptr<AwsContext> testContext() {
    AwsContextOptions options;
    options.credentials =
        std::make_shared<StaticCredentialsProvider>(Credentials{"AKIDTEST", "testsecret", "", std::nullopt});
    options.retry = {2, 1ms, 2ms};
    return AwsContext::create(mapEnvironment({{"AWS_REGION", "us-east-1"}, {"HOME", "/nonexistent-home"}}), options);
}

} // namespace

class HttpsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HttpsTest);
    CPPUNIT_TEST(testSignedRequestOverTls);
    CPPUNIT_TEST(testCertificateForAnotherNameIsRefused);
    CPPUNIT_TEST(testAbortEndsARequestStuckInTls);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { CPPUNIT_ASSERT_MESSAGE(certificates().problem, certificates().problem.empty()); }

    void testSignedRequestOverTls() {
        LocalServer server(always({200, "<ok/>"}), certificates().forLoopback);
        const auto response = testContext()->send(server.url(), {"POST", "/", {}, "Action=ListQueues"}, "sqs", 10s);
        CPPUNIT_ASSERT_EQUAL(200, response.status);
        CPPUNIT_ASSERT_EQUAL(std::string("<ok/>"), response.body);
        const auto r = server.requests().at(0);
        CPPUNIT_ASSERT_EQUAL(std::string("Action=ListQueues"), r.body);
        CPPUNIT_ASSERT(r.header("Authorization"));
    }

    void testCertificateForAnotherNameIsRefused() {
        LocalServer server(always({200, "<ok/>"}), certificates().forOtherName);
        try {
            testContext()->send(server.url(), {"POST", "/", {}, ""}, "sqs", 10s);
            CPPUNIT_FAIL("accepted a certificate for other.example from 127.0.0.1");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("Network"), e.code());
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, server.requestCount());
    }

    void testAbortEndsARequestStuckInTls() {
        LocalServer server(always(CannedResponse::silence()), certificates().forLoopback);
        const auto context = testContext();
        auto pending = std::async(std::launch::async, [&] {
            try {
                context->send(server.url(), {"POST", "/", {}, ""}, "sqs", 30s);
                return std::string("answered");
            } catch (const AwsError& e) {
                return e.code();
            }
        });
        CPPUNIT_ASSERT(maelstrom::testing::waitUntil([&] { return server.requestCount() == 1; }, 5s));
        context->abort();
        CPPUNIT_ASSERT(pending.wait_for(2s) == std::future_status::ready);
        CPPUNIT_ASSERT_EQUAL(std::string("Aborted"), pending.get());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpsTest);
