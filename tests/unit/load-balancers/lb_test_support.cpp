// lb_test_support.cpp — see lb_test_support.h.
// SPDX-License-Identifier: Apache-2.0
#include "lb_test_support.h"

#include <cppunit/extensions/HelperMacros.h>

namespace maelstrom::testing::lb {

Instances::Instances(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        ids_.push_back("i" + std::to_string(i));
    }
}

std::vector<sdk::Candidate> Instances::candidates(const std::vector<std::size_t>& which) const {
    std::vector<sdk::Candidate> out;
    out.reserve(which.size());
    for (std::size_t i : which) {
        out.push_back(sdk::Candidate{.instanceId = ids_.at(i), .inFlight = 0, .capacity = 1});
    }
    return out;
}

std::vector<sdk::Candidate> Instances::all() const {
    std::vector<std::size_t> which(ids_.size());
    for (std::size_t i = 0; i < which.size(); ++i) {
        which[i] = i;
    }
    return candidates(which);
}

std::size_t Instances::indexOf(std::string_view id) const {
    for (std::size_t i = 0; i < ids_.size(); ++i) {
        if (ids_[i] == id) {
            return i;
        }
    }
    CPPUNIT_FAIL("unknown instance id " + std::string(id));
    return 0;
}

std::size_t pickInstance(sdk::InstancePicker& picker, const Instances& instances,
                         const std::vector<sdk::Candidate>& candidates) {
    const std::size_t pos = picker.pick(candidates);
    CPPUNIT_ASSERT_MESSAGE("pick() returned an index outside the candidates", pos < candidates.size());
    return instances.indexOf(candidates[pos].instanceId);
}

std::uint64_t Rng::next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

} // namespace maelstrom::testing::lb
