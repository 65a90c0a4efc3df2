// plugin_descriptor_test.cpp — the awsstepfunc .so loaded through Boost.DLL as the daemon loads it: ABI,
// descriptor (kind, settings with defaults), settings validation, and a created driver that stays idle (no AWS
// client made, nothing looked up) while it has no event source.
// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/event_source.h>
#include <maelstrom/sdk/plugin.h>
#include <maelstrom/sdk/version.h>

#include <boost/dll/import.hpp>
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <map>

using maelstrom::sdk::PluginDescriptor;

class StepFuncPluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(StepFuncPluginTest);
    CPPUNIT_TEST(testDescriptor);
    CPPUNIT_TEST(testBadSettings);
    CPPUNIT_TEST(testIdleDriverStartsAndStops);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDescriptor() {
        const auto& d = descriptor();
        CPPUNIT_ASSERT(d.kind == maelstrom::sdk::ServiceKind::EventSource);
        CPPUNIT_ASSERT_EQUAL(std::string("awsstepfunc"), d.name);
        CPPUNIT_ASSERT(!d.version.empty() && !d.description.empty() && d.create);
        std::map<std::string, std::string> defaults;
        for (const auto& s : d.settings) {
            CPPUNIT_ASSERT(s.type == maelstrom::sdk::SettingType::Int);
            CPPUNIT_ASSERT(!s.description.empty());
            defaults[s.name] = s.defaultValue.value_or("");
        }
        CPPUNIT_ASSERT((defaults == std::map<std::string, std::string>{{"reload_seconds", "60"},
                                                                       {"heartbeat_seconds", "30"},
                                                                       {"error_backoff_seconds", "5"}}));
        const auto settings = maelstrom::sdk::Settings::validate(d.settings, {});
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60), settings.getInt("reload_seconds"));
    }

    void testBadSettings() {
        const auto& d = descriptor();
        for (const auto& [key, value] :
             std::vector<std::pair<std::string, std::string>>{{"reload_seconds", "0"},
                                                              {"reload_seconds", "101"},
                                                              {"heartbeat_seconds", "0"},
                                                              {"error_backoff_seconds", "-1"}}) {
            maelstrom::sdk::RawSettings raw;
            raw.scalars[key] = value;
            try {
                d.create(maelstrom::sdk::Settings::validate(d.settings, raw), {});
                CPPUNIT_FAIL(key + "=" + value + " was accepted");
            } catch (const maelstrom::sdk::InvalidConfig& e) {
                CPPUNIT_ASSERT_EQUAL(key, e.setting());
            }
        }
    }

    void testIdleDriverStartsAndStops() {
        const auto& d = descriptor();
        maelstrom::sdk::RawSettings raw;
        raw.scalars["reload_seconds"] = "1";
        auto service = d.create(maelstrom::sdk::Settings::validate(d.settings, raw), {});
        auto* driver = dynamic_cast<maelstrom::sdk::EventSourceDriver*>(service.get());
        CPPUNIT_ASSERT_MESSAGE("not an EventSourceDriver (RTTI across dlopen)", driver != nullptr);
        CPPUNIT_ASSERT(driver->type() == maelstrom::sdk::EventSourceType::AwsStepFunc);
        maelstrom::sdk::EventSourceHost host; // no invoker, roles or capacity: an idle driver must not need them
        host.nodeId = "n1";
        driver->start(host);
        driver->update({});
        const auto started = std::chrono::steady_clock::now();
        driver->shutdown();
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
    }

private:
    static const PluginDescriptor& descriptor() {
        static const std::filesystem::path file = maelstrom::testing::pluginDir() / "awsstepfunc.so";
        CPPUNIT_ASSERT_MESSAGE(file.string() + " is missing", std::filesystem::exists(file));
        static auto abi = boost::dll::import_alias<int()>(file.string(), "maelstrom_plugin_abi");
        CPPUNIT_ASSERT_EQUAL(MAELSTROM_SDK_ABI_VERSION, abi());
        static auto fn =
            boost::dll::import_alias<const PluginDescriptor&()>(file.string(), "maelstrom_plugin_descriptor");
        return fn();
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StepFuncPluginTest);
