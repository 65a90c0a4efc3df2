// log_reader.cpp — container logs: request, demultiplexing, line splitting, cancellation.
// SPDX-License-Identifier: Apache-2.0
#include "log_reader.h"

#include "stream_framing.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/Exception.h>

#include <cstdio>

namespace maelstrom::plugins::docker {

namespace sdk = maelstrom::sdk;

std::string sinceParameter(std::int64_t millis) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(millis / 1000),
                  static_cast<long long>((millis % 1000) * 1000000));
    return buf;
}

void readLogs(EngineClient& client, const std::string& containerId, const sdk::LogOptions& options,
              const std::function<void(const sdk::LogLine&)>& sink, std::stop_token stop) {
    std::string what = "logs of container " + containerId;
    // A container with a TTY has one raw stream; without one the stream is multiplexed.
    auto inspect =
        client.json("GET", "/containers/" + urlEncode(containerId) + "/json", "inspect container " + containerId)
            .extract<Poco::JSON::Object::Ptr>();
    bool tty = jsonBool(jsonObject(inspect, "Config"), "Tty");

    std::string path = "/containers/" + urlEncode(containerId) + "/logs?stdout=" + (options.stdoutStream ? "1" : "0") +
                       "&stderr=" + (options.stderrStream ? "1" : "0") + "&follow=" + (options.follow ? "1" : "0");
    if (options.sinceMillis > 0) {
        path += "&since=" + sinceParameter(options.sinceMillis);
    }
    if (stop.stop_requested())
        return;
    auto stream = client.openStream("GET", path, what);
    if (stream->status() >= 400) {
        throwEngineError(stream->status(), stream->readAll(), what);
    }
    if (options.follow) {
        stream->setReadTimeout(std::chrono::milliseconds(0));
    }
    std::stop_callback onStop(stop, [&stream] { stream->cancel(); });

    LineSplitter out([&](std::string_view line) { sink(sdk::LogLine{containerId, false, std::string(line)}); });
    LineSplitter err([&](std::string_view line) { sink(sdk::LogLine{containerId, true, std::string(line)}); });
    MuxDecoder decoder(
        [&](StreamId id, std::string_view payload) { (id == StreamId::Stderr ? err : out).feed(payload); });
    try {
        if (tty) {
            std::string line;
            while (std::getline(stream->body(), line)) {
                out.feed(line);
                out.feed("\n");
            }
        } else {
            std::string payload;
            char header[8];
            for (;;) {
                if (stream->read(header, 8) != 8)
                    break;
                std::uint32_t length = (std::uint32_t(static_cast<unsigned char>(header[4])) << 24) |
                                       (std::uint32_t(static_cast<unsigned char>(header[5])) << 16) |
                                       (std::uint32_t(static_cast<unsigned char>(header[6])) << 8) |
                                       std::uint32_t(static_cast<unsigned char>(header[7]));
                payload.resize(length);
                if (length > 0 && stream->read(payload.data(), length) != length)
                    break;
                decoder.feed(std::string_view(header, 8));
                decoder.feed(payload);
            }
        }
    } catch (const std::exception& e) {
        if (stop.stop_requested())
            return;
        throw sdk::Unavailable("docker: " + what + ": the stream broke (" + e.what() + ")");
    }
    if (stop.stop_requested())
        return;
    out.finish();
    err.finish();
}

} // namespace maelstrom::plugins::docker
