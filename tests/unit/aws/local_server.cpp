// local_server.cpp — aws tests: the recording HTTP server of local_server.h on Poco's HTTPServer.
// SPDX-License-Identifier: Apache-2.0
#include "local_server.h"

#include "aws/sigv4.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <cctype>

namespace maelstrom::testing::aws {

struct LocalServer::State {
    mutable std::mutex mutex;
    std::condition_variable released;
    bool stopping = false;
    Handler handler;
    std::vector<RecordedRequest> requests;
};

namespace {

bool equalsIgnoreCase(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

class RecordingHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit RecordingHandler(std::shared_ptr<LocalServer::State> state) : state_(std::move(state)) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        RecordedRequest recorded;
        recorded.method = request.getMethod();
        recorded.uri = request.getURI();
        for (const auto& [name, value] : request) {
            recorded.headers.emplace_back(name, value);
        }
        Poco::StreamCopier::copyToString(request.stream(), recorded.body);
        LocalServer::Handler handler;
        {
            std::lock_guard lock(state_->mutex);
            state_->requests.push_back(recorded);
            handler = state_->handler;
        }
        const auto canned = handler(recorded);
        if (canned.hang) {
            std::unique_lock lock(state_->mutex);
            state_->released.wait_for(lock, std::chrono::seconds(60), [&] { return state_->stopping; });
            return;
        }
        response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(canned.status));
        for (const auto& [name, value] : canned.headers) {
            response.set(name, value);
        }
        response.setContentLength(static_cast<std::streamsize>(canned.body.size()));
        response.send() << canned.body;
    }

private:
    std::shared_ptr<LocalServer::State> state_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(std::shared_ptr<LocalServer::State> state) : state_(std::move(state)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new RecordingHandler(state_);
    }

private:
    std::shared_ptr<LocalServer::State> state_;
};

} // namespace

std::optional<std::string> RecordedRequest::header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
        if (equalsIgnoreCase(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

std::string RecordedRequest::formValue(const std::string& name) const {
    std::size_t start = 0;
    while (start <= body.size()) {
        auto end = body.find('&', start);
        if (end == std::string::npos) {
            end = body.size();
        }
        const auto part = body.substr(start, end - start);
        const auto eq = part.find('=');
        if (maelstrom::aws::percentDecode(part.substr(0, eq)) == name) {
            return eq == std::string::npos ? "" : maelstrom::aws::percentDecode(part.substr(eq + 1));
        }
        start = end + 1;
    }
    return "";
}

struct LocalServer::Impl {
    Poco::ThreadPool pool{2, 16};
    Poco::Net::ServerSocket socket;
    bool tls = false;
    std::unique_ptr<Poco::Net::HTTPServer> server;
};

LocalServer::LocalServer(Handler handler, std::optional<TlsFiles> tls)
    : state_(std::make_shared<State>()), impl_(std::make_unique<Impl>()) {
    state_->handler = std::move(handler);
    const Poco::Net::SocketAddress loopback("127.0.0.1", 0);
    if (tls) {
        Poco::Net::initializeSSL();
        Poco::Net::Context::Ptr context(new Poco::Net::Context(Poco::Net::Context::SERVER_USE, tls->privateKey,
                                                               tls->certificate, "", Poco::Net::Context::VERIFY_NONE));
        impl_->socket = Poco::Net::SecureServerSocket(loopback, 64, context);
        impl_->tls = true;
    } else {
        impl_->socket = Poco::Net::ServerSocket(loopback);
    }
    auto* params = new Poco::Net::HTTPServerParams;
    params->setKeepAlive(false);
    params->setMaxThreads(16);
    impl_->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), impl_->pool, impl_->socket, params);
    impl_->server->start();
}

LocalServer::~LocalServer() {
    {
        std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->released.notify_all();
    impl_->server->stopAll(true);
    impl_->pool.joinAll();
}

std::uint16_t LocalServer::port() const { return impl_->socket.address().port(); }

std::string LocalServer::url() const {
    return (impl_->tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port());
}

void LocalServer::setHandler(Handler handler) {
    std::lock_guard lock(state_->mutex);
    state_->handler = std::move(handler);
}

std::vector<RecordedRequest> LocalServer::requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->requests;
}

std::size_t LocalServer::requestCount() const {
    std::lock_guard lock(state_->mutex);
    return state_->requests.size();
}

LocalServer::Handler always(CannedResponse response) {
    return [response](const RecordedRequest&) { return response; };
}

} // namespace maelstrom::testing::aws
