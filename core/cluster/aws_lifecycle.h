// aws_lifecycle.h — the node's AWS lifecycle: the Auto Scaling lifecycle-hook queue poller (held by one node
// through the `aws-terminate-poller` role, it sends TerminateNode for each termination notice), the accepting side
// of TerminateNode (delete the queue message, shut down gracefully, then CompleteLifecycleAction and the terminate
// command), and the spot interruption poller (instance metadata; a stop or terminate notice shuts the node down
// and runs the terminate command).
// SPDX-License-Identifier: Apache-2.0
//
// Nothing here talks to AWS before it is needed: the clients are made by the factory on first use (start() with a
// poller configured, or an accepted TerminateNode), so a node without MAEL_AWS_* settings makes no AWS call, reads
// no credentials and looks up no region.
// Differences from the reference, on purpose: a body that is not JSON, or a notice without an instance id (Auto
// Scaling's TEST_NOTIFICATION), is deleted (the reference aborted the pass on the first, and let the second
// reappear every minute until it aged out); a notice accepted by this node is not also sent to every peer (the
// reference's TerminateNode never said it accepted, so it always broadcast); the metadata request has a 2 s
// timeout; the role is released when the poller stops.
// Threads: start()/stop()/finishShutdown() from the owner's thread; accept() from any thread (RPC workers, the
// queue poller); each poller runs on a thread of its own.
#pragma once

#include "cluster/peer_client.h"

#include <maelstrom/sdk/event_source.h>
#include <maelstrom/sdk/model.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace maelstrom::aws {
class SqsApi;
class AutoScalingApi;
} // namespace maelstrom::aws

namespace maelstrom::core {

inline constexpr const char* kAwsTerminatePollerRole = "aws-terminate-poller";
inline constexpr std::chrono::seconds kAwsTerminatePollerLease{95};
inline constexpr const char* kSpotInstanceActionPath = "/latest/meta-data/spot/instance-action";

struct AwsLifecycleSettings {
    std::string instanceId;                          ///< MAEL_INSTANCE_ID
    std::string queueUrl;                            ///< MAEL_AWS_TERMINATE_QUEUE_URL; empty: no queue poller
    std::chrono::seconds queuePollInterval{30};      ///< MAEL_AWS_TERMINATE_POLL_SECONDS
    std::chrono::seconds maxMessageAge{600};         ///< MAEL_AWS_TERMINATE_MAX_AGE_SECONDS
    std::chrono::seconds spotPollInterval{0};        ///< MAEL_AWS_SPOT_TERMINATE_POLL_SECONDS; 0: no spot poller
    std::string terminateCommand;                    ///< MAEL_TERMINATE_COMMAND; empty: none
    std::chrono::seconds commandTimeout{300};        ///< the command is killed after this long
    std::chrono::milliseconds metadataTimeout{2000}; ///< each instance-metadata request
};

/// The AWS calls the lifecycle makes, as seams (tests pass fakes). The poll clients are aborted by stop(), so a
/// long poll never holds the shutdown; the action clients must keep working after that (CompleteLifecycleAction
/// runs at the very end of the shutdown).
struct AwsLifecycleClients {
    std::shared_ptr<aws::SqsApi> pollSqs;   ///< ReceiveMessage and the poller's deletes of unusable messages
    std::shared_ptr<aws::SqsApi> actionSqs; ///< the accepted message's delete
    std::shared_ptr<aws::AutoScalingApi> autoScaling;
    /// GET of an instance-metadata path: its body, nullopt on 404. @throws on other failures.
    std::function<std::optional<std::string>(const std::string& path, std::chrono::milliseconds timeout)> metadata;
    /// Aborts every poll request in flight (and makes later ones fail at once).
    std::function<void()> abortPolling;
};
using AwsLifecycleClientsFactory = std::function<AwsLifecycleClients()>;

/// The real clients: one AwsContext (AWS_REGION, the credentials chain, AWS_ENDPOINT_URL_SQS,
/// AWS_ENDPOINT_URL_AUTO_SCALING, AWS_EC2_METADATA_SERVICE_ENDPOINT...) for the pollers and one for the actions.
AwsLifecycleClients makeAwsLifecycleClients();

/// How the lifecycle reaches the cluster: TerminateNode here (NodeService::terminate), the peers of this node's
/// view, and TerminateNode on one of them (PeerClient; may throw).
struct AwsLifecycleCluster {
    std::function<TerminateAnswer(const AwsLifecycleHook&)> terminateHere;
    std::function<std::vector<sdk::NodeStatus>()> peers;
    std::function<TerminateAnswer(const sdk::NodeStatus&, const AwsLifecycleHook&)> terminateOn;
};

/// A lifecycle-hook notice as Auto Scaling sends it to the queue (field names matched case-insensitively).
struct LifecycleNotice {
    std::string accountId;
    std::string requestId;
    std::string time; ///< "2006-01-02T15:04:05.000Z"
    std::string service;
    std::string autoScalingGroupName;
    std::string ec2InstanceId;
    std::string lifecycleActionToken;
    std::string lifecycleHookName;
    std::string lifecycleTransition; ///< e.g. autoscaling:EC2_INSTANCE_TERMINATING; "" when absent
};

/// Parses a queue message body. A member that is not a string reads as "". @throws std::invalid_argument when
/// the body is not a JSON object.
LifecycleNotice parseLifecycleNotice(const std::string& body);
/// "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (UTC); nullopt when it does not parse.
std::optional<std::chrono::system_clock::time_point> parseNoticeTime(const std::string& text);

/// What the poller does with one message.
enum class NoticeAction {
    Collect,        ///< a termination notice for an instance: send TerminateNode
    DeleteNotJson,  ///< the body is not a JSON object: it can never be acted on
    DeleteOld,      ///< Time missing, unparseable or older than the maximum age
    DeleteNoTarget, ///< no EC2InstanceId (a test notification)
    Leave,          ///< another transition (a launch hook on the same queue): left for its owner, until it ages out
};
NoticeAction classifyNotice(const std::string& body, std::chrono::system_clock::time_point now,
                            std::chrono::seconds maxAge, LifecycleNotice* notice = nullptr);

/// MAEL_TERMINATE_COMMAND split on single spaces (empty pieces from repeated spaces are dropped). No shell: quotes,
/// `;`, `$` and globs are passed on literally.
std::vector<std::string> splitTerminateCommand(const std::string& command);

struct CommandOutcome {
    bool started = false;
    bool timedOut = false; ///< killed after the timeout
    int exitCode = -1;     ///< when it exited
    int signal = 0;        ///< when a signal ended it
    std::string error;     ///< why it did not start
    std::string describe() const;
};
/// Runs argv[0] (looked up in PATH) with its arguments directly (no shell), stdin from /dev/null, stdout and
/// stderr shared with this process, no other descriptor inherited, default signal dispositions and an empty
/// signal mask; waits for it up to `timeout`, then kills it.
CommandOutcome runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

class AwsLifecycle {
public:
    /// `roles` may be null (no database: the queue poller runs without the role). `requestShutdown` starts this
    /// process's graceful shutdown; it must return at once.
    AwsLifecycle(AwsLifecycleSettings settings, AwsLifecycleClientsFactory clients,
                 std::shared_ptr<sdk::RoleLocks> roles, AwsLifecycleCluster cluster,
                 std::function<void()> requestShutdown);
    ~AwsLifecycle();
    AwsLifecycle(const AwsLifecycle&) = delete;
    AwsLifecycle& operator=(const AwsLifecycle&) = delete;

    /// Whether a poller is configured (a queue URL, or a spot poll interval > 0).
    bool pollersConfigured() const;
    /// Starts the configured pollers (none: nothing happens, no AWS client is made).
    void start();
    /// Stops the pollers (aborting their requests in flight) and releases the poller role when held here.
    void stop();

    /// TerminateNode accepted by this node: deletes the queue message (when the hook names one), remembers the
    /// hook for finishShutdown() and requests the graceful shutdown. AWS errors are logged, never thrown.
    void accept(const AwsLifecycleHook& hook);
    /// After the graceful shutdown: CompleteLifecycleAction(CONTINUE) for each accepted hook, then the terminate
    /// command when the shutdown came from AWS (an accepted hook or a spot notice). Nothing on a plain SIGTERM.
    void finishShutdown();
    /// Whether AWS asked this node to go (accepted hook or spot notice).
    bool terminationRequested() const;

    /// One pass of the queue poller (the role held): receive until a batch has nothing to collect.
    /// @return the notices collected (sent to the cluster).
    std::size_t pollQueueOnce();
    /// One look at the spot instance action. @return true when it says stop or terminate (shutdown requested).
    bool pollSpotOnce();

    /// Prometheus text for `/_mael/metrics` (empty when no poller is configured and nothing happened):
    ///   maelstrom_aws_terminate_messages_total{outcome}  lifecycle-queue messages this node read, by what it did:
    ///       collected (TerminateNode sent), deleted_not_json, deleted_old, deleted_no_instance, left
    ///   maelstrom_aws_termination_requests_total{source}  AWS asked this node to go: lifecycle_hook, spot
    std::string renderMetrics() const;

private:
    AwsLifecycleClients& clients();
    void queueLoop(std::stop_token stop);
    void spotLoop(std::stop_token stop);
    void sendTerminate(const AwsLifecycleHook& hook);
    void deletePolled(const std::string& receiptHandle, const char* why);

    const AwsLifecycleSettings settings_;
    AwsLifecycleClientsFactory factory_;
    std::shared_ptr<sdk::RoleLocks> roles_;
    AwsLifecycleCluster cluster_;
    std::function<void()> requestShutdown_;

    mutable std::mutex mutex_;
    std::optional<AwsLifecycleClients> clients_; ///< guarded by mutex_; made on first use
    std::vector<AwsLifecycleHook> accepted_;     ///< guarded by mutex_
    bool spotNotice_ = false;                    ///< guarded by mutex_
    bool shutdownRequested_ = false;             ///< guarded by mutex_
    bool stopping_ = false;                      ///< guarded by mutex_
    bool roleHeld_ = false;                      ///< queue poller thread only (read by stop() after joining it)
    std::array<std::atomic<std::uint64_t>, 5> messages_{}; ///< by NoticeAction
    std::atomic<std::uint64_t> hookRequests_{0};
    std::atomic<std::uint64_t> spotRequests_{0};

    std::jthread queueThread_;
    std::jthread spotThread_;
};

} // namespace maelstrom::core
