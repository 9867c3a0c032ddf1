#pragma once
/// @file
/// @brief Slug → redirect target through the cache levels: L1 (in-process), then the optional shared L2
/// (Redis in distributed mode), then the link store, filling the caches on the way back (and remembering
/// unknown slugs). Thread-safe.

#include <string_view>

#include "cache/l1_cache.hpp"
#include "cache/link_cache.hpp"
#include "metrics/registry.hpp"
#include "store/link_store.hpp"

namespace shortener::cache {

/// shortener_cache_lookups_total{level, result}: where each slug lookup was answered.
struct CacheProbe {
    explicit CacheProbe(metrics::Registry& registry);
    metrics::Counter& l1_hit;
    metrics::Counter& l1_negative;
    metrics::Counter& l1_miss;
    metrics::Counter& l2_hit;
    metrics::Counter& l2_miss;
    metrics::Counter& store_found;
    metrics::Counter& store_not_found;
};

class LinkResolver {
  public:
    LinkResolver(store::LinkStore& links, L1Cache& l1, LinkCache* l2 = nullptr, CacheProbe* probe = nullptr)
        : links_(links), l1_(l1), l2_(l2), probe_(probe) {}

    /// The target for the slug, or null if no link has it (deleted links are returned, flagged).
    store::Task<TargetPtr> Resolve(std::string_view slug);
    /// Puts a link into the caches (after create or update).
    void Warm(const core::Link& link);
    /// Drops the slug from the caches (after update or delete).
    void Invalidate(std::string_view slug);

  private:
    store::LinkStore& links_;
    L1Cache& l1_;
    LinkCache* l2_;
    CacheProbe* probe_;
};

}  // namespace shortener::cache
