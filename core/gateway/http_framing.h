// http_framing.h — the header rules of the reverse proxy: which headers are hop-by-hop (never forwarded in either
// direction: the connection-specific fields of HTTP/1.1, as Go's httputil.ReverseProxy drops them), and ASCII
// case-insensitive helpers for header names.
// SPDX-License-Identifier: Apache-2.0
//
// The request-smuggling checks on the client's framing are in net/request_head.h. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace maelstrom::core {

/// Lowercase ASCII copy.
std::string lowerAscii(std::string_view text);

/// ASCII case-insensitive equality (header names).
bool iequalsAscii(std::string_view a, std::string_view b) noexcept;

/// Whether `name` is one of the fixed hop-by-hop headers (case-insensitive): Connection, Proxy-Connection,
/// Keep-Alive, Proxy-Authenticate, Proxy-Authorization, TE, Trailer, Transfer-Encoding, Upgrade.
bool isFixedHopByHop(std::string_view name) noexcept;

/// Which headers of one message are not forwarded: the fixed hop-by-hop names plus every header the message's
/// `Connection` header(s) name. No allocation unless `Connection` names headers of its own (tokens other than
/// the fixed names and `close`). Holds views into the values given: they must outlive the filter.
class HopByHopFilter {
public:
    HopByHopFilter() = default;
    /// Adds the tokens of one `Connection` header value.
    void addConnectionValue(std::string_view value);
    /// Whether the header `name` must not be forwarded.
    bool skip(std::string_view name) const noexcept;
    /// Whether `token` (e.g. "upgrade") is among the Connection tokens, fixed names included.
    bool connectionHas(std::string_view token) const noexcept;

    /// The filter of a Beast-style field container (iterable, with name_string() and value()).
    template <typename Fields>
    static HopByHopFilter of(const Fields& fields) {
        HopByHopFilter filter;
        for (const auto& field : fields) {
            const auto name = field.name_string();
            if (iequalsAscii(std::string_view(name.data(), name.size()), "connection")) {
                const auto value = field.value();
                filter.addConnectionValue(std::string_view(value.data(), value.size()));
            }
        }
        return filter;
    }

private:
    std::vector<std::string_view> connectionTokens_; ///< every token, fixed names and `close` included
};

} // namespace maelstrom::core
