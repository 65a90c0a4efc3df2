// aws_env.cpp — see aws_env.h.
// SPDX-License-Identifier: Apache-2.0
#include "aws_env.h"

#include "aws/context.h"
#include "aws/error.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <cppunit/extensions/HelperMacros.h>

#include <ctime>
#include <memory>
#include <stdexcept>

namespace maelstrom::testing::aws_lifecycle {
namespace {

std::string percentEncoded(const std::string& text) {
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

std::shared_ptr<maelstrom::aws::AwsContext> context() {
    static const auto env = awsEnvironment();
    static const auto ctx =
        maelstrom::aws::AwsContext::create([](const std::string& name) -> std::optional<std::string> {
            const auto it = env.find(name);
            return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
        });
    return ctx;
}

// One SQS query-protocol call; the XML answer of a 2xx, else throws with the body.
std::string sqsCall(const std::string& url, const std::string& action,
                    const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::string body = "Action=" + action + "&Version=2012-11-05";
    for (const auto& [name, value] : parameters) {
        body += "&" + percentEncoded(name) + "=" + percentEncoded(value);
    }
    maelstrom::aws::SignableRequest request;
    request.method = "POST";
    request.target = "";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = body;
    const auto answer = context()->send(url, request, "sqs", std::chrono::seconds(10));
    if (answer.status < 200 || answer.status > 299) {
        throw std::runtime_error("SQS " + action + ": HTTP " + std::to_string(answer.status) + ": " + answer.body);
    }
    return answer.body;
}

// The text of the first <tag>...</tag> after `from`.
std::string xmlText(const std::string& xml, const std::string& tag, std::size_t from = 0) {
    const auto open = xml.find("<" + tag + ">", from);
    if (open == std::string::npos) {
        return "";
    }
    const auto start = open + tag.size() + 2;
    const auto close = xml.find("</" + tag + ">", start);
    return close == std::string::npos ? "" : xml.substr(start, close - start);
}

struct HttpAnswer {
    int status = -1;
    std::string body;
};

HttpAnswer http(const std::string& method, int port, const std::string& path, const std::string& body = "") {
    HttpAnswer answer;
    try {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
        session.setTimeout(Poco::Timespan(5, 0));
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!body.empty() || method == "POST") {
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        Poco::StreamCopier::copyToString(in, answer.body);
        answer.status = static_cast<int>(response.getStatus());
    } catch (const Poco::Exception& e) {
        answer.body = e.displayText();
    }
    return answer;
}

std::string isoTime(std::chrono::system_clock::time_point at) {
    const std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count() % 1000;
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(ms));
    return std::string(text) + fraction;
}

std::string str(const Poco::JSON::Object::Ptr& object, const std::string& name) {
    return object && object->has(name) && object->get(name).isString() ? object->getValue<std::string>(name) : "";
}

} // namespace

std::string sqsEndpoint() { return "http://127.0.0.1:" + std::to_string(kSqsPort); }
std::string fakesEndpoint() { return "http://127.0.0.1:" + std::to_string(kFakesPort); }

bool endpointsAvailable(std::string* why) {
    try {
        sqsCall(sqsEndpoint() + "/", "ListQueues", {});
    } catch (const std::exception& e) {
        *why = "SQS at " + sqsEndpoint() + " (tests/services/start-sqs.sh): " + e.what();
        return false;
    }
    const auto fakes = http("GET", kFakesPort, "/_test/lifecycle-actions");
    if (fakes.status != 200) {
        *why = "the AWS fakes at " + fakesEndpoint() + " (tests/services/start-aws-fakes.sh): " +
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
        {"AWS_ENDPOINT_URL_AUTO_SCALING", fakesEndpoint()},
        {"AWS_EC2_METADATA_SERVICE_ENDPOINT", fakesEndpoint()},
        {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials"},
        {"AWS_CONFIG_FILE", "/nonexistent/aws-config"},
    };
    for (const char* name : {"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                             "AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL_SFN"}) {
        env[std::string("-") + name] = "";
    }
    return env;
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
        // cleanup only
    }
}

std::string sendMessage(const std::string& queueUrl, const std::string& body) {
    return xmlText(sqsCall(queueUrl, "SendMessage", {{"MessageBody", body}}), "MessageId");
}

int messagesInQueue(const std::string& queueUrl) {
    const std::string xml = sqsCall(queueUrl, "GetQueueAttributes", {{"AttributeName.1", "All"}});
    int total = 0;
    for (const char* name : {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}) {
        const auto at = xml.find("<Name>" + std::string(name) + "</Name>");
        if (at != std::string::npos) {
            total += std::stoi(xmlText(xml, "Value", at));
        }
    }
    return total;
}

std::string lifecycleNotice(const std::string& instanceId, const std::string& group, const std::string& hook,
                            const std::string& token, std::chrono::seconds age) {
    return R"({"Origin":"AutoScalingGroup","LifecycleHookName":")" + hook +
           R"(","Destination":"EC2","AccountId":"123456789012","RequestId":"4cf2c6b4-52b6-4fea-9a4e-0a8d0e1b5c6f",)"
           R"("LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING","AutoScalingGroupName":")" +
           group + R"(","Service":"AWS Auto Scaling","Time":")" + isoTime(std::chrono::system_clock::now() - age) +
           R"(","EC2InstanceId":")" + instanceId + R"(","LifecycleActionToken":")" + token + R"("})";
}

std::vector<LifecycleAction> lifecycleActions() {
    const auto answer = http("GET", kFakesPort, "/_test/lifecycle-actions");
    if (answer.status != 200) {
        throw std::runtime_error("GET /_test/lifecycle-actions: " + std::to_string(answer.status) + " " + answer.body);
    }
    std::vector<LifecycleAction> out;
    const Poco::Dynamic::Var value = Poco::JSON::Parser().parse(answer.body);
    Poco::JSON::Array::Ptr list;
    if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
        list = value.extract<Poco::JSON::Array::Ptr>();
    } else if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
        list = value.extract<Poco::JSON::Object::Ptr>()->getArray("actions");
    }
    for (std::size_t i = 0; list && i < list->size(); ++i) {
        const auto o = list->getObject(static_cast<unsigned>(i));
        LifecycleAction a;
        a.group = str(o, "AutoScalingGroupName");
        a.hook = str(o, "LifecycleHookName");
        a.token = str(o, "LifecycleActionToken");
        a.instanceId = str(o, "InstanceId");
        a.result = str(o, "LifecycleActionResult");
        a.signatureValid = o && o->has("signatureValid") && o->getValue<bool>("signatureValid");
        std::ostringstream raw;
        if (o) {
            o->stringify(raw);
        }
        a.raw = raw.str();
        out.push_back(a);
    }
    return out;
}

void resetLifecycleActions() { http("DELETE", kFakesPort, "/_test/lifecycle-actions"); }

void setSpotAction(const std::string& action) {
    const auto answer =
        http("POST", kFakesPort, "/_test/spot", action.empty() ? "{}" : R"({"action":")" + action + R"("})");
    if (answer.status < 200 || answer.status > 299) {
        throw std::runtime_error("POST /_test/spot: " + std::to_string(answer.status) + " " + answer.body);
    }
}

} // namespace maelstrom::testing::aws_lifecycle
