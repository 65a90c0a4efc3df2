// first_byte.h — the benchmarks' cold-start probe: milliseconds from connect to the first byte of the answer to
// `GET /` with a Host header on a new connection to 127.0.0.1 (the whole answer is read afterwards). Header-only.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <string>

namespace maelstrom::bench {

/// Milliseconds to the first response byte, or -1 when the answer is not a 200; its first line in `statusLine`
/// when given.
inline double firstByteMillis(int port, const std::string& host, std::string* statusLine = nullptr) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
    socket.setReceiveTimeout(Poco::Timespan(120, 0));
    socket.setNoDelay(true);
    const std::string req = "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
    socket.sendBytes(req.data(), static_cast<int>(req.size()));
    char buf[4096];
    int n = socket.receiveBytes(buf, 1);
    const double firstByte = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::string response(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while ((n = socket.receiveBytes(buf, sizeof buf)) > 0) {
        response.append(buf, static_cast<std::size_t>(n));
    }
    if (statusLine) {
        *statusLine = response.substr(0, response.find("\r\n"));
    }
    return response.rfind("HTTP/1.1 200", 0) == 0 ? firstByte : -1;
}

} // namespace maelstrom::bench
