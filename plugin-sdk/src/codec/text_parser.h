// text_parser.h — INTERNAL to libmaelstrom-sdk (not installed): the codec's JSON text parser. Strict RFC 8259
// JSON → a flat JNode tree over the source text; invalid UTF-8 is repaired first, as Go's decoder does (each bad
// byte becomes U+FFFD). Poco's parser (pdjson) cost ~85% of a decode, cannot take a top-level scalar and gives
// messages without a position; this one fills one node vector per document and copies only strings that
// contain escapes. Recursion is bounded by the depth limit (itself capped), so no input can exhaust the stack.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codec/json_value.h"

#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace maelstrom::sdk::json::codec::detail {

class TextParser;

class ParsedText {
public:
    /// @throws JsonError("", "Unable to parse JSON: <what> at offset <n>")
    ParsedText(std::string_view text, int maxDepth);
    ParsedText(const ParsedText&) = delete; // nodes point at each other
    ParsedText& operator=(const ParsedText&) = delete;
    const JNode& root() const noexcept { return root_; }

private:
    friend class TextParser;
    std::string repaired_;              // the text with invalid UTF-8 replaced, when it had any
    std::vector<JNode> nodes_;          // children blocks of every container
    std::deque<std::string> unescaped_; // strings that had escapes (a deque never moves its elements)
    JNode root_;
};

/// The Poco form of a parsed value (what codec::parse returns).
Var toPocoVar(const JNode& node);

} // namespace maelstrom::sdk::json::codec::detail
