// openssl_error.h — OpenSSL's error queue as one line for the messages of core/tls.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace maelstrom::core::tls {

/// The oldest error on this thread's OpenSSL error queue as text — its reason ("key values mismatch") when OpenSSL
/// names one, else the whole code string — or `fallback` when the queue is empty. The queue is emptied, so a later
/// call does not report an error of this one.
std::string opensslError(const char* fallback);

} // namespace maelstrom::core::tls
