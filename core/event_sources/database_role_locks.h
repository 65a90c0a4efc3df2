// database_role_locks.h — the RoleLocks event-source drivers use: the database's role leases, held in this node's
// name (the same leases placement and autoscaling take).
// SPDX-License-Identifier: Apache-2.0
// Thread-safe (the database plugin is); blocking. Database failures come out as sdk::Unavailable.
#pragma once

#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/event_source.h>

#include <memory>
#include <string>

namespace maelstrom::core {

class DatabaseRoleLocks final : public sdk::RoleLocks {
public:
    DatabaseRoleLocks(std::shared_ptr<sdk::Database> database, std::string nodeId)
        : database_(std::move(database)), nodeId_(std::move(nodeId)) {}

    bool acquireOrRenew(const std::string& roleId, std::chrono::milliseconds lease) override {
        return database_->acquireOrRenewRole(roleId, nodeId_, lease.count()).acquired;
    }
    void release(const std::string& roleId) override { database_->releaseRole(roleId, nodeId_); }
    std::optional<std::string> holder(const std::string& roleId) override {
        const auto lease = database_->roleHolder(roleId);
        return lease ? std::optional<std::string>(lease->holderNodeId) : std::nullopt;
    }

private:
    const std::shared_ptr<sdk::Database> database_;
    const std::string nodeId_;
};

} // namespace maelstrom::core
