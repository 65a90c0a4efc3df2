// plugin_descriptor_test.cpp — the jsonrpc-http .so loaded through Boost.DLL as the daemon loads it: ABI,
// descriptor (kind, settings table with defaults), settings validation, and the created RpcTransport.
// SPDX-License-Identifier: Apache-2.0
#include "test_dispatcher.h"
#include "test_support.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/plugin.h>
#include <maelstrom/sdk/rpc_transport.h>
#include <maelstrom/sdk/version.h>

#include <boost/dll/import.hpp>
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>

using maelstrom::sdk::PluginDescriptor;

class JsonRpcPluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(JsonRpcPluginTest);
    CPPUNIT_TEST(testDescriptorAndTransport);
    CPPUNIT_TEST(testBadSettings);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDescriptorAndTransport() {
        const auto& d = descriptor();
        CPPUNIT_ASSERT(d.kind == maelstrom::sdk::ServiceKind::RpcTransport);
        CPPUNIT_ASSERT_EQUAL(std::string("jsonrpc-http"), d.name);
        CPPUNIT_ASSERT(!d.version.empty() && !d.description.empty() && d.create);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), d.settings.size());

        const auto settings = maelstrom::sdk::Settings::validate(d.settings, {});
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8388608), settings.getInt("max_body_bytes"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(64), settings.getInt("max_json_depth"));
        auto service = d.create(settings, maelstrom::sdk::HostContext{});
        auto* transport = dynamic_cast<maelstrom::sdk::RpcTransport*>(service.get());
        CPPUNIT_ASSERT_MESSAGE("not an RpcTransport (RTTI across dlopen)", transport != nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string("/_mael/v1"), transport->path());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8388608), transport->maxBodyBytes());

        maelstrom::testing::rpc::TestDispatcher dispatcher;
        auto response = transport->handle(
            {"POST", "/_mael/v1", {}, R"({"id":"1","method":"Test.Fail1002","params":[{}]})"}, dispatcher);
        CPPUNIT_ASSERT_EQUAL(200, response.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"jsonrpc":"2.0","id":"1","error":{"code":1002,"message":"failure 1002"}})"), response.body);
        // an RpcError thrown inside the .so is caught by type outside it
        auto client = transport->newClient("http://127.0.0.1:1", {});
        CPPUNIT_ASSERT(client);
        service->shutdown();

        maelstrom::sdk::RawSettings raw;
        raw.scalars["max_body_bytes"] = "100";
        raw.scalars["max_json_depth"] = "16";
        raw.scalars["client_timeout_seconds"] = "5";
        service = d.create(maelstrom::sdk::Settings::validate(d.settings, raw), {});
        transport = dynamic_cast<maelstrom::sdk::RpcTransport*>(service.get());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(100), transport->maxBodyBytes());
        response = transport->handle({"POST", "/_mael/v1", {}, std::string(101, ' ')}, dispatcher);
        CPPUNIT_ASSERT_EQUAL(413, response.status);
    }

    void testBadSettings() {
        const auto& d = descriptor();
        for (const auto& [key, value] :
             std::vector<std::pair<std::string, std::string>>{{"max_body_bytes", "0"},
                                                              {"max_json_depth", "1"},
                                                              {"max_json_depth", "100000"},
                                                              {"client_timeout_seconds", "-1"}}) {
            maelstrom::sdk::RawSettings raw;
            raw.scalars[key] = value;
            try {
                d.create(maelstrom::sdk::Settings::validate(d.settings, raw), {});
                CPPUNIT_FAIL(key + "=" + value + " was accepted");
            } catch (const maelstrom::sdk::InvalidConfig& e) {
                CPPUNIT_ASSERT_EQUAL(key, e.setting());
            }
        }
        maelstrom::sdk::RawSettings raw;
        raw.scalars["max_body_bytes"] = "lots";
        CPPUNIT_ASSERT_THROW(maelstrom::sdk::Settings::validate(d.settings, raw), maelstrom::sdk::InvalidConfig);
        raw.scalars.clear();
        raw.scalars["bogus"] = "1";
        CPPUNIT_ASSERT_THROW(maelstrom::sdk::Settings::validate(d.settings, raw), maelstrom::sdk::InvalidConfig);
    }

private:
    static const PluginDescriptor& descriptor() {
        static const std::filesystem::path file = maelstrom::testing::pluginDir() / "jsonrpc-http.so";
        CPPUNIT_ASSERT_MESSAGE(file.string() + " is missing", std::filesystem::exists(file));
        static auto abi = boost::dll::import_alias<int()>(file.string(), "maelstrom_plugin_abi");
        CPPUNIT_ASSERT_EQUAL(MAELSTROM_SDK_ABI_VERSION, abi());
        static auto fn =
            boost::dll::import_alias<const PluginDescriptor&()>(file.string(), "maelstrom_plugin_descriptor");
        return fn();
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonRpcPluginTest);
