// docker_unit_test.cpp — the docker plugin's pure functions, without a daemon.
// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include "container_config.h"
#include "docker_runtime.h"
#include "engine_client.h"
#include "event_stream.h"
#include "image_puller.h"
#include "log_reader.h"
#include "pruner.h"
#include "stream_framing.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

using namespace maelstrom::plugins::docker;
namespace sdk = maelstrom::sdk;

namespace {

std::string frame(int stream, const std::string& payload) {
    std::string h(8, '\0');
    h[0] = static_cast<char>(stream);
    auto n = static_cast<std::uint32_t>(payload.size());
    h[4] = static_cast<char>(n >> 24);
    h[5] = static_cast<char>(n >> 16);
    h[6] = static_cast<char>(n >> 8);
    h[7] = static_cast<char>(n);
    return h + payload;
}

sdk::ContainerSpec spec() {
    sdk::ContainerSpec s;
    s.component.name = "web";
    s.component.projectName = "proj";
    s.component.version = 9;
    s.component.environment = {{"A", "1"}, {"MAELSTROM_X", "dropped"}, {"B", "2"}};
    s.component.docker = sdk::DockerComponent{};
    s.component.docker->image = "img:1";
    s.component.docker->httpPort = 8080;
    s.privateUrl = "http://172.17.0.1:8374";
    s.extraLabels = {{"extra", "yes"}, {"maelstrom", "false"}};
    return s;
}

} // namespace

class DockerUnitTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DockerUnitTest);
    CPPUNIT_TEST(testPortSpecs);
    CPPUNIT_TEST(testUlimits);
    CPPUNIT_TEST(testEnvironmentAndLabels);
    CPPUNIT_TEST(testCreateBodyDefaults);
    CPPUNIT_TEST(testCreateBodyPublishing);
    CPPUNIT_TEST(testCreateBodyRejects);
    CPPUNIT_TEST(testMuxDecoderAcrossChunks);
    CPPUNIT_TEST(testLineSplitter);
    CPPUNIT_TEST(testKeepGlobs);
    CPPUNIT_TEST(testImageReferences);
    CPPUNIT_TEST(testRegistryAuth);
    CPPUNIT_TEST(testEngineAddress);
    CPPUNIT_TEST(testErrorMapping);
    CPPUNIT_TEST(testPullErrorMapping);
    CPPUNIT_TEST(testEvents);
    CPPUNIT_TEST(testTimes);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPortSpecs() {
        CPPUNIT_ASSERT((parsePortSpec("80") == std::vector<PortMapping>{{"80/tcp", "", ""}}));
        CPPUNIT_ASSERT((parsePortSpec("6001:6001") == std::vector<PortMapping>{{"6001/tcp", "", "6001"}}));
        CPPUNIT_ASSERT(
            (parsePortSpec("127.0.0.1:80:8080/tcp") == std::vector<PortMapping>{{"8080/tcp", "127.0.0.1", "80"}}));
        CPPUNIT_ASSERT((parsePortSpec("127.0.0.1::53/udp") == std::vector<PortMapping>{{"53/udp", "127.0.0.1", ""}}));
        CPPUNIT_ASSERT((parsePortSpec("[::1]:80:80") == std::vector<PortMapping>{{"80/tcp", "::1", "80"}}));
        CPPUNIT_ASSERT((parsePortSpec("8000-8001:80-81") ==
                        std::vector<PortMapping>{{"80/tcp", "", "8000"}, {"81/tcp", "", "8001"}}));
        CPPUNIT_ASSERT((parsePortSpec("8000-8010:80") == std::vector<PortMapping>{{"80/tcp", "", "8000-8010"}}));
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), parsePortSpec("7000-7002").size());
        for (const char* bad : {"", "x", "0", "70000", "1:2:3:4", "80/xyz", "8000-8002:80-81", "9-1", "a:80"}) {
            CPPUNIT_ASSERT_THROW_MESSAGE(bad, parsePortSpec(bad), sdk::InvalidInput);
        }
    }

    void testUlimits() {
        CPPUNIT_ASSERT((parseUlimit("nofile=1024:2048") == Ulimit{"nofile", 1024, 2048}));
        CPPUNIT_ASSERT((parseUlimit("nproc=512") == Ulimit{"nproc", 512, 512}));
        CPPUNIT_ASSERT((parseUlimit("core=-1") == Ulimit{"core", -1, -1}));
        for (const char* bad : {"nofile", "nofile:1:2", "bogus=1", "nofile=x", "nofile=10:5", "nofile=1:y"}) {
            CPPUNIT_ASSERT_THROW_MESSAGE(bad, parseUlimit(bad), sdk::InvalidInput);
        }
    }

    void testEnvironmentAndLabels() {
        auto env = containerEnvironment(spec());
        std::vector<std::string> expected{"A=1",
                                          "B=2",
                                          "MAELSTROM_PRIVATE_URL=http://172.17.0.1:8374",
                                          "MAELSTROM_COMPONENT_NAME=web",
                                          "MAELSTROM_COMPONENT_VERSION=9",
                                          "MAELSTROM_PROJECT_NAME=proj"};
        CPPUNIT_ASSERT(env == expected);
        auto labels = containerLabels(spec());
        CPPUNIT_ASSERT_EQUAL(std::string("true"), labels["maelstrom"]); // managed labels win over extra ones
        CPPUNIT_ASSERT_EQUAL(std::string("web"), labels["maelstrom_component"]);
        CPPUNIT_ASSERT_EQUAL(std::string("9"), labels["maelstrom_version"]);
        CPPUNIT_ASSERT_EQUAL(std::string("8080"), labels[kLabelHttpPort]);
        CPPUNIT_ASSERT_EQUAL(std::string("yes"), labels["extra"]);
    }

    void testCreateBodyDefaults() {
        auto body = containerCreateBody(spec(), AddressMode::Published);
        CPPUNIT_ASSERT_EQUAL(std::string("img:1"), body->getValue<std::string>("Image"));
        CPPUNIT_ASSERT(!body->has("Cmd") && !body->has("Entrypoint") && !body->has("Hostname") && !body->has("User"));
        auto host = body->getObject("HostConfig");
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(128) << 20, host->getValue<Poco::Int64>("MemoryReservation"));
        for (const char* absent :
             {"Memory", "Init", "CpuShares", "LogConfig", "Mounts", "CapAdd", "CapDrop", "Dns", "DnsOptions",
              "DnsSearch", "Ulimits", "NetworkMode", "RestartPolicy", "AutoRemove"}) {
            CPPUNIT_ASSERT_MESSAGE(absent, !host->has(absent));
        }
        auto s = spec();
        s.component.docker->logDriver = "maelstrom"; // the pseudo driver keeps Docker's default logging
        CPPUNIT_ASSERT(!containerCreateBody(s, AddressMode::Published)->getObject("HostConfig")->has("LogConfig"));
        s.component.docker->volumes = {{"", "/src", "/dst", false}};
        auto mounts = containerCreateBody(s, AddressMode::Published)->getObject("HostConfig")->getArray("Mounts");
        CPPUNIT_ASSERT_EQUAL(std::string("bind"), mounts->getObject(0)->getValue<std::string>("Type"));
    }

    void testCreateBodyPublishing() {
        auto host = containerCreateBody(spec(), AddressMode::Published)->getObject("HostConfig");
        auto b = host->getObject("PortBindings")->getArray("8080/tcp")->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), b->getValue<std::string>("HostIp"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), b->getValue<std::string>("HostPort"));
        // container-ip: nothing published, the port is only exposed.
        auto body = containerCreateBody(spec(), AddressMode::ContainerIp);
        CPPUNIT_ASSERT(!body->getObject("HostConfig")->has("PortBindings"));
        CPPUNIT_ASSERT(body->getObject("ExposedPorts")->has("8080/tcp"));
        // A user binding of httpPort wins; host networking publishes nothing.
        auto s = spec();
        s.component.docker->ports = {"0.0.0.0:9000:8080"};
        b = containerCreateBody(s, AddressMode::Published)
                ->getObject("HostConfig")
                ->getObject("PortBindings")
                ->getArray("8080/tcp")
                ->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("9000"), b->getValue<std::string>("HostPort"));
        s = spec();
        s.component.docker->networkName = "host";
        CPPUNIT_ASSERT(!containerCreateBody(s, AddressMode::Published)->getObject("HostConfig")->has("PortBindings"));
        // A later mapping of the same container port replaces an earlier one.
        s = spec();
        s.component.docker->ports = {"7000:70", "7001:70"};
        b = containerCreateBody(s, AddressMode::Published)
                ->getObject("HostConfig")
                ->getObject("PortBindings")
                ->getArray("70/tcp")
                ->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("7001"), b->getValue<std::string>("HostPort"));
    }

    void testCreateBodyRejects() {
        auto s = spec();
        s.component.docker.reset();
        CPPUNIT_ASSERT_THROW(containerCreateBody(s, AddressMode::Published), sdk::InvalidInput);
        s = spec();
        s.component.docker->image.clear();
        CPPUNIT_ASSERT_THROW(containerCreateBody(s, AddressMode::Published), sdk::InvalidInput);
        s = spec();
        s.component.docker->ulimits = {"nofile:1:2"};
        try {
            containerCreateBody(s, AddressMode::Published);
            CPPUNIT_FAIL("no exception");
        } catch (const sdk::InvalidInput& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("component 'web'") != std::string::npos);
        }
    }

    void testMuxDecoderAcrossChunks() {
        std::string data = frame(1, "hello ") + frame(2, "oops\n") + frame(1, "world\n") + frame(1, "");
        // Fed one byte at a time, the frames come out whole and in order.
        std::vector<std::pair<StreamId, std::string>> frames;
        MuxDecoder d([&](StreamId id, std::string_view p) { frames.emplace_back(id, std::string(p)); });
        for (char c : data)
            d.feed(std::string_view(&c, 1));
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), frames.size());
        CPPUNIT_ASSERT(frames[0].first == StreamId::Stdout && frames[0].second == "hello ");
        CPPUNIT_ASSERT(frames[1].first == StreamId::Stderr && frames[1].second == "oops\n");
        CPPUNIT_ASSERT(!d.partial());
        CPPUNIT_ASSERT_EQUAL(std::string("hello oops\nworld\n"), demultiplexAll(data));
        MuxDecoder t([](StreamId, std::string_view) {});
        t.feed(data.substr(0, 10));
        CPPUNIT_ASSERT(t.partial());
    }

    void testLineSplitter() {
        std::vector<std::string> lines;
        LineSplitter s([&](std::string_view l) { lines.emplace_back(l); });
        s.feed("a\nb");
        s.feed("c\r\n\n");
        s.feed("tail");
        s.finish();
        CPPUNIT_ASSERT((lines == std::vector<std::string>{"a", "bc", "", "tail"}));
    }

    void testKeepGlobs() {
        CPPUNIT_ASSERT(matchesKeepGlob("anything:1", "*"));
        CPPUNIT_ASSERT(matchesKeepGlob("mycorp/hr:1", "mycorp/*"));
        CPPUNIT_ASSERT(!matchesKeepGlob("other/hr:1", "mycorp/*"));
        CPPUNIT_ASSERT(matchesKeepGlob("mycorp/hr:latest", "*:latest"));
        CPPUNIT_ASSERT(!matchesKeepGlob("mycorp/hr:1", "*:latest"));
        CPPUNIT_ASSERT(matchesKeepGlob("a/keep-me:2", "*keep*"));
        CPPUNIT_ASSERT(matchesKeepGlob("exact:1", "exact:1"));
        CPPUNIT_ASSERT(!matchesKeepGlob("exact:12", "exact:1"));
        CPPUNIT_ASSERT(!matchesKeepGlob("a:1", "a?1"));
    }

    void testImageReferences() {
        auto r = splitImageReference("127.0.0.1:5000/team/app:2");
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:5000/team/app"), r.repository);
        CPPUNIT_ASSERT_EQUAL(std::string("2"), r.tag);
        r = splitImageReference("127.0.0.1:5000/team/app");
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:5000/team/app"), r.repository);
        CPPUNIT_ASSERT_EQUAL(std::string("latest"), r.tag);
        r = splitImageReference("app@sha256:abc");
        CPPUNIT_ASSERT_EQUAL(std::string("app"), r.repository);
        CPPUNIT_ASSERT_EQUAL(std::string("sha256:abc"), r.digest);
        CPPUNIT_ASSERT_EQUAL(std::string(""), r.tag);
        CPPUNIT_ASSERT_EQUAL(std::string("mycorp/hr:latest"), normalizeImage("mycorp/hr"));
        CPPUNIT_ASSERT_EQUAL(std::string("mycorp/hr:1"), normalizeImage("mycorp/hr:1"));
        CPPUNIT_ASSERT_EQUAL(std::string("docker pull x:1 && echo x:1"),
                             substituteImage("docker pull <image> && echo <image>", "x:1"));
    }

    void testRegistryAuth() {
        std::string header = registryAuthHeader("user", "p?ss>>");
        CPPUNIT_ASSERT(header.find('+') == std::string::npos && header.find('/') == std::string::npos);
        CPPUNIT_ASSERT(header.find('\n') == std::string::npos);
        std::istringstream in(header);
        Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING);
        std::string json((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
        Poco::JSON::Parser parser;
        auto o = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
        CPPUNIT_ASSERT_EQUAL(std::string("user"), o->getValue<std::string>("username"));
        CPPUNIT_ASSERT_EQUAL(std::string("p?ss>>"), o->getValue<std::string>("password"));
    }

    void testEngineAddress() {
        auto a = parseEngineAddress("unix:///var/run/docker.sock");
        CPPUNIT_ASSERT(a.unixSocket);
        CPPUNIT_ASSERT_EQUAL(std::string("/var/run/docker.sock"), a.path);
        a = parseEngineAddress("tcp://127.0.0.1:2375");
        CPPUNIT_ASSERT(!a.unixSocket);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), a.host);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t(2375), a.port);
        a = parseEngineAddress("tcp://[::1]:2375/");
        CPPUNIT_ASSERT_EQUAL(std::string("::1"), a.host);
        for (const char* bad : {"", "docker.sock", "unix://relative", "tcp://host", "tcp://host:0", "ssh://x:1"}) {
            CPPUNIT_ASSERT_THROW_MESSAGE(bad, parseEngineAddress(bad), sdk::InvalidConfig);
        }
        CPPUNIT_ASSERT(compareApiVersions("1.9", "1.41") < 0);
        CPPUNIT_ASSERT(compareApiVersions("1.41", "1.41") == 0);
        CPPUNIT_ASSERT(compareApiVersions("1.43", "1.41") > 0);
        CPPUNIT_ASSERT_EQUAL(std::string("a%2Fb%3A1"), urlEncode("a/b:1"));
    }

    void testErrorMapping() {
        auto message = [](int status, const std::string& body) {
            try {
                throwEngineError(status, body, "do X to container c1");
            } catch (const sdk::NotFound& e) {
                return "NotFound|" + std::string(e.what());
            } catch (const sdk::AlreadyExists& e) {
                return "AlreadyExists|" + std::string(e.what());
            } catch (const sdk::InvalidInput& e) {
                return "InvalidInput|" + std::string(e.what());
            } catch (const sdk::Unavailable& e) {
                return "Unavailable|" + std::string(e.what());
            } catch (const sdk::PluginError& e) {
                return "PluginError|" + std::string(e.what());
            }
            return std::string("none");
        };
        CPPUNIT_ASSERT_EQUAL(std::string("NotFound|docker: do X to container c1: No such container: c1 (HTTP 404)"),
                             message(404, R"({"message":"No such container: c1"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("AlreadyExists|docker: do X to container c1: Conflict. The container name "
                                         "\"/n\" is already in use (HTTP 409)"),
                             message(409, R"({"message":"Conflict. The container name \"/n\" is already in use"})"));
        CPPUNIT_ASSERT(message(409, R"({"message":"removal in progress"})").rfind("PluginError|", 0) == 0);
        CPPUNIT_ASSERT(message(400, R"({"message":"bad"})").rfind("InvalidInput|", 0) == 0);
        CPPUNIT_ASSERT(message(503, "down").rfind("Unavailable|docker: do X to container c1: down", 0) == 0);
        CPPUNIT_ASSERT(message(500, "").find("no message") != std::string::npos);
    }

    void testPullErrorMapping() {
        CPPUNIT_ASSERT_THROW(throwPullError("i", "Get \"http://r/v2/\": unauthorized: authentication required"),
                             sdk::PluginError);
        CPPUNIT_ASSERT_THROW(throwPullError("i", "manifest for r/i:x not found: manifest unknown"), sdk::NotFound);
        CPPUNIT_ASSERT_THROW(throwPullError("i", "dial tcp 127.0.0.1:1: connect: connection refused"),
                             sdk::Unavailable);
        try {
            throwPullError("r/i:1", "pull access denied for r/i");
        } catch (const sdk::NotFound&) {
            CPPUNIT_FAIL("denied is not NotFound");
        } catch (const sdk::PluginError& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("'r/i:1'") != std::string::npos);
            CPPUNIT_ASSERT(std::string(e.what()).find("pull denied") != std::string::npos);
        }
    }

    void testEvents() {
        Poco::JSON::Parser parser;
        auto parse = [&](const std::string& text) { return parser.parse(text).extract<Poco::JSON::Object::Ptr>(); };
        auto e = toContainerEvent(parse(
            R"({"Type":"container","Action":"die","Actor":{"ID":"c1","Attributes":{"exitCode":"3","maelstrom_component":"web"}},"time":1700000000,"timeNano":1700000000123456789})"));
        CPPUNIT_ASSERT(e && e->kind == sdk::ContainerEventKind::Died);
        CPPUNIT_ASSERT_EQUAL(std::string("c1"), e->containerId);
        CPPUNIT_ASSERT_EQUAL(std::string("3"), e->attributes["exitCode"]);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000123), e->timeMillis);
        e = toContainerEvent(parse(R"({"Type":"container","Action":"health_status: unhealthy","Actor":{"ID":"c2"}})"));
        CPPUNIT_ASSERT(e && e->kind == sdk::ContainerEventKind::HealthStatus);
        CPPUNIT_ASSERT_EQUAL(std::string("unhealthy"), e->attributes["health_status"]);
        e = toContainerEvent(
            parse(R"({"Type":"image","Action":"tag","Actor":{"ID":"sha256:x","Attributes":{"name":"app:2"}}})"));
        CPPUNIT_ASSERT(e && e->kind == sdk::ContainerEventKind::ImageTagged);
        CPPUNIT_ASSERT_EQUAL(std::string("app:2"), e->imageName);
        CPPUNIT_ASSERT(toContainerEvent(parse(R"({"Type":"container","Action":"start","Actor":{"ID":"c"}})"))->kind ==
                       sdk::ContainerEventKind::Started);
        CPPUNIT_ASSERT(toContainerEvent(parse(R"({"Type":"container","Action":"oom","Actor":{"ID":"c"}})"))->kind ==
                       sdk::ContainerEventKind::OomKilled);
        CPPUNIT_ASSERT(!toContainerEvent(parse(R"({"Type":"network","Action":"connect","Actor":{"ID":"n"}})")));
    }

    void testTimes() {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000123), parseDockerTime("2023-11-14T22:13:20.123456789Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000000), parseDockerTime("2023-11-14T22:13:20Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), parseDockerTime("garbage"));
        CPPUNIT_ASSERT_EQUAL(std::string("1700000000.123000000"), sinceParameter(1700000000123));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DockerUnitTest);
