// rollout_test.cpp — maelctl project put --wait without a daemon: when a rollout is done, under way or failed
// (rollout.h), the plain and live lines it prints (no escape byte when not on a terminal), the terminal style
// rules (tty, TERM, NO_COLOR) and the next step printed after an RPC error.
// SPDX-License-Identifier: Apache-2.0
#include "next_steps.h"
#include "rollout.h"
#include "terminal.h"

#include "test_support.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace maelstrom::cli;

namespace {

RolloutTarget target(std::int64_t minInstances, bool hadInstances) {
    RolloutTarget t;
    t.name = "web";
    t.version = 3;
    t.image = "example/web:2";
    t.minInstances = minInstances;
    t.hadInstances = hadInstances;
    return t;
}

RolloutInstance instance(std::int64_t version, const std::string& status, const std::string& name = "web") {
    return RolloutInstance{"n1", name, version, status, false};
}

RolloutStart start(const std::string& phase, std::int64_t phaseVersion, std::int64_t failedVersion = 0,
                   const std::string& failure = "") {
    return RolloutStart{"n1", "web", phase, phaseVersion, "abc: Downloading 1MB/5MB", failedVersion, failure};
}

} // namespace

class RolloutTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RolloutTest);
    CPPUNIT_TEST(testNothingToRollWithoutMinInstances);
    CPPUNIT_TEST(testMinInstancesMustBeActiveOnTheNewVersion);
    CPPUNIT_TEST(testOldInstancesMustDrain);
    CPPUNIT_TEST(testPullingAndFailure);
    CPPUNIT_TEST(testOldFailuresAndOtherComponentsIgnored);
    CPPUNIT_TEST(testPlainLinesHaveNoEscapes);
    CPPUNIT_TEST(testLiveFrame);
    CPPUNIT_TEST(testNextSteps);
    CPPUNIT_TEST(testTerminalStyle);
    CPPUNIT_TEST(testRpcNextStep);
    CPPUNIT_TEST_SUITE_END();

public:
    void testNothingToRollWithoutMinInstances() {
        const auto t = target(0, false);
        const auto p = evaluateRollout(t, {}, {});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::NothingToRun);
        CPPUNIT_ASSERT(rolloutFinished(p.phase));
        CPPUNIT_ASSERT_EQUAL(std::string("web v3: no instances required (mininstances 0 and none was running; it "
                                         "starts on its first request)"),
                             rolloutLine(TerminalStyle{}, t, p, 0));
        // A paused instance of the old version is stopped by the version change: wait for it.
        auto paused = instance(2, "stopping");
        paused.paused = true;
        const auto draining = evaluateRollout(t, {paused}, {});
        CPPUNIT_ASSERT(draining.phase == RolloutPhase::Draining);
        CPPUNIT_ASSERT_EQUAL(std::string("draining 1 old instance"), rolloutText(t, draining, false));
    }

    void testMinInstancesMustBeActiveOnTheNewVersion() {
        const auto t = target(2, false);
        auto p = evaluateRollout(t, {}, {});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Waiting);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), p.required);
        CPPUNIT_ASSERT_EQUAL(std::string("waiting for an instance to be placed (0/2 healthy)"),
                             rolloutText(t, p, false));
        p = evaluateRollout(t, {instance(3, "starting")}, {});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Starting);
        p = evaluateRollout(t, {instance(3, "active"), instance(3, "starting")}, {});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Starting);
        CPPUNIT_ASSERT_EQUAL(std::string("starting (1/2 healthy)"), rolloutText(t, p, false));
        p = evaluateRollout(t, {instance(3, "active"), instance(3, "active")}, {});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Done);
        CPPUNIT_ASSERT_EQUAL(std::string("healthy: 2 instances of v3"), rolloutText(t, p, false));
        // The converger reports a start under way before the instance is listed.
        p = evaluateRollout(t, {}, {start("starting", 3)});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Starting);
    }

    void testOldInstancesMustDrain() {
        auto t = target(0, true); // it ran before the put: one instance of the new version is needed
        auto p = evaluateRollout(t, {instance(2, "active")}, {});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Waiting);
        CPPUNIT_ASSERT_EQUAL(std::string("waiting for an instance to be placed (0/1 healthy), 1 old instance left"),
                             rolloutText(t, p, false));
        p = evaluateRollout(t, {instance(2, "active"), instance(3, "active")}, {});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Draining);
        CPPUNIT_ASSERT_EQUAL(std::string("healthy (1/1 on v3), draining 1 old instance"), rolloutText(t, p, false));
        p = evaluateRollout(t, {instance(2, "stopping"), instance(3, "active")}, {});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Draining);
        t.sawOld = true;
        p = evaluateRollout(t, {instance(3, "active")}, {});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Done);
        CPPUNIT_ASSERT_EQUAL(std::string("healthy: 1 instance of v3, old version drained"), rolloutText(t, p, false));
        // A newer version put meanwhile counts as new.
        p = evaluateRollout(t, {instance(4, "active")}, {});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Done);
    }

    void testPullingAndFailure() {
        const auto t = target(1, false);
        auto p = evaluateRollout(t, {}, {start("pulling", 3)});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Pulling);
        CPPUNIT_ASSERT_EQUAL(std::string("pulling example/web:2"), rolloutText(t, p, false));
        CPPUNIT_ASSERT_EQUAL(std::string("pulling example/web:2 (abc: Downloading 1MB/5MB)"), rolloutText(t, p, true));
        // Pull progress is not a state change in plain output.
        auto other = p;
        other.detail = "abc: Downloading 2MB/5MB";
        CPPUNIT_ASSERT_EQUAL(rolloutKey(t, p), rolloutKey(t, other));
        // Nor is a start reported before its instance is listed.
        CPPUNIT_ASSERT_EQUAL(rolloutKey(t, evaluateRollout(t, {}, {start("starting", 3)})),
                             rolloutKey(t, evaluateRollout(t, {instance(3, "starting")}, {})));
        p = evaluateRollout(t, {instance(3, "active")},
                            {start("", 0, 3, "docker: pull access denied for example/web")});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Failed);
        CPPUNIT_ASSERT(rolloutFinished(p.phase));
        CPPUNIT_ASSERT_EQUAL(std::string("FAILED on node n1: docker: pull access denied for example/web"),
                             rolloutText(t, p, false));
    }

    void testOldFailuresAndOtherComponentsIgnored() {
        const auto t = target(1, false);
        auto failedBefore = start("", 0, 2, "start health check did not pass within 5 s");
        auto otherComponent = start("", 0, 9, "boom");
        otherComponent.componentName = "api";
        const auto p =
            evaluateRollout(t, {instance(3, "active"), instance(1, "active", "api")}, {failedBefore, otherComponent});
        CPPUNIT_ASSERT(p.phase == RolloutPhase::Done);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), p.old);
    }

    void testPlainLinesHaveNoEscapes() {
        const auto t = target(1, false);
        for (const auto& p :
             {evaluateRollout(t, {}, {start("pulling", 3)}), evaluateRollout(t, {instance(3, "active")}, {}),
              evaluateRollout(t, {}, {start("", 0, 3, "x")})}) {
            const std::string line = rolloutLine(TerminalStyle{}, t, p, 1);
            CPPUNIT_ASSERT(line.find('\x1b') == std::string::npos);
            CPPUNIT_ASSERT(line.rfind("web v3: ", 0) == 0);
        }
    }

    void testLiveFrame() {
        const auto t = target(1, false);
        const TerminalStyle colour{true, true};
        const auto done = evaluateRollout(t, {instance(3, "active")}, {});
        CPPUNIT_ASSERT_EQUAL(
            std::string("\x1b[32m+ \x1b[0m\x1b[1mweb v3: \x1b[0m\x1b[32mhealthy: 1 instance of v3\x1b[0m"),
            rolloutLine(colour, t, done, 0));
        const auto pulling = evaluateRollout(t, {}, {start("pulling", 3)});
        // The spinner turns; NO_COLOR keeps it but drops the colours.
        const TerminalStyle noColour{true, false};
        CPPUNIT_ASSERT_EQUAL(std::string("| web v3: pulling example/web:2 (abc: Downloading 1MB/5MB)"),
                             rolloutLine(noColour, t, pulling, 0));
        CPPUNIT_ASSERT_EQUAL(std::string("/ web v3: pulling example/web:2 (abc: Downloading 1MB/5MB)"),
                             rolloutLine(noColour, t, pulling, 1));
        // Cut to the width less one column so that a redraw never wraps.
        CPPUNIT_ASSERT_EQUAL(std::string("| web v3: pulling e"), rolloutLine(noColour, t, pulling, 0, 20));
        auto api = t;
        api.name = "api";
        CPPUNIT_ASSERT_EQUAL(std::string("\x1b[2A\r\x1b[K| web v3: pulling example/web:2 (abc: Downloading 1MB/5MB)\n"
                                         "\r\x1b[K+ api v3: healthy: 1 instance of v3\n"),
                             liveFrame(noColour, {t, api}, {pulling, done}, 0, 2));
        CPPUNIT_ASSERT_EQUAL(std::string("\r\x1b[K+ api v3: healthy: 1 instance of v3\n"),
                             liveFrame(noColour, {api}, {done}, 0, 0));
    }

    void testNextSteps() {
        const auto t = target(1, false);
        RolloutProgress p;
        p.phase = RolloutPhase::Failed;
        p.detail = "docker: pull image 'example/web:2': manifest unknown";
        CPPUNIT_ASSERT(rolloutNextStep(t, p).find("check the image name 'example/web:2'") != std::string::npos);
        p.detail = "start health check did not pass within 5 s: HTTP 500";
        CPPUNIT_ASSERT(rolloutNextStep(t, p).find("httphealthcheckpath") != std::string::npos);
        CPPUNIT_ASSERT(rolloutNextStep(t, p).find("maelctl logs --components=web") != std::string::npos);
        p.detail = "it exited during its start health check";
        CPPUNIT_ASSERT_EQUAL(std::string("see why the container exited: maelctl logs --components=web"),
                             rolloutNextStep(t, p));
        p.detail = "not enough memory on this node: needs 128 MiB, 0 of 100 MiB reserved";
        CPPUNIT_ASSERT(rolloutNextStep(t, p).find("reservememory") != std::string::npos);
        p.detail = "something else";
        CPPUNIT_ASSERT_EQUAL(std::string("see maelctl logs --components=web and maelctl cluster ps"),
                             rolloutNextStep(t, p));
    }

    void testTerminalStyle() {
        auto s = terminalStyle(true, "xterm-256color", nullptr);
        CPPUNIT_ASSERT(s.live && s.colour);
        s = terminalStyle(true, "xterm", "1");
        CPPUNIT_ASSERT(s.live && !s.colour);
        s = terminalStyle(true, "xterm", ""); // NO_COLOR set but empty: ignored
        CPPUNIT_ASSERT(s.live && s.colour);
        s = terminalStyle(true, "dumb", nullptr);
        CPPUNIT_ASSERT(!s.live && !s.colour);
        s = terminalStyle(true, nullptr, nullptr);
        CPPUNIT_ASSERT(!s.live && !s.colour);
        s = terminalStyle(false, "xterm", nullptr);
        CPPUNIT_ASSERT(!s.live && !s.colour);
        CPPUNIT_ASSERT_EQUAL(std::string("x"), paint(s, Colour::Red, "x"));
        CPPUNIT_ASSERT_EQUAL(std::string("\x1b[31mx\x1b[0m"), paint(TerminalStyle{true, true}, Colour::Red, "x"));
    }

    void testRpcNextStep() {
        const std::string url = "http://127.0.0.1:8374";
        const std::string refused =
            "barrister: MaelstromService.ListProjects: Transport error during request: Connection refused";
        CPPUNIT_ASSERT_EQUAL(
            std::string("is maelstromd running? set MAELSTROM_PRIVATE_URL to its private URL (now " + url + ")"),
            rpcNextStep(kTransportErrorCode, refused, url, false));
        const std::string unauthorized = "barrister: X: Transport error during request: HTTP 401 Unauthorized: the "
                                         "daemon requires a bearer token";
        CPPUNIT_ASSERT(rpcNextStep(kTransportErrorCode, unauthorized, url, false)
                           .rfind("maelstromd requires a token: set MAELSTROM_PRIVATE_TOKEN", 0) == 0);
        CPPUNIT_ASSERT(rpcNextStep(kTransportErrorCode, unauthorized, url, true)
                           .rfind("MAELSTROM_PRIVATE_TOKEN is not the token", 0) == 0);
        CPPUNIT_ASSERT(
            rpcNextStep(kTransportErrorCode, "Transport error during request: HTTP 404 Not Found", url, false)
                .find("does not answer like maelstromd's private port") != std::string::npos);
        CPPUNIT_ASSERT(rpcNextStep(-32601, "Unsupported method: X", url, false).find("older") != std::string::npos);
        CPPUNIT_ASSERT(rpcNextStep(1003, "not found", url, false).find("maelctl comp ls") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string(), rpcNextStep(-32000, "other", url, false));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RolloutTest);
