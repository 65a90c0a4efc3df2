// json_text.h — jsonrpc-http: byte-level checks on a request body before it is parsed: batch detection as
// barrister does it, the nesting-depth limit, and the reading of the reference's non-standard `\UXXXXXXXX`
// escapes (Go maelctl writes code points >= U+0800 that way in its requests).
// SPDX-License-Identifier: Apache-2.0
//
// These run on untrusted input (the fuzz target covers them): they never read past the view and never throw
// except std::bad_alloc. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace maelstrom::plugins::jsonrpc_http {

/// True when the first '[' of the body comes before its first '{' (barrister's rule, a plain byte scan
/// that does not care about strings): the body is then answered as a batch.
bool looksLikeBatch(std::string_view body) noexcept;

/// The deepest nesting of arrays/objects in `text` (brackets inside strings do not count), but stops
/// counting once `limit` is exceeded and returns limit + 1. Unbalanced text is the parser's business.
int nestingDepth(std::string_view text, int limit) noexcept;

/// When `text` holds a `\U` escape inside a string, writes to `out` the text with every `\UXXXXXXXX`
/// (8 hex digits, as Go barrister's forceASCII mode writes them) replaced by the code point's UTF-8 bytes
/// (U+FFFD for surrogates and values above U+10FFFF) and returns true. Returns false, leaving `out`
/// alone, when there is nothing to rewrite (the common case: one memchr-like scan, no copy). A `\U`
/// not followed by 8 hex digits is left as it is (the parser then rejects it).
bool rewriteGoUnicodeEscapes(std::string_view text, std::string& out);

} // namespace maelstrom::plugins::jsonrpc_http
