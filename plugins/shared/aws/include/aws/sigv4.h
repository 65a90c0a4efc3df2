// sigv4.h — aws: Signature Version 4 request signing (the Authorization header every AWS API call carries).
// SPDX-License-Identifier: Apache-2.0
//
// Only the header form (no presigned URLs) and only the non-S3 rules: the canonical URI is the path as sent,
// with dot segments and repeated slashes removed (RFC 3986 normalisation, which every service but S3 applies)
// and characters outside RFC 3986's unreserved set, '/' and existing %XX escapes percent-encoded — an already
// encoded path is not encoded a second time. The building blocks are public so the tests check each step
// against the published SigV4 test suite (tests/unit/aws/sigv4-vectors).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maelstrom::aws {

struct Credentials {
    std::string accessKeyId;
    std::string secretAccessKey;
    std::string sessionToken; ///< empty for long-term keys
    /// When temporary credentials stop working (IMDS role credentials); nullopt for keys that do not expire.
    std::optional<std::chrono::system_clock::time_point> expiration;
};

struct SignableRequest {
    std::string method;
    std::string target;                                       ///< path?query exactly as sent on the request line
    std::vector<std::pair<std::string, std::string>> headers; ///< Host among them before signing
    std::string body;
};

/// Signs `request` in place: sets X-Amz-Date (replacing one present), X-Amz-Security-Token when the credentials
/// have a session token, and Authorization. Every header present is signed (host, content-type, x-amz-target,
/// ...), so headers added later by the HTTP layer (Content-Length, Connection) do not matter.
void signV4(SignableRequest& request, const Credentials& credentials, const std::string& region,
            const std::string& service, std::chrono::system_clock::time_point now);

/// RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ (and '/' unless encodeSlash) as %XX, uppercase.
std::string uriEncode(std::string_view text, bool encodeSlash = true);

/// Decodes %XX escapes (a '%' not followed by two hex digits stays as it is); '+' is left alone.
std::string percentDecode(std::string_view text);

/// The canonical URI of a path as sent (see the file comment); "" becomes "/".
std::string canonicalUri(std::string_view path);

/// The canonical query string: each name and value decoded then RFC 3986 encoded, sorted by name then value,
/// a name without '=' given an empty value.
std::string canonicalQuery(std::string_view query);

struct CanonicalRequest {
    std::string text;          ///< the six lines: method, URI, query, headers block, signed headers, payload hash
    std::string signedHeaders; ///< "host;x-amz-date;..." (lowercase, sorted)
};

/// The canonical request of `request` as it stands (its headers, X-Amz-Date included, are all signed): names
/// lowercased, values trimmed with inner runs of spaces collapsed, same-name headers joined with ','.
CanonicalRequest canonicalRequest(const SignableRequest& request);

/// "20150830T123600Z"
std::string amzDate(std::chrono::system_clock::time_point time);

/// "20150830/us-east-1/service/aws4_request"
std::string credentialScope(const std::string& date, const std::string& region, const std::string& service);

/// "AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hex sha256 of the canonical request>"
std::string stringToSign(const std::string& canonicalRequestText, const std::string& amzDate, const std::string& scope);

/// The derived signing key (32 raw bytes): HMAC chain over "AWS4"+secret, date (yyyymmdd), region, service,
/// "aws4_request".
std::string signingKey(const std::string& secretAccessKey, const std::string& date, const std::string& region,
                       const std::string& service);

/// Hex HMAC-SHA256 of the string to sign under the signing key: the Signature= value.
std::string signature(const std::string& signingKey, const std::string& stringToSign);

/// Lowercase hex SHA-256 of `data` (payload hash).
std::string sha256Hex(std::string_view data);

} // namespace maelstrom::aws
