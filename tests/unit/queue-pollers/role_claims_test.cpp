// role_claims_test.cpp — fair-share role claiming by simulated nodes sharing one in-memory role table on a fake
// clock: the share of two and three nodes, a node joining (the first gives up its excess, the second takes it), a
// dead node's roles taken after its leases ran out, the grace after which a free role is taken past the share, and
// a seeded randomized run of reloads, crashes, restarts, stale views and role counts checked against the
// invariants (never two nodes running one role; eventually every role held, and no node above its share).
// SPDX-License-Identifier: Apache-2.0
#include "fake_clock.h"
#include "fake_event_source_host.h"
#include "role_claims.h"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using maelstrom::plugins::queue_pollers::PollerRole;
using maelstrom::plugins::queue_pollers::pollerRoles;
using maelstrom::plugins::queue_pollers::RoleClaims;
using maelstrom::testing::FakeClock;
using maelstrom::testing::FakeRoleLocks;
using maelstrom::testing::RoleTable;
namespace sdk = maelstrom::sdk;

namespace {

constexpr std::chrono::milliseconds kLease{120'000};
constexpr std::chrono::milliseconds kReload{1'000};
const std::chrono::milliseconds kGrace = RoleClaims::graceFor(kReload);

/// A node as a driver runs it: reloads claim the roles, a held role's poller runs until its lease (by the last
/// renewal) runs out, a role given up or no longer needed is released once its poller ended (`releaseLater`: at
/// the next reload, as when work is still in flight).
class Node {
public:
    Node(FakeClock& clock, RoleTable& table, std::string name)
        : clock_(clock), table_(table), name_(std::move(name)), locks_(table, name_) {
        restart();
    }

    /// A crash and a new process: the pollers are gone at once, the leases stay until they run out.
    void restart() {
        claims_ = std::make_unique<RoleClaims>(clock_, kLease, kGrace);
        running_.clear();
        pendingRelease_.clear();
    }

    void reload(const std::vector<PollerRole>& roles, int nodeCount, bool releaseLater = false) {
        for (const auto& roleId : pendingRelease_) {
            locks_.release(roleId);
        }
        pendingRelease_.clear();
        const auto claims = claims_->claim(locks_, "src", roles, nodeCount);
        std::set<std::string> needed;
        for (const auto& claim : claims) {
            needed.insert(claim.roleId);
            switch (claim.decision) {
            case RoleClaims::Decision::Hold:
                running_[claim.roleId] = claim.callStart + kLease - 1s;
                break;
            case RoleClaims::Decision::GiveUp:
                running_.erase(claim.roleId);
                stop(claim.roleId, releaseLater);
                break;
            case RoleClaims::Decision::HeldElsewhere:
            case RoleClaims::Decision::LeftToOthers:
                running_.erase(claim.roleId);
                break;
            case RoleClaims::Decision::Failed:
                break;
            }
        }
        for (auto it = running_.begin(); it != running_.end();) {
            if (!needed.contains(it->first)) {
                stop(it->first, releaseLater);
                it = running_.erase(it);
            } else {
                ++it;
            }
        }
    }

    /// The roles whose poller runs here now.
    std::set<std::string> running() const {
        std::set<std::string> roles;
        for (const auto& [roleId, until] : running_) {
            if (until > clock_.steadyNow()) {
                roles.insert(roleId);
            }
        }
        return roles;
    }
    const std::string& name() const { return name_; }

private:
    void stop(const std::string& roleId, bool later) {
        if (later) {
            pendingRelease_.insert(roleId);
        } else {
            locks_.release(roleId);
        }
    }

    FakeClock& clock_;
    RoleTable& table_;
    std::string name_;
    FakeRoleLocks locks_;
    std::unique_ptr<RoleClaims> claims_;
    std::map<std::string, FakeClock::TimePoint> running_; ///< role → end of the lease as last renewed
    std::set<std::string> pendingRelease_;
};

std::vector<PollerRole> rolesOf(int count) { return pollerRoles("aws-test", "src", count, 1, count); }

std::string roleId(int index) { return "aws-test-src-" + std::to_string(index) + "-1"; }

std::set<std::string> idsOf(std::initializer_list<int> indices) {
    std::set<std::string> ids;
    for (const auto i : indices) {
        ids.insert(roleId(i));
    }
    return ids;
}

} // namespace

class RoleClaimsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RoleClaimsTest);
    CPPUNIT_TEST(twoNodesTakeTwoEach);
    CPPUNIT_TEST(threeNodesTakeTheirShare);
    CPPUNIT_TEST(aJoiningNodeGetsTheExcess);
    CPPUNIT_TEST(fewerRolesGiveUpTheHighestIndices);
    CPPUNIT_TEST(aDeadNodesRolesAreTakenAfterItsLeases);
    CPPUNIT_TEST(freeRolesAreTakenPastTheShareAfterTheGrace);
    CPPUNIT_TEST(overflowIsGivenBackWhenTheClusterGrows);
    CPPUNIT_TEST(failedCallsKeepTheState);
    CPPUNIT_TEST(randomizedRunKeepsTheInvariants);
    CPPUNIT_TEST_SUITE_END();

public:
    void twoNodesTakeTwoEach() {
        FakeClock clock;
        RoleTable table(clock);
        Node a(clock, table, "a");
        Node b(clock, table, "b");
        for (int round = 0; round < 3; ++round) {
            a.reload(rolesOf(4), 2);
            b.reload(rolesOf(4), 2);
            clock.advance(kReload);
        }
        CPPUNIT_ASSERT(idsOf({0, 1}) == a.running());
        CPPUNIT_ASSERT(idsOf({2, 3}) == b.running());
    }

    void threeNodesTakeTheirShare() {
        for (const int count : {6, 7, 4, 2}) {
            FakeClock clock;
            RoleTable table(clock);
            std::vector<std::unique_ptr<Node>> nodes;
            for (const char* name : {"a", "b", "c"}) {
                nodes.push_back(std::make_unique<Node>(clock, table, name));
            }
            for (int round = 0; round < 3; ++round) {
                for (auto& node : nodes) {
                    node->reload(rolesOf(count), 3);
                }
                clock.advance(kReload);
            }
            const std::size_t share = static_cast<std::size_t>((count + 2) / 3);
            std::set<std::string> all;
            for (auto& node : nodes) {
                const auto running = node->running();
                CPPUNIT_ASSERT_MESSAGE(std::to_string(count) + " roles: " + node->name() + " above its share",
                                       running.size() <= share);
                all.insert(running.begin(), running.end());
            }
            CPPUNIT_ASSERT_EQUAL(static_cast<std::size_t>(count), all.size());
        }
    }

    void aJoiningNodeGetsTheExcess() {
        FakeClock clock;
        RoleTable table(clock);
        Node a(clock, table, "a");
        Node b(clock, table, "b");
        a.reload(rolesOf(4), 1);
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, a.running().size());
        clock.advance(kReload);
        b.reload(rolesOf(4), 2); // b sees a; a does not see b yet
        CPPUNIT_ASSERT(b.running().empty());
        clock.advance(kReload);
        a.reload(rolesOf(4), 2, true);                // gives up 2 and 3, released once their work in flight is done
        CPPUNIT_ASSERT(idsOf({0, 1}) == a.running()); // the highest indices go first
        b.reload(rolesOf(4), 2);
        CPPUNIT_ASSERT(b.running().empty()); // still a's in the table
        clock.advance(kReload);
        a.reload(rolesOf(4), 2); // releases them, and leaves them to b
        CPPUNIT_ASSERT(idsOf({0, 1}) == a.running());
        b.reload(rolesOf(4), 2);
        CPPUNIT_ASSERT(idsOf({2, 3}) == b.running());
        clock.advance(kReload);
        a.reload(rolesOf(4), 2);
        b.reload(rolesOf(4), 2);
        CPPUNIT_ASSERT(idsOf({0, 1}) == a.running());
        CPPUNIT_ASSERT(idsOf({2, 3}) == b.running());
    }

    void fewerRolesGiveUpTheHighestIndices() {
        FakeClock clock;
        RoleTable table(clock);
        Node a(clock, table, "a");
        Node b(clock, table, "b");
        a.reload(rolesOf(6), 2);
        b.reload(rolesOf(6), 2);
        CPPUNIT_ASSERT(idsOf({0, 1, 2}) == a.running());
        CPPUNIT_ASSERT(idsOf({3, 4, 5}) == b.running());
        clock.advance(kReload);
        // The component scaled down to 4 handlers: roles 4 and 5 go; b keeps 3; a gives up 2, which b takes.
        a.reload(rolesOf(4), 2, true);
        b.reload(rolesOf(4), 2, true);
        CPPUNIT_ASSERT(idsOf({0, 1}) == a.running());
        CPPUNIT_ASSERT(idsOf({3}) == b.running());
        clock.advance(kReload);
        a.reload(rolesOf(4), 2);
        b.reload(rolesOf(4), 2);
        CPPUNIT_ASSERT(idsOf({0, 1}) == a.running());
        CPPUNIT_ASSERT(idsOf({2, 3}) == b.running());
    }

    void aDeadNodesRolesAreTakenAfterItsLeases() {
        FakeClock clock;
        RoleTable table(clock);
        Node a(clock, table, "a");
        Node b(clock, table, "b");
        Node c(clock, table, "c");
        for (int round = 0; round < 2; ++round) {
            for (auto* node : {&a, &b, &c}) {
                node->reload(rolesOf(6), 3);
            }
            clock.advance(kReload);
        }
        const auto deadRoles = c.running();
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, deadRoles.size());
        c.restart(); // crashed; its leases stay, and the view still counts it
        std::set<std::string> taken;
        auto elapsed = 0ms;
        while (elapsed < kLease + kGrace + 3 * kReload) {
            a.reload(rolesOf(6), 3);
            b.reload(rolesOf(6), 3);
            taken.clear();
            for (const auto* node : {&a, &b}) {
                const auto running = node->running();
                taken.insert(running.begin(), running.end());
            }
            if (elapsed < kLease - kReload) {
                CPPUNIT_ASSERT_EQUAL(std::size_t{4}, taken.size()); // c's roles wait for its leases
            }
            clock.advance(kReload);
            elapsed += kReload;
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{6}, taken.size());
        // Once the view drops c, a and b keep what they took (their share is 3 now).
        for (int round = 0; round < 3; ++round) {
            a.reload(rolesOf(6), 2);
            b.reload(rolesOf(6), 2);
            clock.advance(kReload);
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, a.running().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, b.running().size());
    }

    void freeRolesAreTakenPastTheShareAfterTheGrace() {
        FakeClock clock;
        RoleTable table(clock);
        Node a(clock, table, "a");
        a.reload(rolesOf(4), 2); // the other node is in the view but never reloads
        CPPUNIT_ASSERT(idsOf({0, 1}) == a.running());
        auto elapsed = 0ms;
        while (elapsed + kReload < kGrace) {
            clock.advance(kReload);
            elapsed += kReload;
            a.reload(rolesOf(4), 2);
            CPPUNIT_ASSERT_EQUAL(std::size_t{2}, a.running().size());
        }
        clock.advance(2 * kReload);
        a.reload(rolesOf(4), 2);
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, a.running().size());
        // Kept at the following reloads (the node count did not change): no role goes unpolled again.
        for (int round = 0; round < 5; ++round) {
            clock.advance(kReload);
            a.reload(rolesOf(4), 2);
            CPPUNIT_ASSERT_EQUAL(std::size_t{4}, a.running().size());
        }
    }

    void overflowIsGivenBackWhenTheClusterGrows() {
        FakeClock clock;
        RoleTable table(clock);
        Node a(clock, table, "a");
        Node b(clock, table, "b");
        a.reload(rolesOf(4), 2);
        clock.advance(kGrace + kReload);
        a.reload(rolesOf(4), 2); // b never showed up: a polls all
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, a.running().size());
        // b leaves the view, then a node (b again) joins: a gives back the excess.
        clock.advance(kReload);
        a.reload(rolesOf(4), 1);
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, a.running().size());
        clock.advance(kReload);
        a.reload(rolesOf(4), 2);
        b.reload(rolesOf(4), 2);
        CPPUNIT_ASSERT(idsOf({0, 1}) == a.running());
        CPPUNIT_ASSERT(idsOf({2, 3}) == b.running());
    }

    void failedCallsKeepTheState() {
        /// Locks whose calls throw while `failing`.
        class Flaky final : public sdk::RoleLocks {
        public:
            explicit Flaky(FakeRoleLocks& inner) : inner_(inner) {}
            bool acquireOrRenew(const std::string& roleId, std::chrono::milliseconds lease) override {
                check();
                return inner_.acquireOrRenew(roleId, lease);
            }
            void release(const std::string& roleId) override {
                check();
                inner_.release(roleId);
            }
            std::optional<std::string> holder(const std::string& roleId) override {
                check();
                return inner_.holder(roleId);
            }
            bool failing = false;

        private:
            void check() const {
                if (failing) {
                    throw std::runtime_error("database down");
                }
            }
            FakeRoleLocks& inner_;
        };
        FakeClock clock;
        RoleTable table(clock);
        FakeRoleLocks locks(table, "a");
        Flaky flaky(locks);
        RoleClaims claims(clock, kLease, kGrace);
        auto result = claims.claim(flaky, "src", rolesOf(2), 1);
        CPPUNIT_ASSERT(result[0].decision == RoleClaims::Decision::Hold);
        flaky.failing = true;
        clock.advance(kReload);
        result = claims.claim(flaky, "src", rolesOf(2), 1);
        CPPUNIT_ASSERT(result[0].decision == RoleClaims::Decision::Failed);
        CPPUNIT_ASSERT_EQUAL(std::string("database down"), result[0].error);
        CPPUNIT_ASSERT(claims.held() == idsOf({0, 1}));
        flaky.failing = false;
        clock.advance(kReload);
        result = claims.claim(flaky, "src", rolesOf(2), 1);
        CPPUNIT_ASSERT(result[0].decision == RoleClaims::Decision::Hold);
        CPPUNIT_ASSERT(result[1].decision == RoleClaims::Decision::Hold);
        claims.retain({});
        CPPUNIT_ASSERT(claims.held().empty());
    }

    void randomizedRunKeepsTheInvariants() {
        std::uint64_t seed = std::random_device{}();
        if (const char* given = std::getenv("ROLE_CLAIMS_SEED")) {
            seed = std::strtoull(given, nullptr, 10);
        }
        const std::string tag = "seed " + std::to_string(seed) + " (ROLE_CLAIMS_SEED reruns it): ";
        std::mt19937_64 random(seed);
        const auto chance = [&](int percent) { return static_cast<int>(random() % 100) < percent; };
        FakeClock clock;
        RoleTable table(clock);
        constexpr int kNodes = 3;
        std::vector<std::unique_ptr<Node>> nodes;
        std::vector<bool> alive(kNodes, true);
        std::vector<int> view(kNodes, kNodes); // each node's count of the cluster, possibly stale
        for (int i = 0; i < kNodes; ++i) {
            nodes.push_back(std::make_unique<Node>(clock, table, "n" + std::to_string(i)));
        }
        int roleCount = 4;
        const auto aliveCount = [&] { return static_cast<int>(std::count(alive.begin(), alive.end(), true)); };
        const auto checkOneRunnerPerRole = [&](const std::string& when) {
            std::map<std::string, std::string> runner;
            for (int i = 0; i < kNodes; ++i) {
                if (!alive[i]) {
                    continue;
                }
                for (const auto& roleId : nodes[i]->running()) {
                    const auto [it, inserted] = runner.emplace(roleId, nodes[i]->name());
                    CPPUNIT_ASSERT_MESSAGE(
                        tag + when + ": " + roleId + " runs on " + it->second + " and " + nodes[i]->name(), inserted);
                }
            }
        };

        // Episodes of random events, each ended by a settling phase whose outcome is checked.
        for (int episode = 0; episode < 12; ++episode) {
            for (int step = 0; step < 300; ++step) {
                const int i = static_cast<int>(random() % kNodes);
                if (chance(4)) {
                    if (alive[i] && aliveCount() > 1) {
                        alive[i] = false; // crashed: no release, no reload
                    } else if (!alive[i]) {
                        alive[i] = true;
                        nodes[i]->restart();
                    }
                }
                if (chance(10)) {
                    view[random() % kNodes] = aliveCount(); // a view catches up (others stay stale a while)
                }
                if (chance(3)) {
                    roleCount = 1 + static_cast<int>(random() % 7);
                }
                if (alive[i]) {
                    nodes[i]->reload(rolesOf(roleCount), std::max(1, view[i]), chance(50));
                }
                clock.advance(std::chrono::milliseconds(random() % 1500));
                checkOneRunnerPerRole("episode " + std::to_string(episode) + " step " + std::to_string(step));
            }

            // Everyone alive again, every view right: lease, grace and overflow hold all run out within this.
            for (int i = 0; i < kNodes; ++i) {
                if (!alive[i]) {
                    alive[i] = true;
                    nodes[i]->restart();
                }
                view[i] = kNodes;
            }
            const auto settle = kLease + 12 * kGrace + 10 * kReload;
            for (auto elapsed = 0ms; elapsed < settle; elapsed += kReload) {
                for (int i = 0; i < kNodes; ++i) {
                    nodes[i]->reload(rolesOf(roleCount), kNodes, chance(50));
                }
                clock.advance(kReload);
                checkOneRunnerPerRole("settling");
            }
            for (int round = 0; round < 3; ++round) { // releases left pending by the last rounds
                for (int i = 0; i < kNodes; ++i) {
                    nodes[i]->reload(rolesOf(roleCount), kNodes);
                }
                clock.advance(kReload);
            }
            const std::size_t share = static_cast<std::size_t>((roleCount + kNodes - 1) / kNodes);
            std::set<std::string> all;
            for (int i = 0; i < kNodes; ++i) {
                const auto running = nodes[i]->running();
                CPPUNIT_ASSERT_MESSAGE(tag + nodes[i]->name() + " runs " + std::to_string(running.size()) +
                                           " roles in episode " + std::to_string(episode) + ", above its share " +
                                           std::to_string(share),
                                       running.size() <= share);
                all.insert(running.begin(), running.end());
            }
            CPPUNIT_ASSERT_EQUAL_MESSAGE(tag + "episode " + std::to_string(episode) + ": every role held",
                                         static_cast<std::size_t>(roleCount), all.size());
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RoleClaimsTest);
