// acme_jws_test.cpp — the ACME client's cryptography: base64url (RFC 4648 vectors), the RFC 7638 thumbprint example,
// the P-256 JWK against the openssl tool's view of the same key, ES256 signatures checked by `openssl dgst -verify`
// (independent of our r||s conversion), flattened JWS objects, certificate requests read back by OpenSSL, leaf
// inspection, and the client's offline parts (key authorization, configuration errors).
// SPDX-License-Identifier: Apache-2.0
#include "tls/acme_client.h"
#include "tls/acme_jws.h"

#include "test_support.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cppunit/extensions/HelperMacros.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <sstream>

using namespace maelstrom::core::tls;
using maelstrom::testing::runProcess;
using maelstrom::testing::TempDir;

namespace {

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

Poco::JSON::Object::Ptr parse(const std::string& json) {
    return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

/// DER of an ECDSA-Sig-Value from the JWS form r||s, written by hand (so the check does not reuse the library's
/// conversion).
std::string derSignature(const std::string& raw) {
    auto integer = [](std::string bytes) {
        while (bytes.size() > 1 && bytes[0] == '\0' && !(static_cast<unsigned char>(bytes[1]) & 0x80)) {
            bytes.erase(0, 1);
        }
        if (static_cast<unsigned char>(bytes[0]) & 0x80) {
            bytes.insert(0, 1, '\0');
        }
        return std::string{'\x02', static_cast<char>(bytes.size())} + bytes;
    };
    const std::string body = integer(raw.substr(0, 32)) + integer(raw.substr(32, 32));
    return std::string{'\x30', static_cast<char>(body.size())} + body;
}

std::string hostnamesOf(X509_EXTENSIONS* extensions) {
    auto* names = static_cast<GENERAL_NAMES*>(X509V3_get_d2i(extensions, NID_subject_alt_name, nullptr, nullptr));
    std::string out;
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
            out += (out.empty() ? "" : ",") +
                   std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                               static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

} // namespace

class AcmeJwsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AcmeJwsTest);
    CPPUNIT_TEST(testBase64UrlVectors);
    CPPUNIT_TEST(testBase64UrlRoundTrip);
    CPPUNIT_TEST(testRfc7638Thumbprint);
    CPPUNIT_TEST(testJwkMatchesOpensslPublicKey);
    CPPUNIT_TEST(testPemRoundTripKeepsTheKey);
    CPPUNIT_TEST(testOnlyP256KeysAreAccepted);
    CPPUNIT_TEST(testEs256VerifiedByOpensslTool);
    CPPUNIT_TEST(testJwsObject);
    CPPUNIT_TEST(testCsrReadBackByOpenssl);
    CPPUNIT_TEST(testInspectLeaf);
    CPPUNIT_TEST(testClientOfflineParts);
    CPPUNIT_TEST(testProblemDocuments);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBase64UrlVectors() {
        // RFC 4648 §10, without padding, and the URL alphabet's two characters.
        const std::vector<std::pair<std::string, std::string>> vectors = {
            {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
            {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
        for (const auto& [plain, encoded] : vectors) {
            CPPUNIT_ASSERT_EQUAL(encoded, base64Url(plain));
            CPPUNIT_ASSERT_EQUAL(plain, base64UrlDecode(encoded));
        }
        CPPUNIT_ASSERT_EQUAL(std::string("foob"), base64UrlDecode("Zm9vYg=="));
        CPPUNIT_ASSERT_THROW(base64UrlDecode("Zm9v+g"), AcmeCryptoError);
    }

    void testBase64UrlRoundTrip() {
        std::string bytes;
        for (int length = 0; length < 70; ++length) {
            CPPUNIT_ASSERT_EQUAL(bytes, base64UrlDecode(base64Url(bytes)));
            CPPUNIT_ASSERT(base64Url(bytes).find_first_of("+/=") == std::string::npos);
            bytes += static_cast<char>((length * 37 + 11) & 0xff);
        }
    }

    void testRfc7638Thumbprint() {
        // RFC 7638 §3.1: the example RSA key's thumbprint.
        const std::string n =
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
            "BJECPebWKRXjBZCiFV4n"
            "3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
            "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zg"
            "dAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
            "Cur-kEgU8awapJzKnqDKgw";
        CPPUNIT_ASSERT_EQUAL(std::string("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"),
                             jwkThumbprint({{"n", n}, {"kty", "RSA"}, {"e", "AQAB"}}));
    }

    void testJwkMatchesOpensslPublicKey() {
        const EcKey key = EcKey::generate();
        const auto jwk = parse(key.jwkJson());
        CPPUNIT_ASSERT_EQUAL(std::string("EC"), jwk->getValue<std::string>("kty"));
        CPPUNIT_ASSERT_EQUAL(std::string("P-256"), jwk->getValue<std::string>("crv"));
        const std::string x = base64UrlDecode(jwk->getValue<std::string>("x"));
        const std::string y = base64UrlDecode(jwk->getValue<std::string>("y"));
        CPPUNIT_ASSERT_EQUAL(std::size_t{32}, x.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t{32}, y.size());
        // RFC 7638 form: exactly these members, sorted, no whitespace; the thumbprint is over that text.
        CPPUNIT_ASSERT_EQUAL("{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + base64Url(x) + "\",\"y\":\"" +
                                 base64Url(y) + "\"}",
                             key.jwkJson());
        CPPUNIT_ASSERT_EQUAL(jwkThumbprint({{"kty", "EC"}, {"crv", "P-256"}, {"x", base64Url(x)}, {"y", base64Url(y)}}),
                             key.thumbprint());

        // The openssl tool's uncompressed point (the DER SubjectPublicKeyInfo ends with 04 || x || y).
        TempDir dir;
        const auto keyFile = dir.write("key.pem", key.pem());
        const auto der = dir.path() / "pub.der";
        const auto result = runProcess(
            {"openssl", "pkey", "-in", keyFile.string(), "-pubout", "-outform", "DER", "-out", der.string()});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.err, 0, result.exitCode);
        const std::string spki = readFile(der);
        CPPUNIT_ASSERT(spki.size() > 65);
        CPPUNIT_ASSERT_EQUAL('\x04', spki[spki.size() - 65]);
        CPPUNIT_ASSERT(spki.substr(spki.size() - 64) == x + y);
    }

    void testPemRoundTripKeepsTheKey() {
        const EcKey key = EcKey::generate();
        const std::string pem = key.pem();
        CPPUNIT_ASSERT(pem.find("-----BEGIN PRIVATE KEY-----") == 0);
        CPPUNIT_ASSERT_EQUAL(key.jwkJson(), EcKey::fromPem(pem).jwkJson());
        CPPUNIT_ASSERT(key.jwkJson() != EcKey::generate().jwkJson());

        // A SEC1 ("EC PRIVATE KEY") file from the openssl tool is read too.
        TempDir dir;
        const auto file = dir.path() / "sec1.pem";
        const auto result =
            runProcess({"openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file.string()});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.err, 0, result.exitCode);
        const std::string sec1 = readFile(file);
        CPPUNIT_ASSERT(sec1.find("EC PRIVATE KEY") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::size_t{43}, EcKey::fromPem(sec1).thumbprint().size());
    }

    void testOnlyP256KeysAreAccepted() {
        TempDir dir;
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"},
                 {"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}}) {
            auto argv = args;
            argv.insert(argv.end(), {"-out", (dir.path() / "other.pem").string()});
            const auto result = runProcess(argv);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(result.err, 0, result.exitCode);
            try {
                EcKey::fromPem(readFile(dir.path() / "other.pem"));
                CPPUNIT_FAIL("accepted a key that is not P-256");
            } catch (const AcmeCryptoError& e) {
                CPPUNIT_ASSERT_EQUAL(std::string("the private key is not an EC P-256 key"), std::string(e.what()));
            }
        }
        CPPUNIT_ASSERT_THROW(EcKey::fromPem("not a key"), AcmeCryptoError);
    }

    void testEs256VerifiedByOpensslTool() {
        const EcKey key = EcKey::generate();
        TempDir dir;
        const auto keyFile = dir.write("key.pem", key.pem());
        const auto pub = dir.path() / "pub.pem";
        auto result = runProcess({"openssl", "pkey", "-in", keyFile.string(), "-pubout", "-out", pub.string()});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.err, 0, result.exitCode);
        // Several signatures, so that r or s with a leading zero byte or the high bit set come up.
        for (int i = 0; i < 8; ++i) {
            const std::string data = "eyJhbGciOiJFUzI1NiJ9." + base64Url("payload " + std::to_string(i));
            const std::string signature = key.signEs256(data);
            CPPUNIT_ASSERT_EQUAL(std::size_t{64}, signature.size());
            CPPUNIT_ASSERT(verifyEs256(key, data, signature));
            std::string tampered = signature;
            tampered[5] = static_cast<char>(tampered[5] ^ 1);
            CPPUNIT_ASSERT(!verifyEs256(key, data, tampered));
            CPPUNIT_ASSERT(!verifyEs256(key, data + "x", signature));

            const auto dataFile = dir.write("data", data);
            const auto sigFile = dir.write("sig.der", derSignature(signature));
            result = runProcess({"openssl", "dgst", "-sha256", "-verify", pub.string(), "-signature", sigFile.string(),
                                 dataFile.string()});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(result.out + result.err, 0, result.exitCode);
            CPPUNIT_ASSERT(result.out.find("Verified OK") != std::string::npos);
        }
    }

    void testJwsObject() {
        const EcKey key = EcKey::generate();
        const std::string header = R"({"alg":"ES256","nonce":"abc","url":"https://127.0.0.1:14000/x","kid":"k"})";
        const auto jws = parse(jwsEs256(key, header, R"({"a":1})"));
        const std::string protected64 = jws->getValue<std::string>("protected");
        const std::string payload64 = jws->getValue<std::string>("payload");
        CPPUNIT_ASSERT_EQUAL(header, base64UrlDecode(protected64));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":1})"), base64UrlDecode(payload64));
        CPPUNIT_ASSERT(
            verifyEs256(key, protected64 + "." + payload64, base64UrlDecode(jws->getValue<std::string>("signature"))));
        // POST-as-GET: an empty payload, still signed.
        const auto asGet = parse(jwsEs256(key, header, ""));
        CPPUNIT_ASSERT_EQUAL(std::string(), asGet->getValue<std::string>("payload"));
        CPPUNIT_ASSERT(verifyEs256(key, asGet->getValue<std::string>("protected") + ".",
                                   base64UrlDecode(asGet->getValue<std::string>("signature"))));
    }

    void testCsrReadBackByOpenssl() {
        const EcKey key = EcKey::generate();
        const std::string der = makeCsrDer(key, {"a.maelstrom.test", "b.maelstrom.test"});
        const auto* p = reinterpret_cast<const unsigned char*>(der.data());
        std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(
            d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())), X509_REQ_free);
        CPPUNIT_ASSERT(req);
        CPPUNIT_ASSERT_EQUAL(1, X509_REQ_verify(req.get(), key.get()));
        CPPUNIT_ASSERT_EQUAL(1, EVP_PKEY_eq(X509_REQ_get0_pubkey(req.get()), key.get()));
        X509_EXTENSIONS* extensions = X509_REQ_get_extensions(req.get());
        CPPUNIT_ASSERT_EQUAL(std::string("a.maelstrom.test,b.maelstrom.test"), hostnamesOf(extensions));
        sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
        std::array<char, 128> cn{};
        X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, cn.data(), cn.size());
        CPPUNIT_ASSERT_EQUAL(std::string("a.maelstrom.test"), std::string(cn.data()));

        // A first name too long for a CN: SANs only, no CN.
        const std::string longName = std::string(70, 'x') + ".maelstrom.test";
        const std::string der2 = makeCsrDer(key, {longName});
        p = reinterpret_cast<const unsigned char*>(der2.data());
        req.reset(d2i_X509_REQ(nullptr, &p, static_cast<long>(der2.size())));
        CPPUNIT_ASSERT(req);
        CPPUNIT_ASSERT_EQUAL(0, X509_NAME_entry_count(X509_REQ_get_subject_name(req.get())));
        CPPUNIT_ASSERT_THROW(makeCsrDer(key, {}), AcmeCryptoError);
    }

    void testInspectLeaf() {
        TempDir dir;
        const EcKey key = EcKey::generate();
        const auto keyFile = dir.write("key.pem", key.pem());
        const auto cert = dir.path() / "cert.pem";
        const auto result = runProcess(
            {"openssl", "req", "-x509", "-key", keyFile.string(), "-days", "10", "-subj", "/O=Test Org/CN=Test Issuer",
             "-addext", "subjectAltName=DNS:a.example,DNS:b.example,IP:1.2.3.4", "-out", cert.string()});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(result.err, 0, result.exitCode);
        const std::string chain = readFile(cert);
        const LeafInfo leaf = inspectLeaf(chain, &key);
        CPPUNIT_ASSERT_EQUAL(std::string("CN=Test Issuer,O=Test Org"), leaf.issuer);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, leaf.dnsNames.size());
        CPPUNIT_ASSERT_EQUAL(std::string("b.example"), leaf.dnsNames[1]);
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        CPPUNIT_ASSERT(leaf.notBefore <= now && leaf.notBefore > now - 3600);
        CPPUNIT_ASSERT(leaf.notAfter > now + 9 * 86400 && leaf.notAfter <= now + 10 * 86400 + 60);

        const EcKey other = EcKey::generate();
        try {
            inspectLeaf(chain, &other);
            CPPUNIT_FAIL("accepted a key that is not the certificate's");
        } catch (const AcmeCryptoError& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("does not belong to the requested key") != std::string::npos);
        }
        CPPUNIT_ASSERT_THROW(inspectLeaf("garbage"), AcmeCryptoError);
    }

    void testClientOfflineParts() {
        AcmeSettings settings;
        settings.directoryUrl = "https://127.0.0.1:14000/dir";
        AcmeClient client(settings, "");
        CPPUNIT_ASSERT(client.accountKeyPem().find("BEGIN PRIVATE KEY") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(EcKey::fromPem(client.accountKeyPem()).thumbprint(), client.thumbprint());
        CPPUNIT_ASSERT_EQUAL("tok-1." + client.thumbprint(), client.keyAuthorization("tok-1"));
        CPPUNIT_ASSERT_EQUAL(std::string(), client.accountUrl());

        // The same key back from its PEM.
        AcmeClient again(settings, client.accountKeyPem());
        CPPUNIT_ASSERT_EQUAL(client.thumbprint(), again.thumbprint());
        CPPUNIT_ASSERT_EQUAL(client.accountKeyPem(), again.accountKeyPem());

        auto errorOf = [](const AcmeSettings& s, const std::string& key) {
            try {
                AcmeClient bad(s, key);
            } catch (const AcmeError& e) {
                return std::string(e.what());
            }
            return std::string("no error");
        };
        AcmeSettings plain = settings;
        plain.directoryUrl = "http://127.0.0.1:14000/dir";
        CPPUNIT_ASSERT_EQUAL(std::string("ACME URL 'http://127.0.0.1:14000/dir' is not an https:// URL"),
                             errorOf(plain, ""));
        plain.directoryUrl = "https://127.0.0.1:99999/dir";
        CPPUNIT_ASSERT_EQUAL(std::string("ACME URL 'https://127.0.0.1:99999/dir' has an invalid port"),
                             errorOf(plain, ""));
        AcmeSettings missingCa = settings;
        missingCa.caFile = "/nonexistent/ca.pem";
        CPPUNIT_ASSERT(errorOf(missingCa, "").find("cannot read the ACME CA file /nonexistent/ca.pem") == 0);
        CPPUNIT_ASSERT(errorOf(settings, "junk").rfind("ACME account key: unreadable PEM private key", 0) == 0);

        // Names are checked before anything is sent: a wildcard needs DNS-01.
        try {
            client.newOrder({"*.maelstrom.test"});
            CPPUNIT_FAIL("ordered a wildcard name");
        } catch (const AcmeError& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("wildcard names need DNS-01") != std::string::npos);
        }
        CPPUNIT_ASSERT_THROW(client.newOrder({"bad name.example"}), AcmeError);
        CPPUNIT_ASSERT_THROW(client.newOrder({}), AcmeError);
    }

    void testProblemDocuments() {
        // A rate limit (Let's Encrypt's wording) with Retry-After in seconds.
        AcmeClient::Response response;
        response.status = 429;
        response.headers["content-type"] = "application/problem+json";
        response.headers["retry-after"] = "3600";
        response.body = R"({"type":"urn:ietf:params:acme:error:rateLimited","status":429,)"
                        R"("detail":"too many certificates (5) already issued for this exact set of identifiers"})";
        AcmeError error = acmeProblem(response, "ACME order for a.example");
        CPPUNIT_ASSERT(error.rateLimited());
        CPPUNIT_ASSERT_EQUAL(std::string("urn:ietf:params:acme:error:rateLimited"), error.type);
        CPPUNIT_ASSERT_EQUAL(429, error.status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{3600}, error.retryAfter);
        CPPUNIT_ASSERT_EQUAL(std::string("ACME order for a.example: too many certificates (5) already issued for this "
                                         "exact set of identifiers (rateLimited, HTTP 429); retry after 3600 s"),
                             std::string(error.what()));

        // Retry-After as an HTTP date.
        response.headers["retry-after"] = Poco::DateTimeFormatter::format(
            Poco::Timestamp() + 120 * Poco::Timestamp::resolution(), Poco::DateTimeFormat::HTTP_FORMAT);
        error = acmeProblem(response, "x");
        CPPUNIT_ASSERT_MESSAGE(std::to_string(error.retryAfter), error.retryAfter >= 117 && error.retryAfter <= 120);

        // A compound problem names each identifier's cause.
        response = {};
        response.status = 400;
        response.body =
            R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"Error creating new order",)"
            R"("subproblems":[{"type":"urn:ietf:params:acme:error:malformed","detail":"Invalid underscore",)"
            R"("identifier":{"type":"dns","value":"a_b.example"}}]})";
        error = acmeProblem(response, "ACME order for a_b.example");
        CPPUNIT_ASSERT(!error.rateLimited());
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, error.retryAfter);
        CPPUNIT_ASSERT_EQUAL(std::string("ACME order for a_b.example: Error creating new order; a_b.example: Invalid "
                                         "underscore (rejectedIdentifier, HTTP 400)"),
                             std::string(error.what()));

        // Not a problem document: the status and the start of the body, on one line.
        response = {};
        response.status = 502;
        response.body = "<html>\n<h1>Bad Gateway</h1>\n</html>";
        error = acmeProblem(response, "ACME directory https://acme.example/dir");
        CPPUNIT_ASSERT_EQUAL(std::string(), error.type);
        CPPUNIT_ASSERT_EQUAL(502, error.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string("ACME directory https://acme.example/dir: HTTP 502 <html> <h1>Bad Gateway</h1> "
                        "</html>"),
            std::string(error.what()));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AcmeJwsTest);
