// logging_cold_starter.h — the ColdStarter used until the container lifecycle exists (issue 7): it only logs
// that a component was asked to start. Requests for a component without instances then wait until their
// deadline and get the 504, which is the correct answer without a runtime.
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: requestStart() is thread-safe (Poco loggers are).
#pragma once

#include "routing/router.h"

#include <string>

namespace maelstrom::core {

class LoggingColdStarter : public ColdStarter {
public:
    void requestStart(const std::string& component) override;
};

} // namespace maelstrom::core
