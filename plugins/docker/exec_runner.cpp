// exec_runner.cpp — docker exec with captured output and exit code.
// SPDX-License-Identifier: Apache-2.0
#include "exec_runner.h"

#include "stream_framing.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include <thread>

namespace maelstrom::plugins::docker {

namespace sdk = maelstrom::sdk;

sdk::ExecResult runExec(EngineClient& client, const std::string& containerId, const std::vector<std::string>& argv,
                        std::chrono::seconds timeout) {
    if (argv.empty()) {
        throw sdk::InvalidInput("docker: exec in container " + containerId + ": empty command");
    }
    std::string what = "exec '" + argv.front() + "' in container " + containerId;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    Poco::JSON::Object::Ptr create = new Poco::JSON::Object;
    create->set("AttachStdout", true);
    create->set("AttachStderr", true);
    create->set("Tty", false);
    Poco::JSON::Array::Ptr cmd = new Poco::JSON::Array;
    for (const auto& a : argv)
        cmd->add(a);
    create->set("Cmd", cmd);
    auto created = client.json("POST", "/containers/" + urlEncode(containerId) + "/exec", what, toJson(create))
                       .extract<Poco::JSON::Object::Ptr>();
    std::string execId = jsonString(created, "Id");

    Poco::JSON::Object::Ptr start = new Poco::JSON::Object;
    start->set("Detach", false);
    start->set("Tty", false);
    auto remaining = [&] {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        return std::max(left, std::chrono::milliseconds(1));
    };
    auto stream = client.openStream("POST", "/exec/" + execId + "/start", what, toJson(start), {}, remaining());
    std::string raw;
    try {
        raw = stream->readAll();
    } catch (const Poco::TimeoutException&) {
        throw sdk::PluginError("docker: " + what + ": no result within " + std::to_string(timeout.count()) + " s");
    } catch (const std::exception& e) {
        throw sdk::Unavailable("docker: " + what + ": the output stream broke (" + e.what() + ")");
    }
    if (stream->status() >= 400) {
        throwEngineError(stream->status(), raw, what);
    }
    sdk::ExecResult result;
    result.output = demultiplexAll(raw);
    // The exit code is set a moment after the output stream ends.
    for (;;) {
        auto info = client.json("GET", "/exec/" + execId + "/json", what).extract<Poco::JSON::Object::Ptr>();
        if (!jsonBool(info, "Running")) {
            result.exitCode = jsonInt(info, "ExitCode");
            return result;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            throw sdk::PluginError("docker: " + what + ": still running after " + std::to_string(timeout.count()) +
                                   " s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

} // namespace maelstrom::plugins::docker
