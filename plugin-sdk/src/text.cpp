// text.cpp — see maelstrom/sdk/text.h.
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/text.h>

namespace maelstrom::sdk {

std::string_view trimSpace(std::string_view text) noexcept {
    const auto first = text.find_first_not_of(kAsciiSpace);
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(kAsciiSpace) - first + 1);
}

std::string asciiLower(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return lower;
}

} // namespace maelstrom::sdk
