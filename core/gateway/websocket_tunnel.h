// websocket_tunnel.h — protocol upgrades (WebSocket) through the gateway: the upgrade
// request goes to the instance over a fresh TCP connection with its Upgrade/Connection headers kept; the
// instance's answer is relayed as is, and after a 101 the two connections are joined byte for byte until
// either side closes (or the request's deadline passes).
// SPDX-License-Identifier: Apache-2.0
//
// The client connection leaves Poco's HTTP server for good (detached): a tunnel is never reused for HTTP.
// The instance's slot stays leased for the tunnel's life. Nothing here throws. Thread-safety: reentrant; the
// calling server thread pumps both directions.
#pragma once

#include "gateway/reverse_proxy.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstdint>
#include <string>

namespace maelstrom::core {

/// True for a request asking to switch protocols: an Upgrade header and "upgrade" among the Connection tokens.
bool isUpgradeRequest(const Poco::Net::HTTPServerRequest& request);

ProxyOutcome tunnelUpgrade(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                           const std::string& host, std::uint16_t port, const ProxyTarget& target);

} // namespace maelstrom::core
