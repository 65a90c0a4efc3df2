// websocket_tunnel.h — after a protocol switch (101, WebSocket) the client connection and the upstream
// connection are joined byte for byte until either side closes or the request's deadline passes.
// SPDX-License-Identifier: Apache-2.0
//
// Bytes either side sent after the handshake heads (already buffered) go first. Each direction copies one piece
// at a time (read, then write it whole), so neither side can make the proxy buffer more than one piece. The
// connections are never reused for HTTP afterwards. Runs on the client connection's loop; nothing here throws.
// Over HTTPS (`clientTls`) the client's bytes go through its TLS stream; that direction holds its piece buffer for
// the tunnel's life (decrypted bytes may wait inside the TLS stream, so waiting for the socket to be readable
// first would not do).
#pragma once

#include "net/asio.h"
#include "net/tls_stream.h"
#include "routing/activity.h"

namespace maelstrom::core {

net::Task<void> joinConnections(net::beast::tcp_stream& client, net::beast::flat_buffer& clientBuffered,
                                net::beast::tcp_stream& upstream, net::beast::flat_buffer& upstreamBuffered,
                                SteadyTime deadline, net::TlsStream* clientTls = nullptr);

} // namespace maelstrom::core
