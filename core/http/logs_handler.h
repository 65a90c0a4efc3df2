// logs_handler.h — maelstrom core: `/_mael/logs` on the private port: an endless
// chunked text/plain stream of the cluster's container logs — one JSON line per log line
// ({"Component","Stream","Data","Node"}, CRLF-terminated) and `PING` once a second — filtered by `components`,
// starting at `since` (default 1m), following containers that start while the stream is open.
// SPDX-License-Identifier: Apache-2.0
//
// Merging: with setCluster(), a request without `local=1` streams this node's containers (Node = this node's id)
// and relays the lines of every peer, read from a `local=1` stream that each peer serves for the same
// `components` and start (`since` as a Unix timestamp); its lines carry its own Node (a line without one, from an
// older peer, gets the peer's id), its PINGs are dropped. Peers are taken from the peers() callback when the stream
// opens and every pollInterval after, so nodes that join later are followed too. A peer that cannot be reached,
// refuses (401, 503...), ends its stream or stays silent for 30 s is retried with backoff (250 ms doubling up to
// 5 s) while it is listed; a reconnection asks for the lines since the last sign of life of the previous
// connection, so lines around a break may repeat or be missed by up to the clocks' difference. A `local=1` request
// streams this node's containers only (what peers ask each other: no loops). A merged stream holds one stream slot
// on every peer.
// Differences from the reference (on purpose): each message carries exactly one line (Data ends in "\n") instead
// of a raw Docker frame; an invalid `since`, `components` or `local` answers 400 (the reference streamed PINGs
// only); the stream is not cut after the write timeout; at most `maxStreams` streams are open at once (503
// beyond); messages carry the node (`Node`, ignored by clients that do not know it).
// Bounds per stream: one follower thread per followed container (at most maxFollowersPerStream) plus one poll
// thread, one relay thread per peer (at most maxPeersPerStream) with one connection each, and at most
// maxQueuedBytes of lines waiting for the client (followers and relays wait when it is full, so a slow client
// slows them down instead of growing memory; a peer line longer than maxQueuedBytes is dropped). A client that
// goes away is noticed at the next write or, when it closed the connection, within 200 ms; its followers,
// relays (their connections are shut down) and threads are released then — a relay still connecting is waited
// for up to its 2 s connect timeout (plus the peer's name resolution, for a peer URL with a host name).
// The answer is written straight to the client's socket (blocking_response.h), so the private port only has to hand
// over the connection: every answer ends with the connection (`Connection: close`); a client that takes no bytes
// for 310 s is dropped.
// Threads: setCluster() once, before the first serve(); serve() on any thread, one per request (it blocks for the
// stream's life; it also calls peers()); stop() from the daemon's main thread before the private server stops.
#pragma once

#include <maelstrom/sdk/container_runtime.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace maelstrom::core {

struct LogStreamLimits {
    std::size_t maxStreams = 8;                   ///< /_mael/logs responses open at once
    std::size_t maxFollowersPerStream = 256;      ///< containers one stream follows
    std::size_t maxQueuedBytes = 1 << 20;         ///< lines waiting for one client
    std::chrono::milliseconds pingInterval{1000}; ///< keep-alive PING period (the reference's: 1 s)
    std::chrono::milliseconds pollInterval{1000}; ///< how soon a newly started container or a new peer is followed
    std::size_t maxPeersPerStream = 64;           ///< peers one merged stream relays
};

/// A peer whose containers' logs a merged stream relays.
struct PeerLogSource {
    std::string nodeId;  ///< tags the peer's lines that carry no Node of their own
    std::string peerUrl; ///< its private port, e.g. "http://10.0.0.2:8374" (http only)
};

/// What the private port hands over for one `/_mael/logs` request.
struct LogsRequest {
    std::string target;        ///< the raw request target, e.g. "/_mael/logs?components=a,b&since=5m&local=1"
    std::string clientAddress; ///< "ip:port" of the client, for log lines
};

class LogStreams {
public:
    LogStreams(std::shared_ptr<sdk::ContainerRuntime> runtime, LogStreamLimits limits = {});
    /// Calls stop().
    ~LogStreams();
    LogStreams(const LogStreams&) = delete;
    LogStreams& operator=(const LogStreams&) = delete;

    /// Makes the streams cluster-wide: local messages carry `nodeId`; requests without `local=1` also relay the
    /// containers of every peer `peers` lists (called on serve threads: it must be thread-safe and quick; this node
    /// is skipped if listed), asking each with `Authorization: Bearer <privateToken>` when the token is not empty.
    /// Without it, messages carry no Node and every stream is local.
    void setCluster(std::string nodeId, std::function<std::vector<PeerLogSource>()> peers, std::string privateToken);

    /// Serves one request on `socketFd`: a connected TCP socket in BLOCKING mode whose request head has been read
    /// (the request body, if any, is ignored). Writes the whole answer — status line, headers, body; always with
    /// `Connection: close` — and returns when it is complete (for a 200 stream: when the client went away or
    /// stop() was called; then the chunked body is terminated with the last chunk when still possible). Blocks
    /// the calling thread for the stream's life; the caller runs it on a thread of its own and closes the socket
    /// afterwards (serve never closes it). Never throws.
    /// Answers: 503 + Retry-After: 5 when stopping or when maxStreams are open; 400 for an invalid `since`,
    /// `components` or `local` (only "1" and "0"); 501 when the runtime cannot read logs; 500 when the containers
    /// cannot be listed; else the 200 stream (text/plain, chunked, Cache-Control: no-cache; one chunk per batch of
    /// lines or PING).
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
