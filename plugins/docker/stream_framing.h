// stream_framing.h — docker plugin: Docker's multiplexed stdout/stderr framing (logs, exec without a TTY) and
// the line splitting on top of it. Pure functions and small state machines: no I/O.
// SPDX-License-Identifier: Apache-2.0
//
// A frame is an 8-byte header — byte 0 the stream (0 stdin, 1 stdout, 2 stderr), bytes 1-3 zero, bytes 4-7 the
// big-endian payload length — followed by the payload. Frames do not line up with lines: a frame may hold part
// of a line or several lines. Thread-safety: none (one decoder per stream).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace maelstrom::plugins::docker {

enum class StreamId : std::uint8_t { Stdin = 0, Stdout = 1, Stderr = 2 };

/// Feeds arbitrary chunks of a multiplexed stream; calls `onFrame(stream, payload)` for each whole frame.
class MuxDecoder {
public:
    using FrameSink = std::function<void(StreamId, std::string_view)>;
    explicit MuxDecoder(FrameSink sink) : sink_(std::move(sink)) {}
    void feed(std::string_view data);
    /// True when the input ended in the middle of a frame (truncated stream).
    bool partial() const { return !buffer_.empty(); }

private:
    FrameSink sink_;
    std::string buffer_;
};

/// Splits a byte stream into lines (without "\n", and without a trailing "\r"); finish() flushes a last
/// unterminated line.
class LineSplitter {
public:
    using LineSink = std::function<void(std::string_view)>;
    explicit LineSplitter(LineSink sink) : sink_(std::move(sink)) {}
    void feed(std::string_view data);
    void finish();

private:
    LineSink sink_;
    std::string pending_;
};

/// Demultiplexes a whole buffer at once (exec output): stdout and stderr payloads concatenated in arrival order.
std::string demultiplexAll(std::string_view data);

} // namespace maelstrom::plugins::docker
