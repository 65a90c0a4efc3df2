// log_format_test.cpp — the components filter (exact, prefix*, *suffix, *contains*, *), the `since` forms
// Docker accepts (Go durations, Unix timestamps, dates and times with and without zones) and the JSON line of
// /_mael/logs (Go's escaping, valid UTF-8 out of any bytes, the node last and only when there is one).
#include "logs/log_format.h"
#include "test_support.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdlib>
#include <ctime>

using namespace maelstrom::core;

namespace {

constexpr std::int64_t kNow = 1700000000000; // 2023-11-14T22:13:20Z

std::int64_t since(const std::string& v) { return parseSince(v, kNow); }

void assertInvalidSince(const std::string& v) {
    try {
        parseSince(v, kNow);
    } catch (const InvalidSince& e) {
        CPPUNIT_ASSERT_MESSAGE(e.what(), std::string(e.what()).find("invalid since '" + v + "'") == 0);
        return;
    }
    CPPUNIT_FAIL("accepted since '" + v + "'");
}

} // namespace

class LogFormatTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LogFormatTest);
    CPPUNIT_TEST(filterEmptyAndStarMatchEverything);
    CPPUNIT_TEST(filterPatterns);
    CPPUNIT_TEST(sinceDurations);
    CPPUNIT_TEST(sinceTimestampsAndTimes);
    CPPUNIT_TEST(sinceInvalid);
    CPPUNIT_TEST(jsonLineLikeGo);
    CPPUNIT_TEST(jsonLineAlwaysValidUtf8);
    CPPUNIT_TEST_SUITE_END();

public:
    void filterEmptyAndStarMatchEverything() {
        for (const char* list : {"", " , ,", "*", " * ", "a,*"}) {
            const ComponentFilter f(list);
            CPPUNIT_ASSERT_MESSAGE(list, f.matchesAll());
            CPPUNIT_ASSERT_MESSAGE(list, f.matches("anything"));
            CPPUNIT_ASSERT_MESSAGE(list, !f.matches("")); // a container without the label
        }
    }

    void filterPatterns() {
        const ComponentFilter f(" api , web* ,*-worker, *cache* ,");
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), f.items().size());
        CPPUNIT_ASSERT(f.matches("api"));
        CPPUNIT_ASSERT(!f.matches("api2"));
        CPPUNIT_ASSERT(!f.matches("xapi"));
        CPPUNIT_ASSERT(f.matches("web"));
        CPPUNIT_ASSERT(f.matches("website"));
        CPPUNIT_ASSERT(f.matches("mail-worker"));
        CPPUNIT_ASSERT(!f.matches("worker-mail"));
        CPPUNIT_ASSERT(f.matches("redis-cache-1"));
        CPPUNIT_ASSERT(f.matches("cache"));
        CPPUNIT_ASSERT(!f.matches("other"));
    }

    void sinceDurations() {
        CPPUNIT_ASSERT_EQUAL(kNow - 60000, since("1m"));
        CPPUNIT_ASSERT_EQUAL(kNow - 10000, since("10s"));
        CPPUNIT_ASSERT_EQUAL(kNow - 2 * 3600000, since("2h"));
        CPPUNIT_ASSERT_EQUAL(kNow - 5400000, since("1h30m"));
        CPPUNIT_ASSERT_EQUAL(kNow - 5400000, since("1.5h"));
        CPPUNIT_ASSERT_EQUAL(kNow - 250, since("250ms"));
        CPPUNIT_ASSERT_EQUAL(kNow - 1, since("1000us"));
        CPPUNIT_ASSERT_EQUAL(kNow - 1, since("1000\xC2\xB5s"));
        CPPUNIT_ASSERT_EQUAL(kNow + 60000, since("-1m")); // as Docker: a negative duration is in the future
        CPPUNIT_ASSERT_EQUAL(kNow, since("+0"));
        CPPUNIT_ASSERT_EQUAL(kNow - 1500, since(" 1.5s "));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), since("1000000h")); // before 1970: from the beginning
    }

    void sinceTimestampsAndTimes() {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), since("0"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000000), since("1700000000"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000500), since("1700000000.5"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000123), since("1700000000.123456789"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000000), since("2023-11-14T22:13:20Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000250), since("2023-11-14T22:13:20.25Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000000), since("2023-11-15T00:13:20+02:00"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000000), since("2023-11-14T20:13:20-02:00"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1699920000000), since("2023-11-14Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1699999980000), since("2023-11-14T22:13Z"));
        // Without a zone: local time, whatever the zone of the machine running the test.
        std::tm tm{};
        tm.tm_year = 2023 - 1900;
        tm.tm_mon = 10;
        tm.tm_mday = 14;
        tm.tm_hour = 22;
        tm.tm_isdst = -1;
        const std::int64_t local = static_cast<std::int64_t>(std::mktime(&tm)) * 1000;
        CPPUNIT_ASSERT_EQUAL(local, since("2023-11-14T22"));
        CPPUNIT_ASSERT_EQUAL(local + 13 * 60000 + 20000, since("2023-11-14T22:13:20"));
    }

    void sinceInvalid() {
        for (const char* v :
             {"", "  ", "abc", "1x", "m", "1mm", "10 s", "2023-13-01", "2023-11-14T25", "2023-11-14T22:13:20+0200",
              "2023-11-14 22:13", "1700000000.", ".5", "9999999999999h", "-", "1s;rm"}) {
            assertInvalidSince(v);
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10000), since("10")); // a Unix timestamp, 10 s after 1970
        CPPUNIT_ASSERT_EQUAL(kNow - 60000, since("1.m"));       // Go accepts a bare trailing dot
    }

    void jsonLineLikeGo() {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"Component":"api","Stream":"stdout","Data":"hello\n"})"),
                             logMessageJson("api", false, "hello\n", ""));
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"Component":"w","Stream":"stderr","Data":"a\"b\\c\t\r\u0001\u003c\u003e\u0026 é\n"})"),
            logMessageJson("w", true, "a\"b\\c\t\r\x01<>& \xC3\xA9\n", ""));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"Component":"x","Stream":"stdout","Data":"\u2028\u2029"})"),
                             logMessageJson("x", false, "\xE2\x80\xA8\xE2\x80\xA9", ""));
        // The node comes last, escaped the same way; an empty one is left out (above).
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"Component":"api","Stream":"stderr","Data":"x\n","Node":"node-1"})"),
                             logMessageJson("api", true, "x\n", "node-1"));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"Component":"a","Stream":"stdout","Data":"","Node":"n\"\u003c1\u003e"})"),
                             logMessageJson("a", false, "", "n\"<1>"));
    }

    void jsonLineAlwaysValidUtf8() {
        // Invalid sequences (lone continuation, truncated, overlong, surrogate, above U+10FFFF) become U+FFFD.
        const std::string bad = "a\x80"
                                "b\xC3"
                                "c\xC0\xAF"
                                "d\xED\xA0\x80"
                                "e\xF4\x90\x80\x80"
                                "f\xF0\x9F\x98\x80";
        const std::string line = logMessageJson("c", false, bad, "n\xFF");
        Poco::JSON::Parser parser;
        const auto o = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
        const std::string data = o->getValue<std::string>("Data");
        CPPUNIT_ASSERT_MESSAGE(line, data.find("a\xEF\xBF\xBD"
                                               "b") == 0);
        CPPUNIT_ASSERT_MESSAGE(line, data.find("f\xF0\x9F\x98\x80") != std::string::npos); // a valid emoji stays
        CPPUNIT_ASSERT_EQUAL(std::string("n\xEF\xBF\xBD"), o->getValue<std::string>("Node"));
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto c = static_cast<unsigned char>(line[i]);
            CPPUNIT_ASSERT_MESSAGE(line, c >= 0x20);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogFormatTest);
