// gateway_bench_server.cpp — maelstrom's data plane for the gateway benchmark (gateway-bench.sh): the real core
// pieces wired as core/daemon/maelstromd.cpp wires them (HttpResolver, ComponentCache, RouterRegistry with the
// round-robin balancer and the node's router defaults, GatewayMetrics, Gateway, PublicServer with the
// NodeSettings defaults), with the rules installed from a
// list instead of a database and one upstream registered as the benchmarked component's instance (what the
// container lifecycle will do in the daemon).
//
//   gateway-bench-server --upstream http://127.0.0.1:PORT [--rules N] [--host bench.test] [--port 0]
//                        [--tls-cert chain.pem --tls-key key.pem [--https-port 0]]
//       serves until SIGINT/SIGTERM; prints "port <n>" on stdout once listening (and "https-port <n>" with TLS:
//       the pair loaded as maelstromd loads tls_cert_file/tls_key_file, the HTTPS listener of PublicServer, which
//       the TLS benchmark measures; the plain port then redirects as maelstromd's does).
//   gateway-bench-server --free-port     prints a free 127.0.0.1 port and exits (for the script).
//
// With --rules N (default 1) there are N HTTP event sources, each on its own hostname and component; the
// benchmarked host (--host) is one of them, in the middle of the list. Only its component has an instance,
// with a capacity of 0 (softconcurrencylimit: no cap), so the router never queues the 64 connections.
#include "config/node_settings.h"
#include "gateway/component_cache.h"
#include "gateway/gateway.h"
#include "gateway/public_server.h"
#include "metrics/gateway_metrics.h"
#include "model_builders.h"
#include "round_robin.h"
#include "routing/resolver.h"
#include "routing/router.h"
#include "routing/router_registry.h"
#include "tls/certificate_files.h"
#include "tls/certificate_store.h"

#include <Poco/Net/ServerSocket.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace maelstrom;
using namespace maelstrom::core;

namespace {

int usage() {
    std::cerr << "usage: gateway-bench-server --upstream http://127.0.0.1:PORT [--rules N] [--host NAME] [--port P]\n"
                 "                            [--tls-cert CHAIN.pem --tls-key KEY.pem [--https-port P]]\n"
                 "       gateway-bench-server --free-port\n";
    return 2;
}

/// A routable component whose instance takes any number of requests at once (softconcurrencylimit).
sdk::Component benchComponent(const std::string& name) {
    sdk::Component c = testing::testComponent(name);
    c.softConcurrencyLimit = true;
    c.maxDurationSeconds = 300;
    return c;
}

} // namespace

int main(int argc, char** argv) {
    std::string upstream;
    std::string benchHost = "bench.test";
    long rules = 1;
    long port = 0;
    long httpsPort = 0;
    std::string tlsCert;
    std::string tlsKey;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--free-port") {
            Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
            std::printf("%u\n", static_cast<unsigned>(socket.address().port()));
            return 0;
        } else if (arg == "--upstream" && hasValue) {
            upstream = argv[++i];
        } else if (arg == "--rules" && hasValue) {
            rules = std::strtol(argv[++i], nullptr, 10);
        } else if (arg == "--host" && hasValue) {
            benchHost = argv[++i];
        } else if (arg == "--port" && hasValue) {
            port = std::strtol(argv[++i], nullptr, 10);
        } else if (arg == "--https-port" && hasValue) {
            httpsPort = std::strtol(argv[++i], nullptr, 10);
        } else if (arg == "--tls-cert" && hasValue) {
            tlsCert = argv[++i];
        } else if (arg == "--tls-key" && hasValue) {
            tlsKey = argv[++i];
        } else {
            return usage();
        }
    }
    if (upstream.empty() || rules < 1 || tlsCert.empty() != tlsKey.empty()) {
        return usage();
    }

    // As maelstromd: termination signals blocked in every thread, received by sigwait on the main thread.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    // Rules: N event sources on N hostnames (N components); the benchmarked one in the middle.
    const long benchIndex = rules / 2;
    std::vector<sdk::EventSource> sources;
    std::vector<sdk::Component> components;
    sources.reserve(static_cast<std::size_t>(rules));
    components.reserve(static_cast<std::size_t>(rules));
    for (long i = 0; i < rules; ++i) {
        const std::string n = std::to_string(i);
        sdk::EventSource es;
        es.componentName = i == benchIndex ? std::string("bench") : std::string("c").append(n);
        es.name = std::string("es-").append(es.componentName);
        std::string host = i == benchIndex ? benchHost : std::string("h").append(n).append(".example");
        es.http = sdk::HttpEventSource{host, "", false};
        components.push_back(benchComponent(es.componentName));
        sources.push_back(std::move(es));
    }

    NodeSettings settings; // the daemon's defaults (event loops: one per core, timeouts)
    settings.publicPort = port;
    settings.publicHttpsPort = httpsPort;
    if (const char* loops = std::getenv("MAEL_HTTP_EVENT_LOOPS")) {
        settings.httpEventLoops = std::atoi(loops);
    }

    HttpResolver resolver;
    ComponentCache cache;
    RouterRegistry routers(std::make_shared<plugins::round_robin::RoundRobinBalancer>(), {});
    Gateway gateway(resolver, cache, routers);
    resolver.replace(sources);
    cache.replace(components);
    routers.byComponent("bench")->addInstance(
        makeInstanceSpec("bench-1", upstream, instanceCapacity(1, /*softConcurrencyLimit=*/true)));

    PublicServer server(settings, gateway, "127.0.0.1");
    try {
        if (!tlsCert.empty()) {
            auto certificates = std::make_shared<tls::CertificateStore>();
            tls::loadCertificateFiles(*certificates, tlsCert, tlsKey);
            server.enableTls(certificates, std::make_shared<TlsMetrics>());
        }
        server.start();
    } catch (const std::exception& e) {
        std::cerr << "gateway-bench-server: " << e.what() << "\n";
        return 1;
    }
    std::printf("port %d https-port %d rules %zu event-loops %lld\n", server.port(), server.httpsPort(),
                resolver.table()->size(), static_cast<long long>(settings.httpEventLoops));
    std::fflush(stdout);

    int received = 0;
    sigwait(&signals, &received);
    server.stop();
    return 0;
}
