// model_check.cpp — the randomized model check of the database plugins and of the control-plane API, the way
// storage engines test themselves: seeded operation sequences from 8 concurrent workers, each answer compared
// with a simple in-memory model (model.h) right after the call, the worker's whole stored state compared every
// 200 operations and at the end through fresh connections. Faults are injected mid-run: killed connections,
// a database server restart, a plugin instance / maelstromd restart (killed and graceful). An operation that
// failed with Unavailable (or lost its connection) has an unknown outcome: the worker re-reads its state, which
// must be wholly as before the call or wholly as after it. Every acknowledged write must be there at the end;
// every refused one must not.
//
//   model-check --target db|api --engine sqlite|mysql|postgres [--seed N] [--ops N] [--workers N]
//               [--faults on|off] [--worker W]
//
// A divergence prints the seed, the worker and operation, what differs, and then replays that worker's
// sequence alone (no faults, fresh database) to find the shortest failing prefix and the command that repeats
// it. Exit status 0 = the model held, 1 = divergence, 2 = the check could not run.
// SPDX-License-Identifier: Apache-2.0
#include "model.h"
#include "target.h"

#include "test_support.h"

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

using namespace maelstrom::testing::model;

namespace {

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Options {
    std::string target = "db";
    std::string engine = "sqlite";
    std::uint64_t seed = 0;
    bool seedGiven = false;
    long ops = 5000;
    int workers = 8;
    bool faults = true;
    int onlyWorker = -1;
};

std::string commandFor(const Options& o, int worker, long ops) {
    return "build-tests/tests/bin/model-check --target " + o.target + " --engine " + o.engine + " --seed " +
           std::to_string(o.seed) + " --worker " + std::to_string(worker) + " --ops " + std::to_string(ops) +
           " --faults off";
}

struct Divergence {
    int worker = -1;
    long index = -1;
    std::string what;
    std::vector<std::string> history; ///< the worker's operations up to and including the failing one
};

/// Runs workers against one target; the first divergence stops everyone.
class Run {
public:
    Run(Target& target, const Options& options) : target_(target), o_(options) {}

    std::optional<Divergence> execute() {
        const int first = o_.onlyWorker >= 0 ? o_.onlyWorker : 0;
        const int count = o_.onlyWorker >= 0 ? 1 : o_.workers;
        const long perWorker = std::max(1L, o_.ops / count);
        states_.assign(static_cast<std::size_t>(first + count), State{});
        std::vector<std::thread> threads;
        for (int w = first; w < first + count; ++w) {
            threads.emplace_back([this, w, perWorker] { worker(w, perWorker); });
        }
        std::thread faults;
        if (o_.faults)
            faults = std::thread([this, total = perWorker * count] { injectFaults(total); });
        for (auto& t : threads)
            t.join();
        done_ = true;
        if (faults.joinable())
            faults.join();
        if (divergence_)
            return divergence_;

        // Every acknowledged write must survive: read everything again through connections opened afterwards.
        target_.reopen();
        for (int w = first; w < first + count; ++w) {
            std::vector<std::string> history;
            const std::string diff = fullCheck(w, states_[static_cast<std::size_t>(w)]);
            if (!diff.empty()) {
                return Divergence{w, perWorker, "after the run, through fresh connections:\n" + diff, {}};
            }
        }
        return std::nullopt;
    }

    long unknownOutcomes() const { return unknown_.load(); }
    long operations() const { return done_ops_.load(); }
    const std::vector<std::string>& faultLog() const { return faultLog_; }

private:
    bool inFaultWindow() const { return faultActive_.load() || nowMs() - lastFaultEnd_.load() < 5000; }

    /// The worker's stored state as the target shows it now (roles are checked separately). Retries while the
    /// target is unavailable (a restart in progress), for up to three minutes.
    std::optional<State> readState(const std::string& prefix, const State& model, std::string* error) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
        for (;;) {
            State s;
            std::string failure;
            Op list;
            list.kind = OpKind::ListComponents;
            list.name = prefix;
            list.limit = 1000;
            Reply r = target_.execute(list);
            if (r.code == Code::Ok)
                s.comps.insert(r.comps.begin(), r.comps.end());
            else
                failure = r.message;
            if (failure.empty()) {
                list.kind = OpKind::ListEventSources;
                r = target_.execute(list);
                if (r.code == Code::Ok)
                    s.ess.insert(r.ess.begin(), r.ess.end());
                else
                    failure = r.message;
            }
            if (failure.empty() && !target_.apiLevel()) {
                list.kind = OpKind::ListNodeStatus;
                list.name = prefix + "-n";
                r = target_.execute(list);
                if (r.code == Code::Ok)
                    s.nodes.insert(r.nodes.begin(), r.nodes.end());
                else
                    failure = r.message;
                for (const auto& [key, count] : model.starts) {
                    if (!failure.empty())
                        break;
                    Op get;
                    get.kind = OpKind::StartCount;
                    get.name = key.substr(0, key.rfind('#'));
                    get.version = std::stoll(key.substr(key.rfind('#') + 1));
                    r = target_.execute(get);
                    if (r.code != Code::Ok)
                        failure = r.message;
                    else if (r.version != 0)
                        s.starts[key] = r.version;
                }
            }
            if (failure.empty())
                return s;
            if (std::chrono::steady_clock::now() > deadline) {
                *error = "the target stayed unavailable for 3 minutes: " + failure;
                return std::nullopt;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }

    /// Observable part of a model state: no roles, start counts only where non-zero.
    static State observable(State s) {
        s.roles.clear();
        for (auto it = s.starts.begin(); it != s.starts.end();)
            it = it->second == 0 ? s.starts.erase(it) : std::next(it);
        return s;
    }

    std::string fullCheck(int w, const State& model) {
        std::string error;
        const std::string prefix = "w" + std::to_string(w);
        const auto actual = readState(prefix, model, &error);
        if (!actual)
            return error;
        std::string diff = diffStates(observable(model), *actual);
        // Unexpired leases must still be held by their holder.
        for (const auto& [role, lease] : model.roles) {
            if (lease.holder == "?" || lease.expiresAt < nowMs() + 2000)
                continue;
            Op holder;
            holder.kind = OpKind::RoleHolder;
            holder.name = role;
            const Reply r = target_.execute(holder);
            if (r.code == Code::Ok && (!r.found || r.holder != lease.holder)) {
                diff += "  role " + role + ": expected held by " + lease.holder + ", got " +
                        (r.found ? r.holder : std::string("no holder")) + "\n";
            }
        }
        return diff;
    }

    void worker(int w, long count) {
        Generator gen(o_.seed, w, target_.apiLevel());
        State& state = states_[static_cast<std::size_t>(w)];
        std::vector<std::string> history;
        for (long i = 0; i < count && !stop_.load(); ++i) {
            const Op op = gen.next(state);
            history.push_back(describe(op));
            Window window;
            window.start = nowMs();
            const Reply reply = target_.execute(op);
            window.end = nowMs();
            ++done_ops_;
            const Expectation e = expect(op, state, window, target_.apiLevel());
            std::string diff;
            const bool unknown =
                reply.code == Code::Unavailable || (reply.code == Code::Other && o_.faults && inFaultWindow());
            if (unknown) {
                ++unknown_;
                std::string error;
                const auto actual = readState(gen.prefix(), e.after, &error);
                if (!actual) {
                    diff = error;
                } else {
                    State merged = observable(state);
                    State after = observable(e.after);
                    // Start counters read for the keys of both states.
                    if (*actual == after) {
                        state = e.after;
                    } else if (*actual == merged) {
                        // left as before
                    } else {
                        diff = "an operation whose outcome is unknown (" + std::string(codeName(reply.code)) + ": " +
                               reply.message + ") left a state that is neither before nor after it:\n  vs before:\n" +
                               diffStates(merged, *actual) + "  vs after:\n" + diffStates(after, *actual);
                    }
                    if (op.kind == OpKind::AcquireRole || op.kind == OpKind::ReleaseRole) {
                        state.roles[op.name] = Role{"?", 0};
                    }
                }
            } else {
                State adopted;
                diff = compare(op, e, reply, &adopted);
                if (diff.empty())
                    state = adopted;
            }
            if (diff.empty() && (i + 1) % 200 == 0) {
                const std::string full = fullCheck(w, state);
                if (!full.empty())
                    diff = "stored state differs from the model:\n" + full;
            }
            if (!diff.empty()) {
                std::lock_guard lock(mutex_);
                if (!divergence_)
                    divergence_ = Divergence{w, i, describe(op) + ": " + diff, history};
                stop_ = true;
                return;
            }
        }
    }

    void injectFaults(long total) {
        struct Fault {
            double at;
            std::string what;
        };
        const bool server = o_.engine != "sqlite";
        std::vector<Fault> plan;
        if (server) {
            plan = {{0.15, "kill-connections"},
                    {0.35, "restart-hard"},
                    {0.55, "restart-server"},
                    {0.75, "kill-connections"},
                    {0.85, "restart-graceful"}};
        } else {
            plan = {{0.25, "restart-hard"}, {0.5, "restart-graceful"}, {0.75, "restart-hard"}};
        }
        for (const auto& fault : plan) {
            while (!done_.load() && !stop_.load() &&
                   done_ops_.load() < static_cast<long>(fault.at * static_cast<double>(total))) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            if (done_.load() || stop_.load())
                return;
            const long at = done_ops_.load();
            faultActive_ = true;
            std::string line;
            try {
                if (fault.what == "kill-connections")
                    line = killConnections(o_.engine);
                else if (fault.what == "restart-server")
                    line = restartServer(o_.engine);
                else if (fault.what == "restart-hard") {
                    target_.restart(true);
                    line = target_.apiLevel() ? "killed maelstromd (SIGKILL) and started it again"
                                              : "dropped the plugin instance and created a new one";
                } else {
                    target_.restart(false);
                    line = target_.apiLevel() ? "stopped maelstromd (SIGTERM) and started it again"
                                              : "shut the plugin instance down and created a new one";
                }
            } catch (const std::exception& e) {
                // A fault that could not be injected (a daemon that did not exit 0 on SIGTERM under load, or
                // that ASan stopped) fails the run.
                std::lock_guard lock(mutex_);
                if (!divergence_)
                    divergence_ = Divergence{-1, done_ops_.load(), fault.what + " failed: " + e.what(), {}};
                stop_ = true;
                line = fault.what + " failed: " + e.what();
            }
            lastFaultEnd_ = nowMs();
            faultActive_ = false;
            std::lock_guard lock(mutex_);
            faultLog_.push_back("at " + std::to_string(at) + " ops: " + line);
            std::cout << "fault " << faultLog_.back() << std::endl;
        }
    }

    Target& target_;
    Options o_;
    std::vector<State> states_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> done_{false};
    std::atomic<long> done_ops_{0};
    std::atomic<long> unknown_{0};
    std::atomic<bool> faultActive_{false};
    std::atomic<std::int64_t> lastFaultEnd_{0};
    std::mutex mutex_;
    std::optional<Divergence> divergence_;
    std::vector<std::string> faultLog_;
};

std::unique_ptr<Target> makeTarget(const Options& o) {
    return o.target == "api" ? makeApiTarget(o.engine) : makeDatabaseTarget(o.engine);
}

int usage(const std::string& why) {
    std::cerr << "model-check: " << why
              << "\nusage: model-check --target db|api --engine sqlite|mysql|postgres [--seed N] [--ops N] "
                 "[--workers N] [--faults on|off] [--worker W]\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::invalid_argument(arg + " needs a value");
            return argv[++i];
        };
        try {
            if (arg == "--target")
                o.target = value();
            else if (arg == "--engine")
                o.engine = value();
            else if (arg == "--seed") {
                o.seed = std::stoull(value());
                o.seedGiven = true;
            } else if (arg == "--ops")
                o.ops = std::stol(value());
            else if (arg == "--workers")
                o.workers = std::stoi(value());
            else if (arg == "--faults")
                o.faults = value() == "on";
            else if (arg == "--worker")
                o.onlyWorker = std::stoi(value());
            else
                return usage("unknown argument " + arg);
        } catch (const std::exception& e) {
            return usage(e.what());
        }
    }
    if (o.target != "db" && o.target != "api")
        return usage("--target is db or api");
    if (o.engine != "sqlite" && o.engine != "mysql" && o.engine != "postgres")
        return usage("unknown --engine");
    if (o.workers < 1 || o.workers > 10)
        return usage("--workers is 1..10 (worker key spaces are w0..w9)");
    if (!o.seedGiven) {
        if (const char* env = std::getenv("MAELSTROM_MODEL_SEED"))
            o.seed = std::stoull(env);
        else
            o.seed = static_cast<std::uint64_t>(nowMs());
    }
    std::cout << "model check " << o.target << "/" << o.engine << ": seed " << o.seed << ", " << o.ops
              << " operations, " << (o.onlyWorker >= 0 ? 1 : o.workers) << " worker(s), faults "
              << (o.faults ? "on" : "off") << std::endl;

    const auto started = std::chrono::steady_clock::now();
    std::optional<Divergence> divergence;
    long operations = 0, unknown = 0;
    try {
        auto target = makeTarget(o);
        Run run(*target, o);
        divergence = run.execute();
        operations = run.operations();
        unknown = run.unknownOutcomes();
    } catch (const std::exception& e) {
        std::cout << "model check could not run: " << e.what() << std::endl;
        return 2;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!divergence) {
        std::cout << "model check passed: " << operations << " operations (" << unknown
                  << " with an unknown outcome, resolved) in " << seconds << " s, seed " << o.seed << std::endl;
        return 0;
    }

    if (divergence->worker < 0) {
        std::cout << "FAILED (seed " << o.seed << ") after " << divergence->index << " operations: " << divergence->what
                  << std::endl;
        return 1;
    }
    std::cout << "DIVERGENCE (seed " << o.seed << ", worker " << divergence->worker << ", operation "
              << divergence->index << "):\n  " << divergence->what << std::endl;
    const std::size_t from = divergence->history.size() > 15 ? divergence->history.size() - 15 : 0;
    if (!divergence->history.empty())
        std::cout << "last operations of worker " << divergence->worker << ":\n";
    for (std::size_t i = from; i < divergence->history.size(); ++i) {
        std::cout << "  #" << i << " " << divergence->history[i] << "\n";
    }

    // Shortest failing prefix: the worker's sequence alone, on a fresh database, without faults.
    if (o.onlyWorker < 0 || o.faults) {
        Options replay = o;
        replay.onlyWorker = divergence->worker;
        replay.faults = false;
        replay.ops = divergence->index + 1;
        try {
            auto target = makeTarget(replay);
            Run run(*target, replay);
            const auto again = run.execute();
            if (again) {
                std::cout << "shortest failing prefix: " << again->index + 1 << " operation(s) of worker "
                          << again->worker << " alone, no faults:\n  " << again->what
                          << "\nrepeat with: " << commandFor(o, again->worker, again->index + 1) << std::endl;
            } else {
                std::cout << "the worker's first " << replay.ops
                          << " operations alone do not diverge: the failure needs the other workers or the faults "
                             "(repeat the whole run with --seed "
                          << o.seed << ")" << std::endl;
            }
        } catch (const std::exception& e) {
            std::cout << "replay could not run: " << e.what() << std::endl;
        }
    }
    return 1;
}
