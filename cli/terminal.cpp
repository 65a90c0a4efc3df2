// terminal.cpp — see terminal.h.
#include "terminal.h"

#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace maelstrom::cli {

TerminalStyle terminalStyle(bool isTty, const char* term, const char* noColor) {
    TerminalStyle style;
    style.live = isTty && term && *term && std::strcmp(term, "dumb") != 0;
    style.colour = style.live && !(noColor && *noColor);
    return style;
}

TerminalStyle stdoutStyle() {
    return terminalStyle(::isatty(STDOUT_FILENO) == 1, std::getenv("TERM"), std::getenv("NO_COLOR"));
}

std::string paint(const TerminalStyle& style, Colour colour, const std::string& text) {
    if (!style.colour) {
        return text;
    }
    const char* code = "";
    switch (colour) {
    case Colour::Red:
        code = "31";
        break;
    case Colour::Green:
        code = "32";
        break;
    case Colour::Yellow:
        code = "33";
        break;
    case Colour::Cyan:
        code = "36";
        break;
    case Colour::Bold:
        code = "1";
        break;
    case Colour::Dim:
        code = "2";
        break;
    }
    return std::string("\x1b[") + code + "m" + text + "\x1b[0m";
}

} // namespace maelstrom::cli
