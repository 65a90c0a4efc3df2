// aws_env.h — what the end-to-end tests against the local AWS endpoints share (the sqs and awsstepfunc plugins in
// this folder, the AWS node lifecycle in tests/integration/aws-lifecycle): the endpoints of tests/services (sqslite
// behind its wrapper for SQS on 127.0.0.1:9324; the fakes of Step Functions, Auto Scaling and the instance metadata
// service on 127.0.0.1:9325), started by their scripts; a maelstromd whose registry runs the sqs and awsstepfunc
// plugins with short reload periods and whose environment points at those endpoints; queues made, filled and
// counted through SQS's query protocol (the wrapper ignores signatures); activity tasks queued on the fake; the
// lifecycle actions the fake recorded and the spot notice it serves; the requests both endpoints recorded; project
// YAML with sqs / awsstepfunc event sources firing into the fixture's /script route.
// SPDX-License-Identifier: Apache-2.0
//
// Message and task bodies are fixture scripts: "id=<tag>\n" followed by the lines /script obeys (sleep=, status=,
// header=, body=), so every request the component got names its message in the container's log.
#pragma once

#include "cron_env.h"
#include "lifecycle_env.h"

#include <Poco/JSON/Object.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace maelstrom::testing::aws {

using lifecycle::Daemon;

inline constexpr int kSqsPort = 9324;
inline constexpr int kFakesPort = 9325;
std::string sqsEndpoint();   ///< http://127.0.0.1:9324
std::string fakesEndpoint(); ///< http://127.0.0.1:9325

/// Runs tests/services/start-sqs.sh and start-aws-fakes.sh (idempotent) and checks both endpoints answer; `why`
/// names what is missing.
bool endpointsAvailable(std::string* why);

/// maelstromd's environment: region, the test credentials, every endpoint (SQS, Step Functions, Auto Scaling, the
/// metadata service) pointed at the local ones; every other AWS_* variable of this environment and the node
/// lifecycle's own (MAEL_INSTANCE_ID, MAEL_AWS_TERMINATE_QUEUE_URL, MAEL_AWS_SPOT_TERMINATE_POLL_SECONDS) removed
/// ("-NAME") and the shared files pointed nowhere, so the host's setup plays no part. Without a queue or a spot
/// poll period a node makes no lifecycle call, so the endpoints it does not use cost nothing.
std::map<std::string, std::string> awsEnvironment();
/// No credentials and no region, but every endpoint (the metadata service too) pointed at the local ones: any
/// AWS call such a node made would show in their request logs.
std::map<std::string, std::string> noCredentialsEnvironment();

/// The registry's event_sources entries: sqs (reload_seconds 1) and awsstepfunc (reload_seconds 1,
/// heartbeat_seconds 1).
std::string eventSourcesYaml();
/// A maelstromd on SQLite in `dataDir` with that registry and `env` (awsEnvironment() by default).
std::unique_ptr<Daemon> startDaemon(const std::filesystem::path& dataDir,
                                    const std::map<std::string, std::string>& env = awsEnvironment());

/// Milliseconds since the Unix epoch, now (the endpoints' request logs use it).
std::int64_t nowMillis();

// ---- SQS (through the wrapper) ----

/// Creates queue `name` (empty: an existing one is purged) and returns its URL.
std::string createQueue(const std::string& name);
void deleteQueue(const std::string& queueUrl);
/// SendMessage; returns the message id.
std::string sendMessage(const std::string& queueUrl, const std::string& body);
struct QueueCounts {
    int visible = 0;  ///< ApproximateNumberOfMessages
    int inFlight = 0; ///< ApproximateNumberOfMessagesNotVisible
    int total() const { return visible + inFlight; }
};
QueueCounts queueCounts(const std::string& queueUrl);

/// One request the SQS wrapper received.
struct SqsCall {
    std::int64_t startedAt = 0;          ///< Unix ms: the request arrived
    std::int64_t at = 0;                 ///< Unix ms: answered (a long poll ends up to its wait time later)
    bool pending = false;                ///< not answered yet
    std::string action;                  ///< ReceiveMessage, DeleteMessage, ...
    std::string queueName;               ///< "" for endpoint actions (ListQueues, GetQueueUrl, CreateQueue)
    std::string client;                  ///< who sent it: the access key it signed with (else user agent or address)
    std::vector<std::string> messageIds; ///< ReceiveMessage: the messages it answered; DeleteMessage: the one
                                         ///< deleted (when the wrapper resolves the receipt handle)
    std::vector<std::string> receiptHandles; ///< ReceiveMessage: the handles answered; DeleteMessage: the one sent
    Poco::JSON::Object::Ptr raw;
    std::string text() const; ///< one line for messages
};
/// The requests the wrapper received since `sinceMillis`, oldest first.
std::vector<SqsCall> sqsCalls(std::int64_t sinceMillis);
/// The calls of one action (and queue, when `queueUrl` is not empty; matched by the queue's name).
std::vector<SqsCall> callsOf(const std::vector<SqsCall>& calls, const std::string& action,
                             const std::string& queueUrl = "");
/// The queue name of a queue URL (its last path segment).
std::string queueNameOf(const std::string& queueUrl);
/// The calls one per line, for failure messages (the last `max`).
std::string joined(const std::vector<SqsCall>& calls, std::size_t max = 60);
/// Whether the wrapper's log names the messages of receives and deletes (ids, or handles it resolves).
bool namesMessages(const std::vector<SqsCall>& calls);
/// DeleteMessage calls on `queueUrl` per message id (a delete whose message cannot be named counts under "?").
std::map<std::string, int> deletesByMessage(const std::vector<SqsCall>& calls, const std::string& queueUrl);
/// The most messages of `queueUrl` received and not yet deleted at any moment (every message is assumed to be
/// deleted in the end: use it where every message is answered 200).
int maxUndeleted(const std::vector<SqsCall>& calls, const std::string& queueUrl);

// ---- Step Functions (the fake) ----

/// Queues a task for the activity named `activityName`; returns what the fake answered (its task record).
Poco::JSON::Object::Ptr postTask(const std::string& activityName, const std::string& input);
/// One task as the fake keeps it.
struct FakeTask {
    std::string id; ///< the fake's id or task token
    std::string activityArn;
    std::string activityName;
    std::string input;
    std::string status;       ///< as the fake names it (e.g. queued, running, succeeded, failed)
    std::string output;       ///< SendTaskSuccess output
    std::string error, cause; ///< SendTaskFailure
    int heartbeats = 0;
    Poco::JSON::Object::Ptr raw;
    std::string text() const;
};
std::vector<FakeTask> fakeTasks();
/// One request the fake received.
struct FakeCall {
    std::int64_t startedAt = 0; ///< Unix ms: the request arrived
    std::int64_t at = 0;        ///< Unix ms: answered (GetActivityTask is held up to 60 s)
    bool pending = false;       ///< not answered yet
    bool closedByClient = false;
    std::string action;  ///< GetActivityTask, SendTaskSuccess, ... (also lifecycle and metadata requests)
    std::string service; ///< states, autoscaling, imds
    bool signatureValid = false;
    std::string signatureNote; ///< why not, when the fake says
    std::string accessKeyId;
    Poco::JSON::Object::Ptr raw;
    std::string text() const;
};
std::vector<FakeCall> fakeCalls(std::int64_t sinceMillis);
std::string joined(const std::vector<FakeCall>& calls, std::size_t max = 60);

// ---- Auto Scaling and the instance metadata service (the fake) ----

/// A lifecycle-hook notice as Auto Scaling writes it to the queue, for `instanceId`, sent `age` ago.
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
/// The spot instance action the metadata service serves ("": none, 404).
void setSpotAction(const std::string& action);

// ---- project YAML ----

struct SqsYaml {
    std::string key;
    std::string queueName;
    std::string path = "/script";
    bool nameAsPrefix = false;
    int maxConcurrency = 0;       ///< 0: not written (the default)
    int messagesPerPoll = 0;      ///< 0: not written
    int concurrencyPerPoller = 0; ///< 0: not written
    int visibilityTimeout = 0;    ///< 0: not written
};
struct StepYaml {
    std::string key;
    std::string activityName;
    std::string path = "/script";
    int maxConcurrency = 0;       ///< 0: not written
    int concurrencyPerPoller = 0; ///< 0: not written
};
/// A project with one fixture component `key` (reachable at `hostname`, component keys `extra` such as
/// "maxconcurrency: 10") and the given event sources.
std::string awsProject(const std::string& project, const std::string& key, const std::string& hostname,
                       const std::vector<SqsYaml>& sqs, const std::vector<StepYaml>& steps,
                       const std::vector<std::string>& extra = {});

// ---- what the component got ----

/// The /script requests every container of `component` logged, oldest first (cron::hits).
std::vector<cron::Hit> scriptHits(const std::string& component);
/// The `id=` tag of a hit's body ("" when it has none).
std::string hitId(const cron::Hit& hit);
/// How many hits carry each tag.
std::map<std::string, int> hitCounts(const std::vector<cron::Hit>& hits);

} // namespace maelstrom::testing::aws
