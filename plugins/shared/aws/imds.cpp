// imds.cpp — aws: IMDSv2 — a session token from PUT /latest/api/token, then GETs that carry it.
// SPDX-License-Identifier: Apache-2.0
#include "aws/imds.h"

#include "aws/error.h"

namespace maelstrom::aws {

namespace {

constexpr const char* kDefaultEndpoint = "http://169.254.169.254";
// A token is replaced this long before its TTL runs out, so a GET never carries one about to expire.
constexpr std::chrono::seconds kTokenMargin{60};

std::string trimSlash(std::string text) {
    while (!text.empty() && text.back() == '/') {
        text.pop_back();
    }
    return text;
}

} // namespace

ImdsClient::ImdsClient(EnvLookup env, std::chrono::seconds tokenTtl)
    : endpoint_(trimSlash(envValue(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or(kDefaultEndpoint))),
      disabled_(envFlag(env, "AWS_EC2_METADATA_DISABLED")), tokenTtl_(tokenTtl) {
    if (!disabled_) {
        url_ = parseUrl(endpoint_);
    }
}

void ImdsClient::abort() { transport_.abort(); }

std::string ImdsClient::token(std::chrono::milliseconds timeout, bool forceNew) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (!forceNew && !token_.empty() && now < tokenRefreshAt_) {
        return token_;
    }
    SignableRequest request{"PUT",
                            url_.path + "/latest/api/token",
                            {{"X-aws-ec2-metadata-token-ttl-seconds", std::to_string(tokenTtl_.count())}},
                            ""};
    const auto response = transport_.send(url_, request, timeout);
    if (response.status != 200 || response.body.empty()) {
        throw AwsError("Http", "IMDS token request answered HTTP " + std::to_string(response.status), response.status,
                       response.status >= 500);
    }
    token_ = response.body;
    tokenRefreshAt_ = now + std::max(tokenTtl_ - kTokenMargin, tokenTtl_ / 2);
    return token_;
}

std::optional<std::string> ImdsClient::get(const std::string& path, std::chrono::milliseconds timeout) {
    if (disabled_) {
        throw AwsError("NoCredentials", "the instance metadata service is disabled (AWS_EC2_METADATA_DISABLED)");
    }
    for (int attempt = 0;; ++attempt) {
        // A 401 means the token was refused (expired, or the service restarted): one more try with a new one.
        SignableRequest request{
            "GET", url_.path + path, {{"X-aws-ec2-metadata-token", token(timeout, attempt > 0)}}, ""};
        const auto response = transport_.send(url_, request, timeout);
        if (response.status == 200) {
            return response.body;
        }
        if (response.status == 404) {
            return std::nullopt;
        }
        if (response.status == 401 && attempt == 0) {
            continue;
        }
        throw AwsError("Http", "IMDS GET " + path + " answered HTTP " + std::to_string(response.status),
                       response.status, response.status >= 500);
    }
}

} // namespace maelstrom::aws
