// rollout.cpp — see rollout.h.
#include "rollout.h"

#include <algorithm>

namespace maelstrom::cli {
namespace {

std::string plural(std::int64_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

} // namespace

RolloutProgress evaluateRollout(const RolloutTarget& target, const std::vector<RolloutInstance>& instances,
                                const std::vector<RolloutStart>& starts) {
    RolloutProgress p;
    p.required = target.minInstances > 0 || target.hadInstances ? std::max<std::int64_t>(target.minInstances, 1) : 0;
    for (const auto& i : instances) {
        if (i.componentName != target.name) {
            continue;
        }
        if (i.version < target.version) {
            ++p.old;
        } else if (i.status == "active" && !i.paused) {
            ++p.active;
        } else if (i.status == "starting") {
            ++p.starting;
        }
    }
    bool pulling = false;
    bool startingHere = false;
    for (const auto& s : starts) {
        if (s.componentName != target.name) {
            continue;
        }
        if (s.failedVersion >= target.version && !s.failure.empty()) {
            p.phase = RolloutPhase::Failed;
            p.detail = s.failure;
            p.nodeId = s.nodeId;
            return p;
        }
        if (s.phaseVersion >= target.version && s.phase == "pulling") {
            pulling = true;
            p.detail = s.pullStatus;
            p.nodeId = s.nodeId;
        } else if (s.phaseVersion >= target.version && s.phase == "starting") {
            startingHere = true;
        }
    }
    if (p.active >= p.required && p.old == 0) {
        p.phase = p.required == 0 && p.active == 0 ? RolloutPhase::NothingToRun : RolloutPhase::Done;
    } else if (p.active >= p.required && p.required > 0) {
        p.phase = RolloutPhase::Draining;
    } else if (pulling) {
        p.phase = RolloutPhase::Pulling;
    } else if (p.starting > 0 || startingHere) {
        p.phase = RolloutPhase::Starting;
    } else if (p.required == 0) {
        p.phase = RolloutPhase::Draining; // nothing to start; the old instances are going
    } else {
        p.phase = RolloutPhase::Waiting;
    }
    if (p.phase != RolloutPhase::Pulling) {
        p.detail.clear();
        p.nodeId.clear();
    }
    return p;
}

bool rolloutFinished(RolloutPhase phase) {
    return phase == RolloutPhase::Done || phase == RolloutPhase::NothingToRun || phase == RolloutPhase::Failed;
}

std::string rolloutText(const RolloutTarget& target, const RolloutProgress& p, bool withDetail) {
    const std::string version = "v" + std::to_string(target.version);
    const std::string healthy = std::to_string(p.active) + "/" + std::to_string(p.required) + " healthy";
    switch (p.phase) {
    case RolloutPhase::Waiting:
        return "waiting for an instance to be placed (" + healthy + ")" +
               (p.old > 0 ? ", " + plural(p.old, "old instance") + " left" : "");
    case RolloutPhase::Pulling:
        return "pulling " + target.image + (withDetail && !p.detail.empty() ? " (" + p.detail + ")" : "");
    case RolloutPhase::Starting:
        return "starting (" + healthy + ")";
    case RolloutPhase::Draining:
        return (p.required > 0 ? "healthy (" + std::to_string(p.active) + "/" + std::to_string(p.required) + " on " +
                                     version + "), "
                               : std::string()) +
               "draining " + plural(p.old, "old instance");
    case RolloutPhase::Done:
        return "healthy: " + plural(p.active, "instance") + " of " + version +
               (target.sawOld ? ", old version drained" : "");
    case RolloutPhase::NothingToRun:
        return "no instances required (mininstances 0 and none was running; it starts on its first request)";
    case RolloutPhase::Failed:
        return "FAILED" + (p.nodeId.empty() ? std::string() : " on node " + p.nodeId) + ": " + p.detail;
    }
    return "";
}

std::string rolloutKey(const RolloutTarget& target, const RolloutProgress& p) { return rolloutText(target, p, false); }

std::string rolloutNextStep(const RolloutTarget& target, const RolloutProgress& p) {
    const std::string logs = "maelctl logs --components=" + target.name;
    const std::string& why = p.detail;
    if (contains(why, "pull") || contains(why, "image") || contains(why, "manifest") || contains(why, "repository")) {
        return "check the image name '" + target.image +
               "' (can the node pull it? docker pull it there; a private registry needs pullusername/pullpassword)";
    }
    if (contains(why, "exited")) {
        return "see why the container exited: " + logs;
    }
    if (contains(why, "health check")) {
        return "check the component's httpport and httphealthcheckpath (httpstarthealthcheckseconds gives it longer); "
               "what it printed: " +
               logs;
    }
    if (contains(why, "memory")) {
        return "lower reservememory of " + target.name + " or give the node more memory (MAEL_TOTAL_MEMORY)";
    }
    return "see " + logs + " and maelctl cluster ps";
}

std::string rolloutLine(const TerminalStyle& style, const RolloutTarget& target, const RolloutProgress& p,
                        unsigned tick, std::size_t width) {
    static const char* const kSpinner[] = {"|", "/", "-", "\\"};
    Colour colour = Colour::Yellow;
    std::string mark;
    if (p.phase == RolloutPhase::Failed) {
        colour = Colour::Red;
        mark = "x ";
    } else if (rolloutFinished(p.phase)) {
        colour = Colour::Green;
        mark = "+ ";
    } else {
        mark = std::string(kSpinner[tick % 4]) + " ";
    }
    const std::string head = target.name + " v" + std::to_string(target.version) + ": ";
    if (!style.live) {
        return head + rolloutText(target, p, false);
    }
    std::string text = rolloutText(target, p, true);
    if (width > 0) {
        // A redrawn line must not wrap, or moving up over the last frame would miss it.
        const std::size_t room = width > mark.size() + head.size() + 1 ? width - mark.size() - head.size() - 1 : 0;
        if (text.size() > room) {
            text = text.substr(0, room);
        }
    }
    return paint(style, colour, mark) + paint(style, Colour::Bold, head) + paint(style, colour, text);
}

std::string liveFrame(const TerminalStyle& style, const std::vector<RolloutTarget>& targets,
                      const std::vector<RolloutProgress>& progress, unsigned tick, std::size_t previousLines,
                      std::size_t width) {
    std::string out;
    if (previousLines > 0) {
        out += "\x1b[" + std::to_string(previousLines) + "A";
    }
    for (std::size_t i = 0; i < targets.size() && i < progress.size(); ++i) {
        out += "\r\x1b[K" + rolloutLine(style, targets[i], progress[i], tick, width) + "\n";
    }
    return out;
}

} // namespace maelstrom::cli
