// sql_database.cpp — see sql_database.h.
// SPDX-License-Identifier: Apache-2.0
#include "sql_database.h"

#include "dsn.h"

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/json.h>

#include <Poco/Data/Statement.h>
#include <Poco/DigestEngine.h>
#include <Poco/MD5Engine.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <thread>
#include <tuple>
#include <type_traits>
#include <variant>

namespace maelstrom::plugins::sql {

namespace {

using Poco::Data::Session;
using Param = std::variant<std::string, Poco::Int64>;
using Params = std::vector<Param>;

constexpr int kMaxAttempts = 6; // transient conflicts (deadlock, busy) are retried this many times in all

void bindAll(Poco::Data::Statement& st, const Params& params) {
    for (const auto& p : params) {
        if (const auto* s = std::get_if<std::string>(&p)) {
            st.addBind(Poco::Data::Keywords::bind(*s));
        } else {
            st.addBind(Poco::Data::Keywords::bind(std::get<Poco::Int64>(p)));
        }
    }
}

/// Runs a statement without results. @return the affected row count.
std::size_t exec(Session& s, const Dialect& d, const std::string& sql, const Params& params = {}) {
    Poco::Data::Statement st(s);
    st << d.sql(sql);
    bindAll(st, params);
    return st.execute();
}

/// Runs a query and returns its rows, each column extracted as the given type (std::string or Poco::Int64).
template <class... T>
std::vector<std::tuple<T...>> select(Session& s, const Dialect& d, const std::string& sql, const Params& params = {}) {
    Poco::Data::Statement st(s);
    st << d.sql(sql);
    bindAll(st, params);
    std::tuple<std::vector<T>...> columns;
    std::apply([&](auto&... column) { (st.addExtract(Poco::Data::Keywords::into(column)), ...); }, columns);
    st.execute();
    const std::size_t n = std::get<0>(columns).size();
    std::vector<std::tuple<T...>> rows;
    rows.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        rows.push_back(std::apply([&](auto&... column) { return std::tuple<T...>(std::move(column[i])...); }, columns));
    }
    return rows;
}

/// Offset encoded in a page token ("" or anything non-numeric → 0).
std::int64_t pageOffset(const std::string& token) {
    if (token.empty() || token.size() > 15 ||
        !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return 0;
    }
    return std::stoll(token);
}

struct Where {
    std::string sql;
    Params params;
    void add(const std::string& condition) { sql += (sql.empty() ? " WHERE " : " AND ") + condition; }
    void add(const std::string& condition, Param p) {
        add(condition);
        params.push_back(std::move(p));
    }
};

Where eventSourceWhere(const Dialect& d, const sdk::EventSourceFilter& f, bool withEnabled) {
    Where w;
    if (!f.namePrefix.empty())
        w.add(d.prefixCondition("name"), d.prefixPattern(f.namePrefix));
    if (!f.componentName.empty())
        w.add("componentName = ?", f.componentName);
    if (!f.projectName.empty())
        w.add("projectName = ?", f.projectName);
    if (f.type)
        w.add("type = ?", std::string(sdk::eventSourceTypeName(*f.type)));
    if (withEnabled && f.enabled)
        w.add("enabled = ?", Poco::Int64(*f.enabled ? 1 : 0));
    return w;
}

template <class T>
T decodeStored(const std::string& text, const char* what, const std::string& key) {
    try {
        return sdk::json::decode<T>(text);
    } catch (const std::exception& e) {
        throw sdk::PluginError(std::string("stored ") + what + " '" + key + "' cannot be decoded: " + e.what());
    }
}

void checkJsonSize(const Dialect& d, const std::string& json, const char* what, const std::string& name) {
    if (d.maxJsonBytes() != 0 && json.size() > d.maxJsonBytes()) {
        throw sdk::InvalidInput(std::string(what) + " '" + name +
                                "' is too large to store: " + std::to_string(json.size()) + " bytes of JSON (at most " +
                                std::to_string(d.maxJsonBytes()) + ")");
    }
}

/// First line of an engine message, without the password.
std::string detail(const Dialect& d, const std::exception& e) {
    std::string text;
    if (const auto* pe = dynamic_cast<const Poco::Exception*>(&e)) {
        text = pe->displayText();
    } else {
        text = e.what();
    }
    for (char& c : text) {
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
    }
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    if (text.size() > 600)
        text = text.substr(0, 600) + "...";
    return scrub(text, d.secret());
}

sdk::Unavailable unavailable(const Dialect& d, const char* operation, const std::string& why) {
    return sdk::Unavailable(std::string(d.engineName()) + " at " + d.location() + " is unavailable (" + operation +
                            "): " + why);
}

sdk::PluginError failure(const Dialect& d, const char* operation, const std::string& why) {
    return sdk::PluginError(std::string(d.engineName()) + " at " + d.location() + ": " + operation + " failed: " + why);
}

void backoff(int attempt) {
    thread_local std::minstd_rand rng(std::random_device{}());
    const int cap = std::min(5 << attempt, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + static_cast<int>(rng() % cap)));
}

std::string checksum(const Migration& m) {
    Poco::MD5Engine md5;
    for (const auto& s : m.statements) {
        md5.update(s);
        md5.update(";\n");
    }
    return Poco::DigestEngine::digestToHex(md5.digest());
}

// ---- row operations shared by the single calls and the project transaction ----

std::int64_t putComponentOn(Session& s, const Dialect& d, const sdk::Component& in) {
    if (in.name.empty())
        throw sdk::InvalidInput("component name is required");
    if (in.version < 0)
        throw sdk::InvalidInput("component '" + in.name + "': version must be >= 0");
    sdk::Component stored = in;
    stored.version = in.version + 1;
    const std::string json = sdk::json::toJson(stored);
    checkJsonSize(d, json, "component", in.name);
    if (in.version == 0) {
        try {
            exec(s, d,
                 "INSERT INTO component (name, projectName, version, createdAt, modifiedAt, json)"
                 " VALUES (?, ?, 1, ?, ?, ?)",
                 {in.name, in.projectName, Poco::Int64(sdk::unixMillis()), Poco::Int64(in.modifiedAt), json});
        } catch (const Poco::Exception& e) {
            if (d.classify(e) == ErrorKind::Duplicate) {
                throw sdk::AlreadyExists("component already exists: " + in.name);
            }
            throw;
        }
        return 1;
    }
    const auto n = exec(s, d,
                        "UPDATE component SET projectName = ?, version = ?, modifiedAt = ?, json = ?"
                        " WHERE name = ? AND version = ?",
                        {in.projectName, Poco::Int64(stored.version), Poco::Int64(in.modifiedAt), json, in.name,
                         Poco::Int64(in.version)});
    if (n != 1) {
        throw sdk::VersionConflict("component '" + in.name + "' is not at version " + std::to_string(in.version) +
                                   " (it was changed or removed)");
    }
    return stored.version;
}

std::int64_t putEventSourceOn(Session& s, const Dialect& d, const sdk::EventSource& in) {
    if (in.name.empty())
        throw sdk::InvalidInput("event source name is required");
    if (in.version < 0)
        throw sdk::InvalidInput("event source '" + in.name + "': version must be >= 0");
    const auto type = in.type();
    if (!type)
        throw sdk::InvalidInput("event source '" + in.name + "': no event source sub-type provided (e.g. http)");
    sdk::EventSource stored = in;
    stored.version = in.version + 1;
    const std::string json = sdk::json::toJson(stored);
    checkJsonSize(d, json, "event source", in.name);
    const std::string typeName = sdk::eventSourceTypeName(*type);
    if (in.version == 0) {
        try {
            exec(s, d,
                 "INSERT INTO eventsource (name, componentName, projectName, version, createdAt, modifiedAt, type,"
                 " enabled, json) VALUES (?, ?, ?, 1, ?, ?, ?, 1, ?)",
                 {in.name, in.componentName, in.projectName, Poco::Int64(sdk::unixMillis()), Poco::Int64(in.modifiedAt),
                  typeName, json});
        } catch (const Poco::Exception& e) {
            if (d.classify(e) == ErrorKind::Duplicate) {
                throw sdk::AlreadyExists("event source already exists: " + in.name);
            }
            throw;
        }
        return 1;
    }
    const auto n = exec(s, d,
                        "UPDATE eventsource SET componentName = ?, projectName = ?, version = ?, modifiedAt = ?,"
                        " type = ?, json = ? WHERE name = ? AND version = ?",
                        {in.componentName, in.projectName, Poco::Int64(stored.version), Poco::Int64(in.modifiedAt),
                         typeName, json, in.name, Poco::Int64(in.version)});
    if (n != 1) {
        throw sdk::VersionConflict("event source '" + in.name + "' is not at version " + std::to_string(in.version) +
                                   " (it was changed or removed)");
    }
    return stored.version;
}

bool removeComponentOn(Session& s, const Dialect& d, const std::string& name) {
    exec(s, d, "DELETE FROM eventsource WHERE componentName = ?", {name});
    return exec(s, d, "DELETE FROM component WHERE name = ?", {name}) > 0;
}

} // namespace

// ---- error handling and sessions ----

template <class F>
auto SqlDatabase::run(const char* operation, bool idempotent, F&& body) {
    int attempt = 0;
    bool reconnected = false;
    for (;;) {
        std::optional<SessionPool::Lease> lease;
        try {
            lease.emplace(pool_.acquire());
        } catch (const Poco::TimeoutException& e) {
            throw unavailable(*dialect_, operation, detail(*dialect_, e));
        } catch (const std::exception& e) {
            // Opening a connection failed: the server is down or refuses us.
            pool_.clearIdle();
            throw unavailable(*dialect_, operation, detail(*dialect_, e));
        }
        try {
            return body(*lease);
        } catch (const sdk::PluginError&) {
            throw;
        } catch (const Poco::Exception& e) {
            ErrorKind kind = dialect_->classify(e);
            bool connected = true;
            try {
                connected = lease->session().isConnected();
            } catch (...) {
                connected = false;
            }
            if (kind == ErrorKind::Connection || !connected) {
                lease->invalidate();
                pool_.clearIdle();
                if (idempotent && !lease->fresh() && !reconnected) {
                    reconnected = true; // a pooled session died while idle (server restart): one fresh try
                    continue;
                }
                throw unavailable(*dialect_, operation, detail(*dialect_, e));
            }
            if (kind == ErrorKind::Retry) {
                if (++attempt < kMaxAttempts) {
                    lease.reset();
                    backoff(attempt);
                    continue;
                }
                throw unavailable(*dialect_, operation,
                                  "still conflicting after " + std::to_string(kMaxAttempts) +
                                      " attempts: " + detail(*dialect_, e));
            }
            if (kind == ErrorKind::BadInput) {
                throw sdk::InvalidInput(std::string(dialect_->engineName()) + " rejected a value (" + operation +
                                        "): " + detail(*dialect_, e));
            }
            throw failure(*dialect_, operation, detail(*dialect_, e));
        } catch (const std::exception& e) {
            lease->invalidate();
            throw failure(*dialect_, operation, detail(*dialect_, e));
        }
    }
}

template <class F>
auto SqlDatabase::transact(const char* operation, bool idempotent, F&& body) {
    return run(operation, idempotent, [&](SessionPool::Lease& lease) {
        Session& s = lease.session();
        dialect_->begin(s);
        try {
            if constexpr (std::is_void_v<decltype(body(s))>) {
                body(s);
                dialect_->commit(s);
            } else {
                auto result = body(s);
                dialect_->commit(s);
                return result;
            }
        } catch (...) {
            try {
                dialect_->rollback(s);
            } catch (...) {
                lease.invalidate(); // unknown transaction state: never reuse this session
            }
            throw;
        }
    });
}

SqlDatabase::SqlDatabase(std::unique_ptr<Dialect> dialect, sdk::PluginLogger logger,
                         std::chrono::milliseconds idleCheck, std::chrono::milliseconds poolWait)
    : dialect_(std::move(dialect)), logger_(std::move(logger)),
      pool_([d = dialect_.get()] { return d->openSession(); },
            [d = dialect_.get()](Poco::Data::Session& s) { d->discardSession(s); },
            [](Poco::Data::Session& s) {
                Poco::Int64 one = 0;
                s << "SELECT 1", Poco::Data::Keywords::into(one), Poco::Data::Keywords::now;
            },
            [d = dialect_.get()](Poco::Data::Session& s) {
                switch (d->sessionState(s)) {
                case Dialect::SessionState::Clean:
                    return SessionPool::Returned::Clean;
                case Dialect::SessionState::Broken:
                    return SessionPool::Returned::Broken;
                case Dialect::SessionState::InTransaction:
                    break;
                }
                return SessionPool::Returned::InTransaction;
            },
            [this](std::uint64_t count) {
                logger_.error(std::string("a ") + dialect_->engineName() +
                              " session came back with a transaction open or autocommit off; closed it (" +
                              std::to_string(count) + " so far)");
            },
            dialect_->poolSize(), poolWait, idleCheck) {
    const int applied = migrate();
    logger_.information(std::string("database ready: ") + dialect_->engineName() + " at " + dialect_->location() +
                        " (" + std::to_string(applied) + " migration(s) applied, pool of " +
                        std::to_string(dialect_->poolSize()) + " sessions)");
}

SqlDatabase::~SqlDatabase() = default;

void SqlDatabase::shutdown() { pool_.close(); }

int SqlDatabase::migrate() {
    const auto migrations = dialect_->migrations();
    return run("migrate", false, [&](SessionPool::Lease& lease) {
        Session& s = lease.session();
        const Dialect& d = *dialect_;
        d.lockMigrations(s);
        int applied = 0;
        bool inTransaction = false;
        try {
            exec(s, d, d.createMigrationsTableSql());
            std::map<Poco::Int64, std::string> done;
            for (auto& [version, sum] :
                 select<Poco::Int64, std::string>(s, d, "SELECT version, checksum FROM maelstrom_migrations")) {
                done[version] = sum;
            }
            std::map<Poco::Int64, const Migration*> known;
            for (const auto& m : migrations)
                known[m.version] = &m;
            for (const auto& [version, sum] : done) {
                const auto it = known.find(version);
                if (it == known.end()) {
                    throw sdk::PluginError(std::string(d.engineName()) + " at " + d.location() +
                                           ": the schema has migration " + std::to_string(version) +
                                           ", which this plugin does not know (a newer maelstrom created it)");
                }
                if (checksum(*it->second) != sum) {
                    throw sdk::PluginError(std::string(d.engineName()) + " at " + d.location() + ": migration " +
                                           std::to_string(version) + " (" + it->second->description +
                                           ") was applied with checksum " + sum + " but this plugin's is " +
                                           checksum(*it->second) + "; the schema was changed outside maelstrom");
                }
            }
            for (const auto& m : migrations) {
                if (done.count(m.version))
                    continue;
                if (d.transactionalMigrations()) {
                    d.begin(s);
                    inTransaction = true;
                }
                for (const auto& statement : m.statements)
                    exec(s, d, statement);
                exec(
                    s, d,
                    "INSERT INTO maelstrom_migrations (version, description, checksum, applied_at) VALUES (?, ?, ?, ?)",
                    {Poco::Int64(m.version), m.description, checksum(m), Poco::Int64(sdk::unixMillis())});
                if (inTransaction) {
                    d.commit(s);
                    inTransaction = false;
                }
                logger_.information(std::string("applied migration ") + std::to_string(m.version) + " (" +
                                    m.description + ") on " + d.engineName() + " at " + d.location());
                ++applied;
            }
        } catch (...) {
            if (inTransaction) {
                try {
                    d.rollback(s);
                } catch (...) {
                }
            }
            d.unlockMigrations(s, false);
            lease.invalidate();
            throw;
        }
        d.unlockMigrations(s, true);
        return applied;
    });
}

// ---- components ----

std::int64_t SqlDatabase::putComponent(const sdk::Component& component) {
    return run("putComponent", false,
               [&](SessionPool::Lease& l) { return putComponentOn(l.session(), *dialect_, component); });
}

std::optional<sdk::Component> SqlDatabase::getComponent(const std::string& name) {
    const auto rows = run("getComponent", true, [&](SessionPool::Lease& l) {
        return select<std::string>(l.session(), *dialect_,
                                   "SELECT " + dialect_->jsonColumn() + " FROM component WHERE name = ?", {name});
    });
    if (rows.empty())
        return std::nullopt;
    return decodeStored<sdk::Component>(std::get<0>(rows.front()), "component", name);
}

bool SqlDatabase::removeComponent(const std::string& name) {
    return transact("removeComponent", false, [&](Session& s) { return removeComponentOn(s, *dialect_, name); });
}

sdk::Page<sdk::Component> SqlDatabase::listComponents(const sdk::ComponentFilter& filter,
                                                      const sdk::PageRequest& page) {
    const std::int64_t limit = sdk::clampPageLimit(page.limit);
    const std::int64_t offset = pageOffset(page.nextToken);
    Where w;
    if (!filter.namePrefix.empty())
        w.add(dialect_->prefixCondition("name"), dialect_->prefixPattern(filter.namePrefix));
    if (!filter.projectName.empty())
        w.add("projectName = ?", filter.projectName);
    w.params.emplace_back(Poco::Int64(limit + 1));
    w.params.emplace_back(Poco::Int64(offset));
    const auto rows = run("listComponents", true, [&](SessionPool::Lease& l) {
        return select<std::string, std::string>(l.session(), *dialect_,
                                                "SELECT name, " + dialect_->jsonColumn() + " FROM component" + w.sql +
                                                    " ORDER BY name LIMIT ? OFFSET ?",
                                                w.params);
    });
    sdk::Page<sdk::Component> out;
    const std::size_t n = std::min<std::size_t>(rows.size(), static_cast<std::size_t>(limit));
    out.items.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        out.items.push_back(decodeStored<sdk::Component>(std::get<1>(rows[i]), "component", std::get<0>(rows[i])));
    }
    if (rows.size() > static_cast<std::size_t>(limit))
        out.nextToken = std::to_string(offset + limit);
    return out;
}

// ---- event sources ----

std::int64_t SqlDatabase::putEventSource(const sdk::EventSource& eventSource) {
    return run("putEventSource", false,
               [&](SessionPool::Lease& l) { return putEventSourceOn(l.session(), *dialect_, eventSource); });
}

std::optional<sdk::EventSource> SqlDatabase::getEventSource(const std::string& name) {
    const auto rows = run("getEventSource", true, [&](SessionPool::Lease& l) {
        return select<std::string>(l.session(), *dialect_,
                                   "SELECT " + dialect_->jsonColumn() + " FROM eventsource WHERE name = ?", {name});
    });
    if (rows.empty())
        return std::nullopt;
    return decodeStored<sdk::EventSource>(std::get<0>(rows.front()), "event source", name);
}

bool SqlDatabase::removeEventSource(const std::string& name) {
    return run("removeEventSource", false, [&](SessionPool::Lease& l) {
        return exec(l.session(), *dialect_, "DELETE FROM eventsource WHERE name = ?", {name}) > 0;
    });
}

sdk::Page<sdk::EventSourceWithStatus> SqlDatabase::listEventSources(const sdk::EventSourceFilter& filter,
                                                                    const sdk::PageRequest& page) {
    const std::int64_t limit = sdk::clampPageLimit(page.limit);
    const std::int64_t offset = pageOffset(page.nextToken);
    Where w = eventSourceWhere(*dialect_, filter, true);
    w.params.emplace_back(Poco::Int64(limit + 1));
    w.params.emplace_back(Poco::Int64(offset));
    const auto rows = run("listEventSources", true, [&](SessionPool::Lease& l) {
        return select<std::string, Poco::Int64, std::string>(l.session(), *dialect_,
                                                             "SELECT name, enabled, " + dialect_->jsonColumn() +
                                                                 " FROM eventsource" + w.sql +
                                                                 " ORDER BY name LIMIT ? OFFSET ?",
                                                             w.params);
    });
    sdk::Page<sdk::EventSourceWithStatus> out;
    const std::size_t n = std::min<std::size_t>(rows.size(), static_cast<std::size_t>(limit));
    out.items.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        sdk::EventSourceWithStatus item;
        item.eventSource = decodeStored<sdk::EventSource>(std::get<2>(rows[i]), "event source", std::get<0>(rows[i]));
        item.enabled = std::get<1>(rows[i]) != 0;
        out.items.push_back(std::move(item));
    }
    if (rows.size() > static_cast<std::size_t>(limit))
        out.nextToken = std::to_string(offset + limit);
    return out;
}

std::vector<std::string> SqlDatabase::toggleEventSources(const sdk::EventSourceFilter& filter, bool enabled) {
    Where w = eventSourceWhere(*dialect_, filter, false);
    w.add("enabled <> ?", Poco::Int64(enabled ? 1 : 0));
    return transact("toggleEventSources", false, [&](Session& s) {
        // Lock and list the rows to change, then change exactly those: the names returned are the names changed.
        std::vector<std::string> names;
        for (auto& [name] : select<std::string>(
                 s, *dialect_, "SELECT name FROM eventsource" + w.sql + " ORDER BY name" + dialect_->forUpdate(),
                 w.params)) {
            names.push_back(std::move(name));
        }
        constexpr std::size_t kChunk = 200;
        for (std::size_t i = 0; i < names.size(); i += kChunk) {
            const std::size_t end = std::min(names.size(), i + kChunk);
            std::string in;
            Params params{Poco::Int64(enabled ? 1 : 0)};
            for (std::size_t j = i; j < end; ++j) {
                in += j == i ? "?" : ", ?";
                params.emplace_back(names[j]);
            }
            exec(s, *dialect_, "UPDATE eventsource SET enabled = ? WHERE name IN (" + in + ")", params);
        }
        return names;
    });
}

// ---- projects ----

std::vector<sdk::ProjectInfo> SqlDatabase::listProjects(const std::string& namePrefix) {
    Where w;
    if (!namePrefix.empty())
        w.add(dialect_->prefixCondition("projectName"), dialect_->prefixPattern(namePrefix));
    auto [components, eventSources] = run("listProjects", true, [&](SessionPool::Lease& l) {
        auto c = select<std::string, Poco::Int64>(
            l.session(), *dialect_, "SELECT projectName, COUNT(*) FROM component" + w.sql + " GROUP BY projectName",
            w.params);
        auto e = select<std::string, Poco::Int64>(
            l.session(), *dialect_, "SELECT projectName, COUNT(*) FROM eventsource" + w.sql + " GROUP BY projectName",
            w.params);
        return std::make_pair(std::move(c), std::move(e));
    });
    std::map<std::string, Poco::Int64> esCounts;
    for (auto& [project, count] : eventSources)
        esCounts[project] = count;
    std::vector<sdk::ProjectInfo> out;
    out.reserve(components.size());
    for (auto& [project, count] : components) {
        sdk::ProjectInfo info;
        info.projectName = project;
        info.componentCount = count;
        const auto it = esCounts.find(project);
        info.eventSourceCount = it == esCounts.end() ? 0 : it->second;
        out.push_back(std::move(info));
    }
    std::sort(out.begin(), out.end(),
              [](const sdk::ProjectInfo& a, const sdk::ProjectInfo& b) { return a.projectName < b.projectName; });
    return out;
}

void SqlDatabase::applyProjectChanges(const sdk::ProjectChanges& changes) {
    transact("applyProjectChanges", false, [&](Session& s) {
        for (const auto& name : changes.removeComponents)
            removeComponentOn(s, *dialect_, name);
        for (const auto& name : changes.removeEventSources) {
            exec(s, *dialect_, "DELETE FROM eventsource WHERE name = ?", {name});
        }
        for (const auto& c : changes.putComponents)
            putComponentOn(s, *dialect_, c);
        for (const auto& e : changes.putEventSources)
            putEventSourceOn(s, *dialect_, e);
    });
}

// ---- node status ----

void SqlDatabase::putNodeStatus(const sdk::NodeStatus& status) {
    if (status.nodeId.empty())
        throw sdk::InvalidInput("node status without nodeId");
    const std::string json = sdk::json::toJson(status);
    checkJsonSize(*dialect_, json, "node status", status.nodeId);
    run("putNodeStatus", true, [&](SessionPool::Lease& l) {
        exec(l.session(), *dialect_, dialect_->upsertNodeStatusSql(),
             {status.nodeId, Poco::Int64(status.observedAt), json});
    });
}

std::vector<sdk::NodeStatus> SqlDatabase::listNodeStatus() {
    const auto rows = run("listNodeStatus", true, [&](SessionPool::Lease& l) {
        return select<std::string, std::string>(
            l.session(), *dialect_, "SELECT nodeId, " + dialect_->jsonColumn() + " FROM nodestatus ORDER BY nodeId");
    });
    std::vector<sdk::NodeStatus> out;
    out.reserve(rows.size());
    for (const auto& [nodeId, json] : rows)
        out.push_back(decodeStored<sdk::NodeStatus>(json, "node status", nodeId));
    return out;
}

bool SqlDatabase::removeNodeStatus(const std::string& nodeId) {
    return run("removeNodeStatus", false, [&](SessionPool::Lease& l) {
        return exec(l.session(), *dialect_, "DELETE FROM nodestatus WHERE nodeId = ?", {nodeId}) > 0;
    });
}

std::int64_t SqlDatabase::removeNodeStatusOlderThan(std::int64_t observedBefore) {
    return run("removeNodeStatusOlderThan", false, [&](SessionPool::Lease& l) {
        return static_cast<std::int64_t>(
            exec(l.session(), *dialect_, "DELETE FROM nodestatus WHERE observedAt < ?", {Poco::Int64(observedBefore)}));
    });
}

// ---- role locks ----

sdk::RoleLease SqlDatabase::acquireOrRenewRole(const std::string& roleId, const std::string& nodeId,
                                               std::int64_t leaseMillis) {
    if (roleId.empty() || nodeId.empty())
        throw sdk::InvalidInput("acquireOrRenewRole needs a roleId and a nodeId");
    if (leaseMillis <= 0)
        throw sdk::InvalidInput("role '" + roleId + "': lease must be > 0 ms");
    // Idempotent: acquiring or renewing twice leaves the same holder.
    return run("acquireOrRenewRole", true, [&](SessionPool::Lease& l) {
        const std::int64_t now = sdk::unixMillis();
        exec(l.session(), *dialect_, dialect_->upsertRoleSql(),
             {roleId, nodeId, Poco::Int64(now + leaseMillis), Poco::Int64(now)});
        const auto rows = select<std::string, Poco::Int64>(
            l.session(), *dialect_, "SELECT nodeId, expiresAt FROM rolelock WHERE roleId = ?", {roleId});
        sdk::RoleLease lease;
        if (!rows.empty()) {
            lease.holderNodeId = std::get<0>(rows.front());
            lease.expiresAt = std::get<1>(rows.front());
            // `now` was taken before the statement waited for locks: judge the lease by the clock after it, so a
            // lease that already ran out while the call was slow is not reported as held.
            lease.acquired = lease.holderNodeId == nodeId && lease.expiresAt > sdk::unixMillis();
        }
        return lease;
    });
}

bool SqlDatabase::releaseRole(const std::string& roleId, const std::string& nodeId) {
    return run("releaseRole", false, [&](SessionPool::Lease& l) {
        return exec(l.session(), *dialect_, "DELETE FROM rolelock WHERE roleId = ? AND nodeId = ?", {roleId, nodeId}) >
               0;
    });
}

void SqlDatabase::releaseAllRoles(const std::string& nodeId) {
    run("releaseAllRoles", true, [&](SessionPool::Lease& l) {
        exec(l.session(), *dialect_, "DELETE FROM rolelock WHERE nodeId = ?", {nodeId});
    });
}

std::optional<sdk::RoleLease> SqlDatabase::roleHolder(const std::string& roleId) {
    const auto rows = run("roleHolder", true, [&](SessionPool::Lease& l) {
        return select<std::string, Poco::Int64>(
            l.session(), *dialect_, "SELECT nodeId, expiresAt FROM rolelock WHERE roleId = ? AND expiresAt > ?",
            {roleId, Poco::Int64(sdk::unixMillis())});
    });
    if (rows.empty())
        return std::nullopt;
    sdk::RoleLease lease;
    lease.acquired = true;
    lease.holderNodeId = std::get<0>(rows.front());
    lease.expiresAt = std::get<1>(rows.front());
    return lease;
}

// ---- start counters ----

std::int64_t SqlDatabase::incrementComponentStartCount(const std::string& name, std::int64_t version) {
    return transact("incrementComponentStartCount", false, [&](Session& s) {
        const Poco::Int64 now = sdk::unixMillis();
        exec(s, *dialect_, dialect_->upsertStartCountSql(), {name, Poco::Int64(version), now, now});
        const auto rows =
            select<Poco::Int64>(s, *dialect_, "SELECT startCount FROM componentstart WHERE name = ? AND version = ?",
                                {name, Poco::Int64(version)});
        return rows.empty() ? std::int64_t(0) : static_cast<std::int64_t>(std::get<0>(rows.front()));
    });
}

sdk::ComponentStartCount SqlDatabase::componentStartCount(const std::string& name, std::int64_t version) {
    const auto rows = run("componentStartCount", true, [&](SessionPool::Lease& l) {
        return select<Poco::Int64, Poco::Int64, Poco::Int64>(
            l.session(), *dialect_,
            "SELECT startCount, firstStartedAt, lastStartedAt FROM componentstart WHERE name = ? AND version = ?",
            {name, Poco::Int64(version)});
    });
    sdk::ComponentStartCount out;
    if (!rows.empty()) {
        out.startCount = std::get<0>(rows.front());
        out.firstStartedAt = std::get<1>(rows.front());
        out.lastStartedAt = std::get<2>(rows.front());
    }
    return out;
}

// ---- TLS records ----

void SqlDatabase::putTlsRecord(const sdk::TlsRecord& record) {
    if (record.kind.empty() || record.name.empty())
        throw sdk::InvalidInput("a TLS record needs a kind and a name");
    if (record.value.size() > sdk::kMaxTlsRecordValueBytes) {
        throw sdk::InvalidInput("TLS record " + record.kind + " '" + record.name +
                                "' is too large to store: " + std::to_string(record.value.size()) + " bytes (at most " +
                                std::to_string(sdk::kMaxTlsRecordValueBytes) + ")");
    }
    // Idempotent: writing the same record twice leaves the same row.
    run("putTlsRecord", true, [&](SessionPool::Lease& l) {
        exec(l.session(), *dialect_, dialect_->upsertTlsRecordSql(),
             {record.kind, record.name, record.value, Poco::Int64(sdk::unixMillis())});
    });
}

std::optional<sdk::TlsRecord> SqlDatabase::getTlsRecord(const std::string& kind, const std::string& name) {
    const auto rows = run("getTlsRecord", true, [&](SessionPool::Lease& l) {
        return select<std::string, Poco::Int64>(l.session(), *dialect_,
                                                "SELECT " + dialect_->tlsValueColumn() +
                                                    ", modifiedAt FROM tlsrecord WHERE kind = ? AND name = ?",
                                                {kind, name});
    });
    if (rows.empty())
        return std::nullopt;
    return sdk::TlsRecord{kind, name, std::get<0>(rows.front()), std::get<1>(rows.front())};
}

std::vector<sdk::TlsRecord> SqlDatabase::listTlsRecords(const std::string& kind) {
    auto rows = run("listTlsRecords", true, [&](SessionPool::Lease& l) {
        return select<std::string, std::string, Poco::Int64>(
            l.session(), *dialect_,
            "SELECT name, " + dialect_->tlsValueColumn() + ", modifiedAt FROM tlsrecord WHERE kind = ? ORDER BY name",
            {kind});
    });
    std::vector<sdk::TlsRecord> out;
    out.reserve(rows.size());
    for (auto& [name, value, modifiedAt] : rows)
        out.push_back(sdk::TlsRecord{kind, std::move(name), std::move(value), modifiedAt});
    return out;
}

bool SqlDatabase::removeTlsRecord(const std::string& kind, const std::string& name) {
    return run("removeTlsRecord", false, [&](SessionPool::Lease& l) {
        return exec(l.session(), *dialect_, "DELETE FROM tlsrecord WHERE kind = ? AND name = ?", {kind, name}) > 0;
    });
}

} // namespace maelstrom::plugins::sql
