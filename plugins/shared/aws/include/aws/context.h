// context.h — aws: everything an AWS API client needs from its environment — region, endpoints, credentials —
// and the signed, retried, abortable send. One per user (a plugin, the daemon); thread-safe.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "aws/credentials.h"
#include "aws/environment.h"
#include "aws/http.h"
#include "aws/imds.h"
#include "aws/sigv4.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

namespace maelstrom::aws {

/// Full-jitter exponential backoff: before attempt n+1 (n >= 1) sleep uniform[0, min(cap, base * 2^(n-1))].
struct RetryPolicy {
    int maxAttempts = 4;
    std::chrono::milliseconds base{100};
    std::chrono::milliseconds cap{5000};
};

struct AwsContextOptions {
    /// nullptr: defaultCredentialsChain(env, imds()).
    std::shared_ptr<CredentialsProvider> credentials;
    /// nullptr: an ImdsClient on the same environment.
    std::shared_ptr<ImdsClient> imds;
    RetryPolicy retry;
    /// Seed of the jitter generator; nullopt: from std::random_device.
    std::optional<std::uint32_t> seed;
};

class AwsContext {
public:
    /// Cheap: no I/O, nothing read but the options; region and credentials are looked up at first use.
    static std::shared_ptr<AwsContext> create(EnvLookup env = processEnvironment());
    static std::shared_ptr<AwsContext> create(EnvLookup env, AwsContextOptions options);

    AwsContext(EnvLookup env, AwsContextOptions options);
    AwsContext(const AwsContext&) = delete;
    AwsContext& operator=(const AwsContext&) = delete;

    /// AWS_REGION, else AWS_DEFAULT_REGION, else the selected profile's `region` in the config file (read on each
    /// call until found, then cached). Throws AwsError "NoRegion".
    std::string region();

    /// Base URL of a service: AWS_ENDPOINT_URL_<envSuffix>, else AWS_ENDPOINT_URL, else
    /// https://<endpointId>.<region>.amazonaws.com (the region only looked up in the last case).
    std::string endpoint(const std::string& endpointId, const std::string& envSuffix);

    Credentials credentials();
    ImdsClient& imds();
    const EnvLookup& environment() const { return env_; }

    /// Sends `request` to `baseUrl` (scheme, host and port; its path, when not empty or "/", is put in front of
    /// request.target, and an empty target means the base URL's path itself — how queue URLs are posted to).
    /// Adds the Host header, signs with the context's region and credentials when signingService is not empty
    /// (afresh for each attempt), and retries up to RetryPolicy::maxAttempts on network errors and timeouts,
    /// HTTP 5xx, 429 and throttling error codes (the code read from an XML <Code> or JSON __type body). Returns
    /// the final answer whatever its status (callers turn error bodies into AwsError); throws AwsError for
    /// "Network"/"Timeout" after the last attempt, "Aborted", "NoCredentials", "NoRegion".
    HttpResponse send(const std::string& baseUrl, SignableRequest request, const std::string& signingService,
                      std::chrono::milliseconds timeout);

    /// Closes every request in flight (IMDS included) and makes later send() calls throw AwsError "Aborted".
    void abort();
    bool aborted() const;

private:
    /// Sleeps `delay` unless abort() comes first; false when aborted.
    bool backoffSleep(std::chrono::milliseconds delay);
    std::chrono::milliseconds backoffDelay(int attemptsDone);

    EnvLookup env_;
    AwsContextOptions options_;
    HttpTransport transport_;

    mutable std::mutex mutex_; ///< guards the lazily made members, the cached region, the generator
    std::condition_variable abortSignal_;
    bool aborted_ = false;
    std::shared_ptr<ImdsClient> imds_;
    std::shared_ptr<CredentialsProvider> credentials_;
    std::optional<std::string> region_;
    std::mt19937 random_;
};

/// The AWS error code in an error answer's body: the XML <Error><Code> of the query protocol or the JSON
/// `__type` (text up to '#' stripped) of the JSON protocols; "" when neither is there.
std::string errorCodeOf(const std::string& body);

} // namespace maelstrom::aws
