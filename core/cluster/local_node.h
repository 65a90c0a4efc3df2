// local_node.h — maelstrom core: this node's identity and its NodeStatus (reference-runtime §6.2): memory from
// /proc/meminfo capped by total_memory, CPUs, load averages, the peer URL. Running components are reported by
// the lifecycle layer once it exists; until then the list is empty.
// Threads: status() may be called from any thread.
#pragma once

#include <maelstrom/sdk/model.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace maelstrom::core {

class LocalNode {
public:
    /// `nodeId` comes from the container runtime when there is one (Docker daemon ID), else from the host.
    LocalNode(std::string nodeId, std::int64_t privatePort, std::int64_t totalMemoryCapMiB);

    const std::string& nodeId() const { return nodeId_; }
    const std::string& peerUrl() const { return peerUrl_; }
    /// A freshly computed status (observedAt = now).
    sdk::NodeStatus status() const;

    /// A stable id for this host when no runtime provides one: /etc/machine-id, else the hostname.
    static std::string hostNodeId();

private:
    std::string nodeId_;
    std::string peerUrl_;
    std::int64_t totalMemoryCapMiB_;
    std::int64_t startedAt_;
    std::atomic<std::int64_t> version_;
};

} // namespace maelstrom::core
