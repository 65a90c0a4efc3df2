// http_framing.h — the header rules of the reverse proxy: which headers are hop-by-hop (never forwarded in either
// direction, RFC 7230 §6.1 and Go's httputil.ReverseProxy), and request-smuggling checks on the client's framing
// (reference-interfaces §6.4; DESIGN.md improvement 8).
// SPDX-License-Identifier: Apache-2.0
//
// Pure functions; thread-safe.
#pragma once

#include <Poco/Net/MessageHeader.h>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace maelstrom::core {

/// Names (lowercase) of the headers not to forward: the fixed hop-by-hop list plus every token of the
/// `Connection` header(s) of `message`.
std::unordered_set<std::string> hopByHopHeaders(const Poco::Net::MessageHeader& message);

/// Why the request's framing is ambiguous (Content-Length together with Transfer-Encoding, several differing
/// or malformed Content-Length values, a Transfer-Encoding other than plain `chunked`), or empty when it is fine.
/// Such a request is refused with 400 and the connection closed: a proxy that picks one reading while the
/// upstream picks another lets a client smuggle a second request.
std::optional<std::string> ambiguousFraming(const Poco::Net::MessageHeader& message);

/// Lowercase ASCII copy.
std::string lowerAscii(std::string_view text);

} // namespace maelstrom::core
