// stepfunctions.cpp — aws: AWS Step Functions activity calls over AWS JSON 1.0 (POST / + X-Amz-Target).
// SPDX-License-Identifier: Apache-2.0
#include "aws/stepfunctions.h"

#include "aws/error.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace maelstrom::aws {

namespace {

constexpr std::chrono::milliseconds kCallTimeout{20000};
// AWS holds GetActivityTask open up to 60 s; 10 s more for the answer to arrive.
constexpr std::chrono::milliseconds kLongPollTimeout{70000};
// SendTaskFailure's limits: longer texts are refused with a ValidationException and the failure would be lost.
constexpr std::size_t kMaxErrorLength = 256;
constexpr std::size_t kMaxCauseLength = 32768;

std::string toJson(const Poco::JSON::Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

Poco::JSON::Object::Ptr parseObject(const std::string& text, const std::string& what) {
    try {
        Poco::JSON::Parser parser;
        const auto parsed = parser.parse(text.empty() ? std::string("{}") : text);
        if (parsed.type() == typeid(Poco::JSON::Object::Ptr)) {
            return parsed.extract<Poco::JSON::Object::Ptr>();
        }
    } catch (const Poco::Exception&) {
    }
    throw AwsError("InvalidResponse", what + ": the answer is not a JSON object");
}

// At most `limit` bytes, not cutting a UTF-8 sequence in two.
std::string truncateUtf8(const std::string& text, std::size_t limit) {
    if (text.size() <= limit) {
        return text;
    }
    auto end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
        --end;
    }
    return text.substr(0, end);
}

} // namespace

StepFunctionsApi::~StepFunctionsApi() = default;

StepFunctionsClient::StepFunctionsClient(std::shared_ptr<AwsContext> context) : context_(std::move(context)) {}

void StepFunctionsClient::abort() { context_->abort(); }

std::string StepFunctionsClient::call(const std::string& action, const std::string& requestJson,
                                      std::chrono::milliseconds timeout) {
    SignableRequest request{
        "POST",
        "/",
        {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AWSStepFunctions." + action}},
        requestJson};
    const auto response = context_->send(context_->endpoint("states", "SFN"), std::move(request), "states", timeout);
    if (response.status >= 200 && response.status < 300) {
        return response.body;
    }
    std::string code = errorCodeOf(response.body);
    std::string message;
    try {
        const auto object = parseObject(response.body, action);
        message = object->optValue<std::string>("message", object->optValue<std::string>("Message", ""));
    } catch (const AwsError&) {
    }
    if (code.empty()) {
        code = "Http";
    }
    throw AwsError(code,
                   "Step Functions " + action + " failed: " + code + (message.empty() ? "" : ": " + message) +
                       " (HTTP " + std::to_string(response.status) + ")",
                   response.status, isRetryableAnswer(response.status, code));
}

std::optional<std::string> StepFunctionsClient::findActivityArn(const std::string& name) {
    std::string nextToken;
    do {
        Poco::JSON::Object request;
        request.set("maxResults", 1000);
        if (!nextToken.empty()) {
            request.set("nextToken", nextToken);
        }
        const auto answer = parseObject(call("ListActivities", toJson(request), kCallTimeout), "ListActivities");
        if (const auto activities = answer->getArray("activities")) {
            for (std::size_t i = 0; i < activities->size(); ++i) {
                const auto activity = activities->getObject(static_cast<unsigned>(i));
                if (activity && activity->optValue<std::string>("name", "") == name) {
                    return activity->optValue<std::string>("activityArn", "");
                }
            }
        }
        const auto next = answer->optValue<std::string>("nextToken", "");
        if (!next.empty() && next == nextToken) {
            break; // the same token twice would loop forever
        }
        nextToken = next;
    } while (!nextToken.empty());
    return std::nullopt;
}

std::string StepFunctionsClient::createActivity(const std::string& name) {
    Poco::JSON::Object request;
    request.set("name", name);
    const auto answer = parseObject(call("CreateActivity", toJson(request), kCallTimeout), "CreateActivity");
    const auto arn = answer->optValue<std::string>("activityArn", "");
    if (arn.empty()) {
        throw AwsError("InvalidResponse", "CreateActivity answer without an activityArn");
    }
    return arn;
}

std::optional<ActivityTask> StepFunctionsClient::getActivityTask(const std::string& activityArn,
                                                                 const std::string& workerName) {
    Poco::JSON::Object request;
    request.set("activityArn", activityArn);
    if (!workerName.empty()) {
        request.set("workerName", workerName);
    }
    const auto answer = parseObject(call("GetActivityTask", toJson(request), kLongPollTimeout), "GetActivityTask");
    // No task within the poll: an answer without a token (or with an empty one).
    auto token = answer->optValue<std::string>("taskToken", "");
    if (token.empty()) {
        return std::nullopt;
    }
    return ActivityTask{std::move(token), answer->optValue<std::string>("input", "")};
}

void StepFunctionsClient::sendTaskSuccess(const std::string& token, const std::string& outputJson) {
    Poco::JSON::Object request;
    request.set("taskToken", token);
    request.set("output", outputJson);
    call("SendTaskSuccess", toJson(request), kCallTimeout);
}

void StepFunctionsClient::sendTaskFailure(const std::string& token, const std::string& error,
                                          const std::string& cause) {
    Poco::JSON::Object request;
    request.set("taskToken", token);
    request.set("error", truncateUtf8(error, kMaxErrorLength));
    request.set("cause", truncateUtf8(cause, kMaxCauseLength));
    call("SendTaskFailure", toJson(request), kCallTimeout);
}

void StepFunctionsClient::sendTaskHeartbeat(const std::string& token) {
    Poco::JSON::Object request;
    request.set("taskToken", token);
    call("SendTaskHeartbeat", toJson(request), kCallTimeout);
}

} // namespace maelstrom::aws
