// dsn_test.cpp — unit tests of the original's MAEL_SQL_DSN forms (plugins/shared/sql-common/dsn.h) and of the
// dialect's literal prefix patterns and placeholders: no database involved.
// SPDX-License-Identifier: Apache-2.0
#include "dialect.h"
#include "dsn.h"

#include "test_support.h"

#include <maelstrom/sdk/errors.h>

using namespace maelstrom;
using namespace maelstrom::plugins::sql;

namespace {

class TestDialect final : public Dialect {
public:
    explicit TestDialect(Engine e) : Dialect(e) {}
    std::string location() const override { return "test"; }
    Poco::Data::Session openSession() const override { throw Poco::NotImplementedException("test"); }
    std::size_t poolSize() const override { return 1; }
    ErrorKind classify(const Poco::Exception&) const override { return ErrorKind::Other; }
    SessionState sessionState(Poco::Data::Session&) const noexcept override { return SessionState::Clean; }
};

} // namespace

class DsnTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DsnTest);
    CPPUNIT_TEST(testMysqlForms);
    CPPUNIT_TEST(testPostgresForms);
    CPPUNIT_TEST(testSqliteForms);
    CPPUNIT_TEST(testErrorsNeverShowThePassword);
    CPPUNIT_TEST(testPrefixPatternsAndPlaceholders);
    CPPUNIT_TEST_SUITE_END();

public:
    void testMysqlForms() {
        auto t = parseMysqlDsn("user:pass@(127.0.0.1:3306)/mael");
        CPPUNIT_ASSERT_EQUAL(std::string("user"), t.user);
        CPPUNIT_ASSERT_EQUAL(std::string("pass"), t.password);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), t.host);
        CPPUNIT_ASSERT_EQUAL(3306, t.port);
        CPPUNIT_ASSERT_EQUAL(std::string("mael"), t.database);
        t = parseMysqlDsn("u:p:w@d@tcp(db.example:3307)/x?charset=utf8mb4&parseTime=true");
        CPPUNIT_ASSERT_EQUAL(std::string("u"), t.user);
        CPPUNIT_ASSERT_EQUAL(std::string("p:w@d"), t.password);
        CPPUNIT_ASSERT_EQUAL(std::string("db.example"), t.host);
        CPPUNIT_ASSERT_EQUAL(3307, t.port);
        CPPUNIT_ASSERT_EQUAL(std::string("utf8mb4"), t.params.at("charset"));
        t = parseMysqlDsn("root@/db");
        CPPUNIT_ASSERT_EQUAL(std::string("root"), t.user);
        CPPUNIT_ASSERT_EQUAL(std::string(""), t.password);
        CPPUNIT_ASSERT_EQUAL(3306, t.port);
        t = parseMysqlDsn("u:p@([::1]:3310)/db");
        CPPUNIT_ASSERT_EQUAL(std::string("::1"), t.host);
        CPPUNIT_ASSERT_EQUAL(3310, t.port);
        CPPUNIT_ASSERT_THROW(parseMysqlDsn("u:p@unix(/run/mysqld.sock)/db"), sdk::InvalidConfig);
        CPPUNIT_ASSERT_THROW(parseMysqlDsn("nodatabase"), sdk::InvalidConfig);
        CPPUNIT_ASSERT_THROW(parseMysqlDsn("u:p@(h:99999)/db"), sdk::InvalidConfig);
    }

    void testPostgresForms() {
        auto t = parsePostgresDsn("postgres://user:p%40ss@host:5433/mael?sslmode=disable");
        CPPUNIT_ASSERT_EQUAL(std::string("user"), t.user);
        CPPUNIT_ASSERT_EQUAL(std::string("p@ss"), t.password);
        CPPUNIT_ASSERT_EQUAL(std::string("host"), t.host);
        CPPUNIT_ASSERT_EQUAL(5433, t.port);
        CPPUNIT_ASSERT_EQUAL(std::string("mael"), t.database);
        CPPUNIT_ASSERT_EQUAL(std::string("disable"), t.params.at("sslmode"));
        t = parsePostgresDsn("postgresql://u@h/d");
        CPPUNIT_ASSERT_EQUAL(5432, t.port);
        CPPUNIT_ASSERT_EQUAL(std::string(""), t.password);
        t = parsePostgresDsn("host=127.0.0.1 port=5434 user=mael password='a b\\'c' dbname=m sslmode=require");
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), t.host);
        CPPUNIT_ASSERT_EQUAL(5434, t.port);
        CPPUNIT_ASSERT_EQUAL(std::string("a b'c"), t.password);
        CPPUNIT_ASSERT_EQUAL(std::string("m"), t.database);
        CPPUNIT_ASSERT_EQUAL(std::string("require"), t.params.at("sslmode"));
        CPPUNIT_ASSERT_THROW(parsePostgresDsn("postgres://"), sdk::InvalidConfig);
        CPPUNIT_ASSERT_THROW(parsePostgresDsn("garbage"), sdk::InvalidConfig);
    }

    void testSqliteForms() {
        auto t = parseSqliteDsn("maelstrom.db?cache=shared&_journal_mode=MEMORY");
        CPPUNIT_ASSERT(!t.memory);
        CPPUNIT_ASSERT_EQUAL(std::string("maelstrom.db"), t.path);
        CPPUNIT_ASSERT(parseSqliteDsn("file:test.db?cache=shared&mode=memory").memory);
        CPPUNIT_ASSERT(parseSqliteDsn(":memory:").memory);
        CPPUNIT_ASSERT_EQUAL(std::string("/var/lib/x.db"), parseSqliteDsn("file:/var/lib/x.db").path);
    }

    void testErrorsNeverShowThePassword() {
        try {
            parseMysqlDsn("user:TopS3cret@(h:notaport)/db");
            CPPUNIT_FAIL("expected InvalidConfig");
        } catch (const sdk::InvalidConfig& e) {
            CPPUNIT_ASSERT_EQUAL(std::string("dsn"), e.setting());
            CPPUNIT_ASSERT(std::string(e.what()).find("TopS3cret") == std::string::npos);
        }
        CPPUNIT_ASSERT_EQUAL(std::string("login ******** failed: ********"), scrub("login pw1 failed: pw1", "pw1"));
        CPPUNIT_ASSERT_EQUAL(std::string("as is"), scrub("as is", ""));
    }

    void testPrefixPatternsAndPlaceholders() {
        TestDialect sqlite(Engine::Sqlite), mysql(Engine::Mysql), pg(Engine::Postgres);
        CPPUNIT_ASSERT_EQUAL(std::string("a[*]b[?]c[[]d%_*"), sqlite.prefixPattern("a*b?c[d%_"));
        CPPUNIT_ASSERT_EQUAL(std::string("a!%b!_c!!d*%"), mysql.prefixPattern("a%b_c!d*"));
        CPPUNIT_ASSERT_EQUAL(std::string("name GLOB ?"), sqlite.prefixCondition("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("name LIKE $1 ESCAPE '!' AND x = $2"),
                             pg.sql("name LIKE ? ESCAPE '!' AND x = ?"));
        CPPUNIT_ASSERT_EQUAL(std::string("SELECT '?' FROM t WHERE a = $1"), pg.sql("SELECT '?' FROM t WHERE a = ?"));
        CPPUNIT_ASSERT_EQUAL(std::string("a = ?"), mysql.sql("a = ?"));
        // every engine has the same migration versions, in order
        for (const Dialect* d : {static_cast<const Dialect*>(&sqlite), static_cast<const Dialect*>(&mysql),
                                 static_cast<const Dialect*>(&pg)}) {
            const auto m = d->migrations();
            CPPUNIT_ASSERT_EQUAL(std::size_t(6), m.size());
            for (std::size_t i = 0; i < m.size(); ++i)
                CPPUNIT_ASSERT_EQUAL(int(i + 1), m[i].version);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DsnTest);
