// resolver.cpp — see resolver.h.
// SPDX-License-Identifier: Apache-2.0
#include "routing/resolver.h"

#include <algorithm>

namespace maelstrom::core {

std::string_view hostWithoutPort(std::string_view hostHeader) noexcept {
    const auto colon = hostHeader.find(':');
    return colon == std::string_view::npos ? hostHeader : hostHeader.substr(0, colon);
}

std::string upstreamPath(std::string_view path, const RouteMatch& match) {
    std::string_view rest = path;
    if (match.stripPrefix && !match.pathPrefix.empty() && rest.starts_with(match.pathPrefix)) {
        rest.remove_prefix(match.pathPrefix.size());
    }
    if (rest.starts_with('/')) {
        return std::string(rest);
    }
    std::string out;
    out.reserve(rest.size() + 1);
    out += '/';
    out += rest;
    return out;
}

void HttpRouteTable::PrefixIndex::add(const std::string& prefix, Rule rule) {
    auto [it, inserted] = byPrefix.try_emplace(prefix, rule);
    // Fully tied rules (same host, same prefix): the spec leaves the order open; the smallest name wins so
    // the outcome does not depend on the order the database returned them in.
    if (!inserted && rule.eventSourceName < it->second.eventSourceName) {
        it->second = std::move(rule);
    }
}

void HttpRouteTable::PrefixIndex::finish() {
    lengthsDesc.clear();
    for (const auto& [prefix, rule] : byPrefix) {
        lengthsDesc.push_back(prefix.size());
    }
    std::sort(lengthsDesc.begin(), lengthsDesc.end(), std::greater<>());
    lengthsDesc.erase(std::unique(lengthsDesc.begin(), lengthsDesc.end()), lengthsDesc.end());
}

const std::pair<const std::string, HttpRouteTable::Rule>*
HttpRouteTable::PrefixIndex::find(std::string_view path) const {
    for (const auto length : lengthsDesc) {
        if (length > path.size()) {
            continue;
        }
        const auto it = byPrefix.find(path.substr(0, length));
        if (it != byPrefix.end()) {
            return &*it;
        }
    }
    return nullptr;
}

HttpRouteTable::HttpRouteTable(const std::vector<sdk::EventSource>& eventSources) {
    for (const auto& es : eventSources) {
        if (!es.http) {
            continue;
        }
        const auto& http = *es.http;
        Rule rule{es.name, es.componentName, http.stripPrefix};
        if (!http.hostname.empty()) {
            byHost_[http.hostname].add(http.pathPrefix, std::move(rule));
        } else if (!http.pathPrefix.empty()) {
            hostless_.add(http.pathPrefix, std::move(rule));
        } else {
            continue; // neither hostname nor prefix: never matches
        }
        ++size_;
    }
    for (auto& [host, index] : byHost_) {
        index.finish();
    }
    hostless_.finish();
}

std::vector<std::string> HttpRouteTable::hostnames() const {
    std::vector<std::string> names;
    names.reserve(byHost_.size());
    for (const auto& [host, index] : byHost_) {
        names.push_back(host);
    }
    return names;
}

std::optional<RouteMatch> HttpRouteTable::match(std::string_view host, std::string_view path) const {
    // Rules with a hostname come first; only rules of the request's own host can match among them, and
    // inside one host the longer prefix wins — which PrefixIndex::find gives.
    const auto* found = static_cast<const std::pair<const std::string, Rule>*>(nullptr);
    const auto hostIt = byHost_.find(hostWithoutPort(host));
    if (hostIt != byHost_.end()) {
        found = hostIt->second.find(path);
    }
    if (!found) {
        found = hostless_.find(path);
    }
    if (!found) {
        return std::nullopt;
    }
    return RouteMatch{found->second.componentName, found->second.eventSourceName, found->first,
                      found->second.stripPrefix, false};
}

HttpResolver::HttpResolver() : table_(std::make_shared<const HttpRouteTable>(std::vector<sdk::EventSource>{})) {}

std::optional<RouteMatch> HttpResolver::resolve(std::string_view host, std::string_view path) const {
    return table_.load()->match(host, path);
}

std::optional<RouteMatch> HttpResolver::resolve(const RouteRequest& request) const {
    if (request.privateGateway && request.componentHeader) {
        RouteMatch match;
        match.componentName = std::string(*request.componentHeader);
        match.byHeader = true;
        return match;
    }
    return resolve(request.host, request.path);
}

void HttpResolver::replace(const std::vector<sdk::EventSource>& eventSources) {
    std::lock_guard lock(refreshMutex_);
    table_.store(std::make_shared<const HttpRouteTable>(eventSources));
    lastLoaded_.clear();
    lastLoadedValid_ = false; // the next refresh() rebuilds
}

bool HttpResolver::refresh(sdk::Database& db) {
    sdk::EventSourceFilter filter;
    filter.type = sdk::EventSourceType::Http;
    filter.enabled = true;
    std::vector<sdk::EventSource> loaded;
    for (auto& item : sdk::allPages<sdk::EventSourceWithStatus>(
             [&](const sdk::PageRequest& page) { return db.listEventSources(filter, page); })) {
        if (item.enabled && item.eventSource.http) {
            loaded.push_back(std::move(item.eventSource));
        }
    }
    std::sort(loaded.begin(), loaded.end(), [](const auto& a, const auto& b) { return a.name < b.name; });

    std::lock_guard lock(refreshMutex_);
    if (lastLoadedValid_ && loaded == lastLoaded_) {
        return false;
    }
    table_.store(std::make_shared<const HttpRouteTable>(loaded));
    lastLoaded_ = std::move(loaded);
    lastLoadedValid_ = true;
    return true;
}

} // namespace maelstrom::core
