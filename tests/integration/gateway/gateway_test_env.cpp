// gateway_test_env.cpp — see gateway_test_env.h.
#include "gateway_test_env.h"

#include "registry/plugin_loader.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>

namespace maelstrom::testing {

HelloProcess startHello(const std::string& name) {
    HelloProcess hello;
    for (int attempt = 0; attempt < 3; ++attempt) {
        hello.port = freePort();
        hello.process = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{(buildDir() / "tests/bin/hello-http").string()},
            std::map<std::string, std::string>{{"PORT", std::to_string(hello.port)}, {"INSTANCE_NAME", name}});
        if (waitUntil([&] { return httpGetStatus(hello.port, "/health") == 200; }, std::chrono::seconds(20))) {
            return hello;
        }
    }
    CPPUNIT_FAIL("hello-http did not start: " + hello.process->output());
    return hello;
}

std::vector<HelloProcess>& hellos() {
    static std::vector<HelloProcess> all = [] {
        std::vector<HelloProcess> v;
        for (const char* name : {"alpha", "beta", "gamma"}) {
            v.push_back(startHello(name));
        }
        return v;
    }();
    return all;
}

std::shared_ptr<sdk::LoadBalancer> roundRobin() {
    const auto plugin = core::LoadedPlugin::open(core::pluginPath(pluginDir().string(), "round-robin"),
                                                 sdk::ServiceKind::LoadBalancer, "round-robin");
    sdk::HostContext host;
    auto balancer = std::dynamic_pointer_cast<sdk::LoadBalancer>(plugin.createService(sdk::RawSettings{}, host));
    CPPUNIT_ASSERT(balancer);
    return balancer;
}

Reply send(int port, const std::string& method, const std::string& target,
           const std::map<std::string, std::string>& headers, const std::string& body) {
    Reply reply;
    try {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
        session.setTimeout(Poco::Timespan(120, 0));
        Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
        for (const auto& [name, value] : headers) {
            request.set(name, value);
        }
        if (!body.empty() || method == "POST") {
            request.setContentLength64(static_cast<std::int64_t>(body.size()));
        }
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        reply.status = response.getStatus();
        for (const auto& [name, value] : response) {
            reply.headers[name] = value;
        }
        Poco::StreamCopier::copyToString(in, reply.body);
    } catch (const Poco::Exception& e) {
        reply.body = e.displayText();
    }
    return reply;
}

Reply get(int port, const std::string& target, const std::string& host,
          const std::map<std::string, std::string>& extra) {
    auto headers = extra;
    headers["Host"] = host;
    return send(port, "GET", target, headers);
}

int connectTo(int port, int receiveBuffer) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CPPUNIT_ASSERT(fd >= 0);
    if (receiveBuffer > 0) {
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        CPPUNIT_FAIL("connect to 127.0.0.1:" + std::to_string(port) + ": " + why);
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool sendAll(int fd, std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK) {
            n = ::write(fd, data.data() + done, data.size() - done); // a pipe
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::int64_t procStatus(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            return std::stoll(line.substr(field.size() + 1));
        }
    }
    return -1;
}

RssSampler::RssSampler() : base_(rssKiB()), peak_(base_) {
    thread_ = std::thread([this] {
        while (!stop_) {
            const std::int64_t now = rssKiB();
            std::int64_t seen = peak_.load();
            while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
}

void RssSampler::finish() {
    stop_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
}

} // namespace maelstrom::testing

#if defined(__SANITIZE_ADDRESS__)
// These suites measure the process's RSS while gigabytes stream through the proxy. AddressSanitizer keeps every
// freed block in a quarantine of up to 256 MiB before reusing it, which would show as growth the product does not
// have; a smaller quarantine still catches use-after-free of recent blocks. ASAN_OPTIONS may override it.
extern "C" const char* __asan_default_options() { return "quarantine_size_mb=4"; }
#endif
