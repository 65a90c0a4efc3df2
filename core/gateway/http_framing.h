// http_framing.h — the header rules of the reverse proxy: which headers are hop-by-hop (never forwarded in either
// direction, RFC 7230 §6.1 and Go's httputil.ReverseProxy), and request-smuggling checks on the client's framing.
// SPDX-License-Identifier: Apache-2.0
//
// Pure functions; thread-safe.
#pragma once

#include <Poco/Net/MessageHeader.h>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

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

/// ASCII case-insensitive equality (header names).
bool iequalsAscii(std::string_view a, std::string_view b) noexcept;

/// Whether `name` is one of the fixed hop-by-hop headers (case-insensitive).
bool isFixedHopByHop(std::string_view name) noexcept;

/// The same rule as hopByHopHeaders() for the proxy's hot path: no allocation unless the message's
/// `Connection` header names headers of its own (tokens other than the fixed names and `close`).
/// Holds views into `message`'s values: `message` must outlive the filter and stay unmodified.
class HopByHopFilter {
public:
    explicit HopByHopFilter(const Poco::Net::MessageHeader& message);
    /// Whether the header `name` must not be forwarded.
    bool skip(std::string_view name) const noexcept;

private:
    std::vector<std::string_view> connectionTokens_;
};

} // namespace maelstrom::core
