// sigv4_test.cpp — aws: SigV4 against the published AWS test suite (tests/unit/aws/sigv4-vectors: canonical
// request, string to sign and Authorization of each case, step by step and through signV4), plus the encoders.
// SPDX-License-Identifier: Apache-2.0
#include "aws/sigv4.h"

#include "test_support.h"

#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace maelstrom::aws;

namespace {

const std::string kAccessKey = "AKIDEXAMPLE";
const std::string kSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const std::string kAmzDate = "20150830T123600Z";
const std::string kRegion = "us-east-1";
const std::string kService = "service";
// 2015-08-30T12:36:00Z
const auto kSigningTime = std::chrono::system_clock::from_time_t(1440938160);

std::filesystem::path vectorsDir() { return maelstrom::testing::sourceDir() / "tests/unit/aws/sigv4-vectors"; }

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    CPPUNIT_ASSERT_MESSAGE("cannot read " + path.string(), in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A .req file: "METHOD target HTTP/1.1", header lines "Name:value", a blank line, the body. The target may hold
// a raw space (normalize-path/get-space), so it runs to the last " HTTP/". An indented line continues the header
// before it; the suite's expected canonical request treats it as one more value of that header.
SignableRequest parseReq(const std::string& text) {
    SignableRequest request;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    const auto firstSpace = line.find(' ');
    const auto version = line.rfind(" HTTP/");
    request.method = line.substr(0, firstSpace);
    request.target = line.substr(firstSpace + 1, version - firstSpace - 1);
    while (std::getline(in, line) && !line.empty()) {
        if ((line.front() == ' ' || line.front() == '\t') && !request.headers.empty()) {
            request.headers.emplace_back(request.headers.back().first, line);
            continue;
        }
        const auto colon = line.find(':');
        request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
    std::ostringstream body;
    body << in.rdbuf();
    request.body = body.str();
    return request;
}

struct Vector {
    std::string name; ///< path below the vectors folder, without extension
    std::filesystem::path base;
};

std::vector<Vector> allVectors() {
    std::vector<Vector> out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(vectorsDir())) {
        if (entry.path().extension() == ".req") {
            auto base = entry.path();
            base.replace_extension();
            out.push_back({std::filesystem::relative(base, vectorsDir()).string(), base});
        }
    }
    std::sort(out.begin(), out.end(), [](const Vector& a, const Vector& b) { return a.name < b.name; });
    return out;
}

std::string withExtension(std::filesystem::path base, const std::string& extension) {
    base += extension;
    return readFile(base);
}

} // namespace

class SigV4Test : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SigV4Test);
    CPPUNIT_TEST(testTheSuiteIsThere);
    CPPUNIT_TEST(testCanonicalRequests);
    CPPUNIT_TEST(testStringsToSign);
    CPPUNIT_TEST(testAuthorizationStepByStep);
    CPPUNIT_TEST(testSignV4MatchesTheSuite);
    CPPUNIT_TEST(testSigningKeyOfTheDocumentation);
    CPPUNIT_TEST(testUriEncode);
    CPPUNIT_TEST(testCanonicalUriDoesNotEncodeTwice);
    CPPUNIT_TEST(testCanonicalQuery);
    CPPUNIT_TEST(testSignV4ReplacesAnEarlierSignature);
    CPPUNIT_TEST(testAmzDate);
    CPPUNIT_TEST_SUITE_END();

public:
    void testTheSuiteIsThere() {
        const auto vectors = allVectors();
        CPPUNIT_ASSERT_EQUAL(std::size_t{31}, vectors.size());
    }

    void testCanonicalRequests() {
        for (const auto& v : allVectors()) {
            const auto request = parseReq(withExtension(v.base, ".req"));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(v.name, withExtension(v.base, ".creq"), canonicalRequest(request).text);
        }
    }

    void testStringsToSign() {
        const auto scope = credentialScope(kAmzDate.substr(0, 8), kRegion, kService);
        CPPUNIT_ASSERT_EQUAL(std::string("20150830/us-east-1/service/aws4_request"), scope);
        for (const auto& v : allVectors()) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(v.name, withExtension(v.base, ".sts"),
                                         stringToSign(withExtension(v.base, ".creq"), kAmzDate, scope));
        }
    }

    void testAuthorizationStepByStep() {
        const auto scope = credentialScope("20150830", kRegion, kService);
        const auto key = signingKey(kSecretKey, "20150830", kRegion, kService);
        for (const auto& v : allVectors()) {
            const auto canonical = canonicalRequest(parseReq(withExtension(v.base, ".req")));
            const auto authz = "AWS4-HMAC-SHA256 Credential=" + kAccessKey + "/" + scope +
                               ", SignedHeaders=" + canonical.signedHeaders +
                               ", Signature=" + signature(key, stringToSign(canonical.text, kAmzDate, scope));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(v.name, withExtension(v.base, ".authz"), authz);
        }
    }

    void testSignV4MatchesTheSuite() {
        for (const auto& v : allVectors()) {
            auto request = parseReq(withExtension(v.base, ".req"));
            Credentials credentials{kAccessKey, kSecretKey, "", std::nullopt};
            // post-sts-header-before: the token of the request is the credentials' (signV4 sets it again).
            for (const auto& [name, value] : request.headers) {
                if (name == "X-Amz-Security-Token") {
                    credentials.sessionToken = value;
                }
            }
            signV4(request, credentials, kRegion, kService, kSigningTime);
            std::vector<std::string> authorizations;
            for (const auto& [name, value] : request.headers) {
                if (name == "Authorization") {
                    authorizations.push_back(value);
                }
            }
            CPPUNIT_ASSERT_EQUAL_MESSAGE(v.name, std::size_t{1}, authorizations.size());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(v.name, withExtension(v.base, ".authz"), authorizations.front());
        }
    }

    void testSigningKeyOfTheDocumentation() {
        // The worked example of the SigV4 documentation (IAM, 20120215): its derived key in hex.
        const auto key = signingKey(kSecretKey, "20120215", "us-east-1", "iam");
        static constexpr char kDigits[] = "0123456789abcdef";
        std::string hex;
        for (const unsigned char c : key) {
            hex.push_back(kDigits[c >> 4]);
            hex.push_back(kDigits[c & 0xF]);
        }
        CPPUNIT_ASSERT_EQUAL(std::string("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"), hex);
    }

    void testUriEncode() {
        CPPUNIT_ASSERT_EQUAL(std::string("AZaz09-_.~"), uriEncode("AZaz09-_.~"));
        CPPUNIT_ASSERT_EQUAL(std::string("a%20b%2Bc%2Fd%3D%26%25"), uriEncode("a b+c/d=&%"));
        CPPUNIT_ASSERT_EQUAL(std::string("a/b%20c"), uriEncode("a/b c", false));
        CPPUNIT_ASSERT_EQUAL(std::string("%E1%88%B4"), uriEncode("\xE1\x88\xB4"));
        CPPUNIT_ASSERT_EQUAL(std::string("a b+%zz%4"), percentDecode("a%20b+%zz%4"));
        CPPUNIT_ASSERT_EQUAL(std::string("\xE1\x88\xB4"), percentDecode("%e1%88%B4"));
    }

    void testCanonicalUriDoesNotEncodeTwice() {
        CPPUNIT_ASSERT_EQUAL(std::string("/"), canonicalUri(""));
        CPPUNIT_ASSERT_EQUAL(std::string("/123456789012/my-queue_1.fifo"),
                             canonicalUri("/123456789012/my-queue_1.fifo"));
        CPPUNIT_ASSERT_EQUAL(std::string("/a%20b/"), canonicalUri("/a%20b/"));
        CPPUNIT_ASSERT_EQUAL(std::string("/a%20b/"), canonicalUri("/a b/"));
        CPPUNIT_ASSERT_EQUAL(std::string("/a%2Fb"), canonicalUri("/a%2fb"));
        CPPUNIT_ASSERT_EQUAL(std::string("/b"), canonicalUri("/a/../b"));
    }

    void testCanonicalQuery() {
        CPPUNIT_ASSERT_EQUAL(std::string(""), canonicalQuery(""));
        CPPUNIT_ASSERT_EQUAL(std::string("A=1&B=2&a=3"), canonicalQuery("a=3&B=2&A=1"));
        CPPUNIT_ASSERT_EQUAL(std::string("k=1&k=2"), canonicalQuery("k=2&k=1"));
        CPPUNIT_ASSERT_EQUAL(std::string("flag=&x=a%20b"), canonicalQuery("x=a%20b&flag"));
        CPPUNIT_ASSERT_EQUAL(std::string("plus=%2B&sp=%20"), canonicalQuery("sp=%20&plus=+"));
    }

    void testSignV4ReplacesAnEarlierSignature() {
        // A retried request is signed again: one date, one token, one Authorization, whatever came before.
        SignableRequest request{"POST", "/", {{"Host", "sqs.us-east-1.amazonaws.com"}}, "Action=ListQueues"};
        const Credentials first{"AKIDFIRST", "secret1", "token1", std::nullopt};
        signV4(request, first, "us-east-1", "sqs", kSigningTime);
        const Credentials second{"AKIDSECOND", "secret2", "", std::nullopt};
        signV4(request, second, "us-east-1", "sqs", kSigningTime + std::chrono::seconds(90));
        int dates = 0, tokens = 0, authorizations = 0;
        std::string authorization;
        for (const auto& [name, value] : request.headers) {
            dates += name == "X-Amz-Date" ? 1 : 0;
            tokens += name == "X-Amz-Security-Token" ? 1 : 0;
            if (name == "Authorization") {
                ++authorizations;
                authorization = value;
            }
        }
        CPPUNIT_ASSERT_EQUAL(1, dates);
        CPPUNIT_ASSERT_EQUAL(0, tokens);
        CPPUNIT_ASSERT_EQUAL(1, authorizations);
        CPPUNIT_ASSERT(authorization.find("Credential=AKIDSECOND/20150830/us-east-1/sqs/aws4_request") !=
                       std::string::npos);
        CPPUNIT_ASSERT(authorization.find("SignedHeaders=host;x-amz-date,") != std::string::npos);
    }

    void testAmzDate() {
        CPPUNIT_ASSERT_EQUAL(kAmzDate, amzDate(kSigningTime));
        CPPUNIT_ASSERT_EQUAL(std::string("19700101T000000Z"), amzDate(std::chrono::system_clock::from_time_t(0)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SigV4Test);
