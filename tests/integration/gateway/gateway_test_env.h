// gateway_test_env.h — what the in-process gateway suites share: hello-http processes on free loopback ports
// (three of them started once per test process), the round-robin load balancer loaded from its plugin, and a
// one-request HTTP client.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "test_support.h"

#include <maelstrom/sdk/load_balancer.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace maelstrom::testing {

/// A hello-http process on a free port; INSTANCE_NAME=<name> shows in its /env.
struct HelloProcess {
    int port = 0;
    std::unique_ptr<BackgroundProcess> process;
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port); }
};

/// Starts one (retrying on a port race); fails the test when it does not answer /health.
HelloProcess startHello(const std::string& name);
/// Three hello-http processes ("alpha", "beta", "gamma") shared by every test of the process (started once).
std::vector<HelloProcess>& hellos();
/// The round-robin plugin's load balancer, loaded from the build's plugin directory.
std::shared_ptr<sdk::LoadBalancer> roundRobin();

/// One answer as the client saw it; status -1 and the error in body when the exchange failed.
struct Reply {
    int status = -1;
    std::string body;
    std::map<std::string, std::string> headers;
};

/// One request on a new connection to 127.0.0.1:port (120 s timeout); a body sets Content-Length.
Reply send(int port, const std::string& method, const std::string& target,
           const std::map<std::string, std::string>& headers = {}, const std::string& body = "");
/// GET with the Host header `host`.
Reply get(int port, const std::string& target, const std::string& host,
          const std::map<std::string, std::string>& extra = {});

// ---- raw sockets and the process's own figures, for the suites that drive connections by hand ----

/// A connected TCP socket to 127.0.0.1:port (TCP_NODELAY; `receiveBuffer` > 0 sets SO_RCVBUF before connecting);
/// fails the test when the connection is refused.
int connectTo(int port, int receiveBuffer = 0);
/// Writes all of `data` to a socket (no SIGPIPE) or a pipe; false when the peer is gone.
bool sendAll(int fd, std::string_view data);

/// A field of /proc/self/status (the number in front of its unit), or -1.
std::int64_t procStatus(const std::string& field);
inline std::int64_t rssKiB() { return procStatus("VmRSS"); }
inline std::int64_t threadCount() { return procStatus("Threads"); }

/// Samples VmRSS every 20 ms on its own thread; growthKiB() is the highest value seen minus the first.
class RssSampler {
public:
    RssSampler();
    ~RssSampler() { finish(); }
    RssSampler(const RssSampler&) = delete;
    RssSampler& operator=(const RssSampler&) = delete;
    void finish();
    std::int64_t growthKiB() const { return peak_.load() - base_; }

private:
    std::int64_t base_;
    std::atomic<std::int64_t> peak_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

} // namespace maelstrom::testing
