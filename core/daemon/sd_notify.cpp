// sd_notify.cpp — the service manager's notify protocol: one datagram to $NOTIFY_SOCKET.
// SPDX-License-Identifier: Apache-2.0
#include "daemon/sd_notify.h"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace maelstrom::core {

bool notifyServiceManager(const std::string& socketName, const std::string& state) {
    if (socketName.empty()) {
        return false;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const bool abstract = socketName[0] == '@';
    if (!abstract && socketName[0] != '/') {
        throw NotifyError("NOTIFY_SOCKET '" + socketName + "' is neither an absolute path nor '@' and a name");
    }
    // A path needs its terminating NUL inside sun_path; an abstract name is exactly its bytes after a leading NUL.
    const std::size_t capacity = sizeof(address.sun_path) - (abstract ? 0 : 1);
    if (socketName.size() > capacity || (abstract && socketName.size() < 2)) {
        throw NotifyError("NOTIFY_SOCKET '" + socketName + "' is not a valid unix socket name (at most " +
                          std::to_string(capacity) + " bytes)");
    }
    std::memcpy(address.sun_path, socketName.data(), socketName.size());
    if (abstract) {
        address.sun_path[0] = '\0';
    }
    const auto length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socketName.size() + (abstract ? 0 : 1));

    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw NotifyError("NOTIFY_SOCKET: socket(): " + std::string(std::strerror(errno)));
    }
    const ssize_t sent =
        ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address), length);
    const int error = errno;
    ::close(fd);
    if (sent < 0) {
        throw NotifyError("NOTIFY_SOCKET '" + socketName + "': " + std::strerror(error));
    }
    if (static_cast<std::size_t>(sent) != state.size()) {
        throw NotifyError("NOTIFY_SOCKET '" + socketName + "': the datagram was cut short");
    }
    return true;
}

bool notifyServiceManager(const std::string& state) {
    const char* socketName = std::getenv("NOTIFY_SOCKET");
    return notifyServiceManager(socketName ? socketName : "", state);
}

} // namespace maelstrom::core
