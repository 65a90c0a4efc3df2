// sd_notify.h — tells the service manager how the daemon is doing (systemd's notify protocol, as Type=notify
// services use it): one datagram of "KEY=VALUE" lines to the unix socket named by $NOTIFY_SOCKET, "@name"
// meaning the abstract namespace. maelstromd sends READY=1 once both ports accept connections and STOPPING=1
// when a graceful stop begins. Without NOTIFY_SOCKET (not started by systemd, or Type=simple) nothing is sent.
// SPDX-License-Identifier: Apache-2.0
// No library: the protocol is a single sendto(). Thread-safe (no shared state; each call opens its own socket).
#pragma once

#include <stdexcept>
#include <string>

namespace maelstrom::core {

/// A socket name that cannot be used, or a datagram the socket refused; the text names the socket and the cause.
class NotifyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Sends `state` (newline-separated assignments, e.g. "READY=1\nSTATUS=serving") to the socket `socketName`:
/// an absolute path, or "@name" for the abstract namespace. Blocking only as long as one local sendto().
/// Returns false and sends nothing when socketName is empty. @throws NotifyError for a name that is neither an
/// absolute path nor "@name", a name longer than a unix socket address holds, or a failed send.
bool notifyServiceManager(const std::string& socketName, const std::string& state);

/// The same for the socket named by the environment variable NOTIFY_SOCKET (left set, so later states reach the
/// same socket). Returns false when it is unset or empty.
bool notifyServiceManager(const std::string& state);

} // namespace maelstrom::core
