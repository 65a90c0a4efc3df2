// lb_bench.cpp — what a pick costs: ns per pick for 1..50 candidates (one thread), heap allocations per pick
// once every instance is known (target: 0), and picks per second with 8 threads sharing one picker.
// Reference: a proxied request costs tens of microseconds, so a pick should stay well under 1 µs for the usual
// handful of free instances; the cost is linear in the number of candidates (one hash lookup each).
// SPDX-License-Identifier: Apache-2.0
#include "least_outstanding.h"
#include "round_robin.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<std::uint64_t> allocations{0};
volatile std::size_t sinkHole = 0; // keeps the pick loop from being optimised away

} // namespace

// Counts every heap allocation in the process (the benchmark measures the pick loop only).
void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size ? size : 1)) {
        return p;
    }
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using Clock = std::chrono::steady_clock;
using maelstrom::sdk::Candidate;

std::vector<std::string> makeIds(std::size_t n) {
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < n; ++i) {
        ids.push_back("3f9c2d1e8a7b" + std::to_string(100000 + i)); // container-id-like length
    }
    return ids;
}

template <class Picker>
void singleThread(const char* name, std::size_t n) {
    Picker picker;
    const auto ids = makeIds(n);
    std::vector<Candidate> candidates;
    for (std::size_t i = 0; i < n; ++i) {
        candidates.push_back(Candidate{ids[i], static_cast<std::int64_t>(i % 3), 4});
    }
    for (std::size_t i = 0; i < 4 * n; ++i) {
        picker.pick(candidates); // warm up: every instance known
    }
    constexpr int kPicks = 2'000'000;
    std::size_t sink = 0;
    const auto allocBefore = allocations.load();
    const auto start = Clock::now();
    for (int i = 0; i < kPicks; ++i) {
        sink += picker.pick(candidates);
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kPicks;
    const auto allocs = allocations.load() - allocBefore;
    std::printf("%-18s %3zu candidates, 1 thread : %7.1f ns/pick = %5.1f ns/candidate (target: < 1000 ns/pick up to 10 "
                "candidates)  allocations/pick %.3f (target 0)\n",
                name, n, ns, ns / static_cast<double>(n), static_cast<double>(allocs) / kPicks);
    sinkHole = sink;
}

template <class Picker>
void contended(const char* name, std::size_t n, int threads) {
    Picker picker;
    const auto ids = makeIds(n);
    std::vector<Candidate> candidates;
    for (std::size_t i = 0; i < n; ++i) {
        candidates.push_back(Candidate{ids[i], 0, 4});
    }
    constexpr int kPicksPerThread = 500'000;
    std::vector<std::thread> pool;
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (int i = 0; i < kPicksPerThread; ++i) {
                picker.pick(candidates);
            }
        });
    }
    for (auto& th : pool) {
        th.join();
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%-18s %3zu candidates, %d threads: %7.2f M picks/s (one shared picker; reference: a node "
                "serves ~0.05 M req/s)\n",
                name, n, threads, threads * kPicksPerThread / secs / 1e6);
}

} // namespace

int main() {
    using maelstrom::plugins::least_outstanding::LeastOutstandingPicker;
    using maelstrom::plugins::round_robin::RoundRobinPicker;
    std::printf("lb-bench (hardware threads: %u)\n", std::thread::hardware_concurrency());
    for (std::size_t n : {1, 3, 10, 50}) {
        singleThread<RoundRobinPicker>("round-robin", n);
    }
    for (std::size_t n : {1, 3, 10, 50}) {
        singleThread<LeastOutstandingPicker>("least-outstanding", n);
    }
    contended<RoundRobinPicker>("round-robin", 3, 8);
    contended<LeastOutstandingPicker>("least-outstanding", 3, 8);
    return 0;
}
