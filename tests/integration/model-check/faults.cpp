// faults.cpp — server-side faults for the model check, through the servers' own command-line clients and the
// service scripts the test run already uses.
// SPDX-License-Identifier: Apache-2.0
#include "target.h"

#include "db_test_common.h"
#include "dsn.h"
#include "test_support.h"

#include <sstream>

namespace maelstrom::testing::model {

namespace {

std::string run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {}) {
    const auto r = runProcess(argv, env, std::chrono::seconds(180));
    if (r.exitCode != 0) {
        throw std::runtime_error(argv.front() + " exited " + std::to_string(r.exitCode) + ": " + r.err + r.out);
    }
    return r.out;
}

} // namespace

std::string killConnections(const std::string& engine) {
    if (engine == "mysql") {
        const auto t = plugins::sql::parseMysqlDsn(db::mysqlDsn());
        const std::vector<std::string> client = {
            "mariadb", "--protocol=tcp",  "-h", t.host, "-P", std::to_string(t.port), "-u",
            t.user,    "-p" + t.password, "-N", "-B",   "-e"};
        auto argv = client;
        argv.push_back("SELECT id FROM information_schema.processlist WHERE user = '" + t.user +
                       "' AND id <> CONNECTION_ID()");
        std::istringstream ids(run(argv));
        int killed = 0;
        for (std::string id; std::getline(ids, id);) {
            if (id.empty())
                continue;
            auto kill = client;
            kill.push_back("KILL CONNECTION " + id);
            if (runProcess(kill, {}, std::chrono::seconds(30)).exitCode == 0)
                ++killed; // it may have ended already
        }
        return "killed " + std::to_string(killed) + " MariaDB connection(s)";
    }
    if (engine == "postgres") {
        const auto t = plugins::sql::parsePostgresDsn(db::postgresDsn());
        const std::vector<std::string> argv = {
            "psql",
            "-h",
            t.host,
            "-p",
            std::to_string(t.port),
            "-U",
            t.user,
            "-d",
            t.database,
            "-Atc",
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = current_user AND pid <> "
            "pg_backend_pid()"};
        // Once, psql hung for minutes right after a server restart fault: each attempt gets a connect timeout and
        // 30 s, and a stuck one is tried again.
        const std::map<std::string, std::string> env = {{"PGPASSWORD", t.password}, {"PGCONNECT_TIMEOUT", "10"}};
        ProcessResult r;
        for (int attempt = 0; attempt < 3; ++attempt) {
            r = runProcess(argv, env, std::chrono::seconds(30));
            if (r.exitCode == 0) {
                return "terminated " + r.out.substr(0, r.out.find('\n')) + " PostgreSQL backend(s)";
            }
        }
        throw std::runtime_error("psql exited " + std::to_string(r.exitCode) + " three times: " + r.err + r.out);
    }
    return "";
}

std::string restartServer(const std::string& engine) {
    if (engine != "mysql" && engine != "postgres")
        return "";
    // MAELSTROM_MARIADB_STOCK=1: the run is against the stock-settings server of start-mariadb-stock.sh.
    const char* stock = std::getenv("MAELSTROM_MARIADB_STOCK");
    const bool stockServer = stock != nullptr && std::string(stock) == "1";
    const std::string script =
        engine == "mysql" ? (stockServer ? "restart-mariadb-stock.sh" : "restart-mariadb.sh") : "restart-postgres.sh";
    run({"bash", (sourceDir() / "tests" / "services" / script).string()});
    return "restarted the " + std::string(engine == "mysql" ? "MariaDB" : "PostgreSQL") + " server";
}

} // namespace maelstrom::testing::model
