// target.h — what the model check runs its operations against: the Database interface of a real plugin
// (DatabaseTarget) or a real maelstromd over JSON-RPC (ApiTarget), plus the faults each can suffer.
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: execute() is called by many workers at once; restart() by the fault thread meanwhile (calls
// that overlap a restart may answer Unavailable, which the runner treats as an unknown outcome).
#pragma once

#include "model.h"

#include <maelstrom/sdk/model.h>

#include <memory>
#include <string>

namespace maelstrom::testing::model {

class Target {
public:
    virtual ~Target() = default;
    /// Runs one operation and normalises its answer (lists are read page by page to the end).
    virtual Reply execute(const Op& op) = 0;
    /// Stops and starts what serves the operations (a new plugin instance; maelstromd killed or stopped and
    /// started again). `hard`: no graceful shutdown.
    virtual void restart(bool hard) = 0;
    /// Before the final check: every later read goes through connections opened after all writes.
    virtual void reopen() = 0;
    virtual bool apiLevel() const = 0;
    virtual std::string name() const = 0;
};

/// The model's component as the SDK type (value in environment variable V; a fixed image), and back.
sdk::Component toComponent(const std::string& name, const Comp& c, std::int64_t version);
Comp fromComponent(const sdk::Component& c);

/// `engine`: sqlite, mysql or postgres (the test servers of db_test_common.h). The database is wiped first.
std::unique_ptr<Target> makeDatabaseTarget(const std::string& engine);
/// A maelstromd with the registry's database plugin pointed at the same test database (wiped first).
std::unique_ptr<Target> makeApiTarget(const std::string& engine);

/// Server-side faults: drop every connection of the test user (KILL / pg_terminate_backend), restart the
/// server (tests/services/restart-*.sh). Both no-ops for sqlite; they return a line saying what was done.
std::string killConnections(const std::string& engine);
std::string restartServer(const std::string& engine);

} // namespace maelstrom::testing::model
