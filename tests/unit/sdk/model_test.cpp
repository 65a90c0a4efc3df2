// model_test.cpp — the model's "default applied at use time" rules and the
// event source type helpers.
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/model.h>

#include <cppunit/extensions/HelperMacros.h>

using namespace maelstrom::sdk;

class ModelTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ModelTest);
    CPPUNIT_TEST(testComponentDefaults);
    CPPUNIT_TEST(testDockerDefaults);
    CPPUNIT_TEST(testStartHealthCheckSeconds);
    CPPUNIT_TEST(testEventSourceTypeOrder);
    CPPUNIT_TEST(testEventSourceTypeNames);
    CPPUNIT_TEST_SUITE_END();

public:
    void testComponentDefaults() {
        Component c;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), effectiveMaxConcurrency(c));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(300), effectiveMaxDurationSeconds(c)); // not the IDL's 60
        CPPUNIT_ASSERT_EQUAL(0.75, effectiveScaleUpPct(c));
        CPPUNIT_ASSERT_EQUAL(0.25, effectiveScaleDownPct(c));
        CPPUNIT_ASSERT(StartParallelism::Parallel == effectiveStartParallelism(c));
        CPPUNIT_ASSERT(RestartOrder::StopStart == effectiveRestartOrder(c));

        // <= 0 means the default, too.
        c.maxConcurrency = -3;
        c.maxDurationSeconds = -1;
        c.scaleUpConcurrencyPct = -0.5;
        c.scaleDownConcurrencyPct = -0.1;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), effectiveMaxConcurrency(c));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(300), effectiveMaxDurationSeconds(c));
        CPPUNIT_ASSERT_EQUAL(0.75, effectiveScaleUpPct(c));
        CPPUNIT_ASSERT_EQUAL(0.25, effectiveScaleDownPct(c));

        // Given values are used as they are, and never written back.
        c.maxConcurrency = 7;
        c.maxDurationSeconds = 20;
        c.scaleUpConcurrencyPct = 0.9;
        c.scaleDownConcurrencyPct = 0.05;
        c.startParallelism = "series";
        c.restartOrder = "startstop";
        const Component before = c;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), effectiveMaxConcurrency(c));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(20), effectiveMaxDurationSeconds(c));
        CPPUNIT_ASSERT_EQUAL(0.9, effectiveScaleUpPct(c));
        CPPUNIT_ASSERT_EQUAL(0.05, effectiveScaleDownPct(c));
        CPPUNIT_ASSERT(StartParallelism::Series == effectiveStartParallelism(c));
        CPPUNIT_ASSERT(RestartOrder::StartStop == effectiveRestartOrder(c));
        CPPUNIT_ASSERT(c == before);
    }

    void testDockerDefaults() {
        DockerComponent d;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(128), effectiveReserveMemoryMiB(d));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(300), effectiveIdleTimeoutSeconds(d));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10), effectiveHealthCheckSeconds(d));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), effectiveHealthCheckMaxFailures(d));
        CPPUNIT_ASSERT_EQUAL(std::string("/"), effectiveHealthCheckPath(d));

        d.reserveMemoryMiB = -1;
        d.idleTimeoutSeconds = -1;
        d.httpHealthCheckSeconds = -1;
        d.httpHealthCheckMaxFailures = -1;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(128), effectiveReserveMemoryMiB(d));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(300), effectiveIdleTimeoutSeconds(d));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10), effectiveHealthCheckSeconds(d));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), effectiveHealthCheckMaxFailures(d));

        d.reserveMemoryMiB = 64;
        d.idleTimeoutSeconds = 5;
        d.httpHealthCheckSeconds = 2;
        d.httpHealthCheckMaxFailures = 4;
        d.httpHealthCheckPath = "/ready";
        CPPUNIT_ASSERT_EQUAL(std::int64_t(64), effectiveReserveMemoryMiB(d));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), effectiveIdleTimeoutSeconds(d));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), effectiveHealthCheckSeconds(d));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), effectiveHealthCheckMaxFailures(d));
        CPPUNIT_ASSERT_EQUAL(std::string("/ready"), effectiveHealthCheckPath(d));
    }

    void testStartHealthCheckSeconds() {
        // 0 → 60; a negative value means "skip the start check" and is returned as is.
        DockerComponent d;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60), effectiveStartHealthCheckSeconds(d));
        d.httpStartHealthCheckSeconds = -1;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-1), effectiveStartHealthCheckSeconds(d));
        d.httpStartHealthCheckSeconds = -30;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-30), effectiveStartHealthCheckSeconds(d));
        d.httpStartHealthCheckSeconds = 15;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(15), effectiveStartHealthCheckSeconds(d));
    }

    void testEventSourceTypeOrder() {
        EventSource es;
        CPPUNIT_ASSERT(!es.type().has_value());
        es.awsstepfunc = AwsStepFunctionEventSource{};
        CPPUNIT_ASSERT(es.type() == EventSourceType::AwsStepFunc);
        es.sqs = SqsEventSource{};
        CPPUNIT_ASSERT(es.type() == EventSourceType::Sqs);
        es.cron = CronEventSource{};
        CPPUNIT_ASSERT(es.type() == EventSourceType::Cron);
        es.http = HttpEventSource{};
        CPPUNIT_ASSERT(es.type() == EventSourceType::Http);
        // Only the presence counts, and the first present one wins in the order http, cron, sqs, awsstepfunc.
        es.http.reset();
        es.sqs.reset();
        CPPUNIT_ASSERT(es.type() == EventSourceType::Cron);
        es.cron.reset();
        CPPUNIT_ASSERT(es.type() == EventSourceType::AwsStepFunc);
    }

    void testEventSourceTypeNames() {
        const std::pair<EventSourceType, const char*> names[] = {{EventSourceType::Http, "http"},
                                                                 {EventSourceType::Cron, "cron"},
                                                                 {EventSourceType::Sqs, "sqs"},
                                                                 {EventSourceType::AwsStepFunc, "awsstepfunc"}};
        for (const auto& [type, name] : names) {
            CPPUNIT_ASSERT_EQUAL(std::string(name), std::string(eventSourceTypeName(type)));
            CPPUNIT_ASSERT(eventSourceTypeFromName(name) == type);
        }
        CPPUNIT_ASSERT(!eventSourceTypeFromName("HTTP").has_value());
        CPPUNIT_ASSERT(!eventSourceTypeFromName("").has_value());
        CPPUNIT_ASSERT(!eventSourceTypeFromName("stepfunc").has_value());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ModelTest);
