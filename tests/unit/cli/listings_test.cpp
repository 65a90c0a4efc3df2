// listings_test.cpp — maelctl's `cluster ps`, `comp ls` and `cert ls` tables, byte for byte: the original's layout, the
// `paused` status of a paused instance, and the Idle Pause column that appears only when a component sets it.
// SPDX-License-Identifier: Apache-2.0
#include "listings.h"

#include "test_support.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace maelstrom;
using namespace maelstrom::cli;

namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;

sdk::ComponentInfo instance(const std::string& name, std::int64_t version, const std::string& status,
                            std::int64_t lastRequestAgoSeconds, std::int64_t requests) {
    sdk::ComponentInfo c;
    c.componentName = name;
    c.componentVersion = version;
    c.status = status;
    c.maxConcurrency = 4;
    c.memoryReservedMiB = 256;
    c.startTime = kNow - 7'200'000;
    c.lastRequestTime = lastRequestAgoSeconds < 0 ? 0 : kNow - lastRequestAgoSeconds * 1000;
    c.totalRequests = requests;
    return c;
}

sdk::Component component(const std::string& name, const std::string& image, std::int64_t version,
                         std::int64_t modifiedAgoSeconds) {
    sdk::Component c;
    c.name = name;
    c.version = version;
    c.modifiedAt = kNow - modifiedAgoSeconds * 1000;
    c.docker.emplace();
    c.docker->image = image;
    return c;
}

} // namespace

class ListingsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ListingsTest);
    CPPUNIT_TEST(testClusterPsShowsPaused);
    CPPUNIT_TEST(testClusterPsEmpty);
    CPPUNIT_TEST(testInstanceStatus);
    CPPUNIT_TEST(testComponentTableUnchangedWithoutIdlePause);
    CPPUNIT_TEST(testComponentTableIdlePauseColumn);
    CPPUNIT_TEST(testIdlePauseSummary);
    CPPUNIT_TEST(testExpiryText);
    CPPUNIT_TEST(testCertificateTable);
    CPPUNIT_TEST_SUITE_END();

public:
    void testClusterPsShowsPaused() {
        sdk::NodeStatus a;
        a.nodeId = "node-a-very-long-id";
        auto active = instance("web", 3, "active", 150, 42);
        active.activity = {{10, 1.0}, {20, 3.0}};
        auto paused = instance("web", 3, "stopping", 3700, 7);
        paused.paused = true; // on the wire: "stopping" with paused=true
        a.runningComponents = {active, paused};
        sdk::NodeStatus b;
        b.nodeId = "node-b";
        auto stopping = instance("api", 1, "stopping", -1, 0);
        stopping.memoryReservedMiB = 128;
        b.runningComponents = {stopping};
        const std::string expected =
            "Component                       Ver    Status    Node ID         Max RAM  Last Request     # Requests   "
            "Concur %\n"
            "---------------------------------------------------------------------------------------------------------"
            "--------\n"
            "web                             3      active    node-a-very-lo  256      2 minutes ago    42           "
            "50.00   \n"
            "web                             3      paused    node-a-very-lo  256      1 hour ago       7            "
            "0.00    \n"
            "api                             1      stopping  node-b          128      Never            0            "
            "0.00    \n";
        CPPUNIT_ASSERT_EQUAL(expected, clusterPsTable({a, b}, kNow));
    }

    void testClusterPsEmpty() {
        CPPUNIT_ASSERT_EQUAL(std::string("No running containers found\n"), clusterPsTable({}, kNow));
        sdk::NodeStatus idle;
        idle.nodeId = "n";
        CPPUNIT_ASSERT_EQUAL(std::string("No running containers found\n"), clusterPsTable({idle}, kNow));
    }

    void testInstanceStatus() {
        sdk::ComponentInfo c;
        for (const char* status : {"active", "starting", "stopping"}) {
            c.status = status;
            c.paused = false;
            CPPUNIT_ASSERT_EQUAL(std::string(status), instanceStatus(c));
            c.paused = true;
            CPPUNIT_ASSERT_EQUAL(std::string("paused"), instanceStatus(c));
        }
    }

    void testComponentTableUnchangedWithoutIdlePause() {
        // The original's layout: no Idle Pause column when no listed component sets idlepause or
        // pausedtimeoutseconds (a zero pausedtimeoutseconds is unset).
        auto web = component("web", "maelstrom/hello-http:1", 3, 150);
        web.docker->idleTimeoutSeconds = 60;
        auto api = component("api", "acme/api:1.4", 1, 3700);
        api.docker->pausedTimeoutSeconds = 0;
        const std::string expected = "Component             Image                           Ver    Last Modified\n"
                                     "--------------------------------------------------------------------------\n"
                                     "web                   maelstrom/hello-http:1          3      2 minutes ago\n"
                                     "api                   acme/api:1.4                    1      1 hour ago   \n";
        CPPUNIT_ASSERT_EQUAL(expected, componentTable({web, api}, kNow));
        CPPUNIT_ASSERT_EQUAL(std::string("No components found\n"), componentTable({}, kNow));
    }

    void testComponentTableIdlePauseColumn() {
        auto web = component("web", "maelstrom/hello-http:1", 3, 150);
        web.docker->idlePause = true;
        auto api = component("api", "acme/api:1.4", 1, 3700);
        auto job = component("job", "acme/job:2", 2, 3700);
        job.docker->pausedTimeoutSeconds = 600;
        const std::string expected =
            "Component             Image                           Ver    Last Modified  Idle Pause\n"
            "--------------------------------------------------------------------------------------------------\n"
            "web                   maelstrom/hello-http:1          3      2 minutes ago  on (stop after 1800 s)\n"
            "api                   acme/api:1.4                    1      1 hour ago     off\n"
            "job                   acme/job:2                      2      1 hour ago     off (stop after 600 s)\n";
        CPPUNIT_ASSERT_EQUAL(expected, componentTable({web, api, job}, kNow));
    }

    void testIdlePauseSummary() {
        sdk::DockerComponent d;
        CPPUNIT_ASSERT_EQUAL(std::string("off"), idlePauseSummary(d));
        d.pausedTimeoutSeconds = -5; // <= 0 is the default: unset
        CPPUNIT_ASSERT_EQUAL(std::string("off"), idlePauseSummary(d));
        d.idlePause = true;
        CPPUNIT_ASSERT_EQUAL(std::string("on (stop after 1800 s)"), idlePauseSummary(d));
        d.pausedTimeoutSeconds = 90;
        CPPUNIT_ASSERT_EQUAL(std::string("on (stop after 90 s)"), idlePauseSummary(d));
        d.idlePause = false;
        CPPUNIT_ASSERT_EQUAL(std::string("off (stop after 90 s)"), idlePauseSummary(d));
    }

    void testExpiryText() {
        const std::int64_t now = kNow / 1000;
        CPPUNIT_ASSERT_EQUAL(std::string("not issued yet"), expiryText(0, kNow));
        CPPUNIT_ASSERT_EQUAL(std::string("in 89 days"), expiryText(now + 89 * 86400 + 3600, kNow));
        CPPUNIT_ASSERT_EQUAL(std::string("in 2 days"), expiryText(now + 2 * 86400, kNow));
        CPPUNIT_ASSERT_EQUAL(std::string("in 47 hours"), expiryText(now + 2 * 86400 - 1, kNow));
        CPPUNIT_ASSERT_EQUAL(std::string("in 5 minutes"), expiryText(now + 300, kNow));
        CPPUNIT_ASSERT_EQUAL(std::string("in 1 second"), expiryText(now + 1, kNow));
        CPPUNIT_ASSERT_EQUAL(std::string("expired 3 days ago"), expiryText(now - 3 * 86400, kNow));
        CPPUNIT_ASSERT_EQUAL(std::string("expired now"), expiryText(now, kNow));
    }

    void testCertificateTable() {
        CPPUNIT_ASSERT(certificateTable({}, kNow).rfind("No certificates found: ", 0) == 0);
        const std::int64_t now = kNow / 1000;
        const std::vector<CertificateRow> rows = {
            {"a.example.org", "acme", "CN=Pebble Intermediate CA 1f2e,O=Pebble", now + 89 * 86400, now - 86400, "", 0},
            {"b.example.org", "acme", "", 0, 0, "rate limited: too many orders", now + 7200},
            {"static.example.org", "file", "O=Example\\, Inc.,CN=Test\\, CA", now + 400 * 86400, now - 10 * 86400, "",
             0},
        };
        const std::string expected =
            "Hostname                        Source  Issuer                    Expires             Last Renewal     "
            "Last Error\n" +
            std::string(113, '-') +
            "\n"
            "a.example.org                   acme    Pebble Intermediate CA 1  in 89 days          1 day ago        -\n"
            "b.example.org                   acme    -                         not issued yet      -                "
            "rate limited: too many orders (next attempt 2 hours from now)\n"
            "static.example.org              file    Test, CA                  in 400 days         (file)           "
            "-\n";
        CPPUNIT_ASSERT_EQUAL(expected, certificateTable(rows, kNow));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ListingsTest);
