// logging_cold_starter.cpp — cold-start placeholder.
#include "gateway/logging_cold_starter.h"

#include <Poco/Logger.h>

namespace maelstrom::core {

void LoggingColdStarter::requestStart(const std::string& component) {
    Poco::Logger::get("maelstrom.gateway")
        .information("cold start of component '" + component +
                     "' requested, but this node has no container lifecycle yet: requests wait until their deadline");
}

} // namespace maelstrom::core
