// logs_handler.h — maelstrom core: `/_mael/logs` on the private port: an endless
// chunked text/plain stream of this node's container logs — one JSON line per log line
// ({"Component","Stream","Data"}, CRLF-terminated) and `PING` once a second — filtered by `components`, starting
// at `since` (default 1m), following containers that start while the stream is open.
// SPDX-License-Identifier: Apache-2.0
//
// Differences from the reference (on purpose): each message carries exactly one line (Data ends in "\n") instead
// of a raw Docker frame; an invalid `since` or `components` answers 400 (the reference streamed PINGs only); the
// stream is not cut after the write timeout; at most `maxStreams` streams are open at once (503 beyond).
// Bounds per stream: one follower thread per followed container (at most maxFollowersPerStream) plus one poll
// thread, and at most maxQueuedBytes of lines waiting for the client (followers wait when it is full, so a slow
// client slows the followers down instead of growing memory). A client that goes away is noticed at the next
// write or, when it closed the connection, within 200 ms; its followers and threads are released then.
// Threads: newHandler() from Poco's request-handler factory (any thread); handlers run on the private server's
// threads; stop() from the daemon's main thread before the private server stops.
#pragma once

#include <maelstrom/sdk/container_runtime.h>

#include <Poco/Net/HTTPRequestHandler.h>

#include <chrono>
#include <cstddef>
#include <memory>

namespace maelstrom::core {

struct LogStreamLimits {
    std::size_t maxStreams = 8;                   ///< /_mael/logs responses open at once
    std::size_t maxFollowersPerStream = 256;      ///< containers one stream follows
    std::size_t maxQueuedBytes = 1 << 20;         ///< lines waiting for one client
    std::chrono::milliseconds pingInterval{1000}; ///< keep-alive PING period (the reference's: 1 s)
    std::chrono::milliseconds pollInterval{1000}; ///< how soon a newly started container is followed
};

class LogStreams {
public:
    LogStreams(std::shared_ptr<sdk::ContainerRuntime> runtime, LogStreamLimits limits = {});
    /// Calls stop().
    ~LogStreams();
    LogStreams(const LogStreams&) = delete;
    LogStreams& operator=(const LogStreams&) = delete;

    /// A handler for one `/_mael/logs` request (Poco takes ownership). The handler keeps what it needs alive,
    /// so it may outlive this object.
    Poco::Net::HTTPRequestHandler* newHandler();

    /// Ends every open stream (clients see the chunked body end) and answers later requests 503; waits up to
    /// `wait` for the open ones to finish. Idempotent.
    void stop(std::chrono::milliseconds wait = std::chrono::seconds(5));

    /// Streams open now.
    std::size_t openStreams() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

} // namespace maelstrom::core
