// session_pool.h — sql-common: a small pool of Poco::Data sessions with a fixed maximum, which drops
// sessions that failed and opens fresh ones on demand (so the plugin recovers by itself after a database
// restart without being re-created).
// SPDX-License-Identifier: Apache-2.0
//
// Thread-safety: acquire() and clearIdle() may be called from any thread; a Lease is used by one thread.
#pragma once

#include <Poco/Data/Session.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace maelstrom::plugins::sql {

class SessionPool {
public:
    using Opener = std::function<Poco::Data::Session()>;
    using Closer = std::function<void(Poco::Data::Session&)>; ///< must not throw
    using Checker = std::function<void(Poco::Data::Session&)>; ///< throws when the session is dead

    /// `open` creates a ready session (throws on failure); `close` disposes of one; `check` probes a session that
    /// sat idle for longer than `checkAfter` before it is handed out again (servers drop idle connections, and a
    /// restart kills them all), so a dead one is replaced instead of failing the caller's statement. At most
    /// `maxSessions` exist at once; acquire() waits up to `waitTimeout` for one to be returned.
    SessionPool(Opener open, Closer close, Checker check, std::size_t maxSessions, std::chrono::milliseconds waitTimeout,
                std::chrono::milliseconds checkAfter = std::chrono::seconds(30));
    ~SessionPool();
    SessionPool(const SessionPool&) = delete;
    SessionPool& operator=(const SessionPool&) = delete;

    class Lease {
    public:
        Lease(Lease&& other) noexcept;
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        Poco::Data::Session& session() { return *session_; }
        /// The session is broken or in an unknown state: it is closed instead of going back to the pool.
        void invalidate() noexcept { valid_ = false; }
        /// True when the session was opened for this lease (not reused from the pool).
        bool fresh() const noexcept { return fresh_; }

    private:
        friend class SessionPool;
        Lease(SessionPool* pool, Poco::Data::Session session, bool fresh, std::uint64_t generation);
        SessionPool* pool_;
        std::optional<Poco::Data::Session> session_;
        bool fresh_;
        bool valid_ = true;
        std::uint64_t generation_;
    };

    /// An idle session, or a new one. Throws what the opener throws (connection errors), or
    /// Poco::TimeoutException when every session stays busy for the wait timeout.
    Lease acquire();
    /// Closes every idle session and makes sessions in use close when returned (after a connection error:
    /// the others are most likely dead too).
    void clearIdle();
    /// Closes every idle session (shutdown).
    void close();

private:
    void release(std::optional<Poco::Data::Session>& session, bool valid, std::uint64_t generation) noexcept;

    struct Idle {
        Poco::Data::Session session;
        std::chrono::steady_clock::time_point since;
    };

    Opener open_;
    Closer close_;
    Checker check_;
    std::size_t maxSessions_;
    std::chrono::milliseconds waitTimeout_;
    std::chrono::milliseconds checkAfter_;
    std::mutex mutex_;             // guards everything below
    std::condition_variable returned_;
    std::vector<Idle> idle_;       // most recently returned last
    std::size_t inUse_ = 0;        // sessions leased or being opened
    std::uint64_t generation_ = 0; // bumped by clearIdle(): leases of older generations are not kept
};

} // namespace maelstrom::plugins::sql
