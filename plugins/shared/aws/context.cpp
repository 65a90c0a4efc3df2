// context.cpp — aws: region, endpoints, credentials and the signed, retried, abortable send of one user.
// SPDX-License-Identifier: Apache-2.0
#include "aws/context.h"

#include "aws/error.h"
#include "xml_util.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>

namespace maelstrom::aws {

namespace {

bool equalsIgnoreCase(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

std::string withoutTrailingSlash(std::string text) {
    while (!text.empty() && text.back() == '/') {
        text.pop_back();
    }
    return text;
}

std::string jsonErrorCode(const std::string& body) {
    try {
        Poco::JSON::Parser parser;
        const auto parsed = parser.parse(body);
        if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
            return "";
        }
        const auto object = parsed.extract<Poco::JSON::Object::Ptr>();
        auto type = object->optValue<std::string>("__type", object->optValue<std::string>("code", ""));
        // "com.amazonaws.swf.base.model#ThrottlingException": the namespace is noise.
        if (const auto hash = type.rfind('#'); hash != std::string::npos) {
            type = type.substr(hash + 1);
        }
        // Some services append ":<url>" to the type (x-amzn-ErrorType style); the code ends before it.
        if (const auto colon = type.find(':'); colon != std::string::npos) {
            type = type.substr(0, colon);
        }
        return type;
    } catch (const Poco::Exception&) {
        return "";
    }
}

} // namespace

std::string errorCodeOf(const std::string& body) {
    const auto start = body.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) {
        return "";
    }
    if (body[start] == '<') {
        return xml::errorInfo(body).code;
    }
    if (body[start] == '{') {
        return jsonErrorCode(body);
    }
    return "";
}

std::shared_ptr<AwsContext> AwsContext::create(EnvLookup env) { return create(std::move(env), {}); }

std::shared_ptr<AwsContext> AwsContext::create(EnvLookup env, AwsContextOptions options) {
    return std::make_shared<AwsContext>(std::move(env), std::move(options));
}

AwsContext::AwsContext(EnvLookup env, AwsContextOptions options)
    : env_(std::move(env)), options_(std::move(options)), imds_(options_.imds), credentials_(options_.credentials),
      random_(options_.seed ? *options_.seed : std::random_device{}()) {}

std::string AwsContext::region() {
    std::lock_guard lock(mutex_);
    if (region_) {
        return *region_;
    }
    auto found = envValue(env_, "AWS_REGION");
    if (!found) {
        found = envValue(env_, "AWS_DEFAULT_REGION");
    }
    if (!found) {
        found = configFileSetting(env_, "region");
    }
    if (!found) {
        throw AwsError("NoRegion", "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in the profile '" +
                                       profileName(env_) + "' of " + configFilePath(env_) + ")");
    }
    region_ = found;
    return *region_;
}

std::string AwsContext::endpoint(const std::string& endpointId, const std::string& envSuffix) {
    // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is the SDKs' switch to disregard endpoint variables.
    if (!envFlag(env_, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
        if (const auto specific = envValue(env_, "AWS_ENDPOINT_URL_" + envSuffix)) {
            return withoutTrailingSlash(*specific);
        }
        if (const auto global = envValue(env_, "AWS_ENDPOINT_URL")) {
            return withoutTrailingSlash(*global);
        }
    }
    const auto where = region();
    // The China partition has its own DNS suffix.
    const std::string suffix = where.rfind("cn-", 0) == 0 ? ".amazonaws.com.cn" : ".amazonaws.com";
    return "https://" + endpointId + "." + where + suffix;
}

ImdsClient& AwsContext::imds() {
    std::lock_guard lock(mutex_);
    if (!imds_) {
        imds_ = std::make_shared<ImdsClient>(env_);
        if (aborted_) {
            imds_->abort();
        }
    }
    return *imds_;
}

Credentials AwsContext::credentials() {
    std::shared_ptr<CredentialsProvider> provider;
    {
        std::lock_guard lock(mutex_);
        if (!credentials_) {
            if (!imds_) {
                imds_ = std::make_shared<ImdsClient>(env_);
                if (aborted_) {
                    imds_->abort();
                }
            }
            credentials_ = defaultCredentialsChain(env_, imds_);
        }
        provider = credentials_;
    }
    // Outside the lock: the chain may wait on IMDS, and region() or abort() must not wait behind it.
    return provider->credentials();
}

void AwsContext::abort() {
    std::shared_ptr<ImdsClient> imds;
    {
        std::lock_guard lock(mutex_);
        aborted_ = true;
        imds = imds_;
    }
    abortSignal_.notify_all();
    transport_.abort();
    if (imds) {
        imds->abort();
    }
}

bool AwsContext::aborted() const {
    std::lock_guard lock(mutex_);
    return aborted_;
}

std::chrono::milliseconds AwsContext::backoffDelay(int attemptsDone) {
    // Full jitter: a uniform pick below the exponential ceiling, so clients throttled together spread out.
    auto ceiling = options_.retry.base;
    for (int i = 1; i < attemptsDone && ceiling < options_.retry.cap; ++i) {
        ceiling *= 2;
    }
    ceiling = std::min(ceiling, options_.retry.cap);
    std::lock_guard lock(mutex_);
    std::uniform_int_distribution<long long> pick(0, ceiling.count());
    return std::chrono::milliseconds(pick(random_));
}

bool AwsContext::backoffSleep(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    abortSignal_.wait_for(lock, delay, [this] { return aborted_; });
    return !aborted_;
}

HttpResponse AwsContext::send(const std::string& baseUrl, SignableRequest request, const std::string& signingService,
                              std::chrono::milliseconds timeout) {
    const auto abortedError = [] { return AwsError("Aborted", "AWS request aborted (shutting down)"); };
    if (aborted()) {
        throw abortedError();
    }
    const auto url = parseUrl(baseUrl);
    if (request.target.empty()) {
        request.target = url.path.empty() ? "/" : url.path;
    } else {
        const auto prefix = withoutTrailingSlash(url.path);
        request.target = prefix + (request.target.front() == '/' ? "" : "/") + request.target;
    }
    std::erase_if(request.headers, [](const auto& header) { return equalsIgnoreCase(header.first, "Host"); });
    request.headers.emplace_back("Host", url.hostHeader());
    const auto signingRegion = signingService.empty() ? std::string{} : region();

    for (int attempt = 1;; ++attempt) {
        if (aborted()) {
            throw abortedError();
        }
        auto attemptRequest = request;
        if (!signingService.empty()) {
            // Signed afresh each attempt: the date must be current, and refreshed credentials are picked up.
            signV4(attemptRequest, credentials(), signingRegion, signingService, std::chrono::system_clock::now());
        }
        try {
            auto response = transport_.send(url, attemptRequest, timeout);
            if (response.status < 400 || attempt >= options_.retry.maxAttempts ||
                !isRetryableAnswer(response.status, errorCodeOf(response.body))) {
                return response;
            }
        } catch (const AwsError& e) {
            if (!e.retryable() || attempt >= options_.retry.maxAttempts) {
                throw;
            }
        }
        if (!backoffSleep(backoffDelay(attempt))) {
            throw abortedError();
        }
    }
}

} // namespace maelstrom::aws
