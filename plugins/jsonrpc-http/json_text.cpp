// json_text.cpp — jsonrpc-http: batch detection, nesting depth, `\UXXXXXXXX` escapes (see json_text.h).
// SPDX-License-Identifier: Apache-2.0
#include "json_text.h"

#include <maelstrom/sdk/utf8.h>

#include <cstdint>
#include <utility>

namespace maelstrom::plugins::jsonrpc_http {

bool looksLikeBatch(std::string_view body) noexcept {
    for (const char c : body) {
        if (c == '{') {
            return false;
        }
        if (c == '[') {
            return true;
        }
    }
    return false;
}

int nestingDepth(std::string_view text, int limit) noexcept {
    int depth = 0;
    int deepest = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') {
                ++i; // the escaped character cannot end the string
            } else if (c == '"') {
                inString = false;
            }
            continue;
        }
        switch (c) {
        case '"':
            inString = true;
            break;
        case '[':
        case '{':
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > limit) {
                    return limit + 1;
                }
            }
            break;
        case ']':
        case '}':
            if (depth > 0) {
                --depth;
            }
            break;
        default:
            break;
        }
    }
    return deepest;
}

namespace {

int hexValue(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// The code point of the 8 hex digits at text[pos..pos+8), or -1.
std::int64_t eightHex(std::string_view text, std::size_t pos) noexcept {
    if (pos + 8 > text.size()) {
        return -1;
    }
    std::int64_t value = 0;
    for (std::size_t k = 0; k < 8; ++k) {
        const int h = hexValue(text[pos + k]);
        if (h < 0) {
            return -1;
        }
        value = value * 16 + h;
    }
    return value;
}

} // namespace

bool rewriteGoUnicodeEscapes(std::string_view text, std::string& out) {
    // Fast path: a `\U` anywhere at all (cheap find); most bodies have none.
    if (text.find("\\U") == std::string_view::npos) {
        return false;
    }
    std::string result;
    bool changed = false;
    bool inString = false;
    std::size_t copied = 0; // text[copied..i) still has to be appended
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (!inString) {
            if (c == '"') {
                inString = true;
            }
            continue;
        }
        if (c == '"') {
            inString = false;
        } else if (c == '\\' && i + 1 < text.size()) {
            if (text[i + 1] == 'U') {
                const std::int64_t cp = eightHex(text, i + 2);
                if (cp >= 0) {
                    if (!changed) {
                        result.reserve(text.size());
                        changed = true;
                    }
                    result.append(text.substr(copied, i - copied));
                    sdk::utf8::appendCodePoint(result, static_cast<std::uint32_t>(cp)); // above U+10FFFF: U+FFFD
                    i += 9;
                    copied = i + 1;
                    continue;
                }
            }
            ++i; // skip the escaped character (\" does not end the string, \\ is one backslash)
        }
    }
    if (!changed) {
        return false;
    }
    result.append(text.substr(copied));
    out = std::move(result);
    return true;
}

} // namespace maelstrom::plugins::jsonrpc_http
