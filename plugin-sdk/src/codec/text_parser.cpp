// text_parser.cpp — see text_parser.h.
// SPDX-License-Identifier: Apache-2.0
#include "codec/text_parser.h"

#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/poco/json_codec.h>
#include <maelstrom/sdk/utf8.h>

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace maelstrom::sdk::json::codec {

namespace detail {

namespace {

constexpr int kDepthCap = 256; // whatever the caller asks: recursion stays far from any thread's stack size

constexpr char kHexDigits[] = "0123456789abcdef";

} // namespace

class TextParser {
public:
    TextParser(std::string_view text, int maxDepth, ParsedText& doc)
        : s_(text), n_(text.size()), maxDepth_(maxDepth), doc_(doc) {}

    void parseDocument() {
        skipSpace();
        if (pos_ >= n_) {
            error("empty document");
        }
        parseValue(doc_.root_, 0);
        skipSpace();
        if (pos_ < n_) {
            error("unexpected " + describeChar() + " after the JSON value");
        }
    }

private:
    [[noreturn]] void error(const std::string& what) const {
        throw JsonError("", "Unable to parse JSON: " + what + " at offset " + std::to_string(pos_));
    }

    std::string describeChar() const {
        if (pos_ >= n_) {
            return "end of text";
        }
        const auto c = static_cast<unsigned char>(s_[pos_]);
        if (c < 0x20 || c >= 0x7F) {
            char buf[8];
            buf[0] = '\\';
            buf[1] = 'x';
            buf[2] = kHexDigits[c >> 4];
            buf[3] = kHexDigits[c & 0xF];
            return std::string("character '") + std::string(buf, 4) + "'";
        }
        return std::string("character '") + static_cast<char>(c) + "'";
    }

    void skipSpace() noexcept {
        while (pos_ < n_) {
            const char c = s_[pos_];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            ++pos_;
        }
    }

    void parseValue(JNode& out, int depth) {
        if (pos_ >= n_) {
            error("expected a value, found end of text");
        }
        switch (s_[pos_]) {
        case '{':
            parseContainer(out, depth + 1, true);
            return;
        case '[':
            parseContainer(out, depth + 1, false);
            return;
        case '"':
            out.kind = Kind::String;
            out.text = parseString();
            return;
        case 't':
            literal("true");
            out.kind = Kind::Bool;
            out.boolean = true;
            return;
        case 'f':
            literal("false");
            out.kind = Kind::Bool;
            out.boolean = false;
            return;
        case 'n':
            literal("null");
            out.kind = Kind::Null;
            return;
        default:
            if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) {
                parseNumber(out);
                return;
            }
            error("expected a value, found " + describeChar());
        }
    }

    void literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) {
            error("invalid literal (expected '" + std::string(word) + "')");
        }
        pos_ += word.size();
    }

    void parseContainer(JNode& out, int depth, bool isObject) {
        if (depth > maxDepth_) {
            error("nesting deeper than " + std::to_string(maxDepth_) + " levels");
        }
        const char close = isObject ? '}' : ']';
        ++pos_; // '{' or '['
        boost::container::small_vector<JNode, 12> items;
        skipSpace();
        if (pos_ < n_ && s_[pos_] == close) {
            ++pos_;
        } else {
            while (true) {
                JNode& item = items.emplace_back();
                if (isObject) {
                    skipSpace();
                    if (pos_ >= n_ || s_[pos_] != '"') {
                        error("expected a member name (a string), found " + describeChar());
                    }
                    item.key = parseString();
                    skipSpace();
                    if (pos_ >= n_ || s_[pos_] != ':') {
                        error("expected ':' after a member name, found " + describeChar());
                    }
                    ++pos_;
                }
                skipSpace();
                parseValue(item, depth);
                skipSpace();
                if (pos_ < n_ && s_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                if (pos_ < n_ && s_[pos_] == close) {
                    ++pos_;
                    break;
                }
                error(std::string("expected ',' or '") + close + "', found " + describeChar());
            }
        }
        if (isObject && items.size() > 1) {
            const auto byKey = [](const JNode& a, const JNode& b) { return a.key < b.key; };
            if (items.size() <= 32) { // insertion sort: stable, and no temporary buffer as stable_sort takes
                for (std::size_t i = 1; i < items.size(); ++i) {
                    for (std::size_t j = i; j > 0 && byKey(items[j], items[j - 1]); --j) {
                        std::swap(items[j], items[j - 1]);
                    }
                }
            } else {
                std::stable_sort(items.begin(), items.end(), byKey);
            }
        }
        if (doc_.nodes_.size() + items.size() > std::numeric_limits<std::uint32_t>::max()) {
            error("document too large");
        }
        out.kind = isObject ? Kind::Object : Kind::Array;
        out.first = static_cast<std::uint32_t>(doc_.nodes_.size());
        out.count = static_cast<std::uint32_t>(items.size());
        doc_.nodes_.insert(doc_.nodes_.end(), std::make_move_iterator(items.begin()),
                           std::make_move_iterator(items.end()));
    }

    /// At a '"': the string's text (a view into the source when it has no escapes).
    std::string_view parseString() {
        ++pos_;
        const std::size_t start = pos_;
        while (pos_ < n_) {
            const auto c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                return s_.substr(start, pos_++ - start);
            }
            if (c == '\\') {
                return parseEscapedString(start);
            }
            if (c < 0x20) {
                error("unescaped control character in a string");
            }
            ++pos_;
        }
        error("unterminated string");
    }

    std::string_view parseEscapedString(std::size_t start) {
        std::string& out = doc_.unescaped_.emplace_back(s_.substr(start, pos_ - start));
        while (pos_ < n_) {
            const auto c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c < 0x20) {
                error("unescaped control character in a string");
            }
            if (c != '\\') {
                out.push_back(static_cast<char>(c));
                ++pos_;
                continue;
            }
            if (++pos_ >= n_) {
                break;
            }
            switch (s_[pos_]) {
            case '"':
                out.push_back('"');
                break;
            case '\\':
                out.push_back('\\');
                break;
            case '/':
                out.push_back('/');
                break;
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'u':
                appendCodePoint(out, parseUnicodeEscape());
                continue; // consumed its own characters
            default:
                error("invalid escape " + describeChar() + " in a string");
            }
            ++pos_;
        }
        error("unterminated string");
    }

    /// At the 'u' of \uXXXX: the code point, combining a surrogate pair; a lone surrogate becomes U+FFFD
    /// (as Go's decoder does). Leaves pos_ after the escape(s).
    std::uint32_t parseUnicodeEscape() {
        const std::uint32_t first = hex4();
        if (first >= 0xD800 && first <= 0xDBFF && pos_ + 1 < n_ && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
            const std::size_t save = pos_;
            ++pos_;
            const std::uint32_t second = hex4();
            if (second >= 0xDC00 && second <= 0xDFFF) {
                return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            }
            pos_ = save; // not a low surrogate: the first one is alone, the second escape is read next
        }
        return first >= 0xD800 && first <= 0xDFFF ? 0xFFFD : first;
    }

    std::uint32_t hex4() {
        ++pos_; // 'u'
        if (pos_ + 4 > n_) {
            error("truncated \\u escape");
        }
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i, ++pos_) {
            const char c = s_[pos_];
            value <<= 4;
            if (c >= '0' && c <= '9')
                value |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                value |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                value |= static_cast<std::uint32_t>(c - 'A' + 10);
            else
                error("invalid hex digit in a \\u escape");
        }
        return value;
    }

    static void appendCodePoint(std::string& out, std::uint32_t cp) { utf8::appendCodePoint(out, cp); }

    void parseNumber(JNode& out) {
        const std::size_t start = pos_;
        const auto isDigit = [&](std::size_t i) { return i < n_ && s_[i] >= '0' && s_[i] <= '9'; };
        if (s_[pos_] == '-')
            ++pos_;
        if (pos_ < n_ && s_[pos_] == '0') {
            ++pos_;
        } else if (isDigit(pos_)) {
            while (isDigit(pos_))
                ++pos_;
        } else {
            error("invalid number (a digit must follow '-')");
        }
        bool integral = true;
        if (pos_ < n_ && s_[pos_] == '.') {
            ++pos_;
            if (!isDigit(pos_))
                error("invalid number (a digit must follow '.')");
            while (isDigit(pos_))
                ++pos_;
            integral = false;
        }
        if (pos_ < n_ && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < n_ && (s_[pos_] == '+' || s_[pos_] == '-'))
                ++pos_;
            if (!isDigit(pos_))
                error("invalid number (a digit must follow the exponent mark)");
            while (isDigit(pos_))
                ++pos_;
            integral = false;
        }
        const char* first = s_.data() + start;
        const char* last = s_.data() + pos_;
        if (integral) {
            if (std::from_chars(first, last, out.integer).ec == std::errc()) {
                out.kind = Kind::Int;
                return;
            }
            if (*first != '-' && std::from_chars(first, last, out.unsignedInteger).ec == std::errc()) {
                out.kind = Kind::UInt;
                return;
            }
        }
        // Fractions, exponents and integers beyond 64 bits: a double (as every number is in Go).
        const auto result = std::from_chars(first, last, out.number);
        if (result.ec == std::errc::result_out_of_range) {
            const std::string_view token(first, static_cast<std::size_t>(last - first));
            const std::size_t e = token.find_first_of("eE");
            if (e != std::string_view::npos && e + 1 < token.size() && token[e + 1] == '-') {
                out.number = *first == '-' ? -0.0 : 0.0; // underflow: as good as zero
            } else {
                error("number out of range: " + std::string(token.substr(0, 40)));
            }
        } else if (result.ec != std::errc()) {
            error("invalid number");
        }
        out.kind = Kind::Float;
    }

    std::string_view s_;
    std::size_t n_;
    std::size_t pos_ = 0;
    int maxDepth_;
    ParsedText& doc_;
};

ParsedText::ParsedText(std::string_view text, int maxDepth) {
    const std::size_t bad = utf8::firstInvalid(text);
    if (bad != std::string_view::npos) { // repaired as Go's decoder does: each bad byte becomes U+FFFD
        repaired_.reserve(text.size() + 16);
        repaired_.append(text.substr(0, bad));
        utf8::appendRepaired(repaired_, text.substr(bad));
        text = repaired_;
    }
    nodes_.reserve(text.size() / 12 + 4);
    TextParser parser(text, std::clamp(maxDepth, 1, kDepthCap), *this);
    parser.parseDocument();
    // The node vector is final: turn child indexes into pointers.
    for (JNode& node : nodes_) {
        if (node.kind == Kind::Object || node.kind == Kind::Array) {
            node.children = nodes_.data() + node.first;
        }
    }
    if (root_.kind == Kind::Object || root_.kind == Kind::Array) {
        root_.children = nodes_.data() + root_.first;
    }
}

Var toPocoVar(const JNode& node) {
    switch (node.kind) {
    case Kind::Bool:
        return node.boolean;
    case Kind::String:
        return std::string(node.text);
    case Kind::Int:
        return static_cast<Poco::Int64>(node.integer);
    case Kind::UInt:
        return static_cast<Poco::UInt64>(node.unsignedInteger);
    case Kind::Float:
        return node.number;
    case Kind::Object: {
        Object::Ptr object = new Object();
        for (std::uint32_t i = 0; i < node.count; ++i) {
            object->set(std::string(node.children[i].key), toPocoVar(node.children[i]));
        }
        return object;
    }
    case Kind::Array: {
        Array::Ptr array = new Array();
        for (std::uint32_t i = 0; i < node.count; ++i) {
            array->add(toPocoVar(node.children[i]));
        }
        return array;
    }
    default:
        return Var();
    }
}

} // namespace detail

Poco::Dynamic::Var parse(std::string_view text, int maxDepth) {
    const detail::ParsedText doc(text, maxDepth);
    return detail::toPocoVar(doc.root());
}

} // namespace maelstrom::sdk::json::codec
