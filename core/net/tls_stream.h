// tls_stream.h — Boost.Asio's SSL stream over the data plane's TCP stream (the HTTPS listener's connections).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "net/asio.h"

#include <boost/asio/ssl.hpp>

namespace maelstrom::core::net {

namespace ssl = boost::asio::ssl;
/// TLS over a beast::tcp_stream: the TCP stream's deadlines (expires_after) bound the TLS reads and writes too.
using TlsStream = ssl::stream<beast::tcp_stream>;

} // namespace maelstrom::core::net
