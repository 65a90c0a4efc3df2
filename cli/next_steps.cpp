// next_steps.cpp — see next_steps.h.
#include "next_steps.h"

namespace maelstrom::cli {
namespace {

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

} // namespace

std::string rpcNextStep(int code, const std::string& message, const std::string& url, bool tokenSet) {
    if (contains(message, "401 Unauthorized")) {
        return tokenSet ? "MAELSTROM_PRIVATE_TOKEN is not the token maelstromd expects: set it to the daemon's "
                          "private_token (MAEL_PRIVATE_TOKEN)"
                        : "maelstromd requires a token: set MAELSTROM_PRIVATE_TOKEN to its private_token "
                          "(MAEL_PRIVATE_TOKEN)";
    }
    if (code == kTransportErrorCode) {
        if (contains(message, "HTTP 404") || contains(message, "cannot decode") || contains(message, "not a JSON")) {
            return "the server at " + url +
                   " does not answer like maelstromd's private port: set MAELSTROM_PRIVATE_URL to it "
                   "(MAEL_PRIVATE_PORT, default 8374)";
        }
        return "is maelstromd running? set MAELSTROM_PRIVATE_URL to its private URL (now " + url + ")";
    }
    if (code == -32601) {
        return "the maelstromd at " + url +
               " does not know this method: is it older than this maelctl? (maelctl version)";
    }
    if (code == 1001 || code == -32602) {
        return "fix the input named above and run the command again";
    }
    if (code == 1003) {
        return "see what exists: maelctl project ls, maelctl comp ls, maelctl es ls";
    }
    if (code == 1004) {
        return "it was changed meanwhile: run the command again";
    }
    return "";
}

} // namespace maelstrom::cli
