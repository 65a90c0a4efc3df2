// owner_id_test.cpp — the owner label value: stable for a data directory, different between directories; what it
// is derived from (the data directory, plus the database unless it is the default SQLite file there; no secrets).
#include "lifecycle/lifecycle_manager.h"
#include "test_support.h"

using namespace maelstrom::core;

class OwnerIdTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(OwnerIdTest);
    CPPUNIT_TEST(testStableAndDistinct);
    CPPUNIT_TEST(testKeyNamesTheDatabase);
    CPPUNIT_TEST_SUITE_END();

public:
    void testStableAndDistinct() {
        const std::string a = ownerIdFor("/var/lib/maelstrom");
        CPPUNIT_ASSERT_EQUAL(std::size_t(16), a.size());
        CPPUNIT_ASSERT_EQUAL(a, ownerIdFor("/var/lib/maelstrom"));
        CPPUNIT_ASSERT(a != ownerIdFor("/var/lib/maelstrom2"));
        CPPUNIT_ASSERT_EQUAL(std::string("cbf29ce484222325"), ownerIdFor("")); // FNV-1a offset basis
    }

    void testKeyNamesTheDatabase() {
        const std::string dir = "/var/lib/maelstrom";
        // The default SQLite file: the data directory alone (the id containers of earlier versions carry).
        CPPUNIT_ASSERT_EQUAL(dir, ownerKeyFor(dir, "sqlite", {}));
        CPPUNIT_ASSERT_EQUAL(dir, ownerKeyFor(dir, "sqlite", {{"path", "/var/lib/maelstrom/./maelstrom.db"}}));
        // A database of its own on the same data directory: another owner.
        const std::string own = ownerKeyFor(dir, "sqlite", {{"dsn", "/tmp/b/maelstrom.db"}});
        CPPUNIT_ASSERT(own != dir);
        CPPUNIT_ASSERT(own != ownerKeyFor(dir, "sqlite", {{"dsn", "/tmp/c/maelstrom.db"}}));
        CPPUNIT_ASSERT(ownerKeyFor(dir, "sqlite", {{"path", "/tmp/b.db"}}) != dir);
        CPPUNIT_ASSERT(ownerKeyFor(dir, "mysql", {}) != dir);
        CPPUNIT_ASSERT_EQUAL(own, ownerKeyFor(dir, "sqlite", {{"dsn", "/tmp/b/maelstrom.db"}}));
        // No password reaches the key, whatever form the DSN takes; the rest of it still tells databases apart.
        const std::string mysql = ownerKeyFor(dir, "mysql", {{"dsn", "maelstrom:s3cret@tcp(127.0.0.1:3306)/mael"}});
        const std::string url = ownerKeyFor(dir, "postgres", {{"dsn", "postgres://mael:s3cret@127.0.0.1/mael"}});
        const std::string pairs = ownerKeyFor(dir, "postgres", {{"dsn", "host=127.0.0.1 user=mael PassWord=s3cret"}});
        const std::string named = ownerKeyFor(dir, "postgres", {{"host", "db1"}, {"db_password", "s3cret"}});
        for (const auto& key : {mysql, url, pairs, named}) {
            CPPUNIT_ASSERT_MESSAGE(key, key.find("s3cret") == std::string::npos);
        }
        CPPUNIT_ASSERT_MESSAGE(mysql, mysql.find("maelstrom@tcp(127.0.0.1:3306)/mael") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(url, url.find("postgres://mael@127.0.0.1/mael") != std::string::npos);
        CPPUNIT_ASSERT(mysql != ownerKeyFor(dir, "mysql", {{"dsn", "maelstrom:s3cret@tcp(127.0.0.1:3306)/other"}}));
        CPPUNIT_ASSERT(named != ownerKeyFor(dir, "postgres", {{"host", "db2"}, {"db_password", "s3cret"}}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OwnerIdTest);
