// http_framing_test.cpp — hopByHopHeaders and ambiguousFraming: which headers the proxy never forwards and which
// request framings it refuses (smuggling).
#include "gateway/http_framing.h"
#include "test_support.h"

#include <Poco/Net/MessageHeader.h>

using namespace maelstrom::core;

class HttpFramingTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HttpFramingTest);
    CPPUNIT_TEST(testHopByHop);
    CPPUNIT_TEST(testHopByHopFilter);
    CPPUNIT_TEST(testFraming);
    CPPUNIT_TEST_SUITE_END();

public:
    void testHopByHop() {
        Poco::Net::MessageHeader h;
        h.add("Connection", "keep-alive, X-One");
        h.add("connection", " X-Two ,,");
        const auto names = hopByHopHeaders(h);
        for (const char* n :
             {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te",
              "trailer", "transfer-encoding", "upgrade", "x-one", "x-two"}) {
            CPPUNIT_ASSERT_MESSAGE(n, names.count(n) == 1);
        }
        CPPUNIT_ASSERT(names.count("content-type") == 0);
        CPPUNIT_ASSERT(names.count("") == 0);
    }

    void testHopByHopFilter() {
        // The proxy's allocation-free filter follows the same rule as hopByHopHeaders, case-insensitively.
        Poco::Net::MessageHeader h;
        h.add("Connection", "keep-alive, X-One, close");
        h.add("connection", " X-Two ,,\tX-Three\t");
        const HopByHopFilter filter(h);
        for (const char* n :
             {"Connection", "KEEP-ALIVE", "proxy-connection", "Proxy-Authorization", "proxy-authenticate", "TE",
              "Trailer", "transfer-encoding", "Upgrade", "x-one", "X-TWO", "x-three"}) {
            CPPUNIT_ASSERT_MESSAGE(n, filter.skip(n));
        }
        for (const char* n : {"Content-Type", "Host", "", "X-On", "X-One-More", "t", "tes"}) {
            CPPUNIT_ASSERT_MESSAGE(n, !filter.skip(n));
        }
        const Poco::Net::MessageHeader empty;
        const HopByHopFilter none(empty);
        CPPUNIT_ASSERT(none.skip("Keep-Alive"));
        CPPUNIT_ASSERT(!none.skip("X-One"));
        CPPUNIT_ASSERT(iequalsAscii("Content-Length", "content-LENGTH"));
        CPPUNIT_ASSERT(!iequalsAscii("Content-Length", "Content-Lengt"));
    }

    void testFraming() {
        Poco::Net::MessageHeader ok;
        ok.add("Content-Length", "12");
        ok.add("Content-Length", " 12");
        CPPUNIT_ASSERT(!ambiguousFraming(ok));
        Poco::Net::MessageHeader chunked;
        chunked.add("Transfer-Encoding", "Chunked");
        CPPUNIT_ASSERT(!ambiguousFraming(chunked));

        Poco::Net::MessageHeader both;
        both.add("Content-Length", "5");
        both.add("Transfer-Encoding", "chunked");
        CPPUNIT_ASSERT_EQUAL(std::string("both Content-Length and Transfer-Encoding"), *ambiguousFraming(both));
        Poco::Net::MessageHeader conflict;
        conflict.add("Content-Length", "5");
        conflict.add("content-length", "6");
        CPPUNIT_ASSERT_EQUAL(std::string("conflicting Content-Length headers"), *ambiguousFraming(conflict));
        Poco::Net::MessageHeader bad;
        bad.add("Content-Length", "-1");
        CPPUNIT_ASSERT(ambiguousFraming(bad));
        Poco::Net::MessageHeader list;
        list.add("Content-Length", "5, 5");
        CPPUNIT_ASSERT(ambiguousFraming(list));
        Poco::Net::MessageHeader gzip;
        gzip.add("Transfer-Encoding", "gzip, chunked");
        CPPUNIT_ASSERT(ambiguousFraming(gzip));
        Poco::Net::MessageHeader twice;
        twice.add("Transfer-Encoding", "chunked");
        twice.add("Transfer-Encoding", "chunked");
        CPPUNIT_ASSERT(ambiguousFraming(twice));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpFramingTest);
