// owner_id_test.cpp — the owner label value: stable for a data directory, different between directories.
#include "lifecycle/lifecycle_manager.h"
#include "test_support.h"

using namespace maelstrom::core;

class OwnerIdTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(OwnerIdTest);
    CPPUNIT_TEST(testStableAndDistinct);
    CPPUNIT_TEST_SUITE_END();

public:
    void testStableAndDistinct() {
        const std::string a = ownerIdFor("/var/lib/maelstrom");
        CPPUNIT_ASSERT_EQUAL(std::size_t(16), a.size());
        CPPUNIT_ASSERT_EQUAL(a, ownerIdFor("/var/lib/maelstrom"));
        CPPUNIT_ASSERT(a != ownerIdFor("/var/lib/maelstrom2"));
        CPPUNIT_ASSERT_EQUAL(std::string("cbf29ce484222325"), ownerIdFor("")); // FNV-1a offset basis
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OwnerIdTest);
