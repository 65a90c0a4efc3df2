// blocking_response.h — maelstrom core: an HTTP/1.1 response writer on a connected socket fd, for handlers that
// own the connection's thread: a complete small text answer, or a chunked answer written through a std::ostream.
// SPDX-License-Identifier: Apache-2.0
//
// Every answer carries `Connection: close`: the connection ends with the answer, and the caller closes the socket
// afterwards (the writer never closes it, nor reads from it). Writes go through ::send(MSG_NOSIGNAL |
// MSG_DONTWAIT), so they work on a blocking or a non-blocking socket and never raise SIGPIPE; partial writes are
// continued, and a write that has to wait waits in poll(POLLOUT). The writer fails for good — ok() turns false,
// the body stream goes bad, later writes do nothing — when the peer is gone, when a write makes no progress for
// `writeTimeout`, or when a write has to wait after `cancel` was requested (a write that can proceed at once
// still goes through, so a last chunk after a cancellation is sent whenever the socket buffer has room).
// Nothing throws out of it; it allocates nothing but the head's text (the chunk buffer is part of the object,
// about 16 KiB: fine on a thread's stack).
// Threads: one object is used by one thread at a time; `cancel` may be requested from any thread.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <ostream>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace maelstrom::core {

class BlockingResponse {
public:
    struct Header {
        std::string name;
        std::string value;
    };
    using Headers = std::vector<Header>;

    static constexpr std::chrono::milliseconds kDefaultWriteTimeout{310'000};
    /// Bytes a chunked body buffers before it emits a chunk without waiting for a flush.
    static constexpr std::size_t kChunkBufferBytes = 16 * 1024;

    /// `writeTimeout` is taken between 0 and 24 hours.
    explicit BlockingResponse(int socketFd, std::chrono::milliseconds writeTimeout = kDefaultWriteTimeout,
                              std::stop_token cancel = {});
    ~BlockingResponse();
    BlockingResponse(const BlockingResponse&) = delete;
    BlockingResponse& operator=(const BlockingResponse&) = delete;

    /// Sends a complete answer: the status line with the standard reason phrase, `Content-Type: text/plain;
    /// charset=utf-8`, Content-Length, `Connection: close`, `headers` (one with CR or LF in it is left out), then
    /// `body`. One answer per object: returns false without writing when one was started already, and when the
    /// answer could not be written whole.
    bool sendText(int status, std::string_view body, const Headers& headers = {}) noexcept;

    /// Sends the head of a chunked answer (the status line, `Content-Type: text/plain; charset=utf-8`,
    /// `Transfer-Encoding: chunked`, `Connection: close`, `headers`) and returns its body: writes are buffered;
    /// each flush, and a full buffer (kChunkBufferBytes), writes what is pending as one chunk (nothing when
    /// nothing is pending). The stream is bad when the head could not be written, when a write failed, and when
    /// an answer was started already. Valid as long as this object.
    std::ostream& startChunked(int status, const Headers& headers = {}) noexcept;

    /// Ends the chunked body: writes what is pending as one chunk, then the last chunk `0\r\n\r\n`. Returns true
    /// when the whole answer was written. Does nothing (returns false) when no chunked answer was started or
    /// after a failed write; a second call does nothing and returns the first one's result.
    bool finish() noexcept;

    /// False once a write failed (the peer is gone, the write timeout passed, or cancelled while waiting).
    bool ok() const noexcept;

    /// The standard reason phrase of `status` ("OK", "Service Unavailable"...; "Unknown" for others).
    static std::string_view reasonPhrase(int status) noexcept;

private:
    // The body's buffer: room for the chunk-size line before the data and the CRLF after it, so that a chunk
    // goes out in one send.
    class ChunkedBuffer final : public std::streambuf {
    public:
        explicit ChunkedBuffer(BlockingResponse& owner) noexcept : owner_(owner) {}
        /// Makes the buffer writable (before, every write fails).
        void open() noexcept;
        bool opened() const noexcept { return pbase() != nullptr; }
        /// Writes what is pending as one chunk; true when written (or nothing was pending).
        bool emit() noexcept;

    protected:
        int_type overflow(int_type c) override;
        int sync() override;

    private:
        static constexpr std::size_t kPrefix = 10; ///< up to 8 hex digits and CRLF
        static constexpr std::size_t kSuffix = 2;  ///< CRLF
        BlockingResponse& owner_;
        std::array<char, kPrefix + kChunkBufferBytes + kSuffix> storage_{};
    };

    bool startHead(int status, std::string_view framing, const Headers& headers, std::string_view body);
    bool sendAll(const char* data, std::size_t size) noexcept;

    const int fd_;
    const std::chrono::milliseconds writeTimeout_;
    const std::stop_token cancel_;
    bool started_ = false;
    bool failed_ = false;
    bool finished_ = false;
    bool finishResult_ = false;
    ChunkedBuffer chunked_{*this};
    std::ostream body_{&chunked_};
};

} // namespace maelstrom::core
