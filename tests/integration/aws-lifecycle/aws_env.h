// aws_env.h — what the AWS lifecycle end-to-end tests share: the local AWS endpoints of tests/services (sqslite
// behind its wrapper for SQS, the fake Auto Scaling + instance-metadata service), queues made and read through
// SQS's query protocol, the lifecycle actions the fake recorded, the spot notice it serves, and the environment
// that points a maelstromd at all of them.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace maelstrom::testing::aws_lifecycle {

/// SQS (tests/services/start-sqs.sh) and the Auto Scaling / metadata fake (start-aws-fakes.sh).
inline constexpr int kSqsPort = 9324;
inline constexpr int kFakesPort = 9325;
std::string sqsEndpoint();   ///< http://127.0.0.1:9324
std::string fakesEndpoint(); ///< http://127.0.0.1:9325

/// Whether both endpoints answer; `why` names the one that does not.
bool endpointsAvailable(std::string* why);

/// AWS_* variables for maelstromd (and this process's own calls): region, the test credentials the fakes verify,
/// the endpoint overrides; every other AWS_* variable of this environment removed ("-NAME").
std::map<std::string, std::string> awsEnvironment();

/// Creates queue `name` (new and empty) and returns its URL.
std::string createQueue(const std::string& name);
void deleteQueue(const std::string& queueUrl);
/// SendMessage; returns the message id.
std::string sendMessage(const std::string& queueUrl, const std::string& body);
/// ApproximateNumberOfMessages + ApproximateNumberOfMessagesNotVisible.
int messagesInQueue(const std::string& queueUrl);

/// A lifecycle-hook notice as Auto Scaling writes it, for `instanceId`, sent `age` ago.
std::string lifecycleNotice(const std::string& instanceId, const std::string& group, const std::string& hook,
                            const std::string& token, std::chrono::seconds age = std::chrono::seconds(0));

/// One CompleteLifecycleAction the fake received.
struct LifecycleAction {
    std::string group, hook, token, instanceId, result;
    bool signatureValid = false;
    std::string raw; ///< the record as the fake wrote it (for messages)
};
std::vector<LifecycleAction> lifecycleActions();
/// Forgets the recorded lifecycle actions.
void resetLifecycleActions();
/// The spot instance action the metadata service serves ("" : none, 404).
void setSpotAction(const std::string& action);

} // namespace maelstrom::testing::aws_lifecycle
