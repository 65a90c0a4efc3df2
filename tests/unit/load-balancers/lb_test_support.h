// lb_test_support.h — helpers for the load-balancer tests: a set of named instances to offer as candidates,
// subsets of it, and a driver that counts picks per instance.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <maelstrom/sdk/load_balancer.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace maelstrom::testing::lb {

/// Instance ids "i0", "i1", ... kept alive for the candidates' string_views.
class Instances {
public:
    explicit Instances(std::size_t count);
    std::size_t size() const { return ids_.size(); }
    const std::string& id(std::size_t i) const { return ids_.at(i); }
    /// Candidates for the given instance indexes, in that order, with inFlight 0 and capacity 1.
    std::vector<sdk::Candidate> candidates(const std::vector<std::size_t>& which) const;
    /// All instances, in index order.
    std::vector<sdk::Candidate> all() const;
    /// Index of an instance id (candidates carry ids; tests count by index).
    std::size_t indexOf(std::string_view id) const;

private:
    std::vector<std::string> ids_;
};

/// Picks once and returns the index (in `Instances`) of the chosen instance; checks the returned position.
std::size_t pickInstance(sdk::InstancePicker& picker, const Instances& instances,
                         const std::vector<sdk::Candidate>& candidates);

/// Deterministic pseudo-random numbers (SplitMix64) so the "random" subsets are the same on every run.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

private:
    std::uint64_t state_;
};

} // namespace maelstrom::testing::lb
