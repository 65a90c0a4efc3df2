// reverse_proxy.cpp — one proxied exchange, streamed.
#include "gateway/reverse_proxy.h"

#include "gateway/http_framing.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/NetException.h>

#include <algorithm>
#include <istream>
#include <memory>
#include <ostream>

namespace maelstrom::core {
namespace {

using Poco::Net::HTTPClientSession;
using Poco::Net::HTTPMessage;

/// Which side broke the exchange.
struct ClientFailure {};
struct UpstreamFailure {
    bool timeout = false;
};

Poco::Timespan remaining(SteadyTime deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - SteadyClock::now()).count();
    return Poco::Timespan(std::max<std::int64_t>(left, 1000)); // at least 1 ms: 0 would mean "no timeout"
}

bool isTimeout(const HTTPClientSession& session) {
    const Poco::Exception* e = session.networkException();
    return e != nullptr && dynamic_cast<const Poco::TimeoutException*>(e) != nullptr;
}

void setUpstreamTimeouts(UpstreamSession& session, SteadyTime deadline) { session.limitWait(remaining(deadline)); }

/// This thread's body-copy buffer: allocated once per server thread, not zeroed or freed per request.
char* copyBuffer() {
    thread_local const std::unique_ptr<char[]> buffer(new char[kProxyBufferBytes]);
    return buffer.get();
}

/// Copies the client's body to the upstream in fixed-size chunks. Only called when the request has a body
/// (Content-Length or chunked): Poco would otherwise read a POST until the client closes.
void copyRequestBody(Poco::Net::HTTPServerRequest& request, std::ostream& upstream, UpstreamSession& session,
                     const ProxyTarget& target) {
    char* const buffer = copyBuffer();
    std::istream& in = request.stream();
    std::int64_t copied = 0;
    for (;;) {
        std::streamsize n = 0;
        try {
            in.read(buffer, static_cast<std::streamsize>(kProxyBufferBytes));
            n = in.gcount();
        } catch (...) {
            throw ClientFailure{};
        }
        if (n > 0) {
            setUpstreamTimeouts(session, target.deadline);
            upstream.write(buffer, n);
            if (!upstream) {
                throw UpstreamFailure{isTimeout(session) || SteadyClock::now() >= target.deadline};
            }
            copied += n;
        }
        if (in.eof()) {
            break;
        }
        if (!in) {
            throw ClientFailure{};
        }
    }
    if (request.hasContentLength() && !request.getChunkedTransferEncoding() && copied != request.getContentLength64()) {
        throw ClientFailure{}; // the client closed before sending its whole body
    }
    upstream.flush();
    if (!upstream) {
        throw UpstreamFailure{isTimeout(session)};
    }
}

bool hasBody(const Poco::Net::HTTPServerRequest& request) {
    return request.getChunkedTransferEncoding() || (request.hasContentLength() && request.getContentLength64() > 0);
}

/// Cuts the client connection without letting Poco finish the response cleanly (a truncated body must not
/// look complete).
void abortClient(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    response.setKeepAlive(false);
    try {
        static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket().shutdown();
    } catch (...) {
    }
}

} // namespace

Poco::Net::HTTPRequest upstreamRequest(const Poco::Net::HTTPServerRequest& request, const ProxyTarget& target) {
    Poco::Net::HTTPRequest out(request.getMethod(), target.pathAndQuery, HTTPMessage::HTTP_1_1);
    const HopByHopFilter hopByHop(request);
    for (const auto& [name, value] : request) {
        if (hopByHop.skip(name) || iequalsAscii(name, "content-length") || iequalsAscii(name, "expect")) {
            continue;
        }
        out.add(name, value);
    }
    // The client's Host is kept (copied above); the proxy chain is recorded for the container.
    const std::string peer = request.clientAddress().host().toString();
    const std::string forwardedFor = request.get("X-Forwarded-For", "");
    out.set("X-Forwarded-For", forwardedFor.empty() ? peer : forwardedFor + ", " + peer);
    if (!request.has("X-Forwarded-Host") && request.has("Host")) {
        out.set("X-Forwarded-Host", request.get("Host"));
    }
    if (!request.has("X-Forwarded-Proto")) {
        out.set("X-Forwarded-Proto", "http");
    }
    if (!request.has("MAELSTROM-DEADLINE-NANO")) {
        out.set("MAELSTROM-DEADLINE-NANO", std::to_string(target.deadlineUnixNanos));
    }
    if (!request.has("MAELSTROM-START-NANO")) {
        out.set("MAELSTROM-START-NANO", std::to_string(target.startUnixNanos));
    }
    if (request.getChunkedTransferEncoding()) {
        out.setChunkedTransferEncoding(true);
    } else if (request.hasContentLength()) {
        out.setContentLength64(request.getContentLength64());
    }
    out.setKeepAlive(true);
    return out;
}

void sendGatewayText(Poco::Net::HTTPServerResponse& response, int status, const std::string& body) {
    try {
        if (response.sent()) {
            return;
        }
        response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
        response.setContentType("text/plain");
        response.setContentLength(static_cast<std::streamsize>(body.size()));
        response.send() << body;
    } catch (...) {
        // The client is gone; nothing to tell it.
    }
}

ProxyOutcome proxyRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                          SessionPool& pool, const ProxyTarget& target) {
    Poco::Net::HTTPRequest out = upstreamRequest(request, target);
    const bool withBody = hasBody(request);
    Poco::Net::HTTPResponse upstreamResponse;
    std::unique_ptr<UpstreamSession> session;
    std::istream* upstreamBody = nullptr;

    // Request and response head. A reused keep-alive session may have been closed by the upstream meanwhile:
    // a body-less request is then retried once on a fresh connection (nothing reached the application).
    for (int attempt = 0; attempt < 2 && upstreamBody == nullptr; ++attempt) {
        bool reused = false;
        session = pool.take(reused);
        try {
            setUpstreamTimeouts(*session, target.deadline);
            std::ostream& upstream = session->sendRequest(out);
            if (withBody) {
                copyRequestBody(request, upstream, *session, target);
            }
            setUpstreamTimeouts(*session, target.deadline);
            upstreamBody = &session->receiveResponse(upstreamResponse);
        } catch (const ClientFailure&) {
            return ProxyOutcome::ClientGone;
        } catch (const UpstreamFailure& failure) {
            if (failure.timeout || SteadyClock::now() >= target.deadline) {
                sendGatewayText(response, 504, timeoutBody(target.componentName));
                return ProxyOutcome::Timeout;
            }
            sendGatewayText(response, 502, "");
            return ProxyOutcome::UpstreamError;
        } catch (const Poco::Exception& e) {
            const bool timedOut = dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr ||
                                  SteadyClock::now() >= target.deadline;
            if (timedOut) {
                sendGatewayText(response, 504, timeoutBody(target.componentName));
                return ProxyOutcome::Timeout;
            }
            if (reused && !withBody && attempt == 0) {
                continue; // stale keep-alive connection
            }
            sendGatewayText(response, 502, "");
            return ProxyOutcome::UpstreamError;
        } catch (const std::exception&) {
            sendGatewayText(response, 502, "");
            return ProxyOutcome::UpstreamError;
        }
    }
    if (upstreamBody == nullptr) {
        sendGatewayText(response, 502, "");
        return ProxyOutcome::UpstreamError;
    }

    // Response head: status, reason and end-to-end headers as the upstream sent them; framing chosen here.
    response.setStatusAndReason(upstreamResponse.getStatus(), upstreamResponse.getReason());
    const HopByHopFilter hopByHop(upstreamResponse);
    const auto forwarded = [&hopByHop](const std::string& name) {
        return !hopByHop.skip(name) && !iequalsAscii(name, "content-length");
    };
    for (const auto& [name, value] : upstreamResponse) {
        if (forwarded(name) && response.has(name)) {
            response.erase(name); // defaults Poco set (Server, Date) give way to the upstream's
        }
    }
    for (const auto& [name, value] : upstreamResponse) {
        if (forwarded(name)) {
            response.add(name, value);
        }
    }
    if (upstreamResponse.hasContentLength() && !upstreamResponse.getChunkedTransferEncoding()) {
        response.setContentLength64(upstreamResponse.getContentLength64());
    } else {
        const int status = upstreamResponse.getStatus();
        const bool bodiless = status == 204 || status == 304 || status < 200 || request.getMethod() == "HEAD";
        if (!bodiless && request.getVersion() == HTTPMessage::HTTP_1_1) {
            response.setChunkedTransferEncoding(true);
        }
    }

    std::ostream* client = nullptr;
    try {
        client = &response.send();
    } catch (...) {
        return ProxyOutcome::ClientGone; // the session has an unread body: dropped with it
    }

    char* const buffer = copyBuffer();
    std::int64_t relayed = 0;
    for (;;) {
        setUpstreamTimeouts(*session, target.deadline);
        upstreamBody->read(buffer, static_cast<std::streamsize>(kProxyBufferBytes));
        const std::streamsize n = upstreamBody->gcount();
        if (n > 0) {
            client->write(buffer, n);
            if (!*client) {
                return ProxyOutcome::ClientGone;
            }
            relayed += n;
        }
        if (upstreamBody->eof()) {
            if (response.hasContentLength() && request.getMethod() != "HEAD" &&
                relayed < response.getContentLength64()) {
                abortClient(request, response); // the upstream closed before its whole body
                return ProxyOutcome::UpstreamError;
            }
            break;
        }
        if (!*upstreamBody) {
            const bool timedOut = isTimeout(*session) || SteadyClock::now() >= target.deadline;
            abortClient(request, response);
            return timedOut ? ProxyOutcome::Timeout : ProxyOutcome::UpstreamError;
        }
    }
    client->flush();
    if (session->getKeepAlive() && upstreamResponse.getKeepAlive()) {
        pool.give(std::move(session));
    }
    return *client ? ProxyOutcome::Completed : ProxyOutcome::ClientGone;
}

} // namespace maelstrom::core
