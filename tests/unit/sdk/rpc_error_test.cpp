// rpc_error_test.cpp — the one mapping of errors onto RPC codes (sdk::toRpcError): every SDK error its documented
// code, an RpcError its own, anything else -32000 naming the method as the original does.
// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/rpc_transport.h>

using namespace maelstrom::sdk;

class RpcErrorTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RpcErrorTest);
    CPPUNIT_TEST(testEveryErrorHasItsCode);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEveryErrorHasItsCode() {
        auto code = [](const std::exception& e) { return toRpcError(e, "MaelstromService.X").code(); };
        CPPUNIT_ASSERT_EQUAL(1001, code(InvalidInput("bad")));
        CPPUNIT_ASSERT_EQUAL(1002, code(AlreadyExists("dup")));
        CPPUNIT_ASSERT_EQUAL(1003, code(NotFound("gone")));
        CPPUNIT_ASSERT_EQUAL(1004, code(VersionConflict("old")));
        CPPUNIT_ASSERT_EQUAL(-32602, code(JsonError("a.b", "not a string")));
        CPPUNIT_ASSERT_EQUAL(1004, code(RpcError(RpcCode::VersionConflict, "kept")));
        CPPUNIT_ASSERT_EQUAL(-32001, code(RpcError(RpcCode::DatabaseError, "kept")));
        CPPUNIT_ASSERT_EQUAL(-32000, code(std::runtime_error("boom")));
        CPPUNIT_ASSERT_EQUAL(-32000, code(Unavailable("docker down")));
        CPPUNIT_ASSERT_EQUAL(std::string("barrister: method 'MaelstromService.X' raised unknown error: boom"),
                             std::string(toRpcError(std::runtime_error("boom"), "MaelstromService.X").what()));
        CPPUNIT_ASSERT_EQUAL(std::string("bad"), std::string(toRpcError(InvalidInput("bad"), "m").what()));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RpcErrorTest);
