// http_framing_test.cpp — the proxy's header rules and the listeners' strict head checks: which headers are never
// forwarded (hop-by-hop), which request heads and framings are refused before anything is parsed further
// (request smuggling, malformed lines) and with which status.
#include "gateway/http_framing.h"
#include "net/request_head.h"
#include "test_support.h"

using namespace maelstrom::core;
using namespace maelstrom::core::net;

namespace {

http::request_header<> headWith(std::initializer_list<std::pair<const char*, const char*>> fields,
                                unsigned version = 11) {
    http::request_header<> head;
    head.version(version);
    head.method(http::verb::post);
    head.target("/");
    for (const auto& [name, value] : fields) {
        head.insert(name, value);
    }
    return head;
}

int rawStatus(const std::string& head) {
    const auto rejected = checkRawHead(head, 8192);
    return rejected ? rejected->status : 0;
}

int framingStatus(const http::request_header<>& head) {
    const auto rejected = checkFraming(head);
    return rejected ? rejected->status : 0;
}

} // namespace

class HttpFramingTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HttpFramingTest);
    CPPUNIT_TEST(testHopByHopFilter);
    CPPUNIT_TEST(testRawHead);
    CPPUNIT_TEST(testFraming);
    CPPUNIT_TEST_SUITE_END();

public:
    void testHopByHopFilter() {
        const auto head =
            headWith({{"Connection", "keep-alive, X-One, close"}, {"connection", " X-Two ,,\tX-Three\t"}});
        const HopByHopFilter filter = HopByHopFilter::of(head);
        for (const char* n :
             {"Connection", "KEEP-ALIVE", "proxy-connection", "Proxy-Authorization", "proxy-authenticate", "TE",
              "Trailer", "transfer-encoding", "Upgrade", "x-one", "X-TWO", "x-three"}) {
            CPPUNIT_ASSERT_MESSAGE(n, filter.skip(n));
        }
        for (const char* n : {"Content-Type", "Host", "", "X-On", "X-One-More", "t", "tes"}) {
            CPPUNIT_ASSERT_MESSAGE(n, !filter.skip(n));
        }
        CPPUNIT_ASSERT(filter.connectionHas("close"));
        const HopByHopFilter none;
        CPPUNIT_ASSERT(none.skip("Keep-Alive"));
        CPPUNIT_ASSERT(!none.skip("X-One"));
        CPPUNIT_ASSERT(iequalsAscii("Content-Length", "content-LENGTH"));
        CPPUNIT_ASSERT(!iequalsAscii("Content-Length", "Content-Lengt"));
    }

    void testRawHead() {
        CPPUNIT_ASSERT_EQUAL(0, rawStatus("GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-Tab:\tv\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(0, rawStatus("GET / HTTP/1.0\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(400, rawStatus("GET  / HTTP/1.1\r\nHost: x\r\n\r\n"));    // two spaces
        CPPUNIT_ASSERT_EQUAL(400, rawStatus("G(T / HTTP/1.1\r\nHost: x\r\n\r\n"));     // method not a token
        CPPUNIT_ASSERT_EQUAL(400, rawStatus("GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n")); // control in target
        CPPUNIT_ASSERT_EQUAL(505, rawStatus("PRI * HTTP/2.0\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(400, rawStatus("GET / HTTX/1.1\r\nHost: x\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(400, rawStatus("GET / HTTP/1.1\nHost: x\r\n\r\n"));      // bare LF
        CPPUNIT_ASSERT_EQUAL(400, rawStatus("GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n")); // bare CR
        CPPUNIT_ASSERT_EQUAL(400, rawStatus("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(400, rawStatus("GET / HTTP/1.1\r\nHost : x\r\n\r\n")); // space before ':'
        CPPUNIT_ASSERT_EQUAL(400, rawStatus(std::string("GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n", 29)));
        CPPUNIT_ASSERT_EQUAL(400, rawStatus("GET / HTTP/1.1\r\nNoColon\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(414, rawStatus("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    void testFraming() {
        CPPUNIT_ASSERT_EQUAL(0, framingStatus(headWith({{"Host", "x"}, {"Content-Length", "12"}})));
        CPPUNIT_ASSERT_EQUAL(0, framingStatus(headWith({{"Host", "x"}, {"Transfer-Encoding", "Chunked"}})));
        CPPUNIT_ASSERT_EQUAL(0, framingStatus(headWith({}, 10)));
        CPPUNIT_ASSERT_EQUAL(400, framingStatus(headWith({}))); // HTTP/1.1 without Host
        CPPUNIT_ASSERT_EQUAL(400, framingStatus(headWith({{"Host", "x"}, {"Host", "y"}})));
        CPPUNIT_ASSERT_EQUAL(
            400, framingStatus(headWith({{"Host", "x"}, {"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}})));
        CPPUNIT_ASSERT_EQUAL(
            400, framingStatus(headWith(
                     {{"Host", "x"}, {"Content-Length", "5"}, {"Content-Length", "5"}}))); // duplicates, even equal
        for (const char* bad : {"-1", "1x", "+5", "0x10", "5, 5", ""}) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, 400, framingStatus(headWith({{"Host", "x"}, {"Content-Length", bad}})));
        }
        CPPUNIT_ASSERT_EQUAL(501, framingStatus(headWith({{"Host", "x"}, {"Transfer-Encoding", "gzip, chunked"}})));
        CPPUNIT_ASSERT_EQUAL(400, framingStatus(headWith({{"Host", "x"}, {"Transfer-Encoding", "chunked, gzip"}})));
        CPPUNIT_ASSERT_EQUAL(400, framingStatus(headWith({{"Host", "x"}, {"Transfer-Encoding", "xchunked"}})));
        CPPUNIT_ASSERT_EQUAL(
            400, framingStatus(
                     headWith({{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}})));
        CPPUNIT_ASSERT_EQUAL(400, framingStatus(headWith({{"Transfer-Encoding", "chunked"}}, 10)));
        CPPUNIT_ASSERT(plainDecimal("0") == 0u);
        CPPUNIT_ASSERT(!plainDecimal("1234567890123456789"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpFramingTest);
