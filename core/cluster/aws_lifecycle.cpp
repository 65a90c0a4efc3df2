// aws_lifecycle.cpp — see aws_lifecycle.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster/aws_lifecycle.h"

#include "aws/autoscaling.h"
#include "aws/context.h"
#include "aws/imds.h"
#include "aws/sqs.h"
#include "metrics/prometheus_text.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <future>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace maelstrom::core {
namespace {

Poco::Logger& log() { return Poco::Logger::get("maelstrom.aws"); }

constexpr int kReceiveMaxMessages = 10;
constexpr int kReceiveVisibilitySeconds = 60;
constexpr int kReceiveWaitSeconds = 2;
// Failures that repeat every poll (no metadata service off EC2, a queue that is away) are logged at information
// level at most this often, at debug level otherwise.
constexpr std::chrono::minutes kRepeatedFailureLogInterval{10};

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

/// Logs a failure that may repeat on every poll: at `first` level the first time and then every
/// kRepeatedFailureLogInterval, at debug level in between.
class RepeatedFailureLog {
public:
    void report(const std::string& message) {
        const auto now = std::chrono::steady_clock::now();
        if (!last_ || now - *last_ >= kRepeatedFailureLogInterval) {
            last_ = now;
            core::log().information(message + " (repeats are logged at debug level for the next 10 minutes)");
        } else {
            core::log().debug(message);
        }
    }

private:
    std::optional<std::chrono::steady_clock::time_point> last_;
};

/// Sleeps `interval`, or less when `stop` is requested. @return false when stopped.
bool pause(std::stop_token stop, std::chrono::milliseconds interval) {
    std::mutex mutex;
    std::condition_variable_any sleep; // nobody notifies it: the pause ends on time or on stop
    std::unique_lock lock(mutex);
    sleep.wait_for(lock, stop, interval, [] { return false; });
    return !stop.stop_requested();
}

std::string hookText(const AwsLifecycleHook& hook) {
    return "instance " + hook.instanceId + " (group " + hook.autoScalingGroupName + ", hook " + hook.lifecycleHookName +
           ")";
}

} // namespace

AwsLifecycleClients makeAwsLifecycleClients() {
    // Two contexts: stop() aborts the pollers' one, so a long poll never holds the shutdown, while the other still
    // deletes the accepted message and completes the lifecycle action at the end of it.
    auto pollContext = aws::AwsContext::create();
    auto actionContext = aws::AwsContext::create();
    AwsLifecycleClients clients;
    clients.pollSqs = std::make_shared<aws::SqsClient>(pollContext);
    clients.actionSqs = std::make_shared<aws::SqsClient>(actionContext);
    clients.autoScaling = std::make_shared<aws::AutoScalingClient>(actionContext);
    clients.metadata = [pollContext](const std::string& path, std::chrono::milliseconds timeout) {
        return pollContext->imds().get(path, timeout);
    };
    clients.abortPolling = [pollContext] { pollContext->abort(); };
    return clients;
}

LifecycleNotice parseLifecycleNotice(const std::string& body) {
    Poco::Dynamic::Var value;
    try {
        value = Poco::JSON::Parser().parse(body);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("not JSON: " + e.displayText());
    }
    if (value.type() != typeid(Poco::JSON::Object::Ptr)) {
        throw std::invalid_argument("not a JSON object");
    }
    const auto object = value.extract<Poco::JSON::Object::Ptr>();
    LifecycleNotice notice;
    // Go's encoding/json matches field names case-insensitively; so do we.
    const std::pair<const char*, std::string LifecycleNotice::*> fields[] = {
        {"accountid", &LifecycleNotice::accountId},
        {"requestid", &LifecycleNotice::requestId},
        {"time", &LifecycleNotice::time},
        {"service", &LifecycleNotice::service},
        {"autoscalinggroupname", &LifecycleNotice::autoScalingGroupName},
        {"ec2instanceid", &LifecycleNotice::ec2InstanceId},
        {"lifecycleactiontoken", &LifecycleNotice::lifecycleActionToken},
        {"lifecyclehookname", &LifecycleNotice::lifecycleHookName},
        {"lifecycletransition", &LifecycleNotice::lifecycleTransition},
    };
    for (const auto& [name, member] : *object) {
        const std::string key = lower(name);
        for (const auto& [field, target] : fields) {
            if (key == field && member.isString()) {
                notice.*target = member.extract<std::string>();
            }
        }
    }
    return notice;
}

std::optional<std::chrono::system_clock::time_point> parseNoticeTime(const std::string& text) {
    std::tm tm{};
    const char* rest = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (rest == nullptr) {
        return std::nullopt;
    }
    std::chrono::nanoseconds fraction{0};
    if (*rest == '.') {
        ++rest;
        std::int64_t scale = 100000000;
        const char* digits = rest;
        while (std::isdigit(static_cast<unsigned char>(*rest))) {
            fraction += std::chrono::nanoseconds((*rest - '0') * scale);
            scale /= 10;
            ++rest;
        }
        if (rest == digits) {
            return std::nullopt;
        }
    }
    if (std::string(rest) != "Z") {
        return std::nullopt;
    }
    const std::time_t seconds = ::timegm(&tm);
    return std::chrono::system_clock::from_time_t(seconds) +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(fraction);
}

NoticeAction classifyNotice(const std::string& body, std::chrono::system_clock::time_point now,
                            std::chrono::seconds maxAge, LifecycleNotice* notice) {
    LifecycleNotice parsed;
    try {
        parsed = parseLifecycleNotice(body);
    } catch (const std::invalid_argument&) {
        return NoticeAction::DeleteNotJson;
    }
    const auto at = parseNoticeTime(parsed.time);
    NoticeAction action = NoticeAction::Collect;
    if (!at || now - *at > maxAge) {
        action = NoticeAction::DeleteOld;
    } else if (parsed.ec2InstanceId.empty()) {
        // Auto Scaling's TEST_NOTIFICATION (sent when a hook is created) and anything else that names no instance
        // can never be acted on; the reference left them to reappear every minute until they aged out.
        action = NoticeAction::DeleteNoTarget;
    } else if (!parsed.lifecycleTransition.empty() &&
               parsed.lifecycleTransition.find("TERMINATING") == std::string::npos) {
        // A launch hook's notice on the same queue is not a reason to shut an instance down.
        action = NoticeAction::Leave;
    }
    if (notice) {
        *notice = std::move(parsed);
    }
    return action;
}

std::vector<std::string> splitTerminateCommand(const std::string& command) {
    std::vector<std::string> argv;
    std::size_t start = 0;
    while (start <= command.size()) {
        const std::size_t space = command.find(' ', start);
        const std::size_t end = space == std::string::npos ? command.size() : space;
        if (end > start) {
            argv.push_back(command.substr(start, end - start));
        }
        start = end + 1;
    }
    return argv;
}

std::string CommandOutcome::describe() const {
    if (!started) {
        return "did not start: " + error;
    }
    if (timedOut) {
        return "killed after the timeout";
    }
    if (signal != 0) {
        return "ended by signal " + std::to_string(signal);
    }
    return "exit status " + std::to_string(exitCode);
}

CommandOutcome runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    CommandOutcome outcome;
    if (argv.empty()) {
        outcome.error = "empty command";
        return outcome;
    }
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);

    // maelstromd blocks SIGINT/SIGTERM/SIGQUIT in every thread (they are taken with sigwait): the child starts with
    // an empty mask and default dispositions instead, and inherits no descriptor but stdin (/dev/null), stdout and
    // stderr (listening sockets, the database, Docker's socket stay here).
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        outcome.error = std::string(argv[0]) + ": " + std::strerror(rc);
        return outcome;
    }
    outcome.started = true;

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (true) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            break;
        }
        if (done < 0 && errno != EINTR) {
            outcome.error = std::string("waitpid: ") + std::strerror(errno);
            return outcome;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            outcome.timedOut = true;
            return outcome;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (WIFEXITED(status)) {
        outcome.exitCode = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        outcome.signal = WTERMSIG(status);
    }
    return outcome;
}

AwsLifecycle::AwsLifecycle(AwsLifecycleSettings settings, AwsLifecycleClientsFactory clients,
                           std::shared_ptr<sdk::RoleLocks> roles, AwsLifecycleCluster cluster,
                           std::function<void()> requestShutdown)
    : settings_(std::move(settings)), factory_(std::move(clients)), roles_(std::move(roles)),
      cluster_(std::move(cluster)), requestShutdown_(std::move(requestShutdown)) {}

AwsLifecycle::~AwsLifecycle() { stop(); }

bool AwsLifecycle::pollersConfigured() const {
    return !settings_.queueUrl.empty() || settings_.spotPollInterval.count() > 0;
}

AwsLifecycleClients& AwsLifecycle::clients() {
    std::lock_guard lock(mutex_);
    if (!clients_) {
        clients_ = factory_();
        if (stopping_ && clients_->abortPolling) {
            clients_->abortPolling();
        }
    }
    return *clients_; // made once, never replaced: the reference stays valid
}

void AwsLifecycle::start() {
    if (!settings_.queueUrl.empty()) {
        log().information("aws: reading lifecycle-hook notices from " + settings_.queueUrl + " every " +
                          std::to_string(settings_.queuePollInterval.count()) + " s (role " + kAwsTerminatePollerRole +
                          ")");
        queueThread_ = std::jthread([this](std::stop_token stop) { queueLoop(stop); });
    }
    if (settings_.spotPollInterval.count() > 0) {
        log().information("aws: watching for a spot interruption notice every " +
                          std::to_string(settings_.spotPollInterval.count()) + " s");
        spotThread_ = std::jthread([this](std::stop_token stop) { spotLoop(stop); });
    }
    if (settings_.instanceId.empty() && !settings_.queueUrl.empty()) {
        log().warning("aws: instance_id (MAEL_INSTANCE_ID) is not set, so no lifecycle notice can name this node");
    }
}

void AwsLifecycle::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        if (clients_ && clients_->abortPolling) {
            clients_->abortPolling();
        }
    }
    queueThread_.request_stop();
    spotThread_.request_stop();
    if (queueThread_.joinable()) {
        queueThread_.join();
    }
    if (spotThread_.joinable()) {
        spotThread_.join();
    }
    if (roleHeld_ && roles_) {
        roleHeld_ = false;
        try {
            roles_->release(kAwsTerminatePollerRole);
        } catch (const std::exception& e) {
            log().warning(std::string("aws: releasing the ") + kAwsTerminatePollerRole +
                          " role (it expires by itself): " + e.what());
        }
    }
}

void AwsLifecycle::queueLoop(std::stop_token stop) {
    RepeatedFailureLog failures;
    while (pause(stop, settings_.queuePollInterval)) {
        if (roles_) {
            try {
                roleHeld_ = roles_->acquireOrRenew(kAwsTerminatePollerRole, kAwsTerminatePollerLease);
            } catch (const std::exception& e) {
                failures.report(std::string("aws: taking the ") + kAwsTerminatePollerRole + " role: " + e.what());
                continue;
            }
            if (!roleHeld_) {
                continue;
            }
        }
        try {
            pollQueueOnce();
        } catch (const std::exception& e) {
            if (stop.stop_requested()) {
                break;
            }
            failures.report("aws: reading lifecycle-hook notices from " + settings_.queueUrl + ": " + e.what());
        }
    }
}

void AwsLifecycle::deletePolled(const std::string& receiptHandle, const char* why) {
    try {
        clients().pollSqs->deleteMessage(settings_.queueUrl, receiptHandle);
    } catch (const std::exception& e) {
        log().warning(std::string("aws: deleting a lifecycle-queue message (") + why + "): " + e.what());
    }
}

std::size_t AwsLifecycle::pollQueueOnce() {
    std::size_t total = 0;
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                break;
            }
        }
        const auto messages = clients().pollSqs->receive(settings_.queueUrl, kReceiveMaxMessages,
                                                         kReceiveVisibilitySeconds, kReceiveWaitSeconds);
        const auto now = std::chrono::system_clock::now();
        std::vector<AwsLifecycleHook> collected;
        for (const auto& message : messages) {
            LifecycleNotice notice;
            const NoticeAction action = classifyNotice(message.body, now, settings_.maxMessageAge, &notice);
            ++messages_[static_cast<std::size_t>(action)];
            switch (action) {
            case NoticeAction::Collect:
                collected.push_back(AwsLifecycleHook{settings_.queueUrl, message.receiptHandle,
                                                     notice.autoScalingGroupName, notice.ec2InstanceId,
                                                     notice.lifecycleActionToken, notice.lifecycleHookName});
                break;
            case NoticeAction::DeleteNotJson:
                log().warning("aws: deleting lifecycle-queue message " + message.messageId +
                              ": its body is not a JSON object");
                deletePolled(message.receiptHandle, "not JSON");
                break;
            case NoticeAction::DeleteOld:
                log().information("aws: deleting lifecycle-queue message " + message.messageId + " (Time '" +
                                  notice.time + "' unparseable or older than " +
                                  std::to_string(settings_.maxMessageAge.count()) + " s)");
                deletePolled(message.receiptHandle, "too old");
                break;
            case NoticeAction::DeleteNoTarget:
                log().information("aws: deleting lifecycle-queue message " + message.messageId +
                                  " (names no EC2InstanceId, e.g. a test notification)");
                deletePolled(message.receiptHandle, "no instance");
                break;
            case NoticeAction::Leave:
                log().debug("aws: leaving lifecycle-queue message " + message.messageId + " (transition " +
                            notice.lifecycleTransition + ")");
                break;
            }
        }
        for (const auto& hook : collected) {
            sendTerminate(hook);
        }
        total += collected.size();
        if (collected.empty()) {
            break;
        }
        // A long pass keeps the role: the next batch is read only while this node still holds it.
        if (roles_ && !roles_->acquireOrRenew(kAwsTerminatePollerRole, kAwsTerminatePollerLease)) {
            roleHeld_ = false;
            break;
        }
    }
    return total;
}

void AwsLifecycle::sendTerminate(const AwsLifecycleHook& hook) {
    log().information("aws: termination notice for " + hookText(hook) + ": sending TerminateNode");
    if (cluster_.terminateHere) {
        try {
            if (cluster_.terminateHere(hook).acceptedMessage) {
                return; // this node's own instance: accept() took it
            }
        } catch (const std::exception& e) {
            log().warning(std::string("aws: TerminateNode on this node: ") + e.what());
        }
    }
    const auto peers = cluster_.peers ? cluster_.peers() : std::vector<sdk::NodeStatus>{};
    std::vector<std::future<std::optional<TerminateAnswer>>> calls;
    for (const auto& peer : peers) {
        calls.push_back(std::async(std::launch::async, [this, peer, &hook]() -> std::optional<TerminateAnswer> {
            try {
                return cluster_.terminateOn(peer, hook);
            } catch (const std::exception& e) {
                log().warning("aws: TerminateNode to node " + peer.nodeId + ": " + e.what());
                return std::nullopt;
            }
        }));
    }
    std::string acceptedBy;
    for (auto& call : calls) {
        if (const auto answer = call.get(); answer && answer->acceptedMessage) {
            acceptedBy = answer->nodeId;
        }
    }
    if (!acceptedBy.empty()) {
        log().information("aws: node " + acceptedBy + " accepted the termination of " + hookText(hook));
    } else {
        log().information("aws: no node of " + std::to_string(peers.size() + 1) + " runs " + hookText(hook) +
                          "; the notice stays queued until it is older than " +
                          std::to_string(settings_.maxMessageAge.count()) + " s");
    }
}

void AwsLifecycle::spotLoop(std::stop_token stop) {
    RepeatedFailureLog failures;
    while (pause(stop, settings_.spotPollInterval)) {
        try {
            if (pollSpotOnce()) {
                return;
            }
        } catch (const std::exception& e) {
            if (stop.stop_requested()) {
                return;
            }
            failures.report(std::string("aws: reading the spot instance action: ") + e.what());
        }
    }
}

bool AwsLifecycle::pollSpotOnce() {
    const auto body = clients().metadata(kSpotInstanceActionPath, settings_.metadataTimeout);
    if (!body) {
        return false; // 404: no interruption scheduled
    }
    std::string action;
    std::string time;
    try {
        const Poco::Dynamic::Var value = Poco::JSON::Parser().parse(*body);
        if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
            const auto object = value.extract<Poco::JSON::Object::Ptr>();
            action = object->optValue<std::string>("action", "");
            time = object->optValue<std::string>("time", "");
        }
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("spot instance action is not JSON: " + e.displayText());
    }
    if (action != "stop" && action != "terminate") {
        log().debug("aws: spot instance action '" + action + "': nothing to do");
        return false;
    }
    log().warning("aws: spot interruption notice (" + action + (time.empty() ? "" : " at " + time) +
                  "): shutting down gracefully");
    bool request = false;
    ++spotRequests_;
    {
        std::lock_guard lock(mutex_);
        spotNotice_ = true;
        request = !shutdownRequested_;
        shutdownRequested_ = true;
    }
    if (request && requestShutdown_) {
        requestShutdown_();
    }
    return true;
}

void AwsLifecycle::accept(const AwsLifecycleHook& hook) {
    bool request = false;
    {
        std::lock_guard lock(mutex_);
        const bool known = std::any_of(accepted_.begin(), accepted_.end(), [&](const AwsLifecycleHook& h) {
            return h.lifecycleActionToken == hook.lifecycleActionToken &&
                   h.lifecycleHookName == hook.lifecycleHookName && h.autoScalingGroupName == hook.autoScalingGroupName;
        });
        if (!known) {
            accepted_.push_back(hook);
            ++hookRequests_;
        }
        request = !shutdownRequested_;
        shutdownRequested_ = true;
    }
    if (!hook.queueUrl.empty() && !hook.messageReceiptHandle.empty()) {
        try {
            clients().actionSqs->deleteMessage(hook.queueUrl, hook.messageReceiptHandle);
            log().information("aws: deleted the lifecycle notice for " + hookText(hook) + " from " + hook.queueUrl);
        } catch (const std::exception& e) {
            log().warning("aws: deleting the lifecycle notice for " + hookText(hook) + ": " + e.what() +
                          " (it may be delivered again; this node goes anyway)");
        }
    }
    if (request && requestShutdown_) {
        requestShutdown_();
    }
}

std::string AwsLifecycle::renderMetrics() const {
    std::uint64_t any = hookRequests_ + spotRequests_;
    for (const auto& count : messages_) {
        any += count;
    }
    if (!pollersConfigured() && any == 0) {
        return "";
    }
    static constexpr const char* kOutcomes[] = {"collected", "deleted_not_json", "deleted_old", "deleted_no_instance",
                                                "left"};
    static_assert(std::size(kOutcomes) == std::tuple_size_v<decltype(messages_)>);
    std::string out;
    prometheus::header(out, "maelstrom_aws_terminate_messages_total", "counter",
                       "Lifecycle-queue messages this node read, by what it did with them.");
    for (std::size_t i = 0; i < messages_.size(); ++i) {
        prometheus::sample(out, "maelstrom_aws_terminate_messages_total",
                           std::string("outcome=\"") + kOutcomes[i] + "\"", messages_[i]);
    }
    prometheus::header(out, "maelstrom_aws_termination_requests_total", "counter",
                       "Times AWS asked this node to shut down (a lifecycle hook naming it, a spot notice).");
    prometheus::sample(out, "maelstrom_aws_termination_requests_total", "source=\"lifecycle_hook\"", hookRequests_);
    prometheus::sample(out, "maelstrom_aws_termination_requests_total", "source=\"spot\"", spotRequests_);
    return out;
}

bool AwsLifecycle::terminationRequested() const {
    std::lock_guard lock(mutex_);
    return !accepted_.empty() || spotNotice_;
}

void AwsLifecycle::finishShutdown() {
    std::vector<AwsLifecycleHook> hooks;
    bool spot = false;
    {
        std::lock_guard lock(mutex_);
        hooks.swap(accepted_);
        spot = spotNotice_;
        spotNotice_ = false;
    }
    if (hooks.empty() && !spot) {
        return;
    }
    for (const auto& hook : hooks) {
        if (hook.autoScalingGroupName.empty() || hook.lifecycleHookName.empty() || hook.lifecycleActionToken.empty()) {
            log().warning("aws: not completing the lifecycle action of " + hookText(hook) +
                          ": the notice named no group, hook or token");
            continue;
        }
        try {
            clients().autoScaling->completeLifecycleAction(hook.autoScalingGroupName, hook.lifecycleHookName,
                                                           hook.lifecycleActionToken, hook.instanceId, "CONTINUE");
            log().information("aws: completed the lifecycle action of " + hookText(hook) + " (CONTINUE)");
        } catch (const std::exception& e) {
            log().error("aws: CompleteLifecycleAction for " + hookText(hook) + ": " + e.what() +
                        " (Auto Scaling goes on after the hook's heartbeat timeout)");
        }
    }
    const auto argv = splitTerminateCommand(settings_.terminateCommand);
    if (argv.empty()) {
        return;
    }
    log().information("aws: running the terminate command: " + settings_.terminateCommand);
    const CommandOutcome outcome = runCommand(argv, settings_.commandTimeout);
    if (outcome.started && !outcome.timedOut && outcome.signal == 0 && outcome.exitCode == 0) {
        log().information("aws: the terminate command ended: " + outcome.describe());
    } else {
        log().error("aws: the terminate command " + outcome.describe());
    }
}

} // namespace maelstrom::core
