// image_puller.h — docker plugin: makes a component's image present: inspect, pull
// through the Engine API with X-Registry-Auth from pullUsername/pullPassword, or the component's pullCommand
// (run directly, no shell, `<image>` substituted); pull progress goes to a callback; concurrent requests for the
// same image share one pull.
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: ensure() may be called from any thread; the table of pulls in flight is guarded by mutex_.
// Only the caller that started a shared pull receives its progress lines; the others wait for its outcome.
#pragma once

#include "engine_client.h"

#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/plugin.h>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>

namespace maelstrom::plugins::docker {

struct ImageReference {
    std::string repository; ///< "127.0.0.1:5000/hello"
    std::string tag;        ///< "1" ("latest" when none was given and there is no digest)
    std::string digest;     ///< "sha256:..." when given as name@digest
};

/// Splits an image reference; the tag is what follows the last ':' after the last '/'.
ImageReference splitImageReference(const std::string& image);
/// The reference with ":latest" added when it has neither tag nor digest.
std::string normalizeImage(const std::string& image);
/// X-Registry-Auth: URL-safe base64 (with padding) of {"username":…,"password":…}.
std::string registryAuthHeader(const std::string& username, const std::string& password);
/// Replaces every "<image>" in `arg` by `image`.
std::string substituteImage(const std::string& arg, const std::string& image);

class ImagePuller {
public:
    ImagePuller(EngineClient& client, sdk::PluginLogger logger, std::chrono::milliseconds pullTimeout);

    /// See ContainerRuntime::ensureImage.
    void ensure(const sdk::DockerComponent& docker, sdk::PullPolicy policy, const sdk::PullProgress& progress);
    /// True when the engine has the image (GET /images/<name>/json).
    bool present(const std::string& image);

private:
    void pull(const sdk::DockerComponent& docker, const sdk::PullProgress& progress);
    void pullThroughApi(const sdk::DockerComponent& docker, const sdk::PullProgress& progress);
    void pullThroughCommand(const sdk::DockerComponent& docker, const sdk::PullProgress& progress);

    EngineClient& client_;
    sdk::PluginLogger logger_;
    std::chrono::milliseconds pullTimeout_;
    std::mutex mutex_;
    std::map<std::string, std::shared_future<void>> inFlight_; // guarded by mutex_
};

/// Classifies a pull failure message from the engine or registry into the SDK error to throw.
[[noreturn]] void throwPullError(const std::string& image, const std::string& message);

} // namespace maelstrom::plugins::docker
