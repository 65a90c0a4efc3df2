// websocket_tunnel.h — after a protocol switch (101, WebSocket) the client connection and the upstream
// connection are joined byte for byte until either side closes or the request's deadline passes.
// SPDX-License-Identifier: Apache-2.0
//
// Bytes either side sent after the handshake heads (already buffered) go first. Each direction copies one piece
// at a time (read, then write it whole), so neither side can make the proxy buffer more than one piece. The
// connections are never reused for HTTP afterwards. Runs on the client connection's loop; nothing here throws.
#pragma once

#include "net/asio.h"
#include "routing/activity.h"

namespace maelstrom::core {

net::Task<void> joinConnections(net::beast::tcp_stream& client, net::beast::flat_buffer& clientBuffered,
                                net::beast::tcp_stream& upstream, net::beast::flat_buffer& upstreamBuffered,
                                SteadyTime deadline);

} // namespace maelstrom::core
