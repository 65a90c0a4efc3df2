// resolver.h — which component an HTTP request is for: the private gateway's `MAELSTROM-COMPONENT` header, or
// the enabled HTTP event sources matched by host and path prefix in the original's order (resolver.cpp).
// SPDX-License-Identifier: Apache-2.0
//
// The rules live in an immutable HttpRouteTable; HttpResolver swaps the current table atomically on refresh, so
// request threads never take a lock shared with the refresher. Lookup cost: one hash lookup for the host, then
// one hash lookup per distinct prefix length among that host's rules (and again among the host-less rules) —
// independent of how many rules there are in total.
#pragma once

#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/model.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace maelstrom::core {

/// The answer for one request. The caller still looks the component up (it needs its settings) and answers 404
/// `No component matches the request` when it does not exist.
struct RouteMatch {
    std::string componentName;
    std::string eventSourceName; ///< "" when routed by the MAELSTROM-COMPONENT header
    std::string pathPrefix;      ///< the matched event source's prefix ("" when none)
    bool stripPrefix = false;
    bool byHeader = false;
};

/// Body of the 404 for an unmatched request (and for a header naming an unknown component).
inline constexpr const char* kNoComponentMatches = "No component matches the request";

/// `Host` header without anything from the first ':' on ("foo.com:8080" → "foo.com").
std::string_view hostWithoutPort(std::string_view hostHeader) noexcept;

/// The path sent upstream: with stripPrefix (and a non-empty prefix that `path` starts with) the prefix is cut
/// off; the result is then joined onto "/" as Go's reverse proxy does ("/foo/bar" − "/foo/" → "/bar",
/// "/foo" − "/foo" → "/"). `path` is the decoded path without the query string.
std::string upstreamPath(std::string_view path, const RouteMatch& match);

/// An immutable rule set built from HTTP event sources. Thread-safe (read-only after build).
class HttpRouteTable {
public:
    /// Takes the event sources that have an `http` block; the caller passes only enabled ones.
    explicit HttpRouteTable(const std::vector<sdk::EventSource>& eventSources);

    /// First match in the order above. `host` is the Host header (a port is ignored), `path` the decoded path.
    std::optional<RouteMatch> match(std::string_view host, std::string_view path) const;

    /// Rules that can match (event sources with neither hostname nor prefix are dropped).
    std::size_t size() const noexcept { return size_; }

    /// The hostnames the rules name, each once (as the event sources spell them; unordered).
    std::vector<std::string> hostnames() const;

private:
    struct Rule {
        std::string eventSourceName;
        std::string componentName;
        bool stripPrefix = false;
    };
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    /// Rules of one group (one hostname, or the host-less ones) keyed by exact prefix.
    struct PrefixIndex {
        std::vector<std::size_t> lengthsDesc; ///< distinct prefix lengths, longest first
        std::unordered_map<std::string, Rule, StringHash, std::equal_to<>> byPrefix;
        void add(const std::string& prefix, Rule rule);
        void finish();
        const std::pair<const std::string, Rule>* find(std::string_view path) const;
    };

    std::unordered_map<std::string, PrefixIndex, StringHash, std::equal_to<>> byHost_;
    PrefixIndex hostless_;
    std::size_t size_ = 0;
};

/// What the gateway knows about a request when resolving it.
struct RouteRequest {
    bool privateGateway = false;
    /// Value of the MAELSTROM-COMPONENT header when present (header names are case-insensitive; the caller
    /// finds it). Used only on the private gateway.
    std::optional<std::string_view> componentHeader;
    std::string_view host; ///< Host header, port included or not
    std::string_view path; ///< decoded URL path
};

/// The current rule table plus its refresh from the database.
/// Thread-safety: resolve() may run on any number of threads concurrently with refresh()/replace();
/// refresh()/replace() serialise among themselves.
class HttpResolver {
public:
    HttpResolver();

    /// On the private gateway a MAELSTROM-COMPONENT header wins (exact name, no lowercasing);
    /// otherwise the event-source rules. Empty = 404.
    std::optional<RouteMatch> resolve(const RouteRequest& request) const;
    /// Event-source rules only.
    std::optional<RouteMatch> resolve(std::string_view host, std::string_view path) const;

    /// Installs rules built from these event sources (only those with `http` count; pass enabled ones).
    void replace(const std::vector<sdk::EventSource>& eventSources);

    /// Reloads every enabled HTTP event source from `db` (all pages). Rebuilds the table only when the set
    /// (names, versions, http blocks) differs from the last load. The daemon calls it every second and right
    /// after a local change. @return whether the table changed. @throws what the database throws.
    bool refresh(sdk::Database& db);

    std::shared_ptr<const HttpRouteTable> table() const { return table_.load(); }

private:
    std::atomic<std::shared_ptr<const HttpRouteTable>> table_;
    std::mutex refreshMutex_;                  ///< serialises refresh()/replace()
    std::vector<sdk::EventSource> lastLoaded_; ///< guarded by refreshMutex_; sorted by name
    bool lastLoadedValid_ = false;             ///< guarded by refreshMutex_; false = rebuild on next refresh
};

} // namespace maelstrom::core
