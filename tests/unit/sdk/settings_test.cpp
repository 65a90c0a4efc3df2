// settings_test.cpp — Settings::validate against a plugin's table, typed getters, parsing helpers, redaction.
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/settings.h>

#include <cppunit/extensions/HelperMacros.h>

#include <clocale>
#include <functional>
#include <limits>

using namespace maelstrom::sdk;

namespace {

SettingsSpec sampleSpec() {
    SettingsSpec spec;
    spec.push_back({.name = "dsn", .type = SettingType::String, .description = "where", .required = true});
    spec.push_back({.name = "pool_size", .type = SettingType::Int, .defaultValue = "8", .description = "pool"});
    spec.push_back({.name = "verbose", .type = SettingType::Bool, .defaultValue = "false", .description = "log"});
    spec.push_back({.name = "ratio", .type = SettingType::Double, .description = "ratio"});
    spec.push_back({.name = "hosts", .type = SettingType::StringList, .defaultValue = "a, b", .description = "hosts"});
    spec.push_back({.name = "password", .type = SettingType::String, .description = "secret", .secret = true});
    spec.push_back({.name = "mode",
                    .type = SettingType::String,
                    .defaultValue = "fast",
                    .description = "mode",
                    .allowed = {"fast", "safe"}});
    return spec;
}

RawSettings withDsn(std::map<std::string, std::string> scalars = {}) {
    RawSettings raw;
    raw.scalars = std::move(scalars);
    raw.scalars.emplace("dsn", "db://x");
    return raw;
}

/// Runs `f` and checks that it throws InvalidConfig naming `setting` with exactly `message`.
void expectInvalid(const std::function<void()>& f, const std::string& setting, const std::string& message) {
    try {
        f();
    } catch (const InvalidConfig& e) {
        CPPUNIT_ASSERT_EQUAL(setting, e.setting());
        CPPUNIT_ASSERT_EQUAL(message, std::string(e.what()));
        return;
    }
    CPPUNIT_FAIL("expected InvalidConfig: " + message);
}

} // namespace

class SettingsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SettingsTest);
    CPPUNIT_TEST(testUnknownKeyListsValidKeys);
    CPPUNIT_TEST(testMissingRequired);
    CPPUNIT_TEST(testDefaultsApplied);
    CPPUNIT_TEST(testIntParsing);
    CPPUNIT_TEST(testBoolParsing);
    CPPUNIT_TEST(testDoubleParsing);
    CPPUNIT_TEST(testBadValuesRejectedByValidate);
    CPPUNIT_TEST(testLists);
    CPPUNIT_TEST(testAllowedValues);
    CPPUNIT_TEST(testSecretsRedacted);
    CPPUNIT_TEST(testUndeclaredNameInGetter);
    CPPUNIT_TEST_SUITE_END();

public:
    void testUnknownKeyListsValidKeys() {
        expectInvalid(
            [] {
                Settings::validate(sampleSpec(), withDsn({{"pool", "3"}}));
            },
            "pool", "unknown setting 'pool' (valid: dsn, pool_size, verbose, ratio, hosts, password, mode)");
        RawSettings listKey = withDsn();
        listKey.lists["nodes"] = {"a"};
        expectInvalid([&] { Settings::validate(sampleSpec(), listKey); }, "nodes",
                      "unknown setting 'nodes' (valid: dsn, pool_size, verbose, ratio, hosts, password, mode)");
        expectInvalid([] { Settings::validate({}, withDsn()); }, "dsn",
                      "unknown setting 'dsn' (this plugin takes no settings)");
        CPPUNIT_ASSERT(Settings::validate({}, {}).redacted().empty());
    }

    void testMissingRequired() {
        expectInvalid([] { Settings::validate(sampleSpec(), {}); }, "dsn", "missing required setting 'dsn'");
        SettingsSpec spec = {{.name = "peers", .type = SettingType::StringList, .required = true}};
        expectInvalid([&] { Settings::validate(spec, {}); }, "peers", "missing required setting 'peers'");
        // An empty string is a value.
        CPPUNIT_ASSERT_EQUAL(std::string(), Settings::validate(sampleSpec(), withDsn({{"dsn", ""}})).getString("dsn"));
    }

    void testDefaultsApplied() {
        const Settings s = Settings::validate(sampleSpec(), withDsn());
        CPPUNIT_ASSERT_EQUAL(std::string("db://x"), s.getString("dsn"));
        CPPUNIT_ASSERT(s.has("pool_size"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8), s.getInt("pool_size", 99));
        CPPUNIT_ASSERT_EQUAL(false, s.getBool("verbose", true));
        CPPUNIT_ASSERT((s.getList("hosts") == std::vector<std::string>{"a", "b"}));
        CPPUNIT_ASSERT_EQUAL(std::string("fast"), s.getString("mode"));
        // No value and no default: absent, and the getter's fallback is used.
        CPPUNIT_ASSERT(!s.has("ratio"));
        CPPUNIT_ASSERT_EQUAL(0.5, s.getDouble("ratio", 0.5));
        CPPUNIT_ASSERT(!s.has("password"));
        CPPUNIT_ASSERT_EQUAL(std::string("none"), s.getString("password", "none"));
        // Given values win over defaults.
        const Settings given =
            Settings::validate(sampleSpec(), withDsn({{"pool_size", "0x10"}, {"verbose", "yes"}, {"ratio", "2.5"}}));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(16), given.getInt("pool_size"));
        CPPUNIT_ASSERT_EQUAL(true, given.getBool("verbose"));
        CPPUNIT_ASSERT_EQUAL(2.5, given.getDouble("ratio"));
    }

    void testIntParsing() {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(42), parseInt("n", "42"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-42), parseInt("n", "-42"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(42), parseInt("n", "+42"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(16), parseInt("n", "0x10"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(255), parseInt("n", "0XfF"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-16), parseInt("n", "-0x10"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8), parseInt("n", "010"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8), parseInt("n", "0o10"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), parseInt("n", "0b101"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), parseInt("n", "0"));
        CPPUNIT_ASSERT_EQUAL(std::numeric_limits<std::int64_t>::max(), parseInt("n", "9223372036854775807"));
        CPPUNIT_ASSERT_EQUAL(std::numeric_limits<std::int64_t>::min(), parseInt("n", "-9223372036854775808"));

        expectInvalid([] { parseInt("n", ""); }, "n", "setting 'n': empty value, expected an integer");
        for (const char* bad : {"abc", "12abc", "1.5", " 12", "12 ", "0x", "08", "--1", "+-1", "-", "1e3", "0x1g"}) {
            expectInvalid([&] { parseInt("n", bad); }, "n", std::string("setting 'n': not an integer: '") + bad + "'");
        }
        CPPUNIT_ASSERT_THROW(parseInt("n", std::string("12\0"
                                                       "3",
                                                       4)),
                             InvalidConfig); // strtoll stopped at NUL
        for (const char* big : {"9223372036854775808", "-9223372036854775809", "99999999999999999999999"}) {
            expectInvalid([&] { parseInt("n", big); }, "n",
                          std::string("setting 'n': integer out of range: '") + big + "'");
        }
    }

    void testBoolParsing() {
        for (const char* yes : {"true", "True", "TRUE", "t", "T", "1", "yes", "Yes", "YES", "on", "On", "ON"}) {
            CPPUNIT_ASSERT_MESSAGE(yes, parseBool("b", yes));
        }
        for (const char* no : {"false", "False", "FALSE", "f", "F", "0", "no", "No", "NO", "off", "Off", "OFF"}) {
            CPPUNIT_ASSERT_MESSAGE(no, !parseBool("b", no));
        }
        for (const char* bad : {"", "maybe", "2", "y", "n", " true", "truee"}) {
            expectInvalid([&] { parseBool("b", bad); }, "b",
                          std::string("setting 'b': not a boolean: '") + bad + "' (use true or false)");
        }
    }

    void testDoubleParsing() {
        CPPUNIT_ASSERT_EQUAL(0.5, parseDouble("d", "0.5"));
        CPPUNIT_ASSERT_EQUAL(-0.5, parseDouble("d", "-.5"));
        CPPUNIT_ASSERT_EQUAL(1000.0, parseDouble("d", "1e3"));
        CPPUNIT_ASSERT_EQUAL(3.0, parseDouble("d", "+3"));
        for (const char* bad : {"", "abc", "1.5x", " 1", "1 ", "inf", "-inf", "nan", "1e999", "0,5", "1..2"}) {
            expectInvalid([&] { parseDouble("d", bad); }, "d", std::string("setting 'd': not a number: '") + bad + "'");
        }
        // The locale of the process does not change how numbers are read.
        const char* previous = std::setlocale(LC_NUMERIC, nullptr);
        const std::string saved = previous ? previous : "C";
        if (std::setlocale(LC_NUMERIC, "de_DE.UTF-8") != nullptr) {
            CPPUNIT_ASSERT_EQUAL(0.5, parseDouble("d", "0.5"));
        }
        std::setlocale(LC_NUMERIC, saved.c_str());
    }

    void testBadValuesRejectedByValidate() {
        expectInvalid(
            [] {
                Settings::validate(sampleSpec(), withDsn({{"pool_size", "many"}}));
            },
            "pool_size", "setting 'pool_size': not an integer: 'many'");
        expectInvalid(
            [] {
                Settings::validate(sampleSpec(), withDsn({{"verbose", "sometimes"}}));
            },
            "verbose", "setting 'verbose': not a boolean: 'sometimes' (use true or false)");
        expectInvalid(
            [] {
                Settings::validate(sampleSpec(), withDsn({{"ratio", "half"}}));
            },
            "ratio", "setting 'ratio': not a number: 'half'");
        RawSettings listForScalar = withDsn();
        listForScalar.lists["pool_size"] = {"1", "2"};
        expectInvalid([&] { Settings::validate(sampleSpec(), listForScalar); }, "pool_size",
                      "setting 'pool_size': expected a single int value, got a list");
        // A bad default is reported too (naming the setting).
        SettingsSpec spec = {{.name = "port", .type = SettingType::Int, .defaultValue = "eighty"}};
        expectInvalid([&] { Settings::validate(spec, {}); }, "port", "setting 'port': not an integer: 'eighty'");
    }

    void testLists() {
        RawSettings raw = withDsn();
        raw.lists["hosts"] = {"x", " y ", ""};
        CPPUNIT_ASSERT((Settings::validate(sampleSpec(), raw).getList("hosts") ==
                        std::vector<std::string>{"x", " y ", ""})); // a YAML sequence is taken as is
        // A scalar is split on commas; items are trimmed and empty items dropped.
        CPPUNIT_ASSERT((Settings::validate(sampleSpec(), withDsn({{"hosts", "p, q ,,r"}})).getList("hosts") ==
                        std::vector<std::string>{"p", "q", "r"}));
        CPPUNIT_ASSERT(Settings::validate(sampleSpec(), withDsn({{"hosts", ""}})).getList("hosts").empty());
        CPPUNIT_ASSERT(Settings::validate(sampleSpec(), withDsn({{"hosts", " "}})).getList("hosts").empty());
        CPPUNIT_ASSERT((Settings::validate(sampleSpec(), withDsn({{"hosts", "solo"}})).getList("hosts") ==
                        std::vector<std::string>{"solo"}));
    }

    void testAllowedValues() {
        CPPUNIT_ASSERT_EQUAL(std::string("safe"),
                             Settings::validate(sampleSpec(), withDsn({{"mode", "safe"}})).getString("mode"));
        expectInvalid(
            [] {
                Settings::validate(sampleSpec(), withDsn({{"mode", "Fast"}}));
            },
            "mode", "setting 'mode': 'Fast' is not one of: fast, safe");
        expectInvalid(
            [] {
                Settings::validate(sampleSpec(), withDsn({{"mode", ""}}));
            },
            "mode", "setting 'mode': '' is not one of: fast, safe");
    }

    void testSecretsRedacted() {
        SettingsSpec spec = sampleSpec();
        spec.push_back({.name = "tokens", .type = SettingType::StringList, .secret = true});
        RawSettings raw = withDsn({{"password", "hunter2"}});
        raw.lists["tokens"] = {"t1", "t2"};
        const Settings s = Settings::validate(spec, raw);
        CPPUNIT_ASSERT_EQUAL(std::string("hunter2"), s.getString("password")); // the plugin sees the value
        const auto shown = s.redacted();
        CPPUNIT_ASSERT_EQUAL(std::string("********"), shown.at("password"));
        CPPUNIT_ASSERT_EQUAL(std::string("********"), shown.at("tokens"));
        CPPUNIT_ASSERT_EQUAL(std::string("db://x"), shown.at("dsn"));
        CPPUNIT_ASSERT_EQUAL(std::string("8"), shown.at("pool_size"));
        CPPUNIT_ASSERT_EQUAL(std::string("[a, b]"), shown.at("hosts"));
        CPPUNIT_ASSERT(shown.find("ratio") == shown.end()); // no value, nothing to show
        for (const auto& [name, text] : shown) {
            CPPUNIT_ASSERT(text.find("hunter2") == std::string::npos);
            CPPUNIT_ASSERT(text.find("t1") == std::string::npos);
        }
        // An empty secret reveals nothing and is shown empty.
        CPPUNIT_ASSERT_EQUAL(std::string(),
                             Settings::validate(spec, withDsn({{"password", ""}})).redacted().at("password"));
    }

    void testUndeclaredNameInGetter() {
        const Settings s = Settings::validate(sampleSpec(), withDsn());
        expectInvalid([&] { s.getString("dns"); }, "dns",
                      "setting 'dns' is not declared in the plugin's settings table");
        expectInvalid([&] { s.getInt("poolsize", 3); }, "poolsize",
                      "setting 'poolsize' is not declared in the plugin's settings table");
        expectInvalid([&] { s.getBool("x"); }, "x", "setting 'x' is not declared in the plugin's settings table");
        expectInvalid([&] { s.getDouble("x"); }, "x", "setting 'x' is not declared in the plugin's settings table");
        expectInvalid([&] { s.getList("x"); }, "x", "setting 'x' is not declared in the plugin's settings table");
        CPPUNIT_ASSERT(!s.has("x"));
        // A default-constructed Settings has no table: fallbacks.
        const Settings empty;
        CPPUNIT_ASSERT_EQUAL(std::string("fb"), empty.getString("anything", "fb"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), empty.getInt("anything", 4));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SettingsTest);
