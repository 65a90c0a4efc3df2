// sqs.h — aws: the Amazon SQS calls the sqs event source makes, over SQS's query protocol (form-encoded POST,
// XML answers). SqsApi is the seam its driver is tested through with a fake.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "aws/context.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace maelstrom::aws {

struct SqsMessage {
    std::string messageId;
    std::string receiptHandle;
    std::string body;
};

class SqsApi {
public:
    virtual ~SqsApi();
    /// GetQueueUrl; nullopt when the queue does not exist (AWS.SimpleQueueService.NonExistentQueue).
    virtual std::optional<std::string> queueUrl(const std::string& name) = 0;
    /// ListQueues(QueueNamePrefix) with every page, sorted ascending.
    virtual std::vector<std::string> listQueueUrls(const std::string& prefix) = 0;
    /// ReceiveMessage: up to maxMessages (1-10), hidden for visibilityTimeoutSeconds, long poll waitTimeSeconds.
    virtual std::vector<SqsMessage> receive(const std::string& queueUrl, int maxMessages, int visibilityTimeoutSeconds,
                                            int waitTimeSeconds) = 0;
    virtual void deleteMessage(const std::string& queueUrl, const std::string& receiptHandle) = 0;
    /// Ends calls in flight and makes later ones throw AwsError "Aborted" (shutdown).
    virtual void abort() = 0;
};

/// The real SQS. GetQueueUrl and ListQueues go to context->endpoint("sqs", "SQS"); the queue's own calls to the
/// queue URL. Errors throw AwsError with the service's <Code>. abort() aborts the whole context.
class SqsClient : public SqsApi {
public:
    explicit SqsClient(std::shared_ptr<AwsContext> context);

    std::optional<std::string> queueUrl(const std::string& name) override;
    std::vector<std::string> listQueueUrls(const std::string& prefix) override;
    std::vector<SqsMessage> receive(const std::string& queueUrl, int maxMessages, int visibilityTimeoutSeconds,
                                    int waitTimeSeconds) override;
    void deleteMessage(const std::string& queueUrl, const std::string& receiptHandle) override;
    void abort() override;

private:
    /// POSTs Action=<action>&Version=2012-11-05&<parameters> to url; returns the XML body of a 2xx answer.
    std::string call(const std::string& url, const std::string& action,
                     const std::vector<std::pair<std::string, std::string>>& parameters,
                     std::chrono::milliseconds timeout);

    std::shared_ptr<AwsContext> context_;
};

} // namespace maelstrom::aws
