// server_context.cpp — OpenSSL settings and the SNI/ALPN callbacks.
// SPDX-License-Identifier: Apache-2.0
#include "tls/server_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace maelstrom::core::tls {

namespace {

/// Chooses the connection's certificate from the SNI name (called for every ClientHello, with or without SNI).
int onServerName(SSL* ssl, int* alert, void* arg) {
    auto& store = *static_cast<CertificateStore*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    const auto chosen = store.select(name ? std::string_view(name) : std::string_view());
    if (!chosen) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (SSL_use_cert_and_key(ssl, chosen->leaf, chosen->key, chosen->chain, 1) != 1) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

int onAlpn(SSL*, const unsigned char** out, unsigned char* outLength, const unsigned char* in, unsigned int inLength,
           void*) {
    static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outLength, kHttp11, sizeof(kHttp11), in, inLength) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL; // no_application_protocol: the client speaks only what we do not
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

void check(int result, const char* what) {
    if (result != 1) {
        ERR_clear_error();
        throw TlsError(std::string("OpenSSL refused ") + what);
    }
}

} // namespace

ServerContext::ServerContext(std::shared_ptr<CertificateStore> store, std::shared_ptr<TlsMetrics> metrics)
    : context_(net::ssl::context::tls_server), store_(std::move(store)), metrics_(std::move(metrics)) {
    SSL_CTX* ctx = context_.native_handle();
    check(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION), "the minimum version TLS 1.2");
    check(SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION), "the maximum version TLS 1.3");
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    check(SSL_CTX_set_cipher_list(ctx, kTls12Ciphers), "the TLS 1.2 cipher list");
    check(SSL_CTX_set_ciphersuites(ctx, kTls13Ciphers), "the TLS 1.3 cipher suites");
    check(static_cast<int>(SSL_CTX_set1_groups_list(ctx, kGroups)), "the key exchange groups");
    // DHE ciphers use the well-known FFDHE group that matches the certificate's strength (2048 bits and up).
    check(static_cast<int>(SSL_CTX_set_dh_auto(ctx, 1)), "automatic DH parameters");
    // Resumption: a session cache for session ids (TLS 1.2) and stateless tickets (both versions). The id context
    // is the same for every hostname since one context serves them all.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, 20'480);
    SSL_CTX_set_timeout(ctx, 86'400);
    static const unsigned char kSessionContext[] = "maelstrom-https";
    check(SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1), "the session id context");
    // Idle keep-alive connections give their read and write buffers back (~34 KiB each).
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_tlsext_servername_callback(ctx, onServerName);
    SSL_CTX_set_tlsext_servername_arg(ctx, store_.get());
    SSL_CTX_set_alpn_select_cb(ctx, onAlpn, nullptr);
}

TlsFailure ServerContext::classify(const boost::system::error_code& ec) noexcept {
    if (ec == net::beast::error::timeout) {
        return TlsFailure::Timeout;
    }
    if (ec.category() != boost::asio::error::get_ssl_category()) {
        return TlsFailure::Other;
    }
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        return TlsFailure::Version;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
    case SSL_R_NO_CIPHERS_AVAILABLE:
        return TlsFailure::Cipher;
    case SSL_R_CALLBACK_FAILED: // the SNI callback refused the name (the only callback that fails that way)
        return TlsFailure::UnknownName;
    default:
        return TlsFailure::Other;
    }
}

} // namespace maelstrom::core::tls
