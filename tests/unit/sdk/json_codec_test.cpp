// json_codec_test.cpp — the model JSON codec: wire keys, omitempty, decode rules and error paths, UTF-8 output,
// hostile input (json.h, and the core-facing json_codec.h).
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/poco/json_codec.h>

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/json.h>
#include <maelstrom/sdk/utf8.h>

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/Dynamic/Struct.h>
#include <Poco/JSON/Parser.h>

#include <cctype>
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace maelstrom::sdk;
namespace codec = maelstrom::sdk::json::codec;

namespace {

// ---- fully populated values of every type (every field non-zero)

DockerComponent fullDocker() {
    DockerComponent d;
    d.image = "docker.io/library/nginx:1.25";
    d.command = {"nginx", "-g", "daemon off;"};
    d.entrypoint = {"/docker-entrypoint.sh"};
    d.httpPort = 8080;
    d.httpHealthCheckPath = "/health";
    d.httpStartHealthCheckSeconds = -1;
    d.httpHealthCheckSeconds = 5;
    d.httpHealthCheckMaxFailures = 3;
    d.healthCheckFailedCommand = {"kill", "-QUIT", "1"};
    d.idleTimeoutSeconds = 600;
    d.idlePause = true;
    d.pausedTimeoutSeconds = 900;
    d.ports = {"6001:6001", "127.0.0.1:80:8080/tcp"};
    d.volumes = {{"bind", "/data", "/srv/data", true}, {"tmpfs", "", "/tmp", false}};
    d.networkName = "backend";
    d.logDriver = "syslog";
    d.logDriverOptions = {{"syslog-address", "udp://127.0.0.1:514"}};
    d.cpuShares = 512;
    d.reserveMemoryMiB = 256;
    d.limitMemoryMiB = 1024;
    d.pullCommand = {"docker", "pull", "<image>"};
    d.pullUsername = "user";
    d.pullPassword = "s3cret";
    d.pullImageOnPut = true;
    d.pullImageOnStart = true;
    d.dns = {"10.0.0.2"};
    d.dnsOptions = {"ndots:2"};
    d.dnsSearch = {"example.org"};
    d.ulimits = {"nofile=1024:2048"};
    d.init = true;
    d.hostname = "web";
    d.domainname = "example.org";
    d.user = "1000:1000";
    d.capadd = {"NET_ADMIN"};
    d.capdrop = {"MKNOD"};
    return d;
}

Component fullComponent() {
    Component c;
    c.name = "web";
    c.projectName = "shop";
    c.environment = {{"A", "1"}, {"B", "two"}};
    c.minInstances = 1;
    c.maxInstances = 9;
    c.maxInstancesPerNode = 2;
    c.maxConcurrency = 20;
    c.softConcurrencyLimit = true;
    c.scaleUpConcurrencyPct = 0.8;
    c.scaleDownConcurrencyPct = 0.1;
    c.maxDurationSeconds = 45;
    c.startParallelism = "seriesfirst";
    c.restartOrder = "startstop";
    c.version = 12;
    c.modifiedAt = 1700000000123;
    c.docker = fullDocker();
    return c;
}

CronEventSource fullCron() {
    CronEventSource c;
    c.schedule = "*/5 * * * *";
    c.http.method = "POST";
    c.http.path = "/tick?x=1";
    c.http.data = "{\"a\":1}";
    c.http.headers = {{"Content-Type", "application/json"}};
    return c;
}

SqsEventSource fullSqs() { return {"jobs", true, "/job", 7, 5, 3, 120}; }
AwsStepFunctionEventSource fullAws() { return {"activity", "/step", 4, 2}; }
HttpEventSource fullHttp() { return {"shop.example.org", "/api", true}; }

EventSource fullEventSource() {
    EventSource e;
    e.name = "web-http";
    e.componentName = "web";
    e.projectName = "shop";
    e.version = 4;
    e.modifiedAt = 1700000000456;
    e.http = fullHttp();
    e.cron = fullCron();
    e.sqs = fullSqs();
    e.awsstepfunc = fullAws();
    return e;
}

Project fullProject() {
    Project p;
    p.name = "shop";
    ComponentWithEventSources cwe;
    cwe.component = fullComponent();
    cwe.eventSources = {{fullEventSource(), false}, {fullEventSource(), true}};
    p.components = {cwe, cwe};
    return p;
}

ComponentInfo fullComponentInfo() {
    ComponentInfo i;
    i.componentName = "web";
    i.componentVersion = 3;
    i.status = "starting";
    i.maxConcurrency = 5;
    i.memoryReservedMiB = 128;
    i.startTime = 1700000000000;
    i.lastRequestTime = -62135596800000; // the reference's "never" (Go zero time in ms)
    i.totalRequests = 99;
    i.activity = {{10, 0.5}, {3, 0.125}};
    i.paused = true;
    i.recentConcurrency = 1.25;
    i.peakConcurrency = 3.5;
    return i;
}

NodeStatus fullNodeStatus() {
    NodeStatus n;
    n.nodeId = "H5ML:TQZ7:ABCD";
    n.startedAt = 1700000000000;
    n.observedAt = 1700000005000;
    n.version = 1700000000001;
    n.peerUrl = "http://127.0.0.1:8374";
    n.totalMemoryMiB = 16000;
    n.freeMemoryMiB = 8000;
    n.numCPUs = 8;
    n.loadAvg1m = 0.25;
    n.loadAvg5m = 1.5;
    n.loadAvg15m = 2;
    n.runningComponents = {fullComponentInfo(), fullComponentInfo()};
    return n;
}

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::set<std::string> keysOf(const std::string& text) {
    std::set<std::string> keys;
    const Poco::JSON::Object::Ptr object = parseObject(text);
    for (const auto& [key, value] : *object) {
        keys.insert(key);
    }
    return keys;
}

/// True when `s` is well-formed UTF-8 (the SDK's validator, itself checked exhaustively by utf8_test).
bool isValidUtf8(const std::string& s) { return maelstrom::sdk::utf8::isValid(s); }

/// Runs `decode` and checks that it throws JsonError with exactly this path and message.
void expectJsonError(const std::function<void()>& decode, const std::string& path, const std::string& message) {
    try {
        decode();
    } catch (const JsonError& e) {
        CPPUNIT_ASSERT_EQUAL(path, e.path());
        CPPUNIT_ASSERT_EQUAL(path.empty() ? message : path + ": " + message, std::string(e.what()));
        return;
    }
    CPPUNIT_FAIL("expected JsonError at '" + path + "': " + message);
}

void expectComponentError(const std::string& text, const std::string& path, const std::string& message) {
    expectJsonError([&] { json::decode<Component>(text); }, path, message);
}

/// A valid minimal Component with `extra` members added (e.g. R"("docker":{...})").
std::string componentWith(const std::string& extra) {
    return R"({"name":"web","environment":[],"maxConcurrency":1,"version":0)" +
           (extra.empty() ? std::string() : "," + extra) + "}";
}

} // namespace

class JsonCodecTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(JsonCodecTest);
    CPPUNIT_TEST(testRoundTripEveryType);
    CPPUNIT_TEST(testRoundTripThroughVar);
    CPPUNIT_TEST(testWireKeysOfFullValues);
    CPPUNIT_TEST(testEmptyValuesWriteRequiredFieldsOnly);
    CPPUNIT_TEST(testOptionalSubStructs);
    CPPUNIT_TEST(testIdlePauseAndConcurrencyFields);
    CPPUNIT_TEST(testNumbers);
    CPPUNIT_TEST(testMissingAndNullRequired);
    CPPUNIT_TEST(testWrongTypes);
    CPPUNIT_TEST(testIntRules);
    CPPUNIT_TEST(testEnums);
    CPPUNIT_TEST(testNestedErrorPaths);
    CPPUNIT_TEST(testRootPathArgument);
    CPPUNIT_TEST(testUnknownKeysIgnored);
    CPPUNIT_TEST(testNullOptionalFieldsAreAbsent);
    CPPUNIT_TEST(testDecodeReplacesPreviousValue);
    CPPUNIT_TEST(testUnicodeRoundTrip);
    CPPUNIT_TEST(testControlCharactersEscaped);
    CPPUNIT_TEST(testInvalidUtf8InValuesIsRepairedOnOutput);
    CPPUNIT_TEST(testInvalidUtf8Input);
    CPPUNIT_TEST(testDeepNestingRejected);
    CPPUNIT_TEST(testMalformedJson);
    CPPUNIT_TEST(testTopLevelNotAnObject);
    CPPUNIT_TEST(testMutatedInputNeverCrashes);
    CPPUNIT_TEST(testAgreesWithPocoParser);
    CPPUNIT_TEST(testCodecParseScalars);
    CPPUNIT_TEST(testCodecStringify);
    CPPUNIT_TEST(testCodecObjectReader);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRoundTripEveryType() {
        const auto roundTrip = [](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            T decoded{};
            codec::fromVar(codec::parse(json::toJson(value)), decoded, "value");
            CPPUNIT_ASSERT(decoded == value);
        };
        roundTrip(NameValue{"n", "v"});
        roundTrip(VolumeMount{"volume", "src", "/dst", true});
        roundTrip(fullDocker());
        roundTrip(fullComponent());
        roundTrip(fullHttp());
        roundTrip(fullCron());
        roundTrip(fullSqs());
        roundTrip(fullAws());
        roundTrip(fullEventSource());
        roundTrip(EventSourceWithStatus{fullEventSource(), false});
        roundTrip(fullProject().components[0]);
        roundTrip(fullProject());
        roundTrip(ProjectInfo{"shop", 3, 7});
        roundTrip(ComponentActivity{4, 0.75});
        roundTrip(fullComponentInfo());
        roundTrip(fullNodeStatus());

        // The json.h decoders themselves.
        CPPUNIT_ASSERT(json::decode<Component>(json::toJson(fullComponent())) == fullComponent());
        CPPUNIT_ASSERT(json::decode<DockerComponent>(json::toJson(fullDocker())) == fullDocker());
        CPPUNIT_ASSERT(json::decode<EventSource>(json::toJson(fullEventSource())) == fullEventSource());
        CPPUNIT_ASSERT(json::decode<Project>(json::toJson(fullProject())) == fullProject());
        CPPUNIT_ASSERT(json::decode<NodeStatus>(json::toJson(fullNodeStatus())) == fullNodeStatus());
        CPPUNIT_ASSERT(json::decode<ComponentInfo>(json::toJson(fullComponentInfo())) == fullComponentInfo());
        CPPUNIT_ASSERT((json::decode<ProjectInfo>(json::toJson(ProjectInfo{"p", 1, 2})) == ProjectInfo{"p", 1, 2}));
        CPPUNIT_ASSERT((json::decode<NameValue>(R"({"name":"a","value":"b"})") == NameValue{"a", "b"}));
        CPPUNIT_ASSERT((json::decode<VolumeMount>(R"({"source":"a","target":"b"})") == VolumeMount{"", "a", "b"}));
        const EventSourceWithStatus ews{fullEventSource(), false};
        CPPUNIT_ASSERT(json::decode<EventSourceWithStatus>(json::toJson(ews)) == ews);
        const auto cwe = fullProject().components[0];
        CPPUNIT_ASSERT(json::decode<ComponentWithEventSources>(json::toJson(cwe)) == cwe);
    }

    void testRoundTripThroughVar() {
        // toVar → fromVar, and toVar → stringify → parse → fromVar, give back the value.
        const Project project = fullProject();
        Project decoded;
        codec::fromVar(codec::toVar(project), decoded, "project");
        CPPUNIT_ASSERT(decoded == project);
        Project reparsed;
        codec::fromVar(codec::parse(codec::stringify(codec::toVar(project))), reparsed, "project");
        CPPUNIT_ASSERT(reparsed == project);
        NodeStatus node;
        codec::fromVar(codec::toVar(fullNodeStatus()), node, "node");
        CPPUNIT_ASSERT(node == fullNodeStatus());

        // The Var form has the same members as the text form.
        CPPUNIT_ASSERT(keysOf(codec::stringify(codec::toVar(fullComponent()))) ==
                       keysOf(json::toJson(fullComponent())));
        CPPUNIT_ASSERT(keysOf(codec::stringify(codec::toVar(Component{}))) == keysOf(json::toJson(Component{})));

        // toVarArray: always an array.
        CPPUNIT_ASSERT_EQUAL(std::string("[]"), codec::stringify(codec::toVarArray(std::vector<Component>{})));
        CPPUNIT_ASSERT_EQUAL(std::string(R"(["a","b"])"),
                             codec::stringify(codec::toVarArray(std::vector<std::string>{"a", "b"})));
        CPPUNIT_ASSERT_EQUAL(std::string(R"([{"name":"a","value":"b"}])"),
                             codec::stringify(codec::toVarArray(std::vector<NameValue>{{"a", "b"}})));
    }

    void testWireKeysOfFullValues() {
        using Keys = std::set<std::string>;
        CPPUNIT_ASSERT(
            keysOf(json::toJson(fullComponent())) ==
            (Keys{"name", "projectName", "environment", "minInstances", "maxInstances", "maxInstancesPerNode",
                  "maxConcurrency", "softConcurrencyLimit", "scaleUpConcurrencyPct", "scaleDownConcurrencyPct",
                  "maxDurationSeconds", "startParallelism", "RestartOrder", "version", "modifiedAt", "docker"}));
        CPPUNIT_ASSERT(keysOf(json::toJson(fullDocker())) == (Keys{"image",
                                                                   "command",
                                                                   "entrypoint",
                                                                   "httpPort",
                                                                   "httpHealthCheckPath",
                                                                   "httpStartHealthCheckSeconds",
                                                                   "httpHealthCheckSeconds",
                                                                   "httpHealthCheckMaxFailures",
                                                                   "healthCheckFailedCommand",
                                                                   "idleTimeoutSeconds",
                                                                   "idlePause",
                                                                   "pausedTimeoutSeconds",
                                                                   "ports",
                                                                   "volumes",
                                                                   "networkName",
                                                                   "logDriver",
                                                                   "logDriverOptions",
                                                                   "cpuShares",
                                                                   "reserveMemoryMiB",
                                                                   "limitMemoryMiB",
                                                                   "pullCommand",
                                                                   "pullUsername",
                                                                   "pullPassword",
                                                                   "pullImageOnPut",
                                                                   "pullImageOnStart",
                                                                   "dns",
                                                                   "dnsOptions",
                                                                   "dnsSearch",
                                                                   "ulimits",
                                                                   "init",
                                                                   "hostname",
                                                                   "domainname",
                                                                   "user",
                                                                   "capadd",
                                                                   "capdrop"}));
        CPPUNIT_ASSERT(keysOf(json::toJson(fullEventSource())) ==
                       (Keys{"name", "componentName", "projectName", "version", "modifiedAt", "http", "cron", "sqs",
                             "awsstepfunc"}));
        CPPUNIT_ASSERT(keysOf(json::toJson(fullHttp())) == (Keys{"hostname", "pathPrefix", "stripPrefix"}));
        CPPUNIT_ASSERT(keysOf(json::toJson(fullCron())) == (Keys{"schedule", "http"}));
        CPPUNIT_ASSERT(keysOf(codec::stringify(codec::toVar(fullCron().http))) ==
                       (Keys{"method", "path", "data", "headers"}));
        CPPUNIT_ASSERT(keysOf(json::toJson(fullSqs())) ==
                       (Keys{"queueName", "nameAsPrefix", "path", "maxConcurrency", "messagesPerPoll",
                             "concurrencyPerPoller", "visibilityTimeout"}));
        CPPUNIT_ASSERT(keysOf(json::toJson(fullAws())) ==
                       (Keys{"activityName", "path", "maxConcurrency", "concurrencyPerPoller"}));
        CPPUNIT_ASSERT(keysOf(json::toJson(VolumeMount{"bind", "a", "b", true})) ==
                       (Keys{"type", "source", "target", "readOnly"}));
        CPPUNIT_ASSERT(
            keysOf(json::toJson(fullComponentInfo())) ==
            (Keys{"componentName", "componentVersion", "status", "maxConcurrency", "memoryReservedMiB", "startTime",
                  "lastRequestTime", "totalRequests", "activity", "paused", "recentConcurrency", "peakConcurrency"}));
        CPPUNIT_ASSERT(keysOf(json::toJson(fullNodeStatus())) ==
                       (Keys{"nodeId", "startedAt", "observedAt", "version", "peerUrl", "totalMemoryMiB",
                             "freeMemoryMiB", "numCPUs", "loadAvg1m", "loadAvg5m", "loadAvg15m", "runningComponents"}));
        // Declaration order (the reference's) in the text form.
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"type":"bind","source":"a","target":"b","readOnly":true})"),
                             json::toJson(VolumeMount{"bind", "a", "b", true}));
    }

    void testEmptyValuesWriteRequiredFieldsOnly() {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"name":"","environment":[],"maxConcurrency":0,"version":0})"),
                             json::toJson(Component{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"image":"","httpPort":0,"httpHealthCheckPath":""})"),
                             json::toJson(DockerComponent{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"name":"","componentName":"","version":0,"modifiedAt":0})"),
                             json::toJson(EventSource{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"name":"","value":""})"), json::toJson(NameValue{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"source":"","target":""})"), json::toJson(VolumeMount{}));
        CPPUNIT_ASSERT_EQUAL(std::string("{}"), json::toJson(HttpEventSource{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"schedule":"","http":{"method":"","path":""}})"),
                             json::toJson(CronEventSource{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"queueName":"","path":""})"), json::toJson(SqsEventSource{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"activityName":"","path":""})"),
                             json::toJson(AwsStepFunctionEventSource{}));
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"eventSource":{"name":"","componentName":"","version":0,"modifiedAt":0},"enabled":false})"),
            json::toJson(EventSourceWithStatus{EventSource{}, false}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"component":{"name":"","environment":[],"maxConcurrency":0,"version":0},)"
                                         R"("eventSources":[]})"),
                             json::toJson(ComponentWithEventSources{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"name":"","components":[]})"), json::toJson(Project{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"projectName":"","componentCount":0,"eventSourceCount":0})"),
                             json::toJson(ProjectInfo{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"requests":0,"concurrency":0})"), json::toJson(ComponentActivity{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"componentName":"","componentVersion":0,"status":"","maxConcurrency":0,)"
                                         R"("memoryReservedMiB":0,"startTime":0,"lastRequestTime":0,)"
                                         R"("totalRequests":0,"activity":[]})"),
                             json::toJson(ComponentInfo{}));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"nodeId":"","startedAt":0,"observedAt":0,"version":0,"peerUrl":"",)"
                                         R"("totalMemoryMiB":0,"freeMemoryMiB":0,"numCPUs":0,"loadAvg1m":0,)"
                                         R"("loadAvg5m":0,"loadAvg15m":0,"runningComponents":[]})"),
                             json::toJson(NodeStatus{}));
        // The Var form omits the same fields.
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"environment":[],"maxConcurrency":0,"name":"","version":0})"),
                             codec::stringify(codec::toVar(Component{})));
    }

    void testIdlePauseAndConcurrencyFields() {
        // DockerComponent: idlePause and pausedTimeoutSeconds are optional, written only when set, in the
        // field order after idleTimeoutSeconds.
        DockerComponent d;
        d.image = "x";
        d.idleTimeoutSeconds = 60;
        d.idlePause = true;
        d.pausedTimeoutSeconds = 120;
        const std::string dockerText = json::toJson(d);
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"image":"x","httpPort":0,"httpHealthCheckPath":"","idleTimeoutSeconds":60,)"
                        R"("idlePause":true,"pausedTimeoutSeconds":120})"),
            dockerText);
        CPPUNIT_ASSERT(json::decode<DockerComponent>(dockerText) == d);
        DockerComponent fromVar;
        codec::fromVar(codec::toVar(d), fromVar, "docker");
        CPPUNIT_ASSERT(fromVar == d);
        // A component written before these fields existed (or by the reference) decodes to off / the default.
        const auto old = json::decode<DockerComponent>(R"({"image":"x","httpPort":80,"httpHealthCheckPath":"/"})");
        CPPUNIT_ASSERT(!old.idlePause);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), old.pausedTimeoutSeconds);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1800), effectivePausedTimeoutSeconds(old));
        const auto nulls = json::decode<DockerComponent>(
            R"({"image":"x","httpPort":80,"httpHealthCheckPath":"/","idlePause":null,"pausedTimeoutSeconds":null})");
        CPPUNIT_ASSERT(nulls == old);
        expectComponentError(
            componentWith(R"("docker":{"image":"x","httpPort":80,"httpHealthCheckPath":"/","idlePause":"true"})"),
            "component.docker.idlePause", "expected bool, got string");
        expectComponentError(
            componentWith(
                R"("docker":{"image":"x","httpPort":80,"httpHealthCheckPath":"/","pausedTimeoutSeconds":"60"})"),
            "component.docker.pausedTimeoutSeconds", "expected int, got string");
        expectComponentError(
            componentWith(
                R"("docker":{"image":"x","httpPort":80,"httpHealthCheckPath":"/","pausedTimeoutSeconds":1.5})"),
            "component.docker.pausedTimeoutSeconds", "expected int, got non-integral number 1.5");

        // ComponentInfo: a paused instance travels as "stopping" with paused=true; the concurrency figures are
        // optional floats.
        ComponentInfo info;
        info.componentName = "web";
        info.status = "stopping";
        info.paused = true;
        info.recentConcurrency = 0.75;
        info.peakConcurrency = 2.5;
        const std::string infoText = json::toJson(info);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"componentName":"web","componentVersion":0,"status":"stopping",)"
                                         R"("maxConcurrency":0,"memoryReservedMiB":0,"startTime":0,)"
                                         R"("lastRequestTime":0,"totalRequests":0,"activity":[],"paused":true,)"
                                         R"("recentConcurrency":0.75,"peakConcurrency":2.5})"),
                             infoText);
        CPPUNIT_ASSERT(json::decode<ComponentInfo>(infoText) == info);
        ComponentInfo infoFromVar;
        codec::fromVar(codec::toVar(info), infoFromVar, "componentInfo");
        CPPUNIT_ASSERT(infoFromVar == info);
        NodeStatus node;
        node.nodeId = "n";
        node.runningComponents = {info, fullComponentInfo()};
        CPPUNIT_ASSERT(json::decode<NodeStatus>(json::toJson(node)) == node);
        // From a node that does not send them: not paused, no concurrency figures.
        ComponentInfo active;
        active.status = "active";
        const std::string activeText = json::toJson(active);
        CPPUNIT_ASSERT(activeText.find("paused") == std::string::npos);
        CPPUNIT_ASSERT(activeText.find("recentConcurrency") == std::string::npos);
        CPPUNIT_ASSERT(activeText.find("peakConcurrency") == std::string::npos);
        const auto plain = json::decode<ComponentInfo>(activeText);
        CPPUNIT_ASSERT(!plain.paused);
        CPPUNIT_ASSERT_EQUAL(0.0, plain.recentConcurrency);
        CPPUNIT_ASSERT_EQUAL(0.0, plain.peakConcurrency);
        // Integers are accepted for the floats.
        const auto integral = json::decode<ComponentInfo>(
            std::string(activeText).insert(1, R"("recentConcurrency":2,"peakConcurrency":3,)"));
        CPPUNIT_ASSERT_EQUAL(2.0, integral.recentConcurrency);
        CPPUNIT_ASSERT_EQUAL(3.0, integral.peakConcurrency);
        expectJsonError([&] { json::decode<ComponentInfo>(std::string(activeText).insert(1, R"("paused":1,)")); },
                        "componentInfo.paused", "expected bool, got number");
        expectJsonError(
            [&] { json::decode<ComponentInfo>(std::string(activeText).insert(1, R"("peakConcurrency":"high",)")); },
            "componentInfo.peakConcurrency", "expected float, got string");
    }

    void testOptionalSubStructs() {
        // A present sub-struct is written even when all its fields are zero; an absent one is left out.
        EventSource es;
        es.http = HttpEventSource{};
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"name":"","componentName":"","version":0,"modifiedAt":0,"http":{}})"),
                             json::toJson(es));
        const EventSource decoded = json::decode<EventSource>(json::toJson(es));
        CPPUNIT_ASSERT(decoded.http.has_value());
        CPPUNIT_ASSERT(!decoded.cron && !decoded.sqs && !decoded.awsstepfunc);
        CPPUNIT_ASSERT(decoded.type() == EventSourceType::Http);

        Component c;
        c.docker = DockerComponent{};
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"name":"","environment":[],"maxConcurrency":0,"version":0,)"
                                         R"("docker":{"image":"","httpPort":0,"httpHealthCheckPath":""}})"),
                             json::toJson(c));
        CPPUNIT_ASSERT(!json::decode<Component>(json::toJson(Component{})).docker);
    }

    void testNumbers() {
        Component c;
        c.version = 9007199254740993; // 2^53 + 1: kept exactly (integers are not squeezed through a double)
        c.modifiedAt = -5;
        c.scaleUpConcurrencyPct = 0.1;
        c.scaleDownConcurrencyPct = 1e-7;
        const std::string text = json::toJson(c);
        CPPUNIT_ASSERT(text.find(R"("version":9007199254740993)") != std::string::npos);
        CPPUNIT_ASSERT(text.find(R"("modifiedAt":-5)") != std::string::npos);
        CPPUNIT_ASSERT(text.find(R"("scaleUpConcurrencyPct":0.1,)") != std::string::npos);
        CPPUNIT_ASSERT(json::decode<Component>(text) == c);

        c.maxDurationSeconds = std::numeric_limits<std::int64_t>::max();
        c.minInstances = std::numeric_limits<std::int64_t>::min();
        CPPUNIT_ASSERT(json::decode<Component>(json::toJson(c)) == c);

        // Floats accept integers; non-finite values are written as 0 (JSON has no NaN).
        CPPUNIT_ASSERT_EQUAL(
            2.0, json::decode<Component>(componentWith(R"("scaleUpConcurrencyPct":2)")).scaleUpConcurrencyPct);
        NodeStatus n;
        n.loadAvg1m = std::numeric_limits<double>::quiet_NaN();
        n.loadAvg5m = std::numeric_limits<double>::infinity();
        const std::string nodeText = json::toJson(n);
        CPPUNIT_ASSERT(nodeText.find(R"("loadAvg1m":0,"loadAvg5m":0,)") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0.0, json::decode<NodeStatus>(nodeText).loadAvg5m);
        Component nan;
        nan.scaleUpConcurrencyPct = std::numeric_limits<double>::quiet_NaN(); // optional: left out like 0
        CPPUNIT_ASSERT_EQUAL(json::toJson(Component{}), json::toJson(nan));
        CPPUNIT_ASSERT_EQUAL(codec::stringify(codec::toVar(Component{})), codec::stringify(codec::toVar(nan)));
    }

    void testMissingAndNullRequired() {
        expectComponentError(R"({"environment":[],"maxConcurrency":1,"version":0})", "component.name", "is required");
        expectComponentError(R"({"name":null,"environment":[],"maxConcurrency":1,"version":0})", "component.name",
                             "is required, got null");
        expectComponentError(R"({"name":"a","maxConcurrency":1,"version":0})", "component.environment", "is required");
        expectComponentError(R"({"name":"a","environment":null,"maxConcurrency":1,"version":0})",
                             "component.environment", "is required, got null");
        expectComponentError(R"({"name":"a","environment":[],"version":0})", "component.maxConcurrency", "is required");
        expectComponentError(R"({"name":"a","environment":[],"maxConcurrency":1})", "component.version", "is required");
        expectComponentError(componentWith(R"("docker":{"httpPort":80,"httpHealthCheckPath":"/"})"),
                             "component.docker.image", "is required");
        expectComponentError(componentWith(R"("docker":{"image":"x","httpHealthCheckPath":"/"})"),
                             "component.docker.httpPort", "is required");
        expectComponentError(componentWith(R"("docker":{"image":"x","httpPort":80,"httpHealthCheckPath":null})"),
                             "component.docker.httpHealthCheckPath", "is required, got null");
        expectComponentError(componentWith(R"("environment":[{"name":"A"}])"), "component.environment[0].value",
                             "is required");
        expectJsonError([] { json::decode<EventSource>(R"({"name":"a","componentName":"c","version":0})"); },
                        "eventSource.modifiedAt", "is required");
        expectJsonError([] { json::decode<EventSourceWithStatus>(R"({"eventSource":null,"enabled":true})"); },
                        "eventSourceWithStatus.eventSource", "is required, got null");
        expectJsonError(
            [] {
                json::decode<EventSource>(
                    R"({"name":"a","componentName":"c","version":0,"modifiedAt":0,"cron":{"schedule":"* * * * *"}})");
            },
            "eventSource.cron.http", "is required");
        expectJsonError([] { json::decode<NodeStatus>(json::toJson(NodeStatus{}).replace(1, 12, "")); },
                        "nodeStatus.nodeId", "is required");
    }

    void testWrongTypes() {
        expectComponentError(R"({"name":1,"environment":[],"maxConcurrency":1,"version":0})", "component.name",
                             "expected string, got number");
        expectComponentError(R"({"name":true,"environment":[],"maxConcurrency":1,"version":0})", "component.name",
                             "expected string, got bool");
        expectComponentError(R"({"name":"a","environment":[],"maxConcurrency":"3","version":0})",
                             "component.maxConcurrency", "expected int, got string");
        expectComponentError(R"({"name":"a","environment":[],"maxConcurrency":true,"version":0})",
                             "component.maxConcurrency", "expected int, got bool");
        expectComponentError(R"({"name":"a","environment":{},"maxConcurrency":1,"version":0})", "component.environment",
                             "expected array, got object");
        expectComponentError(R"({"name":"a","environment":"A=1","maxConcurrency":1,"version":0})",
                             "component.environment", "expected array, got string");
        expectComponentError(componentWith(R"("softConcurrencyLimit":"true")"), "component.softConcurrencyLimit",
                             "expected bool, got string");
        expectComponentError(componentWith(R"("softConcurrencyLimit":1)"), "component.softConcurrencyLimit",
                             "expected bool, got number");
        expectComponentError(componentWith(R"("scaleUpConcurrencyPct":"0.5")"), "component.scaleUpConcurrencyPct",
                             "expected float, got string");
        expectComponentError(componentWith(R"("docker":[])"), "component.docker", "expected object, got array");
        expectComponentError(componentWith(R"("docker":"nginx")"), "component.docker", "expected object, got string");
        expectComponentError(componentWith(R"("environment":[null])"), "component.environment[0]",
                             "expected object, got null");
        expectComponentError(componentWith(R"("environment":[{"name":"A","value":"1"},{"name":"B","value":2}])"),
                             "component.environment[1].value", "expected string, got number");
        expectComponentError(componentWith(R"("docker":{"image":"x","httpPort":"80","httpHealthCheckPath":"/"})"),
                             "component.docker.httpPort", "expected int, got string");
        expectComponentError(
            componentWith(R"("docker":{"image":"x","httpPort":80,"httpHealthCheckPath":"/","command":["a",1]})"),
            "component.docker.command[1]", "expected string, got number");
        expectComponentError(
            componentWith(R"("docker":{"image":"x","httpPort":80,"httpHealthCheckPath":"/","command":"ls -l"})"),
            "component.docker.command", "expected array, got string");
        expectComponentError(
            componentWith(
                R"("docker":{"image":"x","httpPort":80,"httpHealthCheckPath":"/","volumes":[{"source":"a","target":"b","readOnly":"yes"}]})"),
            "component.docker.volumes[0].readOnly", "expected bool, got string");
        expectJsonError([] { json::decode<NodeStatus>(json::toJson(NodeStatus{}).replace(1, 12, R"("nodeId":[],)")); },
                        "nodeStatus.nodeId", "expected string, got array");
    }

    void testIntRules() {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), json::decode<Component>(
                                                  R"({"name":"a","environment":[],"maxConcurrency":3.0,"version":0})")
                                                  .maxConcurrency);
        CPPUNIT_ASSERT_EQUAL(
            std::int64_t(-2),
            json::decode<Component>(R"({"name":"a","environment":[],"maxConcurrency":-2,"version":0})").maxConcurrency);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(100), json::decode<Component>(
                                                    R"({"name":"a","environment":[],"maxConcurrency":1e2,"version":0})")
                                                    .maxConcurrency);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), json::decode<Component>(
                                                  R"({"name":"a","environment":[],"maxConcurrency":-0.0,"version":0})")
                                                  .maxConcurrency);
        CPPUNIT_ASSERT_EQUAL(std::numeric_limits<std::int64_t>::max(),
                             json::decode<Component>(componentWith(R"("modifiedAt":9223372036854775807)")).modifiedAt);
        CPPUNIT_ASSERT_EQUAL(std::numeric_limits<std::int64_t>::min(),
                             json::decode<Component>(componentWith(R"("modifiedAt":-9223372036854775808)")).modifiedAt);

        expectComponentError(R"({"name":"a","environment":[],"maxConcurrency":3.5,"version":0})",
                             "component.maxConcurrency", "expected int, got non-integral number 3.5");
        expectComponentError(R"({"name":"a","environment":[],"maxConcurrency":1,"version":-0.25})", "component.version",
                             "expected int, got non-integral number -0.25");
        expectComponentError(componentWith(R"("modifiedAt":9223372036854775808)"), "component.modifiedAt",
                             "expected int, got number 9223372036854775808 (out of int64 range)");
        expectComponentError(componentWith(R"("modifiedAt":1e19)"), "component.modifiedAt",
                             "expected int, got number 1e+19 (out of int64 range)");
        expectComponentError(componentWith(R"("modifiedAt":-1e300)"), "component.modifiedAt",
                             "expected int, got number -1e+300 (out of int64 range)");
        // Beyond uint64 the parser itself gives up: still a JsonError, never a crash or a wrap-around.
        CPPUNIT_ASSERT_THROW(json::decode<Component>(componentWith(R"("modifiedAt":123456789012345678901234)")),
                             JsonError);
        CPPUNIT_ASSERT_THROW(json::decode<Component>(componentWith(R"("modifiedAt":1e999)")), JsonError);
    }

    void testEnums() {
        for (const char* value : {"startstop", "stopstart"}) {
            CPPUNIT_ASSERT_EQUAL(
                std::string(value),
                json::decode<Component>(componentWith(R"("RestartOrder":")" + std::string(value) + "\"")).restartOrder);
        }
        for (const char* value : {"parallel", "series", "seriesfirst"}) {
            CPPUNIT_ASSERT_EQUAL(std::string(value), json::decode<Component>(componentWith(R"("startParallelism":")" +
                                                                                           std::string(value) + "\""))
                                                         .startParallelism);
        }
        expectComponentError(componentWith(R"("RestartOrder":"x")"), "component.RestartOrder",
                             "value 'x' not in enum values: 'startstop', 'stopstart'");
        expectComponentError(componentWith(R"("RestartOrder":"")"), "component.RestartOrder",
                             "value '' not in enum values: 'startstop', 'stopstart'");
        expectComponentError(componentWith(R"("RestartOrder":"StartStop")"), "component.RestartOrder",
                             "value 'StartStop' not in enum values: 'startstop', 'stopstart'");
        expectComponentError(componentWith(R"("RestartOrder":1)"), "component.RestartOrder",
                             "expected string, got number");
        expectComponentError(componentWith(R"("startParallelism":"bogus")"), "component.startParallelism",
                             "value 'bogus' not in enum values: 'parallel', 'series', 'seriesfirst'");
        expectComponentError(componentWith(R"("startParallelism":"")"), "component.startParallelism",
                             "value '' not in enum values: 'parallel', 'series', 'seriesfirst'");
        // The lowercase key is not the wire key: ignored like any unknown key.
        CPPUNIT_ASSERT_EQUAL(std::string(),
                             json::decode<Component>(componentWith(R"("restartOrder":"x")")).restartOrder);

        ComponentInfo info = fullComponentInfo();
        for (const char* status : {"active", "starting", "stopping"}) {
            info.status = status;
            CPPUNIT_ASSERT(json::decode<ComponentInfo>(json::toJson(info)) == info);
        }
        info.status = "";
        expectJsonError([&] { json::decode<ComponentInfo>(json::toJson(info)); }, "componentInfo.status",
                        "value '' not in enum values: 'active', 'starting', 'stopping'");
        NodeStatus node = fullNodeStatus();
        node.runningComponents[1].status = "running";
        expectJsonError([&] { json::decode<NodeStatus>(json::toJson(node)); }, "nodeStatus.runningComponents[1].status",
                        "value 'running' not in enum values: 'active', 'starting', 'stopping'");
    }

    void testNestedErrorPaths() {
        Project project = fullProject();
        project.components.push_back(project.components[0]);
        std::string text = json::toJson(project);
        // Break the third component's name.
        const std::size_t third =
            text.find(R"("component":{"name":"web")",
                      text.find(R"("component":{"name":"web")", text.find(R"("component":{)") + 1) + 1);
        CPPUNIT_ASSERT(third != std::string::npos);
        text.replace(third, std::string(R"("component":{"name":"web")").size(), R"("component":{"name":7)");
        expectJsonError([&] { json::decode<Project>(text); }, "project.components[2].component.name",
                        "expected string, got number");

        expectJsonError(
            [] {
                json::decode<Project>(
                    R"({"name":"p","components":[{"component":{"name":"c","environment":[],"maxConcurrency":1,"version":0},)"
                    R"("eventSources":[{"enabled":true,"eventSource":{"name":"e","componentName":"c","version":0,)"
                    R"("modifiedAt":0,"cron":{"schedule":"@hourly","http":{"method":"GET","path":"/",)"
                    R"("headers":[{"name":"h","value":false}]}}}}]}]})");
            },
            "project.components[0].eventSources[0].eventSource.cron.http.headers[0].value",
            "expected string, got bool");
        expectJsonError([] { json::decode<Project>(R"({"name":"p","components":[{"eventSources":[]}]})"); },
                        "project.components[0].component", "is required");
        expectJsonError(
            [] {
                json::decode<EventSource>(
                    R"({"name":"a","componentName":"c","version":0,"modifiedAt":0,"sqs":{"queueName":"q","path":"/","maxConcurrency":1.5}})");
            },
            "eventSource.sqs.maxConcurrency", "expected int, got non-integral number 1.5");
        expectJsonError(
            [] {
                json::decode<EventSource>(
                    R"({"name":"a","componentName":"c","version":0,"modifiedAt":0,"awsstepfunc":{"path":"/"}})");
            },
            "eventSource.awsstepfunc.activityName", "is required");
        expectJsonError(
            [] {
                json::decode<EventSource>(
                    R"({"name":"a","componentName":"c","version":0,"modifiedAt":0,"http":{"stripPrefix":"no"}})");
            },
            "eventSource.http.stripPrefix", "expected bool, got string");
    }

    void testRootPathArgument() {
        Component c;
        expectJsonError([&] { json::fromJson(R"({"name":5})", c, "param[0].component"); }, "param[0].component.name",
                        "expected string, got number");
        expectJsonError([&] { json::fromJson(R"({"name":5})", c, ""); }, "name", "expected string, got number");
        expectJsonError([&] { json::fromJson("[]", c, ""); }, "", "expected object, got array");
        expectJsonError([&] { codec::fromVar(codec::parse(R"({"environment":[1]})"), c, ""); }, "name", "is required");
        expectJsonError([&] { codec::fromVar(codec::parse(R"({"name":"a","environment":[1]})"), c, ""); },
                        "environment[0]", "expected object, got number");
    }

    void testUnknownKeysIgnored() {
        const Component expected = fullComponent();
        std::string text = json::toJson(expected);
        text.insert(1, R"("zzz":{"deep":[1,2,{"x":null}]},"AAA":"x","name2":5,"":null,"Name":7,"docker2":[],)");
        CPPUNIT_ASSERT(json::decode<Component>(text) == expected);
        const std::string dockerKey = R"("docker":{)";
        text.insert(text.find(dockerKey) + dockerKey.size(), R"("extra":true,"image2":1,)");
        CPPUNIT_ASSERT(json::decode<Component>(text) == expected);
    }

    void testNullOptionalFieldsAreAbsent() {
        const std::string text =
            R"({"name":"a","environment":[],"maxConcurrency":1,"version":0,"projectName":null,"minInstances":null,)"
            R"("maxInstances":null,"maxInstancesPerNode":null,"softConcurrencyLimit":null,"scaleUpConcurrencyPct":null,)"
            R"("scaleDownConcurrencyPct":null,"maxDurationSeconds":null,"startParallelism":null,"RestartOrder":null,)"
            R"("modifiedAt":null,"docker":{"image":"x","httpPort":80,"httpHealthCheckPath":"/","command":null,)"
            R"("entrypoint":null,"httpStartHealthCheckSeconds":null,"healthCheckFailedCommand":null,"ports":null,)"
            R"("volumes":null,"logDriverOptions":null,"pullImageOnPut":null,"dns":null,"ulimits":null,"init":null,)"
            R"("capadd":null,"capdrop":null,"user":null}})";
        Component expected;
        expected.name = "a";
        expected.maxConcurrency = 1;
        expected.docker = DockerComponent{};
        expected.docker->image = "x";
        expected.docker->httpPort = 80;
        expected.docker->httpHealthCheckPath = "/";
        CPPUNIT_ASSERT(json::decode<Component>(text) == expected);
        CPPUNIT_ASSERT(!json::decode<Component>(componentWith(R"("docker":null)")).docker);
        const EventSource es = json::decode<EventSource>(
            R"({"name":"a","componentName":"c","version":0,"modifiedAt":0,"http":null,"cron":null,"sqs":{"queueName":"q","path":"/"},"awsstepfunc":null})");
        CPPUNIT_ASSERT(es.type() == EventSourceType::Sqs);
        CPPUNIT_ASSERT(!es.http && !es.cron && !es.awsstepfunc);
    }

    void testDecodeReplacesPreviousValue() {
        // Success: every field comes from the document (absent optional fields are reset).
        Component c = fullComponent();
        json::fromJson(componentWith(""), c);
        Component expected;
        expected.name = "web";
        expected.maxConcurrency = 1;
        CPPUNIT_ASSERT(c == expected);
        // Failure: the target is left as it was.
        c = fullComponent();
        CPPUNIT_ASSERT_THROW(json::fromJson(componentWith(R"("docker":{"image":1})"), c), JsonError);
        CPPUNIT_ASSERT(c == fullComponent());
    }

    void testUnicodeRoundTrip() {
        Component c;
        c.name = "caf\xC3\xA9";                     // é
        c.projectName = "\xE4\xB8\xAD\xE6\x96\x87"; // 中文
        c.environment = {{"EMOJI", "\xF0\x9F\x98\x80 smile"}, {"MIX", "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80z"}};
        const std::string text = json::toJson(c);
        CPPUNIT_ASSERT(isValidUtf8(text));
        CPPUNIT_ASSERT(text.find("\\U") == std::string::npos);
        CPPUNIT_ASSERT(text.find("\\u") == std::string::npos); // non-ASCII is written raw
        CPPUNIT_ASSERT(text.find("\"caf\xC3\xA9\"") != std::string::npos);
        CPPUNIT_ASSERT(text.find("\xF0\x9F\x98\x80 smile") != std::string::npos);
        CPPUNIT_ASSERT(json::decode<Component>(text) == c);
        // Poco's own parser reads it back too.
        CPPUNIT_ASSERT_EQUAL(c.projectName, parseObject(text)->getValue<std::string>("projectName"));
        // The Var path gives the same bytes.
        const std::string viaVar = codec::stringify(codec::toVar(c));
        CPPUNIT_ASSERT(isValidUtf8(viaVar));
        CPPUNIT_ASSERT(viaVar.find("\\u") == std::string::npos);
        CPPUNIT_ASSERT(json::decode<Component>(viaVar) == c);

        // \u escapes in the input, including a surrogate pair, decode to UTF-8.
        const Component escaped = json::decode<Component>(
            R"({"name":"caf\u00e9","projectName":"\u4e2d\u6587","environment":[{"name":"E","value":"\ud83d\ude00"}],)"
            R"("maxConcurrency":1,"version":0})");
        CPPUNIT_ASSERT_EQUAL(c.name, escaped.name);
        CPPUNIT_ASSERT_EQUAL(c.projectName, escaped.projectName);
        CPPUNIT_ASSERT_EQUAL(std::string("\xF0\x9F\x98\x80"), escaped.environment[0].value);
        // A lone surrogate escape is not a character: U+FFFD, as Go's decoder does.
        CPPUNIT_ASSERT_EQUAL(
            std::string("a\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD"
                        "b\xEF\xBF\xBD"),
            json::decode<Component>(componentWith(R"("projectName":"a\ud83d\ude00\ude00\ud800b\udbff")")).projectName);
        CPPUNIT_ASSERT_EQUAL(std::string("\xEF\xBF\xBD\xC3\xA9"),
                             json::decode<Component>(componentWith(R"("projectName":"\ud800\u00e9")")).projectName);
    }

    void testControlCharactersEscaped() {
        Component c;
        c.name = std::string("a\"b\\c/d\n\r\t\b\f\x01\x1f\x7f", 15);
        c.projectName = std::string("nul\0byte", 8);
        const std::string text = json::toJson(c);
        CPPUNIT_ASSERT(text.find(R"("name":"a\"b\\c/d\n\r\t\b\f\u0001\u001f)"
                                 "\x7f\"") != std::string::npos);
        CPPUNIT_ASSERT(text.find(R"("projectName":"nul\u0000byte")") != std::string::npos);
        for (char ch : text) {
            CPPUNIT_ASSERT(static_cast<unsigned char>(ch) >= 0x20);
        }
        CPPUNIT_ASSERT(json::decode<Component>(text) == c);
    }

    void testInvalidUtf8InValuesIsRepairedOnOutput() {
        Component c;
        c.name = "ok\xFF";                                     // invalid byte
        c.projectName = "\xC3";                                // truncated sequence at the end
        c.environment = {{"OVERLONG", "\xC0\xAF"},             // overlong '/'
                         {"SURROGATE", "\xED\xA0\x80"},        // UTF-8-encoded surrogate
                         {"BIG", "\xF4\x90\x80\x80"},          // above U+10FFFF
                         {"MIXED", "a\xE4\xB8z\xE4\xB8\xAD"}}; // truncated 中 then a good 中
        const std::string text = json::toJson(c);
        CPPUNIT_ASSERT(isValidUtf8(text));
        CPPUNIT_ASSERT(text.find(R"("name":"ok)"
                                 "\xEF\xBF\xBD\"") != std::string::npos);
        CPPUNIT_ASSERT(text.find(R"("projectName":")"
                                 "\xEF\xBF\xBD\"") != std::string::npos);
        CPPUNIT_ASSERT(text.find("a\xEF\xBF\xBD\xEF\xBF\xBDz\xE4\xB8\xAD") != std::string::npos);
        const Component back = json::decode<Component>(text);
        CPPUNIT_ASSERT_EQUAL(std::string("ok\xEF\xBF\xBD"), back.name);
        CPPUNIT_ASSERT(isValidUtf8(codec::stringify(codec::toVar(c))));
        // Keys of generic objects are repaired too.
        Poco::JSON::Object::Ptr object = new Poco::JSON::Object();
        object->set("k\xFF", std::string("v\xFE"));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"k\xEF\xBF\xBD\":\"v\xEF\xBF\xBD\"}"), codec::stringify(object));
    }

    void testInvalidUtf8Input() {
        // Inside strings, bad bytes become U+FFFD (as Go's decoder does); outside strings they are syntax errors.
        const Component c = json::decode<Component>(componentWith("\"projectName\":\"x\xFFy\xC3\""));
        CPPUNIT_ASSERT_EQUAL(std::string("x\xEF\xBF\xBDy\xEF\xBF\xBD"), c.projectName);
        CPPUNIT_ASSERT(isValidUtf8(json::toJson(c)));
        expectJsonError([] { json::decode<Component>("{\xFF\"name\":\"a\"}"); }, "",
                        "Unable to parse JSON: expected a member name (a string), found character '\\xef' at offset 1");
        // Keys are repaired too.
        CPPUNIT_ASSERT_EQUAL(std::string("{\"\xEF\xBF\xBD\":1}"), codec::stringify(codec::parse("{\"\xC0\":1}")));
    }

    void testDeepNestingRejected() {
        // 60 levels inside an ignored key are fine; beyond the limit (64) the document is rejected.
        const auto nested = [](int depth) {
            return componentWith("\"x\":" + std::string(depth, '[') + std::string(depth, ']'));
        };
        CPPUNIT_ASSERT_NO_THROW(json::decode<Component>(nested(60)));
        expectJsonError([&] { json::decode<Component>(nested(100)); }, "",
                        "Unable to parse JSON: nesting deeper than 64 levels at offset 129");
        // A hostile document far deeper than any stack: rejected, no crash.
        expectJsonError([] { json::decode<Component>(std::string(1000000, '[')); }, "",
                        "Unable to parse JSON: nesting deeper than 64 levels at offset 64");
        expectJsonError([] { codec::parse(std::string(1000000, '[')); }, "",
                        "Unable to parse JSON: nesting deeper than 64 levels at offset 64");
        expectJsonError([] { json::decode<Component>(std::string(500000, '{')); }, "",
                        "Unable to parse JSON: expected a member name (a string), found character '{' at offset 1");
        std::string objects;
        for (int i = 0; i < 100000; ++i)
            objects += "{\"a\":";
        expectJsonError([&] { json::decode<Component>(objects); }, "",
                        "Unable to parse JSON: nesting deeper than 64 levels at offset 320");
        // Exactly at the limit is fine.
        CPPUNIT_ASSERT_NO_THROW(codec::parse(std::string(64, '[') + std::string(64, ']')));
        CPPUNIT_ASSERT_THROW(codec::parse(std::string(65, '[') + std::string(65, ']')), JsonError);
        // The limit is clamped: a caller cannot ask for a recursion deep enough to exhaust a stack.
        CPPUNIT_ASSERT_NO_THROW(codec::parse(std::string(256, '[') + std::string(256, ']'), 100000));
        CPPUNIT_ASSERT_THROW(codec::parse(std::string(257, '[') + std::string(257, ']'), 100000), JsonError);
        // The limit is a parameter of codec::parse.
        CPPUNIT_ASSERT_NO_THROW(codec::parse("[[[1]]]", 3));
        CPPUNIT_ASSERT_THROW(codec::parse("[[[1]]]", 2), JsonError);
        CPPUNIT_ASSERT_NO_THROW(codec::parse("[1]", 0)); // a limit below 1 means 1
        CPPUNIT_ASSERT_THROW(codec::parse("[[1]]", 0), JsonError);
    }

    void testMalformedJson() {
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"", "empty document at offset 0"},
            {"   ", "empty document at offset 3"},
            {"{", "expected a member name (a string), found end of text at offset 1"},
            {R"({"name":})", "expected a value, found character '}' at offset 8"},
            {R"({"name":"a",})", "expected a member name (a string), found character '}' at offset 12"},
            {R"({"name":"a")", "expected ',' or '}', found end of text at offset 11"},
            {R"({"name":"a} )", "unterminated string at offset 12"},
            {R"({name:"a"})", "expected a member name (a string), found character 'n' at offset 1"},
            {R"({'name':'a'})", "expected a member name (a string), found character ''' at offset 1"},
            {R"({"a" 1})", "expected ':' after a member name, found character '1' at offset 5"},
            {"{} x", "unexpected character 'x' after the JSON value at offset 3"},
            {"{}{}", "unexpected character '{' after the JSON value at offset 2"},
            {"nul", "invalid literal (expected 'null') at offset 0"},
            {"[tru]", "invalid literal (expected 'true') at offset 1"},
            {"1 2", "unexpected character '2' after the JSON value at offset 2"},
            {"[1 2]", "expected ',' or ']', found character '2' at offset 3"},
            {"]", "expected a value, found character ']' at offset 0"},
            {R"({"a":NaN})", "expected a value, found character 'N' at offset 5"},
            {"[01]", "expected ',' or ']', found character '1' at offset 2"},
            {"[1.]", "invalid number (a digit must follow '.') at offset 3"},
            {"[-]", "invalid number (a digit must follow '-') at offset 2"},
            {"[1e]", "invalid number (a digit must follow the exponent mark) at offset 3"},
            {"[+1]", "expected a value, found character '+' at offset 1"},
            {"[.5]", "expected a value, found character '.' at offset 1"},
            {"[1e400]", "number out of range: 1e400 at offset 6"},
            {"{\"a\":\"tab\there\"}", "unescaped control character in a string at offset 9"},
            {R"(["\x"])", "invalid escape character 'x' in a string at offset 3"},
            {R"(["\u12"])", "invalid hex digit in a \\u escape at offset 6"},
            {R"(["\u12G4"])", "invalid hex digit in a \\u escape at offset 6"},
            {R"(["\u12)", "truncated \\u escape at offset 4"},
            {"/*c*/{}", "expected a value, found character '/' at offset 0"},
            {"\xEF\xBB\xBF{}", "expected a value, found character '\\xef' at offset 0"}, // a BOM is not JSON
            {std::string("{}\0", 3), "unexpected character '\\x00' after the JSON value at offset 2"},
        };
        for (const auto& [text, message] : cases) {
            try {
                json::decode<Component>(text);
                CPPUNIT_FAIL("accepted malformed JSON: " + text);
            } catch (const JsonError& e) {
                CPPUNIT_ASSERT_EQUAL_MESSAGE(text, std::string(), e.path());
                CPPUNIT_ASSERT_EQUAL_MESSAGE(text, "Unable to parse JSON: " + message, std::string(e.what()));
            }
        }
    }

    void testTopLevelNotAnObject() {
        expectComponentError("[]", "component", "expected object, got array");
        expectComponentError("42", "component", "expected object, got number");
        expectComponentError("\"component\"", "component", "expected object, got string");
        expectComponentError("null", "component", "expected object, got null");
        expectComponentError(" true ", "component", "expected object, got bool");
        expectJsonError([] { json::decode<Project>("[{}]"); }, "project", "expected object, got array");
    }

    void testMutatedInputNeverCrashes() {
        // Deterministic fuzzing: mutate a rich document byte by byte; every outcome is a value or a JsonError.
        const std::string seed = json::toJson(fullProject());
        std::mt19937 rng(12345);
        const std::string alphabet = "{}[]\":,0123456789.eE+-tfnul\\ \xFF\xC3\x80";
        int decoded = 0;
        for (int i = 0; i < 3000; ++i) {
            std::string text = seed;
            const int edits = 1 + static_cast<int>(rng() % 4);
            for (int e = 0; e < edits; ++e) {
                const std::size_t pos = rng() % text.size();
                switch (rng() % 3) {
                case 0:
                    text[pos] = alphabet[rng() % alphabet.size()];
                    break;
                case 1:
                    text.erase(pos, 1 + rng() % 8);
                    break;
                default:
                    text.insert(pos, 1, alphabet[rng() % alphabet.size()]);
                }
                if (text.empty())
                    text = "{";
            }
            try {
                const Project p = json::decode<Project>(text);
                CPPUNIT_ASSERT(isValidUtf8(json::toJson(p)));
                ++decoded;
            } catch (const JsonError& e) {
                CPPUNIT_ASSERT(std::string(e.what()).size() > 0);
            }
        }
        CPPUNIT_ASSERT(decoded > 0); // some mutations stay valid (e.g. inside strings)

        // Random bytes (NUL included) and random token soup: always a JsonError, never a crash.
        const std::string tokens[] = {"{",  "}",        "[",           "]",    ",",
                                      ":",  "\"name\"", "\"docker\"",  "null", "1e400",
                                      "-",  "\"\\u",    "\"\\ud800\"", "0",    std::string(1, '\0'),
                                      "\"", "true"};
        for (int i = 0; i < 2000; ++i) {
            std::string text;
            const std::size_t length = rng() % 64;
            for (std::size_t k = 0; k < length; ++k) {
                if (i % 2) {
                    text.push_back(static_cast<char>(rng() % 256));
                } else {
                    text += tokens[rng() % std::size(tokens)];
                }
            }
            try {
                json::decode<EventSource>(text);
            } catch (const JsonError&) {
            }
        }
    }

    void testAgreesWithPocoParser() {
        // Differential check of the codec's parser against Poco's (pdjson): on mutated documents both accept or
        // both reject, and accepted documents give the same value. Known, deliberate differences are excluded:
        // top-level scalars, invalid UTF-8 and lone surrogates (repaired here), integers beyond 64 bits and
        // exponents (Poco refuses some that Go and we accept).
        const std::string seeds[] = {
            json::toJson(fullProject()),
            R"({"s":"a\"b\\c\/\u00e9\u4e2d\n","n":[0,-1,1.5,-2.25,12,123456789],"t":true,"f":false,)"
            R"("z":null,"o":{"":{},"x":[[],[{}]]},"d":{"k":1,"k":2}})",
        };
        std::mt19937 rng(777);
        const std::string alphabet = "{}[]\":,0123456789.-+eEtrufalsn\\ uU/x\t\n";
        int compared = 0;
        for (int i = 0; i < 4000; ++i) {
            std::string text = seeds[i % 2];
            for (int e = 1 + static_cast<int>(rng() % 3); e > 0 && !text.empty(); --e) {
                const std::size_t pos = rng() % text.size();
                switch (rng() % 3) {
                case 0:
                    text[pos] = alphabet[rng() % alphabet.size()];
                    break;
                case 1:
                    text.erase(pos, 1 + rng() % 4);
                    break;
                default:
                    text.insert(pos, 1, alphabet[rng() % alphabet.size()]);
                }
            }
            const std::size_t first = text.find_first_not_of(" \t\r\n");
            if (first == std::string::npos || (text[first] != '{' && text[first] != '[') || !isValidUtf8(text) ||
                text.find("\\ud") != std::string::npos || text.find("\\uD") != std::string::npos) {
                continue;
            }
            bool exponent = false; // a digit followed by e/E
            for (std::size_t k = 1; k < text.size(); ++k) {
                exponent = exponent || ((text[k] == 'e' || text[k] == 'E') &&
                                        std::isdigit(static_cast<unsigned char>(text[k - 1])));
            }
            if (exponent) {
                continue;
            }
            std::string ours;
            std::string theirs;
            bool oursOk = true;
            bool theirsOk = true;
            try {
                ours = codec::stringify(codec::parse(text));
            } catch (const JsonError&) {
                oursOk = false;
            }
            try {
                Poco::JSON::Parser parser;
                parser.setDepth(codec::kDefaultMaxDepth);
                theirs = codec::stringify(parser.parse(text));
            } catch (const Poco::Exception&) {
                theirsOk = false;
            }
            if (!theirsOk && oursOk && text.find_first_of("0123456789") != std::string::npos) {
                // Poco refuses integers beyond uint64 that we read as doubles: check that this is the case.
                bool longDigits = false;
                for (std::size_t k = 0, run = 0; k < text.size(); ++k) {
                    run = std::isdigit(static_cast<unsigned char>(text[k])) ? run + 1 : 0;
                    longDigits = longDigits || run >= 19;
                }
                if (longDigits)
                    continue;
            }
            CPPUNIT_ASSERT_EQUAL_MESSAGE(text, theirsOk, oursOk);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(text, theirs, ours);
            ++compared;
        }
        CPPUNIT_ASSERT_MESSAGE(std::to_string(compared), compared > 500);
    }

    void testCodecParseScalars() {
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(42), codec::parse("42").extract<Poco::Int64>());
        CPPUNIT_ASSERT_EQUAL(std::string("x"), codec::parse(" \"x\" ").extract<std::string>());
        CPPUNIT_ASSERT_EQUAL(true, codec::parse("true").extract<bool>());
        CPPUNIT_ASSERT(codec::parse("null").isEmpty());
        CPPUNIT_ASSERT_EQUAL(1.5, codec::parse("1.5").extract<double>());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), codec::parse("[1,{}]").extract<Poco::JSON::Array::Ptr>()->size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), codec::parse(R"({"a":1})").extract<Poco::JSON::Object::Ptr>()->size());
        expectJsonError([] { codec::parse("1 ]"); }, "",
                        "Unable to parse JSON: unexpected character ']' after the JSON value at offset 2");
        CPPUNIT_ASSERT_EQUAL(Poco::UInt64(18446744073709551615ULL),
                             codec::parse("18446744073709551615").extract<Poco::UInt64>());
        CPPUNIT_ASSERT_EQUAL(1.8446744073709552e19, codec::parse("18446744073709551616").extract<double>());
        CPPUNIT_ASSERT_EQUAL(Poco::Int64(-9223372036854775807LL - 1),
                             codec::parse("-9223372036854775808").extract<Poco::Int64>());
        CPPUNIT_ASSERT_EQUAL(-9223372036854775809.0, codec::parse("-9223372036854775809").extract<double>());
        CPPUNIT_ASSERT_EQUAL(0.0, codec::parse("1e-400").extract<double>()); // underflow: zero
        CPPUNIT_ASSERT_EQUAL(std::string("a\"\\/\b\f\n\r\t\xC3\xA9"),
                             codec::parse(R"("a\"\\\/\b\f\n\r\t\u00E9")").extract<std::string>());
        // Duplicate keys: the last one wins, in the Var and in the model decoders alike.
        CPPUNIT_ASSERT_EQUAL(
            Poco::Int64(2),
            codec::parse(R"({"a":1,"a":2})").extract<Poco::JSON::Object::Ptr>()->getValue<Poco::Int64>("a"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("second"),
            json::decode<Component>(componentWith(R"("projectName":"first","projectName":"second")")).projectName);
        CPPUNIT_ASSERT(!json::decode<Component>(componentWith(R"("docker":{},"docker":null)")).docker);
    }

    void testCodecStringify() {
        using Poco::Dynamic::Var;
        CPPUNIT_ASSERT_EQUAL(std::string("null"), codec::stringify(Var()));
        CPPUNIT_ASSERT_EQUAL(std::string("true"), codec::stringify(Var(true)));
        CPPUNIT_ASSERT_EQUAL(std::string("-7"), codec::stringify(Var(Poco::Int64(-7))));
        CPPUNIT_ASSERT_EQUAL(std::string("7"), codec::stringify(Var(7)));
        CPPUNIT_ASSERT_EQUAL(std::string("18446744073709551615"),
                             codec::stringify(Var(std::numeric_limits<Poco::UInt64>::max())));
        CPPUNIT_ASSERT_EQUAL(std::string("0.25"), codec::stringify(Var(0.25)));
        CPPUNIT_ASSERT_EQUAL(std::string("0.5"), codec::stringify(Var(0.5f)));
        CPPUNIT_ASSERT_EQUAL(std::string("null"), codec::stringify(Var(std::numeric_limits<double>::infinity())));
        CPPUNIT_ASSERT_EQUAL(std::string(R"("a\"\n\u0002)"
                                         "\xF0\x9F\x98\x80\xEF\xBF\xBD\""),
                             codec::stringify(Var(std::string("a\"\n\x02\xF0\x9F\x98\x80\xFF"))));
        CPPUNIT_ASSERT_EQUAL(std::string(R"("c")"), codec::stringify(Var("c")));
        CPPUNIT_ASSERT_EQUAL(std::string("null"), codec::stringify(Var(Poco::JSON::Object::Ptr())));

        Poco::JSON::Object::Ptr inner = new Poco::JSON::Object();
        inner->set("b", Var());
        Poco::JSON::Array::Ptr array = new Poco::JSON::Array();
        array->add(1);
        array->add(std::string("two"));
        array->add(inner);
        Poco::JSON::Object::Ptr outer = new Poco::JSON::Object();
        outer->set("z", array);
        outer->set("a", false);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":false,"z":[1,"two",{"b":null}]})"), codec::stringify(outer));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":false,"z":[1,"two",{"b":null}]})"), codec::stringify(*outer));
        CPPUNIT_ASSERT_EQUAL(std::string(R"([1,"x"])"),
                             codec::stringify(Var(std::vector<Var>{Var(1), Var(std::string("x"))})));
        Poco::DynamicStruct ds;
        ds["k"] = 1;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"k":1})"), codec::stringify(Var(ds)));

        std::string appended = "x=";
        maelstrom::sdk::appendJsonString(appended, "\t");
        CPPUNIT_ASSERT_EQUAL(std::string(R"(x="\t")"), appended);
        codec::stringifyTo(appended, Var(1));
        CPPUNIT_ASSERT_EQUAL(std::string(R"(x="\t"1)"), appended);

        // A self-referencing structure is refused instead of overflowing the stack.
        Poco::JSON::Array::Ptr loop = new Poco::JSON::Array();
        loop->add(loop);
        CPPUNIT_ASSERT_THROW(codec::stringify(loop), JsonError);
        loop->clear(); // break the reference cycle so the array is freed
    }

    void testCodecObjectReader() {
        const Poco::Dynamic::Var params = codec::parse(
            R"({"name":"web","limit":3.0,"diffOnly":true,"pct":1,"tags":["a","b"],"nothing":null,)"
            R"("order":"stopstart","component":{"name":"c","environment":[],"maxConcurrency":2,"version":0}})");
        const codec::ObjectReader in(params, "param[0]");
        CPPUNIT_ASSERT_EQUAL(std::string("param[0]"), in.path());
        CPPUNIT_ASSERT_EQUAL(std::string("param[0].name"), in.childPath("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("web"), in.getString("name", true));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), in.getInt("limit"));
        CPPUNIT_ASSERT_EQUAL(true, in.getBool("diffOnly"));
        CPPUNIT_ASSERT_EQUAL(1.0, in.getFloat("pct"));
        CPPUNIT_ASSERT((in.getStringList("tags") == std::vector<std::string>{"a", "b"}));
        CPPUNIT_ASSERT_EQUAL(std::string("stopstart"), in.getEnum("order", kRestartOrderValues));
        CPPUNIT_ASSERT_EQUAL(std::string(), in.getString("missing"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), in.getInt("nothing"));
        CPPUNIT_ASSERT(in.find("nothing") == nullptr);
        CPPUNIT_ASSERT(in.find("name") != nullptr);
        Component c;
        CPPUNIT_ASSERT(in.getObject("component", c, true));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), c.maxConcurrency);
        CPPUNIT_ASSERT(!in.getObject("other", c));

        expectJsonError([&] { in.getString("missing", true); }, "param[0].missing", "is required");
        expectJsonError([&] { in.require("nothing"); }, "param[0].nothing", "is required, got null");
        expectJsonError([&] { in.getInt("name"); }, "param[0].name", "expected int, got string");
        expectJsonError([&] { in.getString("limit"); }, "param[0].limit", "expected string, got number");
        expectJsonError([&] { in.getEnum("name", kRestartOrderValues); }, "param[0].name",
                        "value 'web' not in enum values: 'startstop', 'stopstart'");
        expectJsonError([&] { in.getStringList("name"); }, "param[0].name", "expected array, got string");
        const Poco::Dynamic::Var bad = codec::parse(R"({"component":{"name":1}})");
        const codec::ObjectReader badIn(bad, "param[0]");
        expectJsonError([&] { badIn.getObject("component", c); }, "param[0].component.name",
                        "expected string, got number");
        expectJsonError([] { codec::ObjectReader reader(codec::parse("[]"), "param[0]"); }, "param[0]",
                        "expected object, got array");
        const Poco::Dynamic::Var rootless = codec::parse(R"({"a":1})");
        CPPUNIT_ASSERT_EQUAL(std::string("a"), codec::ObjectReader(rootless, "").childPath("a"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonCodecTest);
