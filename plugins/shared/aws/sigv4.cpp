// sigv4.cpp — aws: Signature Version 4 (canonical request, string to sign, key derivation, Authorization).
// SPDX-License-Identifier: Apache-2.0
#include "aws/sigv4.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <vector>

namespace maelstrom::aws {

namespace {

// HMACEngine needs the block and digest sizes as members, which Poco 1.11's SHA2Engine does not declare.
class Sha256Engine : public Poco::SHA2Engine {
public:
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
    Sha256Engine() : Poco::SHA2Engine(SHA_256) {}
};

std::string hmacSha256(const std::string& key, std::string_view data) {
    Poco::HMACEngine<Sha256Engine> hmac(key);
    hmac.update(data.data(), static_cast<unsigned>(data.size()));
    const auto& digest = hmac.digest();
    return std::string(digest.begin(), digest.end());
}

std::string hex(const std::string& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const unsigned char c : bytes) {
        out.push_back(kDigits[c >> 4]);
        out.push_back(kDigits[c & 0xF]);
    }
    return out;
}

bool isUnreserved(unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~'; }

bool isHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

void appendEscape(std::string& out, unsigned char c) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    out.push_back('%');
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// A header value as SigV4 signs it: leading and trailing blanks dropped, inner runs of blanks made one space.
// Line breaks count as blanks too (a folded value reads as one line).
std::string normaliseHeaderValue(const std::string& value) {
    std::string out;
    bool pendingSpace = false;
    for (const char c : value) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            pendingSpace = !out.empty();
            continue;
        }
        if (pendingSpace) {
            out.push_back(' ');
            pendingSpace = false;
        }
        out.push_back(c);
    }
    return out;
}

// The path with "." and ".." segments resolved and empty segments ("//") dropped, as every service but S3 does
// before it checks the signature; a trailing slash stays.
std::string normalisePath(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        const auto segment = path.substr(start, end - start);
        if (segment == "..") {
            if (!segments.empty()) {
                segments.pop_back();
            }
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(segment);
        }
        start = end + 1;
    }
    std::string out;
    for (const auto& segment : segments) {
        out.push_back('/');
        out.append(segment);
    }
    if (out.empty()) {
        return "/";
    }
    if (path.back() == '/') {
        out.push_back('/');
    }
    return out;
}

} // namespace

std::string uriEncode(std::string_view text, bool encodeSlash) {
    std::string out;
    out.reserve(text.size());
    for (const unsigned char c : text) {
        if (isUnreserved(c) || (c == '/' && !encodeSlash)) {
            out.push_back(static_cast<char>(c));
        } else {
            appendEscape(out, c);
        }
    }
    return out;
}

std::string percentDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && isHexDigit(text[i + 1]) && isHexDigit(text[i + 2])) {
            out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::string canonicalUri(std::string_view path) {
    if (path.empty()) {
        return "/";
    }
    const auto normalised = normalisePath(path);
    // Encode what is not already: a path as sent is percent-encoded, so its %XX escapes stay as they are (no
    // double encoding) while raw characters outside the unreserved set (a space, UTF-8 bytes) get encoded.
    std::string out;
    out.reserve(normalised.size());
    for (std::size_t i = 0; i < normalised.size(); ++i) {
        const auto c = static_cast<unsigned char>(normalised[i]);
        const bool escape =
            c == '%' && i + 2 < normalised.size() && isHexDigit(normalised[i + 1]) && isHexDigit(normalised[i + 2]);
        if (isUnreserved(c) || c == '/') {
            out.push_back(static_cast<char>(c));
        } else if (escape) {
            // Escapes in uppercase, as the encoder writes them.
            out.push_back('%');
            out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(normalised[i + 1]))));
            out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(normalised[i + 2]))));
            i += 2;
        } else {
            appendEscape(out, c);
        }
    }
    return out;
}

std::string canonicalQuery(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> pairs;
    std::size_t start = 0;
    while (start <= query.size()) {
        auto end = query.find('&', start);
        if (end == std::string_view::npos) {
            end = query.size();
        }
        const auto part = query.substr(start, end - start);
        if (!part.empty()) {
            const auto eq = part.find('=');
            const auto name = part.substr(0, eq);
            const auto value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
            pairs.emplace_back(uriEncode(percentDecode(name)), uriEncode(percentDecode(value)));
        }
        start = end + 1;
    }
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto& [name, value] : pairs) {
        if (!out.empty()) {
            out.push_back('&');
        }
        out.append(name).append("=").append(value);
    }
    return out;
}

CanonicalRequest canonicalRequest(const SignableRequest& request) {
    const auto questionMark = request.target.find('?');
    const std::string_view target = request.target;
    const auto path = target.substr(0, questionMark);
    const auto query = questionMark == std::string::npos ? std::string_view{} : target.substr(questionMark + 1);

    // Same-name headers joined with ',' in the order they came; names sorted.
    std::map<std::string, std::vector<std::string>> headers;
    for (const auto& [name, value] : request.headers) {
        headers[lower(name)].push_back(normaliseHeaderValue(value));
    }
    CanonicalRequest out;
    std::string block;
    for (const auto& [name, values] : headers) {
        block.append(name).append(":");
        for (std::size_t i = 0; i < values.size(); ++i) {
            block.append(i == 0 ? "" : ",").append(values[i]);
        }
        block.append("\n");
        if (!out.signedHeaders.empty()) {
            out.signedHeaders.push_back(';');
        }
        out.signedHeaders.append(name);
    }
    out.text = request.method + "\n" + canonicalUri(path) + "\n" + canonicalQuery(query) + "\n" + block + "\n" +
               out.signedHeaders + "\n" + sha256Hex(request.body);
    return out;
}

std::string amzDate(std::chrono::system_clock::time_point time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char buffer[20];
    std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
    return buffer;
}

std::string credentialScope(const std::string& date, const std::string& region, const std::string& service) {
    return date + "/" + region + "/" + service + "/aws4_request";
}

std::string stringToSign(const std::string& canonicalRequestText, const std::string& amzDate,
                         const std::string& scope) {
    return "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonicalRequestText);
}

std::string signingKey(const std::string& secretAccessKey, const std::string& date, const std::string& region,
                       const std::string& service) {
    const auto dateKey = hmacSha256("AWS4" + secretAccessKey, date);
    const auto regionKey = hmacSha256(dateKey, region);
    const auto serviceKey = hmacSha256(regionKey, service);
    return hmacSha256(serviceKey, "aws4_request");
}

std::string signature(const std::string& signingKey, const std::string& stringToSign) {
    return hex(hmacSha256(signingKey, stringToSign));
}

std::string sha256Hex(std::string_view data) {
    Sha256Engine engine;
    engine.update(data.data(), static_cast<unsigned>(data.size()));
    const auto& digest = engine.digest();
    return hex(std::string(digest.begin(), digest.end()));
}

void signV4(SignableRequest& request, const Credentials& credentials, const std::string& region,
            const std::string& service, std::chrono::system_clock::time_point now) {
    // A retried request is signed afresh: the previous attempt's date, token and signature go first.
    std::erase_if(request.headers, [](const auto& header) {
        const auto name = lower(header.first);
        return name == "x-amz-date" || name == "x-amz-security-token" || name == "authorization";
    });
    const auto date = amzDate(now);
    request.headers.emplace_back("X-Amz-Date", date);
    if (!credentials.sessionToken.empty()) {
        request.headers.emplace_back("X-Amz-Security-Token", credentials.sessionToken);
    }
    const auto canonical = canonicalRequest(request);
    const auto scope = credentialScope(date.substr(0, 8), region, service);
    const auto toSign = stringToSign(canonical.text, date, scope);
    const auto key = signingKey(credentials.secretAccessKey, date.substr(0, 8), region, service);
    request.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId + "/" +
                                                      scope + ", SignedHeaders=" + canonical.signedHeaders +
                                                      ", Signature=" + signature(key, toSign));
}

} // namespace maelstrom::aws
