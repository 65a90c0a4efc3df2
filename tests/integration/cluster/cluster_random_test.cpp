// cluster_random_test.cpp — a seeded random walk over a three-node maelstromd cluster with faults: about 25
// steps, each one of: a burst of requests for a component through a node; a new version of a component put
// through a node; a node stopped with SIGTERM and started again with the same node id; a node killed with
// SIGKILL and started again. The test keeps a model (the nodes up, each component's deployed version) and after
// every step checks: every up node lists exactly the up nodes in `cluster nodes` (within 5 s, 12 s after a
// kill), and once settled (3 s) no component runs more containers cluster-wide than there are nodes up. Requests
// must answer 200 from the current version at the first try (a cold start allowed), except in the 20 s after a
// fault, when each may be retried for 15 s. At the end every component answers through every node.
// The seed (MAELSTROM_TEST_SEED replays a run) is printed at the start and named in every failure message.
// SPDX-License-Identifier: Apache-2.0
#include "cluster_env.h"

#include <csignal>
#include <iostream>
#include <random>
#include <thread>

using namespace maelstrom::testing;
using namespace maelstrom::testing::cluster;
using lifecycle::componentYaml;
using lifecycle::ProjectCleanup;
using lifecycle::projectYaml;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSteps = 25;
constexpr int kBurst = 10;
constexpr auto kRetryFor = 15s;      // how long a request may be retried near a fault
constexpr auto kFaultWindow = 20s;   // how long after a fault step requests may be retried
constexpr auto kVersionWithin = 15s; // a put reaches every node within this
constexpr auto kSettle = 3s;         // before counting containers

const std::vector<std::string> kNodes{"cluster-a", "cluster-b", "cluster-c"};
const std::vector<std::string> kKeys{"x", "y", "z"};

std::string hostname(const std::string& project, const std::string& key) {
    return key + "." + project + ".cluster.test";
}

class RandomWalk {
public:
    explicit RandomWalk(std::uint64_t seed) : seed_(seed), rng_(seed), project_(lifecycle::uniqueProject("clr")) {}

    void run() {
        ProjectCleanup cleanup(project_); // after the nodes have stopped
        Cluster cluster;
        cluster_ = &cluster;
        for (const auto& key : kKeys)
            version_[key] = 1;
        cluster.start(kNodes[0]);
        cluster.putProject(kNodes[0], yaml());
        cluster.start(kNodes[1]);
        cluster.start(kNodes[2]);
        up_ = {kNodes.begin(), kNodes.end()};
        checkViews(15s);

        for (step_ = 1; step_ <= kSteps; ++step_) {
            const int pick = std::uniform_int_distribution<int>(0, 99)(rng_);
            std::chrono::milliseconds viewTimeout = 5s;
            if (pick < 45) {
                burst(pickOne(kKeys), pickUp());
            } else if (pick < 70) {
                put(pickOne(kKeys), pickUp());
            } else if (pick < 85) {
                restart(pickUp(), SIGTERM);
            } else {
                restart(pickUp(), SIGKILL);
                viewTimeout = 12s;
            }
            const auto settleFrom = Clock::now();
            checkViews(viewTimeout);
            std::this_thread::sleep_until(settleFrom + kSettle);
            checkContainerCounts();
        }

        step_ = kSteps + 1;
        std::cout << "cluster-random: final check, every component through every node" << std::endl;
        for (const auto& key : kKeys) {
            for (const auto& id : up_)
                expectServed(key, id);
        }
        checkContainerCounts();
    }

private:
    /// "seed N (MAELSTROM_TEST_SEED replays it), mariadb, step i: " — the start of every failure message.
    std::string where() const {
        return "seed " + std::to_string(seed_) + " (MAELSTROM_TEST_SEED replays it), " + engineLabel() + ", step " +
               std::to_string(step_) + ": ";
    }

    void fail(const std::string& what) { CPPUNIT_FAIL(where() + what + "\n" + cluster_->tails()); }

    template <typename T>
    const T& pickOne(const std::vector<T>& items) {
        return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng_)];
    }
    std::string pickUp() { return pickOne(std::vector<std::string>(up_.begin(), up_.end())); }

    std::string yaml() const {
        std::vector<std::string> components;
        for (const auto& key : kKeys)
            components.push_back(componentYaml(key, hostname(project_, key),
                                               {"reservememory: 64", "idletimeoutseconds: 3600", "maxconcurrency: 50",
                                                "environment: [\"DEPLOY=" + std::to_string(version_.at(key)) + "\"]"}));
        return projectYaml(project_, components);
    }

    bool currentVersion(const std::string& key, const Reply& r) const {
        return r.status == 200 && r.body.find("DEPLOY=" + std::to_string(version_.at(key)) + "\n") != std::string::npos;
    }

    /// One request for `key` through `id` that must answer 200 from the current version; retried for up to 15 s
    /// in the window after a fault.
    void expectServed(const std::string& key, const std::string& id) {
        const bool mayRetry = Clock::now() < faultWindowEnd_;
        const auto t0 = Clock::now();
        Reply r = cluster_->request(id, hostname(project_, key), "/env", 60s);
        int tries = 1;
        while (!currentVersion(key, r) && mayRetry && Clock::now() - t0 < kRetryFor) {
            std::this_thread::sleep_for(200ms);
            r = cluster_->request(id, hostname(project_, key), "/env", 15s);
            ++tries;
        }
        if (!currentVersion(key, r))
            fail(key + " through " + id + " (" + std::to_string(tries) + " tries, " +
                 (mayRetry ? "in a fault window" : "no fault window") +
                 "): want DEPLOY=" + std::to_string(version_.at(key)) + ", got " + describe(r));
    }

    void burst(const std::string& key, const std::string& id) {
        std::cout << "cluster-random: step " << step_ << ": " << kBurst << " requests for " << key << " through " << id
                  << std::endl;
        for (int i = 0; i < kBurst; ++i)
            expectServed(key, id);
    }

    void put(const std::string& key, const std::string& id) {
        ++version_[key];
        std::cout << "cluster-random: step " << step_ << ": put " << key << " version DEPLOY=" << version_[key]
                  << " through " << id << std::endl;
        cluster_->putProject(id, yaml());
        std::set<std::string> reached;
        Reply last;
        std::string lastNode;
        const bool ok = waitUntil(
            [&] {
                for (const auto& n : up_) {
                    if (reached.count(n))
                        continue;
                    last = cluster_->request(n, hostname(project_, key), "/env", 10s);
                    lastNode = n;
                    if (!currentVersion(key, last))
                        return false;
                    reached.insert(n);
                }
                return true;
            },
            kVersionWithin);
        if (!ok)
            fail("DEPLOY=" + std::to_string(version_[key]) + " of " + key + " not served through every node within " +
                 std::to_string(kVersionWithin.count()) + " s; last through " + lastNode + ": " + describe(last));
    }

    void restart(const std::string& id, int sig) {
        std::cout << "cluster-random: step " << step_ << ": " << (sig == SIGKILL ? "kill -9" : "SIGTERM") << " " << id
                  << ", then start it again" << std::endl;
        if (up_.size() < 3)
            fail("a fault with fewer than 3 nodes up would leave fewer than 2");
        const int code = cluster_->stop(id, sig, 60s);
        up_.erase(id);
        if (sig == SIGTERM && code != 0)
            fail(id + " exited with " + std::to_string(code) + " after SIGTERM");
        cluster_->start(id);
        up_.insert(id);
        faultWindowEnd_ = Clock::now() + kFaultWindow;
    }

    void checkViews(std::chrono::milliseconds timeout) {
        const std::vector<std::string> observers(up_.begin(), up_.end());
        if (!cluster_->waitForView(observers, up_, timeout))
            fail("not every up node lists exactly the up nodes after " +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s:\n" +
                 cluster_->views(observers));
    }

    void checkContainerCounts() {
        for (const auto& key : kKeys) {
            const auto placed = runningPlacements(componentName(project_, key));
            if (placed.size() > up_.size()) {
                std::string text;
                for (const auto& p : placed)
                    text += "\n  " + p.id.substr(0, 12) + " on " + p.node + " version " +
                            lifecycle::containerVersionLabel(p.id);
                fail(key + " runs " + std::to_string(placed.size()) + " containers with " + std::to_string(up_.size()) +
                     " nodes up, " + std::to_string(kSettle.count()) + " s after the step:" + text);
            }
        }
    }

    std::uint64_t seed_;
    std::mt19937_64 rng_;
    std::string project_;
    Cluster* cluster_ = nullptr;
    int step_ = 0;
    std::set<std::string> up_;
    std::map<std::string, int> version_;
    Clock::time_point faultWindowEnd_{};
};

} // namespace

class ClusterRandomTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ClusterRandomTest);
    CPPUNIT_TEST(testRandomStepsWithFaults);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRandomStepsWithFaults() {
        std::string why;
        MAELSTROM_REQUIRE_BACKEND(backendsAvailable(&why), why);
        const std::uint64_t seed = testSeed();
        std::cout << std::endl
                  << "cluster-random: seed " << seed << " (" << engineLabel() << "; MAELSTROM_TEST_SEED=" << seed
                  << " replays it)" << std::endl;
        const auto t0 = Clock::now();
        RandomWalk(seed).run();
        std::cout << "cluster-random: " << kSteps << " steps in " << seconds(secondsSince(t0)) << " (" << engineLabel()
                  << ")" << std::endl;
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClusterRandomTest);
