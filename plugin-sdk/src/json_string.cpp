// json_string.cpp — see json_string.h.
// SPDX-License-Identifier: Apache-2.0
#include <maelstrom/sdk/json_string.h>
#include <maelstrom/sdk/utf8.h>

namespace maelstrom::sdk {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void appendControlEscape(std::string& out, unsigned char c) {
    out.append("\\u00");
    out.push_back(kHexDigits[c >> 4]);
    out.push_back(kHexDigits[c & 0xF]);
}

/// True for a byte that ends the run copied verbatim.
bool needsAttention(unsigned char c, bool html) {
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x80 || (html && (c == '<' || c == '>' || c == '&'));
}

} // namespace

void appendJsonString(std::string& out, std::string_view text, JsonStringStyle style) {
    const bool goStyle = style == JsonStringStyle::GoHtmlSafe;
    out.push_back('"');
    const char* p = text.data();
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const std::size_t runStart = i;
        while (i < n && !needsAttention(static_cast<unsigned char>(p[i]), goStyle)) {
            ++i;
        }
        out.append(p + runStart, i - runStart);
        if (i >= n) {
            break;
        }
        const auto c = static_cast<unsigned char>(p[i]);
        if (c >= 0x80) {
            const utf8::Sequence seq = utf8::decode(text, i);
            if (seq.length == 0) {
                out.append(goStyle ? std::string_view("\\ufffd") : utf8::kReplacement);
                ++i;
            } else if (goStyle && (seq.codePoint == 0x2028 || seq.codePoint == 0x2029)) {
                out.append(seq.codePoint == 0x2028 ? "\\u2028" : "\\u2029");
                i += seq.length;
            } else {
                out.append(p + i, seq.length);
                i += seq.length;
            }
            continue;
        }
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        case '\b':
        case '\f':
            if (goStyle) {
                appendControlEscape(out, c);
            } else {
                out.append(c == '\b' ? "\\b" : "\\f");
            }
            break;
        default:
            appendControlEscape(out, c); // other controls, and < > & in the Go style
        }
        ++i;
    }
    out.push_back('"');
}

} // namespace maelstrom::sdk
