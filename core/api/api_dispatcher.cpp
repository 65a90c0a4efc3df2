// api_dispatcher.cpp — the method table: input decoding, service call, output encoding per method.
#include "api/api_dispatcher.h"

#include <maelstrom/sdk/poco/json_codec.h>

#include <maelstrom/sdk/errors.h>

namespace maelstrom::core {
namespace codec = sdk::json::codec;
namespace {

constexpr const char* kEventSourceTypes[] = {"http", "cron", "sqs", "awsstepfunc"};

// Decoding runs inside this wrapper: any JsonError becomes the reference's -32602 "barrister: <path>: ...".
template <class F>
std::string withInput(const std::string& inputJson, F&& body) {
    try {
        const Poco::Dynamic::Var value = codec::parse(inputJson);
        const codec::ObjectReader input(value, "param[0]");
        return body(input);
    } catch (const sdk::JsonError& e) {
        throw sdk::toRpcError(e, "");
    }
}

using OutputWriter = codec::ObjectWriter;

sdk::PageRequest pageOf(const codec::ObjectReader& in) {
    sdk::PageRequest page;
    page.limit = in.getInt("limit");
    page.nextToken = in.getString("nextToken");
    return page;
}

EventSourceQuery eventSourceQueryOf(const codec::ObjectReader& in) {
    EventSourceQuery q;
    q.namePrefix = in.getString("namePrefix");
    q.componentName = in.getString("componentName");
    q.projectName = in.getString("projectName");
    q.eventSourceType = in.getEnum("eventSourceType", kEventSourceTypes);
    return q;
}

std::string nameFound(const NameFound& r) {
    return OutputWriter().string("name", r.name).boolean("found", r.found).text();
}

std::string nameVersion(const NameVersion& r) {
    return OutputWriter().string("name", r.name).integer("version", r.version).text();
}

/// NotifyDataChanged from a peer: a put component is re-read from the database (it may have changed or gone
/// since), a removal passed on as it came; both go to the local subscribers and are never re-broadcast.
void publishDataChanges(const codec::ObjectReader& in, MaelstromService& service, DataChanges& changes) {
    in.getString("nodeId", true);
    const Poco::Dynamic::Var& list = in.require("changes");
    if (list.type() != typeid(Poco::JSON::Array::Ptr)) {
        throw sdk::JsonError(in.childPath("changes"), "expected array");
    }
    const auto array = list.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i) {
        const codec::ObjectReader change(array->get(static_cast<unsigned>(i)),
                                         in.childPath("changes") + "[" + std::to_string(i) + "]");
        sdk::Component put;
        if (change.getObject("putComponent", put)) {
            try {
                const sdk::Component stored = service.getComponent(put.name);
                ComponentChange c;
                c.kind = ComponentChange::Kind::ComponentPut;
                c.componentName = stored.name;
                c.component = stored;
                c.fromPeer = true;
                changes.publish(c);
            } catch (const sdk::RpcError&) {
                // removed again meanwhile: nothing to tell
            }
        }
        if (const Poco::Dynamic::Var* removed = change.find("removeComponent")) {
            const codec::ObjectReader r(*removed, change.childPath("removeComponent"));
            ComponentChange c;
            c.kind = ComponentChange::Kind::ComponentRemoved;
            c.componentName = r.getString("name", true);
            c.found = r.getBool("found", true);
            c.fromPeer = true;
            changes.publish(c);
        }
    }
}

} // namespace

ApiDispatcher::ApiDispatcher(MaelstromService& service, DataChanges& changes, NodeService& nodes,
                             Placement* placement) {
    addProjectMethods(service);
    addComponentMethods(service);
    addEventSourceMethods(service);
    addNodeMethods(service, changes, nodes);
    addPlacementMethods(nodes, placement);
    addCertificateMethods(nodes);
}

void ApiDispatcher::addProjectMethods(MaelstromService& service) {
    MaelstromService* s = &service;
    methods_["MaelstromService.ListProjects"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            return OutputWriter().list("projects", s->listProjects(in.getString("namePrefix"))).text();
        });
    };
    methods_["MaelstromService.PutProject"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            sdk::Project project;
            in.getObject("project", project, true);
            const auto r = s->putProject(std::move(project), in.getBool("diffOnly"));
            return OutputWriter()
                .string("name", r.name)
                .list("componentsAdded", r.componentsAdded)
                .list("componentsUpdated", r.componentsUpdated)
                .list("componentsRemoved", r.componentsRemoved)
                .list("eventSourcesAdded", r.eventSourcesAdded)
                .list("eventSourcesUpdated", r.eventSourcesUpdated)
                .list("eventSourcesRemoved", r.eventSourcesRemoved)
                .text();
        });
    };
    methods_["MaelstromService.GetProject"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            return OutputWriter().model("project", s->getProject(in.getString("name", true))).text();
        });
    };
    methods_["MaelstromService.RemoveProject"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            return nameFound(s->removeProject(in.getString("name", true)));
        });
    };
}

void ApiDispatcher::addComponentMethods(MaelstromService& service) {
    MaelstromService* s = &service;
    methods_["MaelstromService.PutComponent"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            sdk::Component component;
            in.getObject("component", component, true);
            return nameVersion(s->putComponent(std::move(component)));
        });
    };
    methods_["MaelstromService.GetComponent"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            return OutputWriter().model("component", s->getComponent(in.getString("name", true))).text();
        });
    };
    methods_["MaelstromService.RemoveComponent"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            return nameFound(s->removeComponent(in.getString("name", true)));
        });
    };
    methods_["MaelstromService.ListComponents"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            const auto page = s->listComponents(in.getString("namePrefix"), in.getString("projectName"), pageOf(in));
            return OutputWriter().list("components", page.items).optionalString("nextToken", page.nextToken).text();
        });
    };
}

void ApiDispatcher::addEventSourceMethods(MaelstromService& service) {
    MaelstromService* s = &service;
    methods_["MaelstromService.PutEventSource"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            sdk::EventSource es;
            in.getObject("eventSource", es, true);
            return nameVersion(s->putEventSource(std::move(es)));
        });
    };
    methods_["MaelstromService.GetEventSource"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            return OutputWriter().model("eventSource", s->getEventSource(in.getString("name", true))).text();
        });
    };
    methods_["MaelstromService.RemoveEventSource"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            return nameFound(s->removeEventSource(in.getString("name", true)));
        });
    };
    methods_["MaelstromService.ToggleEventSources"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            const bool enabled = in.getBool("enabled", true);
            const auto r = s->toggleEventSources(enabled, eventSourceQueryOf(in));
            return OutputWriter().boolean("enabled", r.enabled).list("eventSourceNames", r.eventSourceNames).text();
        });
    };
    methods_["MaelstromService.ListEventSources"] = [s](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            const auto page = s->listEventSources(eventSourceQueryOf(in), pageOf(in));
            return OutputWriter().list("eventSources", page.items).optionalString("nextToken", page.nextToken).text();
        });
    };
}

void ApiDispatcher::addNodeMethods(MaelstromService& service, DataChanges& changes, NodeService& nodes) {
    MaelstromService* s = &service;
    NodeService* n = &nodes;
    DataChanges* dc = &changes;
    methods_["MaelstromService.NotifyDataChanged"] = [s, n, dc](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            publishDataChanges(in, *s, *dc);
            return OutputWriter().string("respondingNodeId", n->nodeId()).text();
        });
    };
    methods_["NodeService.ListNodeStatus"] = [n](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            const auto nodes = n->listNodeStatus(in.getBool("forceRefresh"));
            return OutputWriter().string("respondingNodeId", n->nodeId()).list("nodes", nodes).text();
        });
    };
    methods_["NodeService.GetStatus"] = [n](const std::string& json) {
        return withInput(
            json, [&](const codec::ObjectReader&) { return OutputWriter().model("status", n->status()).text(); });
    };
    // Not in the reference (additive): this node's convergers, for `maelctl project put --wait`.
    methods_["NodeService.ListRolloutStatus"] = [n](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            const std::string prefix = in.getString("namePrefix");
            std::string components = "[";
            for (const auto& state : n->rolloutStatus()) {
                if (state.component.name.rfind(prefix, 0) != 0) {
                    continue;
                }
                std::string instances = "[";
                for (const auto& c : state.containers) {
                    static const char* const kStatus[] = {"starting", "active", "paused", "stopping"};
                    instances +=
                        (instances.size() > 1 ? "," : "") + OutputWriter()
                                                                .string("containerId", c.id)
                                                                .integer("componentVersion", c.version)
                                                                .string("status", kStatus[static_cast<int>(c.status)])
                                                                .integer("startTime", c.startedAtUnixMs)
                                                                .text();
                }
                instances += "]";
                const StartActivity& starts = state.starts;
                components +=
                    (components.size() > 1 ? "," : "") + OutputWriter()
                                                             .string("componentName", state.component.name)
                                                             .integer("componentVersion", state.component.version)
                                                             .integer("targetCount", state.targetCount)
                                                             .raw("instances", instances)
                                                             .string("phase", starts.phase)
                                                             .integer("phaseVersion", starts.phaseVersion)
                                                             .string("pullStatus", starts.pullStatus)
                                                             .integer("failedVersion", starts.failedVersion)
                                                             .string("failure", starts.failure)
                                                             .integer("failedAt", starts.failedAtUnixMs)
                                                             .integer("failures", starts.failures)
                                                             .text();
            }
            components += "]";
            return OutputWriter().string("nodeId", n->nodeId()).raw("components", components).text();
        });
    };
    methods_["NodeService.StatusChanged"] = [n](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            const std::string nodeId = in.getString("nodeId", true);
            const bool exiting = in.getBool("exiting", true);
            sdk::NodeStatus status;
            const bool hasStatus = in.getObject("status", status);
            n->statusChanged(nodeId, exiting, hasStatus ? &status : nullptr);
            return OutputWriter().string("nodeId", n->nodeId()).text();
        });
    };
    methods_["NodeService.TerminateNode"] = [n](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            AwsLifecycleHook hook;
            if (const Poco::Dynamic::Var* value = in.find("awsLifecycleHook")) {
                const codec::ObjectReader h(*value, in.childPath("awsLifecycleHook"));
                hook.queueUrl = h.getString("QueueUrl");
                hook.messageReceiptHandle = h.getString("MessageReceiptHandle");
                hook.autoScalingGroupName = h.getString("AutoScalingGroupName");
                hook.instanceId = h.getString("InstanceId", true);
                hook.lifecycleActionToken = h.getString("LifecycleActionToken");
                hook.lifecycleHookName = h.getString("LifecycleHookName");
            }
            return encodeTerminateAnswer(n->terminate(hook));
        });
    };
}

void ApiDispatcher::addPlacementMethods(NodeService& nodes, Placement* placement) {
    NodeService* n = &nodes;
    methods_["NodeService.PlaceComponent"] = [placement](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            const std::string name = in.getString("componentName", true);
            if (!placement) {
                throw sdk::RpcError(sdk::RpcCode::MiscError, "nodesvc: PlaceComponent: this node has no database");
            }
            const sdk::NodeStatus node = placement->placeComponent(name);
            return OutputWriter().string("componentName", name).model("node", node).text();
        });
    };
    methods_["NodeService.StartStopComponents"] = [n](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader& in) {
            StartStopRequest request;
            request.clientNodeId = in.getString("clientNodeId", true);
            request.targetVersion = in.getInt("targetVersion", true);
            request.returnStatus = in.getBool("returnStatus");
            request.block = in.getBool("block");
            const Poco::Dynamic::Var& list = in.require("targetCounts");
            if (list.type() != typeid(Poco::JSON::Array::Ptr)) {
                throw sdk::JsonError(in.childPath("targetCounts"), "expected array");
            }
            const auto array = list.extract<Poco::JSON::Array::Ptr>();
            for (std::size_t i = 0; i < array->size(); ++i) {
                const codec::ObjectReader t(array->get(static_cast<unsigned>(i)),
                                            in.childPath("targetCounts") + "[" + std::to_string(i) + "]");
                request.targetCounts.push_back(ComponentTarget{t.getString("componentName", true),
                                                               t.getInt("requiredMemoryMiB", true),
                                                               t.getInt("targetCount", true)});
            }
            return encodeStartStopResult(n->startStop(request));
        });
    };
}

void ApiDispatcher::addCertificateMethods(NodeService& nodes) {
    NodeService* n = &nodes;
    // Not in the reference (additive): the certificates of the public HTTPS port, for `maelctl cert ls`. The
    // lister is read per call, so the daemon may set it after this table is built.
    methods_["NodeService.ListCertificates"] = [this, n](const std::string& json) {
        return withInput(json, [&](const codec::ObjectReader&) {
            std::vector<tls::CertificateStatus> rows;
            if (certificateLister_) {
                try {
                    rows = certificateLister_();
                } catch (const std::exception& e) {
                    // The database failed (the file certificate alone would hide the cluster's): a database
                    // error, as the other methods report it.
                    throw sdk::RpcError(sdk::RpcCode::DatabaseError,
                                        std::string("ListCertificates failed: ") + e.what());
                }
            }
            std::string list = "[";
            for (const auto& r : rows) {
                list += (list.size() > 1 ? "," : "") + OutputWriter()
                                                           .string("hostname", r.hostname)
                                                           .string("source", r.source)
                                                           .string("issuer", r.issuer)
                                                           .integer("notBefore", r.notBefore)
                                                           .integer("notAfter", r.notAfter)
                                                           .integer("issuedAt", r.issuedAt)
                                                           .string("lastError", r.lastError)
                                                           .integer("failures", r.failures)
                                                           .integer("nextAttemptAt", r.nextAttemptAt)
                                                           .text();
            }
            list += "]";
            return OutputWriter().string("nodeId", n->nodeId()).raw("certificates", list).text();
        });
    };
}

std::string ApiDispatcher::call(const std::string& method, const std::string& inputJson) {
    const auto it = methods_.find(method);
    if (it == methods_.end()) {
        throw sdk::RpcError(sdk::RpcCode::MethodNotFound, "Unsupported method: " + method);
    }
    return it->second(inputJson);
}

} // namespace maelstrom::core
