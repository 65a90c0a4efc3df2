// docker_run_reference.h — the benchmarks' hand-made cold start, the reference maelstromd's cold start is
// compared with: `docker run -d -p 127.0.0.1::8080` + `docker port` + curl polling a path every 10 ms until the
// first 200, timed from before `docker run`; the container is removed afterwards (not timed). Header-only.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "bench_spawn.h"

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace maelstrom::bench {

/// `s` without trailing newlines and spaces (CLI output).
inline std::string trimRight(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    return s;
}

/// Milliseconds from `docker run -d` of `image` (labelled maelstrom-test=true, maelstrom-test-suite=`suite`) to
/// the first 200 of `path` on its published port 8080, polled with curl every 10 ms.
/// @throws std::runtime_error when docker fails or no 200 comes within 60 s.
inline double dockerRunFirst200Millis(const std::string& image, const std::string& suite,
                                      const std::string& path = "/") {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    auto [rc, out] = spawnCapture({"docker", "run", "-d", "-p", "127.0.0.1::8080", "--label", "maelstrom-test=true",
                                   "--label", "maelstrom-test-suite=" + suite, image});
    if (rc != 0)
        throw std::runtime_error("docker run failed");
    const std::string id = trimRight(out);
    auto [rc2, port] = spawnCapture({"docker", "port", id, "8080/tcp"});
    if (rc2 != 0) {
        spawnCapture({"docker", "rm", "-f", id});
        throw std::runtime_error("docker port failed");
    }
    const std::string url = "http://" + trimRight(port.substr(0, port.find('\n'))) + path;
    for (;;) {
        auto [rc3, code] = spawnCapture({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url});
        (void)rc3;
        if (code == "200")
            break;
        if (Clock::now() - t0 > std::chrono::seconds(60)) {
            spawnCapture({"docker", "rm", "-f", id});
            throw std::runtime_error("the docker run container never answered 200");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const double total = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    spawnCapture({"docker", "rm", "-f", id});
    return total;
}

} // namespace maelstrom::bench
