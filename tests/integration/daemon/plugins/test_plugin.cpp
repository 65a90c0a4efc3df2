// test_plugin.cpp — purpose-built plugins for the loader tests. One source, compiled several times with
// different definitions (see CMakeLists.txt), each producing a plugin that is right or broken in one way:
//   TEST_PLUGIN_NAME      name in the descriptor (may differ from the file name on purpose)
//   TEST_PLUGIN_KIND      the declared kind (Database under a load_balancer entry = "wrong kind")
//   TEST_PLUGIN_ABI       exported ABI version (999 = "ABI mismatch")
//   TEST_PLUGIN_REQUIRED  declares a required setting `endpoint`
//   TEST_PLUGIN_NOT_LB    its factory returns a Service that is not a LoadBalancer
// Settings of the well-formed variant: marker_file (records create/shutdown), reject (throws InvalidConfig),
// fail_start (throws a plain error), token (secret).
#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/load_balancer.h>
#include <maelstrom/sdk/plugin.h>

#include <fstream>

namespace maelstrom::plugins::test {
namespace {

void mark(const std::string& file, const std::string& event) {
    if (!file.empty()) {
        std::ofstream(file, std::ios::app) << TEST_PLUGIN_NAME << " " << event << "\n";
    }
}

class FirstPicker : public sdk::InstancePicker {
public:
    std::size_t pick(std::span<const sdk::Candidate>) override { return 0; }
};

class TestBalancer : public sdk::LoadBalancer {
public:
    explicit TestBalancer(std::string marker) : marker_(std::move(marker)) { mark(marker_, "created"); }
    std::unique_ptr<sdk::InstancePicker> newPicker(const std::string&) override {
        return std::make_unique<FirstPicker>();
    }
    void shutdown() override { mark(marker_, "shutdown"); }

private:
    std::string marker_;
};

class NotABalancer : public sdk::Service {};

const sdk::PluginDescriptor& descriptor() {
    static const sdk::PluginDescriptor d{
        .kind = sdk::ServiceKind::TEST_PLUGIN_KIND,
        .name = TEST_PLUGIN_NAME,
        .version = "0.0.1",
        .description = "loader test plugin",
        .settings =
            {
                {.name = "marker_file", .description = "file that records create and shutdown"},
                {.name = "reject",
                 .type = sdk::SettingType::Bool,
                 .defaultValue = "false",
                 .description = "reject the configuration"},
                {.name = "fail_start",
                 .type = sdk::SettingType::Bool,
                 .defaultValue = "false",
                 .description = "fail while starting"},
                {.name = "token", .description = "a secret", .secret = true},
#ifdef TEST_PLUGIN_REQUIRED
                {.name = "endpoint", .description = "a required setting", .required = true},
#endif
            },
        .create = [](const sdk::Settings& settings, const sdk::HostContext& host) -> std::shared_ptr<sdk::Service> {
            if (settings.getBool("reject")) {
                throw sdk::InvalidConfig("reject", "setting 'reject': rejected on purpose");
            }
            if (settings.getBool("fail_start")) {
                throw sdk::Unavailable("backend unreachable at 127.0.0.1:1");
            }
            host.logger.information("test plugin created");
#ifdef TEST_PLUGIN_NOT_LB
            return std::make_shared<NotABalancer>();
#else
            return std::make_shared<TestBalancer>(settings.getString("marker_file"));
#endif
        },
    };
    return d;
}

} // namespace
} // namespace maelstrom::plugins::test

#ifndef TEST_PLUGIN_ABI
MAELSTROM_PLUGIN(maelstrom::plugins::test::descriptor)
#else
// A plugin built against another ABI: same symbols, another version.
namespace wrong_abi {
inline int abiVersion() { return TEST_PLUGIN_ABI; }
inline const maelstrom::sdk::PluginDescriptor& descriptor() { return maelstrom::plugins::test::descriptor(); }
} // namespace wrong_abi
BOOST_DLL_ALIAS(wrong_abi::abiVersion, maelstrom_plugin_abi)
BOOST_DLL_ALIAS(wrong_abi::descriptor, maelstrom_plugin_descriptor)
#endif
