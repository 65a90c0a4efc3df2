// interpolation.cpp — see interpolation.h. A linear scan: the regex `\$?\$\{[^}]+\}` is matched by hand
// (leftmost match, the optional leading '$' taken when it can be), which keeps the cost O(n) even for a
// megabyte of `${` without a closing brace.
#include "interpolation.h"

#include <algorithm>
#include <stdexcept>

namespace maelstrom::cli {

int InterpolatedText::originalLine(int outputLine) const noexcept {
    if (lineOrigin.empty())
        return outputLine < 1 ? 1 : outputLine;
    if (outputLine < 1)
        return lineOrigin.front();
    const auto index = static_cast<std::size_t>(outputLine - 1);
    return index < lineOrigin.size() ? lineOrigin[index] : lineOrigin.back();
}

namespace {

// The value a `${...}` token (braces included, no escape '$') stands for.
std::string resolveToken(std::string_view token, const std::map<std::string, std::string>& env) {
    const std::string_view body = token.substr(2, token.size() - 3);
    std::string_view key = body;
    std::string_view fallback;
    bool emptyToDefault = false;
    if (const auto colon = body.find(':'); colon != std::string_view::npos) {
        key = body.substr(0, colon);
        std::string_view rest = body.substr(colon + 1);
        if (!rest.empty() && rest.front() == '-') {
            emptyToDefault = true;
            rest.remove_prefix(1);
        }
        fallback = rest;
    }
    const auto it = env.find(std::string(key));
    if (it == env.end() || (emptyToDefault && it->second.empty()))
        return std::string(fallback);
    return it->second;
}

class Output {
public:
    Output(std::size_t limit) : limit_(limit) { lineOrigin_.push_back(1); }

    // Appends text that came from input line `inputLine` (a substituted value keeps its token's line).
    void append(std::string_view piece, int inputLine, bool fromInput) {
        if (piece.size() > limit_ - std::min(limit_, text_.size()))
            throw std::length_error("the file exceeds " + std::to_string(limit_) + " bytes after ${...} substitution");
        for (char c : piece) {
            text_.push_back(c);
            if (c == '\n') {
                if (fromInput)
                    ++inputLine;
                lineOrigin_.push_back(inputLine);
            }
        }
    }

    InterpolatedText finish() && { return InterpolatedText{std::move(text_), std::move(lineOrigin_)}; }

private:
    std::size_t limit_;
    std::string text_;
    std::vector<int> lineOrigin_;
};

int countNewlines(std::string_view s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

} // namespace

InterpolatedText interpolate(std::string_view input, const std::map<std::string, std::string>& env,
                             std::size_t maxOutputBytes) {
    Output out(maxOutputBytes);
    int line = 1;           // input line at `copied`
    std::size_t copied = 0; // input[0, copied) has been emitted
    std::size_t pos = 0;
    while (true) {
        pos = input.find('$', pos);
        if (pos == std::string_view::npos)
            break;
        // Candidate starts: "$${" (escape, preferred) or "${".
        std::size_t open;
        bool escape = false;
        if (pos + 2 < input.size() && input[pos + 1] == '$' && input[pos + 2] == '{') {
            open = pos + 2;
            escape = true;
        } else if (pos + 1 < input.size() && input[pos + 1] == '{') {
            open = pos + 1;
        } else {
            ++pos;
            continue;
        }
        const std::size_t close = input.find('}', open + 1);
        if (close == std::string_view::npos)
            break; // no '}' anywhere after: no later token can match either
        if (close == open + 1) {
            // "${}" (or "$${}"): no match here. With the escape form, "${}" at pos+1 fails as well.
            pos = open + 1;
            continue;
        }
        // Emit the input before the token, then the replacement.
        const std::string_view before = input.substr(copied, pos - copied);
        out.append(before, line, true);
        line += countNewlines(before);
        const std::string_view token = input.substr(escape ? pos + 1 : pos, close + 1 - (escape ? pos + 1 : pos));
        if (escape) {
            out.append(token, line, true);
        } else {
            out.append(resolveToken(token, env), line, false);
        }
        line += countNewlines(token);
        copied = close + 1;
        pos = copied;
    }
    out.append(input.substr(copied), line, true);
    return std::move(out).finish();
}

} // namespace maelstrom::cli
