// terminal.h — maelctl: whether standard output is a terminal that takes colours and redrawn lines, and the
// escape sequences it then gets. Colours and progress only on a terminal: stdout a tty and TERM set and not
// "dumb"; NO_COLOR (set and not empty) turns colours off but keeps the redrawn progress lines. Anything else
// (a pipe, a file, CI) gets plain lines without one escape byte.
#pragma once

#include <string>

namespace maelstrom::cli {

struct TerminalStyle {
    bool live = false;   ///< redraw progress lines in place (cursor movement, a spinner)
    bool colour = false; ///< SGR colours
};

/// The style for a stream: `isTty` (isatty of it), the values of TERM and NO_COLOR (null when unset).
TerminalStyle terminalStyle(bool isTty, const char* term, const char* noColor);
/// The style of this process's standard output.
TerminalStyle stdoutStyle();

enum class Colour { Red, Green, Yellow, Cyan, Bold, Dim };

/// `text` wrapped in the colour's SGR sequence and a reset when `style.colour`, else `text` as is.
std::string paint(const TerminalStyle& style, Colour colour, const std::string& text);

} // namespace maelstrom::cli
