// registry_config.cpp — YAML reading of the service registry (yaml-cpp), strict about keys and types.
#include "config/registry_config.h"

#include "config/config_error.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace maelstrom::core {
namespace {

constexpr std::size_t kMaxRegistryBytes = 1 << 20; // a registry is a few hundred bytes; refuse absurd files

std::string at(const std::string& file, const YAML::Node& node) {
    // yaml-cpp marks are 0-based.
    return file + ":" + std::to_string(node.Mark().line + 1);
}

constexpr const char* kEventSourcesKey = "event_sources";

std::string kindList() {
    std::string out;
    for (auto kind : {sdk::ServiceKind::ContainerRuntime, sdk::ServiceKind::Database, sdk::ServiceKind::LoadBalancer,
                      sdk::ServiceKind::RpcTransport}) {
        out += (out.empty() ? "" : ", ") + std::string(sdk::serviceKindName(kind));
    }
    return out + ", " + kEventSourcesKey + " (a list)";
}

void requireMap(const std::string& file, const YAML::Node& node, const std::string& what) {
    if (!node.IsMap()) {
        throw ConfigError(at(file, node) + ": " + what + " must be a mapping");
    }
}

std::string scalar(const std::string& file, const YAML::Node& node, const std::string& what) {
    if (!node.IsScalar()) {
        throw ConfigError(at(file, node) + ": " + what + " must be a single value");
    }
    return node.Scalar();
}

sdk::RawSettings readSettings(const std::string& file, const YAML::Node& node, const std::string& what) {
    sdk::RawSettings raw;
    if (!node || node.IsNull()) {
        return raw;
    }
    requireMap(file, node, what);
    for (const auto& item : node) {
        const std::string key = scalar(file, item.first, what + " key");
        const YAML::Node& value = item.second;
        if (value.IsSequence()) {
            std::vector<std::string> list;
            for (const auto& element : value) {
                list.push_back(scalar(file, element, what + "." + key + " element"));
            }
            raw.lists[key] = std::move(list);
        } else if (value.IsScalar()) {
            raw.scalars[key] = value.Scalar();
        } else if (value.IsNull()) {
            raw.scalars[key] = "";
        } else {
            throw ConfigError(at(file, value) + ": " + what + "." + key + ": nested mappings are not supported");
        }
    }
    return raw;
}

// yaml-cpp silently keeps the last of duplicate keys; a registry with two `database:` entries is a mistake.
void rejectDuplicateKeys(const std::string& file, const YAML::Node& map, const std::string& what) {
    std::set<std::string> seen;
    for (const auto& item : map) {
        if (item.first.IsScalar() && !seen.insert(item.first.Scalar()).second) {
            throw ConfigError(at(file, item.first) + ": duplicate key '" + item.first.Scalar() + "' in " + what);
        }
    }
}

// One service entry; `where` names it in errors ("services.database", "services.event_sources[1]").
ServiceEntry readService(const std::string& file, const std::string& where, const YAML::Node& node,
                         sdk::ServiceKind kind) {
    requireMap(file, node, where);
    rejectDuplicateKeys(file, node, where);
    ServiceEntry entry;
    entry.kind = kind;
    entry.line = node.Mark().line + 1;
    entry.origin = at(file, node);
    for (const auto& item : node) {
        const std::string key = scalar(file, item.first, "key");
        if (key == "plugin") {
            entry.plugin = scalar(file, item.second, where + ".plugin");
        } else if (key == "file") {
            entry.file = scalar(file, item.second, where + ".file");
        } else if (key == "settings") {
            entry.settings = readSettings(file, item.second, where + ".settings");
        } else {
            throw ConfigError(at(file, item.first) + ": unknown key '" + key + "' in " + where +
                              " (valid: plugin, file, settings)");
        }
    }
    if (entry.plugin.empty()) {
        throw ConfigError(at(file, node) + ": " + where + " needs 'plugin: <name>'");
    }
    for (char c : entry.plugin) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
            throw ConfigError(at(file, node) + ": " + where + ".plugin '" + entry.plugin +
                              "' is not a plugin name (letters, digits, - _ . only)");
        }
    }
    return entry;
}

// `event_sources:` is a list of entries (one plugin per event-source type); a plugin named twice is a mistake.
void readEventSources(const std::string& file, const YAML::Node& node, std::vector<ServiceEntry>& services) {
    if (node.IsNull()) {
        return;
    }
    if (!node.IsSequence()) {
        throw ConfigError(at(file, node) + ": services." + kEventSourcesKey +
                          " must be a list of entries (- plugin: cron)");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < node.size(); ++i) {
        const std::string where = std::string("services.") + kEventSourcesKey + "[" + std::to_string(i) + "]";
        ServiceEntry entry = readService(file, where, node[i], sdk::ServiceKind::EventSource);
        if (!names.insert(entry.plugin).second) {
            throw ConfigError(at(file, node[i]) + ": " + where + ": plugin '" + entry.plugin + "' is listed twice");
        }
        services.push_back(std::move(entry));
    }
}

YAML::Node parseFile(const std::string& fileName) {
    std::ifstream in(fileName, std::ios::binary);
    if (!in) {
        throw ConfigError(fileName + ": cannot read the registry file (" +
                          (fs::exists(fileName) ? "permission denied" : "no such file") + ")");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > kMaxRegistryBytes) {
        throw ConfigError(fileName + ": registry file larger than 1 MiB");
    }
    try {
        return YAML::Load(text.str());
    } catch (const YAML::ParserException& e) {
        throw ConfigError(fileName + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                          ": YAML syntax error: " + e.msg);
    }
}

} // namespace

const ServiceEntry* RegistryConfig::find(sdk::ServiceKind kind) const {
    for (const auto& s : services) {
        if (s.kind == kind) {
            return &s;
        }
    }
    return nullptr;
}

std::string databasePluginForDriver(const std::string& driver) {
    if (driver == "sqlite3" || driver == "sqlite") {
        return "sqlite";
    }
    if (driver == "mysql") {
        return "mysql";
    }
    if (driver == "postgres" || driver == "postgresql") {
        return "postgres";
    }
    throw ConfigError("MAEL_SQL_DRIVER: unknown driver '" + driver + "' (valid: sqlite3, mysql, postgres)");
}

RegistryConfig loadRegistryConfig(const std::string& fileName, const std::string& defaultPluginDir,
                                  const std::map<std::string, std::string>& environment) {
    RegistryConfig config;
    config.fileName = fileName;
    const YAML::Node root = parseFile(fileName);

    NodeSettingsInput nodeInput;
    std::string pluginDir;
    if (root && !root.IsNull()) {
        requireMap(fileName, root, "the registry");
        rejectDuplicateKeys(fileName, root, "the registry");
        for (const auto& item : root) {
            const std::string key = scalar(fileName, item.first, "key");
            if (key == "plugin_dir") {
                pluginDir = scalar(fileName, item.second, "plugin_dir");
            } else if (key == "node") {
                if (item.second.IsNull()) {
                    continue;
                }
                requireMap(fileName, item.second, "node");
                rejectDuplicateKeys(fileName, item.second, "node");
                for (const auto& setting : item.second) {
                    const std::string name = scalar(fileName, setting.first, "node key");
                    nodeInput.values[name] =
                        setting.second.IsNull() ? "" : scalar(fileName, setting.second, "node." + name);
                    nodeInput.lines[name] = setting.first.Mark().line + 1;
                }
            } else if (key == "services") {
                if (item.second.IsNull()) {
                    continue;
                }
                requireMap(fileName, item.second, "services");
                rejectDuplicateKeys(fileName, item.second, "services");
                for (const auto& service : item.second) {
                    const std::string kindName = scalar(fileName, service.first, "service kind");
                    if (kindName == kEventSourcesKey) {
                        readEventSources(fileName, service.second, config.services);
                        continue;
                    }
                    const auto kind = sdk::serviceKindFromName(kindName);
                    if (!kind || *kind == sdk::ServiceKind::EventSource) {
                        throw ConfigError(at(fileName, service.second) + ": unknown service kind '" + kindName +
                                          "' (valid: " + kindList() + ")");
                    }
                    config.services.push_back(readService(fileName, "services." + kindName, service.second, *kind));
                }
            } else {
                throw ConfigError(at(fileName, item.first) + ": unknown key '" + key +
                                  "' (valid: plugin_dir, node, services)");
            }
        }
    }

    // The reference configures its database only through MAEL_SQL_DRIVER + MAEL_SQL_DSN; they replace the
    // file's database entry (its settings belong to whichever plugin the file named).
    const auto driver = environment.find("MAEL_SQL_DRIVER");
    const auto dsn = environment.find("MAEL_SQL_DSN");
    if (driver != environment.end() || dsn != environment.end()) {
        if (driver == environment.end() || dsn == environment.end() || driver->second.empty() || dsn->second.empty()) {
            throw ConfigError("MAEL_SQL_DRIVER and MAEL_SQL_DSN must be set together");
        }
        ServiceEntry entry;
        entry.kind = sdk::ServiceKind::Database;
        entry.plugin = databasePluginForDriver(driver->second);
        entry.settings.scalars["dsn"] = dsn->second;
        entry.origin = "MAEL_SQL_DRIVER/MAEL_SQL_DSN";
        std::erase_if(config.services, [](const ServiceEntry& e) { return e.kind == sdk::ServiceKind::Database; });
        config.services.push_back(std::move(entry));
    }
    // Storage first: later services may depend on it (the order is the start order).
    std::stable_sort(config.services.begin(), config.services.end(), [](const ServiceEntry& a, const ServiceEntry& b) {
        auto rank = [](sdk::ServiceKind k) {
            switch (k) {
            case sdk::ServiceKind::Database:
                return 0;
            case sdk::ServiceKind::ContainerRuntime:
                return 1;
            case sdk::ServiceKind::LoadBalancer:
                return 2;
            case sdk::ServiceKind::RpcTransport:
                return 3;
            case sdk::ServiceKind::EventSource:
                return 4;
            }
            return 5;
        };
        return rank(a.kind) < rank(b.kind);
    });

    if (pluginDir.empty()) {
        config.pluginDir = defaultPluginDir;
    } else {
        fs::path dir(pluginDir);
        if (dir.is_relative()) {
            dir = fs::absolute(fs::path(fileName)).parent_path() / dir;
        }
        config.pluginDir = dir.lexically_normal().string();
    }
    config.node = resolveNodeSettings(nodeInput, environment, fileName, &config.nodeReport);
    return config;
}

} // namespace maelstrom::core
