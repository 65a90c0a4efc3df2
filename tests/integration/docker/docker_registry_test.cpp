// docker_registry_test.cpp — pulls through the docker plugin from the local registry (docker-registry on
// 127.0.0.1:5000 with htpasswd auth, started by tests/services/start-registry.sh): right and wrong credentials,
// missing tags, progress reporting, pull policies, shared concurrent pulls, an unreachable registry.
// The fixture image is pushed by the test itself (it is built from this build tree).
// SPDX-License-Identifier: Apache-2.0
#include "docker_test_env.h"

#include <maelstrom/sdk/errors.h>

#include <thread>

using namespace maelstrom::testing;
using namespace maelstrom::testing::docker;
namespace sdk = maelstrom::sdk;

namespace {

const char* kSuite = "registry";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

class DockerRegistryTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DockerRegistryTest);
    CPPUNIT_TEST(testPullWithCredentials);
    CPPUNIT_TEST(testPullDenied);
    CPPUNIT_TEST(testPullMissingTag);
    CPPUNIT_TEST(testConcurrentPullsShareOne);
    CPPUNIT_TEST(testRegistryUnreachable);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        available_ = dockerAvailable() && registryAvailable();
        if (!available_)
            return;
        rt_ = makeRuntime();
        reg_ = registryInfo();
        remote_ = reg_.address + "/maelstrom-test/hello-http:" + uniqueSuffix();
        // Push the fixture with credentials kept in a throw-away client config.
        TempDir config;
        std::map<std::string, std::string> env{{"DOCKER_CONFIG", config.path().string()}};
        auto run = [&](const std::vector<std::string>& args) {
            std::vector<std::string> argv{"docker"};
            argv.insert(argv.end(), args.begin(), args.end());
            auto r = runProcess(argv, env, std::chrono::seconds(120));
            if (r.exitCode != 0)
                throw std::runtime_error("docker " + args[0] + " failed: " + r.out + r.err);
        };
        run({"tag", fixtureImage(), remote_});
        run({"login", "-u", reg_.username, "-p", reg_.password, reg_.address});
        run({"push", remote_});
        run({"rmi", remote_}); // the pulls below must fetch it again
    }

    void tearDown() override {
        if (available_) {
            removeSuiteContainers(kSuite);
            dockerCli({"rmi", remote_});
        }
        rt_.reset();
    }

    sdk::DockerComponent component(const std::string& image) {
        sdk::DockerComponent d;
        d.image = image;
        d.pullUsername = reg_.username;
        d.pullPassword = reg_.password;
        return d;
    }

    void testPullWithCredentials() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd and the local registry (tests/services/start-registry.sh)");
        auto d = component(remote_);
        std::vector<std::string> progress;
        rt_->ensureImage(d, sdk::PullPolicy::IfMissing, [&](const std::string& s) { progress.push_back(s); });
        CPPUNIT_ASSERT(!progress.empty());
        bool sawDigestOrStatus = false;
        for (const auto& p : progress) {
            if (contains(p, "Digest") || contains(p, "Status") || contains(p, "Pull complete") ||
                contains(p, "Already exists")) {
                sawDigestOrStatus = true;
            }
        }
        CPPUNIT_ASSERT(sawDigestOrStatus);
        CPPUNIT_ASSERT_EQUAL(0, dockerCli({"image", "inspect", remote_}).exitCode);
        // Present now: IfMissing does nothing, Always pulls again (pullimageonstart).
        progress.clear();
        rt_->ensureImage(d, sdk::PullPolicy::IfMissing, [&](const std::string& s) { progress.push_back(s); });
        CPPUNIT_ASSERT(progress.empty());
        rt_->ensureImage(d, sdk::PullPolicy::Always, [&](const std::string& s) { progress.push_back(s); });
        CPPUNIT_ASSERT(!progress.empty());
        // And the pulled image runs.
        auto spec = fixtureSpec("pulled", kSuite);
        spec.component.docker = d;
        spec.component.docker->httpPort = 8080;
        auto c = rt_->start(spec);
        CPPUNIT_ASSERT(waitForHttp200(*c.endpoint, "/"));
        rt_->remove(c.id, true);
    }

    void testPullDenied() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd and the local registry (tests/services/start-registry.sh)");
        auto d = component(remote_);
        d.pullPassword = "wrong-password";
        std::string m = expectThrow<sdk::PluginError>([&] { rt_->ensureImage(d, sdk::PullPolicy::Always, nullptr); },
                                                      "wrong password");
        CPPUNIT_ASSERT_MESSAGE(m, contains(m, remote_));
        CPPUNIT_ASSERT_MESSAGE(m, contains(m, "denied"));
        d.pullUsername.clear();
        d.pullPassword.clear();
        m = expectThrow<sdk::PluginError>([&] { rt_->ensureImage(d, sdk::PullPolicy::Always, nullptr); },
                                          "no credentials");
        CPPUNIT_ASSERT_MESSAGE(m, contains(m, "denied"));
        CPPUNIT_ASSERT(dockerCli({"image", "inspect", remote_}).exitCode != 0);
    }

    void testPullMissingTag() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd and the local registry (tests/services/start-registry.sh)");
        auto d = component(reg_.address + "/maelstrom-test/hello-http:no-such-tag");
        std::string m = expectThrow<sdk::NotFound>([&] { rt_->ensureImage(d, sdk::PullPolicy::IfMissing, nullptr); },
                                                   "missing tag");
        CPPUNIT_ASSERT_MESSAGE(m, contains(m, "no-such-tag"));
    }

    void testConcurrentPullsShareOne() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd and the local registry (tests/services/start-registry.sh)");
        auto d = component(remote_);
        std::vector<std::thread> threads;
        std::atomic<int> ok{0};
        std::atomic<int> withProgress{0};
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&] {
                std::atomic<bool> any{false};
                try {
                    rt_->ensureImage(d, sdk::PullPolicy::Always, [&](const std::string&) { any = true; });
                    ++ok;
                    if (any)
                        ++withProgress;
                } catch (const std::exception& e) {
                    std::cerr << "concurrent pull failed: " << e.what() << "\n";
                }
            });
        }
        for (auto& t : threads)
            t.join();
        CPPUNIT_ASSERT_EQUAL(4, ok.load());
        CPPUNIT_ASSERT(withProgress.load() >= 1);
        CPPUNIT_ASSERT_EQUAL(0, dockerCli({"image", "inspect", remote_}).exitCode);
    }

    void testRegistryUnreachable() {
        MAELSTROM_REQUIRE_BACKEND(available_, "dockerd and the local registry (tests/services/start-registry.sh)");
        auto d = component("127.0.0.1:" + std::to_string(freePort()) + "/maelstrom-test/nothing:1");
        std::string m = expectThrow<sdk::Unavailable>([&] { rt_->ensureImage(d, sdk::PullPolicy::Always, nullptr); },
                                                      "unreachable registry");
        CPPUNIT_ASSERT_MESSAGE(m, contains(m, d.image));
    }

private:
    bool available_ = false;
    std::shared_ptr<sdk::ContainerRuntime> rt_;
    RegistryInfo reg_;
    std::string remote_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(DockerRegistryTest);
