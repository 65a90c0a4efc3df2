// request_head.cpp — raw head and framing checks.
// SPDX-License-Identifier: Apache-2.0
#include "net/request_head.h"

#include "gateway/http_framing.h"

namespace maelstrom::core::net {
namespace {

/// RFC 9110 token characters.
bool isTchar(unsigned char c) {
    if (c >= '0' && c <= '9') {
        return true;
    }
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
        return true;
    }
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

/// Longer than any registered method (the longest, UPDATEREDIRECTREF, has 17 letters).
constexpr std::size_t kMaxMethodBytes = 32;

std::optional<HeadRejection> bad(std::string reason, int status = 400) {
    return HeadRejection{status, std::move(reason)};
}

std::optional<HeadRejection> checkRequestLine(std::string_view line, std::size_t maxRequestLineBytes) {
    if (line.size() > maxRequestLineBytes) {
        return bad("request line longer than " + std::to_string(maxRequestLineBytes) + " bytes", 414);
    }
    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0) {
        return bad("malformed request line");
    }
    if (sp1 > kMaxMethodBytes) {
        return bad("method longer than " + std::to_string(kMaxMethodBytes) + " bytes");
    }
    for (std::size_t i = 0; i < sp1; ++i) {
        if (!isTchar(static_cast<unsigned char>(line[i]))) {
            return bad("invalid character in the method");
        }
    }
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1 || line.find(' ', sp2 + 1) != std::string_view::npos) {
        return bad("malformed request line");
    }
    for (std::size_t i = sp1 + 1; i < sp2; ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c <= 0x20 || c == 0x7f) {
            return bad("invalid character in the request target");
        }
    }
    const std::string_view version = line.substr(sp2 + 1);
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
        version[5] > '9' || version[7] < '0' || version[7] > '9') {
        return bad("malformed HTTP version");
    }
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        return bad("HTTP version not supported", 505);
    }
    return std::nullopt;
}

std::optional<HeadRejection> checkFieldLine(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') {
        return bad("obsolete line folding");
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return bad("malformed header line");
    }
    for (std::size_t i = 0; i < colon; ++i) {
        if (!isTchar(static_cast<unsigned char>(line[i]))) {
            return bad(line[i] == ' ' || line[i] == '\t' ? "whitespace before ':' in a header"
                                                         : "invalid character in a header name");
        }
    }
    for (std::size_t i = colon + 1; i < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return bad(c == 0 ? "NUL byte in a header value" : "control character in a header value");
        }
    }
    return std::nullopt;
}

std::string_view trimOws(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

} // namespace

std::optional<std::uint64_t> plainDecimal(std::string_view text) {
    if (text.empty() || text.size() > 18) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}

bool isToken(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (!isTchar(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

std::optional<HeadRejection> checkRawHead(std::string_view head, std::size_t maxRequestLineBytes) {
    bool first = true;
    std::size_t pos = 0;
    while (pos < head.size()) {
        const auto lf = head.find('\n', pos);
        if (lf == std::string_view::npos) {
            return bad("incomplete head");
        }
        if (lf == pos || head[lf - 1] != '\r') {
            return bad("line not ended by CRLF");
        }
        const std::string_view line = head.substr(pos, lf - 1 - pos);
        pos = lf + 1;
        if (line.find('\r') != std::string_view::npos) {
            return bad("bare CR");
        }
        if (line.find('\0') != std::string_view::npos && first) {
            return bad("NUL byte in the request line");
        }
        if (first) {
            if (auto rejected = checkRequestLine(line, maxRequestLineBytes)) {
                return rejected;
            }
            first = false;
            continue;
        }
        if (line.empty()) {
            return pos == head.size() ? std::nullopt : bad("bytes after the end of the head");
        }
        if (auto rejected = checkFieldLine(line)) {
            return rejected;
        }
    }
    return bad("incomplete head");
}

std::optional<HeadRejection> checkFraming(const http::request_header<>& head) {
    std::optional<std::string_view> contentLength;
    int transferEncodings = 0;
    std::string_view transferEncoding;
    int hosts = 0;
    for (const auto& field : head) {
        const std::string_view name = field.name_string();
        const std::string_view value = trimOws(field.value());
        if (iequalsAscii(name, "content-length")) {
            if (contentLength) {
                return bad("several Content-Length headers");
            }
            if (!plainDecimal(value)) {
                return bad("malformed Content-Length '" + std::string(field.value()) + "'");
            }
            contentLength = value;
        } else if (iequalsAscii(name, "transfer-encoding")) {
            ++transferEncodings;
            transferEncoding = value;
        } else if (iequalsAscii(name, "host")) {
            ++hosts;
        }
    }
    if (transferEncodings > 0) {
        if (head.version() < 11) {
            return bad("Transfer-Encoding in an HTTP/1.0 request");
        }
        if (contentLength) {
            return bad("both Content-Length and Transfer-Encoding");
        }
        if (transferEncodings > 1) {
            return bad("several Transfer-Encoding headers");
        }
        if (!iequalsAscii(transferEncoding, "chunked")) {
            const auto comma = transferEncoding.rfind(',');
            const bool chunkedLast =
                comma != std::string_view::npos && iequalsAscii(trimOws(transferEncoding.substr(comma + 1)), "chunked");
            if (chunkedLast) {
                return bad("unsupported Transfer-Encoding '" + std::string(transferEncoding) + "'", 501);
            }
            return bad("unsupported Transfer-Encoding '" + std::string(transferEncoding) + "'");
        }
    }
    if (head.version() >= 11 && hosts != 1) {
        return bad(hosts == 0 ? "no Host header" : "several Host headers");
    }
    return std::nullopt;
}

} // namespace maelstrom::core::net
