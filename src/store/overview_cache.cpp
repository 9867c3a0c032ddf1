#include "store/overview_cache.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include "log/log.hpp"

namespace shortener::store {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

struct Key {
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
    bool include_bots = false;
    std::size_t limit = 0;
    std::optional<std::int64_t> owner;
    bool operator<(const Key& o) const {
        return std::tie(from_ms, to_ms, include_bots, limit, owner) <
               std::tie(o.from_ms, o.to_ms, o.include_bots, o.limit, o.owner);
    }
};

struct Entry {
    std::vector<LinkTotals> rows;
    TimePoint computed_at;
    std::uint64_t last_used = 0;  // a use counter, not a time: no ties, whatever the clock does
    bool refreshing = false;
};

enum class Found { kFresh, kStale, kMiss };

struct Lookup {
    Found found = Found::kMiss;
    std::vector<LinkTotals> rows;
    bool refresh = false;  // this caller starts the recomputation
};

}  // namespace

struct OverviewCache::State {
    explicit State(OverviewCacheOptions o) : options(o), work(boost::asio::make_work_guard(io)) {
        thread = std::thread([this] { io.run(); });
    }

    Lookup Find(const Key& key, TimePoint now) {
        std::lock_guard lock(mutex);
        auto it = entries.find(key);
        if (it == entries.end()) {
            ++counts.miss;
            return {};
        }
        Entry& e = it->second;
        e.last_used = ++uses;
        const auto age = now - e.computed_at;
        // A clock that went back makes an answer look young: recompute it rather than trust it.
        if (age >= TimePoint::duration::zero() && age < options.fresh_for) {
            ++counts.fresh;
            return {Found::kFresh, e.rows, false};
        }
        if (age < options.stale_for) {
            ++counts.stale;
            const bool start = !e.refreshing;
            e.refreshing = true;
            return {Found::kStale, e.rows, start};
        }
        ++counts.miss;
        return {};
    }

    void Put(const Key& key, std::vector<LinkTotals> rows, TimePoint now) {
        std::lock_guard lock(mutex);
        Entry& e = entries[key];
        e.rows = std::move(rows);
        e.computed_at = now;
        e.last_used = ++uses;
        e.refreshing = false;
        if (entries.size() <= options.max_entries) return;
        auto oldest = std::min_element(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
            return a.second.last_used < b.second.last_used;
        });
        entries.erase(oldest);
    }

    void Failed(const Key& key) {
        std::lock_guard lock(mutex);
        if (auto it = entries.find(key); it != entries.end()) it->second.refreshing = false;
    }

    const OverviewCacheOptions options;
    mutable std::mutex mutex;
    std::map<Key, Entry> entries;
    std::uint64_t uses = 0;
    Counts counts;
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
    std::thread thread;
};

namespace {

// The background recomputation of a stale answer, on the cache's thread. A failure leaves the old answer in place
// (served until it is too old); the next stale request tries again.
Task<void> Recompute(OverviewCache::State* state, StatsStore* inner, const core::Clock* clock, Key key) {
    try {
        auto rows = co_await inner->TopLinks({key.from_ms, key.to_ms}, key.include_bots, key.limit, key.owner);
        state->Put(key, std::move(rows), clock->Now());
    } catch (const std::exception& e) {
        state->Failed(key);
        log::Warn("overview_refresh_failed", {{"error", e.what()}});
    }
}

}  // namespace

OverviewCache::OverviewCache(StatsStore& inner, const core::Clock& clock, OverviewCacheOptions options)
    : inner_(inner), clock_(clock), state_(std::make_unique<State>(options)) {}

OverviewCache::~OverviewCache() {
    state_->work.reset();  // run() returns once the recomputations in flight are done
    state_->thread.join();
}

Task<std::vector<LinkTotals>> OverviewCache::TopLinks(MsRange days, bool include_bots, std::size_t limit,
                                                      std::optional<std::int64_t> owner) {
    const Key key{days.from_ms, days.to_ms, include_bots, limit, owner};
    Lookup hit = state_->Find(key, clock_.Now());
    if (hit.refresh) {
        boost::asio::co_spawn(state_->io, Recompute(state_.get(), &inner_, &clock_, key), boost::asio::detached);
    }
    if (hit.found != Found::kMiss) co_return std::move(hit.rows);
    std::vector<LinkTotals> rows = co_await inner_.TopLinks(days, include_bots, limit, owner);
    state_->Put(key, rows, clock_.Now());
    co_return rows;
}

OverviewCache::Counts OverviewCache::counts() const {
    std::lock_guard lock(state_->mutex);
    return state_->counts;
}

}  // namespace shortener::store
