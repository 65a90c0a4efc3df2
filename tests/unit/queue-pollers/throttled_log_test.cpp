// throttled_log_test.cpp — the rate-limited warning log on a fake clock: one warning per key and period (of any
// text, or of the same text), the count of the lines left out in the next one, keys apart, recovery lines only
// after a written warning and by key prefix, and clear() letting the next warning through at once.
// SPDX-License-Identifier: Apache-2.0
#include "fake_clock.h"
#include "throttled_log.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using maelstrom::plugins::queue_pollers::ThrottledLog;
using maelstrom::testing::FakeClock;
namespace sdk = maelstrom::sdk;

namespace {

/// Keeps every line as "<level>: <text>".
class Lines {
public:
    sdk::PluginLogger logger() {
        return sdk::PluginLogger([this](sdk::LogLevel level, const std::string& line) {
            lines_.push_back(std::string(level == sdk::LogLevel::Warning       ? "warning"
                                         : level == sdk::LogLevel::Information ? "information"
                                                                               : "other") +
                             ": " + line);
        });
    }

    /// The lines since the last call.
    std::vector<std::string> take() {
        auto lines = std::move(lines_);
        lines_.clear();
        return lines;
    }

private:
    std::vector<std::string> lines_;
};

using V = std::vector<std::string>;

} // namespace

class ThrottledLogTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ThrottledLogTest);
    CPPUNIT_TEST(testOncePerKeyAndPeriodCountingTheRest);
    CPPUNIT_TEST(testRecoveredOnlyAfterAWrittenWarning);
    CPPUNIT_TEST(testSameTextOnlyThrottlesRepeatsOfTheLastText);
    CPPUNIT_TEST(testClearLetsTheNextWarningThrough);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOncePerKeyAndPeriodCountingTheRest() {
        FakeClock clock;
        Lines lines;
        ThrottledLog log(lines.logger(), clock, 60s);
        log.warn("a", "x failed");
        CPPUNIT_ASSERT(lines.take() == V{"warning: x failed"});
        clock.advance(10s);
        log.warn("a", "x failed");
        clock.advance(10s);
        log.warn("a", "x failed differently"); // the key names the failure: any text of it is a repeat
        log.warn("b", "y failed");             // other keys are apart
        CPPUNIT_ASSERT(lines.take() == V{"warning: y failed"});
        clock.advance(39s);
        log.warn("a", "x failed");
        CPPUNIT_ASSERT(lines.take().empty());
        clock.advance(1s); // a period after the last line written
        log.warn("a", "x failed");
        CPPUNIT_ASSERT(lines.take() == V{"warning: x failed (3 more since the last report)"});
        clock.advance(1s);
        log.warn("a", "x failed");
        clock.advance(60s);
        log.warn("a", "x failed");
        log.warn("b", "y failed");
        CPPUNIT_ASSERT(lines.take() == (V{"warning: x failed (1 more since the last report)",
                                          "warning: y failed"})); // b: none left out
    }

    void testRecoveredOnlyAfterAWrittenWarning() {
        FakeClock clock;
        Lines lines;
        ThrottledLog log(lines.logger(), clock, 60s);
        log.recovered("roles|", "role calls work again"); // nothing failed
        CPPUNIT_ASSERT(lines.take().empty());
        log.warn("roles|r1", "r1 failed");
        log.warn("roles|r2", "r2 failed");
        log.warn("other", "other failed");
        lines.take();
        log.recovered("roles|", "role calls work again"); // one line for every key of the prefix
        log.recovered("roles|", "role calls work again"); // said already
        CPPUNIT_ASSERT(lines.take() == V{"information: role calls work again"});
        // The keys stay throttled: a failure that comes back within the period is left out, and so is its end.
        clock.advance(5s);
        log.warn("roles|r1", "r1 failed");
        log.recovered("roles|", "role calls work again");
        CPPUNIT_ASSERT(lines.take().empty());
        // "other" was left alone by the recovery of "roles|"; any prefix of its key ends it.
        log.recovered("others", "others work again"); // not a prefix of "other"
        log.recovered("oth", "other works again");
        CPPUNIT_ASSERT(lines.take() == V{"information: other works again"});
        clock.advance(60s);
        log.warn("roles|r1", "r1 failed");
        log.recovered("roles|r1", "r1 works again");
        CPPUNIT_ASSERT(lines.take() ==
                       (V{"warning: r1 failed (1 more since the last report)", "information: r1 works again"}));
    }

    void testSameTextOnlyThrottlesRepeatsOfTheLastText() {
        FakeClock clock;
        Lines lines;
        ThrottledLog log(lines.logger(), clock, 1min, ThrottledLog::Repeats::SameText);
        log.warn("report", "source A: sending failed");
        clock.advance(1s);
        log.warn("report", "source A: sending failed");
        CPPUNIT_ASSERT(lines.take() == V{"warning: source A: sending failed"});
        // The key names a place: another text there is written at once, with the count of the lines left out.
        clock.advance(1s);
        log.warn("report", "source B: sending failed");
        log.warn("report", "source B: sending failed");
        log.warn("report", "source A: sending failed");
        CPPUNIT_ASSERT(lines.take() == (V{"warning: source B: sending failed (1 more since the last report)",
                                          "warning: source A: sending failed (1 more since the last report)"}));
        clock.advance(59s);
        log.warn("report", "source A: sending failed");
        CPPUNIT_ASSERT(lines.take().empty());
        clock.advance(1s);
        log.warn("report", "source A: sending failed");
        CPPUNIT_ASSERT(lines.take() == V{"warning: source A: sending failed (1 more since the last report)"});
    }

    void testClearLetsTheNextWarningThrough() {
        for (const auto repeats : {ThrottledLog::Repeats::AnyText, ThrottledLog::Repeats::SameText}) {
            FakeClock clock;
            Lines lines;
            ThrottledLog log(lines.logger(), clock, 1min, repeats);
            log.warn("role r1", "GetActivityTask failed");
            log.warn("role r1", "GetActivityTask failed");
            log.warn("role r2", "GetActivityTask failed");
            log.clear("role r1");             // worked again: forgotten with its count, and quietly
            log.clear("role r3");             // never failed
            log.recovered("role r1", "back"); // cleared quietly: no recovery line either
            CPPUNIT_ASSERT(lines.take() == (V{"warning: GetActivityTask failed", "warning: GetActivityTask failed"}));
            clock.advance(1s);
            log.warn("role r1", "GetActivityTask failed");
            log.warn("role r1", "GetActivityTask failed");
            log.warn("role r2", "GetActivityTask failed"); // not cleared: still throttled
            CPPUNIT_ASSERT(lines.take() == V{"warning: GetActivityTask failed"});
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ThrottledLogTest);
