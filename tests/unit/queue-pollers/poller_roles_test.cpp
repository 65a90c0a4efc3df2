// poller_roles_test.cpp — the sizing of a source's pollers into role ids: one poller of 1 without instances, the
// handler count capped by maxConcurrency, split by concurrencyPerPoller with the rest in the last one, values ≤ 0
// counted as 1, and the role ids of both plugins (aws-sqs-…, aws-stepfunc-…).
// SPDX-License-Identifier: Apache-2.0
#include "poller_roles.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

using maelstrom::plugins::queue_pollers::PollerRole;
using maelstrom::plugins::queue_pollers::pollerRoles;

namespace {

using V = std::vector<std::string>;

/// "<role id>/<concurrency>" per poller, in order.
V described(const std::vector<PollerRole>& roles) {
    V out;
    for (const auto& role : roles) {
        out.push_back(role.roleId + "/" + std::to_string(role.concurrency));
    }
    return out;
}

V sqs(std::int64_t maxConcurrency, std::int64_t perPoller, int handlers) {
    return described(pollerRoles("aws-sqs", "es", maxConcurrency, perPoller, handlers));
}

V stepfunc(std::int64_t maxConcurrency, std::int64_t perPoller, int handlers) {
    return described(pollerRoles("aws-stepfunc", "es", maxConcurrency, perPoller, handlers));
}

} // namespace

class PollerRolesTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PollerRolesTest);
    CPPUNIT_TEST(testNoInstanceIsOnePollerOfOne);
    CPPUNIT_TEST(testHandlersCappedByMaxConcurrency);
    CPPUNIT_TEST(testSplitByConcurrencyPerPoller);
    CPPUNIT_TEST(testValuesBelowOneCountAsOne);
    CPPUNIT_TEST(testIndexesAndRoleIds);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNoInstanceIsOnePollerOfOne() {
        // Whose requests cold-start the component.
        CPPUNIT_ASSERT(sqs(10, 1, 0) == V{"aws-sqs-es-0-1/1"});
        CPPUNIT_ASSERT(sqs(10, 4, 0) == V{"aws-sqs-es-0-1/1"});
        CPPUNIT_ASSERT(stepfunc(10, 3, 0) == V{"aws-stepfunc-es-0-1/1"});
        CPPUNIT_ASSERT(stepfunc(1, 1, -2) == V{"aws-stepfunc-es-0-1/1"});
    }

    void testHandlersCappedByMaxConcurrency() {
        CPPUNIT_ASSERT(sqs(10, 1, 3) == (V{"aws-sqs-es-0-1/1", "aws-sqs-es-1-1/1", "aws-sqs-es-2-1/1"}));
        CPPUNIT_ASSERT_EQUAL(std::size_t{10}, pollerRoles("aws-sqs", "es", 10, 1, 25).size());
        CPPUNIT_ASSERT_EQUAL(std::size_t{5}, pollerRoles("aws-sqs", "es", 5, 1, 25).size());
        CPPUNIT_ASSERT(stepfunc(1, 0, 50) == V{"aws-stepfunc-es-0-1/1"});
        CPPUNIT_ASSERT(stepfunc(4, 10, 9) == V{"aws-stepfunc-es-0-4/4"});
    }

    void testSplitByConcurrencyPerPoller() {
        CPPUNIT_ASSERT(sqs(10, 4, 10) == (V{"aws-sqs-es-0-4/4", "aws-sqs-es-1-4/4", "aws-sqs-es-2-2/2"}));
        CPPUNIT_ASSERT(sqs(10, 3, 10) ==
                       (V{"aws-sqs-es-0-3/3", "aws-sqs-es-1-3/3", "aws-sqs-es-2-3/3", "aws-sqs-es-3-1/1"}));
        CPPUNIT_ASSERT(stepfunc(5, 2, 3) == (V{"aws-stepfunc-es-0-2/2", "aws-stepfunc-es-1-1/1"}));
        CPPUNIT_ASSERT(stepfunc(5, 2, 10) ==
                       (V{"aws-stepfunc-es-0-2/2", "aws-stepfunc-es-1-2/2", "aws-stepfunc-es-2-1/1"}));
    }

    void testValuesBelowOneCountAsOne() {
        CPPUNIT_ASSERT(stepfunc(0, 0, 0) == V{"aws-stepfunc-es-0-1/1"});
        CPPUNIT_ASSERT(stepfunc(0, 0, 7) == V{"aws-stepfunc-es-0-1/1"});
        CPPUNIT_ASSERT(stepfunc(3, -1, 3) ==
                       (V{"aws-stepfunc-es-0-1/1", "aws-stepfunc-es-1-1/1", "aws-stepfunc-es-2-1/1"}));
    }

    void testIndexesAndRoleIds() {
        const auto roles = pollerRoles("aws-sqs", "orders-eu", 10, 4, 9);
        CPPUNIT_ASSERT(roles == (std::vector<PollerRole>{{"aws-sqs-orders-eu-0-4", 0, 4},
                                                         {"aws-sqs-orders-eu-1-4", 1, 4},
                                                         {"aws-sqs-orders-eu-2-1", 2, 1}}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PollerRolesTest);
