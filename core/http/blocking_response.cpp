// blocking_response.cpp — see blocking_response.h.
// SPDX-License-Identifier: Apache-2.0
#include "http/blocking_response.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>

namespace maelstrom::core {

namespace {

// How often a write waiting for room re-checks the cancellation.
constexpr std::chrono::milliseconds kCancelCheck{100};

bool headerSafe(std::string_view text) { return text.find_first_of("\r\n") == std::string_view::npos; }

} // namespace

void BlockingResponse::ChunkedBuffer::open() noexcept {
    char* data = storage_.data() + kPrefix;
    setp(data, data + kChunkBufferBytes);
}

bool BlockingResponse::ChunkedBuffer::emit() noexcept {
    char* data = pbase();
    if (data == nullptr) {
        return false; // not opened
    }
    const auto size = static_cast<std::size_t>(pptr() - data);
    if (size == 0) {
        return true;
    }
    setp(data, data + kChunkBufferBytes); // emptied whatever happens below
    // The size line, right-aligned against the data: "<hex>\r\n".
    char* begin = data - 2;
    begin[0] = '\r';
    begin[1] = '\n';
    for (std::size_t rest = size; rest != 0; rest >>= 4) {
        *--begin = "0123456789abcdef"[rest & 0xf];
    }
    data[size] = '\r';
    data[size + 1] = '\n';
    return owner_.sendAll(begin, static_cast<std::size_t>(data + size + kSuffix - begin));
}

BlockingResponse::ChunkedBuffer::int_type BlockingResponse::ChunkedBuffer::overflow(int_type c) {
    if (!opened() || owner_.failed_ || !emit()) {
        return traits_type::eof();
    }
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
        *pptr() = traits_type::to_char_type(c);
        pbump(1);
    }
    return traits_type::not_eof(c);
}

int BlockingResponse::ChunkedBuffer::sync() { return opened() && !owner_.failed_ && emit() ? 0 : -1; }

BlockingResponse::BlockingResponse(int socketFd, std::chrono::milliseconds writeTimeout, std::stop_token cancel)
    : fd_(socketFd), writeTimeout_(std::clamp<std::chrono::milliseconds>(writeTimeout, std::chrono::milliseconds(0),
                                                                         std::chrono::hours(24))),
      cancel_(std::move(cancel)) {}

BlockingResponse::~BlockingResponse() = default;

bool BlockingResponse::sendText(int status, std::string_view body, const Headers& headers) noexcept {
    if (started_) {
        return false;
    }
    try {
        return startHead(status, "Content-Length: " + std::to_string(body.size()), headers, body);
    } catch (...) { // std::bad_alloc building the head
        failed_ = true;
        return false;
    }
}

std::ostream& BlockingResponse::startChunked(int status, const Headers& headers) noexcept {
    if (started_) {
        body_.setstate(std::ios::badbit);
        return body_;
    }
    try {
        if (startHead(status, "Transfer-Encoding: chunked", headers, {})) {
            chunked_.open();
            return body_;
        }
    } catch (...) { // std::bad_alloc building the head
        failed_ = true;
    }
    body_.setstate(std::ios::badbit);
    return body_;
}

bool BlockingResponse::finish() noexcept {
    if (finished_) {
        return finishResult_;
    }
    finished_ = true;
    if (!chunked_.opened() || failed_ || !chunked_.emit()) {
        body_.setstate(std::ios::badbit);
        return false;
    }
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    finishResult_ = sendAll(kLastChunk.data(), kLastChunk.size());
    if (!finishResult_) {
        body_.setstate(std::ios::badbit);
    }
    return finishResult_;
}

bool BlockingResponse::ok() const noexcept { return !failed_; }

std::string_view BlockingResponse::reasonPhrase(int status) noexcept {
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

bool BlockingResponse::startHead(int status, std::string_view framing, const Headers& headers, std::string_view body) {
    started_ = true;
    std::string text;
    text.reserve(256 + body.size());
    text += "HTTP/1.1 ";
    text += std::to_string(status);
    text += ' ';
    text += reasonPhrase(status);
    text += "\r\nContent-Type: text/plain; charset=utf-8\r\n";
    text += framing;
    text += "\r\nConnection: close\r\n";
    for (const auto& h : headers) {
        if (!h.name.empty() && headerSafe(h.name) && headerSafe(h.value)) {
            text += h.name;
            text += ": ";
            text += h.value;
            text += "\r\n";
        }
    }
    text += "\r\n";
    text += body;
    return sendAll(text.data(), text.size());
}

bool BlockingResponse::sendAll(const char* data, std::size_t size) noexcept {
    if (failed_) {
        return false;
    }
    using Clock = std::chrono::steady_clock;
    auto deadline = Clock::now() + writeTimeout_;
    while (size > 0) {
        const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            data += n;
            size -= static_cast<std::size_t>(n);
            deadline = Clock::now() + writeTimeout_; // progress: the timeout starts again
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            failed_ = true; // the peer is gone (EPIPE, ECONNRESET...) or the fd is unusable
            return false;
        }
        // No room in the socket buffer: wait for some, in slices so that a cancellation is noticed.
        for (;;) {
            if (cancel_.stop_requested()) {
                failed_ = true;
                return false;
            }
            const auto now = Clock::now();
            if (now >= deadline) {
                failed_ = true;
                return false;
            }
            const auto wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                                           std::chrono::milliseconds(1),
                                       kCancelCheck);
            pollfd p{};
            p.fd = fd_;
            p.events = POLLOUT;
            const int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(wait.count(), INT_MAX)));
            if (ready < 0 && errno != EINTR) {
                failed_ = true;
                return false;
            }
            if (ready > 0) {
                if ((p.revents & POLLNVAL) != 0) {
                    failed_ = true;
                    return false;
                }
                break; // writable, or an error the next send reports
            }
        }
    }
    return true;
}

} // namespace maelstrom::core
