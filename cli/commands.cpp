// commands.cpp — the maelctl commands: RPC input built as JSON, output decoded with the SDK codec, printed
// with the original's layouts.
#include "commands.h"

#include "humanize.h"
#include "listings.h"
#include "next_steps.h"

#include <maelstrom/sdk/poco/json_codec.h>

#include <Poco/JSON/Stringifier.h>

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/cron_schedule.h>
#include <maelstrom/sdk/json.h>
#include <maelstrom/sdk/rpc_transport.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace maelstrom::cli {
namespace codec = sdk::json::codec;
namespace {

std::string trunc(const std::string& s, std::size_t n) { return s.size() > n ? s.substr(0, n) : s; }

std::string dashes(int n) { return std::string(static_cast<std::size_t>(n), '-'); }

// Input structs: strings and false bools are left out (omitempty, as the Go client sends them).
class Input {
public:
    Input& string(const char* key, const std::string& value) {
        writer_.optionalString(key, value);
        return *this;
    }
    Input& boolean(const char* key, bool value, bool always = false) {
        if (always) {
            writer_.boolean(key, value);
        } else {
            writer_.optionalBool(key, value);
        }
        return *this;
    }
    std::string text() const { return writer_.text(); }

private:
    codec::ObjectWriter writer_;
};

// Calls a method; on error prints the original's `ERROR: <context> - JsonRpcError: code=.. message=..`.
bool call(CommandContext& ctx, const std::string& method, const std::string& input, const std::string& context,
          std::string& output) {
    try {
        output = ctx.client().call(method, input);
        return true;
    } catch (const sdk::RpcError& e) {
        printRpcError(ctx, context, e);
    } catch (const std::exception& e) {
        std::cout << "ERROR: " << context << " - " << e.what() << "\n";
    }
    return false;
}

template <class T>
std::vector<T> decodeList(const std::string& json, const char* member) {
    const auto value = codec::parse(json);
    const codec::ObjectReader out(value, "result");
    std::vector<T> items;
    const Poco::Dynamic::Var* list = out.find(member);
    if (list && list->type() == typeid(Poco::JSON::Array::Ptr)) {
        const auto array = list->extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < array->size(); ++i) {
            T item;
            codec::fromVar(array->get(static_cast<unsigned>(i)), item,
                           std::string(member) + "[" + std::to_string(i) + "]");
            items.push_back(std::move(item));
        }
    }
    return items;
}

std::string nextTokenOf(const std::string& json) {
    const auto value = codec::parse(json);
    return codec::ObjectReader(value, "result").getString("nextToken");
}

// Pages through a listing method until nextToken is empty.
template <class T>
bool listAll(CommandContext& ctx, const std::string& method, Input input, const char* member,
             const std::string& context, std::vector<T>& items) {
    std::string token;
    do {
        Input page = input;
        page.string("nextToken", token);
        std::string output;
        if (!call(ctx, method, page.text(), context, output)) {
            return false;
        }
        for (auto& item : decodeList<T>(output, member)) {
            items.push_back(std::move(item));
        }
        token = nextTokenOf(output);
    } while (!token.empty());
    return true;
}

template <class T>
void printJsonArray(const std::vector<T>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) {
            out += ",";
        }
        codec::writeJson(out, items[i]);
    }
    std::cout << out << "]\n";
}

std::vector<sdk::NodeStatus> nodes(CommandContext& ctx, bool& ok) {
    std::string output;
    ok = call(ctx, "NodeService.ListNodeStatus", Input().boolean("forceRefresh", ctx.has("refresh")).text(),
              "ListNodeStatus failed", output);
    return ok ? decodeList<sdk::NodeStatus>(output, "nodes") : std::vector<sdk::NodeStatus>{};
}

std::string hostOf(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) {
        return "Parse error";
    }
    std::string rest = url.substr(scheme + 3);
    rest = rest.substr(0, rest.find('/'));
    return rest.substr(0, rest.rfind(':'));
}

} // namespace

void printRpcError(const CommandContext& ctx, const std::string& context, const sdk::RpcError& e) {
    std::cout << "ERROR: " << context << " - JsonRpcError: code=" << e.code() << " message=" << e.what() << "\n";
    const std::string next = rpcNextStep(e.code(), e.what(), ctx.privateUrl, !ctx.token.empty());
    if (!next.empty()) {
        std::cout << "Next: " << next << "\n";
    }
    std::cout.flush();
}

int clusterNodes(CommandContext& ctx) {
    bool ok = false;
    const auto list = nodes(ctx, ok);
    if (!ok) {
        return 1;
    }
    if (ctx.json()) {
        printJsonArray(list);
        return 0;
    }
    if (list.empty()) {
        return 0;
    }
    std::printf("%-14s  %-15s  %-15s  %-15s  %-10s  %-15s  %-4s\n", "Node ID", "IP Addr", "Started", "Ver", "Free RAM",
                "Load Avg", "# Containers");
    std::printf("%s\n", dashes(113).c_str());
    const auto now = sdk::unixMillis();
    for (const auto& n : list) {
        std::printf("%-14s  %-15s  %-15s  %-15lld  %-10lld  %-3.2f %-3.2f %-3.2f   %-4zu\n",
                    trunc(n.nodeId, 14).c_str(), hostOf(n.peerUrl).c_str(), relativeTime(n.startedAt, now).c_str(),
                    static_cast<long long>(n.version), static_cast<long long>(n.freeMemoryMiB), n.loadAvg1m,
                    n.loadAvg5m, n.loadAvg15m, n.runningComponents.size());
    }
    return 0;
}

int clusterPs(CommandContext& ctx) {
    bool ok = false;
    const auto list = nodes(ctx, ok);
    if (!ok) {
        return 1;
    }
    if (ctx.json()) {
        printJsonArray(list);
        return 0;
    }
    std::fputs(clusterPsTable(list, sdk::unixMillis()).c_str(), stdout);
    return 0;
}

int certificateList(CommandContext& ctx) {
    std::string output;
    if (!call(ctx, "NodeService.ListCertificates", "{}", "ListCertificates failed", output)) {
        return 1;
    }
    const auto value = codec::parse(output);
    const codec::ObjectReader result(value, "result");
    Poco::JSON::Array::Ptr array;
    if (const Poco::Dynamic::Var* list = result.find("certificates");
        list && list->type() == typeid(Poco::JSON::Array::Ptr)) {
        array = list->extract<Poco::JSON::Array::Ptr>();
    }
    if (ctx.json()) {
        std::ostringstream out;
        if (array) {
            Poco::JSON::Stringifier::condense(array, out);
        } else {
            out << "[]";
        }
        std::cout << out.str() << "\n";
        return 0;
    }
    std::vector<CertificateRow> rows;
    for (std::size_t i = 0; array && i < array->size(); ++i) {
        const codec::ObjectReader r(array->get(static_cast<unsigned>(i)), "certificates[" + std::to_string(i) + "]");
        rows.push_back(CertificateRow{r.getString("hostname"), r.getString("source"), r.getString("issuer"),
                                      r.getInt("notAfter"), r.getInt("issuedAt"), r.getString("lastError"),
                                      r.getInt("nextAttemptAt")});
    }
    std::fputs(certificateTable(rows, sdk::unixMillis()).c_str(), stdout);
    return 0;
}

int componentList(CommandContext& ctx) {
    std::vector<sdk::Component> list;
    if (!listAll(ctx, "MaelstromService.ListComponents", Input().string("namePrefix", ctx.flag("prefix")), "components",
                 "ListComponents failed", list)) {
        return 1;
    }
    if (ctx.json()) {
        printJsonArray(list);
        return 0;
    }
    std::fputs(componentTable(list, sdk::unixMillis()).c_str(), stdout);
    return 0;
}

int componentRemove(CommandContext& ctx) {
    std::string output;
    if (!call(ctx, "MaelstromService.RemoveComponent", Input().string("name", ctx.positionals[0]).text(),
              "RemoveComponent failed", output)) {
        return 1;
    }
    const auto value = codec::parse(output);
    const codec::ObjectReader r(value, "result");
    std::printf(r.getBool("found") ? "Component removed: %s\n" : "Component not found: %s\n",
                r.getString("name").c_str());
    return 0;
}

namespace {

std::pair<std::string, std::string> typeAndDescription(const sdk::EventSource& es) {
    if (es.http) {
        std::string d = es.http->hostname;
        if (!es.http->pathPrefix.empty()) {
            d += (d.empty() ? "" : "/") + es.http->pathPrefix;
        }
        return {"http", d};
    }
    if (es.cron) {
        return {"cron", "sched='" + es.cron->schedule + "' path=" + es.cron->http.path};
    }
    if (es.sqs) {
        return {"sqs", es.sqs->queueName + (es.sqs->nameAsPrefix ? "*" : "")};
    }
    if (es.awsstepfunc) {
        return {"awsstep", es.awsstepfunc->activityName};
    }
    return {"??", "??"};
}

// "2026-12-06 05:03:00 (in 42 seconds)" in local time; "-" when disabled; why not when it never fires.
std::string nextFiring(const sdk::EventSourceWithStatus& e, std::int64_t now) {
    if (!e.eventSource.cron) {
        return "";
    }
    if (!e.enabled) {
        return "- (disabled)";
    }
    try {
        const auto next = sdk::CronSchedule::parse(e.eventSource.cron->schedule).next(now);
        if (!next) {
            return "never (no time in 5 years matches)";
        }
        const std::time_t seconds = static_cast<std::time_t>(*next / 1000);
        std::tm local{};
        ::localtime_r(&seconds, &local);
        char text[32];
        std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
        return std::string(text) + " (" + relativeTime(*next, now) + ")";
    } catch (const std::invalid_argument& error) {
        return std::string("invalid schedule: ") + error.what();
    }
}

// --type, when given, names an event source type; otherwise says so (and which there are).
bool validType(const CommandContext& ctx) {
    const std::string type = ctx.flag("type");
    if (!type.empty() && !sdk::eventSourceTypeFromName(type)) {
        std::cout << "ERROR: Invalid --type - invalid EventSourceType: " << type << "\n"
                  << "Next: --type takes http, cron, sqs or awsstepfunc\n";
        return false;
    }
    return true;
}

Input eventSourceFilters(const CommandContext& ctx, bool withProject) {
    Input in;
    in.string("namePrefix", ctx.flag("prefix")).string("componentName", ctx.flag("component"));
    if (withProject) {
        in.string("projectName", ctx.flag("project"));
    }
    in.string("eventSourceType", ctx.flag("type"));
    return in;
}

} // namespace

int eventSourceList(CommandContext& ctx) {
    if (!validType(ctx)) {
        return 1;
    }
    std::vector<sdk::EventSourceWithStatus> list;
    if (!listAll(ctx, "MaelstromService.ListEventSources", eventSourceFilters(ctx, false), "eventSources",
                 "ListEventSources failed", list)) {
        return 1;
    }
    if (ctx.json()) {
        printJsonArray(list);
        return 0;
    }
    if (list.empty()) {
        std::printf("No event sources found\n");
        return 0;
    }
    // With --type=cron a last column says when each schedule fires next (maelctl computes it with the scheduler's
    // own parser, on this machine's clock and, for schedules without CRON_TZ=, its local time zone).
    const bool cron = ctx.flag("type") == "cron";
    const char* format = "%-20s  %-20s  %-7s  %-30s  %-5s  %-13s  %-8s%s\n";
    std::printf(format, "Event Source", "Component", "Type", "Description", "Ver", "Last Modified", "Status",
                cron ? "  Next Firing" : "");
    std::printf("%s\n", dashes(cron ? 150 : 114).c_str());
    const auto now = sdk::unixMillis();
    for (const auto& e : list) {
        const auto [type, description] = typeAndDescription(e.eventSource);
        const std::string next = cron ? "  " + nextFiring(e, now) : std::string();
        std::printf("%-20s  %-20s  %-7s  %-30s  %-5lld  %-13s  %-8s%s\n", trunc(e.eventSource.name, 20).c_str(),
                    trunc(e.eventSource.componentName, 20).c_str(), type.c_str(), trunc(description, 30).c_str(),
                    static_cast<long long>(e.eventSource.version), relativeTime(e.eventSource.modifiedAt, now).c_str(),
                    e.enabled ? "Enabled" : "Disabled", next.c_str());
    }
    return 0;
}

int eventSourceToggle(CommandContext& ctx, bool enabled) {
    if (!validType(ctx)) {
        return 1;
    }
    const std::string type = ctx.flag("type");
    const char* status = enabled ? "Enabled" : "Disabled";
    if (ctx.flag("prefix").empty() && ctx.flag("project").empty() && ctx.flag("component").empty() && type.empty()) {
        std::printf("Toggling ALL event sources to %s\n\n", status);
    }
    std::string output;
    if (!call(ctx, "MaelstromService.ToggleEventSources",
              eventSourceFilters(ctx, true).boolean("enabled", enabled, true).text(), "ToggleEventSources failed",
              output)) {
        return 1;
    }
    const auto value = codec::parse(output);
    const auto names = codec::ObjectReader(value, "result").getStringList("eventSourceNames");
    if (names.empty()) {
        std::printf("No event sources updated\n");
        return 0;
    }
    std::printf("%-40s  %-15s\n", "Event Source", "Status");
    std::printf("%s\n", dashes(74).c_str());
    for (const auto& n : names) {
        std::printf("%-40s  %-15s\n", trunc(n, 40).c_str(), status);
    }
    return 0;
}

int eventSourceRemove(CommandContext& ctx) {
    std::string output;
    if (!call(ctx, "MaelstromService.RemoveEventSource", Input().string("name", ctx.positionals[0]).text(),
              "RemoveEventSource failed", output)) {
        return 1;
    }
    const auto value = codec::parse(output);
    const codec::ObjectReader r(value, "result");
    std::printf(r.getBool("found") ? "Event source removed: %s\n" : "Event source not found: %s\n",
                r.getString("name").c_str());
    return 0;
}

int projectList(CommandContext& ctx) {
    std::string output;
    if (!call(ctx, "MaelstromService.ListProjects", Input().string("namePrefix", ctx.flag("prefix")).text(),
              "ListComponents failed", output)) {
        return 1;
    }
    const auto list = decodeList<sdk::ProjectInfo>(output, "projects");
    if (ctx.json()) {
        printJsonArray(list);
        return 0;
    }
    if (list.empty()) {
        std::printf("No projects found\n");
        return 0;
    }
    std::printf("%-30s  %-15s  %-15s\n", "Project", "# Components", "# Event Sources");
    std::printf("%s\n", dashes(74).c_str());
    for (const auto& p : list) {
        std::printf("%-30s  %-15lld  %-15lld\n", p.projectName.c_str(), static_cast<long long>(p.componentCount),
                    static_cast<long long>(p.eventSourceCount));
    }
    return 0;
}

int projectRemove(CommandContext& ctx) {
    std::string output;
    if (!call(ctx, "MaelstromService.RemoveProject", Input().string("name", ctx.positionals[0]).text(),
              "RemoveProject failed", output)) {
        return 1;
    }
    const auto value = codec::parse(output);
    const codec::ObjectReader r(value, "result");
    std::printf(r.getBool("found") ? "Project removed: %s\n" : "Project not found: %s\n", r.getString("name").c_str());
    return 0;
}

} // namespace maelstrom::cli
