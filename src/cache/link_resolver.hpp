#pragma once
/// @file
/// @brief Slug → redirect target through the cache levels: L1 (in-process), then the optional shared L2
/// (Redis in distributed mode), then the link store, filling the caches on the way back (and remembering
/// unknown slugs). Thread-safe.
///
/// Stale-if-error: an L1 entry that needs revalidation (L1Cache::Kind::kStale) is looked up again in L2
/// and the store like a miss; when that fails because the store cannot be reached
/// (core::BackendUnavailable), the last known target is answered instead of the error and counted
/// (shortener_stale_redirects_total). Slugs erased from L1 (changed or deleted) are never answered stale.

#include <atomic>
#include <string_view>

#include "cache/l1_cache.hpp"
#include "cache/link_cache.hpp"
#include "metrics/registry.hpp"
#include "store/link_store.hpp"

namespace shortener::cache {

/// shortener_cache_lookups_total{level, result}: where each slug lookup was answered;
/// shortener_stale_redirects_total: targets answered stale because the stores could not be reached.
struct CacheProbe {
    explicit CacheProbe(metrics::Registry& registry);
    metrics::Counter& l1_hit;
    metrics::Counter& l1_negative;
    metrics::Counter& l1_miss;
    metrics::Counter& l1_stale;  // entries that needed revalidation
    metrics::Counter& stale_served;
    metrics::Counter& l2_hit;
    metrics::Counter& l2_miss;
    metrics::Counter& store_found;
    metrics::Counter& store_not_found;
};

inline SteadyTime SteadyNow() { return std::chrono::steady_clock::now(); }

class LinkResolver {
  public:
    /// How long stale entries are served without asking the stores again after they failed.
    static constexpr std::chrono::milliseconds kRetryStoresAfter{1000};

    using Clock = SteadyTime (*)();  // a plain function, so tests can pass a fake one

    LinkResolver(store::LinkStore& links, L1Cache& l1, LinkCache* l2 = nullptr, CacheProbe* probe = nullptr,
                 Clock now = &SteadyNow)
        : links_(links), l1_(l1), l2_(l2), probe_(probe), now_(now) {}

    /// The target for the slug, or null if no link has it (deleted links are returned, flagged). Throws
    /// core::BackendUnavailable when the store cannot be reached and L1 holds nothing it may answer stale.
    store::Task<TargetPtr> Resolve(std::string_view slug);
    /// Puts a link into the caches (after create or update).
    void Warm(const core::Link& link);
    /// Drops the slug from the caches (after update or delete).
    void Invalidate(std::string_view slug);

  private:
    // L2, then the store; fills the caches with what it found.
    store::Task<TargetPtr> Fetch(std::string key, SteadyTime now, std::uint64_t generation);
    // After Fetch failed: what L1 may still answer (null if nothing).
    TargetPtr StaleOrNull(std::string_view slug, SteadyTime now);

    store::LinkStore& links_;
    L1Cache& l1_;
    LinkCache* l2_;
    CacheProbe* probe_;
    Clock now_;
    // After a failed revalidation, stale entries are answered at once until then (steady-clock ticks), so that
    // an unreachable store (a partition: connects time out rather than fail) costs one wait per second per
    // replica, not one per redirect. Misses still try the store.
    std::atomic<SteadyTime::rep> retry_stores_at_{0};
};

}  // namespace shortener::cache
