// sqs.cpp — aws: Amazon SQS over the query protocol (Action=...&Version=2012-11-05 form POSTs, XML answers).
// SPDX-License-Identifier: Apache-2.0
#include "aws/sqs.h"

#include "aws/error.h"
#include "xml_util.h"

#include <algorithm>

namespace maelstrom::aws {

namespace {

constexpr const char* kVersion = "2012-11-05";
// Calls that are not long polls get this long for an answer (the SDKs' order of magnitude).
constexpr std::chrono::milliseconds kCallTimeout{20000};
// A long poll's answer comes after WaitTimeSeconds at the latest; this much more covers the transfer.
constexpr std::chrono::seconds kLongPollMargin{10};

bool isNonExistentQueue(const std::string& code) {
    // The query protocol's code, and the JSON protocol's name for the same error.
    return code == "AWS.SimpleQueueService.NonExistentQueue" || code == "QueueDoesNotExist";
}

} // namespace

SqsApi::~SqsApi() = default;

SqsClient::SqsClient(std::shared_ptr<AwsContext> context) : context_(std::move(context)) {}

void SqsClient::abort() { context_->abort(); }

std::string SqsClient::call(const std::string& url, const std::string& action,
                            const std::vector<std::pair<std::string, std::string>>& parameters,
                            std::chrono::milliseconds timeout) {
    std::vector<std::pair<std::string, std::string>> form{{"Action", action}, {"Version", kVersion}};
    form.insert(form.end(), parameters.begin(), parameters.end());
    // An empty target: the query goes to the URL's own path (a queue URL's /<account>/<name>, or the endpoint's).
    SignableRequest request{
        "POST", "", {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, formBody(form)};
    const auto response = context_->send(url, std::move(request), "sqs", timeout);
    if (response.status >= 200 && response.status < 300) {
        return response.body;
    }
    const auto error = xml::errorInfo(response.body);
    const auto code = error.code.empty() ? std::string("Http") : error.code;
    throw AwsError(code,
                   "SQS " + action + " failed: " + code + (error.message.empty() ? "" : ": " + error.message) +
                       " (HTTP " + std::to_string(response.status) + ")",
                   response.status, isRetryableAnswer(response.status, error.code));
}

std::optional<std::string> SqsClient::queueUrl(const std::string& name) {
    try {
        const auto answer =
            xml::parse(call(context_->endpoint("sqs", "SQS"), "GetQueueUrl", {{"QueueName", name}}, kCallTimeout));
        const auto url = answer.textOf("QueueUrl");
        if (url.empty()) {
            throw AwsError("InvalidResponse", "SQS GetQueueUrl answer without a QueueUrl");
        }
        return url;
    } catch (const AwsError& e) {
        if (isNonExistentQueue(e.code())) {
            return std::nullopt;
        }
        throw;
    }
}

std::vector<std::string> SqsClient::listQueueUrls(const std::string& prefix) {
    const auto endpoint = context_->endpoint("sqs", "SQS");
    std::vector<std::string> urls;
    std::string nextToken;
    do {
        // MaxResults turns paging on; without it SQS stops at 1000 queues and says nothing.
        std::vector<std::pair<std::string, std::string>> parameters{{"MaxResults", "1000"}};
        if (!prefix.empty()) {
            parameters.emplace_back("QueueNamePrefix", prefix);
        }
        if (!nextToken.empty()) {
            parameters.emplace_back("NextToken", nextToken);
        }
        const auto answer = xml::parse(call(endpoint, "ListQueues", parameters, kCallTimeout));
        for (const auto* node : answer.findAll("QueueUrl")) {
            urls.push_back(node->text);
        }
        const auto next = answer.textOf("NextToken");
        if (!next.empty() && next == nextToken) {
            break; // the same token twice would loop forever
        }
        nextToken = next;
    } while (!nextToken.empty());
    std::sort(urls.begin(), urls.end());
    urls.erase(std::unique(urls.begin(), urls.end()), urls.end());
    return urls;
}

std::vector<SqsMessage> SqsClient::receive(const std::string& queueUrl, int maxMessages, int visibilityTimeoutSeconds,
                                           int waitTimeSeconds) {
    const auto answer = xml::parse(call(queueUrl, "ReceiveMessage",
                                        {{"MaxNumberOfMessages", std::to_string(maxMessages)},
                                         {"VisibilityTimeout", std::to_string(visibilityTimeoutSeconds)},
                                         {"WaitTimeSeconds", std::to_string(waitTimeSeconds)}},
                                        std::chrono::seconds(waitTimeSeconds) + kLongPollMargin));
    std::vector<SqsMessage> messages;
    for (const auto* node : answer.findAll("Message")) {
        messages.push_back({node->textOf("MessageId"), node->textOf("ReceiptHandle"), node->textOf("Body")});
    }
    return messages;
}

void SqsClient::deleteMessage(const std::string& queueUrl, const std::string& receiptHandle) {
    call(queueUrl, "DeleteMessage", {{"ReceiptHandle", receiptHandle}}, kCallTimeout);
}

} // namespace maelstrom::aws
