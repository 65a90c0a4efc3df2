// logs_command.cpp — maelctl logs [--components=<list>] [--since=<since>]: GETs
// <MAELSTROM_PRIVATE_URL>/_mael/logs (with MAELSTROM_PRIVATE_TOKEN as a bearer token when set) — the logs of every
// node's containers, merged by the node asked — skips the PING keep-alives and prints every message as
// `[<Component>@<Node>]\t<Data trimmed>` (`[<Component>]\t<Data trimmed>` when it names no node, as an older
// maelstromd sends them), to stderr for the stderr stream and to stdout otherwise, until the stream ends or the
// user interrupts.
// Differences from the reference (on purpose): a non-200 answer is an error that says the status and the body
// (the reference tried to decode the body as messages); a stream silent for 60 s (no PING) is an error instead of
// a hang; a trailing slash on the URL is tolerated.
#include "commands.h"
#include "next_steps.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <cctype>
#include <cstdio>
#include <iostream>

namespace maelstrom::cli {
namespace {

constexpr int kSilenceSeconds = 60;

// Go's url.QueryEscape: unreserved bytes as they are, space as '+', the rest %XX.
std::string queryEscape(const std::string& s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

std::string trimSpace(const std::string& s) {
    const char* ws = " \t\r\n\v\f";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string::npos) {
        return {};
    }
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string field(const Poco::JSON::Object::Ptr& o, const char* key) {
    const auto v = o->get(key);
    return v.isString() ? v.extract<std::string>() : std::string();
}

// One message line: prints it, or the reference's decoding error.
void printMessage(const std::string& line) {
    try {
        Poco::JSON::Parser parser;
        const auto value = parser.parse(line);
        if (value.type() != typeid(Poco::JSON::Object::Ptr)) {
            throw Poco::JSON::JSONException("not a JSON object");
        }
        const auto o = value.extract<Poco::JSON::Object::Ptr>();
        const std::string node = field(o, "Node");
        const std::string text =
            "[" + field(o, "Component") + (node.empty() ? "" : "@" + node) + "]\t" + trimSpace(field(o, "Data")) + "\n";
        std::FILE* out = field(o, "Stream") == "stderr" ? stderr : stdout;
        std::fwrite(text.data(), 1, text.size(), out);
        std::fflush(out);
    } catch (const Poco::Exception& e) {
        std::printf("maelctl ERROR: unable to unmarshal msg: %s\n", e.displayText().c_str());
        std::fflush(stdout);
    }
}

} // namespace

int logs(CommandContext& ctx) {
    std::string base = ctx.privateUrl;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    std::string query;
    if (!ctx.flag("components").empty()) {
        query += "components=" + queryEscape(ctx.flag("components"));
    }
    if (!ctx.flag("since").empty()) {
        query += std::string(query.empty() ? "" : "&") + "since=" + queryEscape(ctx.flag("since"));
    }
    const std::string url = base + "/_mael/logs?" + query;
    const auto fail = [&](const std::string& why) {
        std::cout << "ERROR: Request to " << url << " failed - " << why << "\n";
        const std::string next = rpcNextStep(kTransportErrorCode, why, ctx.privateUrl, !ctx.token.empty());
        std::cout << "Next: " << next << std::endl;
        return 1;
    };
    try {
        const Poco::URI uri(url);
        if (uri.getScheme() != "http") {
            return fail("only http:// URLs are supported (MAELSTROM_PRIVATE_URL)");
        }
        Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
        session.setTimeout(Poco::Timespan(10, 0), Poco::Timespan(30, 0), Poco::Timespan(kSilenceSeconds, 0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, uri.getPathAndQuery(),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        if (!ctx.token.empty()) {
            request.set("Authorization", "Bearer " + ctx.token);
        }
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
            std::string body;
            Poco::StreamCopier::copyToString(in, body);
            return fail("HTTP " + std::to_string(static_cast<int>(response.getStatus())) + " " + response.getReason() +
                        ": " + trimSpace(body.substr(0, 1000)));
        }
        std::string line;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            if (line.empty() || line == "PING") {
                continue;
            }
            printMessage(line);
        }
        if (in.bad()) {
            return fail("the connection broke, or nothing arrived for " + std::to_string(kSilenceSeconds) +
                        " s (maelstromd sends PING every second)");
        }
        return 0;
    } catch (const Poco::Exception& e) {
        return fail(e.displayText());
    }
}

} // namespace maelstrom::cli
