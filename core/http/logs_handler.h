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
// The answer is written straight to the client's socket (blocking_response.h), so the private port only has to hand
// over the connection: every answer ends with the connection (`Connection: close`); a client that takes no bytes
// for 310 s is dropped.
// Threads: serve() on any thread, one per request (it blocks for the stream's life); stop() from the daemon's main
// thread before the private server stops.
#pragma once

#include <maelstrom/sdk/container_runtime.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace maelstrom::core {

struct LogStreamLimits {
    std::size_t maxStreams = 8;                   ///< /_mael/logs responses open at once
    std::size_t maxFollowersPerStream = 256;      ///< containers one stream follows
    std::size_t maxQueuedBytes = 1 << 20;         ///< lines waiting for one client
    std::chrono::milliseconds pingInterval{1000}; ///< keep-alive PING period (the reference's: 1 s)
    std::chrono::milliseconds pollInterval{1000}; ///< how soon a newly started container is followed
};

/// What the private port hands over for one `/_mael/logs` request.
struct LogsRequest {
    std::string target;        ///< the raw request target, e.g. "/_mael/logs?components=a,b&since=5m"
    std::string clientAddress; ///< "ip:port" of the client, for log lines
};

class LogStreams {
public:
    LogStreams(std::shared_ptr<sdk::ContainerRuntime> runtime, LogStreamLimits limits = {});
    /// Calls stop().
    ~LogStreams();
    LogStreams(const LogStreams&) = delete;
    LogStreams& operator=(const LogStreams&) = delete;

    /// Serves one request on `socketFd`: a connected TCP socket in BLOCKING mode whose request head has been read
    /// (the request body, if any, is ignored). Writes the whole answer — status line, headers, body; always with
    /// `Connection: close` — and returns when it is complete (for a 200 stream: when the client went away or
    /// stop() was called; then the chunked body is terminated with the last chunk when still possible). Blocks
    /// the calling thread for the stream's life; the caller runs it on a thread of its own and closes the socket
    /// afterwards (serve never closes it). Never throws.
    /// Answers: 503 + Retry-After: 5 when stopping or when maxStreams are open; 400 for an invalid `since` or
    /// `components`; 501 when the runtime cannot read logs; 500 when the containers cannot be listed; else the
    /// 200 stream (text/plain, chunked, Cache-Control: no-cache; one chunk per batch of lines or PING).
    /// The call keeps the shared state alive itself: this object may be destroyed while it runs (its destructor
    /// stops the stream).
    void serve(const LogsRequest& request, int socketFd);

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
