// project_yaml_test.cpp — the project file reader against the original's format: every key and its wire
// field, defaults, naming and ordering, environment merging, the crontab block, interpolation inside YAML,
// YAML 1.1 scalar typing, and strict-mode errors with their file:line. Includes the example projects
// (etc/maelstrom.yml and the original's documented example).
// SPDX-License-Identifier: Apache-2.0
#include "project_yaml.h"

#include "test_support.h"

#include <maelstrom/sdk/json.h>

#include <cppunit/extensions/HelperMacros.h>

using namespace maelstrom;
using namespace maelstrom::cli;
using namespace maelstrom::testing;
using Env = std::map<std::string, std::string>;

namespace {

sdk::Project parse(const std::string& yaml, const Env& env = {}) {
    ProjectLoadOptions options;
    options.environment = env;
    return parseProjectYaml(yaml, "p.yml", options);
}

std::string errorOf(const std::string& yaml, const Env& env = {}) {
    try {
        parse(yaml, env);
    } catch (const ProjectFileError& e) {
        return e.what();
    }
    return "<no error>";
}

const sdk::Component& only(const sdk::Project& p) {
    CPPUNIT_ASSERT_EQUAL(std::size_t(1), p.components.size());
    return p.components[0].component;
}

std::vector<std::string> esNames(const sdk::ComponentWithEventSources& c) {
    std::vector<std::string> names;
    for (const auto& es : c.eventSources)
        names.push_back(es.eventSource.name);
    return names;
}

std::vector<std::string> envStrings(const sdk::Component& c) {
    std::vector<std::string> out;
    for (const auto& nv : c.environment)
        out.push_back(nv.name + "=" + nv.value);
    return out;
}

using Strings = std::vector<std::string>;

std::string joinStrings(const Strings& v) {
    std::string out = "[";
    for (const auto& s : v)
        out += "<" + s + ">";
    return out + "]";
}

#define ASSERT_STRINGS(expected, actual) CPPUNIT_ASSERT_EQUAL(joinStrings(expected), joinStrings(actual))

} // namespace

class ProjectYamlTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ProjectYamlTest);
    CPPUNIT_TEST(testEtcExample);
    CPPUNIT_TEST(testSpecExample);
    CPPUNIT_TEST(testEveryComponentKey);
    CPPUNIT_TEST(testEventSourceKinds);
    CPPUNIT_TEST(testDefaults);
    CPPUNIT_TEST(testIdlePauseKeys);
    CPPUNIT_TEST(testEnvironmentMerge);
    CPPUNIT_TEST(testOrderingAndNaming);
    CPPUNIT_TEST(testCrontab);
    CPPUNIT_TEST(testScalarTyping);
    CPPUNIT_TEST(testInterpolationInYaml);
    CPPUNIT_TEST(testMergeKeys);
    CPPUNIT_TEST(testUnknownKeys);
    CPPUNIT_TEST(testDuplicateKeys);
    CPPUNIT_TEST(testWrongTypes);
    CPPUNIT_TEST(testCronErrors);
    CPPUNIT_TEST(testNameCollisions);
    CPPUNIT_TEST(testSyntaxErrors);
    CPPUNIT_TEST(testErrorLinesThroughInterpolation);
    CPPUNIT_TEST(testLoadProjectFile);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEtcExample() {
        ProjectLoadOptions options;
        const auto project = loadProjectFile((sourceDir() / "etc/maelstrom.yml").string(), options);
        CPPUNIT_ASSERT_EQUAL(std::string("hello"), project.name);
        const auto& c = only(project);
        CPPUNIT_ASSERT_EQUAL(std::string("web"), c.name);
        CPPUNIT_ASSERT_EQUAL(std::string("hello"), c.projectName);
        CPPUNIT_ASSERT_EQUAL(std::string("maelstrom/hello-http:1"), c.docker->image);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8080), c.docker->httpPort);
        CPPUNIT_ASSERT_EQUAL(std::string("/health"), c.docker->httpHealthCheckPath);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10), c.maxConcurrency);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(300), c.docker->idleTimeoutSeconds);
        const auto& es = project.components[0].eventSources;
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), es.size());
        CPPUNIT_ASSERT_EQUAL(std::string("web"), es[0].eventSource.name);
        CPPUNIT_ASSERT(es[0].eventSource.http.has_value());
        CPPUNIT_ASSERT_EQUAL(std::string("hello.localhost"), es[0].eventSource.http->hostname);
    }

    void testSpecExample() {
        TempDir dir;
        dir.write("shared.env", "SHARED=1\nLOG_LEVEL=debug\n");
        // The original's documented example verbatim, except that envfile is absolute (relative paths are relative to the CWD).
        const std::string yaml =
            "name: shop\n"
            "envfile: ${DIR}/shared.env\n"
            "environment: [ \"LOG_LEVEL=info\", \"DB_URL=${DB_URL:-postgres://localhost/shop}\" ]\n"
            "components:\n"
            "  api:\n"
            "    image: acme/api:1.4\n"
            "    httpport: 8080\n"
            "    httphealthcheckpath: /health\n"
            "    maxconcurrency: 20\n"
            "    reservememory: 256\n"
            "    eventsources:\n"
            "      public:\n"
            "        http: { hostname: api.example.com, pathprefix: /v1, stripprefix: true }\n"
            "    crontab: |\n"
            "      */5 * * * *  /jobs/refresh\n";
        const auto project = parse(yaml, {{"DIR", dir.path().string()}, {"DB_URL", ""}});
        CPPUNIT_ASSERT_EQUAL(std::string("shop"), project.name);
        const auto& cwes = project.components.at(0);
        const auto& c = only(project);
        CPPUNIT_ASSERT_EQUAL(std::string("api"), c.name); // the server makes it shop_api
        CPPUNIT_ASSERT_EQUAL(std::string("acme/api:1.4"), c.docker->image);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(256), c.docker->reserveMemoryMiB);
        ASSERT_STRINGS((Strings{"DB_URL=postgres://localhost/shop", "LOG_LEVEL=info", "SHARED=1"}), envStrings(c));
        ASSERT_STRINGS((Strings{"public", "api-cron-0"}), esNames(cwes));
        const auto& http = cwes.eventSources[0].eventSource.http;
        CPPUNIT_ASSERT(http.has_value());
        CPPUNIT_ASSERT(*http == (sdk::HttpEventSource{"api.example.com", "/v1", true}));
        const auto& cron = cwes.eventSources[1].eventSource;
        CPPUNIT_ASSERT(cron.cron.has_value());
        CPPUNIT_ASSERT_EQUAL(std::string("*/5 * * * *"), cron.cron->schedule);
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), cron.cron->http.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/jobs/refresh"), cron.cron->http.path);
        for (const auto& es : cwes.eventSources) {
            CPPUNIT_ASSERT(es.enabled);
            CPPUNIT_ASSERT_EQUAL(std::string("api"), es.eventSource.componentName);
            CPPUNIT_ASSERT_EQUAL(std::string("shop"), es.eventSource.projectName);
        }
    }

    void testEveryComponentKey() {
        const std::string yaml = R"(name: Demo
components:
  Gizmo:
    image: coopernurse/gizmo
    command: ["python", "gizmo.py"]
    entrypoint: [/bin/sh, -c]
    environment: [B=gizmoB]
    mininstances: 1
    maxinstances: 5
    maxinstancespernode: 2
    maxconcurrency: 3
    softconcurrencylimit: true
    scaledownconcurrencypct: 0.2
    scaleupconcurrencypct: 0.8
    maxdurationseconds: 30
    startparallelism: series
    restartorder: startstop
    httpport: 8081
    httphealthcheckpath: /ping
    httpstarthealthcheckseconds: -1
    httphealthcheckseconds: 5
    httphealthcheckmaxfailures: 2
    healthcheckfailedcommand: [/bin/bash, foo]
    idletimeoutseconds: 600
    idlepause: true
    pausedtimeoutseconds: 900
    ports: ["6001:6001", "127.0.0.1:80:8080/tcp"]
    volumes:
      - source: /home/u/.aws
        target: /root/.aws
      - {type: tmpfs, source: t, target: /tmp, readonly: true}
    networkname: host
    hostname: edgar
    domainname: foo.com
    user: bob
    dns: [1.1.1.1, 8.8.8.8]
    dnsoptions: [ndots:2]
    dnssearch: [example.com]
    logdriver: syslog
    logdriveroptions:
      syslog-host: localhost
      a-first: 1
    cpushares: 250
    reservememory: 1024
    limitmemory: 2048
    containerinit: true
    pullcommand: [docker, pull, <image>]
    pullusername: user
    pullpassword: secret
    pullimageonput: true
    pullimageonstart: true
    ulimits: [nofile=1024:2048, nproc=10]
    capadd: [NET_ADMIN, SYS_TIME]
    capdrop: [ALL]
)";
        const auto project = parse(yaml);
        CPPUNIT_ASSERT_EQUAL(std::string("Demo"), project.name);
        const auto& c = only(project);
        CPPUNIT_ASSERT_EQUAL(std::string("Gizmo"), c.name); // as written: the server lowercases
        CPPUNIT_ASSERT_EQUAL(std::string("Demo"), c.projectName);
        ASSERT_STRINGS((Strings{"B=gizmoB"}), envStrings(c));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), c.minInstances);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), c.maxInstances);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), c.maxInstancesPerNode);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), c.maxConcurrency);
        CPPUNIT_ASSERT(c.softConcurrencyLimit);
        CPPUNIT_ASSERT_EQUAL(0.2, c.scaleDownConcurrencyPct);
        CPPUNIT_ASSERT_EQUAL(0.8, c.scaleUpConcurrencyPct);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(30), c.maxDurationSeconds);
        CPPUNIT_ASSERT_EQUAL(std::string("series"), c.startParallelism);
        CPPUNIT_ASSERT_EQUAL(std::string("startstop"), c.restartOrder);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), c.version);
        const auto& d = *c.docker;
        CPPUNIT_ASSERT_EQUAL(std::string("coopernurse/gizmo"), d.image);
        ASSERT_STRINGS((Strings{"python", "gizmo.py"}), d.command);
        ASSERT_STRINGS((Strings{"/bin/sh", "-c"}), d.entrypoint);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8081), d.httpPort);
        CPPUNIT_ASSERT_EQUAL(std::string("/ping"), d.httpHealthCheckPath);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-1), d.httpStartHealthCheckSeconds);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), d.httpHealthCheckSeconds);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), d.httpHealthCheckMaxFailures);
        ASSERT_STRINGS((Strings{"/bin/bash", "foo"}), d.healthCheckFailedCommand);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(600), d.idleTimeoutSeconds);
        CPPUNIT_ASSERT(d.idlePause);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(900), d.pausedTimeoutSeconds);
        ASSERT_STRINGS((Strings{"6001:6001", "127.0.0.1:80:8080/tcp"}), d.ports);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), d.volumes.size());
        CPPUNIT_ASSERT(d.volumes[0] == (sdk::VolumeMount{"", "/home/u/.aws", "/root/.aws", false}));
        CPPUNIT_ASSERT(d.volumes[1] == (sdk::VolumeMount{"tmpfs", "t", "/tmp", true}));
        CPPUNIT_ASSERT_EQUAL(std::string("host"), d.networkName);
        CPPUNIT_ASSERT_EQUAL(std::string("edgar"), d.hostname);
        CPPUNIT_ASSERT_EQUAL(std::string("foo.com"), d.domainname);
        CPPUNIT_ASSERT_EQUAL(std::string("bob"), d.user);
        ASSERT_STRINGS((Strings{"1.1.1.1", "8.8.8.8"}), d.dns);
        ASSERT_STRINGS((Strings{"ndots:2"}), d.dnsOptions);
        ASSERT_STRINGS((Strings{"example.com"}), d.dnsSearch);
        CPPUNIT_ASSERT_EQUAL(std::string("syslog"), d.logDriver);
        CPPUNIT_ASSERT(d.logDriverOptions ==
                       (std::vector<sdk::NameValue>{{"a-first", "1"}, {"syslog-host", "localhost"}})); // sorted
        CPPUNIT_ASSERT_EQUAL(std::int64_t(250), d.cpuShares);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1024), d.reserveMemoryMiB);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2048), d.limitMemoryMiB);
        CPPUNIT_ASSERT(d.init);
        ASSERT_STRINGS((Strings{"docker", "pull", "<image>"}), d.pullCommand);
        CPPUNIT_ASSERT_EQUAL(std::string("user"), d.pullUsername);
        CPPUNIT_ASSERT_EQUAL(std::string("secret"), d.pullPassword);
        CPPUNIT_ASSERT(d.pullImageOnPut);
        CPPUNIT_ASSERT(d.pullImageOnStart);
        ASSERT_STRINGS((Strings{"nofile=1024:2048", "nproc=10"}), d.ulimits);
        ASSERT_STRINGS((Strings{"NET_ADMIN", "SYS_TIME"}), d.capadd);
        ASSERT_STRINGS((Strings{"ALL"}), d.capdrop);
        CPPUNIT_ASSERT(project.components[0].eventSources.empty());
    }

    void testEventSourceKinds() {
        const std::string yaml = R"(name: p
components:
  c:
    image: x
    eventsources:
      web:
        http: {hostname: a.com, pathprefix: /api, stripprefix: true}
      tick:
        cron:
          schedule: "CRON_TZ=UTC 0 */2 * JAN-DEC MON-FRI"
          http:
            method: POST
            path: /tick?x=1
            data: '{"a": 1}'
            headers:
              - {name: X-A, value: b}
              - name: X-B
                value: 2
      queue:
        sqs: {queuename: q, nameasprefix: true, path: /q, maxconcurrency: 4, messagesperpoll: 2, concurrencyperpoller: 3, visibilitytimeout: 30}
      step:
        awsstepfunc: {activityname: act, path: /s, maxconcurrency: 2, concurrencyperpoller: 1}
      legacy:
        name: ignored
        componentname: ignored
        projectname: ignored
        version: 3
        modifiedat: 1700000000000
        http: {pathprefix: /l}
      nothing:
        http: ~
)";
        const auto project = parse(yaml);
        const auto& c = project.components.at(0);
        ASSERT_STRINGS((Strings{"legacy", "nothing", "queue", "step", "tick", "web"}), esNames(c));
        const auto& legacy = c.eventSources[0].eventSource;
        CPPUNIT_ASSERT_EQUAL(std::string("legacy"), legacy.name);
        CPPUNIT_ASSERT_EQUAL(std::string("c"), legacy.componentName);
        CPPUNIT_ASSERT_EQUAL(std::string("p"), legacy.projectName);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), legacy.version);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000000), legacy.modifiedAt);
        const auto& nothing = c.eventSources[1].eventSource;
        CPPUNIT_ASSERT(!nothing.type().has_value()); // null sub-block = absent (the server rejects it)
        const auto& sqs = c.eventSources[2].eventSource.sqs;
        CPPUNIT_ASSERT(sqs.has_value());
        CPPUNIT_ASSERT(*sqs == (sdk::SqsEventSource{"q", true, "/q", 4, 2, 3, 30}));
        const auto& step = c.eventSources[3].eventSource.awsstepfunc;
        CPPUNIT_ASSERT(step.has_value());
        CPPUNIT_ASSERT(*step == (sdk::AwsStepFunctionEventSource{"act", "/s", 2, 1}));
        const auto& cron = c.eventSources[4].eventSource.cron;
        CPPUNIT_ASSERT(cron.has_value());
        CPPUNIT_ASSERT_EQUAL(std::string("CRON_TZ=UTC 0 */2 * JAN-DEC MON-FRI"), cron->schedule);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), cron->http.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/tick?x=1"), cron->http.path);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\": 1}"), cron->http.data);
        CPPUNIT_ASSERT(cron->http.headers == (std::vector<sdk::NameValue>{{"X-A", "b"}, {"X-B", "2"}}));
        const auto& web = c.eventSources[5].eventSource;
        CPPUNIT_ASSERT(web.http.has_value() && !web.cron && !web.sqs && !web.awsstepfunc);
        CPPUNIT_ASSERT(*web.http == (sdk::HttpEventSource{"a.com", "/api", true}));
    }

    void testDefaults() {
        const auto project = parse("name: p\ncomponents:\n  bare:\n  empty: {}\n  img:\n    image: x\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), project.components.size());
        for (const auto& cwes : project.components) {
            const auto& c = cwes.component;
            CPPUNIT_ASSERT(c.docker.has_value()); // always, even for an empty block
            sdk::Component expected;
            expected.name = c.name;
            expected.projectName = "p";
            expected.docker.emplace();
            expected.docker->image = c.docker->image;
            CPPUNIT_ASSERT(c == expected); // every other field is zero: defaults are applied at use time
            CPPUNIT_ASSERT(cwes.eventSources.empty());
        }
        CPPUNIT_ASSERT_EQUAL(std::string("x"), project.components[2].component.docker->image);

        // An empty file, or one with only comments, is an empty project (the server rejects the empty name).
        CPPUNIT_ASSERT(parse("") == sdk::Project{});
        CPPUNIT_ASSERT(parse("# nothing\n---\n") == sdk::Project{});
        CPPUNIT_ASSERT(parse("name: p\ncomponents:\n") == (sdk::Project{"p", {}}));
        CPPUNIT_ASSERT(parse("name: p\ncomponents: {}\n---\n") == (sdk::Project{"p", {}}));
    }

    void testIdlePauseKeys() {
        const auto component = [](const std::string& keys) {
            return *only(parse("name: p\ncomponents:\n  api:\n    image: x\n" + keys)).docker;
        };
        // Absent: off, and the paused timeout left to its default (0 on the wire, 1800 s at use time).
        auto d = component("");
        CPPUNIT_ASSERT(!d.idlePause);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), d.pausedTimeoutSeconds);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1800), sdk::effectivePausedTimeoutSeconds(d));
        // Set, next to idletimeoutseconds; YAML 1.1 booleans and Go integer forms as for the other keys.
        d = component("    idletimeoutseconds: 60\n    idlepause: true\n    pausedtimeoutseconds: 120\n");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60), d.idleTimeoutSeconds);
        CPPUNIT_ASSERT(d.idlePause);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(120), d.pausedTimeoutSeconds);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(120), sdk::effectivePausedTimeoutSeconds(d));
        d = component("    idlepause: yes\n    pausedtimeoutseconds: 0x10\n");
        CPPUNIT_ASSERT(d.idlePause);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(16), d.pausedTimeoutSeconds);
        d = component("    idlepause: off\n    pausedtimeoutseconds: 0\n");
        CPPUNIT_ASSERT(!d.idlePause);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1800), sdk::effectivePausedTimeoutSeconds(d));
        d = component("    idlepause: ~\n    pausedtimeoutseconds:\n");
        CPPUNIT_ASSERT(!d.idlePause);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), d.pausedTimeoutSeconds);
        // The keys reach the wire.
        const std::string json =
            sdk::json::toJson(only(parse("components:\n  a:\n    idlepause: true\n    pausedtimeoutseconds: 5\n")));
        CPPUNIT_ASSERT_MESSAGE(json, json.find("\"idlePause\":true") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(json, json.find("\"pausedTimeoutSeconds\":5") != std::string::npos);

        // Invalid values: file:line and the key's path, like every other error of the reader.
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:5: components.api.pausedtimeoutseconds: must not be negative, got -1 "
                                         "(0 or absent: the default, 1800 seconds)"),
                             errorOf("name: p\ncomponents:\n  api:\n    image: x\n    pausedtimeoutseconds: -1\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.pausedtimeoutseconds: expected an integer, got 'long'"),
                             errorOf("components: {a: {pausedtimeoutseconds: long}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.pausedtimeoutseconds: expected an integer, got '60' (a "
                                         "quoted value is a string: remove the quotes)"),
                             errorOf("components: {a: {pausedtimeoutseconds: \"60\"}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.pausedtimeoutseconds: expected an integer, got a list"),
                             errorOf("components: {a: {pausedtimeoutseconds: [60]}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:3: components.a.idlepause: expected true or false, got '1'"),
                             errorOf("components:\n  a:\n    idlepause: 1\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.idlepause: expected true or false, got 'true' (a "
                                         "quoted value is a string: remove the quotes)"),
                             errorOf("components: {a: {idlepause: 'true'}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.idlepause: expected true or false, got a mapping"),
                             errorOf("components: {a: {idlepause: {on: 1}}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a: unknown key 'idlePause' (did you mean 'idlepause'? "
                                         "keys are lowercase)"),
                             errorOf("components: {a: {idlePause: true}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a: unknown key 'pausetimeoutseconds' (did you mean "
                                         "'pausedtimeoutseconds'? keys are lowercase)"),
                             errorOf("components: {a: {pausetimeoutseconds: 60}}"));
    }

    void testEnvironmentMerge() {
        TempDir dir;
        dir.write("base.env", "A=envfile\nB=envfile\nC=envfile\n#D=x\nnoequals\nCR=1\r\n");
        const std::string yaml = "name: p\n"
                                 "envfile: ${DIR}/base.env\n"
                                 "environment:\n  - B=project\n  - C=project\n  - NOEQUALS\n  - E=a=b\n"
                                 "components:\n"
                                 "  one:\n    environment: [C=component, Z=last]\n"
                                 "  two:\n    image: x\n";
        const auto project = parse(yaml, {{"DIR", dir.path().string()}});
        ASSERT_STRINGS((Strings{"#D=x", "A=envfile", "B=project", "C=component", "CR=1\r", "E=a=b", "Z=last"}),
                       envStrings(project.components[0].component));
        ASSERT_STRINGS((Strings{"#D=x", "A=envfile", "B=project", "C=project", "CR=1\r", "E=a=b"}),
                       envStrings(project.components[1].component));
        // The envfile is not used for interpolation.
        CPPUNIT_ASSERT_EQUAL(std::string("xy"),
                             parse("name: x${A}y\nenvfile: ${DIR}/base.env\n", {{"DIR", dir.path().string()}}).name);
    }

    void testOrderingAndNaming() {
        const std::string yaml = R"(name: MyProj
components:
  zeta:
    image: z
    eventsources:
      b-es: {http: {pathprefix: /b}}
      A-es: {http: {pathprefix: /a}}
      a-es2: {http: {pathprefix: /a2}}
    crontab: "@hourly /h"
  Alpha:
    image: a
  beta:
    image: b
)";
        const auto project = parse(yaml);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), project.components.size());
        CPPUNIT_ASSERT_EQUAL(std::string("Alpha"), project.components[0].component.name); // byte order
        CPPUNIT_ASSERT_EQUAL(std::string("beta"), project.components[1].component.name);
        CPPUNIT_ASSERT_EQUAL(std::string("zeta"), project.components[2].component.name);
        ASSERT_STRINGS((Strings{"A-es", "a-es2", "b-es", "zeta-cron-0"}), esNames(project.components[2]));
        for (const auto& c : project.components)
            CPPUNIT_ASSERT_EQUAL(std::string("MyProj"), c.component.projectName);
    }

    void testCrontab() {
        const std::string yaml = "name: p\n"
                                 "components:\n"
                                 "  job:\n"
                                 "    crontab: |\n"
                                 "       # comment should be ignored\n"
                                 "       1 2 * * *   /cron/one\n"
                                 "\n"
                                 "       5   6 */2  ?  1   /cron/two?a=b\n"
                                 "       /only-one-field\n"
                                 "       0 0 * * * not-a-path\n"
                                 "       #0 0 * * * /commented\n"
                                 "       @every 1h   /cron/three\n"
                                 "       TZ=UTC 30 4 * * * /cron/four\n";
        const auto project = parse(yaml);
        const auto& c = project.components.at(0);
        ASSERT_STRINGS((Strings{"job-cron-0", "job-cron-1", "job-cron-2", "job-cron-3"}), esNames(c));
        const Strings schedules = {"1 2 * * *", "5 6 */2 ? 1", "@every 1h", "TZ=UTC 30 4 * * *"};
        const Strings paths = {"/cron/one", "/cron/two?a=b", "/cron/three", "/cron/four"};
        for (std::size_t i = 0; i < 4; ++i) {
            const auto& es = c.eventSources[i];
            CPPUNIT_ASSERT(es.enabled);
            CPPUNIT_ASSERT(es.eventSource.cron.has_value());
            CPPUNIT_ASSERT_EQUAL(schedules[i], es.eventSource.cron->schedule);
            CPPUNIT_ASSERT_EQUAL(paths[i], es.eventSource.cron->http.path);
            CPPUNIT_ASSERT_EQUAL(std::string("GET"), es.eventSource.cron->http.method);
            CPPUNIT_ASSERT(es.eventSource.cron->http.data.empty() && es.eventSource.cron->http.headers.empty());
            CPPUNIT_ASSERT_EQUAL(std::string("job"), es.eventSource.componentName);
        }
        // A plain one-line crontab, an empty one, CRLF line ends.
        CPPUNIT_ASSERT_EQUAL(std::size_t(1),
                             parse("components: {c: {crontab: '@daily /d'}}").components[0].eventSources.size());
        CPPUNIT_ASSERT(parse("components: {c: {crontab: ''}}").components[0].eventSources.empty());
        CPPUNIT_ASSERT(parse("components: {c: {crontab: ~}}").components[0].eventSources.empty());
        const auto crlf = parse("components:\r\n  c:\r\n    crontab: |\r\n      @daily /d\r\n      @hourly /h\r\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), crlf.components[0].eventSources.size());
        CPPUNIT_ASSERT_EQUAL(std::string("/h"), crlf.components[0].eventSources[1].eventSource.cron->http.path);
    }

    void testScalarTyping() {
        const std::string yaml = R"(name: 123
components:
  c:
    image: 1.0
    hostname: yes
    maxconcurrency: 2.9
    mininstances: 0x10
    maxinstances: 0o17
    maxinstancespernode: 1_000
    cpushares: -5
    limitmemory: 017
    maxdurationseconds: +7
    reservememory: 1e3
    softconcurrencylimit: on
    containerinit: Y
    pullimageonput: "no-quotes-is-a-string"
    scaleupconcurrencypct: 1
    scaledownconcurrencypct: .5
    user: ~
    domainname: null
    logdriveroptions: {port: 514, on: off, empty: }
    command: [1, true, ~, "x"]
)";
        CPPUNIT_ASSERT(errorOf(yaml).find("pullimageonput: expected true or false, got 'no-quotes-is-a-string'") !=
                       std::string::npos);
        std::string fixed = yaml;
        fixed.replace(fixed.find("\"no-quotes-is-a-string\""), 23, "False");
        const auto project = parse(fixed);
        CPPUNIT_ASSERT_EQUAL(std::string("123"), project.name);
        const auto& c = only(project);
        CPPUNIT_ASSERT_EQUAL(std::string("1.0"), c.docker->image); // a string field keeps the text
        CPPUNIT_ASSERT_EQUAL(std::string("yes"), c.docker->hostname);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), c.maxConcurrency); // truncated, as go-yaml v2 does
        CPPUNIT_ASSERT_EQUAL(std::int64_t(16), c.minInstances);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(15), c.maxInstances);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000), c.maxInstancesPerNode);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(-5), c.docker->cpuShares);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(15), c.docker->limitMemoryMiB); // YAML 1.1 octal
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), c.maxDurationSeconds);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000), c.docker->reserveMemoryMiB);
        CPPUNIT_ASSERT(c.softConcurrencyLimit);
        CPPUNIT_ASSERT(c.docker->init);
        CPPUNIT_ASSERT(!c.docker->pullImageOnPut);
        CPPUNIT_ASSERT_EQUAL(1.0, c.scaleUpConcurrencyPct);
        CPPUNIT_ASSERT_EQUAL(0.5, c.scaleDownConcurrencyPct);
        CPPUNIT_ASSERT_EQUAL(std::string(""), c.docker->user);
        CPPUNIT_ASSERT_EQUAL(std::string(""), c.docker->domainname);
        CPPUNIT_ASSERT(c.docker->logDriverOptions ==
                       (std::vector<sdk::NameValue>{{"empty", ""}, {"on", "off"}, {"port", "514"}}));
        ASSERT_STRINGS((Strings{"1", "true", "", "x"}), c.docker->command);
        // Booleans of YAML 1.1, all spellings.
        for (const char* t : {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
            CPPUNIT_ASSERT_MESSAGE(
                t, only(parse(std::string("components: {c: {containerinit: ") + t + "}}")).docker->init);
        for (const char* f : {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "~"})
            CPPUNIT_ASSERT_MESSAGE(
                f, !only(parse(std::string("components: {c: {containerinit: ") + f + "}}")).docker->init);
        // Explicit core tags.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10),
                             only(parse("components: {c: {httpport: !!int \"10\"}}")).docker->httpPort);
        CPPUNIT_ASSERT_EQUAL(std::string("10"), only(parse("components: {c: {image: !!str 10}}")).docker->image);
    }

    void testInterpolationInYaml() {
        const Env env = {{"PORT", "9000"}, {"TAG", "1.2"}, {"EMPTY", ""}, {"BLOCK", "\n    maxconcurrency: 7"}};
        const std::string yaml = R"(name: ${PROJECT:-demo}
# a comment with ${UNSET_IN_COMMENT} is interpolated too, harmlessly
components:
  api:
    image: acme/api:${TAG}
    httpport: ${PORT}
    httphealthcheckpath: ${EMPTY:/health}
    networkname: ${EMPTY:-bridge}
    user: $${USER}
    hostname: ${BLOCK})";
        const auto project = parse(yaml, env);
        CPPUNIT_ASSERT_EQUAL(std::string("demo"), project.name);
        const auto& c = only(project);
        CPPUNIT_ASSERT_EQUAL(std::string("acme/api:1.2"), c.docker->image);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(9000), c.docker->httpPort); // substituted before parsing: an int
        CPPUNIT_ASSERT_EQUAL(std::string(""), c.docker->httpHealthCheckPath);
        CPPUNIT_ASSERT_EQUAL(std::string("bridge"), c.docker->networkName);
        CPPUNIT_ASSERT_EQUAL(std::string("${USER}"), c.docker->user);
        CPPUNIT_ASSERT_EQUAL(std::string(""), c.docker->hostname);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), c.maxConcurrency); // a value is YAML source text
    }

    void testMergeKeys() {
        const std::string yaml = R"(name: p
components:
  base: &base
    image: base
    maxconcurrency: 5
    environment: [A=1]
  worker:
    image: worker
    <<: *base
  both:
    <<: [{image: first, httpport: 1}, {image: second, httpport: 2, user: u}]
    httpport: 3
)";
        const auto project = parse(yaml);
        const auto& both = project.components[1].component;
        CPPUNIT_ASSERT_EQUAL(std::string("both"), both.name);
        CPPUNIT_ASSERT_EQUAL(std::string("first"), both.docker->image); // earlier merged maps win
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), both.docker->httpPort);   // explicit keys win
        CPPUNIT_ASSERT_EQUAL(std::string("u"), both.docker->user);
        const auto& worker = project.components[2].component;
        CPPUNIT_ASSERT_EQUAL(std::string("worker"), worker.docker->image);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), worker.maxConcurrency);
        ASSERT_STRINGS((Strings{"A=1"}), envStrings(worker));
        CPPUNIT_ASSERT(errorOf("components:\n  c:\n    <<: 5\n").find("p.yml:3: a merge key (<<) takes a mapping") ==
                       0);
    }

    void testUnknownKeys() {
        CPPUNIT_ASSERT_EQUAL(
            std::string("p.yml:2: unknown key 'compnents' (did you mean 'components'? keys are lowercase)"),
            errorOf("name: p\ncompnents: {}\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:4: components.api: unknown key 'minInstances' (did you mean "
                                         "'mininstances'? keys are lowercase)"),
                             errorOf("name: p\ncomponents:\n  api:\n    minInstances: 1\n"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("p.yml:1: unknown key 'version' (known keys: name environment envfile components)"),
            errorOf("version: 2\n"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("p.yml:6: components.api.eventsources.web.http: unknown key 'pathPrefix' (did you mean "
                        "'pathprefix'? keys are lowercase)"),
            errorOf("components:\n  api:\n    eventsources:\n      web:\n        http:\n          pathPrefix: /x\n"));
        CPPUNIT_ASSERT(errorOf("components: {a: {eventsources: {e: {kafka: {}}}}}")
                           .find("p.yml:1: components.a.eventsources.e: unknown key 'kafka'") == 0);
        CPPUNIT_ASSERT(errorOf("components: {a: {volumes: [{source: a, mode: ro}]}}")
                           .find("components.a.volumes[0]: unknown key 'mode'") != std::string::npos);
        CPPUNIT_ASSERT(errorOf("components: {a: {eventsources: {e: {cron: {schedule: '@daily', http: {verb: GET}}}}}}")
                           .find("components.a.eventsources.e.cron.http: unknown key 'verb'") != std::string::npos);
        CPPUNIT_ASSERT(
            errorOf("components: {a: {eventsources: {e: {cron: {schedule: '@daily', http: {headers: [{key: a}]}}}}}}")
                .find("http.headers[0]: unknown key 'key'") != std::string::npos);
    }

    void testDuplicateKeys() {
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:5: duplicate key 'image' (first set on line 4)"),
                             errorOf("name: p\ncomponents:\n  api:\n    image: a\n    image: b\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:3: duplicate key 'name' (first set on line 1)"),
                             errorOf("name: p\ncomponents: {}\nname: q\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:4: duplicate key 'api' (first set on line 3)"),
                             errorOf("name: p\ncomponents:\n  api: {}\n  api: {}\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: duplicate key 'a' (first set on line 1)"),
                             errorOf("components: {c: {logdriveroptions: {a: 1, a: 2}}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:2: duplicate key 'e' (first set on line 1)"),
                             errorOf("components: {c: {eventsources: {e: {http: {}},\n e: {http: {}}}}}"));
        // A quoted and a plain spelling of one key are the same key.
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:2: duplicate key 'name' (first set on line 1)"),
                             errorOf("name: a\n\"name\": b\n"));
    }

    void testWrongTypes() {
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:4: components.api.maxconcurrency: expected an integer, got 'ten'"),
                             errorOf("name: p\ncomponents:\n  api:\n    maxconcurrency: ten\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:4: components.api.maxconcurrency: expected an integer, got '10' (a "
                                         "quoted value is a string: remove the quotes)"),
                             errorOf("name: p\ncomponents:\n  api:\n    maxconcurrency: \"10\"\n"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("p.yml:1: components.a.httpport: integer '9223372036854775808' is out of range"),
            errorOf("components: {a: {httpport: 9223372036854775808}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.httpport: number '1e30' is out of the integer range"),
                             errorOf("components: {a: {httpport: 1e30}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.httpport: number '.inf' is out of the integer range"),
                             errorOf("components: {a: {httpport: .inf}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.httpport: expected an integer, got a list"),
                             errorOf("components: {a: {httpport: [1]}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.scaleupconcurrencypct: expected a number, got 'high'"),
                             errorOf("components: {a: {scaleupconcurrencypct: high}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.containerinit: expected true or false, got '1'"),
                             errorOf("components: {a: {containerinit: 1}}"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("p.yml:1: components.a.command: expected a list of strings, got 'python app.py'"),
            errorOf("components: {a: {command: python app.py}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.command[1]: expected a string, got a mapping"),
                             errorOf("components: {a: {command: [a, {b: c}]}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.image: expected a string, got a list"),
                             errorOf("components: {a: {image: [x]}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: environment: expected a list of strings, got a mapping"),
                             errorOf("environment: {A: 1}"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("p.yml:1: components: expected a mapping of component name to component, got a list"),
            errorOf("components: [a, b]"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a: expected a mapping, got 'x'"),
                             errorOf("components: {a: x}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: expected a mapping of project keys at the top level, got a list"),
                             errorOf("- a\n- b\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: expected a mapping of project keys at the top level, got 'hello'"),
                             errorOf("hello\n"));
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "p.yml:1: components.a.volumes: expected a list of {source, target, type, readonly} mappings, got 'x'"),
            errorOf("components: {a: {volumes: x}}"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("p.yml:1: components.a.logdriveroptions: expected a mapping of names to values, got a list"),
            errorOf("components: {a: {logdriveroptions: [a=b]}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: components.a.logdriveroptions.x: expected a string, got a mapping"),
                             errorOf("components: {a: {logdriveroptions: {x: {y: z}}}}"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("p.yml:1: components.a.eventsources.e.sqs.maxconcurrency: expected an integer, got 'lots'"),
            errorOf("components: {a: {eventsources: {e: {sqs: {maxconcurrency: lots}}}}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:1: a mapping key must be a scalar, not a sequence"),
                             errorOf("? [a]\n: b\n"));
    }

    void testCronErrors() {
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:7: components.job.crontab: invalid cron schedule '61 0 * * *': minute "
                                         "field: end of range (61) above maximum (59): 61"),
                             errorOf("name: p\ncomponents:\n  job:\n    crontab: |\n      # comment\n      0 0 * * * "
                                     "/ok\n      61 0 * * * /bad\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:3: components.job.crontab: invalid cron schedule '0 0 * *': expected "
                                         "exactly 5 fields, found 4: 0 0 * *"),
                             errorOf("components:\n  job:\n    crontab: \"0 0 * * /a\"\n"));
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "p.yml:6: components.c.eventsources.e.cron.schedule: invalid cron schedule '@every 1h30x': failed to "
                "parse duration @every 1h30x: invalid duration \"1h30x\" (Go syntax such as 90s, 1h30m, 1.5h)"),
            errorOf("components:\n  c:\n    eventsources:\n      e:\n        cron:\n          schedule: \"@every "
                    "1h30x\"\n"));
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "p.yml:5: components.c.eventsources.e.cron.schedule: invalid cron schedule '': empty spec string"),
            errorOf("components:\n  c:\n    eventsources:\n      e:\n        cron: {http: {method: GET, path: /}}\n"));
        CPPUNIT_ASSERT(errorOf("components: {c: {crontab: 'MON * * * * /x'}}")
                           .find("minute field: failed to parse int from MON") != std::string::npos);
        CPPUNIT_ASSERT(
            errorOf("components: {c: {crontab: '* * * * 0-7 /x'}}").find("day-of-week field: end of range (7)") !=
            std::string::npos);
    }

    void testNameCollisions() {
        // Event source names are project-wide after the server's lowercasing.
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "p.yml:6: components.b.eventsources.web: event source name 'web' collides with the one on line 3 "
                "(component 'a'): the server lowercases names and event source names are shared by the whole project"),
            errorOf("components:\n  a:\n    eventsources: {web: {http: {hostname: a}}}\n  b:\n    eventsources:\n      "
                    "web: {http: {hostname: b}}\n"));
        CPPUNIT_ASSERT(errorOf("components: {a: {eventsources: {Web: {http: {}}, web: {http: {}}}}}")
                           .find("event source name 'web' collides") != std::string::npos);
        CPPUNIT_ASSERT(errorOf("components: {a: {eventsources: {a-cron-0: {http: {}}}, crontab: '@daily /x'}}")
                           .find("event source name 'a-cron-0' collides") != std::string::npos);
        CPPUNIT_ASSERT(errorOf("components: {API: {}, api: {}}").find("component name 'api' collides") !=
                       std::string::npos);
    }

    void testSyntaxErrors() {
        CPPUNIT_ASSERT(errorOf("name: p\ncomponents:\n  api:\n\timage: x\n").find("p.yml:4: YAML syntax error: ") == 0);
        CPPUNIT_ASSERT(
            errorOf("name: p\ncomponents:\n  api:\n\timage: x\n").find("tabs are not allowed in YAML indentation") !=
            std::string::npos);
        CPPUNIT_ASSERT(errorOf("name: p\ncomponents: [a, b\n").find("p.yml:") == 0);
        CPPUNIT_ASSERT(errorOf("name: p\ncomponents: {a: b: c}\n").find("p.yml:2: YAML syntax error") == 0);
        CPPUNIT_ASSERT_EQUAL(
            std::string("p.yml:3: unsupported tag '!custom' (only the YAML core tags such as !!str are allowed)"),
            errorOf("name: p\ncomponents:\n  a: !custom {}\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:3: more than one YAML document: a project file holds exactly one"),
                             errorOf("name: p\n---\nname: q\n"));
    }

    void testErrorLinesThroughInterpolation() {
        // ML expands to three lines: the error on the line after it is still reported as line 3 of the file.
        const Env env = {{"ML", "a\n# b\n# c"}};
        CPPUNIT_ASSERT_EQUAL(
            std::string("p.yml:3: unknown key 'bogus' (known keys: name environment envfile components)"),
            errorOf("name: p # ${ML}\ncomponents: {}\nbogus: 1\n", env));
        // An error inside the substituted text points at the line of the token.
        CPPUNIT_ASSERT_EQUAL(std::string("p.yml:2: components.c.httpport: expected an integer, got 'eighty'"),
                             errorOf("components:\n  c: {httpport: ${PORT}}\n", {{"PORT", "eighty"}}));
    }

    void testLoadProjectFile() {
        TempDir dir;
        const auto path = dir.write("maelstrom.yml", "name: p\ncomponents:\n  a:\n    image: x\n");
        ProjectLoadOptions options;
        CPPUNIT_ASSERT_EQUAL(std::string("x"), only(loadProjectFile(path.string(), options)).docker->image);
        const std::string missing = (dir.path() / "nope.yml").string();
        try {
            loadProjectFile(missing, options);
            CPPUNIT_FAIL("expected ProjectFileError");
        } catch (const ProjectFileError& e) {
            CPPUNIT_ASSERT_EQUAL(missing + ": cannot read the project file: No such file or directory",
                                 std::string(e.what()));
            CPPUNIT_ASSERT_EQUAL(0, e.line());
        }
        const auto withEnvFile =
            dir.write("env.yml", "name: p\nenvfile: " + (dir.path() / "missing.env").string() + "\n");
        try {
            loadProjectFile(withEnvFile.string(), options);
            CPPUNIT_FAIL("expected ProjectFileError");
        } catch (const ProjectFileError& e) {
            CPPUNIT_ASSERT_EQUAL(2, e.line());
            CPPUNIT_ASSERT(std::string(e.what()).find(":2: envfile: cannot read the env file: ") != std::string::npos);
            CPPUNIT_ASSERT(std::string(e.what()).find("missing.env: No such file or directory") != std::string::npos);
        }
        options.allowEnvFile = false;
        const auto envOk = dir.write("ok.env", "A=1\n");
        const auto disabled = dir.write("dis.yml", "envfile: " + envOk.string() + "\n");
        CPPUNIT_ASSERT_THROW(loadProjectFile(disabled.string(), options), ProjectFileError);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ProjectYamlTest);
