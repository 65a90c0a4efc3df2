// sd_notify_daemon_test.cpp — maelstromd under a service manager's NOTIFY_SOCKET (what systemd's Type=notify
// waits for): READY=1 arrives only when the private port already answers, STOPPING=1 when SIGTERM starts the
// graceful stop, nothing when the daemon cannot open its ports; an unusable NOTIFY_SOCKET is a warning, not a
// failure.
// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <csignal>
#include <cstring>
#include <string>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace maelstrom::testing;

namespace {

const std::string kTestPlugins = MAELSTROM_TEST_PLUGIN_DIR;

std::string maelstromd() { return (binDir() / "maelstromd").string(); }

std::string registry() {
    return "plugin_dir: " + kTestPlugins + "\nservices:\n  load_balancer:\n    plugin: test-lb\n";
}

// The service manager's side: a datagram socket bound to an abstract name.
class NotifySocket {
public:
    explicit NotifySocket(const char* what)
        : name_("@maelstrom-sd-notify-daemon-test-" + std::to_string(::getpid()) + "-" + what) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        CPPUNIT_ASSERT(fd_ >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path + 1, name_.data() + 1, name_.size() - 1);
        const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(std::strerror(errno), 0,
                                     ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length));
    }
    ~NotifySocket() { ::close(fd_); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    const std::string& name() const { return name_; }

    /// The next datagram, or "(nothing)" when none arrives within `timeout`.
    std::string receive(std::chrono::milliseconds timeout) const {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
            return "(nothing)";
        }
        char buffer[4096];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        return n < 0 ? "(recv failed)" : std::string(buffer, static_cast<std::size_t>(n));
    }

private:
    std::string name_;
    int fd_ = -1;
};

} // namespace

class SdNotifyDaemonTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SdNotifyDaemonTest);
    CPPUNIT_TEST(testReadyWhenServingAndStoppingOnSigterm);
    CPPUNIT_TEST(testNoReadyWhenThePortIsTaken);
    CPPUNIT_TEST(testUnusableSocketIsAWarning);
    CPPUNIT_TEST_SUITE_END();

public:
    void testReadyWhenServingAndStoppingOnSigterm() {
        TempDir dir;
        NotifySocket socket("ready");
        const int port = freePort();
        const auto file = dir.write("maelstromd.yml", registry());
        BackgroundProcess daemon(
            {maelstromd(), "--config", file.string()},
            {{"MAEL_PRIVATE_PORT", std::to_string(port)}, {"MAEL_PUBLIC_PORT", "0"}, {"NOTIFY_SOCKET", socket.name()}});
        const std::string ready = socket.receive(std::chrono::seconds(30));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.output(), std::string("READY=1\nSTATUS=serving"), ready);
        // Ready means serving: the private port answers at once, without waiting.
        CPPUNIT_ASSERT_EQUAL(200, httpGetStatus(port, "/_mael_health_check"));
        CPPUNIT_ASSERT_EQUAL(std::string("(nothing)"), socket.receive(std::chrono::milliseconds(200)));

        CPPUNIT_ASSERT_EQUAL(0, ::kill(daemon.pid(), SIGTERM));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.output(), std::string("STOPPING=1\nSTATUS=stopping gracefully"),
                                     socket.receive(std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.output(), 0, daemon.stop(SIGTERM));
    }

    void testNoReadyWhenThePortIsTaken() {
        TempDir dir;
        NotifySocket socket("taken");
        const int port = freePort();
        const auto file = dir.write("maelstromd.yml", registry());
        BackgroundProcess first({maelstromd(), "--config", file.string()},
                                {{"MAEL_PRIVATE_PORT", std::to_string(port)}, {"MAEL_PUBLIC_PORT", "0"}});
        CPPUNIT_ASSERT(
            waitUntil([&] { return httpGetStatus(port, "/_mael_health_check") == 200; }, std::chrono::seconds(30)));
        const auto second = runProcess(
            {maelstromd(), "--config", file.string()},
            {{"MAEL_PRIVATE_PORT", std::to_string(port)}, {"MAEL_PUBLIC_PORT", "0"}, {"NOTIFY_SOCKET", socket.name()}});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(second.err, 2, second.exitCode);
        CPPUNIT_ASSERT_EQUAL(std::string("(nothing)"), socket.receive(std::chrono::milliseconds(200)));
        CPPUNIT_ASSERT_EQUAL(0, first.stop(SIGTERM));
    }

    void testUnusableSocketIsAWarning() {
        TempDir dir;
        const int port = freePort();
        const auto file = dir.write("maelstromd.yml", registry());
        const std::string missing = (dir.path() / "no-such-socket").string();
        BackgroundProcess daemon(
            {maelstromd(), "--config", file.string()},
            {{"MAEL_PRIVATE_PORT", std::to_string(port)}, {"MAEL_PUBLIC_PORT", "0"}, {"NOTIFY_SOCKET", missing}});
        CPPUNIT_ASSERT_MESSAGE(daemon.output(),
                               waitUntil(
                                   [&] {
                                       return daemon.output().find("telling the service manager: NOTIFY_SOCKET '" +
                                                                   missing + "': No such file or directory") !=
                                              std::string::npos;
                                   },
                                   std::chrono::seconds(30)));
        CPPUNIT_ASSERT_EQUAL(200, httpGetStatus(port, "/_mael_health_check"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.output(), 0, daemon.stop(SIGTERM));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SdNotifyDaemonTest);
