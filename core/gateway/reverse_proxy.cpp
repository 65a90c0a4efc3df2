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
#include <optional>
#include <ostream>

namespace maelstrom::core {
namespace {

using Poco::Net::HTTPClientSession;
using Poco::Net::HTTPMessage;

/// How copying the client's body to the upstream ended.
enum class BodyCopy {
    Copied,
    ClientGone,     ///< reading the client's body failed, or the client closed before sending all of it
    UpstreamBroken, ///< a write to the upstream failed (upstreamTimedOut() tells whether by the deadline)
};

/// How one attempt at sending the request and reading the response head ended.
enum class Attempt {
    HeadReceived,  ///< the response head is read; its body can be relayed
    StaleSession,  ///< a reused keep-alive session the upstream had closed: worth one attempt on a fresh one
    ClientGone,    ///< the client disconnected or sent a short body
    UpstreamError, ///< the upstream cannot be reached or broke the exchange: 502
    Timeout,       ///< the deadline passed: 504
};

Poco::Timespan remaining(SteadyTime deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - SteadyClock::now()).count();
    return Poco::Timespan(std::max<std::int64_t>(left, 1000)); // at least 1 ms: 0 would mean "no timeout"
}

bool isTimeout(const HTTPClientSession& session) {
    const Poco::Exception* e = session.networkException();
    return e != nullptr && dynamic_cast<const Poco::TimeoutException*>(e) != nullptr;
}

/// Whether a failed upstream read or write is the deadline's doing (504) rather than the upstream's (502).
bool upstreamTimedOut(const HTTPClientSession& session, SteadyTime deadline) {
    return isTimeout(session) || SteadyClock::now() >= deadline;
}

void setUpstreamTimeouts(UpstreamSession& session, SteadyTime deadline) { session.limitWait(remaining(deadline)); }

/// This thread's body-copy buffer: allocated once per server thread, not zeroed or freed per request.
char* copyBuffer() {
    thread_local const std::unique_ptr<char[]> buffer(new char[kProxyBufferBytes]);
    return buffer.get();
}

/// Copies the client's body to the upstream in fixed-size chunks. Only called when the request has a body
/// (Content-Length or chunked): Poco would otherwise read a POST until the client closes.
BodyCopy copyRequestBody(Poco::Net::HTTPServerRequest& request, std::ostream& upstream, UpstreamSession& session,
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
            return BodyCopy::ClientGone;
        }
        if (n > 0) {
            setUpstreamTimeouts(session, target.deadline);
            upstream.write(buffer, n);
            if (!upstream) {
                return BodyCopy::UpstreamBroken;
            }
            copied += n;
        }
        if (in.eof()) {
            break;
        }
        if (!in) {
            return BodyCopy::ClientGone;
        }
    }
    if (request.hasContentLength() && !request.getChunkedTransferEncoding() && copied != request.getContentLength64()) {
        return BodyCopy::ClientGone; // the client closed before sending its whole body
    }
    upstream.flush();
    return upstream ? BodyCopy::Copied : BodyCopy::UpstreamBroken;
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

/// One attempt: sends `out` and the client's body on `session`, then reads the response head into `head` (`body`
/// is set to its body stream). With `retryIfStale`, a network error that is not a timeout is reported as a
/// stale session rather than an upstream error.
Attempt sendRequestReadHead(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPRequest& out,
                            UpstreamSession& session, const ProxyTarget& target, bool withBody, bool retryIfStale,
                            Poco::Net::HTTPResponse& head, std::istream*& body) {
    try {
        setUpstreamTimeouts(session, target.deadline);
        std::ostream& upstream = session.sendRequest(out);
        if (withBody) {
            switch (copyRequestBody(request, upstream, session, target)) {
            case BodyCopy::Copied:
                break;
            case BodyCopy::ClientGone:
                return Attempt::ClientGone;
            case BodyCopy::UpstreamBroken:
                return upstreamTimedOut(session, target.deadline) ? Attempt::Timeout : Attempt::UpstreamError;
            }
        }
        setUpstreamTimeouts(session, target.deadline);
        body = &session.receiveResponse(head);
        return Attempt::HeadReceived;
    } catch (const Poco::Exception& e) {
        const bool timedOut =
            dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr || SteadyClock::now() >= target.deadline;
        if (timedOut) {
            return Attempt::Timeout;
        }
        return retryIfStale ? Attempt::StaleSession : Attempt::UpstreamError;
    } catch (const std::exception&) {
        return Attempt::UpstreamError;
    }
}

/// Request and response head, on a session of `pool` (left in `session`). A reused keep-alive session may have
/// been closed by the upstream meanwhile: a body-less request is then retried once on a fresh connection (nothing
/// reached the application). Never returns StaleSession.
Attempt forwardRequest(Poco::Net::HTTPServerRequest& request, SessionPool& pool, const ProxyTarget& target,
                       std::unique_ptr<UpstreamSession>& session, Poco::Net::HTTPResponse& head, std::istream*& body) {
    Poco::Net::HTTPRequest out = upstreamRequest(request, target);
    const bool withBody = hasBody(request);
    for (int attempt = 0;; ++attempt) {
        bool reused = false;
        session = pool.take(reused);
        const bool retryIfStale = reused && !withBody && attempt == 0;
        const Attempt result = sendRequestReadHead(request, out, *session, target, withBody, retryIfStale, head, body);
        if (result != Attempt::StaleSession) {
            return result;
        }
    }
}

/// The gateway's own answer when the exchange failed before the response head: the one place that sends the
/// 502 and the 504. A client that went away gets nothing.
ProxyOutcome answerFailedRequest(Poco::Net::HTTPServerResponse& response, const ProxyTarget& target, Attempt failure) {
    if (failure == Attempt::ClientGone) {
        return ProxyOutcome::ClientGone;
    }
    if (failure == Attempt::Timeout) {
        sendGatewayText(response, 504, timeoutBody(target.componentName));
        return ProxyOutcome::Timeout;
    }
    sendGatewayText(response, 502, "");
    return ProxyOutcome::UpstreamError;
}

/// Response head: status, reason and end-to-end headers as the upstream sent them; framing chosen here.
void copyResponseHead(const Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                      const Poco::Net::HTTPResponse& upstreamResponse) {
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
}

/// Copies the upstream's body to the client up to its end. Once the head went out a failure can only cut the
/// client connection: returns how the exchange ended then, nothing when the whole body was written.
std::optional<ProxyOutcome> relayResponseBody(Poco::Net::HTTPServerRequest& request,
                                              Poco::Net::HTTPServerResponse& response, std::ostream& client,
                                              std::istream& upstreamBody, UpstreamSession& session,
                                              const ProxyTarget& target) {
    char* const buffer = copyBuffer();
    std::int64_t relayed = 0;
    for (;;) {
        setUpstreamTimeouts(session, target.deadline);
        upstreamBody.read(buffer, static_cast<std::streamsize>(kProxyBufferBytes));
        const std::streamsize n = upstreamBody.gcount();
        if (n > 0) {
            client.write(buffer, n);
            if (!client) {
                return ProxyOutcome::ClientGone;
            }
            relayed += n;
        }
        if (upstreamBody.eof()) {
            if (response.hasContentLength() && request.getMethod() != "HEAD" &&
                relayed < response.getContentLength64()) {
                abortClient(request, response); // the upstream closed before its whole body
                return ProxyOutcome::UpstreamError;
            }
            return std::nullopt;
        }
        if (!upstreamBody) {
            const bool timedOut = upstreamTimedOut(session, target.deadline);
            abortClient(request, response);
            return timedOut ? ProxyOutcome::Timeout : ProxyOutcome::UpstreamError;
        }
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
    Poco::Net::HTTPResponse upstreamResponse;
    std::unique_ptr<UpstreamSession> session;
    std::istream* upstreamBody = nullptr;
    const Attempt sent = forwardRequest(request, pool, target, session, upstreamResponse, upstreamBody);
    if (sent != Attempt::HeadReceived) {
        return answerFailedRequest(response, target, sent);
    }

    copyResponseHead(request, response, upstreamResponse);
    std::ostream* client = nullptr;
    try {
        client = &response.send();
    } catch (...) {
        return ProxyOutcome::ClientGone; // the session has an unread body: dropped with it
    }
    if (const auto failed = relayResponseBody(request, response, *client, *upstreamBody, *session, target)) {
        return *failed;
    }
    client->flush();
    if (session->getKeepAlive() && upstreamResponse.getKeepAlive()) {
        pool.give(std::move(session));
    }
    return *client ? ProxyOutcome::Completed : ProxyOutcome::ClientGone;
}

} // namespace maelstrom::core
