// sdk_example_test.cpp — the third-party plugin path, end to end: `cmake --install` the build into a temp
// prefix, build plugin-sdk/examples/lb-random against it as its own CMake project, drop the .so into the
// plugin directory, and have maelstromd (the build's and the installed one) load it from its registry.
// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/load_balancer.h>
#include <maelstrom/sdk/plugin.h>
#include <maelstrom/sdk/version.h>

#include <boost/dll/import.hpp>
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <memory>
#include <sstream>

namespace fs = std::filesystem;
using maelstrom::testing::ProcessResult;
using maelstrom::testing::runProcess;

namespace {

constexpr const char* kExample = "lb-random";

std::string describe(const std::vector<std::string>& argv, const ProcessResult& r) {
    std::ostringstream s;
    for (const auto& a : argv) {
        s << a << " ";
    }
    s << "-> exit " << r.exitCode << "\n--- stdout\n" << r.out << "\n--- stderr\n" << r.err;
    return s.str();
}

// Runs a build step; fails the test with its output when it does not exit 0.
void step(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
    const ProcessResult r = runProcess(argv, {}, timeout);
    if (r.exitCode != 0) {
        throw std::runtime_error("build step failed: " + describe(argv, r));
    }
}

bool hasLineStartingWith(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(prefix, 0) == 0) {
            return true;
        }
    }
    return false;
}

// The install and the example build are done once for all tests of the suite (they take most of its time).
struct Installed {
    maelstrom::testing::TempDir tmp;
    fs::path prefix;
    fs::path pluginDir; // <prefix>/lib/maelstrom/plugins, where the example .so is dropped
    fs::path examplePlugin;
    std::string error; // set when a step failed: every test then reports it
};

const Installed& installed() {
    static const std::unique_ptr<Installed> once = [] {
        auto s = std::make_unique<Installed>();
        try {
            s->prefix = s->tmp.path() / "prefix";
            s->pluginDir = s->prefix / "lib/maelstrom/plugins";
            const std::string cmake = MAELSTROM_TEST_CMAKE;
            step({cmake, "--install", maelstrom::testing::buildDir().string(), "--prefix", s->prefix.string()},
                 std::chrono::seconds(300));

            const fs::path build = s->tmp.path() / "example-build";
            std::vector<std::string> configure{
                cmake,
                "-S",
                (maelstrom::testing::sourceDir() / "plugin-sdk/examples" / kExample).string(),
                "-B",
                build.string(),
                "-DCMAKE_PREFIX_PATH=" + s->prefix.string(),
                "-DCMAKE_CXX_COMPILER=" MAELSTROM_TEST_CXX_COMPILER,
                "-DCMAKE_BUILD_TYPE=RelWithDebInfo"};
            if (MAELSTROM_TEST_SANITIZED) {
                // Same sanitizers as the daemon that loads it (a plain build would load fine as well).
                configure.push_back("-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer");
            }
            step(configure, std::chrono::seconds(300));
            step({cmake, "--build", build.string()}, std::chrono::seconds(600));

            // "Drop it into the plugin directory".
            fs::create_directories(s->pluginDir);
            s->examplePlugin = s->pluginDir / (std::string(kExample) + ".so");
            fs::copy_file(build / (std::string(kExample) + ".so"), s->examplePlugin,
                          fs::copy_options::overwrite_existing);
        } catch (const std::exception& e) {
            s->error = e.what();
        }
        return s;
    }();
    return *once;
}

const Installed& requireInstalled() {
    const Installed& s = installed();
    if (!s.error.empty()) {
        CPPUNIT_FAIL(s.error);
    }
    return s;
}

} // namespace

class SdkExampleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SdkExampleTest);
    CPPUNIT_TEST(testInstallHasTheSdkPackage);
    CPPUNIT_TEST(testExampleLoadsThroughBoostDll);
    CPPUNIT_TEST(testCheckConfigNamesTheExample);
    CPPUNIT_TEST(testExampleSettingsAreValidated);
    CPPUNIT_TEST(testDescribePlugin);
    CPPUNIT_TEST(testInstalledDaemonFindsTheExampleByDefault);
    CPPUNIT_TEST_SUITE_END();

public:
    void testInstallHasTheSdkPackage() {
        const Installed& s = requireInstalled();
        for (const char* f :
             {"lib/cmake/MaelstromSDK/MaelstromSDKConfig.cmake",
              "lib/cmake/MaelstromSDK/MaelstromSDKConfigVersion.cmake",
              "lib/cmake/MaelstromSDK/MaelstromSDKTargets.cmake", "lib/cmake/MaelstromSDK/MaelstromPlugin.cmake",
              "include/maelstrom/sdk/load_balancer.h", "include/maelstrom/sdk/plugin.h", "lib/libmaelstrom-sdk.so"}) {
            CPPUNIT_ASSERT_MESSAGE(std::string("missing from the install: ") + f, fs::exists(s.prefix / f));
        }
        CPPUNIT_ASSERT(fs::exists(s.examplePlugin));
    }

    void testExampleLoadsThroughBoostDll() {
        const Installed& s = requireInstalled();
        auto abi = boost::dll::import_alias<int()>(s.examplePlugin.string(), "maelstrom_plugin_abi");
        CPPUNIT_ASSERT_EQUAL(MAELSTROM_SDK_ABI_VERSION, abi());
        auto descriptorFn = boost::dll::import_alias<const maelstrom::sdk::PluginDescriptor&()>(
            s.examplePlugin.string(), "maelstrom_plugin_descriptor");
        const auto& d = descriptorFn();
        CPPUNIT_ASSERT(d.kind == maelstrom::sdk::ServiceKind::LoadBalancer);
        CPPUNIT_ASSERT_EQUAL(std::string(kExample), d.name);
        {
            maelstrom::sdk::RawSettings raw;
            raw.scalars["seed"] = "42";
            auto service = d.create(maelstrom::sdk::Settings::validate(d.settings, raw), {});
            auto* balancer = dynamic_cast<maelstrom::sdk::LoadBalancer*>(service.get());
            CPPUNIT_ASSERT_MESSAGE("the example's service is not a LoadBalancer", balancer != nullptr);
            auto picker = balancer->newPicker("web");
            const std::string ids[] = {"a", "b", "c"};
            const maelstrom::sdk::Candidate candidates[] = {{ids[0], 0, 1}, {ids[1], 0, 1}, {ids[2], 0, 1}};
            std::size_t counts[3] = {0, 0, 0};
            for (int n = 0; n < 3000; ++n) {
                const std::size_t pos = picker->pick(candidates);
                CPPUNIT_ASSERT(pos < 3);
                ++counts[pos];
            }
            for (std::size_t c : counts) {
                CPPUNIT_ASSERT_MESSAGE("random picks badly skewed: " + std::to_string(c) + " of 3000",
                                       c > 800 && c < 1200);
            }
            picker.reset();
            service->shutdown();
        }
    }

    void testCheckConfigNamesTheExample() {
        const Installed& s = requireInstalled();
        const fs::path registry = writeRegistry(s, "plugin_dir: " + s.pluginDir.string() + "\n", "{seed: 7}");
        const std::vector<std::string> argv{(maelstrom::testing::binDir() / "maelstromd").string(), "--config",
                                            registry.string(), "--check-config"};
        CPPUNIT_ASSERT_MESSAGE(argv[0] + " is missing", fs::exists(argv[0]));
        const ProcessResult r = runProcess(argv, noDatabaseOverride(), std::chrono::seconds(120));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(argv, r), 0, r.exitCode);
        CPPUNIT_ASSERT_MESSAGE(describe(argv, r),
                               hasLineStartingWith(r.out, std::string("service load_balancer: ") + kExample));
        CPPUNIT_ASSERT_MESSAGE(describe(argv, r), hasLineStartingWith(r.out, "  seed = 7"));
    }

    // Settings go through the example's table (wrong type) and its own check (negative seed): exit 2, naming
    // the setting.
    void testExampleSettingsAreValidated() {
        const Installed& s = requireInstalled();
        for (const std::string settings : {"{seed: banana}", "{seed: -1}", "{speed: 1}"}) {
            const fs::path registry = writeRegistry(s, "plugin_dir: " + s.pluginDir.string() + "\n", settings);
            const std::vector<std::string> argv{(maelstrom::testing::binDir() / "maelstromd").string(), "--config",
                                                registry.string(), "--check-config"};
            const ProcessResult r = runProcess(argv, noDatabaseOverride(), std::chrono::seconds(120));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(argv, r), 2, r.exitCode);
            CPPUNIT_ASSERT_MESSAGE(describe(argv, r), (r.out + r.err).find("seed") != std::string::npos);
        }
    }

    void testDescribePlugin() {
        const Installed& s = requireInstalled();
        const fs::path registry = writeRegistry(s, "plugin_dir: " + s.pluginDir.string() + "\n", "{}");
        const std::vector<std::string> argv{(maelstrom::testing::binDir() / "maelstromd").string(), "--config",
                                            registry.string(), "--describe-plugin", kExample};
        const ProcessResult r = runProcess(argv, noDatabaseOverride(), std::chrono::seconds(120));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(argv, r), 0, r.exitCode);
        CPPUNIT_ASSERT_MESSAGE(describe(argv, r), r.out.find(kExample) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(describe(argv, r), r.out.find("seed (int") != std::string::npos);
    }

    // The installed daemon looks in <prefix>/lib/maelstrom/plugins by default: no plugin_dir needed.
    void testInstalledDaemonFindsTheExampleByDefault() {
        const Installed& s = requireInstalled();
        const fs::path registry = writeRegistry(s, "", "{}");
        const std::vector<std::string> argv{(s.prefix / "bin/maelstromd").string(), "--config", registry.string(),
                                            "--check-config"};
        CPPUNIT_ASSERT_MESSAGE(argv[0] + " is missing from the install", fs::exists(argv[0]));
        const ProcessResult r = runProcess(argv, noDatabaseOverride(), std::chrono::seconds(120));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(argv, r), 0, r.exitCode);
        CPPUNIT_ASSERT_MESSAGE(describe(argv, r),
                               hasLineStartingWith(r.out, std::string("service load_balancer: ") + kExample));
        CPPUNIT_ASSERT_MESSAGE(describe(argv, r), r.out.find(s.pluginDir.string()) != std::string::npos);
    }

private:
    // A registry naming only the example as load balancer.
    static fs::path writeRegistry(const Installed& s, const std::string& pluginDirLine, const std::string& settings) {
        static int counter = 0;
        return s.tmp.write("maelstromd-" + std::to_string(++counter) + ".yml",
                           pluginDirLine + "services:\n  load_balancer:\n    plugin: " + kExample +
                               "\n    settings: " + settings + "\n");
    }

    // MAEL_SQL_DRIVER/DSN in the caller's environment would add a database service to the registry.
    static std::map<std::string, std::string> noDatabaseOverride() {
        return {{"-MAEL_SQL_DRIVER", ""}, {"-MAEL_SQL_DSN", ""}};
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SdkExampleTest);
