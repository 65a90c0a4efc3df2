// image_puller.cpp — image presence checks and pulls (Engine API or a custom pull command).
// SPDX-License-Identifier: Apache-2.0
#include "image_puller.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/Base64Encoder.h>
#include <Poco/Environment.h>
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/Path.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>

#include <condition_variable>
#include <sstream>
#include <thread>

namespace maelstrom::plugins::docker {

namespace sdk = maelstrom::sdk;

ImageReference splitImageReference(const std::string& image) {
    ImageReference r;
    std::string name = image;
    if (std::size_t at = name.find('@'); at != std::string::npos) {
        r.digest = name.substr(at + 1);
        name = name.substr(0, at);
    }
    std::size_t slash = name.rfind('/');
    std::size_t colon = name.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
        r.repository = name.substr(0, colon);
        r.tag = name.substr(colon + 1);
    } else {
        r.repository = name;
        if (r.digest.empty()) {
            r.tag = "latest";
        }
    }
    return r;
}

std::string normalizeImage(const std::string& image) {
    ImageReference r = splitImageReference(image);
    if (!r.digest.empty()) {
        return r.tag.empty() ? r.repository + "@" + r.digest : r.repository + ":" + r.tag + "@" + r.digest;
    }
    return r.repository + ":" + r.tag;
}

std::string registryAuthHeader(const std::string& username, const std::string& password) {
    Poco::JSON::Object::Ptr auth = new Poco::JSON::Object;
    auth->set("username", username);
    auth->set("password", password);
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING);
    encoder.rdbuf()->setLineLength(0);
    encoder << toJson(auth);
    encoder.close();
    return out.str();
}

std::string substituteImage(const std::string& arg, const std::string& image) {
    std::string out;
    std::size_t pos = 0;
    for (;;) {
        std::size_t hit = arg.find("<image>", pos);
        if (hit == std::string::npos) {
            out += arg.substr(pos);
            return out;
        }
        out += arg.substr(pos, hit - pos);
        out += image;
        pos = hit + 7;
    }
}

void throwPullError(const std::string& image, const std::string& message) {
    auto has = [&](const char* needle) { return message.find(needle) != std::string::npos; };
    std::string text = "docker: pull image '" + image + "': ";
    if (has("unauthorized") || has("authentication required") || has("denied") || has("no basic auth")) {
        throw sdk::PluginError(text + "pull denied: " + message);
    }
    if (has("not found") || has("manifest unknown") || has("does not exist") || has("No such image")) {
        throw sdk::NotFound(text + "no such image: " + message);
    }
    if (has("connection refused") || has("no such host") || has("i/o timeout") || has("TLS handshake timeout") ||
        has("network is unreachable")) {
        throw sdk::Unavailable(text + "registry unreachable: " + message);
    }
    throw sdk::PluginError(text + message);
}

ImagePuller::ImagePuller(EngineClient& client, sdk::PluginLogger logger, std::chrono::milliseconds pullTimeout)
    : client_(client), logger_(std::move(logger)), pullTimeout_(pullTimeout) {}

bool ImagePuller::present(const std::string& image) {
    auto r = client_.request("GET", "/images/" + urlEncode(image) + "/json", "inspect image '" + image + "'");
    if (r.status == 200) {
        return true;
    }
    if (r.status == 404) {
        return false;
    }
    throwEngineError(r.status, r.body, "inspect image '" + image + "'");
}

void ImagePuller::ensure(const sdk::DockerComponent& docker, sdk::PullPolicy policy,
                         const sdk::PullProgress& progress) {
    if (docker.image.empty()) {
        throw sdk::InvalidInput("docker: ensure image: the component names no image");
    }
    if (policy == sdk::PullPolicy::IfMissing && present(docker.image)) {
        return;
    }
    // Share one pull among concurrent callers for the same image.
    std::string key = normalizeImage(docker.image);
    std::shared_future<void> shared;
    std::promise<void> promise;
    bool owner = false;
    {
        std::lock_guard lock(mutex_);
        auto it = inFlight_.find(key);
        if (it != inFlight_.end()) {
            shared = it->second;
        } else {
            shared = promise.get_future().share();
            inFlight_.emplace(key, shared);
            owner = true;
        }
    }
    if (!owner) {
        shared.get(); // rethrows the owner's error
        return;
    }
    try {
        pull(docker, progress);
        promise.set_value();
    } catch (...) {
        promise.set_exception(std::current_exception());
    }
    {
        std::lock_guard lock(mutex_);
        inFlight_.erase(key);
    }
    shared.get();
}

void ImagePuller::pull(const sdk::DockerComponent& docker, const sdk::PullProgress& progress) {
    auto started = std::chrono::steady_clock::now();
    if (!docker.pullCommand.empty()) {
        pullThroughCommand(docker, progress);
        if (!present(docker.image)) {
            throw sdk::NotFound("docker: pull image '" + docker.image + "': the pull command '" +
                                docker.pullCommand.front() + "' succeeded but the image is still missing");
        }
    } else {
        pullThroughApi(docker, progress);
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    logger_.information("pulled image " + docker.image + " in " + std::to_string(ms.count()) + " ms");
}

void ImagePuller::pullThroughApi(const sdk::DockerComponent& docker, const sdk::PullProgress& progress) {
    ImageReference ref = splitImageReference(docker.image);
    std::string path = "/images/create?fromImage=" + urlEncode(ref.repository);
    if (!ref.digest.empty()) {
        path = "/images/create?fromImage=" + urlEncode(ref.repository + "@" + ref.digest);
    } else {
        path += "&tag=" + urlEncode(ref.tag);
    }
    std::map<std::string, std::string> headers;
    if (!docker.pullUsername.empty() || !docker.pullPassword.empty()) {
        headers["X-Registry-Auth"] = registryAuthHeader(docker.pullUsername, docker.pullPassword);
    }
    std::string what = "pull image '" + docker.image + "'";
    auto stream = client_.openStream("POST", path, what, {}, headers, pullTimeout_);
    if (stream->status() >= 400) {
        std::string body;
        try {
            body = stream->readAll();
        } catch (...) {
        }
        if (stream->status() == 500 || stream->status() == 404 || stream->status() == 401 || stream->status() == 403) {
            throwPullError(docker.image, dockerMessage(body));
        }
        throwEngineError(stream->status(), body, what);
    }
    // The body is a sequence of JSON objects, one per line: {"status":…,"id":…,"progress":…} or {"error":…}.
    std::string error;
    try {
        std::string line;
        while (std::getline(stream->body(), line)) {
            if (line.empty() || line == "\r") {
                continue;
            }
            Poco::JSON::Object::Ptr o;
            try {
                o = parseJson(line, what).extract<Poco::JSON::Object::Ptr>();
            } catch (...) {
                continue;
            }
            std::string e = jsonString(o, "error");
            if (!e.empty()) {
                error = e;
                continue;
            }
            std::string status = jsonString(o, "status");
            std::string id = jsonString(o, "id");
            std::string prog = jsonString(o, "progress");
            std::string text = id.empty() ? status : id + ": " + status;
            if (!prog.empty()) {
                text += " " + prog;
            }
            if (progress && !text.empty()) {
                progress(text);
            }
        }
    } catch (const Poco::TimeoutException&) {
        throw sdk::Unavailable("docker: " + what + ": no progress for " + std::to_string(pullTimeout_.count() / 1000) +
                               " s");
    } catch (const Poco::Exception& e) {
        throw sdk::Unavailable("docker: " + what + ": the stream broke (" + e.displayText() + ")");
    } catch (const std::ios_base::failure& e) {
        throw sdk::Unavailable("docker: " + what + ": the stream broke (" + e.what() + ")");
    }
    if (!error.empty()) {
        throwPullError(docker.image, error);
    }
}

void ImagePuller::pullThroughCommand(const sdk::DockerComponent& docker, const sdk::PullProgress& progress) {
    std::vector<std::string> argv;
    for (const auto& a : docker.pullCommand) {
        argv.push_back(substituteImage(a, docker.image));
    }
    std::string program = argv.front();
    std::string what = "pull image '" + docker.image + "' with the pull command '" + program + "'";
    if (program.find('/') == std::string::npos) {
        Poco::Path found;
        if (!Poco::Path::find(Poco::Environment::get("PATH", "/usr/local/bin:/usr/bin:/bin"), program, found)) {
            throw sdk::PluginError("docker: " + what + ": '" + program + "' is not on the PATH");
        }
        program = found.toString();
    } else if (!Poco::File(program).exists()) {
        throw sdk::PluginError("docker: " + what + ": '" + program + "' does not exist");
    }
    Poco::Process::Args args(argv.begin() + 1, argv.end());
    Poco::Pipe out;
    Poco::ProcessHandle handle = Poco::Process::launch(program, args, nullptr, &out, &out);
    // A watchdog kills the command when it runs past the pull timeout (the read below blocks until EOF).
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    bool killed = false;
    std::thread watchdog([&] {
        std::unique_lock lock(m);
        if (!cv.wait_for(lock, pullTimeout_, [&] { return done; })) {
            killed = true;
            try {
                Poco::Process::kill(handle.id());
            } catch (...) {
            }
        }
    });
    std::string output;
    {
        Poco::PipeInputStream in(out);
        std::string line;
        while (std::getline(in, line)) {
            output += line + "\n";
            if (progress) {
                progress(line);
            }
        }
    }
    int rc = handle.wait();
    {
        std::lock_guard lock(m);
        done = true;
    }
    cv.notify_all();
    watchdog.join();
    if (killed) {
        throw sdk::PluginError("docker: " + what + ": killed after " + std::to_string(pullTimeout_.count() / 1000) +
                               " s; output: " + output);
    }
    if (rc != 0) {
        throw sdk::PluginError("docker: " + what + ": exit code " + std::to_string(rc) + "; output: " + output);
    }
}

} // namespace maelstrom::plugins::docker
