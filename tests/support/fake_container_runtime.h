// fake_container_runtime.h — an in-memory sdk::ContainerRuntime for unit tests of the lifecycle: containers
// that start at once, die when a test kills them, and answer health checks as the test says.
// SPDX-License-Identifier: Apache-2.0
//
// Contract:
//   - start() creates a Running container with endpoint fake-host:<unique port> and the managed labels; it
//     throws PluginError instead when failNextStarts() asked for it, and every method throws Unavailable while
//     setUnavailable(true) holds (a Docker daemon that went away).
//   - healthProbe() is a function with probeHealth's signature: 200 for a running container marked healthy,
//     503 for one marked unhealthy, -1 ("connection refused") for an unknown port or a container not running.
//   - kill() marks the container Exited and delivers a Died event to every subscriber on the calling thread.
//   - stop() marks a container Exited without an event (the lifecycle asked for it); remove() forgets it.
//   - Logs (off unless setLogsSupported(true)): appendLog() adds a line to a container's log, stamped with the
//     system clock; logs() delivers the lines at or after sinceMillis and, when following, the ones appended
//     later, until `stop` is requested or the container is no longer running (stopped, killed or removed).
//   - Pause and pre-creation (capabilities `pause` and `precreate`, on unless setPauseSupported(false) /
//     setPrecreateSupported(false); off, the calls throw NotSupported): pause() turns a Running container Paused
//     (it keeps its endpoint but fails health checks, like a frozen process), unpause() turns it Running again;
//     pausing a paused one and unpausing a running one are fine, either on a created or exited one throws
//     PluginError. create() makes a Created container without endpoint; startCreated() makes it Running with
//     an endpoint (starting a running one returns it as it is). listManaged(false) lists Running and Paused
//     containers, as `docker ps` does.
//   - Failures: failNext(operation, n) makes the next n calls of that operation throw PluginError (a failed
//     startCreated() leaves the container Created); failNextStarts() is failNext(Operation::Start, ...).
//   - Prune (capability `prune`, off unless setPruneSupported(true); off, prune() throws NotSupported): removes the
//     Exited containers (never the Created ones) and reports them, and reports as removed the images given to
//     setPruneImages() that are not among the options' registeredImages (only with removeUnregisteredImages; keep
//     globs are the plugin's business). Every call's options are recorded (pruneCalls()); failNext(Operation::Prune)
//     and setUnavailable() make it throw; setPruneHook() runs a function at the start of each prune(), without the
//     lock (a test can hold a prune in progress there).
//   - Call counts: startCalls() counts start() and startCreated() (containers started either way).
//   - Thread-safe; subscribers and log sinks are called without the fake's lock held.
#pragma once

#include <maelstrom/sdk/container_runtime.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace maelstrom::testing {

class FakeContainerRuntime final : public sdk::ContainerRuntime {
public:
    using Probe = std::function<int(const std::string& host, int port, const std::string& path,
                                    std::chrono::milliseconds timeout, std::string* error)>;
    static constexpr const char* kHost = "fake-host";

    // ---- Test controls ----

    /// Operations whose failures a test can inject. Start covers start() and startCreated().
    enum class Operation { Start, Create, Pause, Unpause, Prune };
    /// The next `count` calls of `operation` throw PluginError(`why`) (replaces any earlier count).
    void failNext(Operation operation, int count, const std::string& why = "fake failure");
    /// The next `count` start() or startCreated() calls throw PluginError(`why`).
    void failNextStarts(int count, const std::string& why = "fake start failure");
    /// While true every runtime call throws Unavailable.
    void setUnavailable(bool unavailable);
    /// Whether containers started from now on pass health checks (default true).
    void setStartHealthy(bool healthy);
    void setHealthy(const std::string& containerId, bool healthy);
    /// Marks the container Exited and delivers a Died event. @return false when there is no such container or it
    /// was never started (Created).
    bool kill(const std::string& containerId);
    /// Whether capabilities() declares logs (default false).
    void setLogsSupported(bool supported);
    /// Whether capabilities() declares pause (default true); when not, pause() and unpause() throw NotSupported.
    void setPauseSupported(bool supported);
    /// Whether capabilities() declares precreate (default true); when not, create() and startCreated() throw
    /// NotSupported.
    void setPrecreateSupported(bool supported);
    /// Whether capabilities() declares prune (default false).
    void setPruneSupported(bool supported);
    /// Images present besides the components' (what a prune with removeUnregisteredImages may remove).
    void setPruneImages(std::vector<std::string> images);
    /// Runs at the start of every prune(), without the fake's lock held.
    void setPruneHook(std::function<void()> hook);
    /// The options of every prune() call that got past the failure checks, in order.
    std::vector<sdk::PruneOptions> pruneCalls() const;
    /// Adds a line (without its newline) to the container's log. @return false when there is no such container.
    bool appendLog(const std::string& containerId, const std::string& text, bool stderrStream = false);
    /// Health checks of the fake containers, for LifecycleContext::probe.
    Probe healthProbe();

    /// Running containers (not paused), in creation order.
    std::vector<sdk::ContainerSummary> running() const;
    /// Paused containers, in creation order.
    std::vector<sdk::ContainerSummary> paused() const;
    /// Created containers never started, in creation order.
    std::vector<sdk::ContainerSummary> created() const;
    /// Every container the fake knows (created, running, paused or exited, not removed), in creation order.
    std::vector<sdk::ContainerSummary> all() const;
    /// start() and startCreated() calls.
    int startCalls() const;
    int removeCalls() const;
    int ensureImageCalls() const;
    int createCalls() const;
    int startCreatedCalls() const;
    int pauseCalls() const;
    int unpauseCalls() const;

    // ---- sdk::ContainerRuntime ----

    sdk::RuntimeCapabilities capabilities() const override;
    sdk::RuntimeInfo info() override;
    void ensureImage(const sdk::DockerComponent& docker, sdk::PullPolicy policy,
                     const sdk::PullProgress& progress) override;
    sdk::ContainerSummary start(const sdk::ContainerSpec& spec) override;
    void stop(const std::string& containerId, std::chrono::seconds grace) override;
    void remove(const std::string& containerId, bool force) override;
    sdk::ContainerSummary inspect(const std::string& containerId) override;
    std::vector<sdk::ContainerSummary> listManaged(bool all) override;
    void logs(const std::string& containerId, const sdk::LogOptions& options,
              const std::function<void(const sdk::LogLine&)>& sink, std::stop_token stop) override;
    std::unique_ptr<sdk::Subscription> subscribe(std::function<void(const sdk::ContainerEvent&)> sink) override;
    void pause(const std::string& containerId) override;
    void unpause(const std::string& containerId) override;
    sdk::ContainerSummary create(const sdk::ContainerSpec& spec) override;
    sdk::ContainerSummary startCreated(const std::string& containerId) override;
    sdk::PruneReport prune(const sdk::PruneOptions& options) override;

private:
    struct FakeLogLine {
        std::int64_t atMillis = 0;
        bool stderrStream = false;
        std::string text;
    };
    struct FakeContainer {
        sdk::ContainerSummary summary;
        bool healthy = true;
        std::int64_t order = 0;
        std::vector<FakeLogLine> log;
    };
    class FakeSubscription;

    struct InjectedFailure {
        int remaining = 0;
        std::string why;
    };

    void throwIfUnavailableLocked() const;
    /// Throws PluginError naming `what` when a failure of `operation` is pending (and uses it up).
    void throwIfInjectedLocked(Operation operation, const std::string& what);
    FakeContainer& findLocked(const std::string& containerId);
    /// A new container for the spec (state Created, no endpoint), stored under its id.
    FakeContainer& createLocked(const sdk::ContainerSpec& spec);
    /// Makes the container Running, with its endpoint, healthy as setStartHealthy() says.
    void runLocked(FakeContainer& c);
    std::vector<sdk::ContainerSummary> listLocked(const std::function<bool(sdk::ContainerState)>& include) const;
    void unsubscribe(std::int64_t id);

    mutable std::mutex mutex_;
    std::map<std::string, FakeContainer> containers_;                               ///< guarded by mutex_
    std::map<std::int64_t, std::function<void(const sdk::ContainerEvent&)>> sinks_; ///< guarded
    std::int64_t nextId_ = 1;                       ///< guarded; container ids, ports and subscription ids
    std::map<Operation, InjectedFailure> failures_; ///< guarded
    bool unavailable_ = false;                      ///< guarded
    bool startHealthy_ = true;                      ///< guarded
    int startCalls_ = 0;                            ///< guarded
    int removeCalls_ = 0;                           ///< guarded
    int ensureImageCalls_ = 0;                      ///< guarded
    int createCalls_ = 0;                           ///< guarded
    int startCreatedCalls_ = 0;                     ///< guarded
    int pauseCalls_ = 0;                            ///< guarded
    int unpauseCalls_ = 0;                          ///< guarded
    bool pauseSupported_ = true;                    ///< guarded
    bool precreateSupported_ = true;                ///< guarded
    bool pruneSupported_ = false;                   ///< guarded
    std::vector<std::string> pruneImages_;          ///< guarded
    std::vector<sdk::PruneOptions> pruneCalls_;     ///< guarded
    std::function<void()> pruneHook_;               ///< guarded (called after copying it out)

    bool logsSupported_ = false;              ///< guarded
    std::condition_variable_any logsChanged_; ///< a log grew or a container stopped running (with mutex_)
};

} // namespace maelstrom::testing
