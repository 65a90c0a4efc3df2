// next_steps.h — maelctl: the line printed after an error that says what to do about it (no daemon at the URL,
// a missing or wrong token, a daemon that does not know a method, bad input). Pure; unit-tested.
#pragma once

#include <string>

namespace maelstrom::cli {

/// The JSON-RPC client's code for a transport failure (no connection, HTTP error, undecodable answer).
inline constexpr int kTransportErrorCode = -32603;

/// What to do after an RPC error with `code` and `message` from the daemon at `url` (MAELSTROM_PRIVATE_URL);
/// `tokenSet` says whether MAELSTROM_PRIVATE_TOKEN was sent. "" when there is nothing useful to say.
std::string rpcNextStep(int code, const std::string& message, const std::string& url, bool tokenSet);

} // namespace maelstrom::cli
