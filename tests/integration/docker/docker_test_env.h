// docker_test_env.h — shared helpers of the docker plugin's integration tests: loading docker.so through
// Boost.DLL, creating runtimes from settings, the hello-http fixture images, the docker CLI for independent
// checks, and the cleanup of everything a suite created (containers carry maelstrom-test-suite=<suite>).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "test_support.h"

#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/plugin.h>

#include <Poco/JSON/Object.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace maelstrom::testing::docker {

namespace sdk = maelstrom::sdk;

/// The descriptor exported by <build>/lib/maelstrom/plugins/docker.so (the library stays loaded).
const sdk::PluginDescriptor& dockerDescriptor();

/// A runtime from the plugin, with `settings` validated against its table.
std::shared_ptr<sdk::ContainerRuntime> makeRuntime(const std::map<std::string, std::string>& settings = {});

/// True when a Docker engine answers (through the plugin's info()).
bool dockerAvailable();

/// "maelstrom-test/hello-http:<version>", built (build-image.sh) on first use when missing.
std::string fixtureImage(int version = 1);

/// Runs the docker CLI (tests use it only to check what the plugin did, never the other way round).
ProcessResult dockerCli(const std::vector<std::string>& args, std::chrono::seconds timeout = std::chrono::seconds(120));
/// `docker inspect <id>` parsed (the first element).
Poco::JSON::Object::Ptr cliInspect(const std::string& id);
/// Removes every container labelled maelstrom-test-suite=<suite>.
void removeSuiteContainers(const std::string& suite);

/// A minimal spec running the fixture: component `name`, version 1, httpPort 8080, labelled with the suite.
sdk::ContainerSpec fixtureSpec(const std::string& name, const std::string& suite, int imageVersion = 1);

/// GET http://host:port/path with a short timeout; returns the status (-1 when it cannot connect).
int httpGet(const sdk::Endpoint& endpoint, const std::string& path, std::string* body = nullptr);
/// Polls `path` until it answers 200 (or the timeout passes).
bool waitForHttp200(const sdk::Endpoint& endpoint, const std::string& path,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// A unique suffix for names in this process.
std::string uniqueSuffix();

/// The registry the services script runs (127.0.0.1:5000) and its test credentials.
struct RegistryInfo {
    std::string address = "127.0.0.1:5000";
    std::string username = "maelstrom";
    std::string password = "maelstrom-test-password";
};
RegistryInfo registryInfo();
/// True when the local registry answers /v2/ (401 with auth, or 200).
bool registryAvailable();

/// Collects events from a subscription (add() is the sink) and lets a test wait for one. Thread-safe.
class EventLog {
public:
    void add(const sdk::ContainerEvent& e) {
        std::lock_guard lock(m_);
        events_.push_back(e);
        cv_.notify_all();
    }
    bool waitFor(const std::function<bool(const sdk::ContainerEvent&)>& match, std::chrono::seconds timeout,
                 sdk::ContainerEvent* found = nullptr) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, timeout, [&] {
            for (const auto& e : events_) {
                if (match(e)) {
                    if (found)
                        *found = e;
                    return true;
                }
            }
            return false;
        });
    }
    bool waitForStart(const std::string& id, std::chrono::seconds timeout) {
        return waitFor(
            [&](const sdk::ContainerEvent& e) {
                return e.kind == sdk::ContainerEventKind::Started && e.containerId == id;
            },
            timeout);
    }
    std::size_t count(sdk::ContainerEventKind kind, const std::string& id) {
        std::lock_guard lock(m_);
        std::size_t n = 0;
        for (const auto& e : events_) {
            if (e.kind == kind && e.containerId == id)
                ++n;
        }
        return n;
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<sdk::ContainerEvent> events_;
};

/// Runs `f`, expects it to throw E, returns the message; fails the test otherwise (`what` names the case).
template <class E, class F>
std::string expectThrow(F&& f, const char* what) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        CPPUNIT_FAIL(std::string(what) + ": wrong exception type: " + e.what());
    }
    CPPUNIT_FAIL(std::string(what) + ": no exception");
    return {};
}

} // namespace maelstrom::testing::docker
