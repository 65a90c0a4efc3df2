// maelctl_test.cpp — maelctl against a real maelstromd (sqlite, docker, jsonrpc-http, a private token) running the
// hello-http fixture: `project put --wait` follows a rollout to its end (exit 0, the states in order, one plain line
// per state change and no escape byte through a pipe), a new version (the old one drained), a component with
// nothing to run, a bad image and a failing start health check (exit 1 with the next step); under a pseudo-terminal
// (tmux) the same command draws coloured, redrawn lines, and NO_COLOR drops the colours; `--output json` of every
// listing parses as a JSON array; errors name what to do next (no daemon, a wrong token, unknown commands and
// options, a YAML error with file:line).
// SPDX-License-Identifier: Apache-2.0
#include "docker_test_env.h"
#include "lifecycle_env.h"
#include "test_support.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <csignal>
#include <memory>
#include <thread>
#include <unistd.h>

using namespace maelstrom::testing;
using namespace maelstrom::testing::docker;

namespace {

const std::string kToken = "maelctl-test-token";

const std::string kNode = "maelctl-test-node";

/// The suite's maelstromd (a private token, a fixed node id) in a data dir of its own, started by the first test
/// that needs it and stopped by the last.
struct Suite {
    TempDir dataDir;
    lifecycle::Daemon daemon{dataDir.path(), {{"MAEL_PRIVATE_TOKEN", kToken}, {"MAEL_NODE_ID", kNode}}};
};
std::unique_ptr<Suite>& suiteSlot() {
    static std::unique_ptr<Suite> s;
    return s;
}
lifecycle::Daemon& daemon() {
    auto& s = suiteSlot();
    if (!s) {
        s = std::make_unique<Suite>();
    }
    return s->daemon;
}

std::string maelctlPath() { return (binDir() / "maelctl").string(); }

std::map<std::string, std::string> clientEnv(const std::string& token = kToken) {
    return {{"MAELSTROM_PRIVATE_URL", daemon().privateUrl()},
            {"MAELSTROM_PRIVATE_TOKEN", token},
            {"TERM", "xterm-256color"},
            {"-NO_COLOR", ""}};
}

ProcessResult maelctl(const std::vector<std::string>& args, std::map<std::string, std::string> env = clientEnv()) {
    std::vector<std::string> argv{maelctlPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv, env, std::chrono::seconds(120));
}

/// The project file: `good` runs the fixture with mininstances 1 (its VERSION env var makes a new component
/// version), `idle` has mininstances 0; `extra` is added as is (more components).
std::string projectYaml(const std::string& version, const std::string& extra = "") {
    return "name: mw\n"
           "components:\n"
           "  good:\n"
           "    image: " +
           fixtureImage(1) +
           "\n"
           "    httpport: 8080\n"
           "    httphealthcheckpath: /health\n"
           "    httpstarthealthcheckseconds: 20\n"
           "    mininstances: 1\n"
           "    environment:\n"
           "      - VERSION=" +
           version +
           "\n"
           "  idle:\n"
           "    image: " +
           fixtureImage(1) +
           "\n"
           "    httpport: 8080\n"
           "    httphealthcheckpath: /health\n" +
           extra;
}

/// Project `name` with one component `web` (mininstances 1) whose health check path answers 500, so its start
/// fails after `startHealthSeconds`.
std::string failingHealthCheckProject(const std::string& name, int startHealthSeconds) {
    return "name: " + name + "\ncomponents:\n  web:\n    image: " + fixtureImage(1) +
           "\n    httpport: 8080\n    httphealthcheckpath: /fail\n    httpstarthealthcheckseconds: " +
           std::to_string(startHealthSeconds) + "\n    mininstances: 1\n";
}

/// Position of `needle` in `text` at or after `from`, failing the test (showing `text`) when absent.
std::size_t expectAt(const std::string& text, const std::string& needle, std::size_t from = 0) {
    const auto at = text.find(needle, from);
    CPPUNIT_ASSERT_MESSAGE("'" + needle + "' missing from:\n" + text, at != std::string::npos);
    return at;
}

bool hasEscape(const std::string& text) { return text.find('\x1b') != std::string::npos; }

/// A command run in a detached tmux session (its own server socket) with a 200x50 pseudo-terminal; the pane
/// with its escape sequences once the command printed "EXIT=<code>".
std::string underTmux(const std::string& command, const std::string& name) {
    const std::string socket = "maelctl-test-" + std::to_string(::getpid()) + "-" + name;
    const auto r = runProcess({"tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50",
                               "-s", name, command + "; echo EXIT=$?; sleep 120"},
                              {{"-TMUX", ""}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE("tmux new-session: " + r.err, 0, r.exitCode);
    std::string pane;
    const bool ended = waitUntil(
        [&] {
            pane = runProcess({"tmux", "-L", socket, "capture-pane", "-p", "-e", "-t", name}).out;
            return pane.find("EXIT=") != std::string::npos;
        },
        std::chrono::seconds(90));
    runProcess({"tmux", "-L", socket, "kill-server"});
    CPPUNIT_ASSERT_MESSAGE("the command did not end under tmux:\n" + pane, ended);
    return pane;
}

std::string shellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

} // namespace

class MaelctlTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MaelctlTest);
    CPPUNIT_TEST(testPutWaitPlain);
    CPPUNIT_TEST(testPutWaitFailures);
    CPPUNIT_TEST(testPutWaitOnTerminal);
    CPPUNIT_TEST(testOutputJson);
    CPPUNIT_TEST(testErrorsNameTheNextStep);
    CPPUNIT_TEST(testStopDaemon);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPutWaitPlain() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "docker");
        TempDir dir;
        const auto file = dir.write("maelstrom.yml", projectYaml("1"));
        auto r = maelctl({"project", "put", "--file=" + file.string(), "--wait", "--wait-timeout=60s"});
        const std::string out = r.out;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(out + r.err, 0, r.exitCode);
        CPPUNIT_ASSERT_MESSAGE("escape bytes in piped output:\n" + out, !hasEscape(out));
        // In order: saved, waiting, the good component starting then healthy; the idle one has nothing to run.
        std::size_t at = expectAt(out, "Project saved: mw");
        at = expectAt(out, "Waiting for 2 components to roll out (timeout 60 s)\n", at);
        const std::size_t healthy = expectAt(out, "mw_good v1: healthy: 1 instance of v1\n", at);
        const std::size_t starting = out.find("mw_good v1: starting (0/1 healthy)\n", at);
        const std::size_t waiting = out.find("mw_good v1: waiting for an instance", at);
        CPPUNIT_ASSERT_MESSAGE("no starting/waiting line before healthy:\n" + out,
                               std::min(starting, waiting) < healthy);
        expectAt(out, "mw_idle v1: no instances required", at);
        expectAt(out, "Rollout complete\n", healthy);
        // One line per state change: the healthy line once.
        CPPUNIT_ASSERT_EQUAL_MESSAGE(out, std::string::npos, out.find("mw_good v1: healthy", healthy + 1));

        // A new version: the old instance is replaced and drained.
        dir.write("maelstrom.yml", projectYaml("2"));
        r = maelctl({"project", "put", "--file=" + file.string(), "--wait"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, 0, r.exitCode);
        CPPUNIT_ASSERT(!hasEscape(r.out));
        expectAt(r.out, "Waiting for 1 component to roll out (timeout 300 s)\n");
        expectAt(r.out, "mw_good v2: healthy: 1 instance of v2, old version drained\n");
        const auto ps = maelctl({"cluster", "ps", "--output=json"});
        CPPUNIT_ASSERT_EQUAL(0, ps.exitCode);
        CPPUNIT_ASSERT_MESSAGE(ps.out, ps.out.find("\"componentVersion\":1") == std::string::npos);

        // Nothing changed: nothing to wait for.
        r = maelctl({"project", "put", "--file=" + file.string(), "--wait"});
        CPPUNIT_ASSERT_EQUAL(0, r.exitCode);
        expectAt(r.out, "No project changes detected for project: mw");
        expectAt(r.out, "\nNothing to wait for\n");
    }

    void testPutWaitFailures() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "docker");
        TempDir dir;
        const std::string badImage = registryInfo().address + "/maelstrom-test/no-such-image:" + uniqueSuffix();
        auto file = dir.write("bad-image.yml", "name: mwbad\n"
                                               "components:\n"
                                               "  img:\n"
                                               "    image: " +
                                                   badImage +
                                                   "\n"
                                                   "    httpport: 8080\n"
                                                   "    mininstances: 1\n");
        auto r = maelctl({"project", "put", "--file=" + file.string(), "--wait", "--wait-timeout=60"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, 1, r.exitCode);
        CPPUNIT_ASSERT(!hasEscape(r.out));
        expectAt(r.out, "mwbad_img v1: FAILED on node maelctl-test-node: ");
        expectAt(r.out, "ERROR: mwbad_img v1 did not roll out: ");
        expectAt(r.out, "Next: check the image name '" + badImage + "'");
        CPPUNIT_ASSERT_EQUAL(0, maelctl({"project", "rm", "mwbad"}).exitCode);

        file = dir.write("unhealthy.yml", failingHealthCheckProject("mwsick", 2));
        r = maelctl({"project", "put", "--file=" + file.string(), "--wait", "--wait-timeout=60s"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, 1, r.exitCode);
        expectAt(r.out, "mwsick_web v1: FAILED on node maelctl-test-node: container ");
        expectAt(r.out, "start health check did not pass within 2 s: GET /fail answered 500\n");
        expectAt(r.out, "Next: check the component's httpport and httphealthcheckpath");
        expectAt(r.out, "maelctl logs --components=mwsick_web");
        CPPUNIT_ASSERT_EQUAL(0, maelctl({"project", "rm", "mwsick"}).exitCode);

        // A timeout: nothing can start within one second (the start health check alone needs longer).
        file = dir.write("slow.yml", failingHealthCheckProject("mwslow", 30));
        r = maelctl({"project", "put", "--file=" + file.string(), "--wait", "--wait-timeout=1s"});
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.out + r.err, 1, r.exitCode);
        expectAt(r.out, "ERROR: mwslow_web v1 not ready after 1 s: ");
        expectAt(r.out, "or wait longer with --wait-timeout");
        CPPUNIT_ASSERT_EQUAL(0, maelctl({"project", "rm", "mwslow"}).exitCode);

        // Bad flags.
        r = maelctl({"project", "put", "--file=" + file.string(), "--wait", "--wait-timeout=soon"});
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.out, "ERROR: --wait-timeout: 'soon' is not a positive duration");
        r = maelctl({"project", "put", "--file=" + file.string(), "--wait-timeout=5s"});
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.out, "ERROR: --wait-timeout needs --wait");
        r = maelctl({"project", "put", "--file=" + file.string(), "--wait", "--diffonly"});
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.out, "ERROR: --wait cannot be used with --diffonly");
    }

    void testPutWaitOnTerminal() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "docker");
        TempDir dir;
        const auto file = dir.write("maelstrom.yml", projectYaml("tty-1"));
        std::string env;
        for (const auto& [k, v] : clientEnv()) {
            if (k[0] != '-') {
                env += k + "=" + shellQuote(v) + " ";
            }
        }
        const std::string command = "env -u NO_COLOR " + env + shellQuote(maelctlPath()) +
                                    " project put --file=" + shellQuote(file.string()) + " --wait --wait-timeout=60s";
        std::string pane = underTmux(command, "colour");
        expectAt(pane, "EXIT=0");
        CPPUNIT_ASSERT_MESSAGE("no colour escape codes on a terminal:\n" + pane,
                               pane.find("\x1b[") != std::string::npos);
        expectAt(pane, "mw_good v");
        expectAt(pane, "healthy: 1 instance of v");
        expectAt(pane, "Rollout complete");

        // NO_COLOR: the lines still, no colours.
        dir.write("maelstrom.yml", projectYaml("tty-2"));
        pane = underTmux("NO_COLOR=1 " + command.substr(std::string("env -u NO_COLOR ").size()), "nocolour");
        expectAt(pane, "EXIT=0");
        CPPUNIT_ASSERT_MESSAGE("colours despite NO_COLOR:\n" + pane, !hasEscape(pane));
        expectAt(pane, "+ mw_good v");
        expectAt(pane, "old version drained");
    }

    void testOutputJson() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "docker");
        const std::vector<std::vector<std::string>> listings = {
            {"project", "ls"}, {"comp", "ls"}, {"es", "ls"}, {"cluster", "nodes"}, {"cluster", "ps"}};
        for (const auto& words : listings) {
            for (const std::string& flag : {std::string("--output=json"), std::string("--output")}) {
                auto args = words;
                args.push_back(flag);
                if (flag == "--output") {
                    args.push_back("json");
                }
                const auto r = maelctl(args);
                const std::string what = words[0] + " " + words[1] + " " + flag;
                CPPUNIT_ASSERT_EQUAL_MESSAGE(what + ": " + r.out + r.err, 0, r.exitCode);
                Poco::Dynamic::Var parsed;
                try {
                    parsed = Poco::JSON::Parser().parse(r.out);
                } catch (const Poco::Exception& e) {
                    CPPUNIT_FAIL(what + ": not JSON: " + e.displayText() + "\n" + r.out);
                }
                CPPUNIT_ASSERT_MESSAGE(what + ": not an array: " + r.out,
                                       parsed.type() == typeid(Poco::JSON::Array::Ptr));
            }
        }
        // Stable names: the project and its component, and the node.
        expectAt(maelctl({"project", "ls", "--output=json"}).out, "\"projectName\":\"mw\"");
        expectAt(maelctl({"comp", "ls", "--output=json"}).out, "\"name\":\"mw_good\"");
        expectAt(maelctl({"cluster", "nodes", "--output=json"}).out, "\"nodeId\":\"maelctl-test-node\"");
        expectAt(maelctl({"cluster", "ps", "--output=json"}).out, "\"componentName\":\"mw_good\"");
        // The table stays the default.
        expectAt(maelctl({"comp", "ls"}).out, "Component             Image");
        const auto bad = maelctl({"comp", "ls", "--output=yaml"});
        CPPUNIT_ASSERT_EQUAL(1, bad.exitCode);
        expectAt(bad.err, "maelctl: --output takes json or table, not 'yaml'");
    }

    void testErrorsNameTheNextStep() {
        MAELSTROM_REQUIRE_BACKEND(dockerAvailable(), "docker");
        auto r = maelctl({"project", "ls"}, clientEnv("wrong-token"));
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.out, "401 Unauthorized");
        expectAt(r.out, "Next: MAELSTROM_PRIVATE_TOKEN is not the token maelstromd expects");
        auto env = clientEnv();
        env["-MAELSTROM_PRIVATE_TOKEN"] = "";
        env.erase("MAELSTROM_PRIVATE_TOKEN");
        r = maelctl({"comp", "ls"}, env);
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.out, "Next: maelstromd requires a token: set MAELSTROM_PRIVATE_TOKEN");
        const std::string nowhere = "http://127.0.0.1:" + std::to_string(freePort());
        env = clientEnv();
        env["MAELSTROM_PRIVATE_URL"] = nowhere;
        r = maelctl({"cluster", "nodes"}, env);
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.out,
                 "Next: is maelstromd running? set MAELSTROM_PRIVATE_URL to its private URL (now " + nowhere + ")");
        r = maelctl({"logs"}, env);
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.out, "Next: is maelstromd running?");

        r = maelctl({"comp", "list"});
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.err, "maelctl: unknown command 'comp list'; the commands are:");
        expectAt(r.err, "maelctl comp ls");
        r = maelctl({"comp", "ls", "--colour"});
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.err, "unknown option --colour for 'comp ls' (it takes --output, --prefix)");
        r = maelctl({"es", "ls", "--type=queue"});
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.out, "Next: --type takes http, cron, sqs or awsstepfunc\n");
        r = maelctl({"comp", "rm"});
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.err, "'comp rm' takes 1 argument (a name), got 0");

        TempDir dir;
        const auto file =
            dir.write("broken.yml", "name: mwbroken\ncomponents:\n  web:\n    image: x\n    htpport: 80\n");
        r = maelctl({"project", "put", "--file=" + file.string()});
        CPPUNIT_ASSERT_EQUAL(1, r.exitCode);
        expectAt(r.out, "ERROR: Unable to load project YAML file - ");
        expectAt(r.out, file.string() + ":5");
    }

    void testStopDaemon() {
        auto& s = suiteSlot();
        if (s) {
            maelctl({"project", "rm", "mw"});
            CPPUNIT_ASSERT_EQUAL(0, s->daemon.stop(SIGTERM, std::chrono::seconds(60)));
            s.reset();
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MaelctlTest);
