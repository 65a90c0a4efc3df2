// docker_runtime_test.cpp — the docker plugin against a real dockerd: the component → container mapping seen in `docker inspect`,
// injected environment seen by the workload, published and bridge endpoints, stop/kill/remove, list, exec,
// logs, events, prune, pause and unpause, create ahead and start later, and the error paths (daemon unreachable,
// image missing, failed starts leave nothing).
// SPDX-License-Identifier: Apache-2.0
#include "docker_test_env.h"

#include "engine_client.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/JSON/Array.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

using namespace maelstrom::testing;
using namespace maelstrom::testing::docker;
namespace sdk = maelstrom::sdk;

namespace {

const char* kSuite = "runtime";

std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    return o && o->has(key) && !o->isNull(key) ? o->getValue<std::string>(key) : std::string();
}

std::vector<std::string> strList(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    std::vector<std::string> out;
    if (!o || !o->has(key) || o->isNull(key))
        return out;
    auto a = o->getArray(key);
    for (unsigned i = 0; i < a->size(); ++i)
        out.push_back(a->getElement<std::string>(i));
    return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// GET with a short timeout: the status, or -1 when nothing answers within `timeout` (or the connect fails).
int httpGetWithin(const sdk::Endpoint& endpoint, const std::string& path, std::chrono::milliseconds timeout) {
    try {
        Poco::Net::HTTPClientSession session(endpoint.host, static_cast<Poco::UInt16>(endpoint.port));
        session.setTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(timeout).count()));
        Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        session.receiveResponse(response);
        return static_cast<int>(response.getStatus());
    } catch (const std::exception&) {
        return -1;
    }
}

std::optional<sdk::ContainerSummary> findById(const std::vector<sdk::ContainerSummary>& list, const std::string& id) {
    for (const auto& s : list) {
        if (s.id == id)
            return s;
    }
    return std::nullopt;
}

std::size_t containersOfComponent(sdk::ContainerRuntime& rt, const std::string& name) {
    std::size_t n = 0;
    for (const auto& c : rt.listManaged(true)) {
        if (c.componentName == name)
            ++n;
    }
    return n;
}

/// A TCP listener on 127.0.0.1 relaying every connection to the engine's unix socket: the daemon here listens
/// only on the socket, and this gives the plugin's tcp:// endpoint a real engine behind it.
class TcpRelay {
public:
    explicit TcpRelay(std::string socketPath)
        : socketPath_(std::move(socketPath)), server_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
        server_.setReceiveTimeout(Poco::Timespan(0, 200000));
        acceptor_ = std::thread([this] { acceptLoop(); });
    }
    ~TcpRelay() {
        stop_ = true;
        acceptor_.join();
        for (auto& t : pumps_)
            t.join();
    }
    int port() const { return server_.address().port(); }

private:
    static void pump(Poco::Net::StreamSocket from, Poco::Net::StreamSocket to) {
        char buf[16384];
        try {
            for (;;) {
                int n = from.receiveBytes(buf, sizeof buf);
                if (n <= 0)
                    break;
                to.sendBytes(buf, n);
            }
        } catch (...) {
        }
        try {
            to.shutdownSend();
        } catch (...) {
        }
    }
    void acceptLoop() {
        while (!stop_) {
            Poco::Net::StreamSocket client;
            try {
                client = server_.acceptConnection();
            } catch (const Poco::TimeoutException&) {
                continue;
            } catch (...) {
                continue;
            }
            Poco::Net::StreamSocket engine;
            engine.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socketPath_));
            pumps_.emplace_back(pump, client, engine);
            pumps_.emplace_back(pump, engine, client);
        }
    }

    std::string socketPath_;
    Poco::Net::ServerSocket server_;
    std::atomic<bool> stop_{false};
    std::thread acceptor_;
    std::vector<std::thread> pumps_;
};

std::string engineSocketPath() {
    const char* env = std::getenv("DOCKER_HOST");
    std::string host = env && *env ? env : "unix:///var/run/docker.sock";
    return host.rfind("unix://", 0) == 0 ? host.substr(7) : std::string();
}

} // namespace

class DockerRuntimeTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DockerRuntimeTest);
    CPPUNIT_TEST(testSettingsTable);
    CPPUNIT_TEST(testInfo);
    CPPUNIT_TEST(testEveryMappedOptionVisibleInInspect);
    CPPUNIT_TEST(testInjectedEnvironmentAndPublishedEndpoint);
    CPPUNIT_TEST(testUserNetworkAndContainerIpMode);
    CPPUNIT_TEST(testStopGraceThenKillAndRemove);
    CPPUNIT_TEST(testListManagedAndInspect);
    CPPUNIT_TEST(testExec);
    CPPUNIT_TEST(testLogs);
    CPPUNIT_TEST(testEvents);
    CPPUNIT_TEST(testEnsureImageLocal);
    CPPUNIT_TEST(testPullCommand);
    CPPUNIT_TEST(testPrune);
    CPPUNIT_TEST(testPauseAndUnpause);
    CPPUNIT_TEST(testCreateThenStartCreated);
    CPPUNIT_TEST(testErrorDaemonUnreachable);
    CPPUNIT_TEST(testErrorImageNotFound);
    CPPUNIT_TEST(testFailedStartsLeaveNothing);
    CPPUNIT_TEST(testErrorNameConflict);
    CPPUNIT_TEST(testConcurrentStarts);
    CPPUNIT_TEST(testTcpEndpoint);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        available_ = dockerAvailable();
        if (available_) {
            removeSuiteContainers(kSuite);
            rt_ = makeRuntime();
        }
    }
    void tearDown() override {
        if (available_) {
            removeSuiteContainers(kSuite);
            for (const auto& v : volumes_)
                dockerCli({"volume", "rm", "-f", v});
        }
        volumes_.clear();
        rt_.reset();
    }

    void testSettingsTable() {
        const auto& d = dockerDescriptor();
        CPPUNIT_ASSERT_EQUAL(std::string("docker"), d.name);
        CPPUNIT_ASSERT(d.kind == sdk::ServiceKind::ContainerRuntime);
        sdk::RawSettings bad;
        bad.scalars["address"] = "somewhere";
        expectThrow<sdk::InvalidConfig>([&] { sdk::Settings::validate(d.settings, bad); }, "address value");
        sdk::RawSettings unknown;
        unknown.scalars["nope"] = "1";
        expectThrow<sdk::InvalidConfig>([&] { sdk::Settings::validate(d.settings, unknown); }, "unknown key");
        std::string m = expectThrow<sdk::InvalidConfig>([&] { makeRuntime({{"endpoint", "ftp://x"}}); }, "endpoint");
        CPPUNIT_ASSERT(contains(m, "ftp://x"));
        expectThrow<sdk::InvalidConfig>([&] { makeRuntime({{"api_version", "v2"}}); }, "api_version");
        expectThrow<sdk::InvalidConfig>([&] { makeRuntime({{"request_timeout_seconds", "0"}}); }, "timeout");
        // Every valid form is accepted (no daemon contact at creation).
        makeRuntime({{"endpoint", "tcp://127.0.0.1:2375"}, {"address", "container-ip"}, {"api_version", "1.40"}});
    }

    void testInfo() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        auto info = rt_->info();
        CPPUNIT_ASSERT(!info.nodeId.empty());
        CPPUNIT_ASSERT(info.totalMemoryBytes > 0);
        CPPUNIT_ASSERT(info.numCpus > 0);
        CPPUNIT_ASSERT(!info.engineVersion.empty());
        CPPUNIT_ASSERT(!info.apiVersion.empty());
        // The bridge gateway is an address of this host (docker0's, or the bridge dockerd was given).
        auto addresses = runProcess({"ip", "-4", "-o", "addr", "show"});
        CPPUNIT_ASSERT_MESSAGE(info.hostGateway, addresses.out.find(" " + info.hostGateway + "/") != std::string::npos);
        auto caps = rt_->capabilities();
        CPPUNIT_ASSERT(caps.exec && caps.logs && caps.events && caps.prune && caps.adopt);
        CPPUNIT_ASSERT(caps.pause && caps.precreate);
        // A pinned version is used as given.
        CPPUNIT_ASSERT_EQUAL(std::string("1.40"), makeRuntime({{"api_version", "1.40"}})->info().apiVersion);
    }

    void testEveryMappedOptionVisibleInInspect() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        TempDir dir;
        dir.write("hello.txt", "hi");
        std::string volume = "maelstrom-test-vol-" + uniqueSuffix();
        CPPUNIT_ASSERT_EQUAL(0, dockerCli({"volume", "create", "--label", "maelstrom-test=true", volume}).exitCode);
        volumes_.push_back(volume);
        auto spec = fixtureSpec("mapping", kSuite);
        spec.component.version = 7;
        auto& d = *spec.component.docker;
        d.entrypoint = {"/hello-http"};
        d.command = {"--serve"};
        d.reserveMemoryMiB = 64;
        d.limitMemoryMiB = 256;
        d.cpuShares = 512;
        d.ports = {"127.0.0.1::9090", "127.0.0.1::7000-7001/udp"};
        d.volumes = {{"bind", dir.path().string(), "/data", true},
                     {"volume", volume, "/vol", false},
                     {"tmpfs", "", "/scratch", false}};
        d.dns = {"10.0.0.53"};
        d.dnsOptions = {"ndots:2"};
        d.dnsSearch = {"example.test"};
        d.ulimits = {"nofile=1024:2048", "nproc=512"};
        d.init = true;
        d.logDriver = "json-file";
        d.logDriverOptions = {{"max-size", "1m"}, {"max-file", "2"}};
        d.hostname = "mael-host";
        d.domainname = "example.test";
        d.user = "1000:1000";
        d.capadd = {"NET_ADMIN"};
        d.capdrop = {"MKNOD"};
        auto c = rt_->start(spec);
        auto inspect = cliInspect(c.id);
        auto config = inspect->getObject("Config");
        auto host = inspect->getObject("HostConfig");
        auto labels = config->getObject("Labels");
        CPPUNIT_ASSERT_EQUAL(std::string("true"), str(labels, "maelstrom"));
        CPPUNIT_ASSERT_EQUAL(std::string("mapping"), str(labels, "maelstrom_component"));
        CPPUNIT_ASSERT_EQUAL(std::string("7"), str(labels, "maelstrom_version"));
        CPPUNIT_ASSERT_EQUAL(std::string("/hello-http"), strList(config, "Entrypoint").at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("--serve"), strList(config, "Cmd").at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("mael-host"), str(config, "Hostname"));
        CPPUNIT_ASSERT_EQUAL(std::string("example.test"), str(config, "Domainname"));
        CPPUNIT_ASSERT_EQUAL(std::string("1000:1000"), str(config, "User"));
        CPPUNIT_ASSERT(config->getObject("ExposedPorts")->has("8080/tcp"));
        CPPUNIT_ASSERT(config->getObject("ExposedPorts")->has("9090/tcp"));
        CPPUNIT_ASSERT(config->getObject("ExposedPorts")->has("7001/udp"));
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(64) << 20, host->getValue<Poco::Int64>("MemoryReservation"));
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(256) << 20, host->getValue<Poco::Int64>("Memory"));
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(512), host->getValue<Poco::Int64>("CpuShares"));
        CPPUNIT_ASSERT(host->getValue<bool>("Init"));
        CPPUNIT_ASSERT_EQUAL(std::string("json-file"), str(host->getObject("LogConfig"), "Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("1m"), str(host->getObject("LogConfig")->getObject("Config"), "max-size"));
        CPPUNIT_ASSERT_EQUAL(std::string("2"), str(host->getObject("LogConfig")->getObject("Config"), "max-file"));
        CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.53"), strList(host, "Dns").at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("ndots:2"), strList(host, "DnsOptions").at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("example.test"), strList(host, "DnsSearch").at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("NET_ADMIN"), strList(host, "CapAdd").at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("MKNOD"), strList(host, "CapDrop").at(0));
        auto ulimits = host->getArray("Ulimits");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), ulimits->size());
        auto nofile = ulimits->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("nofile"), str(nofile, "Name"));
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(1024), nofile->getValue<Poco::Int64>("Soft"));
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(2048), nofile->getValue<Poco::Int64>("Hard"));
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(512), ulimits->getObject(1)->getValue<Poco::Int64>("Hard"));
        auto bindings = host->getObject("PortBindings");
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), str(bindings->getArray("8080/tcp")->getObject(0), "HostIp"));
        CPPUNIT_ASSERT(bindings->has("9090/tcp"));
        CPPUNIT_ASSERT(bindings->has("7000/udp"));
        auto mounts = inspect->getArray("Mounts");
        bool sawBind = false;
        bool sawVolume = false;
        for (unsigned i = 0; i < mounts->size(); ++i) {
            auto m = mounts->getObject(i);
            if (str(m, "Type") == "bind") {
                sawBind = true;
                CPPUNIT_ASSERT_EQUAL(std::string("/data"), str(m, "Destination"));
                CPPUNIT_ASSERT(!m->getValue<bool>("RW"));
            }
            if (str(m, "Type") == "volume") {
                sawVolume = true;
                CPPUNIT_ASSERT_EQUAL(volume, str(m, "Name"));
                CPPUNIT_ASSERT(m->getValue<bool>("RW"));
            }
        }
        CPPUNIT_ASSERT(sawBind && sawVolume);
        auto hostMounts = host->getArray("Mounts");
        CPPUNIT_ASSERT_EQUAL(std::string("tmpfs"), str(hostMounts->getObject(2), "Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("/scratch"), str(hostMounts->getObject(2), "Target"));
        // The workload runs (as uid 1000) and answers on the published endpoint.
        CPPUNIT_ASSERT(c.endpoint.has_value());
        CPPUNIT_ASSERT(waitForHttp200(*c.endpoint, "/"));
        std::string id;
        CPPUNIT_ASSERT_EQUAL(200, httpGet(*c.endpoint, "/id", &id));
        CPPUNIT_ASSERT_EQUAL(std::string("mael-host\n"), id);
        rt_->remove(c.id, true);
    }

    void testInjectedEnvironmentAndPublishedEndpoint() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        auto spec = fixtureSpec("envcheck", kSuite);
        spec.component.version = 3;
        spec.component.projectName = "proj-x";
        spec.component.environment = {{"FOO", "bar"}, {"MAELSTROM_SNEAKY", "no"}, {"B", "x=y"}};
        spec.privateUrl = "http://172.17.0.1:9999";
        auto c = rt_->start(spec);
        CPPUNIT_ASSERT(c.state == sdk::ContainerState::Running);
        CPPUNIT_ASSERT(c.endpoint.has_value());
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), c.endpoint->host);
        CPPUNIT_ASSERT(c.endpoint->port != 8080 && c.endpoint->port > 0);
        CPPUNIT_ASSERT(waitForHttp200(*c.endpoint, "/health"));
        std::string env;
        CPPUNIT_ASSERT_EQUAL(200, httpGet(*c.endpoint, "/env", &env));
        CPPUNIT_ASSERT(contains(env, "FOO=bar\n"));
        CPPUNIT_ASSERT(contains(env, "B=x=y\n"));
        CPPUNIT_ASSERT(!contains(env, "MAELSTROM_SNEAKY"));
        CPPUNIT_ASSERT(contains(env, "MAELSTROM_PRIVATE_URL=http://172.17.0.1:9999\n"));
        CPPUNIT_ASSERT(contains(env, "MAELSTROM_COMPONENT_NAME=envcheck\n"));
        CPPUNIT_ASSERT(contains(env, "MAELSTROM_COMPONENT_VERSION=3\n"));
        CPPUNIT_ASSERT(contains(env, "MAELSTROM_PROJECT_NAME=proj-x\n"));
        // Order: user entries first, then the injected ones.
        CPPUNIT_ASSERT(env.find("FOO=bar") < env.find("MAELSTROM_PRIVATE_URL"));
        // Default memory reservation: 128 MiB; no hard limit.
        auto host = cliInspect(c.id)->getObject("HostConfig");
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(128) << 20, host->getValue<Poco::Int64>("MemoryReservation"));
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), host->getValue<Poco::Int64>("Memory"));
        CPPUNIT_ASSERT(host->isNull("Init") || !host->getValue<bool>("Init"));
        rt_->remove(c.id, true);
    }

    void testUserNetworkAndContainerIpMode() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        std::string net = "maelstrom-test-net-" + uniqueSuffix();
        CPPUNIT_ASSERT_EQUAL(0, dockerCli({"network", "create", "--label", "maelstrom-test=true", net}).exitCode);
        try {
            auto spec = fixtureSpec("netmode", kSuite);
            spec.component.docker->networkName = net;
            auto c = rt_->start(spec);
            CPPUNIT_ASSERT_EQUAL(net, str(cliInspect(c.id)->getObject("HostConfig"), "NetworkMode"));
            CPPUNIT_ASSERT(c.endpoint && c.endpoint->host == "127.0.0.1");
            CPPUNIT_ASSERT(waitForHttp200(*c.endpoint, "/"));
            rt_->remove(c.id, true);

            // address: container-ip returns the bridge IP and the container port, and nothing is published.
            auto ipRuntime = makeRuntime({{"address", "container-ip"}});
            auto c2 = ipRuntime->start(fixtureSpec("ipmode", kSuite));
            CPPUNIT_ASSERT(c2.endpoint.has_value());
            CPPUNIT_ASSERT(c2.endpoint->host != "127.0.0.1");
            CPPUNIT_ASSERT_EQUAL(std::int64_t(8080), c2.endpoint->port);
            auto host = cliInspect(c2.id)->getObject("HostConfig");
            CPPUNIT_ASSERT(host->isNull("PortBindings") || host->getObject("PortBindings")->size() == 0);
            CPPUNIT_ASSERT(waitForHttp200(*c2.endpoint, "/"));
            auto listed = ipRuntime->inspect(c2.id);
            CPPUNIT_ASSERT(listed.endpoint == c2.endpoint);
            ipRuntime->remove(c2.id, true);
        } catch (...) {
            removeSuiteContainers(kSuite);
            dockerCli({"network", "rm", net});
            throw;
        }
        dockerCli({"network", "rm", net});
    }

    void testStopGraceThenKillAndRemove() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        // This workload ignores SIGTERM (PID 1 without a handler), so stop must wait its grace, then kill.
        auto spec = fixtureSpec("stopper", kSuite);
        spec.component.environment = {{"IGNORE_SIGTERM", "1"}};
        auto c = rt_->start(spec);
        auto t0 = std::chrono::steady_clock::now();
        rt_->stop(c.id, std::chrono::seconds(2));
        auto took = std::chrono::steady_clock::now() - t0;
        CPPUNIT_ASSERT(took >= std::chrono::milliseconds(1900));
        auto s = rt_->inspect(c.id);
        CPPUNIT_ASSERT(s.state == sdk::ContainerState::Exited);
        CPPUNIT_ASSERT(!s.endpoint.has_value());
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(137), cliInspect(c.id)->getObject("State")->getValue<Poco::Int64>("ExitCode"));
        rt_->stop(c.id, std::chrono::seconds(2)); // stopping a stopped container is fine
        rt_->remove(c.id, false);
        rt_->remove(c.id, false); // removing a missing container is fine
        expectThrow<sdk::NotFound>([&] { rt_->inspect(c.id); }, "inspect removed");
        expectThrow<sdk::NotFound>([&] { rt_->stop(c.id, std::chrono::seconds(1)); }, "stop removed");

        // A well-behaved workload stops at once on SIGTERM; force remove kills a running one.
        auto c2 = rt_->start(fixtureSpec("stopper2", kSuite));
        t0 = std::chrono::steady_clock::now();
        rt_->stop(c2.id, std::chrono::seconds(30));
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
        rt_->remove(c2.id, true);
        auto c3 = rt_->start(fixtureSpec("stopper3", kSuite));
        std::string m = expectThrow<sdk::PluginError>([&] { rt_->remove(c3.id, false); }, "remove running");
        CPPUNIT_ASSERT(contains(m, c3.id));
        rt_->remove(c3.id, true);
        expectThrow<sdk::NotFound>([&] { rt_->inspect(c3.id); }, "inspect force-removed");
    }

    void testListManagedAndInspect() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        auto a = rt_->start(fixtureSpec("lister-a", kSuite));
        auto spec = fixtureSpec("lister-b", kSuite, 2);
        spec.component.version = 4;
        auto b = rt_->start(spec);
        rt_->stop(b.id, std::chrono::seconds(5));
        // An unmanaged container is never listed.
        auto other = dockerCli({"run", "-d", "--label", "maelstrom-test-suite=runtime", fixtureImage()});
        CPPUNIT_ASSERT_EQUAL(0, other.exitCode);
        auto running = rt_->listManaged(false);
        auto all = rt_->listManaged(true);
        auto find = [](const std::vector<sdk::ContainerSummary>& v, const std::string& id) {
            for (const auto& s : v)
                if (s.id == id)
                    return std::optional<sdk::ContainerSummary>(s);
            return std::optional<sdk::ContainerSummary>();
        };
        CPPUNIT_ASSERT(find(running, a.id).has_value());
        CPPUNIT_ASSERT(!find(running, b.id).has_value());
        CPPUNIT_ASSERT(find(all, b.id).has_value());
        std::string otherId = other.out.substr(0, 64);
        CPPUNIT_ASSERT(!find(all, otherId).has_value());
        auto la = *find(running, a.id);
        CPPUNIT_ASSERT_EQUAL(std::string("lister-a"), la.componentName);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), la.componentVersion);
        CPPUNIT_ASSERT(la.state == sdk::ContainerState::Running);
        CPPUNIT_ASSERT(la.endpoint == a.endpoint); // the listing computes the same endpoint as start()
        CPPUNIT_ASSERT(la.createdAt > 0);
        CPPUNIT_ASSERT_EQUAL(std::string("runtime"), la.labels["maelstrom-test-suite"]);
        auto lb = *find(all, b.id);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), lb.componentVersion);
        CPPUNIT_ASSERT(lb.state == sdk::ContainerState::Exited);
        CPPUNIT_ASSERT_EQUAL(fixtureImage(2), lb.image);
        auto ia = rt_->inspect(a.id);
        CPPUNIT_ASSERT(ia.endpoint == a.endpoint);
        CPPUNIT_ASSERT(std::llabs(ia.createdAt - la.createdAt) < 1000);
        CPPUNIT_ASSERT_EQUAL(fixtureImage(1), ia.image);
    }

    void testExec() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        auto c = rt_->start(fixtureSpec("execer", kSuite));
        auto ok = rt_->exec(c.id, {"/hello-http", "--exit", "0", "all good"}, std::chrono::seconds(30));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), ok.exitCode);
        CPPUNIT_ASSERT_EQUAL(std::string("all good\n"), ok.output);
        auto failed = rt_->exec(c.id, {"/hello-http", "--exit", "42", "bad"}, std::chrono::seconds(30));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(42), failed.exitCode);
        CPPUNIT_ASSERT_EQUAL(std::string("bad\n"), failed.output);
        // The fixture can't bind 8080 twice: its own error message (stderr) comes back too.
        auto clash = rt_->exec(c.id, {"/hello-http"}, std::chrono::seconds(30));
        CPPUNIT_ASSERT(clash.exitCode != 0);
        CPPUNIT_ASSERT(contains(clash.output, "bind"));
        auto missing = rt_->exec(c.id, {"/no-such-binary"}, std::chrono::seconds(30));
        CPPUNIT_ASSERT(missing.exitCode != 0);
        rt_->stop(c.id, std::chrono::seconds(5));
        std::string m = expectThrow<sdk::PluginError>(
            [&] {
                rt_->exec(c.id, {"/hello-http", "--exit", "0"}, std::chrono::seconds(10));
            },
            "exec stopped");
        CPPUNIT_ASSERT(contains(m, c.id));
        expectThrow<sdk::NotFound>([&] { rt_->exec("no-such-container-xyz", {"/x"}, std::chrono::seconds(5)); },
                                   "exec missing");
    }

    void testLogs() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        auto c = rt_->start(fixtureSpec("logger", kSuite));
        CPPUNIT_ASSERT(waitForHttp200(*c.endpoint, "/"));
        CPPUNIT_ASSERT_EQUAL(200, httpGet(*c.endpoint, "/log?msg=first-out"));
        CPPUNIT_ASSERT_EQUAL(200, httpGet(*c.endpoint, "/log?msg=first-err&stream=stderr"));
        std::vector<sdk::LogLine> lines;
        auto collect = [&](const sdk::LogLine& l) { lines.push_back(l); };
        // Not following: everything so far, then return.
        CPPUNIT_ASSERT(waitUntil(
            [&] {
                lines.clear();
                rt_->logs(c.id, {}, collect, {});
                return lines.size() >= 3;
            },
            std::chrono::seconds(10)));
        bool out = false, err = false;
        for (const auto& l : lines) {
            CPPUNIT_ASSERT_EQUAL(c.id, l.containerId);
            if (l.text == "first-out")
                out = !l.stderrStream;
            if (l.text == "first-err")
                err = l.stderrStream;
        }
        CPPUNIT_ASSERT(out && err);
        // One stream only.
        lines.clear();
        sdk::LogOptions errOnly;
        errOnly.stdoutStream = false;
        rt_->logs(c.id, errOnly, collect, {});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), lines.size());
        CPPUNIT_ASSERT_EQUAL(std::string("first-err"), lines[0].text);
        // since: only what came later.
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));
        auto nowMs =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        CPPUNIT_ASSERT_EQUAL(200, httpGet(*c.endpoint, "/log?msg=second-out"));
        lines.clear();
        sdk::LogOptions since;
        since.sinceMillis = nowMs;
        rt_->logs(c.id, since, collect, {});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), lines.size());
        CPPUNIT_ASSERT_EQUAL(std::string("second-out"), lines[0].text);
        // Following: new lines arrive while it runs; a stop request ends it promptly.
        std::mutex m;
        std::vector<std::string> followed;
        std::stop_source stopSource;
        sdk::LogOptions follow;
        follow.follow = true;
        follow.sinceMillis = nowMs;
        std::atomic<bool> returned{false};
        std::thread reader([&] {
            rt_->logs(
                c.id, follow,
                [&](const sdk::LogLine& l) {
                    std::lock_guard lock(m);
                    followed.push_back(l.text);
                },
                stopSource.get_token());
            returned = true;
        });
        CPPUNIT_ASSERT_EQUAL(200, httpGet(*c.endpoint, "/log?msg=live-line"));
        bool got = waitUntil(
            [&] {
                std::lock_guard lock(m);
                return std::find(followed.begin(), followed.end(), "live-line") != followed.end();
            },
            std::chrono::seconds(15));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CPPUNIT_ASSERT(!returned);
        stopSource.request_stop();
        bool ended = waitUntil([&] { return returned.load(); }, std::chrono::seconds(5));
        reader.join();
        CPPUNIT_ASSERT(got);
        CPPUNIT_ASSERT(ended);
        // Following ends by itself when the container stops.
        std::thread reader2([&] {
            rt_->logs(c.id, follow, [](const sdk::LogLine&) {}, {});
            returned = true;
        });
        returned = false;
        rt_->stop(c.id, std::chrono::seconds(5));
        CPPUNIT_ASSERT(waitUntil([&] { return returned.load(); }, std::chrono::seconds(15)));
        reader2.join();
        expectThrow<sdk::NotFound>([&] { rt_->logs("no-such-container-xyz", {}, collect, {}); }, "logs missing");
    }

    void testEvents() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        EventLog log;
        auto sub = rt_->subscribe([&](const sdk::ContainerEvent& e) { log.add(e); });
        // start
        auto c = rt_->start(fixtureSpec("evented", kSuite));
        sdk::ContainerEvent started;
        CPPUNIT_ASSERT(log.waitFor(
            [&](const auto& e) { return e.kind == sdk::ContainerEventKind::Started && e.containerId == c.id; },
            std::chrono::seconds(20), &started));
        CPPUNIT_ASSERT_EQUAL(std::string("evented"), started.attributes["maelstrom_component"]);
        CPPUNIT_ASSERT(started.timeMillis > 0);
        // die, with the exit code
        CPPUNIT_ASSERT(waitForHttp200(*c.endpoint, "/"));
        httpGet(*c.endpoint, "/crash");
        sdk::ContainerEvent died;
        CPPUNIT_ASSERT(
            log.waitFor([&](const auto& e) { return e.kind == sdk::ContainerEventKind::Died && e.containerId == c.id; },
                        std::chrono::seconds(20), &died));
        CPPUNIT_ASSERT_EQUAL(std::string("3"), died.attributes["exitCode"]);
        // oom: a 16 MiB limit and a 64 MiB allocation
        auto spec = fixtureSpec("oomer", kSuite);
        spec.component.docker->reserveMemoryMiB = 8;
        spec.component.docker->limitMemoryMiB = 16;
        auto o = rt_->start(spec);
        CPPUNIT_ASSERT(waitForHttp200(*o.endpoint, "/"));
        httpGet(*o.endpoint, "/alloc?mb=64");
        CPPUNIT_ASSERT(log.waitFor(
            [&](const auto& e) { return e.kind == sdk::ContainerEventKind::OomKilled && e.containerId == o.id; },
            std::chrono::seconds(20)));
        CPPUNIT_ASSERT(
            log.waitFor([&](const auto& e) { return e.kind == sdk::ContainerEventKind::Died && e.containerId == o.id; },
                        std::chrono::seconds(20)));
        CPPUNIT_ASSERT(cliInspect(o.id)->getObject("State")->getValue<bool>("OOMKilled"));
        // image tag
        std::string tag = "maelstrom-test/hello-http:tagged-" + uniqueSuffix();
        CPPUNIT_ASSERT_EQUAL(0, dockerCli({"tag", fixtureImage(), tag}).exitCode);
        CPPUNIT_ASSERT(log.waitFor(
            [&](const auto& e) { return e.kind == sdk::ContainerEventKind::ImageTagged && e.imageName == tag; },
            std::chrono::seconds(20)));
        dockerCli({"rmi", tag});
        // health_status from a Docker HEALTHCHECK is delivered too (image built with one is not needed:
        // a container run with --health-cmd through the CLI).
        auto h = dockerCli({"run", "-d", "--label", "maelstrom-test-suite=runtime", "--health-cmd",
                            "/hello-http --exit 0", "--health-interval", "1s", fixtureImage()});
        CPPUNIT_ASSERT_EQUAL(0, h.exitCode);
        std::string hid = h.out.substr(0, 64);
        sdk::ContainerEvent health;
        CPPUNIT_ASSERT(log.waitFor(
            [&](const auto& e) { return e.kind == sdk::ContainerEventKind::HealthStatus && e.containerId == hid; },
            std::chrono::seconds(30), &health));
        // (--health-cmd runs through /bin/sh, which the scratch image lacks: "unhealthy" is what it reports.)
        CPPUNIT_ASSERT(health.attributes["health_status"] == "healthy" ||
                       health.attributes["health_status"] == "unhealthy");
        sub->cancel();
        sub.reset();

        // A subscriber may drop its own subscription from inside the sink: no more calls, nothing dangling.
        std::mutex selfMutex;
        std::unique_ptr<sdk::Subscription> self;
        std::atomic<int> calls{0};
        {
            std::lock_guard lock(selfMutex);
            self = rt_->subscribe([&](const sdk::ContainerEvent&) {
                ++calls;
                std::lock_guard inner(selfMutex);
                self.reset();
            });
        }
        auto one = rt_->start(fixtureSpec("self-cancel", kSuite));
        CPPUNIT_ASSERT(waitUntil(
            [&] {
                std::lock_guard lock(selfMutex);
                return !self;
            },
            std::chrono::seconds(20)));
        rt_->remove(one.id, true);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        CPPUNIT_ASSERT_EQUAL(1, calls.load());
    }

    void testEnsureImageLocal() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        sdk::DockerComponent d;
        d.image = fixtureImage();
        std::vector<std::string> progress;
        rt_->ensureImage(d, sdk::PullPolicy::IfMissing, [&](const std::string& s) { progress.push_back(s); });
        CPPUNIT_ASSERT(progress.empty()); // present: nothing pulled
        // (Missing images in a registry: docker-registry-tests; nothing here may reach the internet.)
    }

    void testPullCommand() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        sdk::DockerComponent d;
        d.image = "maelstrom-test/hello-http:by-command-" + uniqueSuffix();
        // <image> is substituted in every argument; no shell is involved unless the command is one.
        d.pullCommand = {"docker", "tag", fixtureImage(), "<image>"};
        std::vector<std::string> progress;
        rt_->ensureImage(d, sdk::PullPolicy::IfMissing, [&](const std::string& s) { progress.push_back(s); });
        CPPUNIT_ASSERT_EQUAL(0, dockerCli({"image", "inspect", d.image}).exitCode);
        dockerCli({"rmi", d.image});
        d.pullCommand = {"/bin/sh", "-c", "echo pulling <image>; echo oops >&2; exit 3"};
        std::string m = expectThrow<sdk::PluginError>([&] { rt_->ensureImage(d, sdk::PullPolicy::Always, nullptr); },
                                                      "failing pull command");
        CPPUNIT_ASSERT(contains(m, d.image));
        CPPUNIT_ASSERT(contains(m, "exit code 3"));
        CPPUNIT_ASSERT(contains(m, "pulling " + d.image));
        CPPUNIT_ASSERT(contains(m, "oops"));
        d.pullCommand = {"no-such-pull-tool-xyz", "<image>"};
        m = expectThrow<sdk::PluginError>([&] { rt_->ensureImage(d, sdk::PullPolicy::Always, nullptr); },
                                          "missing pull command");
        CPPUNIT_ASSERT(contains(m, "no-such-pull-tool-xyz"));
        d.pullCommand = {"/bin/true"};
        m = expectThrow<sdk::NotFound>([&] { rt_->ensureImage(d, sdk::PullPolicy::Always, nullptr); },
                                       "command that pulls nothing");
        CPPUNIT_ASSERT(contains(m, d.image));
    }

    void testPrune() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        std::string sfx = uniqueSuffix();
        auto build = [&](const std::string& tag, const std::string& nonce) {
            TempDir ctx;
            auto bin = buildDir() / "tests/bin/hello-http";
            CPPUNIT_ASSERT_EQUAL(0, runProcess({"cp", bin.string(), (ctx.path() / "hello-http").string()}).exitCode);
            ctx.write("Dockerfile", "FROM scratch\nCOPY hello-http /hello-http\nLABEL maelstrom-test=true nonce=" +
                                        nonce + "\nENTRYPOINT [\"/hello-http\"]\n");
            auto r = dockerCli({"build", "-q", "-t", tag, ctx.path().string()});
            CPPUNIT_ASSERT_MESSAGE(r.err, r.exitCode == 0);
        };
        std::string registered = "maelstrom-test/prune-registered:" + sfx;
        std::string unregistered = "maelstrom-test/prune-unregistered:" + sfx;
        std::string kept = "maelstrom-test/prune-keepme:" + sfx;
        std::string inUse = "maelstrom-test/prune-inuse:" + sfx;
        std::string dangling = "maelstrom-test/prune-dangling:" + sfx;
        build(registered, "a" + sfx);
        build(unregistered, "b" + sfx);
        build(kept, "c" + sfx);
        build(inUse, "d" + sfx);
        build(dangling, "e" + sfx);
        std::string danglingId = dockerCli({"image", "inspect", "-f", "{{.Id}}", dangling}).out;
        danglingId = danglingId.substr(0, danglingId.find('\n'));
        build(dangling, "f" + sfx); // the first build loses its tag: dangling
        auto spec = fixtureSpec("pruned-inuse", kSuite);
        spec.component.docker->image = inUse;
        auto running = rt_->start(spec);
        auto exited = rt_->start(fixtureSpec("pruned-exited", kSuite));
        rt_->stop(exited.id, std::chrono::seconds(5));
        // A managed container created and never started is a pre-created instance: kept. An unmanaged one is
        // pruned like any stopped container (as `docker container prune` does).
        auto precreated = rt_->create(fixtureSpec("pruned-precreated", kSuite));
        auto unmanaged = dockerCli({"create", "--label", "maelstrom-test-suite=runtime", fixtureImage()});
        CPPUNIT_ASSERT_MESSAGE(unmanaged.err, unmanaged.exitCode == 0);
        std::string unmanagedId = unmanaged.out.substr(0, 64);

        // Register every other tag on the machine, so this test removes nothing it did not create.
        sdk::PruneOptions options;
        options.removeUnregisteredImages = true;
        auto images = dockerCli({"images", "--format", "{{.Repository}}:{{.Tag}}"});
        std::istringstream in(images.out);
        for (std::string t; std::getline(in, t);) {
            if (t.find("prune-") == std::string::npos && t.find("<none>") == std::string::npos) {
                options.registeredImages.push_back(t);
            }
        }
        options.registeredImages.push_back(registered);
        options.keepGlobs = {"*prune-keepme*"};
        auto report = rt_->prune(options);

        auto exists = [&](const std::string& ref) { return dockerCli({"image", "inspect", ref}).exitCode == 0; };
        CPPUNIT_ASSERT(exists(registered));
        CPPUNIT_ASSERT(exists(kept));
        CPPUNIT_ASSERT(exists(inUse));           // used by a running container
        CPPUNIT_ASSERT(exists(fixtureImage(1))); // registered above
        CPPUNIT_ASSERT(!exists(unregistered));
        CPPUNIT_ASSERT(!exists(danglingId));
        CPPUNIT_ASSERT(std::find(report.removedContainers.begin(), report.removedContainers.end(), exited.id) !=
                       report.removedContainers.end());
        expectThrow<sdk::NotFound>([&] { rt_->inspect(exited.id); }, "pruned container");
        CPPUNIT_ASSERT(rt_->inspect(precreated.id).state == sdk::ContainerState::Created);
        CPPUNIT_ASSERT(std::find(report.removedContainers.begin(), report.removedContainers.end(), precreated.id) ==
                       report.removedContainers.end());
        CPPUNIT_ASSERT(std::find(report.removedContainers.begin(), report.removedContainers.end(), unmanagedId) !=
                       report.removedContainers.end());
        CPPUNIT_ASSERT(dockerCli({"inspect", unmanagedId}).exitCode != 0);
        rt_->remove(precreated.id, true);
        CPPUNIT_ASSERT(rt_->inspect(running.id).state == sdk::ContainerState::Running);
        CPPUNIT_ASSERT(std::find(report.removedImages.begin(), report.removedImages.end(), unregistered) !=
                       report.removedImages.end());
        rt_->remove(running.id, true);
        for (const auto& t : {registered, kept, inUse, dangling})
            dockerCli({"rmi", t});
    }

    void testPauseAndUnpause() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        auto c = rt_->start(fixtureSpec("pauser", kSuite));
        CPPUNIT_ASSERT(c.endpoint.has_value());
        CPPUNIT_ASSERT(waitForHttp200(*c.endpoint, "/health"));
        rt_->pause(c.id);
        CPPUNIT_ASSERT_EQUAL(std::string("paused"), str(cliInspect(c.id)->getObject("State"), "Status"));
        // Paused, with the endpoint it answers on once woken, in inspect and in the listing of running ones.
        auto inspected = rt_->inspect(c.id);
        CPPUNIT_ASSERT(inspected.state == sdk::ContainerState::Paused);
        CPPUNIT_ASSERT(inspected.endpoint == c.endpoint);
        auto listed = findById(rt_->listManaged(false), c.id);
        CPPUNIT_ASSERT(listed.has_value());
        CPPUNIT_ASSERT(listed->state == sdk::ContainerState::Paused);
        CPPUNIT_ASSERT(listed->endpoint == c.endpoint);
        CPPUNIT_ASSERT_EQUAL(std::string("pauser"), listed->componentName);
        auto listedAll = findById(rt_->listManaged(true), c.id);
        CPPUNIT_ASSERT(listedAll.has_value() && listedAll->state == sdk::ContainerState::Paused);
        // A frozen process answers nothing (the kernel may still accept the connection).
        CPPUNIT_ASSERT_EQUAL(-1, httpGetWithin(*c.endpoint, "/health", std::chrono::milliseconds(500)));
        rt_->pause(c.id); // pausing a paused container is fine
        CPPUNIT_ASSERT(rt_->inspect(c.id).state == sdk::ContainerState::Paused);

        rt_->unpause(c.id);
        auto woken = rt_->inspect(c.id);
        CPPUNIT_ASSERT(woken.state == sdk::ContainerState::Running);
        CPPUNIT_ASSERT(woken.endpoint == c.endpoint);
        CPPUNIT_ASSERT_EQUAL(200, httpGetWithin(*c.endpoint, "/health", std::chrono::seconds(5)));
        rt_->unpause(c.id); // unpausing a running container is fine
        CPPUNIT_ASSERT(rt_->inspect(c.id).state == sdk::ContainerState::Running);
        CPPUNIT_ASSERT_EQUAL(200, httpGetWithin(*c.endpoint, "/health", std::chrono::seconds(5)));

        // Missing containers are NotFound, naming the container.
        std::string missing = "no-such-container-" + uniqueSuffix();
        std::string m = expectThrow<sdk::NotFound>([&] { rt_->pause(missing); }, "pause missing");
        CPPUNIT_ASSERT(contains(m, missing));
        m = expectThrow<sdk::NotFound>([&] { rt_->unpause(missing); }, "unpause missing");
        CPPUNIT_ASSERT(contains(m, missing));
        // An unreachable engine is Unavailable.
        auto unreachable =
            makeRuntime({{"endpoint", "unix:///tmp/maelstrom-no-such-docker.sock"}, {"connect_timeout_seconds", "2"}});
        m = expectThrow<sdk::Unavailable>([&] { unreachable->pause(c.id); }, "pause unreachable");
        CPPUNIT_ASSERT(contains(m, c.id));

        // A paused container is removed by a forced remove.
        rt_->pause(c.id);
        rt_->remove(c.id, true);
        expectThrow<sdk::NotFound>([&] { rt_->inspect(c.id); }, "inspect removed paused");

        // A stopped container cannot be paused or unpaused: Docker's refusal comes back with the container's id.
        auto stopped = rt_->start(fixtureSpec("pauser-stopped", kSuite));
        rt_->stop(stopped.id, std::chrono::seconds(5));
        m = expectThrow<sdk::PluginError>([&] { rt_->pause(stopped.id); }, "pause stopped");
        CPPUNIT_ASSERT(contains(m, stopped.id));
        m = expectThrow<sdk::PluginError>([&] { rt_->unpause(stopped.id); }, "unpause stopped");
        CPPUNIT_ASSERT(contains(m, stopped.id));
        rt_->remove(stopped.id, true);
    }

    void testCreateThenStartCreated() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        auto spec = fixtureSpec("precreated", kSuite);
        spec.component.version = 5;
        spec.component.environment = {{"FOO", "bar"}};
        auto created = rt_->create(spec);
        CPPUNIT_ASSERT(!created.id.empty());
        CPPUNIT_ASSERT(created.state == sdk::ContainerState::Created);
        CPPUNIT_ASSERT(!created.endpoint.has_value());
        CPPUNIT_ASSERT_EQUAL(std::string("precreated"), created.componentName);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), created.componentVersion);
        CPPUNIT_ASSERT_EQUAL(fixtureImage(), created.image);
        CPPUNIT_ASSERT(created.createdAt > 0);
        // The same mapping as start(): labels, environment, resources, the published http port.
        auto inspect = cliInspect(created.id);
        CPPUNIT_ASSERT_EQUAL(std::string("created"), str(inspect->getObject("State"), "Status"));
        auto config = inspect->getObject("Config");
        CPPUNIT_ASSERT_EQUAL(std::string("true"), str(config->getObject("Labels"), "maelstrom"));
        CPPUNIT_ASSERT_EQUAL(std::string("5"), str(config->getObject("Labels"), "maelstrom_version"));
        auto env = strList(config, "Env");
        CPPUNIT_ASSERT(std::find(env.begin(), env.end(), "FOO=bar") != env.end());
        CPPUNIT_ASSERT(std::find(env.begin(), env.end(), "MAELSTROM_COMPONENT_NAME=precreated") != env.end());
        auto host = inspect->getObject("HostConfig");
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(128) << 20, host->getValue<Poco::Int64>("MemoryReservation"));
        CPPUNIT_ASSERT(host->getObject("PortBindings")->has("8080/tcp"));
        // Listed with all, not among the running; inspect agrees.
        auto listed = findById(rt_->listManaged(true), created.id);
        CPPUNIT_ASSERT(listed.has_value());
        CPPUNIT_ASSERT(listed->state == sdk::ContainerState::Created);
        CPPUNIT_ASSERT(!listed->endpoint.has_value());
        CPPUNIT_ASSERT(!findById(rt_->listManaged(false), created.id).has_value());
        auto inspected = rt_->inspect(created.id);
        CPPUNIT_ASSERT(inspected.state == sdk::ContainerState::Created);
        CPPUNIT_ASSERT(!inspected.endpoint.has_value());

        auto started = rt_->startCreated(created.id);
        CPPUNIT_ASSERT_EQUAL(created.id, started.id);
        CPPUNIT_ASSERT(started.state == sdk::ContainerState::Running);
        CPPUNIT_ASSERT(started.endpoint.has_value());
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), started.endpoint->host);
        CPPUNIT_ASSERT(waitForHttp200(*started.endpoint, "/health"));
        std::string body;
        CPPUNIT_ASSERT_EQUAL(200, httpGet(*started.endpoint, "/env", &body));
        CPPUNIT_ASSERT(contains(body, "FOO=bar\n"));
        auto running = findById(rt_->listManaged(false), created.id);
        CPPUNIT_ASSERT(running.has_value() && running->state == sdk::ContainerState::Running);
        CPPUNIT_ASSERT(running->endpoint == started.endpoint);
        CPPUNIT_ASSERT(rt_->inspect(created.id).endpoint == started.endpoint);
        rt_->remove(created.id, true);

        // Errors: a missing container; a start that fails leaves the container for the caller; a missing image
        // leaves nothing.
        std::string missing = "no-such-container-" + uniqueSuffix();
        std::string m = expectThrow<sdk::NotFound>([&] { rt_->startCreated(missing); }, "startCreated missing");
        CPPUNIT_ASSERT(contains(m, missing));
        auto bad = fixtureSpec("badprecreated", kSuite);
        bad.component.docker->entrypoint = {"/no-such-entrypoint"};
        auto badCreated = rt_->create(bad);
        m = expectThrow<sdk::PluginError>([&] { rt_->startCreated(badCreated.id); }, "startCreated bad entrypoint");
        CPPUNIT_ASSERT(contains(m, "badprecreated"));
        CPPUNIT_ASSERT(contains(m, "no-such-entrypoint"));
        CPPUNIT_ASSERT_EQUAL(badCreated.id, rt_->inspect(badCreated.id).id); // still there
        rt_->remove(badCreated.id, true);
        auto noImage = fixtureSpec("precreated-noimage", kSuite);
        noImage.component.docker->image = "maelstrom-test/does-not-exist:" + uniqueSuffix();
        m = expectThrow<sdk::NotFound>([&] { rt_->create(noImage); }, "create missing image");
        CPPUNIT_ASSERT(contains(m, noImage.component.docker->image));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), containersOfComponent(*rt_, "precreated-noimage"));
    }

    void testErrorDaemonUnreachable() {
        auto rt =
            makeRuntime({{"endpoint", "unix:///tmp/maelstrom-no-such-docker.sock"}, {"connect_timeout_seconds", "2"}});
        std::string m = expectThrow<sdk::Unavailable>([&] { rt->info(); }, "unreachable unix");
        CPPUNIT_ASSERT(contains(m, "/tmp/maelstrom-no-such-docker.sock"));
        m = expectThrow<sdk::Unavailable>([&] { rt->start(fixtureSpecNoBuild("unreachable")); }, "unreachable start");
        CPPUNIT_ASSERT(contains(m, "cannot reach the Docker daemon"));
        CPPUNIT_ASSERT(contains(m, "'unreachable'"));
        int port = freePort();
        auto tcp = makeRuntime({{"endpoint", "tcp://127.0.0.1:" + std::to_string(port)}});
        m = expectThrow<sdk::Unavailable>([&] { tcp->listManaged(true); }, "unreachable tcp");
        CPPUNIT_ASSERT(contains(m, std::to_string(port)));
    }

    void testErrorImageNotFound() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        auto spec = fixtureSpec("noimage", kSuite);
        spec.component.docker->image = "maelstrom-test/does-not-exist:" + uniqueSuffix();
        std::string m = expectThrow<sdk::NotFound>([&] { rt_->start(spec); }, "missing image");
        CPPUNIT_ASSERT(contains(m, spec.component.docker->image));
        CPPUNIT_ASSERT(contains(m, "noimage"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), containersOfComponent(*rt_, "noimage"));
    }

    void testFailedStartsLeaveNothing() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        // The entrypoint does not exist: create works, start fails.
        auto spec = fixtureSpec("badentry", kSuite);
        spec.component.docker->entrypoint = {"/no-such-entrypoint"};
        std::string m = expectThrow<sdk::PluginError>([&] { rt_->start(spec); }, "bad entrypoint");
        CPPUNIT_ASSERT(contains(m, "badentry"));
        CPPUNIT_ASSERT(contains(m, "no-such-entrypoint"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), containersOfComponent(*rt_, "badentry"));
        // A host port already allocated by another container.
        auto first = fixtureSpec("portowner", kSuite);
        int port = freePort();
        first.component.docker->ports = {"127.0.0.1:" + std::to_string(port) + ":9000"};
        rt_->start(first);
        auto second = fixtureSpec("portclash", kSuite);
        second.component.docker->ports = first.component.docker->ports;
        m = expectThrow<sdk::PluginError>([&] { rt_->start(second); }, "port clash");
        CPPUNIT_ASSERT(contains(m, "portclash"));
        CPPUNIT_ASSERT(contains(m, std::to_string(port)));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), containersOfComponent(*rt_, "portclash"));
        // The workload exits at once. Docker may still report it running when start() inspects it (the exit is
        // processed asynchronously); then start() returns and the exit shows up in inspect and events. When it is
        // seen, start() reports the exit code and removes the container.
        auto quitter = fixtureSpec("quitter", kSuite);
        quitter.component.docker->command = {"--exit", "5"};
        try {
            auto s = rt_->start(quitter);
            CPPUNIT_ASSERT(waitUntil([&] { return rt_->inspect(s.id).state == sdk::ContainerState::Exited; },
                                     std::chrono::seconds(10)));
            CPPUNIT_ASSERT_EQUAL(Poco::Int64(5),
                                 cliInspect(s.id)->getObject("State")->getValue<Poco::Int64>("ExitCode"));
            rt_->remove(s.id, true);
        } catch (const sdk::PluginError& e) {
            CPPUNIT_ASSERT(contains(e.what(), "quitter"));
            CPPUNIT_ASSERT(contains(e.what(), "exit code 5"));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), containersOfComponent(*rt_, "quitter"));
        // Invalid input is refused before anything is created.
        auto badUlimit = fixtureSpec("badulimit", kSuite);
        badUlimit.component.docker->ulimits = {"nofile:1:2"};
        m = expectThrow<sdk::InvalidInput>([&] { rt_->start(badUlimit); }, "bad ulimit");
        CPPUNIT_ASSERT(contains(m, "badulimit") && contains(m, "nofile:1:2"));
        auto badPort = fixtureSpec("badport", kSuite);
        badPort.component.docker->ports = {"99999:80"};
        expectThrow<sdk::InvalidInput>([&] { rt_->start(badPort); }, "bad port");
        // A memory limit below the reservation is Docker's own error, with its message.
        auto badMemory = fixtureSpec("badmemory", kSuite);
        badMemory.component.docker->limitMemoryMiB = 64;
        m = expectThrow<sdk::PluginError>([&] { rt_->start(badMemory); }, "memory below reservation");
        CPPUNIT_ASSERT(contains(m, "badmemory") && contains(m, "reservation"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), containersOfComponent(*rt_, "badmemory"));
    }

    void testErrorNameConflict() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        // The runtime never names containers; the client maps Docker's 409 "already in use" itself.
        using namespace maelstrom::plugins::docker;
        EngineClientOptions o;
        const char* env = std::getenv("DOCKER_HOST");
        o.address = parseEngineAddress(env && *env ? env : "unix:///var/run/docker.sock");
        EngineClient client(o);
        std::string name = "maelstrom-test-named-" + uniqueSuffix();
        std::string body = R"({"Image":")" + fixtureImage() + R"(","Labels":{"maelstrom-test-suite":"runtime"}})";
        client.json("POST", "/containers/create?name=" + name, "create " + name, body);
        std::string m = expectThrow<sdk::AlreadyExists>(
            [&] { client.json("POST", "/containers/create?name=" + name, "create container '" + name + "'", body); },
            "name conflict");
        CPPUNIT_ASSERT(contains(m, name));
        CPPUNIT_ASSERT(contains(m, "HTTP 409"));
        m = expectThrow<sdk::NotFound>(
            [&] { client.json("GET", "/containers/no-such-xyz/json", "inspect no-such-xyz"); }, "missing");
        CPPUNIT_ASSERT(contains(m, "no-such-xyz"));
    }

    void testConcurrentStarts() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        // Convergers call the runtime concurrently: four starts at once, each gets its own container and port.
        fixtureImage();
        std::vector<std::thread> threads;
        std::mutex m;
        std::vector<sdk::ContainerSummary> started;
        std::vector<std::string> errors;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&, i] {
                try {
                    auto c = rt_->start(fixtureSpec("parallel-" + std::to_string(i), kSuite));
                    std::lock_guard lock(m);
                    started.push_back(c);
                } catch (const std::exception& e) {
                    std::lock_guard lock(m);
                    errors.push_back(e.what());
                }
            });
        }
        for (auto& t : threads)
            t.join();
        CPPUNIT_ASSERT_MESSAGE(errors.empty() ? "" : errors.front(), errors.empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), started.size());
        std::set<std::int64_t> ports;
        for (const auto& c : started) {
            ports.insert(c.endpoint->port);
            CPPUNIT_ASSERT(waitForHttp200(*c.endpoint, "/health"));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), ports.size());
        for (const auto& c : started)
            rt_->remove(c.id, true);
    }

    void testTcpEndpoint() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd");
        std::string socket = engineSocketPath();
        if (socket.empty()) {
            std::cerr << "SKIP: DOCKER_HOST is already tcp://\n";
            return;
        }
        TcpRelay relay(socket);
        auto rt = makeRuntime({{"endpoint", "tcp://127.0.0.1:" + std::to_string(relay.port())}});
        CPPUNIT_ASSERT(!rt->info().nodeId.empty());
        auto c = rt->start(fixtureSpec("over-tcp", kSuite));
        CPPUNIT_ASSERT(waitForHttp200(*c.endpoint, "/"));
        CPPUNIT_ASSERT_EQUAL(200, httpGet(*c.endpoint, "/log?msg=via-tcp"));
        bool seen = false;
        CPPUNIT_ASSERT(waitUntil(
            [&] {
                rt->logs(c.id, {}, [&](const sdk::LogLine& l) { seen = seen || l.text == "via-tcp"; }, {});
                return seen;
            },
            std::chrono::seconds(10)));
        rt->remove(c.id, true);
        expectThrow<sdk::NotFound>([&] { rt->inspect(c.id); }, "inspect over tcp");
        rt->shutdown();
    }

private:
    static sdk::ContainerSpec fixtureSpecNoBuild(const std::string& name) {
        sdk::ContainerSpec spec;
        spec.component.name = name;
        spec.component.docker = sdk::DockerComponent{};
        spec.component.docker->image = "maelstrom-test/hello-http:1";
        spec.component.docker->httpPort = 8080;
        return spec;
    }

    bool available_ = false;
    std::shared_ptr<sdk::ContainerRuntime> rt_;
    std::vector<std::string> volumes_; // removed in tearDown
};

CPPUNIT_TEST_SUITE_REGISTRATION(DockerRuntimeTest);
