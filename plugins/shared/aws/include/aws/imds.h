// imds.h — aws: the EC2 instance metadata service, IMDSv2 (session token first, then GETs carrying it).
// SPDX-License-Identifier: Apache-2.0
//
// Used for the instance role's credentials (credentials.h) and by the daemon for its instance id and the
// Auto Scaling lifecycle state. Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT, default http://169.254.169.254.
// AWS_EC2_METADATA_DISABLED=true makes every call throw AwsError "NoCredentials" without touching the network.
#pragma once

#include "aws/environment.h"
#include "aws/http.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace maelstrom::aws {

class ImdsClient {
public:
    /// Reads the two variables once; no I/O. `tokenTtl` is the lifetime asked for each session token.
    explicit ImdsClient(EnvLookup env = processEnvironment(),
                        std::chrono::seconds tokenTtl = std::chrono::seconds(21600));

    /// GET <endpoint><path> (path like "/latest/meta-data/instance-id") with the session token, fetched (PUT
    /// /latest/api/token) when none is cached or it is within a minute of its TTL, and fetched again once when
    /// the service answers 401. nullopt on 404; throws AwsError on anything else ("Network", "Timeout", "Http",
    /// "NoCredentials" when disabled, "Aborted"). `timeout` bounds connect and read of each exchange.
    std::optional<std::string> get(const std::string& path,
                                   std::chrono::milliseconds timeout = std::chrono::milliseconds(1500));

    bool disabled() const { return disabled_; }
    const std::string& endpoint() const { return endpoint_; }

    /// Ends calls in flight and makes later ones throw "Aborted" (shutdown).
    void abort();

private:
    std::string token(std::chrono::milliseconds timeout, bool forceNew);

    std::string endpoint_;
    Url url_;
    bool disabled_ = false;
    std::chrono::seconds tokenTtl_;
    HttpTransport transport_;
    std::mutex mutex_; ///< guards the cached token
    std::string token_;
    std::chrono::steady_clock::time_point tokenRefreshAt_{};
};

} // namespace maelstrom::aws
