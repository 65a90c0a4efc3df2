// aws_env.cpp — see aws_env.h.
// SPDX-License-Identifier: Apache-2.0
#include "aws_env.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <sstream>
#include <stdexcept>

namespace maelstrom::testing::aws {
namespace {

struct HttpAnswer {
    int status = -1; ///< -1: no answer (body holds the error)
    std::string body;
};

HttpAnswer http(const std::string& method, const std::string& url, const std::string& body = "",
                const std::string& contentType = "application/json") {
    HttpAnswer answer;
    try {
        const Poco::URI uri(url);
        Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
        session.setTimeout(Poco::Timespan(10, 0));
        Poco::Net::HTTPRequest request(method, uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery(),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        if (!body.empty() || method == "POST") {
            request.setContentType(contentType);
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), answer.body);
        answer.status = static_cast<int>(response.getStatus());
    } catch (const Poco::Exception& e) {
        answer.body = e.displayText();
    } catch (const std::exception& e) {
        answer.body = e.what();
    }
    return answer;
}

std::string formEncoded(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// One query-protocol call (unsigned: the wrapper does not check signatures); the XML of a 2xx, else throws.
std::string sqsCall(const std::string& url, const std::string& action,
                    const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::string body = "Action=" + action + "&Version=2012-11-05";
    for (const auto& [name, value] : parameters) {
        body += "&" + formEncoded(name) + "=" + formEncoded(value);
    }
    const auto answer = http("POST", url, body, "application/x-www-form-urlencoded; charset=utf-8");
    if (answer.status < 200 || answer.status > 299) {
        throw std::runtime_error("SQS " + action + " at " + url + ": " +
                                 (answer.status < 0 ? answer.body : "HTTP " + std::to_string(answer.status)) + ": " +
                                 answer.body.substr(0, 500));
    }
    return answer.body;
}

// The text of the first <tag>...</tag> at or after `from`.
std::string xmlText(const std::string& xml, const std::string& tag, std::size_t from = 0) {
    const auto open = xml.find("<" + tag + ">", from);
    if (open == std::string::npos) {
        return "";
    }
    const auto start = open + tag.size() + 2;
    const auto close = xml.find("</" + tag + ">", start);
    return close == std::string::npos ? "" : xml.substr(start, close - start);
}

Poco::Dynamic::Var parseJson(const std::string& text, const std::string& what) {
    try {
        return Poco::JSON::Parser().parse(text);
    } catch (const Poco::Exception& e) {
        throw std::runtime_error(what + ": not JSON (" + e.displayText() + "): " + text.substr(0, 500));
    }
}

// The objects of the list the test route at `url` answers: the answer itself, or its first array member named in
// `names`; throws unless the route answers 200 with JSON.
std::vector<Poco::JSON::Object::Ptr> objectsAt(const std::string& url, const std::vector<std::string>& names) {
    const auto answer = http("GET", url);
    if (answer.status != 200) {
        throw std::runtime_error("GET " + url + ": " + std::to_string(answer.status) + " " +
                                 answer.body.substr(0, 500));
    }
    const auto value = parseJson(answer.body, "GET " + url);
    Poco::JSON::Array::Ptr list;
    if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
        list = value.extract<Poco::JSON::Array::Ptr>();
    } else if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
        const auto object = value.extract<Poco::JSON::Object::Ptr>();
        for (const auto& name : names) {
            if (object->has(name) && object->isArray(name)) {
                list = object->getArray(name);
                break;
            }
        }
    }
    std::vector<Poco::JSON::Object::Ptr> out;
    for (std::size_t i = 0; list && i < list->size(); ++i) {
        if (const auto object = list->getObject(static_cast<unsigned>(i))) {
            out.push_back(object);
        }
    }
    return out;
}

std::string str(const Poco::JSON::Object::Ptr& object, const std::vector<std::string>& names) {
    if (!object) {
        return "";
    }
    for (const auto& name : names) {
        if (object->has(name) && !object->get(name).isEmpty()) {
            const auto value = object->get(name);
            if (value.isString() || value.isNumeric() || value.isBoolean()) {
                return value.convert<std::string>();
            }
        }
    }
    return "";
}

std::int64_t millisOf(const Poco::JSON::Object::Ptr& object, const std::vector<std::string>& names) {
    if (!object) {
        return 0;
    }
    for (const auto& name : names) {
        if (!object->has(name) || object->get(name).isEmpty()) {
            continue;
        }
        const auto value = object->get(name);
        if (value.isNumeric()) {
            const auto n = value.convert<double>();
            return static_cast<std::int64_t>(n < 1e11 ? n * 1000 : n); // seconds or milliseconds
        }
        if (value.isString()) { // an ISO time: "2026-12-06T23:00:00.123Z"
            const std::string text = value.convert<std::string>();
            std::tm tm{};
            if (::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) != nullptr) {
                std::int64_t ms = static_cast<std::int64_t>(::timegm(&tm)) * 1000;
                const auto dot = text.find('.');
                if (dot != std::string::npos) {
                    ms += static_cast<std::int64_t>(std::stod("0" + text.substr(dot, 4)) * 1000);
                }
                return ms;
            }
        }
    }
    return 0;
}

// Strings of a member that may be a string or an array of strings or of objects (member `field`).
std::vector<std::string> strings(const Poco::JSON::Object::Ptr& object, const std::vector<std::string>& names,
                                 const std::string& field) {
    std::vector<std::string> out;
    if (!object) {
        return out;
    }
    for (const auto& name : names) {
        if (!object->has(name) || object->get(name).isEmpty()) {
            continue;
        }
        if (object->isArray(name)) {
            const auto list = object->getArray(name);
            for (std::size_t i = 0; i < list->size(); ++i) {
                const auto item = list->get(static_cast<unsigned>(i));
                if (item.isString()) {
                    out.push_back(item.convert<std::string>());
                } else if (item.type() == typeid(Poco::JSON::Object::Ptr)) {
                    const auto s = str(item.extract<Poco::JSON::Object::Ptr>(), {field});
                    if (!s.empty()) {
                        out.push_back(s);
                    }
                }
            }
        } else if (object->get(name).isString()) {
            out.push_back(object->getValue<std::string>(name));
        }
        if (!out.empty()) {
            break;
        }
    }
    return out;
}

std::string stringified(const Poco::JSON::Object::Ptr& object) {
    std::ostringstream out;
    if (object) {
        object->stringify(out);
    }
    return out.str();
}

ProcessResult runScript(const std::string& name) {
    return runProcess({"bash", (sourceDir() / "tests/services" / name).string()}, {}, std::chrono::seconds(240));
}

} // namespace

std::string sqsEndpoint() { return "http://127.0.0.1:" + std::to_string(kSqsPort); }
std::string fakesEndpoint() { return "http://127.0.0.1:" + std::to_string(kFakesPort); }

bool endpointsAvailable(std::string* why) {
    if (!docker::dockerAvailable()) {
        *why = "dockerd";
        return false;
    }
    for (const char* script : {"start-sqs.sh", "start-aws-fakes.sh"}) {
        const auto r = runScript(script);
        if (r.exitCode != 0) {
            *why = std::string("tests/services/") + script + " failed (" + std::to_string(r.exitCode) + "): " + r.out +
                   r.err;
            return false;
        }
    }
    try {
        sqsCall(sqsEndpoint() + "/", "ListQueues", {});
    } catch (const std::exception& e) {
        *why = "SQS at " + sqsEndpoint() + ": " + e.what();
        return false;
    }
    const auto fakes = http("GET", fakesEndpoint() + "/_test/health");
    if (fakes.status != 200) {
        *why = "the AWS fakes at " + fakesEndpoint() + ": " +
               (fakes.status < 0 ? fakes.body : "HTTP " + std::to_string(fakes.status));
        return false;
    }
    return true;
}

std::map<std::string, std::string> awsEnvironment() {
    std::map<std::string, std::string> env = {
        {"AWS_REGION", "us-east-1"},
        {"AWS_ACCESS_KEY_ID", "AKIDTEST"},
        {"AWS_SECRET_ACCESS_KEY", "test-secret"},
        {"AWS_ENDPOINT_URL_SQS", sqsEndpoint()},
        {"AWS_ENDPOINT_URL_SFN", fakesEndpoint()},
        {"AWS_ENDPOINT_URL_AUTO_SCALING", fakesEndpoint()},
        {"AWS_EC2_METADATA_SERVICE_ENDPOINT", fakesEndpoint()},
        {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials"},
        {"AWS_CONFIG_FILE", "/nonexistent/aws-config"},
    };
    for (const char* name :
         {"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_EC2_METADATA_DISABLED",
          "MAEL_AWS_TERMINATE_QUEUE_URL", "MAEL_AWS_SPOT_TERMINATE_POLL_SECONDS", "MAEL_INSTANCE_ID"}) {
        env[std::string("-") + name] = "";
    }
    return env;
}

std::map<std::string, std::string> noCredentialsEnvironment() {
    auto env = awsEnvironment();
    for (const char* name : {"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}) {
        env.erase(name);
        env[std::string("-") + name] = "";
    }
    return env;
}

std::string eventSourcesYaml() {
    return "    - plugin: sqs\n      settings: {reload_seconds: 1}\n"
           "    - plugin: awsstepfunc\n      settings: {reload_seconds: 1, heartbeat_seconds: 1}\n";
}

std::unique_ptr<Daemon> startDaemon(const std::filesystem::path& dataDir,
                                    const std::map<std::string, std::string>& env) {
    return std::make_unique<Daemon>(dataDir, env, std::map<std::string, std::string>{}, eventSourcesYaml());
}

std::int64_t nowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string createQueue(const std::string& name) {
    const std::string xml = sqsCall(sqsEndpoint() + "/", "CreateQueue", {{"QueueName", name}});
    const std::string url = xmlText(xml, "QueueUrl");
    if (url.empty()) {
        throw std::runtime_error("CreateQueue answered no QueueUrl: " + xml);
    }
    sqsCall(url, "PurgeQueue", {});
    return url;
}

void deleteQueue(const std::string& queueUrl) {
    try {
        sqsCall(queueUrl, "DeleteQueue", {});
    } catch (const std::exception&) {
        // clean-up only
    }
}

std::string sendMessage(const std::string& queueUrl, const std::string& body) {
    return xmlText(sqsCall(queueUrl, "SendMessage", {{"MessageBody", body}}), "MessageId");
}

QueueCounts queueCounts(const std::string& queueUrl) {
    const std::string xml = sqsCall(queueUrl, "GetQueueAttributes", {{"AttributeName.1", "All"}});
    QueueCounts counts;
    const auto value = [&](const std::string& name) {
        const auto at = xml.find("<Name>" + name + "</Name>");
        return at == std::string::npos ? 0 : std::stoi(xmlText(xml, "Value", at));
    };
    counts.visible = value("ApproximateNumberOfMessages");
    counts.inFlight = value("ApproximateNumberOfMessagesNotVisible");
    return counts;
}

std::string SqsCall::text() const {
    std::string line = std::to_string(startedAt) + ".." + (pending ? std::string("(pending)") : std::to_string(at)) +
                       " " + action + " " + queueName;
    if (!client.empty()) {
        line += " client=" + client;
    }
    for (const auto& id : messageIds) {
        line += " m=" + id;
    }
    return line;
}

std::vector<SqsCall> sqsCalls(std::int64_t sinceMillis) {
    std::vector<SqsCall> out;
    for (const auto& o :
         objectsAt(sqsEndpoint() + "/_test/requests?since=" + std::to_string(sinceMillis), {"requests", "items"})) {
        SqsCall c;
        c.raw = o;
        c.at = millisOf(o, {"at"});
        c.startedAt = millisOf(o, {"startedAt", "at"});
        c.pending = str(o, {"pending"}) == "true";
        c.action = str(o, {"action"});
        c.queueName = str(o, {"queueName"});
        if (c.queueName.empty()) {
            c.queueName = queueNameOf(str(o, {"queueUrl"}));
        }
        c.client = str(o, {"client", "accessKeyId", "userAgent"});
        c.messageIds = strings(o, {"messageIds", "messages", "messageId"}, "messageId");
        c.receiptHandles = strings(o, {"receiptHandles", "messages", "receiptHandle"}, "receiptHandle");
        if (c.at >= sinceMillis || c.pending) {
            out.push_back(std::move(c));
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const SqsCall& a, const SqsCall& b) { return a.at < b.at; });
    return out;
}

std::vector<SqsCall> callsOf(const std::vector<SqsCall>& calls, const std::string& action,
                             const std::string& queueUrl) {
    std::vector<SqsCall> out;
    for (const auto& c : calls) {
        if (c.action == action && (queueUrl.empty() || c.queueName == queueNameOf(queueUrl))) {
            out.push_back(c);
        }
    }
    return out;
}

std::string queueNameOf(const std::string& queueUrl) {
    std::string path = queueUrl;
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    return path.substr(path.rfind('/') + 1);
}

std::string joined(const std::vector<SqsCall>& calls, std::size_t max) {
    std::string out;
    for (std::size_t i = calls.size() > max ? calls.size() - max : 0; i < calls.size(); ++i) {
        out += calls[i].text() + "\n";
    }
    return out;
}

bool namesMessages(const std::vector<SqsCall>& calls) {
    return std::any_of(calls.begin(), calls.end(), [](const SqsCall& c) {
        return c.action == "ReceiveMessage" && !c.messageIds.empty() && c.messageIds.size() == c.receiptHandles.size();
    });
}

namespace {

// The message a DeleteMessage names: its id when the wrapper resolved it, else the id its handle was received with.
std::string deletedMessage(const SqsCall& call, const std::map<std::string, std::string>& byHandle) {
    if (!call.messageIds.empty()) {
        return call.messageIds.front();
    }
    if (!call.receiptHandles.empty()) {
        const auto it = byHandle.find(call.receiptHandles.front());
        if (it != byHandle.end()) {
            return it->second;
        }
    }
    return "?";
}

std::map<std::string, std::string> messagesByHandle(const std::vector<SqsCall>& calls) {
    std::map<std::string, std::string> byHandle;
    for (const auto& c : calls) {
        if (c.action == "ReceiveMessage") {
            for (std::size_t i = 0; i < c.messageIds.size() && i < c.receiptHandles.size(); ++i) {
                byHandle[c.receiptHandles[i]] = c.messageIds[i];
            }
        }
    }
    return byHandle;
}

} // namespace

std::map<std::string, int> deletesByMessage(const std::vector<SqsCall>& calls, const std::string& queueUrl) {
    const auto byHandle = messagesByHandle(calls);
    std::map<std::string, int> counts;
    for (const auto& c : callsOf(calls, "DeleteMessage", queueUrl)) {
        ++counts[deletedMessage(c, byHandle)];
    }
    return counts;
}

int maxUndeleted(const std::vector<SqsCall>& calls, const std::string& queueUrl) {
    const auto byHandle = messagesByHandle(calls);
    std::set<std::string> outstanding;
    std::size_t most = 0;
    for (const auto& c : calls) {
        if (c.queueName != queueNameOf(queueUrl)) {
            continue;
        }
        if (c.action == "ReceiveMessage") {
            outstanding.insert(c.messageIds.begin(), c.messageIds.end());
            most = std::max(most, outstanding.size());
        } else if (c.action == "DeleteMessage") {
            outstanding.erase(deletedMessage(c, byHandle));
        }
    }
    return static_cast<int>(most);
}

Poco::JSON::Object::Ptr postTask(const std::string& activityName, const std::string& input) {
    Poco::JSON::Object body;
    body.set("activityName", activityName);
    body.set("input", input);
    std::ostringstream text;
    body.stringify(text);
    const auto answer = http("POST", fakesEndpoint() + "/_test/tasks", text.str());
    if (answer.status < 200 || answer.status > 299) {
        throw std::runtime_error("POST /_test/tasks: " + std::to_string(answer.status) + " " + answer.body);
    }
    const auto value = parseJson(answer.body.empty() ? "{}" : answer.body, "POST /_test/tasks");
    return value.type() == typeid(Poco::JSON::Object::Ptr) ? value.extract<Poco::JSON::Object::Ptr>()
                                                           : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

std::string FakeTask::text() const { return stringified(raw); }

std::vector<FakeTask> fakeTasks() {
    std::vector<FakeTask> out;
    for (const auto& o : objectsAt(fakesEndpoint() + "/_test/tasks", {"tasks", "items"})) {
        FakeTask t;
        t.raw = o;
        t.id = str(o, {"id", "taskToken"});
        t.activityArn = str(o, {"activityArn"});
        t.activityName = str(o, {"activityName"});
        t.input = str(o, {"input"});
        t.status = str(o, {"state", "status"});
        t.output = str(o, {"output"});
        t.error = str(o, {"error"});
        t.cause = str(o, {"cause"});
        const auto beats = str(o, {"heartbeats", "heartbeatCount"});
        t.heartbeats = beats.empty() ? 0 : std::stoi(beats);
        if (o->has("heartbeats") && o->isArray("heartbeats")) {
            t.heartbeats = static_cast<int>(o->getArray("heartbeats")->size());
        }
        out.push_back(std::move(t));
    }
    return out;
}

std::string FakeCall::text() const {
    return std::to_string(startedAt) + ".." + (pending ? std::string("(pending)") : std::to_string(at)) + " " +
           service + " " + action + (closedByClient ? " (client closed)" : "") +
           (signatureValid ? " signed" : " BAD-SIGNATURE " + signatureNote);
}

std::vector<FakeCall> fakeCalls(std::int64_t sinceMillis) {
    std::vector<FakeCall> out;
    for (const auto& o :
         objectsAt(fakesEndpoint() + "/_test/requests?since=" + std::to_string(sinceMillis), {"requests", "items"})) {
        FakeCall c;
        c.raw = o;
        c.at = millisOf(o, {"at"});
        c.startedAt = millisOf(o, {"startedAt", "at"});
        c.pending = str(o, {"pending"}) == "true";
        c.closedByClient = str(o, {"closedByClient"}) == "true";
        c.action = str(o, {"action"});
        c.service = str(o, {"service"});
        c.signatureValid = str(o, {"signatureValid"}) == "true";
        c.signatureNote = str(o, {"signatureCode"}) + " " + str(o, {"signatureError"});
        c.accessKeyId = str(o, {"accessKeyId"});
        if (c.at >= sinceMillis || c.pending) {
            out.push_back(std::move(c));
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const FakeCall& a, const FakeCall& b) { return a.at < b.at; });
    return out;
}

std::string joined(const std::vector<FakeCall>& calls, std::size_t max) {
    std::string out;
    for (std::size_t i = calls.size() > max ? calls.size() - max : 0; i < calls.size(); ++i) {
        out += calls[i].text() + "\n";
    }
    return out;
}

std::string lifecycleNotice(const std::string& instanceId, const std::string& group, const std::string& hook,
                            const std::string& token, std::chrono::seconds age) {
    const auto sent = std::chrono::duration_cast<std::chrono::microseconds>(
        (std::chrono::system_clock::now() - age).time_since_epoch());
    const std::string time = Poco::DateTimeFormatter::format(Poco::Timestamp(sent.count()), "%Y-%m-%dT%H:%M:%S.%iZ");
    return R"({"Origin":"AutoScalingGroup","LifecycleHookName":")" + hook +
           R"(","Destination":"EC2","AccountId":"123456789012","RequestId":"4cf2c6b4-52b6-4fea-9a4e-0a8d0e1b5c6f",)"
           R"("LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING","AutoScalingGroupName":")" +
           group + R"(","Service":"AWS Auto Scaling","Time":")" + time + R"(","EC2InstanceId":")" + instanceId +
           R"(","LifecycleActionToken":")" + token + R"("})";
}

std::vector<LifecycleAction> lifecycleActions() {
    std::vector<LifecycleAction> out;
    for (const auto& o : objectsAt(fakesEndpoint() + "/_test/lifecycle-actions", {"actions"})) {
        LifecycleAction a;
        a.group = str(o, {"AutoScalingGroupName"});
        a.hook = str(o, {"LifecycleHookName"});
        a.token = str(o, {"LifecycleActionToken"});
        a.instanceId = str(o, {"InstanceId"});
        a.result = str(o, {"LifecycleActionResult"});
        a.signatureValid = str(o, {"signatureValid"}) == "true";
        a.raw = stringified(o);
        out.push_back(std::move(a));
    }
    return out;
}

void resetLifecycleActions() { http("DELETE", fakesEndpoint() + "/_test/lifecycle-actions"); }

void setSpotAction(const std::string& action) {
    const auto answer =
        http("POST", fakesEndpoint() + "/_test/spot", action.empty() ? "{}" : R"({"action":")" + action + R"("})");
    if (answer.status < 200 || answer.status > 299) {
        throw std::runtime_error("POST /_test/spot: " + std::to_string(answer.status) + " " + answer.body);
    }
}

std::string awsProject(const std::string& project, const std::string& key, const std::string& hostname,
                       const std::vector<SqsYaml>& sqs, const std::vector<StepYaml>& steps,
                       const std::vector<std::string>& extra) {
    std::string component = lifecycle::componentYaml(key, hostname, extra);
    const auto number = [](const std::string& name, int value) {
        return value > 0 ? "          " + name + ": " + std::to_string(value) + "\n" : std::string();
    };
    for (const auto& s : sqs) {
        component += "      " + s.key + ":\n        sqs:\n          queuename: " + s.queueName +
                     "\n          path: " + s.path + "\n" + (s.nameAsPrefix ? "          nameasprefix: true\n" : "") +
                     number("maxconcurrency", s.maxConcurrency) + number("messagesperpoll", s.messagesPerPoll) +
                     number("concurrencyperpoller", s.concurrencyPerPoller) +
                     number("visibilitytimeout", s.visibilityTimeout);
    }
    for (const auto& s : steps) {
        component += "      " + s.key + ":\n        awsstepfunc:\n          activityname: " + s.activityName +
                     "\n          path: " + s.path + "\n" + number("maxconcurrency", s.maxConcurrency) +
                     number("concurrencyperpoller", s.concurrencyPerPoller);
    }
    return lifecycle::projectYaml(project, {component});
}

std::vector<cron::Hit> scriptHits(const std::string& component) { return cron::hits(component, "/script"); }

std::string hitId(const cron::Hit& hit) {
    // A script body, or a JSON string holding one (a task input): body=id=... or body="id=...
    auto at = hit.line.find(" body=id=");
    std::size_t start = at + 9;
    if (at == std::string::npos) {
        at = hit.line.find(" body=\"id=");
        start = at + 10;
    }
    if (at == std::string::npos) {
        return "";
    }
    std::size_t end = hit.line.find("\\n", start); // a newline: backslash-n in the RECORD line and in JSON
    end = std::min(end, hit.line.find('"', start));
    return hit.line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::map<std::string, int> hitCounts(const std::vector<cron::Hit>& hits) {
    std::map<std::string, int> counts;
    for (const auto& h : hits) {
        ++counts[hitId(h)];
    }
    return counts;
}

} // namespace maelstrom::testing::aws
