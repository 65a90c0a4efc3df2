// credentials_test.cpp — aws: the credentials chain — environment, shared credentials/config files with profiles,
// the instance role over IMDSv2 (a local fake metadata service: token first, token on every GET, 401 and 404,
// disabled), the cache, refresh before expiry and keeping valid credentials when a refresh fails.
// SPDX-License-Identifier: Apache-2.0
#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/imds.h"

#include "local_server.h"
#include "test_support.h"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <ctime>

using namespace maelstrom::aws;
using maelstrom::testing::TempDir;
using maelstrom::testing::aws::CannedResponse;
using maelstrom::testing::aws::LocalServer;
using maelstrom::testing::aws::RecordedRequest;

namespace {

std::string iso8601(std::chrono::system_clock::time_point time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buffer;
}

// The metadata service's side of IMDSv2: a token from PUT /latest/api/token, and only GETs that carry it are
// answered (401 otherwise), as on EC2.
struct FakeImds {
    std::mutex mutex;
    int tokensIssued = 0;
    int roleFetches = 0;
    bool failRole = false;
    std::string role = "maelstrom-node";
    std::chrono::system_clock::time_point expiration = std::chrono::system_clock::now() + std::chrono::hours(6);

    std::string currentToken() const { return "token-" + std::to_string(tokensIssued); }

    CannedResponse answer(const RecordedRequest& request) {
        std::lock_guard lock(mutex);
        if (request.method == "PUT" && request.uri == "/latest/api/token") {
            if (!request.header("X-aws-ec2-metadata-token-ttl-seconds")) {
                return {400, "missing TTL"};
            }
            ++tokensIssued;
            return {200, currentToken()};
        }
        if (request.method != "GET" || request.header("X-aws-ec2-metadata-token") != currentToken()) {
            return {401, ""};
        }
        const std::string base = "/latest/meta-data/iam/security-credentials/";
        if (request.uri == base) {
            return role.empty() ? CannedResponse{404, ""} : CannedResponse{200, role + "\n"};
        }
        if (request.uri == base + role) {
            ++roleFetches;
            if (failRole) {
                return {500, "oops"};
            }
            const auto n = std::to_string(roleFetches);
            return {200, R"({"Code":"Success","LastUpdated":"2024-01-01T00:00:00Z","Type":"AWS-HMAC",)"
                         R"("AccessKeyId":"ASIAROLE)" +
                             n + R"(","SecretAccessKey":"rolesecret)" + n + R"(","Token":"roletoken)" + n +
                             R"(","Expiration":")" + iso8601(expiration) + R"("})"};
        }
        if (request.uri == "/latest/meta-data/instance-id") {
            return {200, "i-0123456789abcdef0"};
        }
        return {404, ""};
    }
};

struct ImdsFixture {
    std::shared_ptr<FakeImds> fake = std::make_shared<FakeImds>();
    LocalServer server{[fake = fake](const RecordedRequest& r) { return fake->answer(r); }};
    std::map<std::string, std::string> env{{"HOME", "/nonexistent-home"},
                                           {"AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()}};

    std::shared_ptr<ImdsClient> client() { return std::make_shared<ImdsClient>(mapEnvironment(env)); }
};

} // namespace

class CredentialsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CredentialsTest);
    CPPUNIT_TEST(testEnvironmentFirst);
    CPPUNIT_TEST(testEnvironmentNeedsBothKeys);
    CPPUNIT_TEST(testSharedCredentialsFileProfiles);
    CPPUNIT_TEST(testConfigFileProfileSection);
    CPPUNIT_TEST(testDefaultPathsUnderHome);
    CPPUNIT_TEST(testIniParsing);
    CPPUNIT_TEST(testImdsTokenComesFirstAndIsSent);
    CPPUNIT_TEST(testImdsTokenReusedAndRenewedOn401);
    CPPUNIT_TEST(testImdsNotFound);
    CPPUNIT_TEST(testImdsDisabled);
    CPPUNIT_TEST(testInstanceRoleCredentials);
    CPPUNIT_TEST(testNoRoleIsNoCredentials);
    CPPUNIT_TEST(testChainIsLazyAndCached);
    CPPUNIT_TEST(testChainRefreshesWithinFiveMinutesOfExpiry);
    CPPUNIT_TEST(testFailedRefreshKeepsValidCredentials);
    CPPUNIT_TEST(testNothingAnywhere);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEnvironmentFirst() {
        ImdsFixture imds;
        TempDir dir;
        dir.write("credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n");
        imds.env["AWS_SHARED_CREDENTIALS_FILE"] = (dir.path() / "credentials").string();
        imds.env["AWS_ACCESS_KEY_ID"] = "ENVKEY";
        imds.env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
        imds.env["AWS_SESSION_TOKEN"] = "envtoken";
        const auto chain = defaultCredentialsChain(mapEnvironment(imds.env), imds.client());
        const auto c = chain->credentials();
        CPPUNIT_ASSERT_EQUAL(std::string("ENVKEY"), c.accessKeyId);
        CPPUNIT_ASSERT_EQUAL(std::string("envsecret"), c.secretAccessKey);
        CPPUNIT_ASSERT_EQUAL(std::string("envtoken"), c.sessionToken);
        CPPUNIT_ASSERT(!c.expiration);
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, imds.server.requestCount());
    }

    void testEnvironmentNeedsBothKeys() {
        CPPUNIT_ASSERT(!environmentCredentials(mapEnvironment({{"AWS_ACCESS_KEY_ID", "K"}})));
        // Empty counts as unset, as in the AWS CLI.
        CPPUNIT_ASSERT(
            !environmentCredentials(mapEnvironment({{"AWS_ACCESS_KEY_ID", "K"}, {"AWS_SECRET_ACCESS_KEY", ""}})));
        const auto c =
            environmentCredentials(mapEnvironment({{"AWS_ACCESS_KEY_ID", "K"}, {"AWS_SECRET_ACCESS_KEY", "S"}}));
        CPPUNIT_ASSERT(c);
        CPPUNIT_ASSERT_EQUAL(std::string(""), c->sessionToken);
    }

    void testSharedCredentialsFileProfiles() {
        TempDir dir;
        const auto file = dir.write("creds", "# comment\n"
                                             "[default]\n"
                                             "aws_access_key_id = DEFAULTKEY\n"
                                             "aws_secret_access_key = defaultsecret\n"
                                             "\n"
                                             "[work]\n"
                                             "aws_access_key_id=WORKKEY\n"
                                             "aws_secret_access_key=worksecret\n"
                                             "aws_session_token=worktoken\n");
        std::map<std::string, std::string> env{{"AWS_SHARED_CREDENTIALS_FILE", file.string()},
                                               {"AWS_CONFIG_FILE", (dir.path() / "none").string()}};
        auto c = profileCredentials(mapEnvironment(env));
        CPPUNIT_ASSERT(c);
        CPPUNIT_ASSERT_EQUAL(std::string("DEFAULTKEY"), c->accessKeyId);
        CPPUNIT_ASSERT_EQUAL(std::string(""), c->sessionToken);
        env["AWS_PROFILE"] = "work";
        c = profileCredentials(mapEnvironment(env));
        CPPUNIT_ASSERT(c);
        CPPUNIT_ASSERT_EQUAL(std::string("WORKKEY"), c->accessKeyId);
        CPPUNIT_ASSERT_EQUAL(std::string("worksecret"), c->secretAccessKey);
        CPPUNIT_ASSERT_EQUAL(std::string("worktoken"), c->sessionToken);
        env["AWS_PROFILE"] = "missing";
        CPPUNIT_ASSERT(!profileCredentials(mapEnvironment(env)));
    }

    void testConfigFileProfileSection() {
        TempDir dir;
        const auto config = dir.write("config", "[default]\n"
                                                "region = eu-west-1\n"
                                                "[profile cfg]\n"
                                                "region = ap-southeast-2\n"
                                                "aws_access_key_id = CFGKEY\n"
                                                "aws_secret_access_key = cfgsecret\n"
                                                "s3 =\n"
                                                "    max_concurrent_requests = 20\n"
                                                "[cfg]\n"
                                                "aws_access_key_id = NOT-IN-CONFIG-FILES\n"
                                                "aws_secret_access_key = no\n");
        std::map<std::string, std::string> env{{"AWS_SHARED_CREDENTIALS_FILE", (dir.path() / "none").string()},
                                               {"AWS_CONFIG_FILE", config.string()},
                                               {"AWS_PROFILE", "cfg"}};
        const auto c = profileCredentials(mapEnvironment(env));
        CPPUNIT_ASSERT(c);
        CPPUNIT_ASSERT_EQUAL(std::string("CFGKEY"), c->accessKeyId);
        CPPUNIT_ASSERT_EQUAL(std::string("ap-southeast-2"), *configFileSetting(mapEnvironment(env), "region"));
        CPPUNIT_ASSERT(!configFileSetting(mapEnvironment(env), "max_concurrent_requests"));
        env.erase("AWS_PROFILE");
        CPPUNIT_ASSERT_EQUAL(std::string("eu-west-1"), *configFileSetting(mapEnvironment(env), "region"));
        CPPUNIT_ASSERT(!profileCredentials(mapEnvironment(env)));
    }

    void testDefaultPathsUnderHome() {
        TempDir home;
        std::filesystem::create_directories(home.path() / ".aws");
        home.write(".aws/credentials", "[default]\naws_access_key_id = HOMEKEY\naws_secret_access_key = s\n");
        const auto env = mapEnvironment({{"HOME", home.path().string()}});
        CPPUNIT_ASSERT_EQUAL((home.path() / ".aws/credentials").string(), sharedCredentialsFilePath(env));
        CPPUNIT_ASSERT_EQUAL((home.path() / ".aws/config").string(), configFilePath(env));
        CPPUNIT_ASSERT_EQUAL(std::string("HOMEKEY"), profileCredentials(env)->accessKeyId);
        const auto tilde =
            mapEnvironment({{"HOME", "/home/x"}, {"AWS_CONFIG_FILE", "~/cfg"}, {"AWS_SHARED_CREDENTIALS_FILE", "/c"}});
        CPPUNIT_ASSERT_EQUAL(std::string("/home/x/cfg"), configFilePath(tilde));
        CPPUNIT_ASSERT_EQUAL(std::string("/c"), sharedCredentialsFilePath(tilde));
    }

    void testIniParsing() {
        const auto ini = parseIni("ignored = before any section\n"
                                  "[ profile   spaced ]\n"
                                  "  Region = us-west-2  \n"
                                  "; comment\n"
                                  "[other]\r\n"
                                  "key=value=with=equals\r\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, ini.size());
        CPPUNIT_ASSERT_EQUAL(std::string("us-west-2"), ini.at("profile spaced").at("region"));
        CPPUNIT_ASSERT_EQUAL(std::string("value=with=equals"), ini.at("other").at("key"));
        CPPUNIT_ASSERT(readIniFile("/nonexistent/file").empty());
    }

    void testImdsTokenComesFirstAndIsSent() {
        ImdsFixture imds;
        const auto client = imds.client();
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, imds.server.requestCount()); // nothing before the first call
        CPPUNIT_ASSERT_EQUAL(std::string("i-0123456789abcdef0"), *client->get("/latest/meta-data/instance-id"));
        const auto requests = imds.server.requests();
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, requests.size());
        CPPUNIT_ASSERT_EQUAL(std::string("PUT"), requests[0].method);
        CPPUNIT_ASSERT_EQUAL(std::string("/latest/api/token"), requests[0].uri);
        CPPUNIT_ASSERT_EQUAL(std::string("21600"), *requests[0].header("X-aws-ec2-metadata-token-ttl-seconds"));
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), requests[1].method);
        CPPUNIT_ASSERT_EQUAL(std::string("token-1"), *requests[1].header("X-aws-ec2-metadata-token"));
    }

    void testImdsTokenReusedAndRenewedOn401() {
        ImdsFixture imds;
        const auto client = imds.client();
        client->get("/latest/meta-data/instance-id");
        client->get("/latest/meta-data/instance-id");
        CPPUNIT_ASSERT_EQUAL(1, imds.fake->tokensIssued);
        // The service forgets its tokens (a restart): the next GET is refused once, then a new token is used.
        {
            std::lock_guard lock(imds.fake->mutex);
            imds.fake->tokensIssued = 10;
        }
        CPPUNIT_ASSERT_EQUAL(std::string("i-0123456789abcdef0"), *client->get("/latest/meta-data/instance-id"));
        CPPUNIT_ASSERT_EQUAL(11, imds.fake->tokensIssued);
    }

    void testImdsNotFound() {
        ImdsFixture imds;
        CPPUNIT_ASSERT(!imds.client()->get("/latest/meta-data/no-such-thing"));
    }

    void testImdsDisabled() {
        ImdsFixture imds;
        imds.env["AWS_EC2_METADATA_DISABLED"] = "TRUE";
        const auto client = imds.client();
        CPPUNIT_ASSERT(client->disabled());
        try {
            client->get("/latest/meta-data/instance-id");
            CPPUNIT_FAIL("disabled IMDS answered");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("NoCredentials"), e.code());
        }
        const auto chain = defaultCredentialsChain(mapEnvironment(imds.env), client);
        try {
            chain->credentials();
            CPPUNIT_FAIL("credentials without any source");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("NoCredentials"), e.code());
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, imds.server.requestCount());
    }

    void testInstanceRoleCredentials() {
        ImdsFixture imds;
        const auto expiration = std::chrono::system_clock::now() + std::chrono::hours(3);
        imds.fake->expiration = expiration;
        const auto c = instanceRoleCredentials(*imds.client());
        CPPUNIT_ASSERT_EQUAL(std::string("ASIAROLE1"), c.accessKeyId);
        CPPUNIT_ASSERT_EQUAL(std::string("rolesecret1"), c.secretAccessKey);
        CPPUNIT_ASSERT_EQUAL(std::string("roletoken1"), c.sessionToken);
        CPPUNIT_ASSERT(c.expiration);
        const auto off = std::chrono::duration_cast<std::chrono::seconds>(*c.expiration - expiration).count();
        CPPUNIT_ASSERT_MESSAGE(std::to_string(off), off >= -1 && off <= 1);
    }

    void testNoRoleIsNoCredentials() {
        ImdsFixture imds;
        imds.fake->role.clear();
        try {
            instanceRoleCredentials(*imds.client());
            CPPUNIT_FAIL("credentials without a role");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("NoCredentials"), e.code());
        }
    }

    void testChainIsLazyAndCached() {
        ImdsFixture imds;
        const auto chain = defaultCredentialsChain(mapEnvironment(imds.env), imds.client());
        CPPUNIT_ASSERT_EQUAL(std::size_t{0}, imds.server.requestCount());
        CPPUNIT_ASSERT_EQUAL(std::string("ASIAROLE1"), chain->credentials().accessKeyId);
        const auto after = imds.server.requestCount();
        CPPUNIT_ASSERT_EQUAL(std::string("ASIAROLE1"), chain->credentials().accessKeyId);
        CPPUNIT_ASSERT_EQUAL(after, imds.server.requestCount());
    }

    void testChainRefreshesWithinFiveMinutesOfExpiry() {
        ImdsFixture imds;
        imds.fake->expiration = std::chrono::system_clock::now() + std::chrono::minutes(4);
        const auto chain = defaultCredentialsChain(mapEnvironment(imds.env), imds.client());
        CPPUNIT_ASSERT_EQUAL(std::string("ASIAROLE1"), chain->credentials().accessKeyId);
        CPPUNIT_ASSERT_EQUAL(std::string("ASIAROLE2"), chain->credentials().accessKeyId);
        {
            std::lock_guard lock(imds.fake->mutex);
            imds.fake->expiration = std::chrono::system_clock::now() + std::chrono::minutes(6);
        }
        CPPUNIT_ASSERT_EQUAL(std::string("ASIAROLE3"), chain->credentials().accessKeyId);
        CPPUNIT_ASSERT_EQUAL(std::string("ASIAROLE3"), chain->credentials().accessKeyId);
        CPPUNIT_ASSERT_EQUAL(3, imds.fake->roleFetches);
    }

    void testFailedRefreshKeepsValidCredentials() {
        ImdsFixture imds;
        imds.fake->expiration = std::chrono::system_clock::now() + std::chrono::minutes(4);
        const auto chain = defaultCredentialsChain(mapEnvironment(imds.env), imds.client());
        CPPUNIT_ASSERT_EQUAL(std::string("ASIAROLE1"), chain->credentials().accessKeyId);
        {
            std::lock_guard lock(imds.fake->mutex);
            imds.fake->failRole = true;
        }
        // The refresh is tried (and fails); the credentials in hand are still good for 4 minutes.
        CPPUNIT_ASSERT_EQUAL(std::string("ASIAROLE1"), chain->credentials().accessKeyId);
        CPPUNIT_ASSERT_EQUAL(2, imds.fake->roleFetches);
    }

    void testNothingAnywhere() {
        // No environment keys, no files, and a metadata endpoint where nothing listens.
        const auto port = maelstrom::testing::freePort();
        const auto env =
            mapEnvironment({{"HOME", "/nonexistent-home"},
                            {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(port)}});
        const auto chain = defaultCredentialsChain(env, std::make_shared<ImdsClient>(env));
        try {
            chain->credentials();
            CPPUNIT_FAIL("credentials from nowhere");
        } catch (const AwsError& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("NoCredentials"), e.code());
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CredentialsTest);
