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
    using Closer = std::function<void(Poco::Data::Session&)>;  ///< must not throw
    using Checker = std::function<void(Poco::Data::Session&)>; ///< throws when the session is dead
    /// How a session comes back: may be pooled, connection gone, or left in a transaction. Must not throw.
    enum class Returned { Clean, Broken, InTransaction };
    using CleanCheck = std::function<Returned(Poco::Data::Session&)>;
    /// Told (with the count so far) when a session came back in any other state; must not throw.
    using DirtyReport = std::function<void(std::uint64_t dirtyReturns)>;

    /// `open` creates a ready session (throws on failure); `close` disposes of one; `check` probes a session that
    /// sat idle for longer than `checkAfter` before it is handed out again (servers drop idle connections, and a
    /// restart kills them all), so a dead one is replaced instead of failing the caller's statement. At most
    /// `maxSessions` exist at once; acquire() waits up to `waitTimeout` for one to be returned.
    ///
    /// Pool hygiene: every session handed back (and not invalidated) is checked with `isClean`. A broken one is
    /// closed. One left in a transaction (or with autocommit off) would make every later caller's statements
    /// join a transaction nobody commits, so it is closed instead of pooled and `reportDirty` is told. Such a
    /// return is always a bug of the caller: builds with MAELSTROM_POOL_HYGIENE_ABORT (the sanitizer build)
    /// abort on it so the tests fail at the faulty call.
    SessionPool(Opener open, Closer close, Checker check, CleanCheck isClean, DirtyReport reportDirty,
                std::size_t maxSessions, std::chrono::milliseconds waitTimeout,
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
    /// How many sessions came back unclean and were closed (always 0 unless there is a bug).
    std::uint64_t dirtyReturns() const;

private:
    void release(std::optional<Poco::Data::Session>& session, bool valid, std::uint64_t generation) noexcept;

    struct Idle {
        Poco::Data::Session session;
        std::chrono::steady_clock::time_point since;
    };

    Opener open_;
    Closer close_;
    Checker check_;
    CleanCheck isClean_;
    DirtyReport reportDirty_;
    std::size_t maxSessions_;
    std::chrono::milliseconds waitTimeout_;
    std::chrono::milliseconds checkAfter_;
    mutable std::mutex mutex_; // guards everything below
    std::condition_variable returned_;
    std::vector<Idle> idle_;       // most recently returned last
    std::size_t inUse_ = 0;        // sessions leased or being opened
    std::uint64_t generation_ = 0; // bumped by clearIdle(): leases of older generations are not kept
    std::uint64_t dirtyReturns_ = 0;
};

} // namespace maelstrom::plugins::sql
