// http_listener.cpp — the listener, its accepted sockets (write timeout, request-head deadline) and the handler
// wrappers that tell a socket which phase its request is in.
// SPDX-License-Identifier: Apache-2.0
#include "gateway/http_listener.h"

#include "config/config_error.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/ServerSocketImpl.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>

namespace maelstrom::core {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::microseconds toDuration(const Poco::Timespan& span) {
    return std::chrono::microseconds(span.totalMicroseconds());
}

/// An accepted connection: sends time out after writeTimeout without progress; receives of a request head must
/// all complete before the head's deadline. Phases change on the connection's own worker thread only.
class GuardedSocketImpl : public Poco::Net::StreamSocketImpl {
public:
    enum class Phase {
        FirstHead, ///< connection accepted, its first head not read yet (deadline from accept)
        AwaitHead, ///< a request was answered; the next head's deadline starts with its first byte
        Head,      ///< reading a head: every receive checked against headDeadline_
        Body       ///< head parsed: plain read timeout
    };

    GuardedSocketImpl(poco_socket_t fd, const ListenerLimits& limits)
        : StreamSocketImpl(fd), headerTimeout_(toDuration(limits.headerTimeout)),
          headDeadline_(Clock::now() + headerTimeout_) {
        setSendTimeout(limits.writeTimeout);
    }

    void enterBody() noexcept { phase_ = Phase::Body; }
    void awaitHead() noexcept { phase_ = Phase::AwaitHead; }

    using StreamSocketImpl::receiveBytes;
    int receiveBytes(void* buffer, int length, int flags) override {
        if (phase_ == Phase::Body || flags != 0) {
            return StreamSocketImpl::receiveBytes(buffer, length, flags);
        }
        if (phase_ != Phase::Head) {
            if (phase_ == Phase::AwaitHead) {
                headDeadline_ = Clock::now() + headerTimeout_;
            }
            phase_ = Phase::Head;
        }
        for (;;) {
            // Non-blocking first: a head that has arrived costs no extra system call.
            const ssize_t n = ::recv(sockfd(), buffer, static_cast<std::size_t>(length), MSG_DONTWAIT);
            if (n >= 0) {
                return static_cast<int>(n);
            }
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                error(errno); // throws the matching Poco exception
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(headDeadline_ - Clock::now());
            if (left.count() <= 0) {
                throw Poco::TimeoutException("request head not received within the header deadline");
            }
            pollfd p{sockfd(), POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count() + 1, 1 << 30)));
            if (ready < 0 && errno != EINTR) {
                error(errno);
            }
            // ready == 0: loop once more; the deadline check above throws.
        }
    }

    bool poll(const Poco::Timespan& timeout, int mode) override {
        // Poco waits up to the read timeout for a connection's first byte: bound that by the head deadline too,
        // so a connection that sends nothing is dropped as soon as one that dribbles.
        if (phase_ == Phase::FirstHead && mode == Poco::Net::Socket::SELECT_READ) {
            const auto left = std::chrono::duration_cast<std::chrono::microseconds>(headDeadline_ - Clock::now());
            const Poco::Timespan bounded(
                std::max<std::int64_t>(std::min<std::int64_t>(left.count(), timeout.totalMicroseconds()), 1000));
            phase_ = Phase::Head;
            return pollOnce(bounded, mode);
        }
        return pollOnce(timeout, mode);
    }

    // The addresses of an accepted connection never change; Poco asks for both on every request (getpeername +
    // getsockname), so they are read once.
    Poco::Net::SocketAddress peerAddress() override {
        if (!peer_) {
            peer_ = StreamSocketImpl::peerAddress();
        }
        return *peer_;
    }
    Poco::Net::SocketAddress address() override {
        if (!local_) {
            local_ = StreamSocketImpl::address();
        }
        return *local_;
    }

private:
    /// Poco 1.11's SocketImpl::poll creates, fills and closes an epoll set per call (four system calls before
    /// every keep-alive request); one poll() does the same.
    bool pollOnce(const Poco::Timespan& timeout, int mode) {
        short events = 0;
        if (mode & Poco::Net::Socket::SELECT_READ)
            events |= POLLIN;
        if (mode & Poco::Net::Socket::SELECT_WRITE)
            events |= POLLOUT;
        if (mode & Poco::Net::Socket::SELECT_ERROR)
            events |= POLLPRI;
        const auto until = Clock::now() + toDuration(timeout);
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
            pollfd p{sockfd(), events, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(left, 0, 1 << 30)));
            if (ready >= 0) {
                return ready > 0;
            }
            if (errno != EINTR) {
                error(errno);
            }
        }
    }

    const std::chrono::microseconds headerTimeout_;
    Phase phase_ = Phase::FirstHead;
    Clock::time_point headDeadline_;
    std::optional<Poco::Net::SocketAddress> peer_;  ///< cached peerAddress()
    std::optional<Poco::Net::SocketAddress> local_; ///< cached address()
};

class GuardedServerSocketImpl : public Poco::Net::ServerSocketImpl {
public:
    explicit GuardedServerSocketImpl(const ListenerLimits& limits) : limits_(limits) {}

    Poco::Net::SocketImpl* acceptConnection(Poco::Net::SocketAddress& clientAddr) override {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        int fd = -1;
        do {
            length = sizeof address;
            fd = ::accept4(sockfd(), reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            error(); // throws
        }
        clientAddr = Poco::Net::SocketAddress(reinterpret_cast<sockaddr*>(&address), length);
        return new GuardedSocketImpl(fd, limits_);
    }

private:
    const ListenerLimits limits_;
};

class GuardedServerSocket : public Poco::Net::ServerSocket {
public:
    explicit GuardedServerSocket(const ListenerLimits& limits)
        : ServerSocket(new GuardedServerSocketImpl(limits), true) {}
};

GuardedSocketImpl* guardOf(const Poco::Net::HTTPServerRequest& request) {
    auto* impl = dynamic_cast<const Poco::Net::HTTPServerRequestImpl*>(&request);
    if (impl == nullptr) {
        return nullptr;
    }
    return dynamic_cast<GuardedSocketImpl*>(const_cast<Poco::Net::HTTPServerRequestImpl*>(impl)->socket().impl());
}

/// Runs the real handler, then arms the head deadline for the connection's next request.
class PhaseHandler : public Poco::Net::HTTPRequestHandler {
public:
    PhaseHandler(Poco::Net::HTTPRequestHandler* inner, GuardedSocketImpl* socket) : inner_(inner), socket_(socket) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        inner_->handleRequest(request, response);
        socket_->awaitHead();
    }

private:
    std::unique_ptr<Poco::Net::HTTPRequestHandler> inner_;
    GuardedSocketImpl* socket_;
};

class PhaseFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit PhaseFactory(Poco::Net::HTTPRequestHandlerFactory::Ptr inner) : inner_(std::move(inner)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override {
        GuardedSocketImpl* socket = guardOf(request);
        if (socket != nullptr) {
            socket->enterBody(); // Poco parsed the head: the body gets the plain read timeout
        }
        Poco::Net::HTTPRequestHandler* handler = inner_->createRequestHandler(request);
        if (handler == nullptr || socket == nullptr) {
            return handler;
        }
        return new PhaseHandler(handler, socket);
    }

private:
    Poco::Net::HTTPRequestHandlerFactory::Ptr inner_;
};

} // namespace

ListenerLimits listenerLimits(const NodeSettings& settings) {
    ListenerLimits limits;
    limits.maxThreads = static_cast<int>(std::max<std::int64_t>(settings.httpMaxThreads, 1));
    limits.maxQueued = static_cast<int>(std::max<std::int64_t>(settings.httpMaxQueued, 1));
    limits.readTimeout = Poco::Timespan(std::max<std::int64_t>(settings.httpReadTimeoutSeconds, 1), 0);
    limits.writeTimeout = Poco::Timespan(std::max<std::int64_t>(settings.httpWriteTimeoutSeconds, 1), 0);
    limits.idleTimeout = Poco::Timespan(std::max<std::int64_t>(settings.httpIdleTimeoutSeconds, 1), 0);
    limits.headerTimeout = Poco::Timespan(
        std::min<std::int64_t>(std::max<std::int64_t>(settings.httpReadTimeoutSeconds, 1), kMaxHeaderTimeoutSeconds),
        0);
    return limits;
}

HttpListener::HttpListener(std::string name, Poco::Net::HTTPRequestHandlerFactory::Ptr factory, ListenerLimits limits)
    : name_(std::move(name)), factory_(std::move(factory)), limits_(limits) {}

HttpListener::~HttpListener() { stop(); }

void HttpListener::start(const std::string& bindAddress, int port) {
    GuardedServerSocket socket(limits_);
    try {
        socket.bind(Poco::Net::SocketAddress(bindAddress, static_cast<Poco::UInt16>(port)), true, false);
        socket.listen(limits_.maxQueued);
    } catch (const Poco::Exception& e) {
        throw ConfigError("cannot listen on the " + name_ + " " + std::to_string(port) + ": " + e.displayText());
    }
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(limits_.maxThreads);
    params->setMaxQueued(limits_.maxQueued);
    params->setKeepAlive(true);
    params->setTimeout(limits_.readTimeout);
    params->setKeepAliveTimeout(limits_.idleTimeout);
    params->setServerName("maelstromd");
    // A pool of its own: the default pool is shared process-wide (both listeners, anything else using it).
    pool_ = std::make_unique<Poco::ThreadPool>(std::min(2, limits_.maxThreads), limits_.maxThreads, 60, 0);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new PhaseFactory(factory_), *pool_, socket, params);
    server_->start();
}

void HttpListener::stop() {
    if (server_) {
        server_->stopAll(false);
        server_.reset();
    }
    if (pool_) {
        pool_->joinAll();
        pool_.reset();
    }
}

int HttpListener::port() const { return server_ ? server_->port() : 0; }

} // namespace maelstrom::core
