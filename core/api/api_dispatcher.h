// api_dispatcher.h — maelstrom core: the RpcDispatcher the transport plugin calls. It owns the method table of
// MaelstromService and NodeService: decodes each method's input struct with the reference's type rules
// (the original's rules: required present, no coercion, ints integral, enums valid; null = absent), calls
// the service, and encodes the output struct with every required field and [] for empty lists.
// Thread-safe (stateless besides the services it calls).
#pragma once

#include "api/maelstrom_service.h"
#include "cluster/node_service.h"
#include "cluster/placement.h"
#include "tls/certificate_listing.h"

#include <maelstrom/sdk/rpc_transport.h>

#include <functional>
#include <map>
#include <string>

namespace maelstrom::core {

class ApiDispatcher : public sdk::RpcDispatcher {
public:
    /// `placement` may be null (PlaceComponent then fails: this node cannot place).
    ApiDispatcher(MaelstromService& service, DataChanges& changes, NodeService& nodes, Placement* placement);

    /// @throws sdk::RpcError (-32601 unknown method, -32602 bad input, service codes)
    std::string call(const std::string& method, const std::string& inputJson) override;

    /// What NodeService.ListCertificates answers (`maelctl cert ls`); set before the private port starts. Unset:
    /// an empty list.
    using CertificateLister = std::function<std::vector<tls::CertificateStatus>()>;
    void setCertificateLister(CertificateLister lister) { certificateLister_ = std::move(lister); }

private:
    using Handler = std::function<std::string(const std::string& inputJson)>;
    // The method table, by the part of the API each group serves (the handlers hold the references they are
    // given: the service, changes and node outlive the dispatcher).
    void addProjectMethods(MaelstromService& service);
    void addComponentMethods(MaelstromService& service);
    void addEventSourceMethods(MaelstromService& service);
    void addNodeMethods(MaelstromService& service, DataChanges& changes, NodeService& nodes);
    void addPlacementMethods(NodeService& nodes, Placement* placement);
    void addCertificateMethods(NodeService& nodes);
    std::map<std::string, Handler> methods_;
    CertificateLister certificateLister_;
};

} // namespace maelstrom::core
