// request_head.h — strict checks of an HTTP/1.1 request head, before and after Beast's parser reads it.
// SPDX-License-Identifier: Apache-2.0
//
// Before parsing, on the raw bytes (checkRawHead): request line `method SP target SP HTTP/1.x CRLF` with single
// spaces, a token method, a target without controls or spaces, version 1.0 or 1.1 (505 otherwise); every line
// ends in CRLF (no bare CR or LF); field names are tokens followed directly by ':' (no space before it); no
// obsolete line folding (a line starting with SP or HTAB); no control bytes in values but HTAB (NUL included).
// After parsing, the framing (checkFraming): at most one Content-Length, a plain decimal; Transfer-Encoding only
// as one final `chunked` (other codings 501), never with Content-Length nor in HTTP/1.0; HTTP/1.1 needs exactly
// one Host. Each failure names what was wrong, for the 400 body.
// Pure functions; thread-safe.
#pragma once

#include "net/asio.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace maelstrom::core::net {

struct HeadRejection {
    int status = 400;
    std::string reason; ///< for the answer's body: "Bad Request: <reason>"
};

/// `head`: the bytes up to and including the blank line that ends the head.
std::optional<HeadRejection> checkRawHead(std::string_view head, std::size_t maxRequestLineBytes);

/// The framing and Host rules on the parsed head.
std::optional<HeadRejection> checkFraming(const http::request_header<>& head);

/// Whether `text` is a non-empty RFC 9110 token (what a method or a field name must be).
bool isToken(std::string_view text);

/// Whether `text` is a non-empty plain decimal (digits only) that fits in 63 bits.
std::optional<std::uint64_t> plainDecimal(std::string_view text);

} // namespace maelstrom::core::net
