// test_dispatcher.cpp — the jsonrpc-http tests' dispatcher and helpers (see test_dispatcher.h).
// SPDX-License-Identifier: Apache-2.0
#include "test_dispatcher.h"

#include <maelstrom/sdk/poco/json_codec.h>

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/utf8.h>

#include <cppunit/extensions/HelperMacros.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace maelstrom::testing::rpc {

std::string TestDispatcher::call(const std::string& method, const std::string& inputJson) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        calls_.emplace_back(method, inputJson);
    }
    if (method.find("Nope") != std::string::npos) {
        throw sdk::RpcError(-32601, "Unsupported method: " + method);
    }
    if (method.rfind("MaelstromService.", 0) == 0 || method.rfind("NodeService.", 0) == 0) {
        return inputJson;
    }
    if (method == "Test.Unicode") {
        return "{\"name\":\"\xE5\x90\x8D\xE5\x89\x8D-\xC3\xBC\x6E\xC3\xAF-\xF0\x9F\x98\x80-\\u0007\"}";
    }
    if (method.rfind("Test.Fail", 0) == 0) {
        const int code = std::stoi(method.substr(9));
        throw sdk::RpcError(code, "failure " + std::to_string(code));
    }
    if (method == "Test.NotFound") {
        throw sdk::NotFound("No Component found with name: x");
    }
    if (method == "Test.Invalid") {
        throw sdk::InvalidInput("input.name is required");
    }
    if (method == "Test.Crash") {
        throw std::runtime_error("boom");
    }
    if (method == "Test.Int") {
        throw 42;
    }
    if (method == "Test.Spaced") {
        return R"({ "z" : 1, "a" : [ ] })";
    }
    if (method == "Test.Slow") { // for client timeouts
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        return "{}";
    }
    if (method == "Test.Empty") {
        return "";
    }
    throw sdk::RpcError(-32601, "Unsupported method: " + method);
}

std::vector<std::pair<std::string, std::string>> TestDispatcher::calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
}

Poco::Dynamic::Var parseJson(const std::string& text) {
    try {
        return sdk::json::codec::parse(text, 512);
    } catch (const std::exception& e) {
        CPPUNIT_FAIL("response is not valid JSON (" + std::string(e.what()) + "): " + text.substr(0, 300));
    }
    return {};
}

bool hasUpperUEscape(const std::string& text) {
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] == '\\') {
            if (text[i + 1] == 'U') {
                return true;
            }
            ++i; // the escaped character
        }
    }
    return false;
}

bool validUtf8(const std::string& text) { return maelstrom::sdk::utf8::isValid(text); }

} // namespace maelstrom::testing::rpc
