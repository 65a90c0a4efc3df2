// session_pool.cpp — see session_pool.h.
// SPDX-License-Identifier: Apache-2.0
#include "session_pool.h"

#include <Poco/Exception.h>

#include <cstdio>
#include <cstdlib>

namespace maelstrom::plugins::sql {

SessionPool::SessionPool(Opener open, Closer close, Checker check, CleanCheck isClean, DirtyReport reportDirty,
                         std::size_t maxSessions, std::chrono::milliseconds waitTimeout,
                         std::chrono::milliseconds checkAfter)
    : open_(std::move(open)), close_(std::move(close)), check_(std::move(check)), isClean_(std::move(isClean)),
      reportDirty_(std::move(reportDirty)), maxSessions_(maxSessions == 0 ? 1 : maxSessions), waitTimeout_(waitTimeout),
      checkAfter_(checkAfter) {}

SessionPool::~SessionPool() { close(); }

SessionPool::Lease::Lease(SessionPool* pool, Poco::Data::Session session, bool fresh, std::uint64_t generation)
    : pool_(pool), session_(std::move(session)), fresh_(fresh), generation_(generation) {}

SessionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), session_(std::move(other.session_)), fresh_(other.fresh_), valid_(other.valid_),
      generation_(other.generation_) {
    other.pool_ = nullptr;
    other.session_.reset();
}

SessionPool::Lease::~Lease() {
    if (pool_ != nullptr) {
        pool_->release(session_, valid_, generation_);
    }
}

SessionPool::Lease SessionPool::acquire() {
    std::uint64_t generation = 0;
    {
        std::unique_lock lock(mutex_);
        const auto deadline = std::chrono::steady_clock::now() + waitTimeout_;
        while (idle_.empty() && inUse_ >= maxSessions_) {
            if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
                inUse_ >= maxSessions_) {
                throw Poco::TimeoutException("all " + std::to_string(maxSessions_) +
                                             " database sessions stayed busy for " +
                                             std::to_string(waitTimeout_.count()) + " ms");
            }
        }
        ++inUse_;
        generation = generation_;
        if (!idle_.empty()) {
            Idle idle = std::move(idle_.back());
            idle_.pop_back();
            if (std::chrono::steady_clock::now() - idle.since < checkAfter_) {
                return Lease(this, std::move(idle.session), false, generation);
            }
            lock.unlock();
            try {
                check_(idle.session);
                return Lease(this, std::move(idle.session), false, generation);
            } catch (...) {
                close_(idle.session); // dead while idle: open a fresh one below
            }
        }
    }
    // Open outside the lock: connecting can take a while and must not block other threads.
    try {
        return Lease(this, open_(), true, generation);
    } catch (...) {
        std::lock_guard lock(mutex_);
        --inUse_;
        returned_.notify_one();
        throw;
    }
}

void SessionPool::release(std::optional<Poco::Data::Session>& session, bool valid, std::uint64_t generation) noexcept {
    // Checked outside the lock: the check reads the client library's connection state.
    const Returned state = session && valid && isClean_ ? isClean_(*session) : Returned::Clean;
    const bool dirty = state == Returned::InTransaction;
    if (state == Returned::Broken) {
        valid = false;
    }
    if (dirty) {
#ifdef MAELSTROM_POOL_HYGIENE_ABORT
        std::fprintf(stderr, "session pool: a database session came back with a transaction open or autocommit "
                             "off (pool hygiene violated)\n");
        std::abort();
#endif
        valid = false;
    }
    std::optional<Poco::Data::Session> toClose;
    std::uint64_t dirtyCount = 0;
    {
        std::lock_guard lock(mutex_);
        --inUse_;
        if (dirty) {
            dirtyCount = ++dirtyReturns_;
        }
        if (session) {
            if (valid && generation == generation_) {
                idle_.push_back({std::move(*session), std::chrono::steady_clock::now()});
            } else {
                toClose = std::move(session);
            }
        }
        returned_.notify_one();
    }
    if (toClose) {
        close_(*toClose);
    }
    if (dirty && reportDirty_) {
        reportDirty_(dirtyCount);
    }
}

void SessionPool::clearIdle() {
    std::vector<Idle> old;
    {
        std::lock_guard lock(mutex_);
        ++generation_;
        old.swap(idle_);
    }
    for (auto& idle : old) {
        close_(idle.session);
    }
}

void SessionPool::close() { clearIdle(); }

std::uint64_t SessionPool::dirtyReturns() const {
    std::lock_guard lock(mutex_);
    return dirtyReturns_;
}

} // namespace maelstrom::plugins::sql
