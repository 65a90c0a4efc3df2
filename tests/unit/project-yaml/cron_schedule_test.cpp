// cron_schedule_test.cpp — the schedule language of the original's scheduler (robfig/cron v3 standard
// parser): 5 fields with ranges, steps, lists and names; descriptors; @every with Go durations; TZ prefixes.
// SPDX-License-Identifier: Apache-2.0
#include "cron_schedule.h"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

using namespace maelstrom::cli;

namespace {

std::string errorOf(const std::string& schedule) {
    const auto error = checkCronSchedule(schedule);
    return error ? *error : std::string("<valid>");
}

} // namespace

class CronScheduleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CronScheduleTest);
    CPPUNIT_TEST(testValidFields);
    CPPUNIT_TEST(testInvalidFields);
    CPPUNIT_TEST(testDescriptors);
    CPPUNIT_TEST(testEvery);
    CPPUNIT_TEST(testTimeZones);
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
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CronScheduleTest);
