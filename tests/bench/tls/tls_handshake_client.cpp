// tls_handshake_client.cpp — the handshake load of the TLS benchmark (tls-bench.sh): THREADS threads, each
// opening one connection after the other for DURATION seconds; on each connection a TLS handshake with SNI, one
// `GET /` with `Connection: close`, the response read to its end, then the socket closed. Full handshakes unless
// --resume: then every connection offers the session (TLS 1.3 ticket or TLS 1.2 session) of that thread's
// previous connection, and the line reports how many the server actually resumed.
//
// wrk is not used for this: it keeps the session of a connection's previous handshake (client session cache,
// SSL_clear), so its `Connection: close` runs are mostly resumptions, and `openssl s_time` sends no SNI and no
// Host header (the gateway routes by Host). The client does not verify the certificate (tls-bench.sh checks
// both servers' certificates once with curl) so that its own work stays small next to the server's.
//
//   tls-handshake-client --connect 127.0.0.1:PORT --host bench.test [--threads 8] [--seconds 5] [--resume]
//                        [--tls1.2] [--no-request]
//
// Prints one line: RESULT <connections/s> <p50 µs> <p99 µs> <errors> <connections> <resumed>, latency being
// connect to close of one connection.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string address = "127.0.0.1";
    int port = 0;
    std::string host = "bench.test";
    int threads = 8;
    double seconds = 5;
    bool resume = false;
    bool tls12 = false;
    bool request = true;
};

struct ThreadResult {
    std::vector<double> latenciesUs;
    long errors = 0;
    long resumed = 0;
};

int connectTcp(const Options& options) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(options.port));
    ::inet_pton(AF_INET, options.address.c_str(), &address.sin_addr);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// One connection: handshake, request, response to EOF. Returns false on any failure. `session` is offered
/// and replaced by this connection's (resumable) session when resuming.
bool oneConnection(SSL_CTX* context, const Options& options, SSL_SESSION*& session, bool& resumed) {
    const int fd = connectTcp(options);
    if (fd < 0) {
        return false;
    }
    SSL* ssl = SSL_new(context);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, options.host.c_str());
    if (options.resume && session != nullptr) {
        SSL_set_session(ssl, session);
    }
    bool ok = SSL_connect(ssl) == 1;
    if (ok && options.request) {
        const std::string request = "GET / HTTP/1.1\r\nHost: " + options.host + "\r\nConnection: close\r\n\r\n";
        ok = SSL_write(ssl, request.data(), static_cast<int>(request.size())) == static_cast<int>(request.size());
        std::string response;
        char buffer[4096];
        while (ok) {
            const int n = SSL_read(ssl, buffer, sizeof buffer);
            if (n > 0) {
                response.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            const int error = SSL_get_error(ssl, n);
            // The server's close_notify, or its close without one (SSL_OP_IGNORE_UNEXPECTED_EOF), after the response.
            ok = error == SSL_ERROR_ZERO_RETURN;
            break;
        }
        ok = ok && response.rfind("HTTP/1.1 200", 0) == 0;
    } else if (ok) {
        // Handshake only: with TLS 1.3 the server's session ticket arrives after the handshake; a short read
        // takes it in (and the server's close) so that --resume has a session to offer.
        SSL_shutdown(ssl);
        char buffer[256];
        while (SSL_read(ssl, buffer, sizeof buffer) > 0) {
        }
    }
    if (ok) {
        // Closed as the server closed: without this, SSL_free would count the session as broken off and make
        // it not resumable. (No close_notify of our own: the server has already gone.)
        SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        resumed = SSL_session_reused(ssl) == 1;
        if (options.resume) {
            if (SSL_SESSION* next = SSL_get1_session(ssl); next != nullptr) {
                if (session != nullptr) {
                    SSL_SESSION_free(session);
                }
                session = next;
            }
        }
    }
    SSL_free(ssl);
    ::close(fd);
    ERR_clear_error();
    return ok;
}

void run(SSL_CTX* context, const Options& options, Clock::time_point end, ThreadResult& result) {
    SSL_SESSION* session = nullptr;
    while (Clock::now() < end) {
        const auto start = Clock::now();
        bool resumed = false;
        if (oneConnection(context, options, session, resumed)) {
            result.latenciesUs.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
            result.resumed += resumed ? 1 : 0;
        } else {
            ++result.errors;
            if (session != nullptr) { // start over with a full handshake
                SSL_SESSION_free(session);
                session = nullptr;
            }
        }
    }
    if (session != nullptr) {
        SSL_SESSION_free(session);
    }
}

int usage() {
    std::cerr << "usage: tls-handshake-client --connect 127.0.0.1:PORT [--host NAME] [--threads N] [--seconds S]"
                 " [--resume] [--tls1.2] [--no-request]\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--connect" && hasValue) {
            const std::string value = argv[++i];
            const auto colon = value.rfind(':');
            if (colon == std::string::npos) {
                return usage();
            }
            options.address = value.substr(0, colon);
            options.port = std::atoi(value.c_str() + colon + 1);
        } else if (arg == "--host" && hasValue) {
            options.host = argv[++i];
        } else if (arg == "--threads" && hasValue) {
            options.threads = std::atoi(argv[++i]);
        } else if (arg == "--seconds" && hasValue) {
            options.seconds = std::atof(argv[++i]);
        } else if (arg == "--resume") {
            options.resume = true;
        } else if (arg == "--tls1.2") {
            options.tls12 = true;
        } else if (arg == "--no-request") {
            options.request = false;
        } else {
            return usage();
        }
    }
    if (options.port <= 0 || options.threads < 1 || options.seconds <= 0) {
        return usage();
    }

    SSL_CTX* context = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    if (options.tls12) {
        SSL_CTX_set_max_proto_version(context, TLS1_2_VERSION);
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF);
    // Sessions are kept by hand (per thread, only with --resume): no client cache behind our back.
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);

    const auto started = Clock::now();
    const auto end =
        started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
    std::vector<ThreadResult> results(static_cast<std::size_t>(options.threads));
    std::vector<std::thread> threads;
    for (auto& result : results) {
        threads.emplace_back([&, end] { run(context, options, end, result); });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();

    std::vector<double> latencies;
    long errors = 0;
    long resumed = 0;
    for (const auto& result : results) {
        latencies.insert(latencies.end(), result.latenciesUs.begin(), result.latenciesUs.end());
        errors += result.errors;
        resumed += result.resumed;
    }
    std::sort(latencies.begin(), latencies.end());
    const auto percentile = [&](double p) {
        if (latencies.empty()) {
            return 0.0;
        }
        const auto index = static_cast<std::size_t>(p * static_cast<double>(latencies.size() - 1) + 0.5);
        return latencies[index];
    };
    std::printf("RESULT %.1f %.1f %.1f %ld %zu %ld\n", static_cast<double>(latencies.size()) / elapsed,
                percentile(0.50), percentile(0.99), errors, latencies.size(), resumed);
    SSL_CTX_free(context);
    return 0;
}
