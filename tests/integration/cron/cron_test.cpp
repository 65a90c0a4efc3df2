// cron_test.cpp — cron event sources end to end on one maelstromd (SQLite, Docker): firings arrive in the
// container at their times (@every and a 5-field schedule computed from the clock), with the configured method,
// headers and body; the first firing cold-starts the component; disable, enable and remove take effect within
// 2 s; a stored schedule that does not parse is logged and skipped while the others fire; `maelctl es ls
// --type=cron` shows the next firing; the metrics count firings. Driven only from outside (ports, maelctl, the
// docker CLI, the log).
// SPDX-License-Identifier: Apache-2.0
#include "cron_env.h"
#include "docker_test_env.h"

#include <cmath>

using namespace maelstrom::testing;
using namespace maelstrom::testing::lifecycle;
using namespace maelstrom::testing::cron;

class CronTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CronTest);
    CPPUNIT_TEST(testFiringsArriveOnScheduleWithTheirRequest);
    CPPUNIT_TEST(testDisableEnableRemoveTakeEffectWithinTwoSeconds);
    CPPUNIT_TEST(testBadScheduleIsSkippedWhileOthersFire);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFiringsArriveOnScheduleWithTheirRequest() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("cron");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string component = project + "_worker";
        // The minute schedule fires at the first whole minute at least 15 s from now (UTC, so the test does not
        // depend on the machine's zone).
        const double putAt = nowSeconds();
        const auto minuteAt = static_cast<std::int64_t>(std::ceil((putAt + 15) / 60) * 60);
        const std::time_t minuteTime = static_cast<std::time_t>(minuteAt);
        std::tm utc{};
        ::gmtime_r(&minuteTime, &utc);
        const std::string minuteSchedule =
            "CRON_TZ=UTC " + std::to_string(utc.tm_min) + " " + std::to_string(utc.tm_hour) + " * * *";
        daemon.putProject(cronProject(project, "worker", project + ".cron.test",
                                      {{"every2", "@every 2s", "/record/every2"},
                                       {"post",
                                        "@every 3s",
                                        "/record/post?x=1",
                                        "POST",
                                        "{\"n\": 1}",
                                        {{"Content-Type", "application/json"}, {"X-Cron-Test", "yes"}}},
                                       {"minute", minuteSchedule, "/record/minute"}},
                                      {"idletimeoutseconds: 300"}));
        CPPUNIT_ASSERT_MESSAGE("a container before any firing", allContainers(component).empty());

        // The first firing cold-starts the component.
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(),
                               waitUntil([&] { return !hits(component, "/record/every2").empty(); }, 60s));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), containersOnceStarted(component).size());

        // es ls shows when each schedule fires next.
        const auto list = daemon.maelctl({"es", "ls", "--type=cron"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(list.out + list.err, 0, list.exitCode);
        CPPUNIT_ASSERT_MESSAGE(list.out, list.out.find("Next Firing") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(list.out, list.out.find("from now)") != std::string::npos);

        // Until the minute's firing has arrived (and a little more).
        while (nowSeconds() < static_cast<double>(minuteAt) + 6) {
            std::this_thread::sleep_for(500ms);
        }
        const auto every2 = hits(component, "/record/every2");
        const auto minute = hits(component, "/record/minute");
        const auto post = hits(component, "/record/post");
        std::cerr << "\n  every2: " << every2.size() << " hits, post: " << post.size()
                  << " hits, minute: " << (minute.empty() ? -1.0 : minute[0].at - static_cast<double>(minuteAt))
                  << " s after its minute\n";

        // @every 2s: about every 2 s (the first one included a cold start).
        CPPUNIT_ASSERT_MESSAGE(joined(every2), every2.size() >= 6);
        for (std::size_t i = 2; i < every2.size(); ++i) {
            const double gap = every2[i].at - every2[i - 1].at;
            CPPUNIT_ASSERT_MESSAGE(joined(every2), gap > 1.4 && gap < 2.6);
        }
        // The 5-field schedule: once, at its minute.
        CPPUNIT_ASSERT_EQUAL_MESSAGE(joined(minute) + daemon.tail(), std::size_t(1), minute.size());
        CPPUNIT_ASSERT_MESSAGE(joined(minute), minute[0].at >= static_cast<double>(minuteAt) &&
                                                   minute[0].at < static_cast<double>(minuteAt) + 3);
        // POST with its body and headers, intact.
        CPPUNIT_ASSERT_MESSAGE(joined(post), post.size() >= 3);
        const std::string& line = post.front().line;
        CPPUNIT_ASSERT_MESSAGE(line, line.rfind("RECORD POST /record/post?x=1 ", 0) == 0);
        CPPUNIT_ASSERT_MESSAGE(line, line.find("headers=Content-Type: application/json|") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(line, line.find("|X-Cron-Test: yes") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(line, line.find("body={\"n\": 1}") != std::string::npos);
        // GET firings carry no body.
        CPPUNIT_ASSERT_MESSAGE(every2[0].line, every2[0].line.find(" body=") == every2[0].line.size() - 6);

        // The metrics count each event source's firings.
        std::string metrics;
        CPPUNIT_ASSERT_EQUAL(200, httpGetStatus(daemon.privatePort(), "/_mael/metrics", &metrics));
        CPPUNIT_ASSERT_MESSAGE(metrics, metrics.find("maelstrom_event_source_firings_total{event_source=\"" + project +
                                                     "_every2\",component=\"" + component + "\",type=\"cron\"}") !=
                                            std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(metrics, metrics.find("maelstrom_event_source_lateness_seconds_bucket{event_source=\"" +
                                                     project + "_minute\"") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    void testDisableEnableRemoveTakeEffectWithinTwoSeconds() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("crontg");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string component = project + "_worker";
        daemon.putProject(cronProject(project, "worker", project + ".cron.test",
                                      {{"tick", "@every 1s", "/record/tick"}}, {"idletimeoutseconds: 300"}));
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(),
                               waitUntil([&] { return hits(component, "/record/tick").size() >= 3; }, 60s));

        const double disabledAt = nowSeconds();
        const auto off = daemon.maelctl({"es", "disable", "--component=" + component, "--type=cron"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(off.out + off.err, 0, off.exitCode);
        std::this_thread::sleep_for(5s);
        const auto afterDisable = hits(component, "/record/tick");
        CPPUNIT_ASSERT_MESSAGE(joined(afterDisable), afterDisable.back().at < disabledAt + 2);

        const double enabledAt = nowSeconds();
        const auto on = daemon.maelctl({"es", "enable", "--component=" + component, "--type=cron"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(on.out + on.err, 0, on.exitCode);
        CPPUNIT_ASSERT(waitUntil([&] { return hits(component, "/record/tick").back().at > enabledAt; }, 10s));
        const auto afterEnable = hits(component, "/record/tick");
        std::cerr << "\n  toggle: last hit " << afterDisable.back().at - disabledAt << " s after disable, first "
                  << afterEnable.back().at - enabledAt << " s after enable\n";
        CPPUNIT_ASSERT_MESSAGE(joined(afterEnable), afterEnable.back().at < enabledAt + 3);

        const double removedAt = nowSeconds();
        const auto rm = daemon.maelctl({"es", "rm", project + "_tick"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(rm.out + rm.err, 0, rm.exitCode);
        std::this_thread::sleep_for(5s);
        const auto afterRemove = hits(component, "/record/tick");
        CPPUNIT_ASSERT_MESSAGE(joined(afterRemove), afterRemove.back().at < removedAt + 2);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }

    void testBadScheduleIsSkippedWhileOthersFire() {
        MAELSTROM_REQUIRE_BACKEND(docker::dockerAvailable(), "dockerd");
        TempDir dir;
        const std::string project = uniqueProject("cronbad");
        ProjectCleanup cleanup(project);
        Daemon daemon(dir.path());
        const std::string component = project + "_worker";
        daemon.putProject(cronProject(project, "worker", project + ".cron.test",
                                      {{"good", "@every 1s", "/record/good"}}, {"idletimeoutseconds: 300"}));
        // maelctl refuses a bad schedule at `project put`; a client that does not check (the original maelctl, the
        // API) can still store one.
        const std::string put =
            rpc(daemon.privatePort(), "MaelstromService.PutEventSource",
                R"({"eventSource":{"name":")" + project + R"(_bad","componentName":")" + component +
                    R"(","projectName":")" + project +
                    R"(","version":0,"modifiedAt":0,)"
                    R"("cron":{"schedule":"61 * * * *","http":{"method":"GET","path":"/record/bad"}}}})");
        CPPUNIT_ASSERT_MESSAGE(put, put.find("\"result\"") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(), daemon.waitForLog("cron event source " + project + "_bad (component " +
                                                                    component + "): invalid schedule '61 * * * *'",
                                                                10s));
        CPPUNIT_ASSERT_MESSAGE(daemon.tail(),
                               waitUntil([&] { return hits(component, "/record/good").size() >= 3; }, 60s));
        CPPUNIT_ASSERT(hits(component, "/record/bad").empty());
        const auto list = daemon.maelctl({"es", "ls", "--type=cron"});
        CPPUNIT_ASSERT_MESSAGE(list.out, list.out.find("invalid schedule") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.tail(), 0, daemon.stop());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CronTest);
