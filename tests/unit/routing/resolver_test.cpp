// resolver_test.cpp — HTTP event-source matching: the sort order for every case,
// host ports, case-sensitivity, stripPrefix and the upstream path, the header route of the private gateway,
// and a 10,000-rule table.
#include "routing/resolver.h"
#include "test_support.h"

#include <algorithm>
#include <chrono>

using namespace maelstrom;
using namespace maelstrom::core;

namespace {

sdk::EventSource httpEs(const std::string& name, const std::string& component, const std::string& host,
                        const std::string& prefix, bool strip = false) {
    sdk::EventSource es;
    es.name = name;
    es.componentName = component;
    es.http = sdk::HttpEventSource{host, prefix, strip};
    return es;
}

/// The original's example of the match order, each event source routing to a component named after its position.
std::vector<sdk::EventSource> specExample() {
    // Deliberately listed out of order.
    return {
        httpEs("es-10", "c10", "", "/a"),      httpEs("es-05", "c05", "bar.com", "/"),
        httpEs("es-07", "c07", "bar.com", ""), httpEs("es-01", "c01", "foo.com", "/aaaa"),
        httpEs("es-09", "c09", "", "/aaa"),    httpEs("es-03", "c03", "bar.com", "/aa"),
        httpEs("es-06", "c06", "foo.com", ""), httpEs("es-02", "c02", "bar.com", "/aaa"),
        httpEs("es-08", "c08", "", "/aaaa"),   httpEs("es-04", "c04", "foo.com", "/"),
    };
}

std::string componentFor(const HttpRouteTable& table, std::string_view host, std::string_view path) {
    const auto match = table.match(host, path);
    return match ? match->componentName : std::string("(none)");
}

} // namespace

class ResolverTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ResolverTest);
    CPPUNIT_TEST(testSpecExampleOrder);
    CPPUNIT_TEST(testHostRulesBeatLongerHostlessPrefix);
    CPPUNIT_TEST(testHostPortStrippedAndCaseSensitive);
    CPPUNIT_TEST(testPlainStringPrefix);
    CPPUNIT_TEST(testNeitherHostNorPrefixNeverMatches);
    CPPUNIT_TEST(testTiedRulesPickSmallestName);
    CPPUNIT_TEST(testStripPrefixAndUpstreamPath);
    CPPUNIT_TEST(testOnlyHttpSourcesAndReplace);
    CPPUNIT_TEST(testHeaderRouteOnPrivateGatewayOnly);
    CPPUNIT_TEST(testTenThousandRules);
    CPPUNIT_TEST(testHostnamesOnceEach);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSpecExampleOrder() {
        const HttpRouteTable table(specExample());
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), table.size());
        // foo.com group: /aaaa, then /, then host-only.
        CPPUNIT_ASSERT_EQUAL(std::string("c01"), componentFor(table, "foo.com", "/aaaa/x"));
        CPPUNIT_ASSERT_EQUAL(std::string("c04"), componentFor(table, "foo.com", "/aaa"));
        CPPUNIT_ASSERT_EQUAL(std::string("c06"), componentFor(table, "foo.com", "nopath"));
        // bar.com group: /aaa, /aa, /, host-only.
        CPPUNIT_ASSERT_EQUAL(std::string("c02"), componentFor(table, "bar.com", "/aaaa"));
        CPPUNIT_ASSERT_EQUAL(std::string("c03"), componentFor(table, "bar.com", "/aab"));
        CPPUNIT_ASSERT_EQUAL(std::string("c05"), componentFor(table, "bar.com", "/b"));
        CPPUNIT_ASSERT_EQUAL(std::string("c07"), componentFor(table, "bar.com", ""));
        // Other hosts fall to the host-less rules, longest prefix first.
        CPPUNIT_ASSERT_EQUAL(std::string("c08"), componentFor(table, "baz.com", "/aaaa"));
        CPPUNIT_ASSERT_EQUAL(std::string("c09"), componentFor(table, "baz.com", "/aaab"));
        CPPUNIT_ASSERT_EQUAL(std::string("c10"), componentFor(table, "baz.com", "/ab"));
        CPPUNIT_ASSERT_EQUAL(std::string("(none)"), componentFor(table, "baz.com", "/b"));
        CPPUNIT_ASSERT_EQUAL(std::string("(none)"), componentFor(table, "", "/"));
        CPPUNIT_ASSERT_EQUAL(std::string("c10"), componentFor(table, "", "/a"));
    }

    void testHostRulesBeatLongerHostlessPrefix() {
        const HttpRouteTable table(
            {httpEs("a", "hostless", "", "/very/long/prefix"), httpEs("b", "hosted", "x.com", "/")});
        CPPUNIT_ASSERT_EQUAL(std::string("hosted"), componentFor(table, "x.com", "/very/long/prefix/1"));
        CPPUNIT_ASSERT_EQUAL(std::string("hostless"), componentFor(table, "y.com", "/very/long/prefix/1"));
        // A host rule whose prefix does not match lets the host-less rules try.
        const HttpRouteTable table2({httpEs("a", "hostless", "", "/api"), httpEs("b", "hosted", "x.com", "/web")});
        CPPUNIT_ASSERT_EQUAL(std::string("hostless"), componentFor(table2, "x.com", "/api/v1"));
        CPPUNIT_ASSERT_EQUAL(std::string("hosted"), componentFor(table2, "x.com", "/web"));
    }

    void testHostPortStrippedAndCaseSensitive() {
        const HttpRouteTable table({httpEs("a", "c", "foo.com", "")});
        CPPUNIT_ASSERT_EQUAL(std::string("c"), componentFor(table, "foo.com:8080", "/"));
        CPPUNIT_ASSERT_EQUAL(std::string("c"), componentFor(table, "foo.com:", "/"));
        CPPUNIT_ASSERT_EQUAL(std::string("(none)"), componentFor(table, "FOO.com", "/"));
        CPPUNIT_ASSERT_EQUAL(std::string("(none)"), componentFor(table, "www.foo.com", "/"));
        CPPUNIT_ASSERT_EQUAL(std::string("(none)"), componentFor(table, "foo.com.", "/"));
        CPPUNIT_ASSERT_EQUAL(std::string("a.b"), std::string(hostWithoutPort("a.b:1:2")));
        CPPUNIT_ASSERT_EQUAL(std::string("a.b"), std::string(hostWithoutPort("a.b")));
        CPPUNIT_ASSERT_EQUAL(std::string(""), std::string(hostWithoutPort(":80")));
    }

    void testPlainStringPrefix() {
        const HttpRouteTable table({httpEs("a", "c", "", "/foo")});
        CPPUNIT_ASSERT_EQUAL(std::string("c"), componentFor(table, "h", "/foobar"));
        CPPUNIT_ASSERT_EQUAL(std::string("c"), componentFor(table, "h", "/foo"));
        CPPUNIT_ASSERT_EQUAL(std::string("(none)"), componentFor(table, "h", "/fo"));
        CPPUNIT_ASSERT_EQUAL(std::string("(none)"), componentFor(table, "h", "/Foo"));
    }

    void testNeitherHostNorPrefixNeverMatches() {
        const HttpRouteTable table({httpEs("a", "c", "", "")});
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), table.size());
        CPPUNIT_ASSERT_EQUAL(std::string("(none)"), componentFor(table, "", ""));
        CPPUNIT_ASSERT_EQUAL(std::string("(none)"), componentFor(table, "x", "/"));
    }

    void testTiedRulesPickSmallestName() {
        const HttpRouteTable table({httpEs("zz", "second", "h", "/p"), httpEs("aa", "first", "h", "/p")});
        CPPUNIT_ASSERT_EQUAL(std::string("first"), componentFor(table, "h", "/p"));
        const HttpRouteTable table2({httpEs("aa", "first", "h", "/p"), httpEs("zz", "second", "h", "/p")});
        CPPUNIT_ASSERT_EQUAL(std::string("first"), componentFor(table2, "h", "/p"));
    }

    void testStripPrefixAndUpstreamPath() {
        const HttpRouteTable table({httpEs("a", "c", "", "/foo/", true), httpEs("b", "d", "", "/bar", true),
                                    httpEs("e", "f", "", "/keep", false)});
        auto m = table.match("h", "/foo/bar");
        CPPUNIT_ASSERT(m);
        CPPUNIT_ASSERT(m->stripPrefix);
        CPPUNIT_ASSERT_EQUAL(std::string("/foo/"), m->pathPrefix);
        CPPUNIT_ASSERT_EQUAL(std::string("a"), m->eventSourceName);
        CPPUNIT_ASSERT_EQUAL(std::string("/bar"), upstreamPath("/foo/bar", *m));
        CPPUNIT_ASSERT_EQUAL(std::string("/"), upstreamPath("/foo/", *m));
        m = table.match("h", "/bar");
        CPPUNIT_ASSERT_EQUAL(std::string("/"), upstreamPath("/bar", *m));
        CPPUNIT_ASSERT_EQUAL(std::string("/x"), upstreamPath("/barx", *m));
        CPPUNIT_ASSERT_EQUAL(std::string("/x/y"), upstreamPath("/bar/x/y", *m));
        m = table.match("h", "/keep/it");
        CPPUNIT_ASSERT(!m->stripPrefix);
        CPPUNIT_ASSERT_EQUAL(std::string("/keep/it"), upstreamPath("/keep/it", *m));
        CPPUNIT_ASSERT_EQUAL(std::string("/"), upstreamPath("", RouteMatch{}));
    }

    void testOnlyHttpSourcesAndReplace() {
        sdk::EventSource cron;
        cron.name = "cron";
        cron.componentName = std::string("c"); // a literal here trips GCC 12 -O3 -Wrestrict (false positive)
        cron.cron = sdk::CronEventSource{};
        HttpResolver resolver;
        CPPUNIT_ASSERT(!resolver.resolve("h", "/"));
        resolver.replace({cron, httpEs("a", "web", "h", "")});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), resolver.table()->size());
        CPPUNIT_ASSERT_EQUAL(std::string("web"), resolver.resolve("h", "/x")->componentName);
        // A disabled source is simply absent from the list the daemon passes (refresh asks the database for
        // enabled ones only): after the swap it no longer matches.
        resolver.replace({cron});
        CPPUNIT_ASSERT(!resolver.resolve("h", "/x"));
    }

    void testHeaderRouteOnPrivateGatewayOnly() {
        HttpResolver resolver;
        resolver.replace({httpEs("a", "web", "h", "")});
        RouteRequest request;
        request.host = "h";
        request.path = "/p";
        request.componentHeader = "Other-Component";
        request.privateGateway = true;
        auto m = resolver.resolve(request);
        CPPUNIT_ASSERT(m && m->byHeader);
        CPPUNIT_ASSERT_EQUAL(std::string("Other-Component"), m->componentName); // exact, no lowercasing
        CPPUNIT_ASSERT_EQUAL(std::string("/p"), upstreamPath("/p", *m));
        request.privateGateway = false; // the public gateway ignores the header
        m = resolver.resolve(request);
        CPPUNIT_ASSERT(m && !m->byHeader);
        CPPUNIT_ASSERT_EQUAL(std::string("web"), m->componentName);
        request.privateGateway = true;
        request.componentHeader.reset(); // no header: event sources, as on the public gateway
        CPPUNIT_ASSERT_EQUAL(std::string("web"), resolver.resolve(request)->componentName);
    }

    void testTenThousandRules() {
        std::vector<sdk::EventSource> sources;
        for (int i = 0; i < 10000; ++i) {
            const auto n = std::to_string(i);
            switch (i % 3) {
            case 0:
                sources.push_back(httpEs("h" + n, "host-" + n, "host" + n + ".example", ""));
                break;
            case 1:
                sources.push_back(httpEs("p" + n, "path-" + n, "", "/p" + n + "/"));
                break;
            default:
                sources.push_back(httpEs("b" + n, "both-" + n, "both" + n + ".example", "/api/"));
                break;
            }
        }
        HttpResolver resolver;
        resolver.replace(sources);
        CPPUNIT_ASSERT_EQUAL(std::size_t(10000), resolver.table()->size());
        CPPUNIT_ASSERT_EQUAL(std::string("host-9999"), resolver.resolve("host9999.example:80", "/x")->componentName);
        CPPUNIT_ASSERT_EQUAL(std::string("path-9997"), resolver.resolve("nope", "/p9997/x")->componentName);
        CPPUNIT_ASSERT_EQUAL(std::string("both-9998"), resolver.resolve("both9998.example", "/api/1")->componentName);
        CPPUNIT_ASSERT_EQUAL(std::string("path-1"), resolver.resolve("both9998.example", "/p1/")->componentName);
        CPPUNIT_ASSERT(!resolver.resolve("nope", "/q"));

        // Timing sanity (not a benchmark): 100k lookups over 10k rules take well under a few seconds even under
        // sanitizers on a loaded machine; a linear scan would take ~10^9 comparisons.
        const auto started = std::chrono::steady_clock::now();
        std::size_t found = 0;
        for (int i = 0; i < 100000; ++i) {
            const auto n = std::to_string((i * 7) % 10000);
            found += resolver.resolve("host" + n + ".example", "/p" + n + "/z") ? 1 : 0;
        }
        const auto elapsed = std::chrono::steady_clock::now() - started;
        CPPUNIT_ASSERT(found > 60000);
        CPPUNIT_ASSERT_MESSAGE("100k lookups took too long", elapsed < std::chrono::seconds(20));
    }

    // The hostnames the table names (what ACME orders certificates for): each once, host-less rules left out.
    void testHostnamesOnceEach() {
        const HttpRouteTable table(specExample());
        auto names = table.hostnames();
        std::sort(names.begin(), names.end());
        CPPUNIT_ASSERT_EQUAL(std::string("bar.com,foo.com"), names[0] + "," + names[1]);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, names.size());
        CPPUNIT_ASSERT(HttpRouteTable({}).hostnames().empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ResolverTest);
