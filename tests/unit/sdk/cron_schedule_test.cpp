// cron_schedule_test.cpp — sdk::CronSchedule, the schedule language of the original's scheduler (robfig/cron
// v3.0.0, standard parser): 5 fields with ranges, steps, lists and names; descriptors; @every with Go
// durations; TZ prefixes — and the firing times robfig computes, in UTC and in zones with DST changes (read
// from the system's tzdata, and from TZif files written here to exercise the POSIX footer rules), plus a
// seeded comparison with a brute-force minute scan (MAELSTROM_TEST_SEED=<n> replays a run).
// The expected firing times of the tables were checked against robfig/cron v3.0.0 itself (Go 1.19).
// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <maelstrom/sdk/cron_schedule.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>
#include <vector>

using namespace maelstrom::sdk;

namespace {

std::string errorOf(const std::string& schedule) {
    const auto error = CronSchedule::check(schedule);
    return error ? *error : std::string("<valid>");
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// The tests of real zones need tzdata (packaging/deps.sh installs it): say so instead of failing obscurely.
void requireZone(const std::string& name) {
    if (!exists("/usr/share/zoneinfo/" + name))
        CPPUNIT_FAIL("/usr/share/zoneinfo/" + name + " is missing: install tzdata (packaging/deps.sh)");
}

// Calendar arithmetic of the test's own (not the SDK's), for readable instants: "2026-03-09T06:30:00Z",
// optionally with milliseconds ("...:00.750Z").
std::int64_t daysFromCivil(std::int64_t y, int m, int d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

std::int64_t at(const std::string& iso) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
    const int n = std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &ms);
    if (n < 6)
        throw std::invalid_argument("bad instant in test: " + iso);
    return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + s * 1000 + (n == 7 ? ms : 0);
}

struct Civil {
    std::int64_t year;
    int month;
    int day;
    int weekday; // 0 = Sunday
};

Civil civilOfDay(std::int64_t days) {
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    Civil c{};
    c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    c.year = yoe + era * 400 + (c.month <= 2);
    c.weekday = static_cast<int>(((days % 7) + 7 + 4) % 7); // 1970-01-01 was a Thursday
    return c;
}

std::string iso(std::int64_t millis) {
    std::int64_t days = millis / 86400000;
    std::int64_t rest = millis % 86400000;
    if (rest < 0) {
        rest += 86400000;
        --days;
    }
    const Civil c = civilOfDay(days);
    char out[64];
    const int ms = static_cast<int>(rest % 1000);
    std::snprintf(out, sizeof out, "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(c.year), c.month, c.day,
                  static_cast<int>(rest / 3600000), static_cast<int>(rest / 60000 % 60),
                  static_cast<int>(rest / 1000 % 60));
    std::string text = out;
    if (ms != 0) {
        std::snprintf(out, sizeof out, ".%03d", ms);
        text += out;
    }
    return text + "Z";
}

/// The next `count` firings after `after`, as ISO strings ("none" once there is no next one).
std::vector<std::string> firings(const std::string& spec, const std::string& after, std::size_t count) {
    const auto schedule = CronSchedule::parse(spec);
    std::vector<std::string> out;
    std::int64_t t = at(after);
    while (out.size() < count) {
        const auto next = schedule.next(t);
        if (!next) {
            out.emplace_back("none");
            break;
        }
        out.push_back(iso(*next));
        t = *next;
    }
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : " ") + item;
    return out;
}

struct Case {
    const char* spec;
    const char* after;
    std::vector<std::string> expected; // successive firings; "none" when there is none
};

void checkTable(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        const std::string label = std::string(c.spec) + " after " + c.after;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(label, joined(c.expected), joined(firings(c.spec, c.after, c.expected.size())));
    }
}

/// Sets TZ for the life of the object, then puts the previous value back.
class ScopedTz {
public:
    explicit ScopedTz(const std::string& value) {
        if (const char* old = std::getenv("TZ"))
            old_ = old;
        ::setenv("TZ", value.c_str(), 1);
    }
    ~ScopedTz() {
        if (old_)
            ::setenv("TZ", old_->c_str(), 1);
        else
            ::unsetenv("TZ");
    }
    ScopedTz(const ScopedTz&) = delete;
    ScopedTz& operator=(const ScopedTz&) = delete;

private:
    std::optional<std::string> old_;
};

/// A version 2 TZif file with no transitions, one local time type (`offset` seconds east of UTC) and `footer`
/// as its POSIX TZ string: every instant is then ruled by the footer, as after a slim file's last transition.
std::string tzifWithFooter(std::int32_t offset, const std::string& footer) {
    const auto be32 = [](std::string& out, std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<char>((v >> shift) & 0xff));
    };
    std::string header = "TZif2" + std::string(15, '\0');
    for (std::uint32_t count : {0u, 0u, 0u, 0u, 1u, 4u}) // isut, isstd, leap, time, type, abbreviation chars
        be32(header, count);
    std::string data;
    be32(data, static_cast<std::uint32_t>(offset));
    data += std::string("\0\0XXX\0", 6); // isdst, abbreviation index, the abbreviation
    return header + data + header + data + "\n" + footer + "\n";
}

// ---- The brute-force oracle of the randomized test: one field, as allowed values plus robfig's star flag.

struct FieldSpec {
    std::string text;
    std::set<int> values;
    bool star = false;
};

FieldSpec randomField(std::mt19937_64& random, int lo, int hi, const std::vector<std::string>& names) {
    const auto uniform = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(random); };
    const auto value = [&](int v) {
        if (!names.empty() && uniform(0, 3) == 0) {
            std::string name = names[static_cast<std::size_t>(v - lo)];
            if (uniform(0, 1) == 0)
                for (auto& ch : name)
                    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            return name;
        }
        return std::to_string(v);
    };
    FieldSpec field;
    const int items = uniform(0, 3) == 0 ? uniform(2, 3) : 1;
    for (int i = 0; i < items; ++i) {
        int start = lo;
        int end = hi;
        int step = 1;
        bool star = false;
        std::string text;
        switch (uniform(0, 6)) {
        case 0:
            star = true;
            text = uniform(0, 1) == 0 ? "*" : "?";
            break;
        case 1:
            start = end = uniform(lo, hi);
            text = value(start);
            break;
        case 2:
            start = uniform(lo, hi);
            end = uniform(start, hi);
            text = value(start) + "-" + value(end);
            break;
        case 3:
            star = true;
            step = uniform(1, 12);
            text = "*/" + std::to_string(step);
            break;
        case 4:
            start = uniform(lo, hi);
            step = uniform(1, 15);
            text = value(start) + "/" + std::to_string(step);
            break;
        case 5:
            start = uniform(lo, hi);
            end = uniform(start, hi);
            step = uniform(1, 8);
            text = value(start) + "-" + value(end) + "/" + std::to_string(step);
            break;
        default:
            start = end = uniform(lo, hi);
            text = std::to_string(start);
            break;
        }
        for (int v = start; v <= end; v += step)
            field.values.insert(v);
        field.star = field.star || (star && step == 1);
        field.text += (i == 0 ? "" : ",") + text;
    }
    return field;
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/// The first whole minute strictly after `after` whose fields match, scanning day by day in UTC, or nothing
/// when none falls in the next 5 calendar years (robfig's limit, counted from the second after `after`).
std::optional<std::int64_t> bruteForceNext(const std::vector<FieldSpec>& f, std::int64_t after) {
    const std::int64_t firstMinute = floorDiv(after, 60000) + 1;
    const std::int64_t yearLimit = civilOfDay(floorDiv(floorDiv(after, 1000) + 1, 86400)).year + 5;
    for (std::int64_t day = floorDiv(firstMinute, 1440);; ++day) {
        const Civil c = civilOfDay(day);
        if (c.year > yearLimit)
            return std::nullopt;
        if (!f[3].values.count(c.month))
            continue;
        const bool dom = f[2].values.count(c.day) != 0;
        const bool dow = f[4].values.count(c.weekday) != 0;
        if (!((f[2].star || f[4].star) ? (dom && dow) : (dom || dow)))
            continue;
        for (int minute = 0; minute < 1440; ++minute) {
            const std::int64_t at = day * 1440 + minute;
            if (at >= firstMinute && f[1].values.count(minute / 60) && f[0].values.count(minute % 60))
                return at * 60000;
        }
    }
}

} // namespace

class CronScheduleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CronScheduleTest);
    CPPUNIT_TEST(testValidFields);
    CPPUNIT_TEST(testInvalidFields);
    CPPUNIT_TEST(testDescriptors);
    CPPUNIT_TEST(testEvery);
    CPPUNIT_TEST(testTimeZones);
    CPPUNIT_TEST(testParseThrowsWhatCheckSays);
    CPPUNIT_TEST(testAccessors);
    CPPUNIT_TEST(testNextInUtc);
    CPPUNIT_TEST(testNextEvery);
    CPPUNIT_TEST(testNextAcrossDst);
    CPPUNIT_TEST(testNextInOtherZones);
    CPPUNIT_TEST(testLocalFollowsTz);
    CPPUNIT_TEST(testPosixFooterRules);
    CPPUNIT_TEST(testZoneFileErrors);
    CPPUNIT_TEST(testConcurrentUse);
    CPPUNIT_TEST(testRandomizedAgainstBruteForce);
    CPPUNIT_TEST_SUITE_END();

public:
    void testValidFields() {
        for (const char* s :
             {"* * * * *", "*/5 * * * *", "0 0 1 1 0", "59 23 31 12 6", "0-59/15 1,2,3 1-31/2 jan-DEC MON-fri",
              "5 4 * * sun", "0 22 * * 1-5", "? ? ? ? ?", "1/10 * * * *", "0 0 * FEB *", "  1  2  *  *  *  ",
              "1,,2 * * * *", "*-5 * * * *", "+5 * * * *", "05 08 * * *", "0 0 * * SAT"}) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(s, std::string("<valid>"), errorOf(s));
        }
    }

    void testInvalidFields() {
        CPPUNIT_ASSERT_EQUAL(std::string("empty spec string"), errorOf(""));
        CPPUNIT_ASSERT_EQUAL(std::string("expected exactly 5 fields, found 4: * * * *"), errorOf("* * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("expected exactly 5 fields, found 6: 0 * * * * *"), errorOf("0 * * * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("minute field: end of range (60) above maximum (59): 60"),
                             errorOf("60 * * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("hour field: end of range (24) above maximum (23): 0-24"),
                             errorOf("* 0-24 * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("day-of-month field: beginning of range (0) below minimum (1): 0"),
                             errorOf("* * 0 * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("month field: end of range (13) above maximum (12): 13"),
                             errorOf("* * * 13 *"));
        CPPUNIT_ASSERT_EQUAL(std::string("day-of-week field: end of range (7) above maximum (6): 7"),
                             errorOf("* * * * 7"));
        CPPUNIT_ASSERT_EQUAL(std::string("day-of-week field: end of range (9) above maximum (6): 9"),
                             errorOf("5 6 */2 ? 9"));
        CPPUNIT_ASSERT_EQUAL(std::string("minute field: beginning of range (10) beyond end of range (5): 10-5"),
                             errorOf("10-5 * * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("minute field: step of range should be a positive number: */0"),
                             errorOf("*/0 * * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("minute field: too many slashes: 1/2/3"), errorOf("1/2/3 * * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("minute field: too many hyphens: 1-2-3"), errorOf("1-2-3 * * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("minute field: failed to parse int from x"), errorOf("x * * * *"));
        // As in the original, "-1" splits into an empty start and 1; a negative step is named as such.
        CPPUNIT_ASSERT_EQUAL(std::string("minute field: failed to parse int from "), errorOf("-1 * * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("minute field: negative number (-1) not allowed: -1"),
                             errorOf("*/-1 * * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("month field: failed to parse int from janu"), errorOf("* * * janu *"));
        CPPUNIT_ASSERT_EQUAL(std::string("hour field: failed to parse int from 99999999999999999999"),
                             errorOf("* 99999999999999999999 * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("day-of-week field: failed to parse int from jan"), errorOf("* * * * jan"));
    }

    void testDescriptors() {
        for (const char* s : {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(s, std::string("<valid>"), errorOf(s));
        CPPUNIT_ASSERT_EQUAL(std::string("unrecognized descriptor: @minutely"), errorOf("@minutely"));
        CPPUNIT_ASSERT_EQUAL(std::string("unrecognized descriptor: @HOURLY"), errorOf("@HOURLY"));
        CPPUNIT_ASSERT_EQUAL(std::string("unrecognized descriptor: @hourly "), errorOf("@hourly "));
        CPPUNIT_ASSERT_EQUAL(std::string("unrecognized descriptor: @every"), errorOf("@every"));
    }

    void testEvery() {
        for (const char* s : {"@every 1h", "@every 1h30m", "@every 90s", "@every 1.5h", "@every 300ms", "@every 0",
                              "@every 2h45m10s", "@every .5m", "@every 1us", "@every 1\xC2\xB5s"})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(s, std::string("<valid>"), errorOf(s));
        for (const char* s :
             {"@every 1", "@every 1d", "@every ", "@every  1h", "@every h", "@every 1h ", "@every 1..5s"})
            CPPUNIT_ASSERT_MESSAGE(s, errorOf(s).starts_with("failed to parse duration"));
    }

    void testTimeZones() {
        CPPUNIT_ASSERT_EQUAL(std::string("<valid>"), errorOf("TZ=UTC 0 5 * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("<valid>"), errorOf("CRON_TZ=UTC @daily"));
        CPPUNIT_ASSERT_EQUAL(std::string("<valid>"), errorOf("CRON_TZ=Local  0 5 * * *"));
        CPPUNIT_ASSERT(errorOf("TZ=UTC").starts_with("time zone prefix must be followed"));
        CPPUNIT_ASSERT(errorOf("TZ=../etc/passwd 0 5 * * *").starts_with("provided bad location ../etc/passwd"));
        CPPUNIT_ASSERT(errorOf("TZ=/etc/localtime 0 5 * * *").starts_with("provided bad location"));
        CPPUNIT_ASSERT(errorOf("TZ=No/Such_Zone 0 5 * * *").starts_with("provided bad location No/Such_Zone"));
        CPPUNIT_ASSERT_EQUAL(std::string("expected exactly 5 fields, found 4: 0 5 * *"), errorOf("TZ=UTC 0 5 * *"));
        struct stat st {};
        if (::stat("/usr/share/zoneinfo/Europe/Berlin", &st) == 0)
            CPPUNIT_ASSERT_EQUAL(std::string("<valid>"), errorOf("TZ=Europe/Berlin 30 6 * * MON-FRI"));
        // robfig's texts exactly (Go's error after the colon).
        CPPUNIT_ASSERT_EQUAL(std::string("provided bad location Mars/Base: unknown time zone Mars/Base"),
                             errorOf("CRON_TZ=Mars/Base 0 5 * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("provided bad location ../x: invalid location name"),
                             errorOf("TZ=../x 0 5 * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("provided bad location \\x: invalid location name"),
                             errorOf("TZ=\\x 0 5 * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("provided bad location a\"b: unknown time zone a\"b"),
                             errorOf("TZ=a\"b 0 5 * * *"));
        // UTC and its aliases need no tzdata; an empty zone is UTC, as in Go.
        for (const char* s : {"TZ=Etc/UTC 0 5 * * *", "CRON_TZ=GMT 0 5 * * *", "TZ= 0 5 * * *"})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(s, std::string("<valid>"), errorOf(s));
    }

    void testParseThrowsWhatCheckSays() {
        for (const char* s : {"", "* * * *", "60 * * * *", "@every 1d", "TZ=Mars/Base 0 5 * * *", "@minutely"}) {
            try {
                CronSchedule::parse(s);
                CPPUNIT_FAIL(std::string("no exception for ") + s);
            } catch (const std::invalid_argument& e) {
                CPPUNIT_ASSERT_EQUAL_MESSAGE(s, errorOf(s), std::string(e.what()));
            }
        }
    }

    void testAccessors() {
        const auto plain = CronSchedule::parse("0 5 * * *");
        CPPUNIT_ASSERT_EQUAL(std::string("0 5 * * *"), plain.spec());
        CPPUNIT_ASSERT_EQUAL(std::string("Local"), plain.zoneName());
        CPPUNIT_ASSERT(!plain.everyMillis());
        const auto zoned = CronSchedule::parse("CRON_TZ=UTC  @every 1h30m ");
        CPPUNIT_ASSERT_EQUAL(std::string("CRON_TZ=UTC  @every 1h30m "), zoned.spec());
        CPPUNIT_ASSERT_EQUAL(std::string("UTC"), zoned.zoneName());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5400000), zoned.everyMillis().value());
        CPPUNIT_ASSERT_EQUAL(std::string(""), CronSchedule::parse("TZ= @daily").zoneName());
        CPPUNIT_ASSERT_EQUAL(std::string("Local"), CronSchedule::parse("TZ=Local @daily").zoneName());
        // Copies are independent values.
        auto copy = zoned;
        copy = plain;
        CPPUNIT_ASSERT_EQUAL(std::string("0 5 * * *"), copy.spec());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5400000), zoned.everyMillis().value());
    }

    void testNextInUtc() {
        checkTable({
            // every field form
            {"CRON_TZ=UTC * * * * *", "2026-05-01T10:00:00Z", {"2026-05-01T10:01:00Z", "2026-05-01T10:02:00Z"}},
            {"CRON_TZ=UTC * * * * *", "2026-05-01T10:00:30.500Z", {"2026-05-01T10:01:00Z"}},
            {"CRON_TZ=UTC * * * * *", "2026-05-01T10:00:59.999Z", {"2026-05-01T10:01:00Z"}},
            {"CRON_TZ=UTC ? ? ? ? ?", "2026-05-01T10:00:00Z", {"2026-05-01T10:01:00Z"}},
            {"CRON_TZ=UTC 5 * * * *", "2026-05-01T10:04:59Z", {"2026-05-01T10:05:00Z", "2026-05-01T11:05:00Z"}},
            {"CRON_TZ=UTC 30 14 * * *", "2026-05-01T15:00:00Z", {"2026-05-02T14:30:00Z", "2026-05-03T14:30:00Z"}},
            {"CRON_TZ=UTC 05 08 * * *", "2026-05-01T08:05:00Z", {"2026-05-02T08:05:00Z"}},
            {"CRON_TZ=UTC +5 * * * *", "2026-05-01T10:00:00Z", {"2026-05-01T10:05:00Z"}},
            // steps and lists
            {"CRON_TZ=UTC */15 * * * *",
             "2026-05-01T10:07:00Z",
             {"2026-05-01T10:15:00Z", "2026-05-01T10:30:00Z", "2026-05-01T10:45:00Z", "2026-05-01T11:00:00Z"}},
            {"CRON_TZ=UTC 5/20 * * * *",
             "2026-05-01T10:06:00Z",
             {"2026-05-01T10:25:00Z", "2026-05-01T10:45:00Z", "2026-05-01T11:05:00Z"}},
            {"CRON_TZ=UTC 10-40/10 * * * *",
             "2026-05-01T10:15:00Z",
             {"2026-05-01T10:20:00Z", "2026-05-01T10:30:00Z", "2026-05-01T10:40:00Z", "2026-05-01T11:10:00Z"}},
            {"CRON_TZ=UTC 0 9-17/4 * * *", "2026-05-01T13:00:00Z", {"2026-05-01T17:00:00Z", "2026-05-02T09:00:00Z"}},
            {"CRON_TZ=UTC 15,45 8,20 * * *",
             "2026-05-01T08:15:00Z",
             {"2026-05-01T08:45:00Z", "2026-05-01T20:15:00Z", "2026-05-01T20:45:00Z", "2026-05-02T08:15:00Z"}},
            {"CRON_TZ=UTC 1,,2 * * * *", "2026-05-01T10:01:00Z", {"2026-05-01T10:02:00Z", "2026-05-01T11:01:00Z"}},
            {"CRON_TZ=UTC *-5 * * * *", "2026-05-01T10:00:00Z", {"2026-05-01T10:01:00Z"}},
            // names
            {"CRON_TZ=UTC 0 0 1 JAN *", "2026-05-01T00:00:00Z", {"2027-01-01T00:00:00Z"}},
            {"CRON_TZ=UTC 0 12 * feb-Mar MON-fri",
             "2026-05-01T00:00:00Z",
             {"2027-02-01T12:00:00Z", "2027-02-02T12:00:00Z"}},
            {"CRON_TZ=UTC 0 0 * * sun", "2026-05-01T00:00:00Z", {"2026-05-03T00:00:00Z", "2026-05-10T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 * * SAT", "2026-05-01T00:00:00Z", {"2026-05-02T00:00:00Z"}},
            {"CRON_TZ=UTC 0 22 * * 1-5", "2026-05-01T22:00:00Z", {"2026-05-04T22:00:00Z"}},
            // day-of-month OR day-of-week when both are restricted, AND when either has a star
            {"CRON_TZ=UTC 0 0 13 * 5",
             "2026-05-01T00:00:00Z",
             {"2026-05-08T00:00:00Z", "2026-05-13T00:00:00Z", "2026-05-15T00:00:00Z", "2026-05-22T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 * * 5", "2026-05-08T00:00:00Z", {"2026-05-15T00:00:00Z", "2026-05-22T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 13 * *", "2026-05-01T00:00:00Z", {"2026-05-13T00:00:00Z", "2026-06-13T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 */2 * 1",
             "2026-05-01T00:00:00Z",
             {"2026-05-03T00:00:00Z", "2026-05-04T00:00:00Z", "2026-05-05T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 */1 * 1", "2026-05-01T00:00:00Z", {"2026-05-04T00:00:00Z", "2026-05-11T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 ? * 1", "2026-05-01T00:00:00Z", {"2026-05-04T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 1 * */1", "2026-05-01T00:00:00Z", {"2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 1 * */2",
             "2026-05-01T00:00:00Z",
             {"2026-05-02T00:00:00Z", "2026-05-03T00:00:00Z", "2026-05-05T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 1-7 * 1-1", "2026-05-01T00:00:00Z", {"2026-05-02T00:00:00Z"}},
            // descriptors
            {"CRON_TZ=UTC @yearly", "2026-05-01T00:00:00Z", {"2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"}},
            {"CRON_TZ=UTC @annually", "2026-05-01T00:00:00Z", {"2027-01-01T00:00:00Z"}},
            {"CRON_TZ=UTC @monthly", "2026-05-01T00:00:00Z", {"2026-06-01T00:00:00Z"}},
            {"CRON_TZ=UTC @weekly", "2026-05-01T00:00:00Z", {"2026-05-03T00:00:00Z", "2026-05-10T00:00:00Z"}},
            {"CRON_TZ=UTC @daily", "2026-05-01T00:00:00Z", {"2026-05-02T00:00:00Z"}},
            {"CRON_TZ=UTC @midnight", "2026-05-01T23:59:59.999Z", {"2026-05-02T00:00:00Z"}},
            {"CRON_TZ=UTC @hourly", "2026-05-01T10:30:00Z", {"2026-05-01T11:00:00Z", "2026-05-01T12:00:00Z"}},
            // month and year wraps, short months, the leap day, impossible dates and the 5-year limit
            {"CRON_TZ=UTC 0 0 1 * *", "2026-12-15T00:00:00Z", {"2027-01-01T00:00:00Z"}},
            {"CRON_TZ=UTC 59 23 31 12 *", "2026-12-31T23:59:00Z", {"2027-12-31T23:59:00Z"}},
            {"CRON_TZ=UTC 0 0 31 * *",
             "2026-05-01T00:00:00Z",
             {"2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z", "2026-10-31T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 29 2 *", "2026-03-01T00:00:00Z", {"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
            {"CRON_TZ=UTC 0 0 29 2 *", "2096-03-01T00:00:00Z", {"none"}}, // 2100 is no leap year: 2104 is too far
            {"CRON_TZ=UTC 0 0 30 2 *", "2026-03-01T00:00:00Z", {"none"}},
            {"CRON_TZ=UTC 0 0 31 4,6,9,11 *", "2026-01-01T00:00:00Z", {"none"}},
            // before 1970
            {"CRON_TZ=UTC 0 0 1 1 *", "1969-12-31T12:00:00Z", {"1970-01-01T00:00:00Z"}},
            {"CRON_TZ=UTC 30 6 * * *", "1969-07-20T20:17:40Z", {"1969-07-21T06:30:00Z"}},
            // no prefix and an empty or aliased zone are UTC here
            {"CRON_TZ=Etc/UTC 0 0 * * *", "2026-05-01T00:00:00Z", {"2026-05-02T00:00:00Z"}},
            {"TZ= 0 0 * * *", "2026-05-01T00:00:00Z", {"2026-05-02T00:00:00Z"}},
        });
        // Far ends of the range: nothing overflows.
        const auto everyMinute = CronSchedule::parse("CRON_TZ=UTC * * * * *");
        CPPUNIT_ASSERT(!everyMinute.next(std::numeric_limits<std::int64_t>::max()));
        CPPUNIT_ASSERT(everyMinute.next(std::numeric_limits<std::int64_t>::min()).has_value());
    }

    void testNextEvery() {
        checkTable({
            {"CRON_TZ=UTC @every 90s", "2026-05-01T10:00:00.750Z", {"2026-05-01T10:01:30Z", "2026-05-01T10:03:00Z"}},
            {"CRON_TZ=UTC @every 1.5s", "2026-05-01T10:00:00.750Z", {"2026-05-01T10:00:01Z", "2026-05-01T10:00:02Z"}},
            {"CRON_TZ=UTC @every 300ms", "2026-05-01T10:00:00Z", {"2026-05-01T10:00:01Z"}},
            {"CRON_TZ=UTC @every 1h30m", "2026-05-01T10:00:00Z", {"2026-05-01T11:30:00Z"}},
            {"@every 0", "1969-12-31T23:59:59.500Z", {"1970-01-01T00:00:00Z"}},
        });
        const std::vector<std::pair<const char*, std::int64_t>> intervals = {
            {"@every 90s", 90000},     {"@every 1.5s", 1000}, {"@every 300ms", 1000},
            {"@every 0", 1000},        {"@every -5s", 1000},  {"@every 2.9s", 2000},
            {"@every 1h30m", 5400000}, {"@every 1us", 1000},  {"CRON_TZ=Asia/Kolkata @every 1m", 60000}};
        for (const auto& [spec, millis] : intervals)
            CPPUNIT_ASSERT_EQUAL_MESSAGE(spec, millis, CronSchedule::parse(spec).everyMillis().value());
        CPPUNIT_ASSERT(!CronSchedule::parse("@every 1h").next(std::numeric_limits<std::int64_t>::max()));
    }

    void testNextAcrossDst() {
        requireZone("America/New_York");
        requireZone("Europe/Berlin");
        requireZone("Australia/Sydney");
        checkTable({
            // America/New_York, 2026-03-08 02:00 EST -> 03:00 EDT: 02:30 does not exist that day.
            {"CRON_TZ=America/New_York 30 2 * * *",
             "2026-03-07T17:00:00Z",
             {"2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"}},
            {"CRON_TZ=America/New_York 30 2 * * *",
             "2026-03-06T12:00:00Z",
             {"2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z"}},
            {"CRON_TZ=America/New_York 0 * * * *",
             "2026-03-08T06:30:00Z",
             {"2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"}},
            {"CRON_TZ=America/New_York 0 0 * * *", "2026-03-08T05:00:00Z", {"2026-03-09T04:00:00Z"}},
            // 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 happens twice, and fires twice.
            {"CRON_TZ=America/New_York 30 1 * * *",
             "2026-10-31T16:00:00Z",
             {"2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-02T06:30:00Z"}},
            {"CRON_TZ=America/New_York 0 * * * *",
             "2026-11-01T04:30:00Z",
             {"2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"}},
            {"CRON_TZ=America/New_York 0 9 * * MON-FRI",
             "2026-05-01T12:00:00Z",
             {"2026-05-01T13:00:00Z", "2026-05-04T13:00:00Z"}},
            {"CRON_TZ=America/New_York 0 9 * * MON-FRI",
             "2026-12-31T12:00:00Z",
             {"2026-12-31T14:00:00Z", "2027-01-01T14:00:00Z"}},
            // Past the file's last transition (2037): the footer "EST5EDT,M3.2.0,M11.1.0" rules.
            {"CRON_TZ=America/New_York 30 2 * * *", "2040-03-10T17:00:00Z", {"2040-03-12T06:30:00Z"}},
            {"CRON_TZ=America/New_York 30 1 * * *",
             "2040-11-03T16:00:00Z",
             {"2040-11-04T05:30:00Z", "2040-11-04T06:30:00Z"}},
            {"CRON_TZ=America/New_York 0 12 1 7 *",
             "2040-01-01T00:00:00Z",
             {"2040-07-01T16:00:00Z", "2041-07-01T16:00:00Z"}},
            {"CRON_TZ=America/New_York 0 12 1 1 *", "2099-06-01T00:00:00Z", {"2100-01-01T17:00:00Z"}},
            // Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST, 2026-10-25 03:00 CEST -> 02:00 CET.
            {"CRON_TZ=Europe/Berlin 30 2 * * *", "2026-03-28T12:00:00Z", {"2026-03-30T00:30:00Z"}},
            {"CRON_TZ=Europe/Berlin 30 2 * * *",
             "2026-10-24T12:00:00Z",
             {"2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z"}},
            {"TZ=Europe/Berlin 0 9 * * MON-FRI", "2026-05-01T12:00:00Z", {"2026-05-04T07:00:00Z"}},
            {"TZ=Europe/Berlin @daily", "2026-01-10T12:00:00Z", {"2026-01-10T23:00:00Z"}},
            // Australia/Sydney: DST from the first Sunday of October to the first Sunday of April.
            {"CRON_TZ=Australia/Sydney 30 2 * * *", "2026-10-03T00:00:00Z", {"2026-10-04T15:30:00Z"}},
            {"CRON_TZ=Australia/Sydney 30 2 * * *",
             "2026-04-04T00:00:00Z",
             {"2026-04-04T15:30:00Z", "2026-04-04T16:30:00Z", "2026-04-05T16:30:00Z"}},
        });
    }

    void testNextInOtherZones() {
        requireZone("Asia/Kolkata");
        requireZone("Asia/Tehran");
        requireZone("Etc/GMT+5");
        checkTable({
            {"CRON_TZ=Asia/Kolkata 0 9 * * *", "2026-05-01T00:00:00Z", {"2026-05-01T03:30:00Z"}},
            {"CRON_TZ=Asia/Kolkata 30 0 1 1 *", "2026-05-01T00:00:00Z", {"2026-12-31T19:00:00Z"}},
            {"CRON_TZ=Asia/Kolkata */45 * * * *",
             "2026-05-01T00:00:00Z",
             {"2026-05-01T00:15:00Z", "2026-05-01T00:30:00Z", "2026-05-01T01:15:00Z"}},
            // Iran has had no DST since 2022: its footer is "<+0330>-3:30".
            {"CRON_TZ=Asia/Tehran 0 12 * * *", "2030-06-01T00:00:00Z", {"2030-06-01T08:30:00Z"}},
            // A fixed zone file (no transitions at all).
            {"CRON_TZ=Etc/GMT+5 0 0 * * *", "2026-05-01T00:00:00Z", {"2026-05-01T05:00:00Z"}},
        });
    }

    void testLocalFollowsTz() {
        requireZone("Asia/Tokyo");
        requireZone("Europe/Berlin");
        requireZone("America/New_York");
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"Asia/Tokyo", "2026-05-01T00:00:00Z"},
            {":Europe/Berlin", "2026-05-01T07:00:00Z"},
            {"/usr/share/zoneinfo/America/New_York", "2026-04-30T13:00:00Z"},
            {"", "2026-05-01T09:00:00Z"},           // TZ="" is UTC
            {"UTC", "2026-05-01T09:00:00Z"},        //
            {"Bogus/Zone", "2026-05-01T09:00:00Z"}, // a TZ that does not load is UTC, as in Go
            {"Asia/Tokyo", "2026-05-01T00:00:00Z"}, // back again (the cache follows TZ)
        };
        for (const auto& [tz, expected] : cases) {
            const ScopedTz scoped(tz);
            const auto schedule = CronSchedule::parse("0 9 * * *");
            CPPUNIT_ASSERT_EQUAL(std::string("Local"), schedule.zoneName());
            CPPUNIT_ASSERT_EQUAL_MESSAGE("TZ=" + tz, expected, iso(schedule.next(at("2026-04-30T12:00:00Z")).value()));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(
                "TZ=" + tz + " CRON_TZ=Local", expected,
                iso(CronSchedule::parse("CRON_TZ=Local 0 9 * * *").next(at("2026-04-30T12:00:00Z")).value()));
        }
    }

    // POSIX TZ footers in their several forms, through TZif files written here and read as TZ=<path>.
    void testPosixFooterRules() {
        const maelstrom::testing::TempDir dir;
        const auto firingsIn = [&](const std::string& footer, std::int32_t offset, const std::string& spec,
                                   const std::string& after, std::size_t count) {
            const auto path =
                dir.write("zone-" + std::to_string(std::hash<std::string>{}(footer)), tzifWithFooter(offset, footer));
            const ScopedTz scoped(path.string());
            return joined(firings(spec, after, count));
        };
        // A fixed offset with a bracketed name.
        CPPUNIT_ASSERT_EQUAL(std::string("2026-05-01T08:30:00Z"),
                             firingsIn("<+0330>-3:30", 12600, "0 12 * * *", "2026-05-01T00:00:00Z", 1));
        // Jn (1..365, Feb 29 never counted: J60 is March 1 in every year), a /time, DST one hour by default.
        CPPUNIT_ASSERT_EQUAL(std::string("2026-02-27T11:00:00Z 2026-02-28T11:00:00Z 2026-03-01T10:00:00Z"),
                             firingsIn("AAA-1BBB,J60/1,J300/3", 3600, "0 12 * * *", "2026-02-27T00:00:00Z", 3));
        CPPUNIT_ASSERT_EQUAL(std::string("2028-02-28T11:00:00Z 2028-02-29T11:00:00Z 2028-03-01T10:00:00Z"),
                             firingsIn("AAA-1BBB,J60/1,J300/3", 3600, "0 12 * * *", "2028-02-28T00:00:00Z", 3));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-10-26T00:30:00Z 2026-10-27T00:30:00Z 2026-10-27T01:30:00Z"),
                             firingsIn("AAA-1BBB,J60/1,J300/3", 3600, "30 2 * * *", "2026-10-25T12:00:00Z", 3));
        // n (0..365, Feb 29 counted), negative and beyond-24h times, an explicit DST offset.
        CPPUNIT_ASSERT_EQUAL(std::string("2026-02-27T11:00:00Z 2026-02-28T11:00:00Z 2026-03-01T09:00:00Z"),
                             firingsIn("AAA-1BBB-3,59/-1,299/25", 3600, "0 12 * * *", "2026-02-27T00:00:00Z", 3));
        CPPUNIT_ASSERT_EQUAL(std::string("2028-02-27T11:00:00Z 2028-02-28T11:00:00Z 2028-02-29T09:00:00Z"),
                             firingsIn("AAA-1BBB-3,59/-1,299/25", 3600, "0 12 * * *", "2028-02-27T00:00:00Z", 3));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-10-26T21:00:00Z 2026-10-27T21:00:00Z 2026-10-27T23:00:00Z"),
                             firingsIn("AAA-1BBB-3,59/-1,299/25", 3600, "0 0 * * *", "2026-10-26T12:00:00Z", 3));
        // Mm.w.d in the southern hemisphere (the year starts in DST).
        CPPUNIT_ASSERT_EQUAL(std::string("2026-10-04T15:30:00Z"),
                             firingsIn("AEST-10AEDT,M10.1.0,M4.1.0/3", 36000, "30 2 * * *", "2026-10-03T00:00:00Z", 1));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-04-04T15:30:00Z 2026-04-04T16:30:00Z 2026-04-05T16:30:00Z"),
                             firingsIn("AEST-10AEDT,M10.1.0,M4.1.0/3", 36000, "30 2 * * *", "2026-04-04T00:00:00Z", 3));
        // Week 5 means the last such weekday of the month: March 29 (a fifth Sunday) and October 25 (a fourth).
        CPPUNIT_ASSERT_EQUAL(std::string("2026-03-30T00:30:00Z"),
                             firingsIn("GMT0BST,M3.5.0/1,M10.5.0", 0, "30 1 * * *", "2026-03-28T12:00:00Z", 1));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-10-25T00:30:00Z 2026-10-25T01:30:00Z 2026-10-26T01:30:00Z"),
                             firingsIn("GMT0BST,M3.5.0/1,M10.5.0", 0, "30 1 * * *", "2026-10-24T12:00:00Z", 3));
        // No rules after the DST name: tzcode's default (US rules).
        CPPUNIT_ASSERT_EQUAL(std::string("2026-03-09T06:30:00Z"),
                             firingsIn("EST5EDT", -18000, "30 2 * * *", "2026-03-07T17:00:00Z", 1));
        // A footer Go does not accept leaves the last type's offset in force.
        CPPUNIT_ASSERT_EQUAL(std::string("2026-07-01T17:00:00Z"),
                             firingsIn("EST5EDT,M3.2.0", -18000, "0 12 * * *", "2026-07-01T00:00:00Z", 1));
        // A file that is not TZif: TZ does not load, so Local is UTC.
        const auto junk = dir.write("junk", "not a zone file\n");
        const ScopedTz scoped(junk.string());
        CPPUNIT_ASSERT_EQUAL(std::string("2026-07-01T12:00:00Z"),
                             joined(firings("0 12 * * *", "2026-07-01T00:00:00Z", 1)));
    }

    void testZoneFileErrors() {
        // A zoneinfo folder is no zone; a file there that is not TZif is "malformed", as Go says.
        if (exists("/usr/share/zoneinfo/America"))
            CPPUNIT_ASSERT_EQUAL(std::string("provided bad location America: unknown time zone America"),
                                 errorOf("TZ=America 0 5 * * *"));
        if (exists("/usr/share/zoneinfo/leapseconds"))
            CPPUNIT_ASSERT_EQUAL(std::string("provided bad location leapseconds: malformed time zone information"),
                                 errorOf("TZ=leapseconds 0 5 * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("provided bad location a..b: invalid location name"),
                             errorOf("TZ=a..b 0 5 * * *"));
        CPPUNIT_ASSERT_EQUAL(std::string("provided bad location a.b: unknown time zone a.b"),
                             errorOf("TZ=a.b 0 5 * * *"));
    }

    void testConcurrentUse() {
        requireZone("America/New_York");
        const std::vector<std::string> specs = {"CRON_TZ=America/New_York 30 1 * * *", "CRON_TZ=Europe/Berlin @daily",
                                                "TZ=Asia/Kolkata */7 3-9 * * MON", "CRON_TZ=UTC @every 90s",
                                                "CRON_TZ=Australia/Sydney 0 0 1 * *"};
        std::vector<std::vector<std::string>> expected;
        expected.reserve(specs.size());
        for (const auto& spec : specs)
            expected.push_back(firings(spec, "2026-10-30T00:00:00Z", 20));
        std::vector<std::string> failures(8);
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < failures.size(); ++i) {
            threads.emplace_back([&, i] {
                for (int round = 0; round < 25; ++round) {
                    const std::size_t k = (i + static_cast<std::size_t>(round)) % specs.size();
                    if (firings(specs[k], "2026-10-30T00:00:00Z", 20) != expected[k])
                        failures[i] = specs[k];
                }
            });
        }
        for (auto& thread : threads)
            thread.join();
        for (const auto& failure : failures)
            CPPUNIT_ASSERT_EQUAL(std::string(), failure);
    }

    void testRandomizedAgainstBruteForce() {
        const std::uint64_t seed = maelstrom::testing::testSeed();
        std::mt19937_64 random(seed);
        const std::vector<std::string> months = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
        const std::vector<std::string> weekdays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
        for (int round = 0; round < 400; ++round) {
            std::vector<FieldSpec> fields = {randomField(random, 0, 59, {}), randomField(random, 0, 23, {}),
                                             randomField(random, 1, 31, {}), randomField(random, 1, 12, months),
                                             randomField(random, 0, 6, weekdays)};
            std::string spec = "CRON_TZ=UTC";
            for (const auto& field : fields)
                spec += " " + field.text;
            // Instants from 1950 to 2150, on a minute, a second or anywhere.
            std::int64_t after = std::uniform_int_distribution<std::int64_t>(at("1950-01-01T00:00:00Z"),
                                                                             at("2150-01-01T00:00:00Z"))(random);
            switch (round % 3) {
            case 0:
                after -= after % 60000;
                break;
            case 1:
                after -= after % 1000;
                break;
            default:
                break;
            }
            const std::string where = "seed " + std::to_string(seed) + " (MAELSTROM_TEST_SEED replays it), round " +
                                      std::to_string(round) + ": " + spec + " after " + iso(after);
            std::optional<CronSchedule> schedule;
            try {
                schedule = CronSchedule::parse(spec);
            } catch (const std::exception& e) {
                CPPUNIT_FAIL(where + ": " + e.what());
            }
            // A few successive firings, each checked on its own.
            for (int step = 0; step < 3; ++step) {
                const auto expected = bruteForceNext(fields, after);
                const auto actual = schedule->next(after);
                CPPUNIT_ASSERT_EQUAL_MESSAGE(where, expected ? iso(*expected) : std::string("none"),
                                             actual ? iso(*actual) : std::string("none"));
                if (!actual)
                    break;
                after = *actual;
            }
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CronScheduleTest);
