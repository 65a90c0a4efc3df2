// websocket_tunnel.cpp — upgrade handshake relay and byte pump.
#include "gateway/websocket_tunnel.h"

#include "gateway/http_framing.h"

#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>

#include <poll.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace maelstrom::core {
namespace {

Poco::Timespan remainingTime(SteadyTime deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - SteadyClock::now()).count();
    return Poco::Timespan(std::max<std::int64_t>(left, 1000));
}

bool sendAll(Poco::Net::StreamSocket& socket, const char* data, std::size_t size) {
    while (size > 0) {
        const int n = socket.sendBytes(data, static_cast<int>(std::min<std::size_t>(size, 1 << 20)));
        if (n <= 0) {
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

/// Copies bytes both ways until one side closes, an error occurs or the deadline passes.
void pump(Poco::Net::StreamSocket& client, Poco::Net::StreamSocket& upstream, SteadyTime deadline) {
    std::vector<char> buffer(kProxyBufferBytes);
    pollfd fds[2] = {{client.impl()->sockfd(), POLLIN, 0}, {upstream.impl()->sockfd(), POLLIN, 0}};
    Poco::Net::StreamSocket* sockets[2] = {&client, &upstream};
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
        if (left <= 0) {
            return;
        }
        fds[0].revents = fds[1].revents = 0;
        const int ready = ::poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left, 1000)));
        if (ready < 0 && errno != EINTR) {
            return;
        }
        for (int i = 0; i < 2; ++i) {
            if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
                continue;
            }
            const int n = sockets[i]->receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
            if (n <= 0 || !sendAll(*sockets[1 - i], buffer.data(), static_cast<std::size_t>(n))) {
                return;
            }
        }
    }
}

} // namespace

bool isUpgradeRequest(const Poco::Net::HTTPServerRequest& request) {
    if (!request.has("Upgrade")) {
        return false;
    }
    const auto hop = hopByHopHeaders(request);
    return hop.count("upgrade") != 0 && request.has("Connection");
}

ProxyOutcome tunnelUpgrade(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                           const std::string& host, std::uint16_t port, const ProxyTarget& target) {
    Poco::Net::HTTPRequest out = upstreamRequest(request, target);
    out.set("Connection", "Upgrade");
    out.set("Upgrade", request.get("Upgrade"));
    std::ostringstream head;
    out.write(head);
    const std::string headText = head.str();

    Poco::Net::StreamSocket upstream;
    std::string answer; // the instance's response head (and whatever followed it in the same reads)
    try {
        upstream.connect(Poco::Net::SocketAddress(host, port), remainingTime(target.deadline));
        upstream.setReceiveTimeout(remainingTime(target.deadline));
        upstream.setSendTimeout(remainingTime(target.deadline));
        if (!sendAll(upstream, headText.data(), headText.size())) {
            sendGatewayText(response, 502, "");
            return ProxyOutcome::UpstreamError;
        }
        char buffer[4096];
        while (answer.find("\r\n\r\n") == std::string::npos) {
            if (answer.size() > 64 * 1024) {
                sendGatewayText(response, 502, "");
                return ProxyOutcome::UpstreamError;
            }
            const int n = upstream.receiveBytes(buffer, sizeof buffer);
            if (n <= 0) {
                sendGatewayText(response, 502, "");
                return ProxyOutcome::UpstreamError;
            }
            answer.append(buffer, static_cast<std::size_t>(n));
        }
    } catch (const Poco::TimeoutException&) {
        sendGatewayText(response, 504, timeoutBody(target.componentName));
        return ProxyOutcome::Timeout;
    } catch (const std::exception&) {
        if (SteadyClock::now() >= target.deadline) {
            sendGatewayText(response, 504, timeoutBody(target.componentName));
            return ProxyOutcome::Timeout;
        }
        sendGatewayText(response, 502, "");
        return ProxyOutcome::UpstreamError;
    }

    // From here the client connection is ours: relay the instance's answer verbatim, then join the streams.
    // (A non-101 answer is relayed until the instance closes; the client connection then closes too.)
    try {
        Poco::Net::StreamSocket client = static_cast<Poco::Net::HTTPServerRequestImpl&>(request).detachSocket();
        client.setReceiveTimeout(Poco::Timespan(0));
        if (!sendAll(client, answer.data(), answer.size())) {
            return ProxyOutcome::ClientGone;
        }
        upstream.setReceiveTimeout(Poco::Timespan(0));
        pump(client, upstream, target.deadline);
        client.close();
        upstream.close();
    } catch (const std::exception&) {
        return ProxyOutcome::ClientGone;
    }
    return ProxyOutcome::Completed;
}

} // namespace maelstrom::core
