// http_framing.cpp — hop-by-hop headers.
// SPDX-License-Identifier: Apache-2.0
#include "gateway/http_framing.h"

#include <cctype>

namespace maelstrom::core {

std::string lowerAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool iequalsAscii(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]);
        const auto y = static_cast<unsigned char>(b[i]);
        if (x != y && std::tolower(x) != std::tolower(y)) {
            return false;
        }
    }
    return true;
}

bool isFixedHopByHop(std::string_view name) noexcept {
    static constexpr std::string_view kFixed[] = {
        "connection", "proxy-connection",  "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer",    "transfer-encoding", "upgrade"};
    for (const std::string_view fixed : kFixed) {
        if (iequalsAscii(name, fixed)) {
            return true;
        }
    }
    return false;
}

void HopByHopFilter::addConnectionValue(std::string_view rest) {
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view token = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
            token.remove_prefix(1);
        }
        while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
            token.remove_suffix(1);
        }
        if (!token.empty()) {
            connectionTokens_.push_back(token);
        }
    }
}

bool HopByHopFilter::skip(std::string_view name) const noexcept { return isFixedHopByHop(name) || connectionHas(name); }

bool HopByHopFilter::connectionHas(std::string_view token) const noexcept {
    for (const std::string_view t : connectionTokens_) {
        if (iequalsAscii(t, token)) {
            return true;
        }
    }
    return false;
}

} // namespace maelstrom::core
