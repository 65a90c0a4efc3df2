// health_probe.cpp — see health_probe.h.
#include "lifecycle/health_probe.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace maelstrom::core {

int probeHealth(const std::string& host, int port, const std::string& path, std::chrono::milliseconds timeout,
                std::string* error) {
    try {
        Poco::Net::HTTPClientSession session(host, static_cast<Poco::UInt16>(port));
        session.setTimeout(Poco::Timespan(static_cast<long>(timeout.count() / 1000),
                                          static_cast<long>(timeout.count() % 1000) * 1000));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path.empty() ? "/" : path,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("User-Agent", "maelstromd-health-check");
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& body = session.receiveResponse(response);
        Poco::NullOutputStream discard;
        Poco::StreamCopier::copyStream(body, discard);
        const int status = static_cast<int>(response.getStatus());
        if (status != 200 && error) {
            *error = "GET " + path + " answered " + std::to_string(status);
        }
        return status;
    } catch (const Poco::Exception& e) {
        if (error) {
            *error = "GET " + path + ": " + e.displayText();
        }
    } catch (const std::exception& e) {
        if (error) {
            *error = "GET " + path + ": " + e.what();
        }
    }
    return 0;
}

bool waitHealthy(const std::string& host, int port, const std::string& path,
                 std::chrono::steady_clock::time_point deadline, const std::function<bool()>& cancelled,
                 std::string& lastError, const HealthProbe& probe, const sdk::Clock& clock) {
    using namespace std::chrono;
    lastError = "no attempt before the deadline";
    std::mutex sleepMutex;
    // Nobody notifies `sleep`: the pause between attempts ends on the clock (or, with a clock that polls, when
    // cancelled() turns true).
    std::condition_variable_any sleep;
    milliseconds interval = kStartHealthCheckFirstInterval;
    while (!cancelled()) {
        const auto now = clock.steadyNow();
        if (now >= deadline) {
            return false;
        }
        const auto left = duration_cast<milliseconds>(deadline - now);
        if (probe(host, port, path, std::clamp(left, milliseconds(100), milliseconds(kHealthCheckTimeout)),
                  &lastError) == 200) {
            return true;
        }
        std::unique_lock lock(sleepMutex);
        clock.waitUntil(sleep, lock, {}, clock.steadyNow() + interval, cancelled);
        interval = std::min(interval * 2, kStartHealthCheckMaxInterval);
    }
    lastError = "cancelled";
    return false;
}

} // namespace maelstrom::core
