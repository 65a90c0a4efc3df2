// cron_env.cpp — see cron_env.h.
// SPDX-License-Identifier: Apache-2.0
#include "cron_env.h"

#include "docker_test_env.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>

namespace maelstrom::testing::cron {
namespace {

std::string quotedYaml(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

// docker's RFC 3339 timestamp with nanoseconds ("2026-12-06T05:03:12.123456789Z") as Unix seconds.
double parseTimestamp(const std::string& text) {
    std::tm tm{};
    if (::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) {
        return 0;
    }
    double seconds = static_cast<double>(::timegm(&tm));
    const auto dot = text.find('.');
    if (dot != std::string::npos) {
        seconds += std::stod("0" + text.substr(dot, text.find('Z') - dot));
    }
    return seconds;
}

} // namespace

std::string cronProject(const std::string& project, const std::string& key, const std::string& hostname,
                        const std::vector<CronYaml>& sources, const std::vector<std::string>& extra) {
    std::string component = lifecycle::componentYaml(key, hostname, extra);
    for (const auto& s : sources) {
        component += "      " + s.key + ":\n        cron:\n          schedule: " + quotedYaml(s.schedule) +
                     "\n          http:\n            method: " + s.method + "\n            path: " + s.path + "\n";
        if (!s.data.empty()) {
            component += "            data: " + quotedYaml(s.data) + "\n";
        }
        if (!s.headers.empty()) {
            component += "            headers:\n";
            for (const auto& [name, value] : s.headers) {
                component += "              - name: " + name + "\n                value: " + quotedYaml(value) + "\n";
            }
        }
    }
    return lifecycle::projectYaml(project, {component});
}

std::vector<Hit> hits(const std::string& component, const std::string& pathPrefix) {
    std::vector<Hit> out;
    for (const auto& id : lifecycle::allContainers(component)) {
        const auto logs = docker::dockerCli({"logs", "-t", id});
        std::istringstream lines(logs.out + logs.err);
        std::string line;
        while (std::getline(lines, line)) {
            const auto space = line.find(' ');
            if (space == std::string::npos) {
                continue;
            }
            const std::string text = line.substr(space + 1);
            const auto target = text.find(' ', 7); // after "RECORD <method>"
            if (text.rfind("RECORD ", 0) != 0 || target == std::string::npos ||
                text.compare(target + 1, pathPrefix.size(), pathPrefix) != 0) {
                continue;
            }
            out.push_back(Hit{parseTimestamp(line.substr(0, space)), text});
        }
    }
    std::sort(out.begin(), out.end(), [](const Hit& a, const Hit& b) { return a.at < b.at; });
    return out;
}

std::string joined(const std::vector<Hit>& list) {
    std::string out;
    for (const auto& h : list) {
        char at[32];
        std::snprintf(at, sizeof at, "%.3f ", h.at);
        out += at + h.line + "\n";
    }
    return out;
}

double nowSeconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string rpc(int privatePort, const std::string& method, const std::string& params) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(privatePort));
    session.setTimeout(Poco::Timespan(30, 0));
    const std::string body = R"({"jsonrpc":"2.0","id":"t","method":")" + method + R"(","params":[)" + params + "]}";
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/_mael/v1", Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::string text;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
    return text;
}

} // namespace maelstrom::testing::cron
