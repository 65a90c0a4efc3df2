// dsn.cpp — see dsn.h.
// SPDX-License-Identifier: Apache-2.0
#include "dsn.h"

#include <maelstrom/sdk/errors.h>

#include <cctype>

namespace maelstrom::plugins::sql {

namespace {

[[noreturn]] void bad(const std::string& message) { throw sdk::InvalidConfig("dsn", "setting 'dsn': " + message); }

int parsePort(const std::string& text) {
    if (text.empty() || text.size() > 5) {
        bad("invalid port '" + text + "'");
    }
    int port = 0;
    for (char c : text) {
        if (!std::isdigit(static_cast<unsigned char>(c))) {
            bad("invalid port '" + text + "'");
        }
        port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) {
        bad("port out of range: " + text);
    }
    return port;
}

/// "host", "host:port", "[v6]", "[v6]:port" → host, port (defaultPort when absent).
void splitHostPort(const std::string& text, int defaultPort, std::string& host, int& port) {
    port = defaultPort;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos) {
            bad("unbalanced '[' in address '" + text + "'");
        }
        host = text.substr(1, close - 1);
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':') {
                bad("invalid address '" + text + "'");
            }
            port = parsePort(text.substr(close + 2));
        }
        return;
    }
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
        host = text;
    } else {
        host = text.substr(0, colon);
        port = parsePort(text.substr(colon + 1));
    }
}

std::map<std::string, std::string> parseQuery(const std::string& query) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start <= query.size() && !query.empty()) {
        auto end = query.find('&', start);
        if (end == std::string::npos) {
            end = query.size();
        }
        const std::string item = query.substr(start, end - start);
        if (!item.empty()) {
            const auto eq = item.find('=');
            if (eq == std::string::npos) {
                out[percentDecode(item)] = "";
            } else {
                out[percentDecode(item.substr(0, eq))] = percentDecode(item.substr(eq + 1));
            }
        }
        start = end + 1;
        if (end == query.size()) {
            break;
        }
    }
    return out;
}

} // namespace

std::string percentDecode(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%') {
            if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
                !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
                bad("invalid %-escape in a URL part");
            }
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string scrub(std::string text, const std::string& secret) {
    if (secret.empty()) {
        return text;
    }
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 8)) {
        text.replace(pos, secret.size(), "********");
    }
    return text;
}

SqliteTarget parseSqliteDsn(const std::string& dsn) {
    if (dsn.empty()) {
        bad("empty SQLite DSN");
    }
    std::string rest = dsn;
    if (rest.rfind("file:", 0) == 0) {
        rest = rest.substr(5);
    }
    std::string query;
    if (const auto q = rest.find('?'); q != std::string::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    const auto params = parseQuery(query);
    SqliteTarget out;
    const auto mode = params.find("mode");
    if (rest == ":memory:" || rest.empty() || (mode != params.end() && mode->second == "memory")) {
        out.memory = true;
        return out;
    }
    out.path = percentDecode(rest);
    return out;
}

ServerTarget parseMysqlDsn(const std::string& dsn) {
    // go-sql-driver form: [user[:password]@][net[(addr)]]/dbname[?params]
    ServerTarget out;
    out.host = "127.0.0.1";
    out.port = 3306;
    const auto slash = dsn.rfind('/');
    if (slash == std::string::npos) {
        bad("MySQL DSN needs '/dbname' (form: user:password@(host:3306)/dbname)");
    }
    std::string dbPart = dsn.substr(slash + 1);
    if (const auto q = dbPart.find('?'); q != std::string::npos) {
        out.params = parseQuery(dbPart.substr(q + 1));
        dbPart = dbPart.substr(0, q);
    }
    out.database = dbPart;
    const std::string head = dsn.substr(0, slash);
    std::string addrPart = head;
    if (const auto at = head.rfind('@'); at != std::string::npos) {
        const std::string cred = head.substr(0, at);
        addrPart = head.substr(at + 1);
        if (const auto colon = cred.find(':'); colon != std::string::npos) {
            out.user = cred.substr(0, colon);
            out.password = cred.substr(colon + 1);
        } else {
            out.user = cred;
        }
    }
    if (!addrPart.empty()) {
        const auto open = addrPart.find('(');
        std::string net = open == std::string::npos ? addrPart : addrPart.substr(0, open);
        std::string address;
        if (open != std::string::npos) {
            if (addrPart.back() != ')') {
                bad("MySQL DSN: unbalanced '(' in the address part");
            }
            address = addrPart.substr(open + 1, addrPart.size() - open - 2);
        }
        if (!net.empty() && net != "tcp") {
            bad("MySQL DSN: network '" + net + "' is not supported (use tcp or (host:port))");
        }
        if (!address.empty()) {
            splitHostPort(address, 3306, out.host, out.port);
        }
    }
    if (out.user.empty()) {
        bad("MySQL DSN has no user (form: user:password@(host:3306)/dbname)");
    }
    if (out.database.empty()) {
        bad("MySQL DSN has no database name (form: user:password@(host:3306)/dbname)");
    }
    return out;
}

ServerTarget parsePostgresDsn(const std::string& dsn) {
    ServerTarget out;
    out.host = "127.0.0.1";
    out.port = 5432;
    std::string rest;
    if (dsn.rfind("postgres://", 0) == 0) {
        rest = dsn.substr(11);
    } else if (dsn.rfind("postgresql://", 0) == 0) {
        rest = dsn.substr(13);
    } else {
        // libpq key=value form (values without spaces; single quotes allowed around a value).
        std::size_t i = 0;
        bool any = false;
        while (i < dsn.size()) {
            while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i])))
                ++i;
            if (i >= dsn.size())
                break;
            const auto eq = dsn.find('=', i);
            if (eq == std::string::npos) {
                bad("PostgreSQL DSN: expected key=value pairs or a postgres:// URL");
            }
            std::string key = dsn.substr(i, eq - i);
            while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back())))
                key.pop_back();
            i = eq + 1;
            while (i < dsn.size() && dsn[i] == ' ')
                ++i;
            std::string value;
            if (i < dsn.size() && dsn[i] == '\'') {
                ++i;
                while (i < dsn.size() && dsn[i] != '\'') {
                    if (dsn[i] == '\\' && i + 1 < dsn.size())
                        ++i;
                    value += dsn[i++];
                }
                if (i >= dsn.size())
                    bad("PostgreSQL DSN: unterminated quote");
                ++i;
            } else {
                while (i < dsn.size() && !std::isspace(static_cast<unsigned char>(dsn[i]))) {
                    if (dsn[i] == '\\' && i + 1 < dsn.size())
                        ++i;
                    value += dsn[i++];
                }
            }
            any = true;
            if (key == "host" || key == "hostaddr")
                out.host = value;
            else if (key == "port")
                out.port = parsePort(value);
            else if (key == "user")
                out.user = value;
            else if (key == "password")
                out.password = value;
            else if (key == "dbname")
                out.database = value;
            else
                out.params[key] = value;
        }
        if (!any) {
            bad("empty PostgreSQL DSN");
        }
        if (out.database.empty())
            out.database = out.user;
        if (out.user.empty())
            bad("PostgreSQL DSN has no user");
        return out;
    }
    std::string query;
    if (const auto q = rest.find('?'); q != std::string::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    out.params = parseQuery(query);
    std::string path;
    if (const auto slash = rest.find('/'); slash != std::string::npos) {
        path = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
    }
    out.database = percentDecode(path);
    std::string hostPart = rest;
    if (const auto at = rest.rfind('@'); at != std::string::npos) {
        const std::string cred = rest.substr(0, at);
        hostPart = rest.substr(at + 1);
        if (const auto colon = cred.find(':'); colon != std::string::npos) {
            out.user = percentDecode(cred.substr(0, colon));
            out.password = percentDecode(cred.substr(colon + 1));
        } else {
            out.user = percentDecode(cred);
        }
    }
    if (!hostPart.empty()) {
        splitHostPort(hostPart, 5432, out.host, out.port);
    }
    if (const auto it = out.params.find("user"); it != out.params.end()) {
        out.user = it->second;
        out.params.erase(it);
    }
    if (const auto it = out.params.find("password"); it != out.params.end()) {
        out.password = it->second;
        out.params.erase(it);
    }
    if (out.user.empty()) {
        bad("PostgreSQL DSN has no user (form: postgres://user:password@host:5432/dbname)");
    }
    if (out.database.empty()) {
        out.database = out.user;
    }
    return out;
}

} // namespace maelstrom::plugins::sql
