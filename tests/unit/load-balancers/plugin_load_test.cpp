// plugin_load_test.cpp — loads round-robin.so and least-outstanding.so through Boost.DLL, as the daemon's
// loader does: the ABI alias, the descriptor (kind, name, empty settings table), and a working balancer.
// SPDX-License-Identifier: Apache-2.0
#include "lb_test_support.h"
#include "test_support.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/load_balancer.h>
#include <maelstrom/sdk/plugin.h>
#include <maelstrom/sdk/version.h>

#include <boost/dll/import.hpp>
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>

using maelstrom::sdk::PluginDescriptor;
using maelstrom::testing::lb::Instances;
using maelstrom::testing::lb::pickInstance;

class LoadBalancerPluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LoadBalancerPluginTest);
    CPPUNIT_TEST(testRoundRobinPlugin);
    CPPUNIT_TEST(testLeastOutstandingPlugin);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRoundRobinPlugin() { checkPlugin("round-robin"); }
    void testLeastOutstandingPlugin() { checkPlugin("least-outstanding"); }

private:
    static void checkPlugin(const std::string& name) {
        const std::filesystem::path file = maelstrom::testing::pluginDir() / (name + ".so");
        CPPUNIT_ASSERT_MESSAGE(file.string() + " is missing", std::filesystem::exists(file));

        auto abi = boost::dll::import_alias<int()>(file.string(), "maelstrom_plugin_abi");
        CPPUNIT_ASSERT_EQUAL(MAELSTROM_SDK_ABI_VERSION, abi());

        // The imported function holds a reference to the library: keep it alive while the service lives.
        auto descriptorFn =
            boost::dll::import_alias<const PluginDescriptor&()>(file.string(), "maelstrom_plugin_descriptor");
        const PluginDescriptor& d = descriptorFn();
        CPPUNIT_ASSERT(d.kind == maelstrom::sdk::ServiceKind::LoadBalancer);
        CPPUNIT_ASSERT_EQUAL(name, d.name);
        CPPUNIT_ASSERT(!d.version.empty());
        CPPUNIT_ASSERT(!d.description.empty());
        CPPUNIT_ASSERT(d.settings.empty());
        CPPUNIT_ASSERT(d.create);

        {
            const auto settings = maelstrom::sdk::Settings::validate(d.settings, {});
            std::shared_ptr<maelstrom::sdk::Service> service = d.create(settings, maelstrom::sdk::HostContext{});
            auto* balancer = dynamic_cast<maelstrom::sdk::LoadBalancer*>(service.get());
            CPPUNIT_ASSERT_MESSAGE("the service is not a LoadBalancer (RTTI across dlopen)", balancer != nullptr);
            auto picker = balancer->newPicker("component");
            CPPUNIT_ASSERT(picker);
            // Both strategies rotate over idle, equal instances.
            const Instances inst(3);
            const auto idle = inst.all();
            for (std::size_t n = 0; n < 9; ++n) {
                CPPUNIT_ASSERT_EQUAL(n % 3, pickInstance(*picker, inst, idle));
            }
            // SDK exceptions cross the dlopen boundary (their RTTI lives in libmaelstrom-sdk).
            CPPUNIT_ASSERT_THROW(picker->pick({}), maelstrom::sdk::InvalidInput);
            picker->forget(inst.id(0));
            picker.reset();
            service->shutdown();
        }
        // An unknown setting is refused by the table before the plugin sees it.
        maelstrom::sdk::RawSettings bogus;
        bogus.scalars["weight"] = "3";
        CPPUNIT_ASSERT_THROW(maelstrom::sdk::Settings::validate(d.settings, bogus), maelstrom::sdk::InvalidConfig);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LoadBalancerPluginTest);
