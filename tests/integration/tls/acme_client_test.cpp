// acme_client_test.cpp — the ACME client against pebble (tests/services/start-pebble.sh): account registration,
// an order for two names validated over HTTP-01 by a responder this test runs on 127.0.0.1:5002 (pebble's DNS answers
// 127.0.0.1 for every name), finalize and download; the chain checked with the openssl tool against pebble's root.
// Failures: a wrong challenge answer, an unknown CA, nothing listening. No Docker, no maelstromd.
// SPDX-License-Identifier: Apache-2.0
#include "tls/acme_client.h"
#include "tls/acme_jws.h"

#include "test_support.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <cppunit/extensions/HelperMacros.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

using namespace maelstrom::core::tls;
using namespace std::chrono_literals;
using maelstrom::testing::runProcess;
using maelstrom::testing::TempDir;

namespace {

std::string pebbleDir() {
    const char* dir = std::getenv("MAELSTROM_PEBBLE_DIR");
    return dir != nullptr && *dir != '\0' ? dir : "/var/tmp/maelstrom-pebble";
}
std::string pebbleCa() { return pebbleDir() + "/ca.pem"; }
const std::string kDirectory = "https://127.0.0.1:14000/dir";

bool pebbleAnswers() {
    if (!std::ifstream(pebbleCa()).good()) {
        return false;
    }
    try {
        Poco::Net::StreamSocket socket;
        socket.connect(Poco::Net::SocketAddress("127.0.0.1", 14000), Poco::Timespan(2, 0));
        return true;
    } catch (const Poco::Exception&) {
        return false;
    }
}

/// The HTTP-01 side: what maelstrom's plain port does, on pebble's validation port 5002.
class Responder {
public:
    Responder() {
        Poco::Net::ServerSocket socket;
        try {
            socket.bind(Poco::Net::SocketAddress("127.0.0.1", 5002), true, false); // no SO_REUSEPORT: never share it
            socket.listen(16);
        } catch (const Poco::Exception& e) {
            throw std::runtime_error("cannot listen on 127.0.0.1:5002, pebble's HTTP-01 port (another test that "
                                     "validates against pebble running outside this ctest?): " +
                                     e.displayText());
        }
        auto params = Poco::makeAuto<Poco::Net::HTTPServerParams>();
        params->setKeepAlive(false);
        server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
        server_->start();
    }
    ~Responder() { server_->stopAll(true); }
    Responder(const Responder&) = delete;
    Responder& operator=(const Responder&) = delete;

    void publish(const std::string& token, const std::string& keyAuthorization) {
        const std::lock_guard lock(mutex_);
        answers_[token] = keyAuthorization;
    }
    void answerWrongly(bool wrong) {
        const std::lock_guard lock(mutex_);
        wrong_ = wrong;
    }
    /// Host headers of the challenge requests received so far.
    std::vector<std::string> hosts() const {
        const std::lock_guard lock(mutex_);
        return hosts_;
    }

private:
    class Handler : public Poco::Net::HTTPRequestHandler {
    public:
        explicit Handler(Responder& owner) : owner_(owner) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
            const std::string prefix = "/.well-known/acme-challenge/";
            std::string body;
            {
                const std::lock_guard lock(owner_.mutex_);
                owner_.hosts_.push_back(request.getHost());
                const std::string uri = request.getURI();
                const auto it =
                    uri.rfind(prefix, 0) == 0 ? owner_.answers_.find(uri.substr(prefix.size())) : owner_.answers_.end();
                if (it != owner_.answers_.end()) {
                    body = owner_.wrong_ ? "not-the-key-authorization" : it->second;
                }
            }
            response.setStatus(body.empty() ? Poco::Net::HTTPResponse::HTTP_NOT_FOUND
                                            : Poco::Net::HTTPResponse::HTTP_OK);
            response.setContentType("text/plain");
            response.sendBuffer(body.data(), body.size());
        }

    private:
        Responder& owner_;
    };
    class Factory : public Poco::Net::HTTPRequestHandlerFactory {
    public:
        explicit Factory(Responder& owner) : owner_(owner) {}
        Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
            return new Handler(owner_);
        }

    private:
        Responder& owner_;
    };

    mutable std::mutex mutex_;
    std::map<std::string, std::string> answers_; ///< token → key authorization; guarded by mutex_
    std::vector<std::string> hosts_;             ///< guarded by mutex_
    bool wrong_ = false;                         ///< guarded by mutex_
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

AcmeSettings pebbleSettings() {
    AcmeSettings settings;
    settings.directoryUrl = kDirectory;
    settings.caFile = pebbleCa();
    settings.email = "admin@maelstrom.test";
    settings.timeout = 10s;
    return settings;
}

/// Names no earlier run ordered (pebble keeps its state while it runs).
std::string uniqueName(const std::string& label) {
    static const std::string run = std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr));
    return label + "-" + run + ".maelstrom.test";
}

std::string errorOf(const std::function<void()>& call) {
    try {
        call();
    } catch (const AcmeError& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

class AcmeClientTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AcmeClientTest);
    CPPUNIT_TEST(testIssuance);
    CPPUNIT_TEST(testBadNonceIsRetried);
    CPPUNIT_TEST(testWrongChallengeAnswer);
    CPPUNIT_TEST(testHostnameUrlAndServerErrors);
    CPPUNIT_TEST(testUnknownCa);
    CPPUNIT_TEST(testNothingListening);
    CPPUNIT_TEST(testNoAnswer);
    CPPUNIT_TEST(testCancel);
    CPPUNIT_TEST_SUITE_END();

public:
    void testIssuance() {
        MAELSTROM_REQUIRE_BACKEND(pebbleAnswers(), "pebble at " + kDirectory + " (tests/services/start-pebble.sh)");
        Responder responder;
        AcmeClient client(pebbleSettings(), "");
        const auto started = std::chrono::steady_clock::now();
        const std::string account = client.registerAccount();
        CPPUNIT_ASSERT(account.rfind("https://127.0.0.1:14000/", 0) == 0);
        CPPUNIT_ASSERT_EQUAL(account, client.registerAccount());
        // Another client with the same key (another node of the cluster) gets the same account.
        AcmeClient sameKey(pebbleSettings(), client.accountKeyPem());
        CPPUNIT_ASSERT_EQUAL(account, sameKey.registerAccount());

        const std::vector<std::string> names = {uniqueName("a"), uniqueName("b")};
        const auto order = client.newOrder(names);
        CPPUNIT_ASSERT_EQUAL(std::string("pending"), order.status);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, order.challenges.size());
        for (const auto& challenge : order.challenges) {
            CPPUNIT_ASSERT_EQUAL(challenge.token + "." + client.thumbprint(), challenge.keyAuthorization);
            responder.publish(challenge.token, challenge.keyAuthorization);
        }
        for (const auto& challenge : order.challenges) {
            client.acceptChallenge(challenge);
        }
        for (const auto& challenge : order.challenges) {
            client.waitForAuthorization(challenge, 30s);
        }
        const auto issued = client.finalize(order, 60s);
        const auto elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        std::cout << "\nissuance against pebble (account, order for 2 names, HTTP-01, finalize, download): "
                  << elapsed.count() << " ms, " << client.badNonceRetries() << " badNonce retries\n";

        // Pebble validated both names over HTTP-01 on our responder.
        const auto hosts = responder.hosts();
        for (const auto& name : names) {
            CPPUNIT_ASSERT_MESSAGE(name, std::find(hosts.begin(), hosts.end(), name + ":5002") != hosts.end() ||
                                             std::find(hosts.begin(), hosts.end(), name) != hosts.end());
        }

        // The chain: the leaf names both hosts, belongs to the new key, is valid now, chains to pebble's root.
        const EcKey key = EcKey::fromPem(issued.keyPem);
        CPPUNIT_ASSERT(key.thumbprint() != client.thumbprint());
        const LeafInfo leaf = inspectLeaf(issued.chainPem, &key);
        CPPUNIT_ASSERT_EQUAL(names.size(), leaf.dnsNames.size());
        for (const auto& name : names) {
            CPPUNIT_ASSERT(std::find(leaf.dnsNames.begin(), leaf.dnsNames.end(), name) != leaf.dnsNames.end());
        }
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        CPPUNIT_ASSERT(issued.notAfter > now + 86400);
        CPPUNIT_ASSERT(issued.notBefore <= now + 60);
        CPPUNIT_ASSERT_EQUAL(leaf.notAfter, issued.notAfter);
        CPPUNIT_ASSERT_MESSAGE(issued.issuer, issued.issuer.find("Pebble Intermediate CA") != std::string::npos);
        CPPUNIT_ASSERT(issued.chainPem.find("BEGIN CERTIFICATE") != issued.chainPem.rfind("BEGIN CERTIFICATE"));

        TempDir dir;
        const auto chainFile = dir.write("chain.pem", issued.chainPem);
        const auto root =
            runProcess({"curl", "-sS", "--max-time", "10", "--cacert", pebbleCa(), "https://127.0.0.1:15000/roots/0"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(root.err, 0, root.exitCode);
        const auto rootFile = dir.write("root.pem", root.out);
        const auto verify = runProcess({"openssl", "verify", "-CAfile", rootFile.string(), "-untrusted",
                                        chainFile.string(), "-purpose", "sslserver", chainFile.string()});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(verify.out + verify.err, 0, verify.exitCode);
    }

    void testBadNonceIsRetried() {
        MAELSTROM_REQUIRE_BACKEND(pebbleAnswers(), "pebble at " + kDirectory + " (tests/services/start-pebble.sh)");
        // start-pebble.sh keeps pebble's default of rejecting 5% of good nonces: within 300 requests at least one
        // is rejected (all pass with probability 0.95^300 ≈ 2e-7), and the call still succeeds.
        AcmeClient client(pebbleSettings(), "");
        const std::string account = client.registerAccount();
        for (int i = 0; i < 300 && client.badNonceRetries() == 0; ++i) {
            CPPUNIT_ASSERT_EQUAL(account, client.registerAccount());
        }
        CPPUNIT_ASSERT(client.badNonceRetries() > 0);
    }

    void testWrongChallengeAnswer() {
        MAELSTROM_REQUIRE_BACKEND(pebbleAnswers(), "pebble at " + kDirectory + " (tests/services/start-pebble.sh)");
        Responder responder;
        responder.answerWrongly(true);
        AcmeClient client(pebbleSettings(), "");
        const std::string name = uniqueName("wrong");
        const auto order = client.newOrder({name});
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, order.challenges.size());
        responder.publish(order.challenges[0].token, order.challenges[0].keyAuthorization);
        client.acceptChallenge(order.challenges[0]);
        try {
            client.waitForAuthorization(order.challenges[0], 30s);
            CPPUNIT_FAIL("a wrong key authorization was accepted");
        } catch (const AcmeError& e) {
            const std::string message = e.what();
            std::cout << "\nwrong answer: " << message << "\n";
            CPPUNIT_ASSERT_MESSAGE(message, message.rfind("ACME validation of " + name + " failed: ", 0) == 0);
            CPPUNIT_ASSERT_MESSAGE(message, message.find("(unauthorized)") != std::string::npos);
            CPPUNIT_ASSERT_EQUAL(std::string("urn:ietf:params:acme:error:unauthorized"), e.type);
            CPPUNIT_ASSERT(!e.rateLimited());
            CPPUNIT_ASSERT(message.find('\n') == std::string::npos);
        }
        // The order is dead: finalize says so instead of waiting.
        const std::string finalizeError = errorOf([&] { client.finalize(order, 10s); });
        CPPUNIT_ASSERT_MESSAGE(finalizeError, finalizeError.rfind("ACME order for " + name + " is invalid", 0) == 0);
    }

    void testHostnameUrlAndServerErrors() {
        MAELSTROM_REQUIRE_BACKEND(pebbleAnswers(), "pebble at " + kDirectory + " (tests/services/start-pebble.sh)");
        // By DNS name: SNI sent and the name checked against the certificate (pebble's has DNS:localhost).
        AcmeSettings byName = pebbleSettings();
        byName.directoryUrl = "https://localhost:14000/dir";
        AcmeClient client(byName, "");
        CPPUNIT_ASSERT(!client.registerAccount().empty());

        // A problem document from the server becomes an AcmeError with its type and status.
        AcmeSettings badContact = pebbleSettings();
        badContact.email = "not an address";
        AcmeClient refused(badContact, "");
        try {
            refused.registerAccount();
            CPPUNIT_FAIL("pebble accepted a contact that is not an address");
        } catch (const AcmeError& e) {
            std::cout << "\nbad contact: " << e.what() << "\n";
            CPPUNIT_ASSERT(e.type.rfind("urn:ietf:params:acme:error:", 0) == 0);
            CPPUNIT_ASSERT(e.status >= 400 && e.status < 500);
            CPPUNIT_ASSERT(std::string(e.what()).rfind("ACME account registration at " + kDirectory + ": ", 0) == 0);
        }

        // Something that is not a directory.
        AcmeSettings notDirectory = pebbleSettings();
        notDirectory.directoryUrl = "https://127.0.0.1:14000/nothing-here";
        const std::string error = errorOf([&] { AcmeClient(notDirectory, "").registerAccount(); });
        CPPUNIT_ASSERT_MESSAGE(error, error.rfind("ACME directory https://127.0.0.1:14000/nothing-here: ", 0) == 0);
    }

    void testUnknownCa() {
        MAELSTROM_REQUIRE_BACKEND(pebbleAnswers(), "pebble at " + kDirectory + " (tests/services/start-pebble.sh)");
        AcmeSettings settings = pebbleSettings();
        settings.caFile.clear();
        const std::string error = errorOf([&] { AcmeClient(settings, "").registerAccount(); });
        std::cout << "\nunknown CA: " << error << "\n";
        CPPUNIT_ASSERT_MESSAGE(
            error, error.rfind("ACME server 127.0.0.1:14000: TLS certificate verification failed: ", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(error, error.find("MAEL_ACME_CA_FILE") != std::string::npos);
    }

    void testNothingListening() {
        AcmeSettings settings;
        settings.directoryUrl = "https://127.0.0.1:" + std::to_string(maelstrom::testing::freePort()) + "/dir";
        settings.timeout = 5s;
        const std::string error = errorOf([&] { AcmeClient(settings, "").registerAccount(); });
        CPPUNIT_ASSERT_MESSAGE(error, error.find(": connecting to 127.0.0.1:") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(error, error.find("refused") != std::string::npos);
    }

    void testNoAnswer() {
        // A listener that never accepts: the connection opens (the kernel's backlog) and the handshake gets no answer.
        Poco::Net::ServerSocket silent;
        silent.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
        silent.listen(4);
        const std::string where = "127.0.0.1:" + std::to_string(silent.address().port());
        AcmeSettings settings;
        settings.directoryUrl = "https://" + where + "/dir";
        settings.timeout = 1s;
        const auto started = std::chrono::steady_clock::now();
        const std::string error = errorOf([&] { AcmeClient(settings, "").registerAccount(); });
        const auto elapsed = std::chrono::steady_clock::now() - started;
        CPPUNIT_ASSERT_EQUAL("ACME server " + where + ": no answer within 1 s (TLS handshake with " + where + ")",
                             error);
        CPPUNIT_ASSERT(elapsed >= 900ms && elapsed < 5s);
    }

    void testCancel() {
        // A request stuck on a silent server ends as soon as cancel() is called from another thread.
        Poco::Net::ServerSocket silent;
        silent.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
        silent.listen(4);
        AcmeSettings settings;
        settings.directoryUrl = "https://127.0.0.1:" + std::to_string(silent.address().port()) + "/dir";
        settings.timeout = 30s;
        AcmeClient stuck(settings, "");
        auto started = std::chrono::steady_clock::now();
        auto canceller = std::async(std::launch::async, [&] {
            std::this_thread::sleep_for(300ms);
            stuck.cancel();
        });
        std::string error = errorOf([&] { stuck.registerAccount(); });
        canceller.get();
        CPPUNIT_ASSERT_EQUAL("ACME client for " + settings.directoryUrl + ": cancelled", error);
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started < 5s);
        CPPUNIT_ASSERT(stuck.cancelled());
        // Later calls too, without sending anything.
        CPPUNIT_ASSERT_EQUAL(error, errorOf([&] { stuck.registerAccount(); }));

        // A long poll (a challenge never accepted stays pending) ends the same way.
        MAELSTROM_REQUIRE_BACKEND(pebbleAnswers(), "pebble at " + kDirectory + " (tests/services/start-pebble.sh)");
        AcmeClient polling(pebbleSettings(), "");
        const auto order = polling.newOrder({uniqueName("cancel")});
        started = std::chrono::steady_clock::now();
        canceller = std::async(std::launch::async, [&] {
            std::this_thread::sleep_for(1500ms);
            polling.cancel();
        });
        error = errorOf([&] { polling.waitForAuthorization(order.challenges.at(0), 60s); });
        canceller.get();
        CPPUNIT_ASSERT_EQUAL("ACME client for " + kDirectory + ": cancelled", error);
        const auto elapsed = std::chrono::steady_clock::now() - started;
        CPPUNIT_ASSERT(elapsed >= 1400ms && elapsed < 10s);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AcmeClientTest);
