// docker_test_env.cpp — see docker_test_env.h.
// SPDX-License-Identifier: Apache-2.0
#include "docker_test_env.h"

#include <maelstrom/sdk/settings.h>

#include <boost/dll/import.hpp>

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace maelstrom::testing::docker {

namespace {

using DescriptorFn = const sdk::PluginDescriptor&();

std::string envOr(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : fallback;
}

} // namespace

const sdk::PluginDescriptor& dockerDescriptor() {
    static auto fn =
        boost::dll::import_alias<DescriptorFn>((pluginDir() / "docker.so").string(), "maelstrom_plugin_descriptor");
    return fn();
}

std::shared_ptr<sdk::ContainerRuntime> makeRuntime(const std::map<std::string, std::string>& settings) {
    const auto& d = dockerDescriptor();
    sdk::RawSettings raw;
    raw.scalars = settings;
    sdk::Settings validated = sdk::Settings::validate(d.settings, raw);
    sdk::HostContext host;
    host.logger = sdk::PluginLogger([](sdk::LogLevel level, const std::string& message) {
        if (level != sdk::LogLevel::Debug) {
            std::cerr << "  [docker] " << message << "\n";
        }
    });
    auto service = d.create(validated, host);
    auto runtime = std::dynamic_pointer_cast<sdk::ContainerRuntime>(service);
    if (!runtime) {
        throw std::runtime_error("docker.so did not create a ContainerRuntime");
    }
    return runtime;
}

bool dockerAvailable() {
    try {
        return !makeRuntime()->info().nodeId.empty();
    } catch (const std::exception& e) {
        std::cerr << "docker not available: " << e.what() << "\n";
        return false;
    }
}

ProcessResult dockerCli(const std::vector<std::string>& args, std::chrono::seconds timeout) {
    std::vector<std::string> argv{"docker"};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv, {{"DOCKER_BUILDKIT", "0"}}, timeout);
}

std::string fixtureImage(int version) {
    std::string image = "maelstrom-test/hello-http:" + std::to_string(version);
    // Built once per test process from the current binary (docker's build cache makes a rebuild of an
    // unchanged binary cheap), so a stale image from an older build is never used.
    static std::mutex m;
    static bool built = false;
    std::lock_guard lock(m);
    if (!built) {
        auto binary = buildDir() / "tests/bin/hello-http";
        auto script = sourceDir() / "tests/fixtures/hello-http/build-image.sh";
        auto r =
            runProcess({script.string(), binary.string(), "maelstrom-test/hello-http:1", "maelstrom-test/hello-http:2"},
                       {{"DOCKER_BUILDKIT", "0"}}, std::chrono::seconds(180));
        if (r.exitCode != 0) {
            throw std::runtime_error("build-image.sh failed: " + r.out + r.err);
        }
        built = true;
        // The images go when the test process ends (no force: an image still in use stays, and says so).
        std::atexit([] { dockerCli({"rmi", "maelstrom-test/hello-http:1", "maelstrom-test/hello-http:2"}); });
    }
    return image;
}

Poco::JSON::Object::Ptr cliInspect(const std::string& id) {
    auto r = dockerCli({"inspect", id});
    if (r.exitCode != 0) {
        throw std::runtime_error("docker inspect " + id + " failed: " + r.err);
    }
    Poco::JSON::Parser parser;
    auto array = parser.parse(r.out).extract<Poco::JSON::Array::Ptr>();
    return array->getObject(0);
}

void removeSuiteContainers(const std::string& suite) {
    auto r = dockerCli({"ps", "-aq", "--filter", "label=maelstrom-test-suite=" + suite});
    std::istringstream ids(r.out);
    std::string id;
    while (ids >> id) {
        dockerCli({"rm", "-f", "-v", id});
    }
}

sdk::ContainerSpec fixtureSpec(const std::string& name, const std::string& suite, int imageVersion) {
    sdk::ContainerSpec spec;
    spec.component.name = name;
    spec.component.projectName = "test-project";
    spec.component.version = 1;
    sdk::DockerComponent d;
    d.image = fixtureImage(imageVersion);
    d.httpPort = 8080;
    d.httpHealthCheckPath = "/health";
    spec.component.docker = d;
    spec.privateUrl = "http://172.17.0.1:8374";
    spec.extraLabels["maelstrom-test"] = "true";
    spec.extraLabels["maelstrom-test-suite"] = suite;
    return spec;
}

int httpGet(const sdk::Endpoint& endpoint, const std::string& path, std::string* body) {
    try {
        Poco::Net::HTTPClientSession session(endpoint.host, static_cast<Poco::UInt16>(endpoint.port));
        session.setTimeout(Poco::Timespan(5, 0));
        Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string text;
        Poco::StreamCopier::copyToString(in, text);
        if (body != nullptr)
            *body = text;
        return static_cast<int>(response.getStatus());
    } catch (const std::exception&) {
        return -1;
    }
}

bool waitForHttp200(const sdk::Endpoint& endpoint, const std::string& path, std::chrono::milliseconds timeout) {
    return waitUntil([&] { return httpGet(endpoint, path) == 200; }, timeout);
}

std::string uniqueSuffix() {
    static std::atomic<int> counter{0};
    return std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

RegistryInfo registryInfo() {
    RegistryInfo r;
    r.address = envOr("MAELSTROM_TEST_REGISTRY", r.address);
    r.username = envOr("MAELSTROM_TEST_REGISTRY_USER", r.username);
    r.password = envOr("MAELSTROM_TEST_REGISTRY_PASSWORD", r.password);
    return r;
}

bool registryAvailable() {
    auto info = registryInfo();
    auto colon = info.address.rfind(':');
    sdk::Endpoint e{info.address.substr(0, colon), std::stoll(info.address.substr(colon + 1))};
    int status = httpGet(e, "/v2/");
    return status == 401 || status == 200;
}

} // namespace maelstrom::testing::docker
