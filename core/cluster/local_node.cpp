// local_node.cpp — see local_node.h.
#include "cluster/local_node.h"

#include <arpa/inet.h>
#include <cctype>
#include <chrono>
#include <fstream>
#include <ifaddrs.h>
#include <net/if.h>
#include <sstream>
#include <thread>
#include <unistd.h>

#include <maelstrom/sdk/clock.h>

namespace maelstrom::core {
namespace {

// The first non-loopback IPv4 address of an interface that is up: what peers on the LAN reach us at.
// (The reference asks the routing table for 8.8.8.8; this never touches an outside address.)
std::string outboundAddress() {
    ifaddrs* list = nullptr;
    std::string found = "127.0.0.1";
    if (getifaddrs(&list) != 0) {
        return found;
    }
    for (ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
            (i->ifa_flags & IFF_LOOPBACK)) {
            continue;
        }
        const std::string name = i->ifa_name;
        if (name.rfind("docker", 0) == 0 || name.rfind("br-", 0) == 0 || name.rfind("veth", 0) == 0) {
            continue;
        }
        char text[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text);
        found = text;
        break;
    }
    freeifaddrs(list);
    return found;
}

// MemTotal and MemAvailable in MiB.
std::pair<std::int64_t, std::int64_t> memoryMiB() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::int64_t value = 0;
    std::string unit;
    std::int64_t total = 0;
    std::int64_t available = 0;
    while (in >> key >> value >> unit) {
        if (key == "MemTotal:") {
            total = value / 1024;
        } else if (key == "MemAvailable:") {
            available = value / 1024;
        }
    }
    return {total, available};
}

} // namespace

std::string LocalNode::hostNodeId() {
    std::ifstream in("/etc/machine-id");
    std::string id;
    if (in >> id && !id.empty()) {
        return id;
    }
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return host;
}

std::string LocalNode::defaultNodeId(const std::string& engineId, std::int64_t privatePort) {
    std::string id;
    for (const char c : engineId) {
        if (std::isalnum(static_cast<unsigned char>(c)) && id.size() < 8) {
            id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return (id.empty() ? std::string("node") : id) + "-" + std::to_string(privatePort);
}

LocalNode::LocalNode(std::string nodeId, std::string peerUrl, std::int64_t privatePort, std::int64_t totalMemoryCapMiB)
    : nodeId_(std::move(nodeId)),
      peerUrl_(peerUrl.empty() ? "http://" + outboundAddress() + ":" + std::to_string(privatePort)
                               : std::move(peerUrl)),
      totalMemoryCapMiB_(totalMemoryCapMiB), startedAt_(sdk::unixMillis()) {}

sdk::NodeStatus LocalNode::status() const {
    sdk::NodeStatus s;
    s.nodeId = nodeId_;
    s.startedAt = startedAt_;
    s.observedAt = sdk::unixMillis();
    s.version = version_ ? version_() : startedAt_;
    s.peerUrl = peerUrl_;
    auto [total, available] = memoryMiB();
    // MAEL_TOTAL_MEMORY caps what this node offers: both total and free shrink by the difference.
    if (totalMemoryCapMiB_ >= 0 && total > totalMemoryCapMiB_) {
        const std::int64_t cut = total - totalMemoryCapMiB_;
        total -= cut;
        available = std::max<std::int64_t>(0, available - cut);
    }
    s.totalMemoryMiB = total;
    s.freeMemoryMiB = available;
    s.numCPUs = std::thread::hardware_concurrency();
    std::ifstream load("/proc/loadavg");
    load >> s.loadAvg1m >> s.loadAvg5m >> s.loadAvg15m;
    if (runningComponents_) {
        s.runningComponents = runningComponents_();
    }
    return s;
}

} // namespace maelstrom::core
