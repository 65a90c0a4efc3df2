// stepfunc_driver.cpp — see stepfunc_driver.h.
// SPDX-License-Identifier: Apache-2.0
#include "stepfunc_driver.h"

#include "aws/error.h"
#include "text.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/json_string.h>
#include <maelstrom/sdk/utf8.h>

#include <algorithm>
#include <atomic>
#include <cctype>

namespace maelstrom::plugins::awsstepfunc {
namespace {

/// A lease is trusted until this long before it ends, so a poller whose renewal failed stops before another node
/// can take its role.
constexpr std::chrono::milliseconds kLeaseSafetyMargin{5'000};
constexpr std::size_t kMaxErrorCharacters = 256;
constexpr std::size_t kMaxCauseCharacters = 32'768;
/// The same warning (per key) at most this often; the lines in between are counted.
constexpr std::chrono::minutes kRepeatedWarningEvery{1};
/// JSON deeper than this is treated as text (the validator is recursive).
constexpr int kMaxJsonDepth = 512;

/// The first header named `name` (any case) with a non-empty value.
std::optional<std::string> header(const sdk::InvokeResponse& response, std::string_view name) {
    for (const auto& h : response.headers) {
        if (queue_pollers::equalsIgnoreCase(h.name, name) && !h.value.empty()) {
            return h.value;
        }
    }
    return std::nullopt;
}

const aws::AwsError* awsError(const std::exception& e) { return dynamic_cast<const aws::AwsError*>(&e); }

bool isAborted(const std::exception& e) {
    const auto* aws = awsError(e);
    return aws && aws->code() == "Aborted";
}

/// Step Functions' answer for a task that timed out or whose execution ended.
bool isTaskGone(const std::exception& e) {
    const auto* aws = awsError(e);
    return aws && (aws->code() == "TaskTimedOut" || aws->code() == "TaskDoesNotExist");
}

std::string describe(const sdk::EventSource& source) {
    return "awsstepfunc event source " + source.name + " (component " + source.componentName + ", activity " +
           (source.awsstepfunc ? source.awsstepfunc->activityName : std::string()) + ")";
}

/// A strict RFC 8259 recogniser over UTF-8 text (validity of the bytes is checked separately).
class JsonRecogniser {
public:
    explicit JsonRecogniser(std::string_view text) : s_(text) {}

    bool document() {
        space();
        if (!value(0)) {
            return false;
        }
        space();
        return i_ == s_.size();
    }

private:
    bool value(int depth) {
        if (depth > kMaxJsonDepth || i_ >= s_.size()) {
            return false;
        }
        switch (s_[i_]) {
        case '{':
            return object(depth + 1);
        case '[':
            return array(depth + 1);
        case '"':
            return string();
        case 't':
            return literal("true");
        case 'f':
            return literal("false");
        case 'n':
            return literal("null");
        default:
            return number();
        }
    }

    bool object(int depth) {
        ++i_; // '{'
        space();
        if (peek('}')) {
            ++i_;
            return true;
        }
        while (true) {
            space();
            if (!peek('"') || !string()) {
                return false;
            }
            space();
            if (!peek(':')) {
                return false;
            }
            ++i_;
            space();
            if (!value(depth)) {
                return false;
            }
            space();
            if (peek('}')) {
                ++i_;
                return true;
            }
            if (!peek(',')) {
                return false;
            }
            ++i_;
        }
    }

    bool array(int depth) {
        ++i_; // '['
        space();
        if (peek(']')) {
            ++i_;
            return true;
        }
        while (true) {
            space();
            if (!value(depth)) {
                return false;
            }
            space();
            if (peek(']')) {
                ++i_;
                return true;
            }
            if (!peek(',')) {
                return false;
            }
            ++i_;
        }
    }

    bool string() {
        ++i_; // '"'
        while (i_ < s_.size()) {
            const auto c = static_cast<unsigned char>(s_[i_++]);
            if (c == '"') {
                return true;
            }
            if (c < 0x20) {
                return false;
            }
            if (c != '\\') {
                continue;
            }
            if (i_ >= s_.size()) {
                return false;
            }
            const char e = s_[i_++];
            if (e == 'u') {
                for (int k = 0; k < 4; ++k) {
                    if (i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) {
                        return false;
                    }
                    ++i_;
                }
            } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                return false;
            }
        }
        return false;
    }

    bool number() {
        if (peek('-')) {
            ++i_;
        }
        if (peek('0')) {
            ++i_;
        } else if (!digits()) {
            return false;
        }
        if (peek('.')) {
            ++i_;
            if (!digits()) {
                return false;
            }
        }
        if (peek('e') || peek('E')) {
            ++i_;
            if (peek('+') || peek('-')) {
                ++i_;
            }
            if (!digits()) {
                return false;
            }
        }
        return true;
    }

    bool digits() {
        const auto start = i_;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
            ++i_;
        }
        return i_ > start;
    }

    bool literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) {
            return false;
        }
        i_ += word.size();
        return true;
    }

    void space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
            ++i_;
        }
    }

    bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }

    std::string_view s_;
    std::size_t i_ = 0;
};

} // namespace

// --- pure helpers ---------------------------------------------------------------------------------------------

bool isJson(std::string_view text) { return JsonRecogniser(text).document(); }

std::string outputJson(std::string_view body) {
    if (sdk::utf8::isValid(body) && isJson(body)) {
        return std::string(body);
    }
    std::string out;
    sdk::appendJsonString(out, body);
    return out;
}

std::string cutCharacters(std::string_view text, std::size_t maxCharacters) {
    std::size_t i = 0;
    for (std::size_t n = 0; n < maxCharacters && i < text.size(); ++n) {
        const auto sequence = sdk::utf8::decode(text, i);
        i += sequence.length == 0 ? 1 : sequence.length;
    }
    return std::string(text.substr(0, i));
}

TaskReport reportFor(const sdk::InvokeResponse& response) {
    TaskReport report;
    if (response.status == 200 && !response.bodyTruncated) {
        report.success = true;
        report.output = outputJson(response.body);
        return report;
    }
    if (response.status == 200) {
        // Cut at 1 MiB it is no longer the component's answer, and far above what Step Functions takes (256 KiB).
        report.error = "maelstrom_output_too_large";
        report.cause = "maelstrom error: the response body is larger than 1 MiB";
        return report;
    }
    const auto error = header(response, "step-func-error");
    const auto cause = header(response, "step-func-cause");
    report.error = error ? cutCharacters(*error, kMaxErrorCharacters) : "maelstrom_" + std::to_string(response.status);
    report.cause = cause ? cutCharacters(*cause, kMaxCauseCharacters)
                         : "maelstrom error: status " + std::to_string(response.status);
    return report;
}

// --- Heartbeats -----------------------------------------------------------------------------------------------

/// One thread sends the heartbeats of every task in progress, each `heartbeatEvery` after its start and then
/// every `heartbeatEvery`.
class StepFuncDriver::Heartbeats {
public:
    struct Beat {
        std::string token;
        std::string what;
        std::shared_ptr<aws::StepFunctionsApi> client;
        std::chrono::steady_clock::time_point next{};
        std::atomic<bool> gone{false}; ///< Step Functions said the task timed out or no longer exists
    };

    explicit Heartbeats(StepFuncDriver& driver) : driver_(driver) {}

    void start() {
        thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
    }

    void stop() {
        if (thread_.joinable()) {
            thread_.request_stop();
            {
                std::lock_guard lock(mutex_);
                changed_ = true;
            }
            cv_.notify_all();
            thread_.join();
        }
    }

    std::shared_ptr<Beat> add(const std::string& token, const std::string& what,
                              std::shared_ptr<aws::StepFunctionsApi> client) {
        auto beat = std::make_shared<Beat>();
        beat->token = token;
        beat->what = what;
        beat->client = std::move(client);
        beat->next = driver_.clock_->steadyNow() + driver_.settings_.heartbeatEvery;
        {
            std::lock_guard lock(mutex_);
            beats_.push_back(beat);
            changed_ = true;
        }
        cv_.notify_all();
        return beat;
    }

    void remove(const std::shared_ptr<Beat>& beat) {
        std::lock_guard lock(mutex_);
        beats_.remove(beat);
    }

private:
    void loop(std::stop_token stop) {
        const auto& clock = *driver_.clock_;
        std::unique_lock lock(mutex_);
        while (!stop.stop_requested()) {
            const auto now = clock.steadyNow();
            auto wakeAt = now + std::chrono::hours(1);
            std::vector<std::shared_ptr<Beat>> due;
            for (const auto& beat : beats_) {
                if (beat->next <= now) {
                    due.push_back(beat);
                    beat->next = now + driver_.settings_.heartbeatEvery;
                }
                wakeAt = std::min(wakeAt, beat->next);
            }
            if (!due.empty()) {
                lock.unlock();
                for (const auto& beat : due) {
                    send(beat);
                }
                lock.lock();
                continue;
            }
            changed_ = false;
            clock.waitUntil(cv_, lock, stop, wakeAt, [this] { return changed_; });
        }
    }

    void send(const std::shared_ptr<Beat>& beat) {
        {
            std::lock_guard lock(mutex_);
            if (std::find(beats_.begin(), beats_.end(), beat) == beats_.end()) {
                return; // the task ended meanwhile
            }
        }
        try {
            beat->client->sendTaskHeartbeat(beat->token);
            driver_.log_->clear("heartbeat");
        } catch (const std::exception& e) {
            if (isTaskGone(e)) {
                {
                    std::lock_guard lock(mutex_);
                    if (std::find(beats_.begin(), beats_.end(), beat) == beats_.end()) {
                        return; // the task ended during the call: that is why it is gone
                    }
                    beats_.remove(beat);
                    beat->gone = true;
                }
                driver_.host_.logger.warning(beat->what + ": Step Functions ended the task while it ran (" +
                                             awsError(e)->code() +
                                             "): no more heartbeats, and its result will not be reported");
            } else if (!isAborted(e)) {
                driver_.log_->warn("heartbeat", beat->what + ": a task heartbeat failed (retried in " +
                                                    std::to_string(driver_.settings_.heartbeatEvery.count()) +
                                                    " ms): " + e.what());
            }
        }
    }

    StepFuncDriver& driver_;
    std::mutex mutex_;
    std::condition_variable_any cv_;
    std::list<std::shared_ptr<Beat>> beats_; ///< guarded by mutex_
    bool changed_ = false;                   ///< guarded by mutex_
    std::jthread thread_;
};

// --- Poller ---------------------------------------------------------------------------------------------------

class StepFuncDriver::Poller {
public:
    Poller(StepFuncDriver& driver, PollerRole role, std::shared_ptr<aws::StepFunctionsApi> client, Target target)
        : role_(std::move(role)), driver_(driver), client_(std::move(client)), target_(std::move(target)) {}

    ~Poller() {
        cancel();
        join();
    }

    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    void start() {
        running_ = role_.concurrency;
        for (int i = 0; i < role_.concurrency; ++i) {
            workers_.emplace_back([this] { work(); });
        }
    }

    /// The source changed (path, component) or its activity got a new ARN: the next poll and task use it.
    void setTarget(Target target) {
        std::lock_guard lock(targetMutex_);
        target_ = std::move(target);
    }

    Target target() const {
        std::lock_guard lock(targetMutex_);
        return target_;
    }

    /// Ends the long poll in flight and stops polling; tasks in progress finish and report. Does not block.
    void cancel() {
        if (stop_.request_stop()) {
            client_->abort();
            std::lock_guard lock(waitMutex_); // a worker about to wait sees the stop before it waits
            waitCv_.notify_all();
        }
    }

    bool finished() const { return running_.load() == 0; }

    void join() {
        for (auto& worker : workers_) {
            if (worker.joinable()) {
                worker.join();
            }
        }
    }

    const std::string& roleId() const { return role_.roleId; }

    std::chrono::steady_clock::time_point leaseValidUntil{}; ///< manager thread only
    bool holdsRole = true;                                   ///< manager thread only

private:
    void work() {
        const auto stop = stop_.get_token();
        const std::string workerName = driver_.host_.nodeId + "/" + role_.roleId;
        while (!stop.stop_requested()) {
            std::optional<aws::ActivityTask> task;
            Target target;
            {
                // One long poll per poller: a task is only taken when a worker is free to run it.
                std::lock_guard poll(pollMutex_);
                if (stop.stop_requested()) {
                    break;
                }
                target = this->target();
                try {
                    task = client_->getActivityTask(target.arn, workerName);
                    driver_.log_->clear(role_.roleId);
                } catch (const std::exception& e) {
                    if (stop.stop_requested()) {
                        break;
                    }
                    driver_.log_->warn(role_.roleId, describe(target.source) + ": GetActivityTask failed (role " +
                                                         role_.roleId + "; next try in " +
                                                         std::to_string(driver_.settings_.errorBackoff.count()) +
                                                         " ms): " + e.what());
                    backoff(stop); // still holding pollMutex_: the other workers of this poller wait as well
                    continue;
                }
            }
            if (task && !task->taskToken.empty()) {
                driver_.runTask(target, *task);
            }
        }
        if (running_.fetch_sub(1) == 1) {
            driver_.pollerFinished();
        }
    }

    void backoff(const std::stop_token& stop) {
        std::unique_lock lock(waitMutex_);
        driver_.clock_->waitUntil(waitCv_, lock, stop, driver_.clock_->steadyNow() + driver_.settings_.errorBackoff,
                                  [&stop] { return stop.stop_requested(); });
    }

    const PollerRole role_;
    StepFuncDriver& driver_;
    const std::shared_ptr<aws::StepFunctionsApi> client_;
    std::stop_source stop_;
    std::mutex pollMutex_;
    std::mutex waitMutex_;
    std::condition_variable_any waitCv_;
    mutable std::mutex targetMutex_;
    Target target_; ///< guarded by targetMutex_
    std::atomic<int> running_{0};
    std::vector<std::thread> workers_;
};

// --- StepFuncDriver -------------------------------------------------------------------------------------------

StepFuncDriver::StepFuncDriver(StepFuncSettings settings, StepFunctionsFactory factory)
    : settings_(settings), factory_(std::move(factory)) {}

StepFuncDriver::~StepFuncDriver() { shutdown(); }

void StepFuncDriver::start(const sdk::EventSourceHost& host) {
    host_ = host;
    clock_ = host.clock ? host.clock : &sdk::systemClock();
    // Keys name places ("report" serves every source), so only a warning with the same text is a repeat.
    log_ = std::make_unique<queue_pollers::ThrottledLog>(host_.logger, *clock_, kRepeatedWarningEvery,
                                                         queue_pollers::ThrottledLog::Repeats::SameText);
    claims_ = std::make_unique<queue_pollers::RoleClaims>(*clock_, settings_.roleLease,
                                                          queue_pollers::RoleClaims::graceFor(settings_.reloadEvery));
    heartbeats_ = std::make_unique<Heartbeats>(*this);
    heartbeats_->start();
    started_ = true;
    thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void StepFuncDriver::update(const std::vector<sdk::EventSource>& sources) {
    std::vector<sdk::EventSource> mine;
    for (const auto& source : sources) {
        if (source.awsstepfunc) {
            mine.push_back(source);
        }
    }
    {
        std::lock_guard lock(mutex_);
        if (mine == sources_) {
            return; // the same set again: the periodic reload covers it
        }
        sources_ = std::move(mine);
        changed_ = true;
    }
    wake_.notify_all();
}

std::vector<std::string> StepFuncDriver::pollingRoles() const {
    std::lock_guard lock(pollersMutex_);
    std::vector<std::string> roles;
    for (const auto& [roleId, poller] : pollers_) {
        roles.push_back(roleId);
    }
    return roles;
}

void StepFuncDriver::loop(std::stop_token stop) {
    auto nextReload = clock_->steadyNow();
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        const bool reloadNow = changed_ || clock_->steadyNow() >= nextReload;
        if (reloadNow) {
            changed_ = false;
            const auto sources = sources_;
            lock.unlock();
            const bool retrySoon = reload(sources, stop);
            lock.lock();
            nextReload = clock_->steadyNow() +
                         (retrySoon ? std::min(settings_.errorBackoff, settings_.reloadEvery) : settings_.reloadEvery);
        }
        if (reapPending_) {
            reapPending_ = false;
            lock.unlock();
            reap(false);
            lock.lock();
        }
        if (stop.stop_requested()) {
            break;
        }
        clock_->waitUntil(wake_, lock, stop, nextReload, [this] { return changed_ || reapPending_; });
    }
}

std::shared_ptr<aws::StepFunctionsApi> StepFuncDriver::newClient() {
    auto client = factory_();
    if (!client) {
        throw sdk::Unavailable("the Step Functions client factory returned nothing");
    }
    return client;
}

std::shared_ptr<aws::StepFunctionsApi> StepFuncDriver::control() {
    std::lock_guard lock(clientsMutex_);
    if (clientsAborted_) {
        throw aws::AwsError("Aborted", "the driver is shutting down");
    }
    if (!control_) {
        control_ = newClient();
    }
    if (!reporter_) {
        reporter_ = newClient();
    }
    return control_;
}

std::optional<std::string> StepFuncDriver::resolveArn(const sdk::EventSource& source, const std::string& cacheKey) {
    const auto& activity = source.awsstepfunc->activityName;
    const auto cached = arns_.find(cacheKey);
    try {
        auto client = control();
        auto arn = client->findActivityArn(activity);
        if (!arn) {
            arn = client->createActivity(activity);
            host_.logger.information(describe(source) + ": created the activity " + *arn);
        }
        if (cached == arns_.end() || cached->second != *arn) {
            host_.logger.information(describe(source) + ": activity ARN " + *arn);
        }
        arns_[cacheKey] = *arn;
        log_->clear("arn " + cacheKey);
        return arn;
    } catch (const std::exception& e) {
        if (isAborted(e)) {
            return std::nullopt; // shutting down
        }
        log_->warn("arn " + cacheKey,
                   describe(source) + ": cannot look up or create the activity" +
                       (cached != arns_.end() ? " (polling goes on with " + cached->second + ")"
                                              : " (no poller until it works; next try in " +
                                                    std::to_string(settings_.errorBackoff.count()) + " ms)") +
                       ": " + e.what());
        if (cached != arns_.end()) {
            return cached->second;
        }
        return std::nullopt;
    }
}

bool StepFuncDriver::reload(const std::vector<sdk::EventSource>& sources, const std::stop_token& stop) {
    bool retrySoon = false;
    std::set<std::string> produced;
    std::set<std::string> claimed; ///< sources whose roles were claimed now
    std::set<std::string> keys;
    for (const auto& source : sources) {
        if (stop.stop_requested()) {
            return false;
        }
        const auto& sf = *source.awsstepfunc;
        if (sf.activityName.empty()) {
            if (reportedInvalid_.insert(source.name + "@" + std::to_string(source.version)).second) {
                host_.logger.error(describe(source) + ": no activity name; the event source is skipped");
            }
            continue;
        }
        const std::string key = source.name + "\n" + sf.activityName;
        keys.insert(key);
        const auto arn = resolveArn(source, key);
        if (!arn) {
            retrySoon = true;
            continue;
        }
        const int handlers = host_.capacity ? host_.capacity->handlerCount(source.componentName) : 0;
        const int nodes = host_.capacity ? host_.capacity->nodeCount() : 1;
        const auto roles = queue_pollers::pollerRoles("aws-stepfunc", source.name, sf.maxConcurrency,
                                                      sf.concurrencyPerPoller, handlers);
        claimed.insert(source.name);
        const auto claims = claims_->claim(*host_.roles, source.name, roles, nodes);
        for (std::size_t i = 0; i < roles.size(); ++i) {
            produced.insert(roles[i].roleId);
            if (stop.stop_requested()) {
                return false;
            }
            reconcileRole(roles[i], Target{*arn, source}, claims[i]);
        }
    }
    claims_->retain(claimed);
    std::erase_if(arns_, [&keys](const auto& entry) { return !keys.contains(entry.first); });
    std::vector<std::string> unwanted;
    {
        std::lock_guard lock(pollersMutex_);
        for (const auto& [roleId, poller] : pollers_) {
            if (!produced.contains(roleId)) {
                unwanted.push_back(roleId);
            }
        }
    }
    for (const auto& roleId : unwanted) {
        cancelPoller(roleId, true, "its event source was removed, disabled or resized");
    }
    return retrySoon;
}

void StepFuncDriver::reconcileRole(const PollerRole& role, const Target& target,
                                   const queue_pollers::RoleClaims::Claim& claim) {
    using Decision = queue_pollers::RoleClaims::Decision;
    const auto callStart = claim.callStart;
    std::optional<bool> held;
    switch (claim.decision) {
    case Decision::Hold:
        held = true;
        break;
    case Decision::HeldElsewhere:
        held = false;
        break;
    case Decision::LeftToOthers:
    case Decision::GiveUp:
        // Not this node's to poll (beyond its share): a poller still running goes, its role once its tasks have
        // reported, and a node below its share takes it.
        cancelPoller(role.roleId, true, "this node holds more than its share of the event source's pollers");
        return;
    case Decision::Failed:
        break;
    }
    if (claim.decision == Decision::Failed) {
        log_->warn("role " + role.roleId,
                   describe(target.source) + ": cannot take or renew the role " + role.roleId + ": " + claim.error);
    } else {
        log_->clear("role " + role.roleId);
    }
    std::unique_lock lock(pollersMutex_);
    const auto it = pollers_.find(role.roleId);
    if (held.value_or(false)) {
        const auto validUntil = callStart + settings_.roleLease - kLeaseSafetyMargin;
        if (it != pollers_.end()) {
            if (it->second->target().arn != target.arn) {
                host_.logger.information(describe(target.source) + ": role " + role.roleId + " polls " + target.arn +
                                         " from now on");
            }
            it->second->setTarget(target);
            it->second->leaseValidUntil = validUntil;
            return;
        }
        lock.unlock();
        std::shared_ptr<aws::StepFunctionsApi> client;
        try {
            client = newClient();
        } catch (const std::exception& e) {
            log_->warn("client " + role.roleId,
                       describe(target.source) + ": cannot make a Step Functions client: " + e.what());
            return;
        }
        auto poller = std::make_unique<Poller>(*this, role, std::move(client), target);
        poller->leaseValidUntil = validUntil;
        poller->start();
        host_.logger.information(describe(target.source) + ": node " + host_.nodeId + " polls " + target.arn +
                                 " as role " + role.roleId + " (concurrency " + std::to_string(role.concurrency) + ")");
        lock.lock();
        pollers_.emplace(role.roleId, std::move(poller));
        return;
    }
    if (it == pollers_.end()) {
        return;
    }
    if (held.has_value()) {
        lock.unlock();
        cancelPoller(role.roleId, false, "another node holds its role");
    } else if (clock_->steadyNow() >= it->second->leaseValidUntil) {
        lock.unlock();
        cancelPoller(role.roleId, false, "its role's lease could not be renewed");
    }
}

void StepFuncDriver::cancelPoller(const std::string& roleId, bool holdsRole, const std::string& reason) {
    std::lock_guard lock(pollersMutex_);
    const auto it = pollers_.find(roleId);
    if (it == pollers_.end()) {
        return;
    }
    auto poller = std::move(it->second);
    pollers_.erase(it);
    poller->holdsRole = holdsRole;
    poller->cancel();
    host_.logger.information(describe(poller->target().source) + ": role " + roleId + " stops polling (" + reason +
                             ")");
    stopping_.push_back(std::move(poller));
}

void StepFuncDriver::pollerFinished() {
    {
        std::lock_guard lock(mutex_);
        reapPending_ = true;
    }
    wake_.notify_all();
}

void StepFuncDriver::reap(bool all) {
    std::list<std::unique_ptr<Poller>> done;
    {
        std::lock_guard lock(pollersMutex_);
        for (auto it = stopping_.begin(); it != stopping_.end();) {
            if (all || (*it)->finished()) {
                done.push_back(std::move(*it));
                it = stopping_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& poller : done) {
        poller->join();
        bool release = poller->holdsRole;
        if (release) {
            std::lock_guard lock(pollersMutex_);
            release = !pollers_.contains(poller->roleId()); // taken again meanwhile: keep it
        }
        if (release) {
            releaseRole(poller->roleId());
        }
    }
}

void StepFuncDriver::releaseRole(const std::string& roleId) {
    try {
        host_.roles->release(roleId); // another node may take it at once instead of after the lease
    } catch (const std::exception& e) {
        host_.logger.warning("awsstepfunc: releasing the role " + roleId + " (it expires by itself): " + e.what());
    }
}

void StepFuncDriver::runTask(const Target& target, const aws::ActivityTask& task) {
    const std::string what = describe(target.source);
    std::shared_ptr<aws::StepFunctionsApi> reporter;
    {
        std::lock_guard lock(clientsMutex_);
        reporter = reporter_;
    }
    sdk::InvokeRequest request;
    request.eventSourceName = target.source.name;
    request.componentName = target.source.componentName;
    request.method = "POST";
    request.path = target.source.awsstepfunc->path.empty() ? "/" : target.source.awsstepfunc->path;
    request.headers = {{"Content-Type", "application/json"}};
    request.body = task.input;

    const auto beat = heartbeats_->add(task.taskToken, what, reporter);
    TaskReport report;
    try {
        const auto response = host_.invoker->invoke(request);
        report = reportFor(response);
        if (!report.success) {
            host_.logger.warning(what + ": the task failed with status " + std::to_string(response.status) +
                                 " (error " + report.error + ")");
        }
    } catch (const sdk::Unavailable& e) {
        report = TaskReport{false, {}, "maelstrom_unavailable", cutCharacters(e.what(), kMaxCauseCharacters)};
        host_.logger.warning(what + ": the task got no answer: " + e.what());
    } catch (const std::exception& e) {
        report = TaskReport{false, {}, "maelstrom_error", cutCharacters(e.what(), kMaxCauseCharacters)};
        host_.logger.warning(what + ": the task got no answer: " + e.what());
    }
    heartbeats_->remove(beat);

    auto quietIfGone = [&](const std::exception& e) {
        if (beat->gone) {
            return; // said when the heartbeat found out
        }
        host_.logger.warning(what + ": Step Functions no longer takes the task's result (" + awsError(e)->code() +
                             "): it timed out or its execution ended");
    };
    try {
        if (report.success) {
            reporter->sendTaskSuccess(task.taskToken, report.output);
        } else {
            reporter->sendTaskFailure(task.taskToken, report.error, report.cause);
        }
        return;
    } catch (const std::exception& e) {
        if (isTaskGone(e)) {
            quietIfGone(e);
            return;
        }
        const auto* aws = awsError(e);
        if (!report.success || !aws || aws->retryable() || aws->code() == "Aborted") {
            log_->warn("report", what + ": sending the task's result failed: " + e.what());
            return;
        }
        // Step Functions refused the output itself (too large, ...): fail the task so the execution goes on now
        // instead of waiting for its timeout.
        log_->warn("report", what + ": Step Functions refused the task's output (" + aws->code() +
                                 "); the task is reported as failed: " + e.what());
        report = TaskReport{false, {}, "maelstrom_output_rejected", cutCharacters(e.what(), kMaxCauseCharacters)};
    }
    try {
        reporter->sendTaskFailure(task.taskToken, report.error, report.cause);
    } catch (const std::exception& e) {
        if (isTaskGone(e)) {
            quietIfGone(e);
        } else {
            log_->warn("report", what + ": sending the task's failure failed: " + e.what());
        }
    }
}

void StepFuncDriver::shutdown() {
    if (shutDown_) {
        return;
    }
    shutDown_ = true;
    if (!started_) {
        return;
    }
    {
        std::lock_guard lock(clientsMutex_);
        clientsAborted_ = true;
        if (control_) {
            control_->abort(); // a lookup in flight ends now
        }
    }
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
    {
        std::lock_guard lock(pollersMutex_);
        for (auto& [roleId, poller] : pollers_) {
            poller->cancel(); // still holds its role: released once its workers are joined
            stopping_.push_back(std::move(poller));
        }
        pollers_.clear();
    }
    // Joins every worker: tasks in progress end with the invoker's deadline and report through reporter_.
    reap(true);
    heartbeats_->stop();
    std::lock_guard lock(clientsMutex_);
    if (reporter_) {
        reporter_->abort();
    }
}

} // namespace maelstrom::plugins::awsstepfunc
