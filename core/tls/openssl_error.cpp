// openssl_error.cpp — see openssl_error.h.
// SPDX-License-Identifier: Apache-2.0
#include "tls/openssl_error.h"

#include <openssl/err.h>

#include <array>

namespace maelstrom::core::tls {

std::string opensslError(const char* fallback) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        return fallback;
    }
    if (const char* reason = ERR_reason_error_string(code)) {
        return reason;
    }
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    return text.data();
}

} // namespace maelstrom::core::tls
