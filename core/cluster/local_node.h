// local_node.h — maelstrom core: this node's identity and its NodeStatus: memory from
// /proc/meminfo capped by total_memory, CPUs, load averages, the peer URL, and the running components the
// container lifecycle reports.
// Threads: status() may be called from any thread; setRunningComponentsSource() once, before serving.
#pragma once

#include <maelstrom/sdk/model.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace maelstrom::core {

class LocalNode {
public:
    /// `peerUrl` empty: http://<first non-loopback IPv4 address>:<privatePort>.
    LocalNode(std::string nodeId, std::string peerUrl, std::int64_t privatePort, std::int64_t totalMemoryCapMiB);

    const std::string& nodeId() const { return nodeId_; }
    const std::string& peerUrl() const { return peerUrl_; }
    /// A freshly computed status (observedAt = now).
    sdk::NodeStatus status() const;
    /// Where status() reads the running components from (the lifecycle manager); unset = none.
    void setRunningComponentsSource(std::function<std::vector<sdk::ComponentInfo>()> source) {
        runningComponents_ = std::move(source);
    }
    /// Where status() reads the version from (the lifecycle's target version); unset = the start time.
    void setVersionSource(std::function<std::int64_t()> source) { version_ = std::move(source); }

    /// A stable id for this host when no runtime provides one: /etc/machine-id, else the hostname.
    static std::string hostNodeId();
    /// The default node id: the first 8 letters and digits of the runtime's (or host's) id, lowercased, a dash
    /// and the private port — distinct for several maelstromd sharing one Docker engine, and short enough to
    /// show whole in `maelctl cluster nodes`.
    static std::string defaultNodeId(const std::string& engineId, std::int64_t privatePort);

private:
    std::string nodeId_;
    std::string peerUrl_;
    std::int64_t totalMemoryCapMiB_;
    std::int64_t startedAt_;
    std::function<std::int64_t()> version_;
    std::function<std::vector<sdk::ComponentInfo>()> runningComponents_;
};

} // namespace maelstrom::core
