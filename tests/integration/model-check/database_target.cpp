// database_target.cpp — the model check against the Database interface of a real plugin .so (db_test_common).
// SPDX-License-Identifier: Apache-2.0
#include "target.h"

#include "db_test_common.h"
#include "test_support.h"

#include <maelstrom/sdk/errors.h>

#include <atomic>
#include <thread>

namespace maelstrom::testing::model {

namespace {

namespace tdb = maelstrom::testing::db;

sdk::EventSource toEventSource(const std::string& name, const Es& e, std::int64_t version, bool valid) {
    sdk::EventSource out;
    out.name = name;
    out.componentName = e.component;
    out.projectName = e.project;
    out.version = version;
    out.modifiedAt = 1700000000001;
    if (valid)
        out.http = sdk::HttpEventSource{e.host, "/", false};
    return out;
}

Es fromEventSource(const sdk::EventSource& e, bool enabled) {
    return Es{e.componentName, e.projectName, e.http ? e.http->hostname : "", e.version, enabled};
}

class DatabaseTarget final : public Target {
public:
    explicit DatabaseTarget(const std::string& engine)
        : engine_(engine), testDb_(tdb::engineFromName(engine), pluginDir()) {
        std::string why;
        if (!testDb_.available(&why))
            throw std::runtime_error(engine + " test server: " + why);
        testDb_.wipe();
        db_ = testDb_.open();
    }
    ~DatabaseTarget() override {
        if (auto db = db_.load())
            db->shutdown();
    }

    bool apiLevel() const override { return false; }
    std::string name() const override { return "database/" + engine_; }

    // Calls in flight keep the instance they started on: a hard restart shuts it down under them (they fail and
    // their outcome is unknown, as when a daemon dies), a graceful one lets them finish on it.
    void restart(bool hard) override {
        std::shared_ptr<sdk::Database> old = db_.load();
        if (hard)
            old->shutdown();
        std::shared_ptr<sdk::Database> fresh;
        for (int attempt = 0; !fresh; ++attempt) {
            try {
                fresh = testDb_.open(); // migrations re-checked, a fresh pool, as a restarted maelstromd has
            } catch (const std::exception&) {
                if (attempt > 300)
                    throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
        }
        db_.store(fresh);
        if (!hard)
            old->shutdown();
    }
    void reopen() override { restart(false); }

    Reply execute(const Op& op) override {
        const std::shared_ptr<sdk::Database> db = db_.load();
        Reply r;
        try {
            run(*db, op, r);
        } catch (const sdk::AlreadyExists& e) {
            r = failure(Code::AlreadyExists, e.what());
        } catch (const sdk::VersionConflict& e) {
            r = failure(Code::VersionConflict, e.what());
        } catch (const sdk::InvalidInput& e) {
            r = failure(Code::Invalid, e.what());
        } catch (const sdk::NotFound& e) {
            r = failure(Code::NotFound, e.what());
        } catch (const sdk::Unavailable& e) {
            r = failure(Code::Unavailable, e.what());
        } catch (const std::exception& e) {
            r = failure(Code::Other, e.what());
        }
        return r;
    }

private:
    static void run(sdk::Database& db, const Op& op, Reply& r) {
        switch (op.kind) {
        case OpKind::PutComponent:
            r.version = db.putComponent(toComponent(op.name, Comp{op.project, op.value, 0}, op.version));
            break;
        case OpKind::GetComponent:
            if (auto c = db.getComponent(op.name)) {
                r.found = true;
                r.comp = fromComponent(*c);
            }
            break;
        case OpKind::RemoveComponent:
            r.found = db.removeComponent(op.name);
            break;
        case OpKind::ListComponents: {
            sdk::PageRequest page{op.limit, ""};
            do {
                auto got = db.listComponents({op.name, op.project}, page);
                if (static_cast<std::int64_t>(got.items.size()) > op.limit) {
                    throw std::runtime_error("a page of " + std::to_string(got.items.size()) + " items for limit " +
                                             std::to_string(op.limit));
                }
                for (const auto& c : got.items)
                    r.comps.emplace_back(c.name, fromComponent(c));
                page.nextToken = got.nextToken;
            } while (!page.nextToken.empty());
            break;
        }
        case OpKind::PutEventSource:
            r.version = db.putEventSource(
                toEventSource(op.name, Es{op.component, op.project, op.value, 0, true}, op.version, !op.invalid));
            break;
        case OpKind::GetEventSource: {
            if (auto e = db.getEventSource(op.name)) {
                // The enabled flag is only in the listing.
                sdk::EventSourceFilter filter;
                filter.namePrefix = op.name;
                bool enabled = true;
                for (const auto& item : db.listEventSources(filter, {}).items) {
                    if (item.eventSource.name == op.name)
                        enabled = item.enabled;
                }
                r.found = true;
                r.es = fromEventSource(*e, enabled);
            }
            break;
        }
        case OpKind::RemoveEventSource:
            r.found = db.removeEventSource(op.name);
            break;
        case OpKind::ListEventSources: {
            sdk::EventSourceFilter filter;
            filter.namePrefix = op.name;
            filter.componentName = op.component;
            filter.enabled = op.enabledFilter;
            sdk::PageRequest page{op.limit, ""};
            do {
                auto got = db.listEventSources(filter, page);
                for (const auto& e : got.items)
                    r.ess.emplace_back(e.eventSource.name, fromEventSource(e.eventSource, e.enabled));
                page.nextToken = got.nextToken;
            } while (!page.nextToken.empty());
            break;
        }
        case OpKind::ToggleEventSources: {
            sdk::EventSourceFilter filter;
            filter.namePrefix = op.name;
            filter.componentName = op.component;
            r.names = db.toggleEventSources(filter, op.enabled);
            break;
        }
        case OpKind::ListProjects:
            for (const auto& p : db.listProjects(op.name)) {
                r.projects[p.projectName] = ProjectCount{p.componentCount, p.eventSourceCount};
            }
            break;
        case OpKind::ApplyProjectChanges: {
            sdk::ProjectChanges changes;
            changes.removeComponents = op.removeComps;
            changes.removeEventSources = op.removeEss;
            for (const auto& [name, c] : op.putComps)
                changes.putComponents.push_back(toComponent(name, c, c.version));
            for (const auto& [name, e] : op.putEss)
                changes.putEventSources.push_back(toEventSource(name, e, e.version, true));
            db.applyProjectChanges(changes);
            break;
        }
        case OpKind::AcquireRole: {
            const auto lease = db.acquireOrRenewRole(op.name, op.node, op.version);
            r.acquired = lease.acquired;
            r.holder = lease.holderNodeId;
            r.expiresAt = lease.expiresAt;
            break;
        }
        case OpKind::ReleaseRole:
            r.found = db.releaseRole(op.name, op.node);
            break;
        case OpKind::RoleHolder:
            if (auto lease = db.roleHolder(op.name)) {
                r.found = true;
                r.holder = lease->holderNodeId;
                r.expiresAt = lease->expiresAt;
            }
            break;
        case OpKind::PutNodeStatus: {
            sdk::NodeStatus status;
            status.nodeId = op.name;
            status.observedAt = op.version;
            status.startedAt = op.version - 1000;
            status.peerUrl = op.value;
            db.putNodeStatus(status);
            break;
        }
        case OpKind::RemoveNodeStatus:
            r.found = db.removeNodeStatus(op.name);
            break;
        case OpKind::ListNodeStatus:
            for (const auto& n : db.listNodeStatus()) {
                if (n.nodeId.compare(0, op.name.size(), op.name) == 0) {
                    r.nodes.emplace_back(n.nodeId, Node{n.observedAt, n.peerUrl});
                }
            }
            break;
        case OpKind::IncrementStartCount:
            r.version = db.incrementComponentStartCount(op.name, op.version);
            break;
        case OpKind::StartCount:
            r.version = db.componentStartCount(op.name, op.version).startCount;
            break;
        case OpKind::PutProject:
        case OpKind::GetProject:
        case OpKind::RemoveProject:
            throw std::logic_error("API-level operation on the database target");
        }
    }

    std::string engine_;
    tdb::TestDatabase testDb_;
    std::atomic<std::shared_ptr<sdk::Database>> db_; // replaced by restart()
};

} // namespace

sdk::Component toComponent(const std::string& name, const Comp& c, std::int64_t version) {
    sdk::Component out;
    out.name = name;
    out.projectName = c.project;
    out.version = version;
    out.modifiedAt = 1700000000000;
    out.environment = {{"V", c.value}};
    out.docker = sdk::DockerComponent{};
    out.docker->image = "model/check:1";
    out.docker->httpPort = 8080;
    return out;
}

Comp fromComponent(const sdk::Component& c) {
    Comp out{c.projectName, "", c.version};
    for (const auto& nv : c.environment) {
        if (nv.name == "V")
            out.value = nv.value;
    }
    return out;
}

std::unique_ptr<Target> makeDatabaseTarget(const std::string& engine) {
    return std::make_unique<DatabaseTarget>(engine);
}

} // namespace maelstrom::testing::model
