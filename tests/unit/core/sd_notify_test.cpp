// sd_notify_test.cpp — notifyServiceManager against sockets bound here: a path and an abstract name receive the
// exact datagram, NOTIFY_SOCKET is read (and nothing sent without it), and bad names or a missing listener are
// refused with a NotifyError naming the socket.
// SPDX-License-Identifier: Apache-2.0
#include "daemon/sd_notify.h"
#include "test_support.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace maelstrom::core;
using maelstrom::testing::TempDir;

namespace {

// A datagram socket bound to `name` (a path, or "@name" for the abstract namespace), as the service manager has.
class Listener {
public:
    explicit Listener(const std::string& name) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        CPPUNIT_ASSERT(fd_ >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, name.data(), name.size());
        std::size_t length = offsetof(sockaddr_un, sun_path) + name.size();
        if (name[0] == '@') {
            address.sun_path[0] = '\0';
        } else {
            ++length;
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            std::strerror(errno), 0,
            ::bind(fd_, reinterpret_cast<sockaddr*>(&address), static_cast<socklen_t>(length)));
    }
    ~Listener() { ::close(fd_); }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    /// The next datagram, or "(nothing)" after a second.
    std::string receive() const {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 1000) != 1) {
            return "(nothing)";
        }
        char buffer[4096];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        CPPUNIT_ASSERT(n >= 0);
        return std::string(buffer, static_cast<std::size_t>(n));
    }

private:
    int fd_ = -1;
};

std::string errorOf(const std::string& socketName, const std::string& state) {
    try {
        notifyServiceManager(socketName, state);
    } catch (const NotifyError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string abstractName(const char* what) {
    return "@maelstrom-sd-notify-test-" + std::to_string(::getpid()) + "-" + what;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

class SdNotifyTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SdNotifyTest);
    CPPUNIT_TEST(testPathSocketReceivesTheState);
    CPPUNIT_TEST(testAbstractSocketReceivesTheState);
    CPPUNIT_TEST(testEnvironmentNamesTheSocket);
    CPPUNIT_TEST(testNothingSentWithoutSocket);
    CPPUNIT_TEST(testBadNamesRefused);
    CPPUNIT_TEST(testNoListenerIsAnError);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPathSocketReceivesTheState() {
        TempDir dir;
        const std::string path = (dir.path() / "notify").string();
        Listener listener(path);
        CPPUNIT_ASSERT(notifyServiceManager(path, "READY=1\nSTATUS=serving"));
        CPPUNIT_ASSERT_EQUAL(std::string("READY=1\nSTATUS=serving"), listener.receive());
        CPPUNIT_ASSERT(notifyServiceManager(path, "STOPPING=1"));
        CPPUNIT_ASSERT_EQUAL(std::string("STOPPING=1"), listener.receive());
    }

    void testAbstractSocketReceivesTheState() {
        const std::string name = abstractName("abstract");
        Listener listener(name);
        CPPUNIT_ASSERT(notifyServiceManager(name, "READY=1"));
        CPPUNIT_ASSERT_EQUAL(std::string("READY=1"), listener.receive());
    }

    void testEnvironmentNamesTheSocket() {
        const std::string name = abstractName("env");
        Listener listener(name);
        ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
        const bool sent = notifyServiceManager("READY=1");
        const char* after = std::getenv("NOTIFY_SOCKET");
        const std::string left = after ? after : "";
        ::unsetenv("NOTIFY_SOCKET");
        CPPUNIT_ASSERT(sent);
        CPPUNIT_ASSERT_EQUAL(std::string("READY=1"), listener.receive());
        CPPUNIT_ASSERT_EQUAL(name, left); // still set for STOPPING=1
    }

    void testNothingSentWithoutSocket() {
        ::unsetenv("NOTIFY_SOCKET");
        CPPUNIT_ASSERT(!notifyServiceManager("READY=1"));
        ::setenv("NOTIFY_SOCKET", "", 1);
        CPPUNIT_ASSERT(!notifyServiceManager("READY=1"));
        ::unsetenv("NOTIFY_SOCKET");
        CPPUNIT_ASSERT(!notifyServiceManager("", "READY=1"));
    }

    void testBadNamesRefused() {
        const std::string relative = errorOf("run/notify", "READY=1");
        CPPUNIT_ASSERT_MESSAGE(relative, contains(relative, "'run/notify' is neither an absolute path nor '@'"));
        const std::string tooLong = errorOf("/" + std::string(200, 'x'), "READY=1");
        CPPUNIT_ASSERT_MESSAGE(tooLong, contains(tooLong, "is not a valid unix socket name (at most 107 bytes)"));
        const std::string longAbstract = errorOf("@" + std::string(108, 'x'), "READY=1");
        CPPUNIT_ASSERT_MESSAGE(longAbstract, contains(longAbstract, "(at most 108 bytes)"));
        const std::string bareAt = errorOf("@", "READY=1");
        CPPUNIT_ASSERT_MESSAGE(bareAt, contains(bareAt, "'@' is not a valid unix socket name"));
    }

    void testNoListenerIsAnError() {
        TempDir dir;
        const std::string path = (dir.path() / "nobody").string();
        const std::string missing = errorOf(path, "READY=1");
        CPPUNIT_ASSERT_MESSAGE(missing, contains(missing, "NOTIFY_SOCKET '" + path + "': No such file or directory"));
        const std::string name = abstractName("unbound");
        const std::string refused = errorOf(name, "READY=1");
        CPPUNIT_ASSERT_MESSAGE(refused, contains(refused, "NOTIFY_SOCKET '" + name + "': Connection refused"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SdNotifyTest);
