// http_framing.cpp — hop-by-hop header list and framing checks.
#include "gateway/http_framing.h"

#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

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

HopByHopFilter::HopByHopFilter(const Poco::Net::MessageHeader& message) {
    for (auto it = message.find("Connection"); it != message.end() && Poco::icompare(it->first, "Connection") == 0;
         ++it) {
        std::string_view rest(it->second);
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
            if (!token.empty() && !iequalsAscii(token, "close") && !isFixedHopByHop(token)) {
                connectionTokens_.push_back(token);
            }
        }
    }
}

bool HopByHopFilter::skip(std::string_view name) const noexcept {
    if (isFixedHopByHop(name)) {
        return true;
    }
    for (const std::string_view token : connectionTokens_) {
        if (iequalsAscii(name, token)) {
            return true;
        }
    }
    return false;
}

std::unordered_set<std::string> hopByHopHeaders(const Poco::Net::MessageHeader& message) {
    std::unordered_set<std::string> names = {
        "connection", "proxy-connection",  "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer",    "transfer-encoding", "upgrade"};
    for (auto it = message.find("Connection"); it != message.end() && Poco::icompare(it->first, "Connection") == 0;
         ++it) {
        Poco::StringTokenizer tokens(it->second, ",",
                                     Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
        for (const auto& token : tokens) {
            names.insert(lowerAscii(token));
        }
    }
    return names;
}

std::optional<std::string> ambiguousFraming(const Poco::Net::MessageHeader& message) {
    std::optional<std::string> contentLength;
    bool transferEncoding = false;
    for (const auto& [name, value] : message) {
        if (Poco::icompare(name, "Content-Length") == 0) {
            const std::string trimmed = Poco::trim(value);
            if (trimmed.empty() || trimmed.find_first_not_of("0123456789") != std::string::npos) {
                return "malformed Content-Length '" + value + "'";
            }
            if (contentLength && *contentLength != trimmed) {
                return "conflicting Content-Length headers";
            }
            contentLength = trimmed;
        } else if (Poco::icompare(name, "Transfer-Encoding") == 0) {
            if (transferEncoding) {
                return "several Transfer-Encoding headers";
            }
            transferEncoding = true;
            if (Poco::icompare(Poco::trim(value), "chunked") != 0) {
                return "unsupported Transfer-Encoding '" + value + "'";
            }
        }
    }
    if (contentLength && transferEncoding) {
        return "both Content-Length and Transfer-Encoding";
    }
    return std::nullopt;
}

} // namespace maelstrom::core
