// http.cpp — aws: URLs, form bodies and the abortable HTTP(S) exchange over Poco.
// SPDX-License-Identifier: Apache-2.0
#include "aws/http.h"

#include "aws/error.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>

namespace maelstrom::aws {

namespace {

bool equalsIgnoreCase(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

// One TLS client context for the process: the system CA store, the peer's certificate and name verified.
// VERIFY_STRICT rather than RELAXED: with RELAXED, Poco skips the host name check for local addresses (an
// endpoint override such as https://127.0.0.1:4566 would accept any trusted certificate).
Poco::Net::Context::Ptr tlsContext() {
    static const Poco::Net::Context::Ptr context = [] {
        Poco::Net::initializeSSL();
        return Poco::Net::Context::Ptr(
            new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", Poco::Net::Context::VERIFY_STRICT, 9, true));
    }();
    return context;
}

std::uint16_t defaultPort(const std::string& scheme) { return scheme == "https" ? 443 : 80; }

// Connecting is the one phase abort() cannot cut short (the socket is not ours yet), so it gets a bound of its
// own, short of a long poll's read timeout.
constexpr std::chrono::milliseconds kMaxConnectTimeout{5000};

Poco::Timespan toTimespan(std::chrono::milliseconds ms) {
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

} // namespace

std::optional<std::string> HttpResponse::header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
        if (equalsIgnoreCase(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

std::string Url::hostHeader() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    std::string out = ipv6 ? "[" + host + "]" : host;
    if (port != defaultPort(scheme)) {
        out += ":" + std::to_string(port);
    }
    return out;
}

Url parseUrl(const std::string& text) {
    const auto fail = [&](const std::string& why) {
        return AwsError("InvalidEndpoint", "invalid endpoint URL '" + text + "': " + why);
    };
    const auto schemeEnd = text.find("://");
    if (schemeEnd == std::string::npos) {
        throw fail("no scheme");
    }
    Url url;
    url.scheme = text.substr(0, schemeEnd);
    std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (url.scheme != "http" && url.scheme != "https") {
        throw fail("scheme is not http or https");
    }
    const auto authorityStart = schemeEnd + 3;
    auto authorityEnd = text.find_first_of("/?#", authorityStart);
    if (authorityEnd == std::string::npos) {
        authorityEnd = text.size();
    }
    std::string authority = text.substr(authorityStart, authorityEnd - authorityStart);
    if (const auto at = authority.rfind('@'); at != std::string::npos) {
        authority = authority.substr(at + 1); // user info has no meaning for AWS endpoints
    }
    std::string portText;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) {
            throw fail("unclosed IPv6 literal");
        }
        url.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') {
                throw fail("garbage after the IPv6 literal");
            }
            portText = authority.substr(close + 2);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
        url.host = authority.substr(0, colon);
        portText = authority.substr(colon + 1);
    } else {
        url.host = authority;
    }
    if (url.host.empty()) {
        throw fail("no host");
    }
    url.port = defaultPort(url.scheme);
    if (!portText.empty()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
        if (ec != std::errc{} || end != portText.data() + portText.size() || value == 0 || value > 65535) {
            throw fail("bad port");
        }
        url.port = static_cast<std::uint16_t>(value);
    }
    if (authorityEnd < text.size() && text[authorityEnd] == '/') {
        const auto pathEnd = text.find_first_of("?#", authorityEnd);
        url.path = text.substr(authorityEnd, pathEnd == std::string::npos ? std::string::npos : pathEnd - authorityEnd);
    }
    return url;
}

std::string formBody(const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::string out;
    for (const auto& [name, value] : parameters) {
        if (!out.empty()) {
            out.push_back('&');
        }
        out.append(uriEncode(name)).append("=").append(uriEncode(value));
    }
    return out;
}

// An exchange abort() can end: a duplicate of its socket's descriptor, ours alone while registered, so shutting
// it down from abort() never races with Poco closing (and the system reusing) the session's own descriptor.
struct HttpTransport::InFlight {
    int fd = -1;
};

HttpTransport::HttpTransport() = default;

HttpTransport::~HttpTransport() = default;

void HttpTransport::abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    for (auto* exchange : inFlight_) {
        // shutdown() wakes a thread blocked reading (plain or TLS) on the same socket; that thread then fails,
        // sees the flag and throws "Aborted".
        ::shutdown(exchange->fd, SHUT_RDWR);
    }
}

bool HttpTransport::aborted() const {
    std::lock_guard lock(mutex_);
    return aborted_;
}

HttpResponse HttpTransport::send(const Url& url, const SignableRequest& request, std::chrono::milliseconds timeout) {
    const auto abortedError = [] { return AwsError("Aborted", "AWS request aborted (shutting down)"); };
    if (aborted()) {
        throw abortedError();
    }
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (url.scheme == "https") {
        session = std::make_unique<Poco::Net::HTTPSClientSession>(url.host, url.port, tlsContext());
    } else {
        session = std::make_unique<Poco::Net::HTTPClientSession>(url.host, url.port);
    }
    session->setTimeout(toTimespan(std::min(timeout, kMaxConnectTimeout)), toTimespan(timeout), toTimespan(timeout));
    session->setKeepAlive(false);

    Poco::Net::HTTPRequest httpRequest(request.method, request.target.empty() ? "/" : request.target,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
    bool hasHost = false;
    for (const auto& [name, value] : request.headers) {
        httpRequest.add(name, value);
        hasHost = hasHost || equalsIgnoreCase(name, "Host");
    }
    if (!hasHost) {
        httpRequest.set("Host", url.hostHeader());
    }
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
        httpRequest.setContentLength(static_cast<std::streamsize>(request.body.size()));
    }

    InFlight exchange;
    const auto unregister = [&] {
        std::lock_guard lock(mutex_);
        inFlight_.erase(&exchange);
        if (exchange.fd >= 0) {
            ::close(exchange.fd);
            exchange.fd = -1;
        }
    };
    const auto where = request.method + " " + url.scheme + "://" + url.hostHeader() + request.target;
    try {
        session->sendRequest(httpRequest) << request.body;
        {
            std::lock_guard lock(mutex_);
            if (aborted_) {
                throw abortedError();
            }
            exchange.fd = ::dup(session->socket().impl()->sockfd());
            if (exchange.fd >= 0) {
                inFlight_.insert(&exchange);
            }
        }
        Poco::Net::HTTPResponse httpResponse;
        auto& in = session->receiveResponse(httpResponse);
        HttpResponse response;
        response.status = static_cast<int>(httpResponse.getStatus());
        for (const auto& [name, value] : httpResponse) {
            response.headers.emplace_back(name, value);
        }
        Poco::StreamCopier::copyToString(in, response.body);
        const bool truncated =
            in.bad() || (httpResponse.hasContentLength() &&
                         static_cast<std::streamsize>(response.body.size()) != httpResponse.getContentLength());
        unregister();
        if (aborted()) {
            throw abortedError();
        }
        if (truncated) {
            throw AwsError("Network", where + ": connection closed before the whole answer came", 0, true);
        }
        return response;
    } catch (const AwsError&) {
        unregister();
        throw;
    } catch (const Poco::TimeoutException&) {
        unregister();
        if (aborted()) {
            throw abortedError();
        }
        throw AwsError("Timeout", where + ": no answer within " + std::to_string(timeout.count()) + " ms", 0, true);
    } catch (const Poco::Exception& e) {
        unregister();
        if (aborted()) {
            throw abortedError();
        }
        throw AwsError("Network", where + ": " + e.displayText(), 0, true);
    } catch (const std::exception& e) {
        unregister();
        if (aborted()) {
            throw abortedError();
        }
        throw AwsError("Network", where + ": " + e.what(), 0, true);
    }
}

} // namespace maelstrom::aws
