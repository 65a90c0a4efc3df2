// local_node.h — maelstrom core: this node's identity and its NodeStatus: memory from
// /proc/meminfo capped by total_memory, CPUs, load averages, the peer URL, and the running components the
// container lifecycle reports.
// Threads: status() may be called from any thread; setRunningComponentsSource() once, before serving.
#pragma once

#include <maelstrom/sdk/model.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace maelstrom::core {

class LocalNode {
public:
    /// `nodeId` comes from the container runtime when there is one (Docker daemon ID), else from the host.
    LocalNode(std::string nodeId, std::int64_t privatePort, std::int64_t totalMemoryCapMiB);

    const std::string& nodeId() const { return nodeId_; }
    const std::string& peerUrl() const { return peerUrl_; }
    /// A freshly computed status (observedAt = now).
    sdk::NodeStatus status() const;
    /// Where status() reads the running components from (the lifecycle manager); unset = none.
    void setRunningComponentsSource(std::function<std::vector<sdk::ComponentInfo>()> source) {
        runningComponents_ = std::move(source);
    }

    /// A stable id for this host when no runtime provides one: /etc/machine-id, else the hostname.
    static std::string hostNodeId();

private:
    std::string nodeId_;
    std::string peerUrl_;
    std::int64_t totalMemoryCapMiB_;
    std::int64_t startedAt_;
    std::atomic<std::int64_t> version_;
    std::function<std::vector<sdk::ComponentInfo>()> runningComponents_;
};

} // namespace maelstrom::core
