// api_target.cpp — the model check against a real maelstromd: every operation is one JSON-RPC call (or a few,
// for lists read page by page) on the private port, as maelctl makes them. restart() kills or stops the daemon
// and starts it again on the same ports and database.
// SPDX-License-Identifier: Apache-2.0
#include "target.h"

#include "db_test_common.h"
#include "test_support.h"

#include <maelstrom/sdk/poco/json_codec.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <mutex>
#include <thread>

namespace maelstrom::testing::model {

namespace {

namespace tdb = maelstrom::testing::db;
namespace codec = maelstrom::sdk::json::codec;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

Var componentVar(const std::string& name, const std::string& value, std::int64_t version) {
    auto c = toComponent(name, Comp{"", value, 0}, version);
    c.modifiedAt = 0;
    return codec::toVar(c);
}

Comp compOf(const Object::Ptr& o) {
    sdk::Component c;
    codec::fromVar(o, c, "component");
    return fromComponent(c);
}

Es esOf(const Object::Ptr& withStatus) {
    sdk::EventSourceWithStatus e;
    codec::fromVar(withStatus, e, "eventSource");
    const auto& es = e.eventSource;
    return Es{es.componentName, es.projectName, es.http ? es.http->hostname : "", es.version, e.enabled};
}

/// A failed call: the reply code and message.
struct CallError {
    Code code;
    std::string message;
};

class ApiTarget final : public Target {
public:
    explicit ApiTarget(const std::string& engine) : engine_(engine), testDb_(tdb::engineFromName(engine), pluginDir()) {
        std::string why;
        if (!testDb_.available(&why))
            throw std::runtime_error(engine + " test server: " + why);
        testDb_.wipe();
        config_ = dir_.write("maelstromd.yml",
                             "services:\n" + testDb_.registryEntry() + "  rpc_transport:\n    plugin: jsonrpc-http\n");
        start();
    }

    bool apiLevel() const override { return true; }
    std::string name() const override { return "api/" + engine_; }

    // Calls in flight are not waited for: a kill lands in the middle of them, as it would in production.
    void restart(bool hard) override {
        std::lock_guard lock(mutex_);
        const int code = daemon_->stop(hard ? SIGKILL : SIGTERM, std::chrono::seconds(60));
        if (!hard && code != 0) {
            throw std::runtime_error("maelstromd exited " + std::to_string(code) + " on SIGTERM: " + daemon_->output());
        }
        daemon_.reset();
        start();
    }
    void reopen() override { restart(false); }

    Reply execute(const Op& op) override {
        Reply r;
        try {
            run(op, r);
        } catch (const CallError& e) {
            r = failure(e.code, e.message);
        } catch (const std::exception& e) {
            r = failure(Code::Other, e.what());
        }
        return r;
    }

private:
    void start() {
        daemon_ = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{(binDir() / "maelstromd").string(), "--config", config_.string()},
            std::map<std::string, std::string>{{"MAEL_PRIVATE_PORT", std::to_string(port_)},
                                               {"MAEL_PUBLIC_PORT", "0"},
                                               {"MAEL_DATA_DIR", dir_.path().string()},
                                               {"-MAEL_SQL_DRIVER", ""},
                                               {"-MAEL_SQL_DSN", ""}});
        if (!waitUntil([&] { return httpGetStatus(port_, "/_mael_health_check") == 200; }, std::chrono::seconds(120))) {
            throw std::runtime_error("maelstromd did not start: " + daemon_->output());
        }
    }

    /// One call; the result object, or CallError (transport failures and database errors are Unavailable: the
    /// outcome of the call is unknown).
    Object::Ptr call(const std::string& method, const Object::Ptr& input) const {
        Object::Ptr envelope = new Object;
        envelope->set("jsonrpc", "2.0");
        envelope->set("id", "m");
        envelope->set("method", "MaelstromService." + method);
        Array::Ptr params = new Array;
        params->add(input);
        envelope->set("params", params);
        const std::string body = codec::stringify(envelope);
        std::string reply;
        int status = 0;
        try {
            Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
            session.setTimeout(Poco::Timespan(120, 0));
            Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/_mael/v1",
                                           Poco::Net::HTTPMessage::HTTP_1_1);
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
            session.sendRequest(request) << body;
            Poco::Net::HTTPResponse response;
            std::istream& in = session.receiveResponse(response);
            status = response.getStatus();
            Poco::StreamCopier::copyToString(in, reply);
        } catch (const Poco::Exception& e) {
            throw CallError{Code::Unavailable, method + ": " + e.displayText()};
        }
        if (status != 200)
            throw CallError{Code::Unavailable, method + ": HTTP " + std::to_string(status) + " " + reply};
        const auto parsed = codec::parse(reply).extract<Object::Ptr>();
        if (parsed->has("error")) {
            const auto error = parsed->getObject("error");
            const int code = error->getValue<int>("code");
            const std::string message = error->getValue<std::string>("message");
            switch (code) {
            case 1001:
                throw CallError{Code::Invalid, message};
            case 1002:
                throw CallError{Code::AlreadyExists, message};
            case 1003:
                throw CallError{Code::NotFound, message};
            case 1004:
                throw CallError{Code::VersionConflict, message};
            case -32001:
                throw CallError{Code::Unavailable, message};
            default:
                throw CallError{Code::Other, std::to_string(code) + " " + message};
            }
        }
        return parsed->getObject("result");
    }

    static Object::Ptr object(std::initializer_list<std::pair<std::string, Var>> fields) {
        Object::Ptr o = new Object;
        for (const auto& [k, v] : fields)
            o->set(k, v);
        return o;
    }

    /// Every page of a list call, checking that no page is longer than the limit.
    std::vector<Object::Ptr> pages(const std::string& method, const std::string& key, Object::Ptr input,
                                   std::int64_t limit) const {
        std::vector<Object::Ptr> out;
        input->set("limit", limit);
        std::string token;
        do {
            if (!token.empty())
                input->set("nextToken", token);
            const auto result = call(method, input);
            const auto items = result->getArray(key);
            if (static_cast<std::int64_t>(items->size()) > limit) {
                throw std::runtime_error(method + ": a page of " + std::to_string(items->size()) + " for limit " +
                                         std::to_string(limit));
            }
            for (std::size_t i = 0; i < items->size(); ++i)
                out.push_back(items->getObject(static_cast<unsigned>(i)));
            token = result->has("nextToken") ? result->getValue<std::string>("nextToken") : "";
        } while (!token.empty());
        return out;
    }

    static std::set<std::string> namesOf(const Object::Ptr& result, const std::string& key, bool objects) {
        std::set<std::string> out;
        const auto list = result->getArray(key);
        for (std::size_t i = 0; list && i < list->size(); ++i) {
            out.insert(objects ? list->getObject(static_cast<unsigned>(i))->getValue<std::string>("name")
                               : list->getElement<std::string>(static_cast<unsigned>(i)));
        }
        return out;
    }

    void run(const Op& op, Reply& r) const {
        switch (op.kind) {
        case OpKind::PutComponent: {
            const auto result =
                call("PutComponent", object({{"component", componentVar(op.name, op.value, op.version)}}));
            r.version = result->getValue<std::int64_t>("version");
            break;
        }
        case OpKind::GetComponent: {
            const auto result = call("GetComponent", object({{"name", op.name}}));
            r.found = true;
            r.comp = compOf(result->getObject("component"));
            break;
        }
        case OpKind::RemoveComponent:
            r.found = call("RemoveComponent", object({{"name", op.name}}))->getValue<bool>("found");
            break;
        case OpKind::ListComponents: {
            auto input = object({{"namePrefix", op.name}, {"projectName", op.project}});
            for (const auto& c : pages("ListComponents", "components", input, op.limit)) {
                r.comps.emplace_back(c->getValue<std::string>("name"), compOf(c));
            }
            break;
        }
        case OpKind::PutEventSource: {
            sdk::EventSource es;
            es.name = op.name;
            es.componentName = op.component;
            es.version = op.version;
            es.http = sdk::HttpEventSource{op.value, "/", false};
            r.version =
                call("PutEventSource", object({{"eventSource", codec::toVar(es)}}))->getValue<std::int64_t>("version");
            break;
        }
        case OpKind::GetEventSource: {
            const auto result = call("GetEventSource", object({{"name", op.name}}));
            sdk::EventSource es;
            codec::fromVar(result->getObject("eventSource"), es, "eventSource");
            // The enabled flag is only in the listing.
            bool enabled = true;
            for (const auto& item :
                 pages("ListEventSources", "eventSources", object({{"namePrefix", op.name}}), 1000)) {
                if (item->getObject("eventSource")->getValue<std::string>("name") == op.name)
                    enabled = item->getValue<bool>("enabled");
            }
            r.found = true;
            r.es = Es{es.componentName, es.projectName, es.http ? es.http->hostname : "", es.version, enabled};
            break;
        }
        case OpKind::RemoveEventSource:
            r.found = call("RemoveEventSource", object({{"name", op.name}}))->getValue<bool>("found");
            break;
        case OpKind::ListEventSources: {
            auto input = object({{"namePrefix", op.name}, {"componentName", op.component}});
            for (const auto& item : pages("ListEventSources", "eventSources", input, op.limit)) {
                const Es es = esOf(item);
                if (op.enabledFilter && es.enabled != *op.enabledFilter)
                    continue; // the API has no such filter
                r.ess.emplace_back(item->getObject("eventSource")->getValue<std::string>("name"), es);
            }
            break;
        }
        case OpKind::ToggleEventSources: {
            const auto result =
                call("ToggleEventSources",
                     object({{"enabled", op.enabled}, {"namePrefix", op.name}, {"componentName", op.component}}));
            const auto names = namesOf(result, "eventSourceNames", false);
            r.names.assign(names.begin(), names.end());
            break;
        }
        case OpKind::ListProjects: {
            const auto list = call("ListProjects", object({{"namePrefix", op.name}}))->getArray("projects");
            for (std::size_t i = 0; i < list->size(); ++i) {
                const auto p = list->getObject(static_cast<unsigned>(i));
                r.projects[p->getValue<std::string>("projectName")] = ProjectCount{
                    p->getValue<std::int64_t>("componentCount"), p->getValue<std::int64_t>("eventSourceCount")};
            }
            break;
        }
        case OpKind::PutProject: {
            Array::Ptr components = new Array;
            for (const auto& entry : op.entries) {
                Array::Ptr sources = new Array;
                if (!entry.source.empty()) {
                    sdk::EventSource es;
                    es.name = entry.source;
                    es.componentName = entry.component;
                    es.http = sdk::HttpEventSource{entry.host, "/", false};
                    sources->add(object({{"eventSource", codec::toVar(es)}, {"enabled", true}}));
                }
                components->add(
                    object({{"component", componentVar(entry.component, entry.value, 0)}, {"eventSources", sources}}));
            }
            const auto result =
                call("PutProject", object({{"project", object({{"name", op.name}, {"components", components}})}}));
            r.added = namesOf(result, "componentsAdded", true);
            for (const auto& n : namesOf(result, "eventSourcesAdded", true))
                r.added.insert(n);
            r.updated = namesOf(result, "componentsUpdated", true);
            for (const auto& n : namesOf(result, "eventSourcesUpdated", true))
                r.updated.insert(n);
            r.removed = namesOf(result, "componentsRemoved", false);
            for (const auto& n : namesOf(result, "eventSourcesRemoved", false))
                r.removed.insert(n);
            break;
        }
        case OpKind::GetProject: {
            const auto project = call("GetProject", object({{"name", op.name}}))->getObject("project");
            const auto components = project->getArray("components");
            std::map<std::string, Comp> comps;
            std::map<std::string, Es> ess;
            for (std::size_t i = 0; i < components->size(); ++i) {
                const auto entry = components->getObject(static_cast<unsigned>(i));
                const auto c = entry->getObject("component");
                comps[c->getValue<std::string>("name")] = compOf(c);
                const auto sources = entry->getArray("eventSources");
                for (std::size_t j = 0; sources && j < sources->size(); ++j) {
                    const auto s = sources->getObject(static_cast<unsigned>(j));
                    ess[s->getObject("eventSource")->getValue<std::string>("name")] = esOf(s);
                }
            }
            r.comps.assign(comps.begin(), comps.end());
            r.ess.assign(ess.begin(), ess.end());
            break;
        }
        case OpKind::RemoveProject:
            r.found = call("RemoveProject", object({{"name", op.name}}))->getValue<bool>("found");
            break;
        default:
            throw std::logic_error(std::string("database-level operation on the API target: ") + opName(op.kind));
        }
    }

    std::string engine_;
    tdb::TestDatabase testDb_;
    TempDir dir_;
    std::filesystem::path config_;
    int port_ = freePort();
    std::mutex mutex_; // guards daemon_ (calls only use port_)
    std::unique_ptr<BackgroundProcess> daemon_;
};

} // namespace

std::unique_ptr<Target> makeApiTarget(const std::string& engine) { return std::make_unique<ApiTarget>(engine); }

} // namespace maelstrom::testing::model
