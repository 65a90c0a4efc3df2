// lb_random.cpp — example maelstrom plugin "lb-random": a load balancer that sends each request to a free
// instance chosen uniformly at random. The whole plugin: one picker class, one descriptor, one macro line.
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: pick() is called concurrently by request threads. The generator state is one atomic
// counter (SplitMix64: each call takes the next value of a Weyl sequence and scrambles it), so picking is
// lock-free and never blocks.
#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/load_balancer.h>
#include <maelstrom/sdk/plugin.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace {

class RandomPicker final : public maelstrom::sdk::InstancePicker {
public:
    explicit RandomPicker(std::uint64_t seed) : state_(seed) {}

    std::size_t pick(std::span<const maelstrom::sdk::Candidate> candidates) override {
        std::uint64_t z = state_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        return static_cast<std::size_t>(z % candidates.size()); // never empty (contract)
    }
    // No per-instance state, so the default forget() (do nothing) is right.

private:
    std::atomic<std::uint64_t> state_;
};

// The service the host creates: makes one picker per component.
class RandomBalancer final : public maelstrom::sdk::LoadBalancer {
public:
    explicit RandomBalancer(std::int64_t seed) : seed_(seed) {}

    std::unique_ptr<maelstrom::sdk::InstancePicker> newPicker(const std::string& componentName) override {
        // seed 0 = a different sequence on every start; otherwise reproducible, still distinct per component
        const std::uint64_t base =
            seed_ != 0 ? static_cast<std::uint64_t>(seed_)
                       : static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        return std::make_unique<RandomPicker>(base ^ std::hash<std::string>{}(componentName));
    }

private:
    std::int64_t seed_;
};

const maelstrom::sdk::PluginDescriptor& randomDescriptor() {
    static const maelstrom::sdk::PluginDescriptor descriptor{
        .kind = maelstrom::sdk::ServiceKind::LoadBalancer,
        .name = "lb-random", // must match the file name: lb-random.so
        .version = "1.0.0",
        .description = "example: each request goes to a free instance chosen at random",
        // The host validates the registry's `settings:` against this table before create() runs.
        .settings = {{
            .name = "seed",
            .type = maelstrom::sdk::SettingType::Int,
            .defaultValue = "0",
            .description = "seed of the random sequence; 0 picks a new one at every start",
            .required = false,
            .secret = false,
            .allowed = {},
        }},
        .create = [](const maelstrom::sdk::Settings& settings,
                     const maelstrom::sdk::HostContext& host) -> std::shared_ptr<maelstrom::sdk::Service> {
            const std::int64_t seed = settings.getInt("seed");
            if (seed < 0) {
                throw maelstrom::sdk::InvalidConfig("seed", "setting 'seed' must be 0 or positive, got " +
                                                                std::to_string(seed));
            }
            host.logger.information("lb-random ready, seed " + std::to_string(seed));
            return std::make_shared<RandomBalancer>(seed);
        },
    };
    return descriptor;
}

} // namespace

MAELSTROM_PLUGIN(randomDescriptor)
