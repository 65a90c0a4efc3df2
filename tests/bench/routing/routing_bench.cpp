// routing_bench.cpp — how much the data plane's pure logic costs per request: a resolver lookup over 10,000
// HTTP event sources, and a router acquire + release (one thread, and 64 threads sharing 8 slots).
// There is no reference figure for these in the Go implementation; the budget we compare against is the
// proxy itself (tens of microseconds per request), so anything in the low microseconds is noise.
#include "round_robin.h"
#include "routing/resolver.h"
#include "routing/router.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

using namespace maelstrom;
using namespace maelstrom::core;
using Clock = std::chrono::steady_clock;

namespace {

double nsPer(Clock::duration d, std::int64_t n) {
    return std::chrono::duration<double, std::nano>(d).count() / static_cast<double>(n);
}

} // namespace

int main() {
    std::vector<sdk::EventSource> sources;
    for (int i = 0; i < 10000; ++i) {
        sdk::EventSource es;
        const auto n = std::to_string(i);
        es.name = std::string("es").append(n);
        es.componentName = std::string("c").append(n);
        // Appends rather than `"h" + n + ".example"`: GCC 12 -O3 gives a false -Wrestrict on the latter.
        std::string host = "h";
        host.append(n).append(".example");
        std::string prefix = "/p";
        prefix.append(n).append("/");
        es.http = i % 2 ? sdk::HttpEventSource{host, "/api/", false} : sdk::HttpEventSource{"", prefix, true};
        sources.push_back(es);
    }
    HttpResolver resolver;
    auto t0 = Clock::now();
    resolver.replace(sources);
    std::printf("resolver build, 10000 rules:          %8.2f ms\n",
                std::chrono::duration<double, std::milli>(Clock::now() - t0).count());

    std::vector<std::pair<std::string, std::string>> requests;
    for (int i = 0; i < 1000; ++i) {
        const auto n = std::to_string((i * 37) % 10000);
        std::string host = "h";
        host.append(n).append(".example:80");
        std::string path = "/p";
        path.append(n).append("/items/42");
        requests.emplace_back(host, path);
    }
    const int lookups = 2000000;
    std::size_t hits = 0;
    t0 = Clock::now();
    for (int i = 0; i < lookups; ++i) {
        const auto& [host, path] = requests[static_cast<std::size_t>(i) % requests.size()];
        hits += resolver.resolve(host, path) ? 1 : 0;
    }
    std::printf("resolver lookup, 10000 rules:         %8.1f ns/lookup  (hits %zu; budget: << 1 us)\n",
                nsPer(Clock::now() - t0, lookups), hits);

    auto router = std::make_shared<Router>("bench", std::make_unique<plugins::round_robin::RoundRobinPicker>(),
                                           std::weak_ptr<ColdStarter>{});
    for (int i = 0; i < 4; ++i) {
        router->addInstance(makeInstanceSpec(std::string("i").append(std::to_string(i)), "http://127.0.0.1:1", 2));
    }
    const int single = 1000000;
    t0 = Clock::now();
    for (int i = 0; i < single; ++i) {
        AcquireOptions options;
        options.deadline = Clock::now() + std::chrono::seconds(10);
        auto result = router->acquire(options);
    }
    std::printf("router acquire+release, 1 thread:     %8.1f ns/request (budget: << 1 us)\n",
                nsPer(Clock::now() - t0, single));

    const int threads = 64;
    const int perThread = 20000;
    std::atomic<int> failed{0};
    std::vector<std::thread> pool;
    t0 = Clock::now();
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (int i = 0; i < perThread; ++i) {
                AcquireOptions options;
                options.deadline = Clock::now() + std::chrono::seconds(60);
                auto result = router->acquire(options);
                if (result.status != AcquireStatus::Acquired) {
                    ++failed;
                }
            }
        });
    }
    for (auto& thread : pool) {
        thread.join();
    }
    const auto elapsed = Clock::now() - t0;
    const double total = double(threads) * perThread;
    std::printf("router acquire+release, 64 threads, 8 slots: %8.0f requests/s (%.1f us/request; failed %d)\n",
                total / std::chrono::duration<double>(elapsed).count(), nsPer(elapsed, threads * perThread) / 1000,
                failed.load());
    return failed.load() == 0 ? 0 : 1;
}
