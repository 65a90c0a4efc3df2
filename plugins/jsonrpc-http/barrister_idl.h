// barrister_idl.h — jsonrpc-http: the IDL document the special method `barrister-idl` returns, and the
// method names it declares ("MaelstromService.GetComponent", ...).
// SPDX-License-Identifier: Apache-2.0
//
// The document lives in barrister_idl_data.cpp, generated from the reference's idl/maelstrom.idl by
// tools/idl_to_json.py (structure only, comments empty; barrister 0.1.6 element keys and checksum). The
// method list lets the server answer -32601 before -32602 for an unknown method whose params are malformed,
// the order barrister checks them in. Thread-safety: immutable after first use (function-local statics).
#pragma once

#include <string>
#include <string_view>

namespace maelstrom::plugins::jsonrpc_http {

/// Compact JSON text of the IDL (an array of elements), valid UTF-8.
const std::string& barristerIdlJson();

/// True when `method` is "Interface.Function" of a function the IDL declares.
bool isIdlMethod(std::string_view method);

} // namespace maelstrom::plugins::jsonrpc_http
